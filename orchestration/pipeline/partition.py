"""Ingest one source × academic year: read new file versions, check the year, commit or reject.

Write-audit-publish at the lake level: new versions are read into immutable Parquet (write),
the partition as it would be after the change is validated (audit: the suite runner passed in,
``expectations.suites.run_suite``),
and only if no blocking check fails does the partition's manifest switch to the new set of
file versions (publish). Otherwise the manifest keeps the previous versions and records the
new ones as ``rejected`` with the reason, which blocks publishing of the reporting file until
someone fixes or removes the file (or waives it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import multiprocessing
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from expectations.runner import CheckOutcome, load_context
from ingestion.config import Settings
from ingestion.engine import connect_for_ingestion, read_batch
from ingestion.lake import Lake, _q
from ingestion.landing import LandingEntry, scan_landing
from ingestion.process_name import forked_pool
from ingestion.scratch import private_scratch
from ingestion.sources import READERS, reader_for
from ingestion.stages import NO_STAGES, CollectingStages, Stages

Log = Callable[[str], None]
# (connection, source, relation of the partition as it would be) -> the outcome of each check
SuiteRunner = Callable[[duckdb.DuckDBPyConnection, str, str], list[CheckOutcome]]


@dataclass
class PartitionResult:
    """What happened to one source × academic year, for logs, Dagster metadata and tests."""

    source_name: str
    academic_year: int
    committed: bool
    files: list[dict[str, Any]] = field(default_factory=list)  # per file × sheet summary
    checks: list[CheckOutcome] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    current_versions: list[str] = field(default_factory=list)
    removed_versions: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "rows_loaded", "rows_quarantined", "rows_skipped")
        return {k: sum(int(f.get(k) or 0) for f in self.files) for k in keys}

    @property
    def blocking_failures(self) -> list[CheckOutcome]:
        return [c for c in self.checks if c.blocks]

    def describe(self) -> str:
        t = self.totals()
        state = "committed" if self.committed else "REJECTED (previous versions kept)"
        lines = [
            f"{self.source_name} {self.academic_year}: {len(self.current_versions)} file(s), "
            f"{len(self.new_versions)} new; rows read {t['rows_read']} = loaded "
            f"{t['rows_loaded']} + quarantined {t['rows_quarantined']} + skipped "
            f"{t['rows_skipped']}; {state}"
        ]
        for f in self.files:
            if f.get("status") in ("unreadable", "rejected"):
                lines.append(f"  {f['status'].upper()} {f['source_file']}: {f['status_reason']}")
        lines += [f"  check {c.summary()}" for c in self.checks if not c.passed]
        return "\n".join(lines)


def ingest_partition(
    settings: Settings,
    source: str,
    academic_year: int,
    *,
    run_suite: SuiteRunner,
    entries: Sequence[LandingEntry] | None = None,
    run_id: str | None = None,
    log: Log = lambda message: None,
    stages: Stages = NO_STAGES,
) -> PartitionResult:
    reader = reader_for(source)
    lake = Lake(settings.lake_dir, stages)
    lake.ensure_schemas(list(READERS.values()))
    if entries is None:
        entries = scan_landing(settings, source, stages)
    mine = [
        e
        for e in entries
        if e.source_name == source and e.academic_year == academic_year and e.error is None
    ]
    if not mine and not lake.manifest_path(source, academic_year).exists():
        # no file now and none decided on before: nothing to read, check or record
        return PartitionResult(source, academic_year, committed=True)
    with (
        private_scratch() as scratch,  # re-encoded copies, DuckDB's spill files: owner-only
        contextlib.closing(
            connect_for_ingestion(
                settings.duckdb_memory_limit, settings.duckdb_threads, scratch / "spill"
            )
        ) as con,
    ):
        parsed = lake.parsed_versions(con, source, reader.reader_version)
        # identical bytes under several names (empty forms of schools that had no results)
        # are one version: read once and summarised once per sheet (audit.file_load_summary
        # joins that summary to every landing name by checksum)
        new: list[LandingEntry] = []
        seen: set[str | None] = set(parsed)
        for e in mine:
            if e.file_sha256 not in seen:
                seen.add(e.file_sha256)
                new.append(e)
        result = PartitionResult(source, academic_year, committed=False)
        result.new_versions = sorted({e.file_sha256 for e in new if e.file_sha256})
        if new:
            log(f"{source} {academic_year}: reading {len(new)} new file version(s)")
            needs_secret = reader.pupil_level or any(f.personal for f in reader.fields)
            files = [e.as_file_version(settings.landing_dir) for e in new]
            with stages.stage("read_batch", source=source, files=len(files)) as details:
                batch = read_batch(
                    con,
                    reader,
                    files,
                    settings.secret() if needs_secret else None,
                    scratch,
                )
                summaries = batch.files.to_pylist()
                details.update(
                    suffixes=sorted({f.path.suffix.lower() for f in files}),
                    rows_read=sum(int(r["rows_read"] or 0) for r in summaries),
                    rows_loaded=int(batch.rows.num_rows),
                )
            # data and quarantine first; the file summary last: it marks the versions as read
            lake.write(
                lake.data_path(source, reader.table, academic_year, batch.batch_id), batch.rows
            )
            lake.write(
                lake.meta_path("quarantine", source, academic_year, batch.batch_id),
                batch.quarantine,
            )
            lake.write(lake.meta_path("files", source, academic_year, batch.batch_id), batch.files)
            parsed = lake.parsed_versions(con, source, reader.reader_version)
        result.files = _file_summaries(con, lake, source, mine, parsed)
        _assert_rows_add_up(result.files)

        current = {e.file_sha256: e for e in mine if e.file_sha256 and e.file_sha256 in parsed}
        readable = {sha: e for sha, e in current.items() if parsed[sha][2] == "read"}
        result.current_versions = sorted(current)
        relation = _partition_view(con, lake, reader, academic_year, readable, parsed)
        if readable:
            with stages.stage("arrival_checks", source=source):
                result.checks = run_suite(con, source, relation)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        previous = lake.read_manifest(source, academic_year).to_pylist()
        previous_committed = [r for r in previous if r["status"] == "committed"]
        result.committed = not result.blocking_failures

        def row(e: LandingEntry, status: str, reason: str | None) -> dict[str, Any]:
            sha = e.file_sha256 or ""
            return {
                "source_name": source,
                "academic_year": academic_year,
                "file_sha256": sha,
                "source_file": e.source_file,
                "reader_version": reader.reader_version,
                "batch_id": parsed[sha][0],
                "status": status,
                "status_reason": reason,
                "decided_at": now,
                "run_id": run_id,
            }

        unreadable = [  # or rejected by the reader (its own totals, mixed delimiters)
            row(e, parsed[sha][2], _reason_of(result.files, sha))
            for sha, e in current.items()
            if sha not in readable
        ]
        if result.committed:
            manifest = [row(e, "committed", None) for e in readable.values()] + unreadable
        else:
            reason = "; ".join(c.summary() for c in result.blocking_failures)[:2000]
            kept = {r["file_sha256"] for r in previous_committed}
            manifest = [{**r, "decided_at": r["decided_at"]} for r in previous_committed] + [
                row(e, "rejected", reason) for sha, e in readable.items() if sha not in kept
            ]
            manifest += unreadable
        result.removed_versions = sorted(
            {r["file_sha256"] for r in previous_committed}
            - {r["file_sha256"] for r in manifest if r["status"] == "committed"}
        )
        lake.commit_manifest(source, academic_year, manifest)
        log(result.describe())
        return result


def ingest_partitions(
    settings: Settings,
    source: str,
    academic_years: Sequence[int],
    *,
    run_suite: SuiteRunner,
    entries: Sequence[LandingEntry],
    run_id: str | None = None,
    log: Log = lambda message: None,
    stages: Stages = NO_STAGES,
) -> Iterator[PartitionResult]:
    """``ingest_partition`` for each academic year, the years with files to read in parallel
    processes (``settings.ingest_workers``; the lake was laid out for it: a partition writes only
    its own Parquet and manifest). Results come in the order of ``academic_years``.

    The workers are forked from this process (what is imported stays imported: the readers,
    DuckDB, the suites), each with its share of DuckDB's memory limit and threads. Each one runs
    exactly ``ingest_partition``, so a batch that crashes is still re-read file by file and the
    failing file rejected by name; an exception in a worker is raised here as it would be in
    process. Logs and stage timings made in a worker are replayed here when it returns."""
    years = list(academic_years)
    new_years = _years_with_new_files(settings, source, entries)
    busy = [y for y in years if y in new_years]
    workers = min(settings.ingest_workers, len(busy))

    def here(year: int) -> PartitionResult:
        return ingest_partition(
            settings,
            source,
            year,
            run_suite=run_suite,
            entries=entries,
            run_id=run_id,
            log=log,
            stages=stages,
        )

    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(here, years)
        return
    Lake(settings.lake_dir).ensure_schemas(list(READERS.values()))  # once, before the workers
    load_context()  # the GX context: created once here, inherited by every worker
    share = dataclasses.replace(
        settings,
        duckdb_memory_limit=memory_share(settings.duckdb_memory_limit, workers),
        duckdb_threads=max(1, settings.duckdb_threads // workers),
    )
    with forked_pool(workers, "msoko-ingest") as pool:
        futures = {
            y: pool.submit(_ingest_in_worker, share, source, y, run_suite, entries, run_id)
            for y in busy
        }
        for year in years:
            if year not in futures:  # nothing to read: the manifest's decision only
                yield here(year)
                continue
            result, messages, timings = futures[year].result()
            for message in messages:
                log(message)
            for timing in timings:
                stages.record(timing)
            yield result


def _years_with_new_files(
    settings: Settings, source: str, entries: Sequence[LandingEntry]
) -> set[int]:
    """The academic years of ``source`` with a file version the lake has not read yet."""
    if not any(e.source_name == source and e.error is None for e in entries):
        return set()  # no file: nothing to ask the lake
    con = duckdb.connect()
    try:
        parsed = Lake(settings.lake_dir).parsed_versions(
            con, source, reader_for(source).reader_version
        )
    finally:
        con.close()
    return {
        e.academic_year
        for e in entries
        if e.source_name == source
        and e.error is None
        and e.academic_year is not None
        and e.file_sha256 not in parsed
    }


def _ingest_in_worker(
    settings: Settings,
    source: str,
    year: int,
    run_suite: SuiteRunner,
    entries: Sequence[LandingEntry],
    run_id: str | None,
) -> tuple[PartitionResult, list[str], list[dict[str, Any]]]:
    messages: list[str] = []
    stages = CollectingStages()
    result = ingest_partition(
        settings,
        source,
        year,
        run_suite=run_suite,
        entries=entries,
        run_id=run_id,
        log=messages.append,
        stages=stages,
    )
    return result, messages, stages.timings


def memory_share(limit: str, parts: int) -> str:
    """``limit`` (a DuckDB memory limit: '8GB', '512MiB', '75%') split into ``parts``."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z%]*)\s*", limit)
    if not match or parts <= 1:
        return limit
    number, unit = float(match.group(1)), match.group(2) or "B"
    scale = {
        "": 1,
        "b": 1,
        "kb": 1e3,
        "mb": 1e6,
        "gb": 1e9,
        "tb": 1e12,
        "kib": 2**10,
        "mib": 2**20,
        "gib": 2**30,
        "tib": 2**40,
    }
    if unit == "%":
        return f"{number / parts:g}%"
    if unit.lower() not in scale:
        return limit
    return f"{max(1, int(number * scale[unit.lower()] / parts / 2**20))}MiB"


def _file_summaries(
    con, lake: Lake, source: str, mine: Sequence[LandingEntry], parsed
) -> list[dict[str, Any]]:
    wanted = {(e.file_sha256, parsed[e.file_sha256][0]) for e in mine if e.file_sha256 in parsed}
    rows = lake.file_summaries(con, source, [batch for _, batch in wanted])
    # the same version may have been read under another landing name: show the current one
    names = {e.file_sha256: e.source_file for e in mine}
    return [
        {**r, "source_file": names[r["file_sha256"]]}
        for r in rows
        if (r["file_sha256"], r["batch_id"]) in wanted
    ]


def _assert_rows_add_up(files: list[dict[str, Any]]) -> None:
    for f in files:
        if f["status"] == "unreadable":
            continue
        parts = f["rows_loaded"] + f["rows_quarantined"] + f["rows_skipped"]
        if parts != f["rows_read"]:
            raise AssertionError(
                f"{f['source_file']} {f['source_sheet'] or ''}: rows read {f['rows_read']} != "
                f"loaded + quarantined + skipped {parts}"
            )


def _reason_of(files: list[dict[str, Any]], sha: str) -> str | None:
    return next(
        (f["status_reason"] for f in files if f["file_sha256"] == sha and f["status_reason"]),
        None,
    )


def _partition_view(con, lake: Lake, reader, year: int, readable, parsed) -> str:
    """A view of the partition's rows as they would be after this run."""
    name = f"partition_{reader.name}_{year}"
    batches = sorted({parsed[sha][0] for sha in readable})
    paths = [lake.data_path(reader.name, reader.table, year, b) for b in batches]
    paths = [p for p in paths if p.exists()]
    pairs = ", ".join(f"('{sha}', '{parsed[sha][0]}')" for sha in readable) or "(null, null)"
    if not paths:
        paths = [lake.table_dir(reader.name, reader.table) / "_schema" / "_schema.parquet"]
    files = ", ".join(f"'{_q(p)}'" for p in paths)
    con.execute(
        f"create or replace temp view {name} as select * from read_parquet([{files}], "
        f"union_by_name = true) where (file_sha256, batch_id) in (select * from (values {pairs}))"
    )
    return name

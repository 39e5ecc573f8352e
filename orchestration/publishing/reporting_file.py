"""Write-audit-publish of the reporting file analysts and BI tools open.

The warehouse (``warehouse.duckdb``) is internal: it holds pupil-level rows. What reporting
reads is a second file, built like this:

1. **gate** — nothing is published while a landing file is unreadable or unplaced, or a file
   version was rejected by a blocking arrival check (``gate_failures``); dbt's own tests have
   already stopped the run if they failed;
2. **build** — a new DuckDB file next to the published one (a temporary name), holding copies
   of the dbt models and seeds whose ``meta.publish`` is true (never pupil-level rows), small
   groups suppressed, comments kept, and a ``publication`` table that records the version,
   time, source file checksums and check results;
3. **verify** — no column that could identify a pupil; every table non-empty where required;
4. **swap** — the file is closed, flushed and ``os.replace``d onto the published path. Readers
   holding the old file keep reading it; new connections see the new one. A failure before the
   swap leaves the published file byte-identical.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ingestion.config import Settings
from ingestion.engine import fetch_one
from ingestion.lake import Lake
from ingestion.landing import landing_problem
from orchestration.publishing.decisions import Decision, read_decisions
from orchestration.reports.quality_report import (
    QualityFacts,
    read_quality_facts,
    write_quality_report,
)

# Columns that would let a reader single out a pupil; the publisher refuses a file holding one.
PUPIL_COLUMNS = frozenset(
    {
        "person_key",
        "participant_key",
        "exam_result_id",
        "surname",
        "first_name",
        "patronymic",
        "full_name",
        "document_number",
        "document_series",
        "birth_date",
        "snils",
    }
)
PUBLICATION_TABLE = "publication"
# The reporting file is written in this DuckDB storage format, which every DuckDB since 1.0
# reads — the drivers bundled by DBeaver, Metabase and Superset's duckdb-engine included.
REPORTING_STORAGE_VERSION = "v1.0.0"
# Crash testing: MSOKO_FAULT_INJECTION=publish:mid_build|publish:before_swap kills the process
# (SIGKILL) at that point, as a power cut or an OOM kill would.
FAULT_ENV = "MSOKO_FAULT_INJECTION"


@dataclass(frozen=True)
class PublishedRelation:
    """A warehouse relation copied into the reporting file."""

    schema: str
    name: str
    description: str = ""
    # groups smaller than the minimum have these measures blanked: {count column: [measures]}
    suppress: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class PublicationResult:
    path: Path
    version: int
    tables: dict[str, int]
    suppressed_cells: int
    source_files: int
    provisional_years: list[int]
    quality_report: Path


class PublishBlockedError(RuntimeError):
    """A gate failed: the previous reporting file stays in place."""


def published_relations(manifest: dict[str, Any]) -> list[PublishedRelation]:
    """Models and seeds of the dbt manifest whose ``meta.publish`` is true."""
    out = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in {"model", "seed"}:
            continue
        meta = node.get("config", {}).get("meta", {}) or node.get("meta", {})
        if not meta.get("publish"):
            continue
        suppress = meta.get("suppress_small_groups") or {}
        out.append(
            PublishedRelation(
                schema=node["schema"],
                name=node.get("alias") or node["name"],
                description=node.get("description", ""),
                suppress={k: list(v) for k, v in suppress.items()},
            )
        )
    return sorted(out, key=lambda r: (r.schema, r.name))


def gate_failures(
    settings: Settings,
    history: Sequence[dict[str, Any]] = (),
    decisions: Sequence[Decision] = (),
) -> list[str]:
    """Reasons not to publish, read from the landing folder, the lake's bookkeeping and the
    previous publication (empty list: go ahead)."""
    problem = landing_problem(settings.landing_dir)
    if problem:
        return [problem]
    lake = Lake(settings.lake_dir)
    reasons = []
    index = lake.read_landing_index().to_pylist()
    for row in index:
        if row["error"]:
            reasons.append(f"landing file {row['source_file']} not loaded: {row['error']}")
    folder = settings.lake_dir / "_manifest"
    for path in sorted(folder.glob("*/academic_year=*.parquet")) if folder.exists() else []:
        source, year = path.parent.name, path.stem.split("=")[1]
        for row in lake.read_manifest(source, int(year)).to_pylist():
            if row["status"] == "rejected":
                reasons.append(
                    f"{row['source_file']} ({source} {year}) rejected by a blocking check: "
                    f"{row['status_reason']}"
                )
            elif row["status"] == "unreadable":
                reasons.append(
                    f"{row['source_file']} ({source} {year}) unreadable: {row['status_reason']}"
                )
    reasons += vanished_partitions(index, history, decisions)
    return reasons


def vanished_partitions(
    index: Sequence[dict[str, Any]],
    history: Sequence[dict[str, Any]],
    decisions: Sequence[Decision],
) -> list[str]:
    """A source × academic year that the last publication held and the landing folder no
    longer has any file of (removing one file of a partition stays allowed)."""
    if not history:
        return []
    published = {
        (f["source_name"], f["academic_year"])
        for f in json.loads(history[-1].get("source_files") or "[]")
        if f.get("source_name") and f.get("academic_year") is not None
    }
    present = {
        (r["source_name"], r["academic_year"])
        for r in index
        if r["academic_year"] is not None and not r["error"]
    }
    reasons = []
    for source, year in sorted(published - present):
        if any(d.covers("withdrawn", year, source) for d in decisions):
            continue
        reasons.append(
            f"{source} {year}/{year + 1}: the last publication (version "
            f"{history[-1]['version']}) held its data and the landing folder has no file of it "
            f"now; put the files back, or record the withdrawal in "
            f"config/publication_decisions.csv ({year},{source},withdrawn,<reason>,<who>,<date>)"
        )
    return reasons


def lake_fingerprint(settings: Settings) -> str:
    """A digest of the committed state: which file versions each partition holds."""
    lake = Lake(settings.lake_dir)
    digest = hashlib.sha256()
    folder = settings.lake_dir / "_manifest"
    for path in sorted(folder.glob("*/academic_year=*.parquet")) if folder.exists() else []:
        source, year = path.parent.name, path.stem.split("=")[1]
        rows = lake.read_manifest(source, int(year)).to_pylist()
        for row in sorted(rows, key=lambda r: r["file_sha256"]):
            digest.update(f"{source}|{year}|{row['file_sha256']}|{row['status']}\n".encode())
    return digest.hexdigest()


def source_files(settings: Settings) -> list[dict[str, Any]]:
    return [
        {
            "source_file": r["source_file"],
            "file_sha256": r["file_sha256"],
            "source_name": r["source_name"],
            "academic_year": r["academic_year"],
        }
        for r in Lake(settings.lake_dir).read_landing_index().to_pylist()
        if not r.get("ignored_reason")
    ]


def files_not_read(settings: Settings) -> list[tuple[str, str]]:
    """Every landing file that is not read, with the reason (the last scan)."""
    return [
        (r["source_file"], r["error"] or r.get("ignored_reason") or "")
        for r in Lake(settings.lake_dir).read_landing_index().to_pylist()
        if r["error"] or r.get("ignored_reason")
    ]


def previous_publications(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    con = duckdb.connect(str(path), read_only=True)
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_name = ?",
            [PUBLICATION_TABLE],
        ).fetchone()
        if not exists or not exists[0]:
            return []
        cursor = con.execute(f"select * from {PUBLICATION_TABLE} order by version")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def publish(
    settings: Settings,
    relations: Sequence[PublishedRelation],
    *,
    run_id: str | None = None,
    checks: Sequence[dict[str, Any]] = (),
    min_group_size: int = 5,
) -> PublicationResult:
    target = settings.reporting_path
    history = previous_publications(target)
    decisions, decision_problems = read_decisions(settings.decisions_path)
    facts = (
        read_quality_facts(settings.warehouse_path)
        if settings.warehouse_path.exists()
        else QualityFacts()
    )
    reasons = (
        gate_failures(settings, history, decisions) + decision_problems + facts.blocking_reasons()
    )
    if reasons:
        refuse(settings, reasons, facts, decisions)
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):  # from a killed run
        leftover.unlink(missing_ok=True)
    version = (max(r["version"] for r in history) + 1) if history else 1
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    con = duckdb.connect()
    try:
        con.execute(f"attach '{_q(settings.warehouse_path)}' as wh (read_only)")
        con.execute(
            f"attach '{_q(tmp)}' as reporting (storage_version '{REPORTING_STORAGE_VERSION}')"
        )
        con.execute("use reporting")
        tables, suppressed = {}, 0
        for rel in relations:
            tables[f"{rel.schema}.{rel.name}"], n = _copy(con, rel, min_group_size)
            suppressed += n
            _maybe_crash("publish:mid_build")
        _refuse_pupil_columns(con)
        files = source_files(settings)
        published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        _write_publication(
            con,
            history,
            {
                "version": version,
                "published_at": published_at,
                "run_id": run_id,
                "lake_fingerprint": lake_fingerprint(settings),
                "min_group_size": min_group_size,
                "tables": json.dumps(tables, ensure_ascii=False),
                "source_files": json.dumps(files, ensure_ascii=False),
                "check_results": json.dumps(list(checks), ensure_ascii=False, default=str),
                "is_provisional": bool(facts.provisional_years),
                "provisional_years": ", ".join(str(y) for y in facts.provisional_years) or None,
                "waived_count": len(facts.waived),
                "decisions": json.dumps([d.as_dict() for d in decisions], ensure_ascii=False),
            },
        )
        con.execute("use memory")
        con.execute("detach wh")
        con.execute("checkpoint reporting")
        con.execute("detach reporting")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    _maybe_crash("publish:before_swap")
    os.replace(tmp, target)
    _fsync_dir(target.parent)
    report = write_quality_report(
        settings.reports_dir,
        facts,
        published=True,
        reasons=[],
        version=version,
        decisions=decisions,
        not_read=files_not_read(settings),
    )
    return PublicationResult(
        target, version, tables, suppressed, len(files), facts.provisional_years, report
    )


def refuse(
    settings: Settings,
    reasons: Sequence[str],
    facts: QualityFacts | None = None,
    decisions: Sequence[Decision] = (),
) -> None:
    """Write the quality report of a refused publication and raise ``PublishBlockedError``."""
    report = write_quality_report(
        settings.reports_dir,
        facts or QualityFacts(),
        published=False,
        reasons=reasons,
        version=None,
        decisions=decisions,
        not_read=files_not_read(settings),
    )
    raise PublishBlockedError(
        f"not published: {len(reasons)} blocking problem(s); the previous reporting file "
        f"stays in place. Quality report: {report}\n- " + "\n- ".join(reasons)
    )


def _maybe_crash(point: str) -> None:
    if os.environ.get(FAULT_ENV) == point:
        os.kill(os.getpid(), signal.SIGKILL)


def _copy(con: duckdb.DuckDBPyConnection, rel: PublishedRelation, min_size: int) -> tuple[int, int]:
    con.execute(f"create schema if not exists {rel.schema}")
    columns = [
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where database_name = 'wh' "
            "and schema_name = ? and table_name = ? order by column_index",
            [rel.schema, rel.name],
        ).fetchall()
    ]
    if not columns:
        raise PublishBlockedError(f"{rel.schema}.{rel.name} is missing from the warehouse")
    replaced = {}
    small = []
    for count_column, measures in rel.suppress.items():
        small.append(f"coalesce({count_column}, 0) < {int(min_size)}")
        for m in measures:
            replaced[m] = (
                f"case when coalesce({count_column}, 0) < {int(min_size)} then null else {m} end"
            )
    select = ", ".join(f"{replaced.get(c, c)} as {c}" for c in columns)
    if rel.suppress:
        # a group of 0 shows nothing to hide; flag only rows where something was blanked
        flags = " or ".join(
            f"coalesce({c}, 0) between 1 and {int(min_size) - 1}" for c in rel.suppress
        )
        select += f", ({flags}) as is_small_group_suppressed"
    con.execute(
        f"create table {rel.schema}.{rel.name} as select {select} from wh.{rel.schema}.{rel.name}"
    )
    rows = fetch_one(con, f"select count(*) from {rel.schema}.{rel.name}")[0]
    suppressed = 0
    if rel.suppress:
        suppressed = fetch_one(
            con, f"select count(*) from {rel.schema}.{rel.name} where is_small_group_suppressed"
        )[0]
    _copy_comments(con, rel)
    return rows, suppressed


def _copy_comments(con: duckdb.DuckDBPyConnection, rel: PublishedRelation) -> None:
    table_comment = con.execute(
        "select comment from duckdb_tables() where database_name = 'wh' and schema_name = ? "
        "and table_name = ?",
        [rel.schema, rel.name],
    ).fetchone()
    comment = (table_comment[0] if table_comment else None) or rel.description
    if comment:
        con.execute(f"comment on table {rel.schema}.{rel.name} is '{_q(comment)}'")
    for name, text in con.execute(
        "select column_name, comment from duckdb_columns() where database_name = 'wh' "
        "and schema_name = ? and table_name = ? and comment is not null",
        [rel.schema, rel.name],
    ).fetchall():
        con.execute(f"comment on column {rel.schema}.{rel.name}.{name} is '{_q(text)}'")


def _refuse_pupil_columns(con: duckdb.DuckDBPyConnection) -> None:
    found = con.execute(
        "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
        "where database_name = current_database() and lower(column_name) in "
        f"({', '.join(repr(c) for c in sorted(PUPIL_COLUMNS))})"
    ).fetchall()
    if found:
        raise PublishBlockedError(
            "pupil-level columns must not reach the reporting file: "
            + ", ".join(r[0] for r in found)
        )


def _write_publication(con, history: list[dict[str, Any]], row: dict[str, Any]) -> None:
    con.execute(
        f"create table {PUBLICATION_TABLE} (version integer primary key, published_at timestamp, "
        "run_id varchar, lake_fingerprint varchar, min_group_size integer, tables varchar, "
        "source_files varchar, check_results varchar, is_provisional boolean, "
        "provisional_years varchar, waived_count integer, decisions varchar)"
    )
    con.execute(
        f"comment on table {PUBLICATION_TABLE} is 'One row per publication of this file: version, "
        "time (UTC), the Dagster run, the lake state, the source files (name, SHA-256), the "
        "check results, whether some academic years are provisional (data not yet due), how "
        "many school results were waived and the publication decisions in force. The highest version is the one you are reading.'"
    )
    columns = list(row)
    for r in [*history, row]:
        con.execute(
            f"insert into {PUBLICATION_TABLE} ({', '.join(columns)}) values "
            f"({', '.join('?' for _ in columns)})",
            [r.get(c) for c in columns],
        )


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _q(value: Any) -> str:
    return str(value).replace("'", "''")

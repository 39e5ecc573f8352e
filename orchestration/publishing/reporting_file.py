"""Write-audit-publish of the published artefact analysts and BI tools open.

The warehouse (``warehouse.duckdb``) is internal: it holds pupil-level rows. What reporting
reads is published apart (``publishing.store``: a catalog file of views over versioned Parquet
behind a pointer), built like this:

1. **gate** — nothing is published while the landing folder is missing or empty, a landing file
   is unreadable, unplaced or not ingested, a file version was rejected, results are missing
   past their due date, or a source × year of the last publication vanished
   (``gate.gate_failures``); dbt's own tests have already stopped the run if they failed;
2. **build** — a new version folder (a temporary name) with one Parquet file per dbt model and
   seed whose ``meta.publish`` is true (never pupil-level rows), small groups suppressed (the
   threshold is the seed ``disclosure_parameters.min_count``), and the ``publication`` record:
   version, time, source file checksums, check results, decisions;
3. **verify** — no column that could identify a pupil; the version compared with the last one
   (``changes``): a table that shrinks by more than ``max_shrink_pct`` or a school × year ×
   procedure that disappears is refused unless a recorded decision accounts for it;
4. **swap** — the folder is flushed and renamed into place, the pointer switched, the catalog
   (views, comments) replaced; readers holding connections see the new version on their next
   query. A failure or a kill before the switch leaves what readers see as it was.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ingestion.atomic import replace_file, temp_path
from ingestion.config import Settings
from ingestion.engine import fetch_one
from ingestion.lake import Lake
from orchestration.publishing.changes import PublicationChanges, compare
from orchestration.publishing.decisions import read_decisions
from orchestration.publishing.disclosure import DisclosureRules
from orchestration.publishing.gate import (
    PublishBlockedError,
    files_not_read,
    gate_failures,
    read_quality_facts,
    refuse,
    source_files,
)
from orchestration.publishing.store import (
    PublishedTable,
    ReportingStore,
    StagedVersion,
    share_outputs,
    take_comments,
)
from orchestration.reports.published import PUBLICATION_TABLE, publication_history
from orchestration.reports.quality_report import QualityFacts, write_quality_report

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
PUBLICATION_COLUMNS = (
    ("version", "integer"),
    ("published_at", "timestamp"),
    ("run_id", "varchar"),
    ("lake_fingerprint", "varchar"),
    ("min_group_size", "integer"),
    ("tables", "varchar"),
    ("source_files", "varchar"),
    ("check_results", "varchar"),
    ("is_provisional", "boolean"),
    ("provisional_years", "varchar"),
    ("waived_count", "integer"),
    ("decisions", "varchar"),
    ("build_fingerprint", "varchar"),
)


@dataclass(frozen=True)
class PublishedRelation:
    """A warehouse relation published as one Parquet file of a version."""

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
    changes: PublicationChanges | None = None
    tenants: list[Any] = field(default_factory=list)  # publishing.tenants.TenantResult


def store_of(settings: Settings) -> ReportingStore:
    return ReportingStore(settings.reporting_path, settings.keep_versions, settings.publish_group)


def history_of(settings: Settings, store: ReportingStore | None = None) -> list[dict[str, Any]]:
    """The publication history: the record beside the lake or the published file's own,
    whichever is further on (a kill between the swap and the lake's record leaves the
    published one ahead; a damaged published file leaves the lake's)."""
    recorded = Lake(settings.lake_dir).read_publication_record()
    published = publication_history((store or store_of(settings)).catalog)

    def last(rows: list[dict[str, Any]]) -> int:
        return max((r["version"] for r in rows), default=0)

    return published if last(published) > last(recorded) else recorded


def heal_damaged(settings: Settings, store: ReportingStore) -> str | None:
    """A published file that cannot be read is moved aside (kept for inspection) so that the
    next publication proceeds; the version history survives beside the lake."""
    damage = store.damage()
    if damage is None:
        return None
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    moved = store.move_aside(stamp)
    return f"{damage}: moved aside ({', '.join(p.name for p in moved)}) and published anew"


def publish(
    settings: Settings,
    relations: Sequence[PublishedRelation],
    *,
    run_id: str | None = None,
    checks: Sequence[dict[str, Any]] = (),
    build_fingerprint: str | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> PublicationResult:
    """Gate → build → verify → swap, against the warehouse as it is (no run, no Dagster).
    ``build_fingerprint``: what the warehouse was built from (``orchestration.pipeline.fingerprint``),
    recorded so that a later refresh can tell that nothing changed since."""
    store = store_of(settings)
    healed = heal_damaged(settings, store)
    history = history_of(settings, store)
    decisions, decision_problems = read_decisions(settings.decisions_path)
    facts = (
        read_quality_facts(settings.warehouse_path)
        if settings.warehouse_path.exists()
        else QualityFacts()
    )
    if healed:
        facts.notes.append(healed)
    reasons = (
        gate_failures(settings, history, decisions) + decision_problems + facts.blocking_reasons()
    )
    if reasons:
        refuse(settings, reasons, facts, decisions)
    version = (max(r["version"] for r in history) + 1) if history else 1
    files = source_files(settings)
    tenants: list[Any] = []  # publishing.tenants.TenantResult
    con = duckdb.connect()
    try:
        con.execute(f"set memory_limit = '{settings.duckdb_memory_limit}'")
        # spill beside dbt's (data/duckdb_tmp: owner-only), never DuckDB's default ./.tmp
        con.execute(f"set temp_directory = '{_q(settings.data_dir / 'duckdb_tmp')}'")
        con.execute(f"attach '{_q(settings.warehouse_path)}' as wh (read_only)")
        # groups smaller than the seed's min_count (pupils) have their measures blanked
        min_group_size = DisclosureRules.from_reporting(con, database="wh").min_count
        with store.stage(version) as staged:
            tables, suppressed = {}, 0
            for rel in relations:
                tables[f"{rel.schema}.{rel.name}"], n = _copy(con, staged, rel, min_group_size)
                suppressed += n
                _maybe_crash(settings, "publish:mid_build")
            _refuse_pupil_columns(con, staged)
            changes = _compare(con, store, staged, history, files)
            shrink = changes.blocking(
                settings.max_shrink_pct,
                decisions,
                provisional_years=facts.provisional_years,
                waived=[
                    (r["school_id"], r["academic_year"], r["procedure_code"]) for r in facts.waived
                ],
            )
            if shrink:
                refuse(settings, shrink, facts, decisions, changes=changes)
            published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
            publication_row = {
                "version": version,
                "published_at": published_at,
                "run_id": run_id,
                "lake_fingerprint": Lake(settings.lake_dir).fingerprint(),
                "build_fingerprint": build_fingerprint,
                "min_group_size": min_group_size,
                "tables": json.dumps(tables, ensure_ascii=False),
                "source_files": json.dumps(files, ensure_ascii=False),
                "check_results": json.dumps(list(checks), ensure_ascii=False, default=str),
                "is_provisional": bool(facts.provisional_years),
                "provisional_years": ", ".join(str(y) for y in facts.provisional_years) or None,
                "waived_count": len(facts.waived),
                "decisions": json.dumps([d.as_dict() for d in decisions], ensure_ascii=False),
            }
            write_publication(con, staged, history, publication_row)
            _describe(con, staged)
            _comment_publisher_columns(con, staged)
            record = staged.parquet("main", PUBLICATION_TABLE).read_bytes()
            store.commit(staged, crash=lambda point: _maybe_crash(settings, point))
            _record_beside_the_lake(settings, record)
        if settings.tenants:
            # one file per municipality (school) from the version just committed: its Parquet
            # is already small-group suppressed (publishing.tenants)
            from orchestration.publishing.tenants import publish_tenants

            tenants = publish_tenants(
                settings,
                con,
                store.version_dir(version),
                staged.tables,
                publication_row,
                files,
                facts.waived,
                progress=progress,
                crash=lambda point: _maybe_crash(settings, point),
            )
    finally:
        con.close()
    report = write_quality_report(
        settings.reports_dir,
        facts,
        published=True,
        reasons=[],
        version=version,
        decisions=decisions,
        not_read=files_not_read(settings),
        changes=changes,
        timezone=settings.timezone,
    )
    share_outputs(settings.data_dir, settings.reports_dir, settings.publish_group)
    return PublicationResult(
        settings.reporting_path,
        version,
        tables,
        suppressed,
        len(files),
        facts.provisional_years,
        report,
        changes,
        tenants,
    )


def _maybe_crash(settings: Settings, point: str) -> None:
    """Crash testing (``Settings.fault_injection``): SIGKILL at that point, as a power cut or an
    OOM kill would; ``publish:disk_full`` raises the error a full disk gives mid-build."""
    if settings.fault_injection == point:
        os.kill(os.getpid(), signal.SIGKILL)
    if settings.fault_injection == "publish:disk_full" and point == "publish:mid_build":
        raise OSError(errno.ENOSPC, "No space left on device", str(settings.reporting_path))


def _copy(
    con: duckdb.DuckDBPyConnection, staged: StagedVersion, rel: PublishedRelation, min_size: int
) -> tuple[int, int]:
    """One relation into the version folder as Parquet, small groups blanked."""
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
    for count_column, measures in rel.suppress.items():
        for m in measures:
            replaced[m] = (
                f"case when coalesce({count_column}, 0) < {int(min_size)} then null else {m} end"
            )
    select = ", ".join(f'{replaced.get(c, f"{chr(34)}{c}{chr(34)}")} as "{c}"' for c in columns)
    if rel.suppress:
        # a group of 0 shows nothing to hide; flag only rows where something was blanked
        flags = " or ".join(
            f"coalesce({c}, 0) between 1 and {int(min_size) - 1}" for c in rel.suppress
        )
        select += f", ({flags}) as is_small_group_suppressed"
    path = staged.parquet(rel.schema, rel.name)
    rows = fetch_one(
        con,
        f"copy (select {select} from wh.{rel.schema}.\"{rel.name}\") to '{_q(path)}' "
        "(format parquet, compression zstd)",
    )[0]
    suppressed = 0
    if rel.suppress:
        suppressed = fetch_one(
            con,
            f"select count(*) from read_parquet('{_q(path)}') where is_small_group_suppressed",
        )[0]
    staged.tables.append(PublishedTable(rel.schema, rel.name, rel.description or None))
    return int(rows), int(suppressed)


def _describe(con: duckdb.DuckDBPyConnection, staged: StagedVersion) -> None:
    """Table and column comments of the warehouse (dbt's persist_docs) for the catalog."""
    take_comments(con, staged.tables, "wh")


def _comment_publisher_columns(con: duckdb.DuckDBPyConnection, staged: StagedVersion) -> None:
    """Comment the columns written here (publication, is_small_group_suppressed) with their
    description in reference.column_catalogue, where dbt keeps it (meta.publisher_columns)."""
    try:
        described = con.execute(
            "select schema_name, table_name, column_name, description "
            "from wh.reference.column_catalogue where added_by = 'publisher'"
        ).fetchall()
    except duckdb.CatalogException:
        return  # a warehouse built before the catalogue existed
    for table in staged.tables:
        path = staged.path / table.schema / f"{table.name}.parquet"
        present = {
            d[0]
            for d in con.execute(f"select * from read_parquet('{_q(path)}') limit 0").description
        }
        for schema, name, column, text in described:
            if (schema, name) == (table.schema, table.name) and column in present:
                table.column_comments.setdefault(column, text)


def _refuse_pupil_columns(con: duckdb.DuckDBPyConnection, staged: StagedVersion) -> None:
    found = []
    for table in staged.tables:
        path = staged.path / table.schema / f"{table.name}.parquet"
        for d in con.execute(f"select * from read_parquet('{_q(path)}') limit 0").description:
            if d[0].lower() in PUPIL_COLUMNS:
                found.append(f"{table.schema}.{table.name}.{d[0]}")
    if found:
        raise PublishBlockedError(
            "pupil-level columns must not reach the reporting file: " + ", ".join(found)
        )


def _compare(
    con: duckdb.DuckDBPyConnection,
    store: ReportingStore,
    staged: StagedVersion,
    history: Sequence[dict[str, Any]],
    files: Sequence[dict[str, Any]],
) -> PublicationChanges:
    """This version against what readers see now (the current version's Parquet files, or the
    tables of a file of the older layout)."""
    current = {
        f"{t.schema}.{t.name}": f"read_parquet('{_q(staged.path / t.schema / (t.name + '.parquet'))}')"
        for t in staged.tables
    }
    previous: dict[str, str] = {}
    if store.current_version() is not None:
        for name in current:
            schema, table = name.split(".", 1)
            path = store.current_parquet(schema, table)
            if path is not None:
                previous[name] = f"read_parquet('{_q(path)}')"
    elif store.catalog.exists() and not store.is_catalog():
        con.execute(f"attach '{_q(store.catalog)}' as previous (read_only)")
        present = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where database_name = 'previous'"
            ).fetchall()
        }
        previous = {name: f"previous.{name}" for name in current if name in present}
    return compare(con, previous, current, history, files)


def write_publication(
    con: duckdb.DuckDBPyConnection,
    staged: StagedVersion,
    history: Sequence[dict[str, Any]],
    row: dict[str, Any],
) -> None:
    """The ``publication`` record: every earlier row and this one (the highest version is the
    publication being read)."""
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in PUBLICATION_COLUMNS)
    con.execute(f"create or replace temp table {PUBLICATION_TABLE} ({columns})")
    names = [name for name, _ in PUBLICATION_COLUMNS]
    for r in [*history, row]:
        con.execute(
            f"insert into {PUBLICATION_TABLE} values ({', '.join('?' for _ in names)})",
            [r.get(c) for c in names],
        )
    path = staged.parquet("main", PUBLICATION_TABLE)
    con.execute(
        f"copy (select * from {PUBLICATION_TABLE} order by version) to '{_q(path)}' "
        "(format parquet)"
    )
    staged.tables.append(
        PublishedTable(
            "main",
            PUBLICATION_TABLE,
            "One row per publication: version, time (UTC), the Dagster run, the lake state, the "
            "source files (name, SHA-256), the check results, whether some academic years are "
            "provisional (data not yet due), how many school results were waived and the "
            "publication decisions in force. The highest version is the one you are reading.",
        )
    )


def _record_beside_the_lake(settings: Settings, record: bytes) -> None:
    """The same record beside the lake: a damaged published file never loses the history."""
    target = Lake(settings.lake_dir).publication_record_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(target)
    tmp.write_bytes(record)
    replace_file(tmp, target)


def _q(value: Any) -> str:
    return str(value).replace("'", "''")

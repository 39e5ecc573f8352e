"""Write-audit-publish of the reporting file analysts and BI tools open.

The warehouse (``warehouse.duckdb``) is internal: it holds pupil-level rows. What reporting
reads is a second file, built like this:

1. **gate** — nothing is published while a landing file is unreadable or unplaced, or a file
   version was rejected by a blocking arrival check (``gate.gate_failures``); dbt's own tests
   have already stopped the run if they failed;
2. **build** — a new DuckDB file next to the published one (a temporary name), holding copies
   of the dbt models and seeds whose ``meta.publish`` is true (never pupil-level rows), small
   groups suppressed (the threshold is the seed ``disclosure_parameters.min_count``), comments
   kept, and a ``publication`` table that records the version,
   time, source file checksums and check results;
3. **verify** — no column that could identify a pupil; every table non-empty where required;
4. **swap** — the file is closed, flushed and ``os.replace``d onto the published path. Readers
   holding the old file keep reading it; new connections see the new one. A failure before the
   swap leaves the published file byte-identical.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ingestion.atomic import clear_leftovers, replace_file, temp_path
from ingestion.config import Settings
from ingestion.engine import fetch_one
from ingestion.lake import Lake
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
# The reporting file is written in this DuckDB storage format, which every DuckDB since 1.0
# reads — the drivers bundled by DBeaver, Metabase and Superset's duckdb-engine included.
REPORTING_STORAGE_VERSION = "v1.0.0"


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


def publish(
    settings: Settings,
    relations: Sequence[PublishedRelation],
    *,
    run_id: str | None = None,
    checks: Sequence[dict[str, Any]] = (),
    build_fingerprint: str | None = None,
) -> PublicationResult:
    """Gate → build → verify → swap, against the warehouse as it is (no run, no Dagster).
    ``build_fingerprint``: what the warehouse was built from (``orchestration.pipeline.fingerprint``),
    recorded so that a later refresh can tell that nothing changed since."""
    target = settings.reporting_path
    history = publication_history(target)
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
    clear_leftovers(target)  # from a killed run
    version = (max(r["version"] for r in history) + 1) if history else 1
    tmp = temp_path(target)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{_q(settings.warehouse_path)}' as wh (read_only)")
        # groups smaller than the seed's min_count (pupils) have their measures blanked
        min_group_size = DisclosureRules.from_reporting(con, database="wh").min_count
        con.execute(
            f"attach '{_q(tmp)}' as reporting (storage_version '{REPORTING_STORAGE_VERSION}')"
        )
        con.execute("use reporting")
        tables, suppressed = {}, 0
        for rel in relations:
            tables[f"{rel.schema}.{rel.name}"], n = _copy(con, rel, min_group_size)
            suppressed += n
            _maybe_crash(settings, "publish:mid_build")
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
            },
        )
        _comment_publisher_columns(con)
        con.execute("use memory")
        con.execute("detach wh")
        con.execute("checkpoint reporting")
        con.execute("detach reporting")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    _maybe_crash(settings, "publish:before_swap")
    replace_file(tmp, target, sync_dir=True)
    report = write_quality_report(
        settings.reports_dir,
        facts,
        published=True,
        reasons=[],
        version=version,
        decisions=decisions,
        not_read=files_not_read(settings),
        timezone=settings.timezone,
    )
    return PublicationResult(
        target, version, tables, suppressed, len(files), facts.provisional_years, report
    )


def _maybe_crash(settings: Settings, point: str) -> None:
    """Crash testing (``Settings.fault_injection``): SIGKILL at that point, as a power cut or an
    OOM kill would."""
    if settings.fault_injection == point:
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


def _comment_publisher_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Comment the columns written here (publication, is_small_group_suppressed) with their
    description in reference.column_catalogue, where dbt keeps it (meta.publisher_columns)."""
    if not con.execute(
        "select 1 from duckdb_tables() where database_name = 'reporting' and "
        "schema_name = 'reference' and table_name = 'column_catalogue'"
    ).fetchall():
        return  # a file published without the catalogue has nothing to take them from
    for schema, table, column, text in con.execute(
        "select k.schema_name, k.table_name, k.column_name, k.description "
        "from reference.column_catalogue as k join duckdb_columns() as c "
        "on c.database_name = 'reporting' and c.schema_name = k.schema_name "
        "and c.table_name = k.table_name and c.column_name = k.column_name "
        "where k.added_by = 'publisher'"
    ).fetchall():
        con.execute(f"comment on column {schema}.{table}.{column} is '{_q(text)}'")


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
        "provisional_years varchar, waived_count integer, decisions varchar, "
        "build_fingerprint varchar)"
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


def _q(value: Any) -> str:
    return str(value).replace("'", "''")

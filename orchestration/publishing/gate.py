"""The publish gate: reasons not to publish, read from the landing folder, the lake, the
warehouse's completeness audit and the previous publication.

Nothing is published while a landing file is unreadable or unplaced, a file version was
rejected by a blocking arrival check, a school's results are missing past their due date, or a
source × academic year the last publication held has vanished (unless a recorded decision says
so). dbt's own tests have already stopped the run if they failed. A refusal writes the quality
report with its reasons and raises ``PublishBlockedError``; the published file stays as it was.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from ingestion.config import Settings
from ingestion.lake import Lake
from ingestion.landing import landing_problem
from orchestration.publishing.decisions import Decision
from orchestration.publishing.store import share
from orchestration.reports.quality_report import QualityFacts, write_quality_report


class PublishBlockedError(RuntimeError):
    """A gate failed: the previous reporting file stays in place."""


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
    for source, year, rows in lake.manifests():
        for row in rows:
            if row["status"] == "rejected":
                reasons.append(
                    f"{row['source_file']} ({source} {year}) rejected by a blocking check: "
                    f"{row['status_reason']}"
                )
            elif row["status"] == "unreadable":
                reasons.append(
                    f"{row['source_file']} ({source} {year}) unreadable: {row['status_reason']}"
                )
    reasons += not_ingested(index, lake)
    reasons += vanished_partitions(index, history, decisions)
    return reasons


def not_ingested(index: Sequence[dict[str, Any]], lake: Lake) -> list[str]:
    """Landing files placed in a source × year whose manifest never decided on them: their
    ingestion crashed or did not run. Publishing them as they are would leave their rows out."""
    decided = {
        (source, year, row["file_sha256"])
        for source, year, rows in lake.manifests()
        for row in rows
    }
    return [
        f"landing file {r['source_file']} ({r['source_name']} {r['academic_year']}) was found "
        "but never ingested (its ingestion crashed or did not run): run `msoko refresh` again; "
        "if it fails again, the run's output names the cause"
        for r in index
        if r["academic_year"] is not None
        and not r["error"]
        and not r.get("ignored_reason")
        and (r["source_name"], r["academic_year"], r["file_sha256"]) not in decided
    ]


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


def refuse(
    settings: Settings,
    reasons: Sequence[str],
    facts: QualityFacts | None = None,
    decisions: Sequence[Decision] = (),
    *,
    changes: Any = None,
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
        changes=changes,
        timezone=settings.timezone,
    )
    share(settings.reports_dir, settings.publish_group)
    raise PublishBlockedError(
        f"not published: {len(reasons)} blocking problem(s); the previous reporting file "
        f"stays in place. Quality report: {report}\n- " + "\n- ".join(reasons)
    )


def read_quality_facts(warehouse: Path) -> QualityFacts:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:

        def rows(sql: str) -> list[dict[str, Any]]:
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

        columns = (
            "academic_year, procedure_code, school_id, school_short_name, municipality_name, "
            "school_type, due_date, waiver_reason, waiver_approved_by, waiver_approved_on"
        )
        facts = QualityFacts()
        by_status = {
            s: rows(
                f"select {columns} from audit.completeness where completeness_status = '{s}' "
                "order by academic_year, procedure_code, municipality_name, school_short_name"
            )
            for s in ("missing", "waived", "not_due")
        }
        facts.missing, facts.waived, facts.not_due = (
            by_status["missing"],
            by_status["waived"],
            by_status["not_due"],
        )
        counts = con.execute(
            "select count(*), count(*) filter (where completeness_status = 'arrived') "
            "from audit.completeness"
        ).fetchone()
        facts.expected, facts.arrived = counts if counts else (0, 0)
        grouped = (
            "select academic_year, programme_code, municipality_name, missing_reason, "
            "min(due_date) as due_date, count(*) as indicators, "
            "string_agg(indicator_code, ', ' order by indicator_code) as indicator_codes "
            "from audit.indicator_completeness where completeness_status = '{}' "
            "group by all order by academic_year, programme_code, municipality_name"
        )
        facts.indicators_missing = rows(grouped.format("missing"))
        facts.indicators_not_due = rows(grouped.format("not_due"))
        counts = con.execute(
            "select count(*), count(*) filter (where completeness_status = 'arrived') "
            "from audit.indicator_completeness"
        ).fetchone()
        facts.indicators_expected, facts.indicators_arrived = counts if counts else (0, 0)
        facts.indicators_no_data = rows(
            "select academic_year, programme_code, municipality_name, "
            "string_agg(indicator_code, ', ' order by indicator_code) as indicator_codes "
            "from marts.fct_indicator_value where fact_state in ('no_data', 'not_applicable') "
            "group by all order by all"
        )
        facts.quarantine_by_file = rows(
            "select source_file, quarantine_stage, count(*) as cells, "
            "string_agg(distinct reason, '; ') as reasons "
            "from audit.quarantine group by all order by source_file, quarantine_stage"
        )
        facts.read_audit(con)
        return facts
    finally:
        con.close()

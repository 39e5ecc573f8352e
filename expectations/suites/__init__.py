"""One suite per arriving table; ``SUITES`` maps a source (landing folder) to its suite."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from expectations.runner import Check, CheckOutcome, run_sql_checks, validate_frame
from expectations.suites import (
    appeals,
    exam_results,
    expert_scores,
    federal_lists,
    indicator_values,
    medalists,
    olympiad_results,
    published_aggregates,
    registry_changes,
    school_aliases,
    school_forms,
    schools,
    vpr_pupil_results,
    vpr_school_results,
)


@dataclass(frozen=True)
class Suite:
    name: str
    frame_sql: str | None  # SQL over {relation} giving the DataFrame GX validates
    checks: tuple[Check, ...]


SUITES: dict[str, Suite] = {
    "registry": Suite("schools", schools.FRAME_SQL, schools.CHECKS),
    "registry_changes": Suite(
        "registry_changes", registry_changes.FRAME_SQL, registry_changes.CHECKS
    ),
    "vpr_fisoko": Suite(
        "vpr_school_results", vpr_school_results.FRAME_SQL, vpr_school_results.CHECKS
    ),
    "ege_rcoi": Suite("exam_results", exam_results.FRAME_SQL, exam_results.CHECKS),
    "oge_rcoi": Suite("exam_results", exam_results.FRAME_SQL, exam_results.CHECKS),
    "indicators": Suite("indicator_values", indicator_values.FRAME_SQL, indicator_values.CHECKS),
    "mechanisms": Suite("expert_scores", expert_scores.FRAME_SQL, expert_scores.CHECKS),
    "gve9_rcoi": Suite("exam_results", exam_results.FRAME_SQL, exam_results.CHECKS),
    "gve11_rcoi": Suite("exam_results", exam_results.FRAME_SQL, exam_results.CHECKS),
    "gia_appeals": Suite("appeals", appeals.FRAME_SQL, appeals.CHECKS),
    "medalists": Suite("medalists", medalists.FRAME_SQL, medalists.CHECKS),
    "federal_lists": Suite("federal_lists", federal_lists.FRAME_SQL, federal_lists.CHECKS),
    "olympiad": Suite("olympiad_results", olympiad_results.FRAME_SQL, olympiad_results.CHECKS),
    "school_forms": Suite("school_form_rows", school_forms.FRAME_SQL, school_forms.CHECKS),
    "vpr_forms": Suite("vpr_pupil_results", vpr_pupil_results.FRAME_SQL, vpr_pupil_results.CHECKS),
    "municipal_tables": Suite(
        "published_aggregates", published_aggregates.FRAME_SQL, published_aggregates.CHECKS
    ),
    "school_aliases": Suite("school_aliases", school_aliases.FRAME_SQL, school_aliases.CHECKS),
}


def run_suite(con: duckdb.DuckDBPyConnection, source: str, relation: str) -> list[CheckOutcome]:
    """The arrival checks of ``source`` over ``relation`` (a view of the partition as it would
    be): SQL checks in DuckDB, then the GX expectations on the suite's DataFrame."""
    suite = SUITES.get(source)
    if suite is None:
        return []
    outcomes = run_sql_checks(con, relation, suite.checks)
    if suite.frame_sql and any(c.expectation for c in suite.checks):
        frame = con.execute(suite.frame_sql.format(relation=relation)).df()
        if len(frame):
            outcomes += validate_frame(frame, suite.checks, suite.name)
    order = {c.name: i for i, c in enumerate(suite.checks)}
    return sorted(outcomes, key=lambda o: order[o.name])

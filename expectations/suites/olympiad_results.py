"""Olympiad (ВсОШ) protocol rows as they arrive: SQL in DuckDB for the pupil rows, GX on the
per-protocol aggregate (one row per file × sheet).

A participant appears once per protocol (a second row is a duplicated row or namesakes of one
school: the collision rule of docs/architecture.md); every row names its pupil (the key needs
the name); a protocol states one maximum score (two maxima in one protocol mean rows pasted
from another stage or subject: warning).
"""

from __future__ import annotations

from expectations.runner import Check

FRAME_SQL = """
select source_file, source_sheet, min(source_row) as source_row,
       count(*) as participants,
       count(distinct max_score) as max_scores_stated
from {relation}
group by source_file, source_sheet
"""

_LINEAGE = "source_file, source_sheet, source_row"

CHECKS = (
    Check(
        "one_row_per_participant_and_protocol",
        "a pupil (same name, same school as written) appears once in a protocol; two rows mean "
        "a duplicated row or namesakes — see the collision rule in docs/architecture.md",
        "error",
        sql=f"""
            select {_LINEAGE}, school_name, school_code
            from {{relation}}
            qualify count(*) over (
                partition by stage, subject_key, coalesce(school_code, school_name), person_key
            ) > 1
        """,
    ),
    Check(
        "every_participant_named",
        "every protocol row names its pupil (the pseudonymous key is computed from the name)",
        "error",
        sql=f"select {_LINEAGE}, school_name from {{relation}} where not has_person_name",
    ),
    Check(
        "protocol_has_participants",
        "every protocol sheet has at least one participant row",
        "error",
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(
            column="participants", min_value=1
        ),
    ),
    Check(
        "one_maximum_per_protocol",
        "a protocol states one maximum score (two: rows pasted from another stage or subject)",
        "warn",
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(
            column="max_scores_stated", min_value=0, max_value=1
        ),
    ),
)

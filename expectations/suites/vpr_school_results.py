"""ВПР per-school results (ФИС ОКО) as they arrive, one academic year at a time (GX, DataFrame).

DOMAIN §9: C1 (mark counts sum to participants), C2 (percentages sum to 100 ± 0.2), C9 (journal
groups within participants), plus one row per school × grade × subject across all files of a
year (a second file with the same rows must replace the first, not add to it).
"""

from __future__ import annotations

from expectations.runner import Check

FRAME_SQL = r"""
select source_file, source_sheet, source_row, school_login, grade, subject_name,
       subject_key,
       participants,
       case when coalesce(mark2_count, mark3_count, mark4_count, mark5_count) is not null
            then coalesce(mark2_count, 0) + coalesce(mark3_count, 0) + coalesce(mark4_count, 0)
                 + coalesce(mark5_count, 0) - participants
       end as mark_count_gap,
       case when coalesce(mark2_pct, mark3_pct, mark4_pct, mark5_pct) is not null
            then round(coalesce(mark2_pct, 0) + coalesce(mark3_pct, 0) + coalesce(mark4_pct, 0)
                 + coalesce(mark5_pct, 0) - 100, 3)
       end as mark_pct_gap,
       coalesce(journal_lowered, 0) + coalesce(journal_confirmed, 0)
           + coalesce(journal_raised, 0) - participants as journal_excess,
       (coalesce(mark2_count, mark3_count, mark4_count, mark5_count) is not null
        or coalesce(mark2_pct, mark3_pct, mark4_pct, mark5_pct) is not null) as has_marks
from {relation}
"""

CHECKS = (
    Check(
        "one_row_per_school_grade_subject",
        "one row per school login, grade and subject in an academic year, across all files",
        "error",
        lambda gx: gx.expectations.ExpectCompoundColumnsToBeUnique(
            column_list=["school_login", "grade", "subject_key"]
        ),
    ),
    Check(
        "mark_counts_sum_to_participants",
        "C1: the counts of marks 2–5 add up to the number of participants",
        "error",
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(
            column="mark_count_gap", min_value=0, max_value=0
        ),
    ),
    Check(
        "mark_percents_sum_to_100",
        "C2: the percentages of marks 2–5 add up to 100 ± 0.2",
        "warn",
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(
            column="mark_pct_gap", min_value=-0.2, max_value=0.2
        ),
    ),
    Check(
        "journal_groups_within_participants",
        "C9: lowered + confirmed + raised is at most the number of participants",
        "error",
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(
            column="journal_excess", max_value=0
        ),
    ),
    Check(
        "every_row_has_marks",
        "each row gives the marks either as counts or as percentages",
        "error",
        lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(
            column="has_marks", value_set=[True]
        ),
    ),
)

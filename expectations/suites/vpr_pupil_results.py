"""ВПР pupil-level collection forms as they arrive (GX, DataFrame).

The reader enforces formats per row (5-digit code, marks 2–5, a mark for every pupil who
wrote, none for an absentee); here: a participant code appears once per school, subject and
work (a pupil typed twice would count twice in every aggregate), and a form's pupils are of
the work's grade or, in an autumn wave, one grade above.
"""

from __future__ import annotations

from expectations.runner import Check

FRAME_SQL = """
select school_login, subject_key, work_grade, participant_code,
       class_grade - work_grade as grade_offset
from {relation}
"""

CHECKS = (
    Check(
        "participant_once_per_work",
        "a participant code appears once per school, subject and work grade",
        "error",
        lambda gx: gx.expectations.ExpectCompoundColumnsToBeUnique(
            column_list=["school_login", "subject_key", "work_grade", "participant_code"]
        ),
    ),
    Check(
        "class_matches_work_grade",
        "pupils are in the work's grade (or one above in an autumn wave)",
        "warn",
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(
            column="grade_offset", min_value=0, max_value=1
        ),
    ),
)

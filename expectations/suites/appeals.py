"""Appeals of ГИА results as they arrive (SQL in DuckDB: pupil-level rows).

One appeal per pupil, subject and exam date (a second row is a duplicate: it would apply the
change twice); a decision that raises the score has a higher score after, one that lowers it a
lower score, a rejected appeal the same score (DOMAIN §2.4); scores within 0–100.
"""

from __future__ import annotations

from expectations.runner import Check

FRAME_SQL = None
_LINEAGE = "source_file, source_sheet, source_row"

CHECKS = (
    Check(
        "one_appeal_per_pupil_and_sitting",
        "one appeal per pupil (same name, same school), subject and exam date",
        "error",
        sql=f"""
            select {_LINEAGE}, school_code, subject_fct_code, exam_date
            from {{relation}}
            qualify count(*) over (
                partition by exam_kind, subject_fct_code, exam_date, school_code, person_key) > 1
        """,
    ),
    Check(
        "every_pupil_named",
        "every appeal names its pupil (the key that matches it to the result needs the name)",
        "error",
        sql=f"select {_LINEAGE}, school_code from {{relation}} where not has_person_name",
    ),
    Check(
        "decision_agrees_with_the_change",
        "raised → score after > before; lowered → after < before; rejected → unchanged",
        "error",
        sql=f"""
            select {_LINEAGE}, decision, score_before, score_after
            from {{relation}}
            where (decision = 'upheld_raised' and score_after <= score_before)
               or (decision = 'upheld_lowered' and score_after >= score_before)
               or (decision = 'rejected' and score_after <> score_before)
        """,
    ),
)

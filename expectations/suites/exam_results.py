"""ЕГЭ / ОГЭ / ГВЭ results per pupil as they arrive: SQL in DuckDB for the pupil rows, GX on the
per-sitting aggregate (one row per school × subject × exam date).

DOMAIN §9 C6: a 100-point ЕГЭ score is an integer 0–100 and base mathematics has a mark 2–5 and
no test score; every pupil named (the key needs the name); one result per pupil and sitting.
A pupil who did not sit (неявка, не допущен, аннулирован: ``process_status`` not ``ok``) has no
result and needs no score; a result with a score is not marked absent.
"""

from __future__ import annotations

from expectations.runner import Check

FRAME_SQL = """
select min(source_file) as source_file, null as source_sheet, min(source_row) as source_row,
       exam_kind, school_code, subject_fct_code, exam_date,
       count(*) as results,
       count(test_score) as with_test_score,
       count(mark) as with_mark,
       avg(test_score) as mean_test_score
from {relation}
group by all
"""

_LINEAGE = "source_file, source_sheet, source_row"

CHECKS = (
    Check(
        "one_result_per_pupil_and_sitting",
        "a pupil (same name, same school) has one result per exam sitting; two rows mean a "
        "duplicated row or namesakes — see the collision rule in docs/architecture.md",
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
        "every result row names its pupil (the pseudonymous key is computed from the name)",
        "error",
        sql=f"select {_LINEAGE}, school_code from {{relation}} where not has_person_name",
    ),
    Check(
        "score_kind_matches_subject",
        "C6: ЕГЭ 100-point subjects carry a test score; base mathematics (22) and ОГЭ a mark 2–5",
        "error",
        sql=f"""
            select {_LINEAGE}, exam_kind, subject_fct_code, test_score, mark
            from {{relation}}
            where process_status = 'ok' and (
                (exam_kind = 'ege' and subject_fct_code <> '22' and test_score is null)
                or ((exam_kind <> 'ege' or subject_fct_code = '22') and mark is null))
        """,
    ),
    Check(
        "no_result_without_participation",
        "a pupil marked неявка / не допущен / аннулирован has no score (DOMAIN §2.4)",
        "error",
        sql=f"""
            select {_LINEAGE}, process_status
            from {{relation}}
            where process_status <> 'ok'
              and (test_score is not null or mark is not null or primary_score is not null)
        """,
    ),
    Check(
        "annual_mark_present_in_whole_sittings",
        "the annual mark (ОГЭ) is given for most pupils of a sitting when the column exists "
        "(a column filled for a few rows only is a wrong column mapping)",
        "warn",
        sql="""
            select min(source_file) as source_file, null as source_sheet, null as source_row,
                   subject_fct_code, exam_date, count(annual_mark) as with_annual_mark,
                   count(*) as rows_in_sitting
            from {relation}
            where exam_kind = 'oge'
            group by subject_fct_code, exam_date
            having count(annual_mark) > 0 and count(annual_mark) < 0.8 * count(*)
        """,
    ),
    Check(
        "sitting_mean_in_range",
        "per school and sitting, the mean test score lies in 0–100",
        "error",
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(
            column="mean_test_score", min_value=0, max_value=100
        ),
    ),
    Check(
        "sitting_has_results",
        "every sitting in a file has at least one result",
        "error",
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="results", min_value=1),
    ),
)

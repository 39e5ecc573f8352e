"""School monitoring forms (contingent, staffing, social passport, graduates) as they arrive.

A school appears once per sheet of an academic year across all files (a second workbook with
the same school must replace the first, not add to it): error. The totals row "Итого по МО" of
each sheet equals the sum of the sheet's school rows in every count column: warning (a school
row quarantined for a bad cell also makes the sum differ; the mismatch names the columns).
"""

from __future__ import annotations

from expectations.runner import Check
from ingestion.sources.school_forms import SchoolFormsReader

_COUNTS = [f.name for f in SchoolFormsReader.fields if f.kind == "int"]

FRAME_SQL = """
select source_file, source_sheet, source_row, is_total_row,
       coalesce(school_code, fisoko_login, 'total of ' || source_file) as school_key
from {relation}
"""

_MISMATCHES = " || ".join(
    f"case when t.{c} is not null and t.{c} <> coalesce(s.{c}, 0) then '{c} ' else '' end"
    for c in _COUNTS
)
TOTALS_SQL = f"""
with schools as (
    select source_file, source_sheet,
           {", ".join(f"sum({c}) as {c}" for c in _COUNTS)}
    from {{relation}}
    where not is_total_row
    group by source_file, source_sheet
)
select t.source_file, t.source_sheet, t.source_row, trim({_MISMATCHES}) as mismatched_columns
from {{relation}} t
left join schools s on s.source_file = t.source_file and s.source_sheet = t.source_sheet
where t.is_total_row and trim({_MISMATCHES}) <> ''
"""

CHECKS = (
    Check(
        "school_listed_once_per_sheet",
        "a school (Код ОО or login) is listed once per sheet in an academic year, across files",
        "error",
        lambda gx: gx.expectations.ExpectCompoundColumnsToBeUnique(
            column_list=["source_sheet", "school_key"]
        ),
    ),
    Check(
        "totals_row_equals_sum_of_schools",
        "the 'Итого по МО' row equals the sum of the sheet's school rows in every count column",
        "warn",
        sql=TOTALS_SQL,
    ),
)

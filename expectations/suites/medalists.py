"""Medalist lists as they arrive (SQL in DuckDB: pupil-level rows).

A pupil is listed once a year (a duplicate would count a medalist twice in П29); every medalist
is named (the key that finds the ЕГЭ results needs the name).
"""

from __future__ import annotations

from expectations.runner import Check

FRAME_SQL = None
_LINEAGE = "source_file, source_sheet, source_row"

CHECKS = (
    Check(
        "one_row_per_medalist",
        "a medalist (same name, same school) is listed once per year",
        "error",
        sql=f"""
            select {_LINEAGE}, school_code
            from {{relation}}
            qualify count(*) over (partition by school_code, person_key) > 1
        """,
    ),
    Check(
        "every_medalist_named",
        "every medalist is named (the pupil key is computed from the name)",
        "error",
        sql=f"select {_LINEAGE}, school_code from {{relation}} where not has_person_name",
    ),
)

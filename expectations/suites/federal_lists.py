"""Federal lists of schools as they arrive (GX on the rows: a few dozen per year).

A school is on a list once per year; the list is one of the two known kinds.
"""

from __future__ import annotations

from expectations.runner import Check

FRAME_SQL = """
select source_file, source_sheet, source_row, list_code,
       coalesce(school_login, lower(school_name)) as school_ref
from {relation}
"""

CHECKS = (
    Check(
        "school_listed_once_per_list",
        "a school appears once per list and year",
        "error",
        lambda gx: gx.expectations.ExpectCompoundColumnsToBeUnique(
            column_list=["list_code", "school_ref"]
        ),
    ),
    Check(
        "known_list",
        "the list is 'nonobjective_vpr' or 'shnor'",
        "error",
        lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(
            column="list_code", value_set=["nonobjective_vpr", "shnor"]
        ),
    ),
)

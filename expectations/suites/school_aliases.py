"""Alias files as they arrive: one school per municipality and name as written.

Two lines that give the same name in the same municipality different codes would make the
name ambiguous again: the version is rejected with the reason instead.
"""

from __future__ import annotations

from expectations.runner import Check

FRAME_SQL = """
select source_file, source_sheet, source_row, school_code,
       lower(trim(municipality_name)) || ' | ' || lower(regexp_replace(trim(name_as_written),
           '\\s+', ' ', 'g')) as alias_key
from {relation}
"""

CHECKS = (
    Check(
        "one_school_per_name",
        "a municipality and name as written appear once (one Код ОО per name)",
        "error",
        lambda gx: gx.expectations.ExpectColumnValuesToBeUnique(column="alias_key"),
    ),
)

"""The registry's change list of a year as it arrives (GX, DataFrame).

A change is listed once (school × kind × date: a duplicate would date two versions alike); the
kind of change is one the warehouse knows (seed registry_change_types: an unknown kind is not
used to date the history, warning); a code change names the new Код ОО (4–8 digits).
"""

from __future__ import annotations

import csv
from pathlib import Path

from expectations.runner import Check

_SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "registry_change_types.csv"
with open(_SEED, encoding="utf-8") as _handle:
    KNOWN_KINDS = sorted({row["change_kind_key"] for row in csv.DictReader(_handle)})

FRAME_SQL = """
select source_file, source_sheet, source_row, region_code, school_code, change_date,
       lower(trim(change_kind)) as change_kind_key,
       (lower(trim(change_kind)) not in ('смена кода оо', 'изменение кода оо')
        or regexp_full_match(coalesce(new_value, ''), '[0-9]{{4,8}}')) as new_code_given
from {relation}
"""

CHECKS = (
    Check(
        "change_listed_once",
        "a change of a school is listed once per kind and date",
        "error",
        lambda gx: gx.expectations.ExpectCompoundColumnsToBeUnique(
            column_list=["region_code", "school_code", "change_kind_key", "change_date"]
        ),
    ),
    Check(
        "change_kind_known",
        "the kind of change is one of the registry_change_types seed",
        "warn",
        lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(
            column="change_kind_key", value_set=KNOWN_KINDS
        ),
    ),
    Check(
        "code_change_names_the_new_code",
        "C12: a code change gives the new Код ОО (4–8 digits) as its new value",
        "error",
        lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(
            column="new_code_given", value_set=[True]
        ),
    ),
)

"""The school registry snapshot of a year as it arrives (GX, DataFrame).

DOMAIN §9 C12 (identifiers): "Код ОО" unique within the region's snapshot, ФИС ОКО logins
unique, a branch's parent present in the same snapshot; school types from the known list.
"""

from __future__ import annotations

from expectations.runner import Check

KNOWN_TYPES = [
    "СОШ",
    "СОШ с УИОП",
    "ООШ",
    "НОШ",
    "Гимназия",
    "Лицей",
    "Вечерняя (сменная) школа",
    "Центр образования",
    "Специальная (коррекционная) школа",
    "Школа-интернат",
    "Кадетская школа",
    "Филиал",
]

FRAME_SQL = """
select s.source_file, s.source_sheet, s.source_row, s.region_code, s.school_code,
       s.fisoko_login, s.school_type, s.parent_school_code,
       (s.parent_school_code is null or p.school_code is not null) as parent_found
from {relation} s
left join (select distinct region_code, school_code from {relation}) p
    on p.region_code = s.region_code and p.school_code = s.parent_school_code
"""

CHECKS = (
    Check(
        "school_code_unique_in_region",
        "C12: a РЦОИ 'Код ОО' appears once per region in a registry snapshot",
        "error",
        lambda gx: gx.expectations.ExpectCompoundColumnsToBeUnique(
            column_list=["region_code", "school_code"]
        ),
    ),
    Check(
        "fisoko_login_unique",
        "C12: a ФИС ОКО login belongs to one school",
        "error",
        lambda gx: gx.expectations.ExpectColumnValuesToBeUnique(column="fisoko_login"),
    ),
    Check(
        "branch_parent_in_registry",
        "C11: a branch's parent school is in the same registry snapshot",
        "error",
        lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(
            column="parent_found", value_set=[True]
        ),
    ),
    Check(
        "school_type_known",
        "school type is one of the known types (DOMAIN §3.2)",
        "warn",
        lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(
            column="school_type", value_set=KNOWN_TYPES
        ),
    ),
)

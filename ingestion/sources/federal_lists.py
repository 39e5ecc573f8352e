"""Federal lists of schools, as Рособрнадзор / ФИОКО publish them for a year: the schools with
signs of non-objective ВПР results and the schools with low educational results (ШНОР).

Shape: a small sheet with a title naming the year ("Перечень ОО … 2023 год"), then ``№;Логин
ОО;Наименование ОО;Тип списка;Год`` — the ФИС ОКО login or the name (or both), and which list
("ОО с признаками необъективных результатов ВПР" / "ШНОР"). The year is the calendar year of
the ВПР campaign the list is about: spring Y → academic year Y−1, like ВПР. These are inputs,
stored apart from the warehouse's own derived flags (``ref_federal_school_lists``).
"""

from __future__ import annotations

import re

from ingestion.engine import FileContext, FileVersion, Reader
from ingestion.layout import Field, Layout, LayoutError, keys
from ingestion.sheets import Grid

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def list_code_sql(text: str) -> str:
    s = f"lower(replace({text}, 'ё', 'е'))"
    return (
        f"case when regexp_matches({s}, 'необъектив') then 'nonobjective_vpr' "
        f"when regexp_matches({s}, 'шнор|низкими (образовательными )?результат') then 'shnor' "
        "end"
    )


class FederalListsReader(Reader):
    name = "federal_lists"
    table = "school_lists"
    title = "Федеральные перечни ОО (необъективные результаты ВПР, ШНОР)"
    grain = "one row per school × list × year"
    fields = (
        Field("row_number", keys("№", "№ п/п"), "int"),
        Field("school_login", keys("Логин ОО", "Логин", "Логин ФИС ОКО"), "code"),
        Field("school_name", keys("Наименование ОО", "Наименование", "ОО")),
        Field(
            "list_type_reported",
            keys("Тип списка", "Список", "Перечень", "Вид перечня"),
            required=True,
            header_required=True,
        ),
        Field("list_year", keys("Год"), "int", min_value=2015, max_value=2100),
    )
    context_columns = {"title_year": "integer"}
    row_checks = (
        (
            f"{list_code_sql('v_list_type_reported')} is null",
            "list_type_reported",
            "unknown list: expected 'необъективные результаты ВПР' or 'ШНОР'",
        ),
        (
            "v_school_login is null and v_school_name is null",
            "school_name",
            "neither the login nor the name of the school is given",
        ),
        (
            "v_list_year is not null and v_list_year - 1 <> academic_year",
            "list_year",
            "the row's year differs from the year in the title: one file per year",
        ),
    )
    derived = {"list_code": ("varchar", list_code_sql("list_type_reported"))}

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        year = _YEAR.search(" ".join(layout.title_lines))
        if year is None:
            raise LayoutError("the list's year (e.g. 'Перечень ОО … 2023 год') was not found")
        return FileContext(int(year[1]) - 1, {"title_year": int(year[1])})

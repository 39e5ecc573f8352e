"""Medalists «За особые успехи в учении» per pupil: the school's (or municipality's) list.

Shape: a title with the graduation year ("Список выпускников 11 классов, награждённых медалью
«За особые успехи в учении», 2023 год"), then ``№;Код ОО;ФИО;Документ;Степень медали`` (the
name may be split into Фамилия/Имя/Отчество; the degree is "I", "1", "I степени", "первой" …).
Names and documents are read only to compute the same pupil key as the ЕГЭ exports, so that the
warehouse finds each medalist's ЕГЭ results (П29, marker M7). Graduates of the summer of Y
belong to academic year Y−1.
"""

from __future__ import annotations

import re

from ingestion.engine import FileContext, FileVersion, Reader
from ingestion.layout import Field, Layout, LayoutError, keys
from ingestion.privacy import person_key_sql
from ingestion.sheets import Grid

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_NAME = "coalesce(nullif(concat_ws(' ', surname, first_name, patronymic), ''), full_name)"


def degree_sql(text: str) -> str:
    s = f"lower(trim({text}))"
    return (
        f"case when regexp_matches({s}, '^(ii|2|ii степени|2 степени|втор)') then 2 "
        f"when regexp_matches({s}, '^(i|1|i степени|1 степени|перв)([^\\p{{L}}\\d]|$| степ)') "
        "then 1 end"
    )


class MedalistsReader(Reader):
    name = "medalists"
    table = "medalists"
    title = "Медалисты «За особые успехи в учении»"
    grain = "one row per medalist (graduate of grade 11) of a year"
    pupil_level = True
    fields = (
        Field("row_number", keys("№", "№ п/п"), "int"),
        Field(
            "school_code",
            keys("Код ОО", "Код ОУ", "Код ОО (РЦОИ)"),
            "code",
            required=True,
            header_required=True,
            pattern=r"\d{4,8}",
        ),
        Field("school_name", keys("Наименование ОО", "ОО", "Школа")),
        Field("surname", keys("Фамилия"), personal=True),
        Field("first_name", keys("Имя"), personal=True),
        Field("patronymic", keys("Отчество"), personal=True),
        Field("full_name", keys("ФИО", "Ф.И.О.", "Фамилия, имя, отчество"), personal=True),
        Field("document", keys("Документ", "Серия и номер документа", "Паспорт"), personal=True),
        Field(
            "medal_degree_reported",
            keys("Степень медали", "Медаль", "Степень"),
            required=True,
            header_required=True,
        ),
    )
    context_columns = {"graduation_year": "integer"}
    row_checks = (
        (
            f"{degree_sql('v_medal_degree_reported')} is null",
            "medal_degree_reported",
            "unknown medal degree: expected I / II (1 / 2, первой / второй степени)",
        ),
    )
    derived = {
        "person_key": (
            "varchar",
            person_key_sql("academic_year::varchar", "region_code", _NAME),
        ),
        "has_person_name": ("boolean", f"{_NAME} is not null"),
        "medal_degree": ("integer", degree_sql("medal_degree_reported")),
    }

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        year = _YEAR.search(" ".join(layout.title_lines))
        if year is None:
            raise LayoutError(
                "the graduation year (e.g. '… медалью «За особые успехи в учении», 2023 год') "
                "was not found above the header"
            )
        return FileContext(int(year[1]) - 1, {"graduation_year": int(year[1])})

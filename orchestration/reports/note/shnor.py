"""Section «ШНОР»: schools with low results (the derived rule) and the procedures behind."""

from __future__ import annotations

import duckdb

from orchestration.reports.note.common import Names, Scope, _rows
from orchestration.reports.render import Section, Table


def _shnor(con: duckdb.DuckDBPyConnection, names: Names, scope: Scope, year: int) -> Section:
    rows = _rows(
        con,
        "select school_short_name, shnor_status, flagged_cells, cells_with_data, reason "
        f"from marts.mart_shnor_risk where {scope.where()} and academic_year = ? "
        # a school's note shows its status whatever it is
        f"and (shnor_status <> 'нет' or {scope.is_school}) "
        "order by is_shnor desc, flagged_cells desc, school_short_name",
        [scope.value, year],
    )
    return Section(
        "2. Школы с низкими образовательными результатами (ШНОР)",
        [
            "Производная методика (пороги ФИОКО не опубликованы): ячейка «процедура "
            "× год» отмечается, если доля «2» (ЕГЭ — ниже минимума) не ниже 75-го перцентиля "
            "школ региона, доля высоких результатов не выше 25-го, а доля «2» явно (с учётом "
            "размера группы) выше региональной; ШНОР — отмечено не менее половины ячеек с "
            "данными и не менее трёх (параметры — справочник параметров ШНОР опубликованного файла)."
        ],
        [
            Table(
                "ШНОР и школы в зоне риска",
                names.source("marts.mart_shnor_risk"),
                ["ОО", "Статус", "Отмечено ячеек", "Ячеек с данными", "Причина"],
                [[s, st, f, c, r or ""] for s, st, f, c, r in rows],
                css_id="shnor",
                kinds=["text", "text", "int", "int", "text"],
            )
        ],
    )

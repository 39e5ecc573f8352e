"""A school's note: which school, and its profile (section «ОО»)."""

from __future__ import annotations

import duckdb

from orchestration.reports import formats
from orchestration.reports.note.common import Names, Scope, _rows, _year
from orchestration.reports.render import Section, Table

# mart_shnsu_index: how the index was computed, and the ШНОР × ШНСУ class
INDEX_STATUS_RU = {"computed": "рассчитан", "insufficient_data": "недостаточно данных"}
CROSS_CLASS_RU = {
    "shnor_and_shnsu": "ШНОР и ШНСУ",
    "resilient": "ШНСУ без ШНОР (устойчивая школа)",
    "low_results_good_conditions": "ШНОР без ШНСУ (низкие результаты в благоприятных условиях)",
    "neither": "ни ШНОР, ни ШНСУ",
    "unknown": "не определено",
}


def _school_scope(con: duckdb.DuckDBPyConnection, school: str, year: int) -> Scope:
    rows = _rows(
        con,
        "select school_id, school_short_name, municipality_name from marts.dim_school_year "
        "where academic_year = ? and (school_id = ? or school_short_name ilike ?) "
        "order by school_id",
        [year, school, f"%{school}%"],
    )
    exact = [r for r in rows if r[0] == school]
    if exact:
        rows = exact
    if len(rows) != 1:
        found = "; ".join(f"{sid} {name}" for sid, name, _ in rows) or "none"
        raise ValueError(
            f"«{school}» names {len(rows)} schools in {_year(year)} (give a school_id): {found}"
        )
    school_id, name, municipality = rows[0]
    return Scope("school_id", school_id, f"{name} ({municipality})", short_name=name)


def _school_profile(
    con: duckdb.DuckDBPyConnection, names: Names, scope: Scope, year: int
) -> Section:
    profile = _rows(
        con,
        "select school_type, pupils_total, classes_total, teachers_total, teachers_under_35, "
        "teachers_over_50, graduates_9, graduates_11 from marts.fct_school_profile "
        "where school_id = ? and academic_year = ?",
        [scope.value, year],
    )
    shnsu = _rows(
        con,
        "select shnsu_status, index_status, isb_index, index_percentile, cross_class "
        "from marts.mart_shnsu_index where school_id = ? and academic_year = ?",
        [scope.value, year],
    )
    headers = ["Тип", "Обучающихся", "Классов", "Педагогов", "до 35 лет", "50 лет и старше"]
    headers += ["Выпускников 9 кл.", "Выпускников 11 кл."]
    paragraphs = []
    if not profile:
        paragraphs.append("Форма мониторинга ОО за этот учебный год не поступила.")
    if shnsu:
        status, index_status, index, percentile, cross = shnsu[0]
        paragraphs.append(
            f"Социальный контекст (школа в неблагоприятных социальных условиях, производная "
            f"методика): {status}; индекс {formats.number(index)}, перцентиль "
            f"{formats.number(percentile)} ({INDEX_STATUS_RU.get(index_status, index_status)}); "
            f"сочетание с ШНОР: {CROSS_CLASS_RU.get(cross, cross or '—')}."
        )
    return Section(
        "1. Сведения об ОО",
        paragraphs,
        [
            Table(
                f"Контингент и кадры, {_year(year)}",
                names.source("marts.fct_school_profile"),
                headers,
                [list(row) for row in profile],
                css_id="profile",
                kinds=["text", "int", "int", "int", "int", "int", "int", "int"],
            )
        ],
    )

"""Section «Динамика»: Russian and mathematics over the years, with a chart."""

from __future__ import annotations

import duckdb

from orchestration.reports.note.common import (
    PROCEDURE_RU,
    SUBJECT_RU,
    Scope,
    _line_chart,
    _num,
    _rows,
    _year,
)
from orchestration.reports.published import disclosure_parameters
from orchestration.reports.render import Chart, Section, Table


def _dynamics(con: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> Section:
    min_count = disclosure_parameters(con)["min_count"]  # the seed, as published
    pooled = _rows(
        con,
        "select f.academic_year, f.assessment_code, "
        "case when f.subject_code like 'math%' then 'math' else f.subject_code end, "
        "round(100.0 * sum(f.low_result_count) / nullif(sum(f.participants_count), 0), 2) "
        "from marts.fct_assessment_result f join marts.dim_school s using (school_id) "
        f"where {scope.where('s')} and f.subject_code in ('rus', 'math', 'math_profile', "
        "'math_base') and f.assessment_code in ('vpr', 'oge', 'ege') "  # ГВЭ: other pupils
        "and f.academic_year <= ? group by all order by all",
        [scope.value, year],
    )
    series: dict[str, list[tuple[int, float | None]]] = {}
    for y, procedure, subject, pct in pooled:
        label = f"{PROCEDURE_RU[procedure]}, {SUBJECT_RU[subject]}"
        series.setdefault(label, []).append((y, pct))
    merged = {k: sorted(dict(v).items()) for k, v in series.items()}
    table_rows = [
        [label, *[_num(dict(points).get(y)) for y in range(year - 2, year + 1)]]
        for label, points in sorted(merged.items())
    ]
    schools = _rows(
        con,
        "select school_short_name, vpr_rus_pct_mark2, vpr_rus_pct_mark2_change, "
        "vpr_math_pct_mark2, vpr_math_pct_mark2_change, oge_math_pct_mark2, "
        "ege_rus_pct_below_min, is_small_group_suppressed from marts.mart_school_scorecard "
        f"where {scope.where()} and academic_year = ? order by school_short_name",
        [scope.value, year],
    )
    whose = "по ОО" if scope.is_school else "по муниципалитету"
    positive = (
        []  # shares of schools: a municipality's figure
        if scope.is_school
        else _rows(
            con,
            "select procedure_label, schools_compared, schools_positive, "
            "pct_schools_positive, shnor_schools_compared, shnor_schools_positive, "
            "pct_shnor_schools_positive from marts.mart_positive_dynamics "
            "where municipality_name = ? and academic_year = ? order by procedure_label",
            [scope.value, year],
        )
    )
    section = Section(
        "4. Динамика результатов по русскому языку и математике",
        [
            "Доля низких результатов: ВПР и ОГЭ — отметка «2», ЕГЭ — ниже минимального балла "
            "года (пороги — справочник reference.ege_min_scores); по муниципалитету — сумма по "
            "школам (не среднее долей)."
        ],
        [
            Table(
                f"Доля низких результатов {whose}, %",
                "marts.fct_assessment_result (low_result_count / participants_count)",
                ["Процедура, предмет", *[_year(y) for y in range(year - 2, year + 1)]],
                table_rows,
                css_id="dynamics",
            ),
            Table(
                f"Школы, {_year(year)}: доля «2» / ниже минимума, % и изменение за год, п.п.",
                "marts.mart_school_scorecard",
                [
                    "ОО",
                    "ВПР рус.",
                    "изм.",
                    "ВПР мат.",
                    "изм.",
                    "ОГЭ мат.",
                    "ЕГЭ рус. < мин.",
                    "малая группа скрыта",
                ],
                [
                    [s, *[_num(v) for v in vals], "да" if hidden else ""]
                    for s, *vals, hidden in schools
                ],
                note=f"Показатели групп менее {min_count} участников не публикуются («—»).",
                css_id="schools",
            ),
            Table(
                f"Доля школ с положительной динамикой, {_year(year)} к {_year(year - 1)}",
                "marts.mart_positive_dynamics",
                ["Процедура", "Школ сравнено", "С положит. динамикой", "%", "ШНОР", "из них", "%"],
                [
                    [label, n, pos, _num(pct), sn, spos, _num(spct)]
                    for label, n, pos, pct, sn, spos, spct in positive
                ],
                note="Положительная динамика: доля низких результатов снизилась или средний "
                "результат вырос, и ни то ни другое не ухудшилось сверх допуска "
                "(справочник dynamics_procedures).",
                css_id="positive-dynamics",
            ),
        ],
        [
            Chart(
                f"Доля низких результатов {whose}, %",
                _line_chart("Доля низких результатов, %", merged, "%"),
                "chart-dynamics",
            )
        ],
    )
    if scope.is_school:
        section.tables = [t for t in section.tables if t.css_id != "positive-dynamics"]
    return section

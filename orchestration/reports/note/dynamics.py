"""Section «Динамика»: Russian and mathematics over the years, with a chart.

Every share is a mart column: a municipality's from ``mart_territory_results`` (its one rule
for small groups in a total), a school's from ``mart_school_scorecard``; nothing is summed or
divided here.
"""

from __future__ import annotations

import duckdb

from orchestration.reports.note.common import Names, Scope, _rows, _year
from orchestration.reports.published import disclosure_parameters
from orchestration.reports.render import Chart, Section, Table, line_chart

# the procedures of the section: assessment × subject (ЕГЭ mathematics profile and base apart)
PROCEDURES = (
    ("vpr", "rus"),
    ("vpr", "math"),
    ("oge", "rus"),
    ("oge", "math"),
    ("ege", "rus"),
    ("ege", "math_profile"),
    ("ege", "math_base"),
)
# a school's row per procedure: its mart_school_scorecard share of low results
SCORECARD = {
    ("vpr", "rus"): "vpr_rus_pct_mark2",
    ("vpr", "math"): "vpr_math_pct_mark2",
    ("oge", "rus"): "oge_rus_pct_mark2",
    ("oge", "math"): "oge_math_pct_mark2",
    ("ege", "rus"): "ege_rus_pct_below_min",
    ("ege", "math"): "ege_math_pct_below_min",  # profile and base together (the scorecard's)
}


def _series_of_municipality(
    con: duckdb.DuckDBPyConnection, names: Names, scope: Scope, year: int
) -> dict[str, list[tuple[int, float | None]]]:
    rows = _rows(
        con,
        "select assessment_code, subject_code, academic_year, pct_low_result "
        "from marts.mart_territory_results where territory_level = 'municipality' "
        "and municipality_name = ? and academic_year <= ? order by all",
        [scope.value, year],
    )
    series: dict[str, list[tuple[int, float | None]]] = {}
    by_key = {
        (a, s): [(y, p) for a2, s2, y, p in rows if (a2, s2) == (a, s)] for a, s in PROCEDURES
    }
    for (assessment, subject), points in by_key.items():
        if points:
            label = f"{names.procedure(assessment)}, {names.subject(subject, lower=True)}"
            series[label] = points
    return series


def _series_of_school(
    con: duckdb.DuckDBPyConnection, names: Names, scope: Scope, year: int
) -> dict[str, list[tuple[int, float | None]]]:
    columns = ", ".join(SCORECARD.values())
    rows = _rows(
        con,
        f"select academic_year, {columns} from marts.mart_school_scorecard "
        "where school_id = ? and academic_year <= ? order by academic_year",
        [scope.value, year],
    )
    series: dict[str, list[tuple[int, float | None]]] = {}
    for i, (assessment, subject) in enumerate(SCORECARD):
        points = [(r[0], r[i + 1]) for r in rows if r[i + 1] is not None]
        if points:
            subject_name = (
                "математика (профильная и базовая)"
                if subject == "math" and assessment == "ege"
                else names.subject(subject, lower=True)
            )
            series[f"{names.procedure(assessment)}, {subject_name}"] = points
    return series


def _dynamics(con: duckdb.DuckDBPyConnection, names: Names, scope: Scope, year: int) -> Section:
    min_count = disclosure_parameters(con)["min_count"]  # the seed, as published
    if scope.is_school:
        series = _series_of_school(con, names, scope, year)
        source = names.source("marts.mart_school_scorecard")
        rule = (
            "Доля низких результатов: ВПР и ОГЭ — отметка «2», ЕГЭ — ниже минимального балла "
            "года; ВПР — все классы вместе, ЕГЭ по математике — профильный и базовый уровни "
            f"вместе. Показатели групп менее {min_count} участников не публикуются («—»)."
        )
    else:
        series = _series_of_municipality(con, names, scope, year)
        source = names.source("marts.mart_territory_results")
        rule = (
            "Доля низких результатов: ВПР и ОГЭ — отметка «2», ЕГЭ — ниже минимального балла "
            "года; все классы вместе. По муниципалитету — сумма результатов по школам (не "
            f"среднее долей); группы менее {min_count} участников (их показатели не "
            "публикуются) не входят ни в числитель, ни в знаменатель."
        )
    years = list(range(year - 2, year + 1))
    table_rows = [
        [label, *[dict(points).get(y) for y in years]] for label, points in series.items()
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
        [rule],
        [
            Table(
                f"Доля низких результатов {whose}, %",
                source,
                ["Процедура, предмет", *[_year(y) for y in years]],
                table_rows,
                css_id="dynamics",
                kinds=["text", "num", "num", "num"],
            ),
            Table(
                f"Школы, {_year(year)}: доля «2» / ниже минимума, % и изменение за год, п.п.",
                names.source("marts.mart_school_scorecard"),
                [
                    "ОО",
                    "ВПР, русский язык, %",
                    "изменение, п.п.",
                    "ВПР, математика, %",
                    "изменение, п.п.",
                    "ОГЭ, математика, %",
                    "ЕГЭ, русский язык: ниже минимума, %",
                    "Малая группа: показатели скрыты",
                ],
                [
                    [s, v1, c1, v2, c2, v3, v4, "да" if hidden else ""]
                    for s, v1, c1, v2, c2, v3, v4, hidden in schools
                ],
                note=f"Показатели групп менее {min_count} участников не публикуются («—»).",
                css_id="schools",
                kinds=["text", "num", "signed", "num", "signed", "num", "num", "text"],
            ),
            Table(
                f"Доля школ с положительной динамикой, {_year(year)} к {_year(year - 1)}",
                names.source("marts.mart_positive_dynamics"),
                [
                    "Процедура",
                    "Школ сравнено",
                    "С положительной динамикой",
                    "Доля, %",
                    "ШНОР сравнено",
                    "из них с положительной динамикой",
                    "Доля ШНОР, %",
                ],
                [list(r) for r in positive],
                note="Положительная динамика: доля низких результатов снизилась или средний "
                "результат вырос, и ни то ни другое не ухудшилось сверх допуска, "
                "установленного справочником параметров динамики.",
                css_id="positive-dynamics",
                kinds=["text", "int", "int", "num", "int", "int", "num"],
            ),
        ],
        [
            Chart(
                f"Доля низких результатов {whose}, %",
                line_chart(f"Доля низких результатов {whose}, %", series, "%"),
                "chart-dynamics",
                source=source,
                labels=list(series),
            )
        ],
    )
    if scope.is_school:
        section.tables = [t for t in section.tables if t.css_id != "positive-dynamics"]
    return section

"""The analytical note (аналитическая справка) for a municipality and an academic year.

    msoko note --municipality "Амурский муниципальный район" --year 2023

Read from the published reporting file only (read-only; what leaves the authority: small groups
are already blanked there), written as HTML (charts embedded as PNG data) and XLSX (the same
tables, the same charts as images) into ``<data>/reports/notes/``. Every figure names the mart
it comes from; indicator rows name their form file and row (lineage), and docs/marts.md shows
the queries to trace any other figure back to files and rows.

Sections: 1 programme indicators, plan and fact, with the summary recomputed (and the form's own
claim beside it where they differ); 2 schools with low results (ШНОР) and at risk, with reasons
(mart_shnor_risk, a derived methodology); 3 the markers of non-objective ВПР results
(mart_objectivity_markers, derived) and the journal comparison behind M1; 4 dynamics of Russian and mathematics (ВПР, ОГЭ, ЕГЭ) with charts;
5 the quality-management mechanisms (П20); 6 data-quality caveats.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter

from orchestration.reports.published import disclosure_parameters, latest_publication

STATUS_RU = {
    "achieved": "достигнут",
    "not_achieved": "не достигнут",
    "no_data": "нет данных",
    "not_applicable": "не применимо",
    "unknown_direction": "направление не указано",
}
PROCEDURE_RU = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ"}
SUBJECT_RU = {"rus": "русский язык", "math": "математика", "medalists": "медалисты (все предметы)"}


@dataclass
class Table:
    title: str
    source: str  # the mart (and columns) the figures come from
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    css_id: str = ""


@dataclass
class Chart:
    title: str
    png: bytes
    css_id: str


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    sheet: str = ""  # the workbook sheet's name (collect sets it)


@dataclass
class Scope:
    """What the note is about: a municipality or one school (the column that selects its rows
    in every mart, and the value)."""

    column: str  # municipality_name | school_id
    value: str
    name: str  # as the note's title names it

    @property
    def is_school(self) -> bool:
        return self.column == "school_id"

    def where(self, alias: str = "") -> str:
        return f"{alias + '.' if alias else ''}{self.column} = ?"


def _year(y: int) -> str:
    return f"{y}/{y + 1}"


def _num(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 2)
    return "—" if value is None else value


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def _line_chart(
    title: str, series: dict[str, list[tuple[int, float | None]]], ylabel: str
) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.4), dpi=100)
    for label, points in series.items():
        xs = [_year(x) for x, y in points if y is not None]
        ys = [y for _, y in points if y is not None]
        if xs:
            ax.plot(xs, ys, marker="o", label=label)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _bar_chart(title: str, labels: list[str], values: list[float]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    ax.barh(labels, values, color="#3a6ea5")
    ax.set_xlim(0, 100)
    ax.set_title(title)
    ax.set_xlabel("индекс, %")
    ax.invert_yaxis()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def collect(
    reporting: Path, municipality: str | None, year: int, school: str | None = None
) -> tuple[Scope, list[Section]]:
    """The sections of the note for a municipality, or for one school (by school_id or by a
    part of its short name, unique in the year)."""
    con = duckdb.connect(str(reporting), read_only=True)
    try:
        if school is not None:
            scope = _school_scope(con, school, year)
            sheets = {
                "ОО": _school_profile(con, scope, year),
                "ШНОР": _shnor(con, scope, year),
                "Объективность": _objectivity(con, scope, year),
                "Динамика": _dynamics(con, scope, year),
                "Ограничения": _caveats(con, scope, year),
            }
        else:
            known = [
                r[0] for r in _rows(con, "select municipality_name from marts.dim_municipality")
            ]
            if municipality is None or municipality not in known:
                raise ValueError(f"unknown municipality «{municipality}»; the file has: {known}")
            scope = Scope("municipality_name", municipality, municipality)
            sheets = {
                "Показатели": _indicators(con, municipality, year),
                "ШНОР": _shnor(con, scope, year),
                "Объективность": _objectivity(con, scope, year),
                "Динамика": _dynamics(con, scope, year),
                "Механизмы": _mechanisms(con, municipality, year),
                "Ограничения": _caveats(con, scope, year),
            }
    finally:
        con.close()
    for number, (sheet, section) in enumerate(sheets.items(), start=1):  # numbered as they stand
        section.title = f"{number}. {re.sub(r'^[0-9]+[.] ', '', section.title)}"
        section.sheet = sheet
    return scope, list(sheets.values())


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
    return Scope("school_id", school_id, f"{name} ({municipality})")


def _school_profile(con: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> Section:
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
            f"Социальный контекст (ШНСУ, производная методика, mart_shnsu_index): {status}; "
            f"индекс {_num(index)}, перцентиль {_num(percentile)} ({index_status}); "
            f"сочетание с ШНОР: {cross or '—'}."
        )
    return Section(
        "1. Сведения об ОО",
        paragraphs,
        [
            Table(
                f"Контингент и кадры, {_year(year)}",
                "marts.fct_school_profile",
                headers,
                [[_num(v) for v in row] for row in profile],
                css_id="profile",
            )
        ],
    )


def _indicators(con: duckdb.DuckDBPyConnection, municipality: str, year: int) -> Section:
    section = Section("1. Показатели программ: план и факт")
    forms = _rows(
        con,
        "select programme_code, period_type, period_start, period_end, indicators_in_form, "
        "indicators_achieved, indicators_not_achieved, indicators_no_data, pct_achieved_strict, "
        "pct_achieved_evaluable, reported_indicators_total, reported_indicators_achieved, "
        "reported_pct_achieved, summary_differs, entity_id "
        "from marts.mart_indicator_achievement where municipality_name = ? and academic_year = ? "
        "order by programme_code, period_start",
        [municipality, year],
    )
    names = dict(
        _rows(con, "select programme_code, programme_name from reference.indicator_programmes")
    )
    if not forms:
        section.paragraphs.append("Формы показателей за этот учебный год не поступили.")
    for n, form in enumerate(forms, start=1):
        (
            code,
            ptype,
            start,
            end,
            total,
            achieved,
            missed,
            no_data,
            strict,
            evaluable,
            r_total,
            r_achieved,
            r_pct,
            differs,
            entity,
        ) = form
        period = f"{start:%d.%m.%Y}–{end:%d.%m.%Y}"
        rows = _rows(
            con,
            "select indicator_code, indicator_name, unit, coalesce(cast(plan_value as varchar), "
            "plan_text), coalesce(cast(fact_value as varchar), fact_text, fact_state), status, "
            "source_file, source_row from marts.fct_indicator_value "
            "where entity_id = ? and programme_code = ? and period_type = ? and period_start = ? "
            "and value_source = 'reported' order by indicator_code",
            [entity, code, ptype, start],
        )
        rows.sort(key=lambda r: (len(re.sub(r"\D", "", r[0])), r[0]))
        summary = (
            f"Из {total} показателей достигли плановый показатель {achieved}, что составляет "
            f"{strict}% (из {achieved + missed} показателей, по которым есть данные, — "
            f"{evaluable}%); не достигнуто: {missed}; нет данных: {no_data}."
        )
        note = ""
        if differs:
            note = (
                f"В форме указано: «из {r_total} показателей достигли {r_achieved}, что "
                f"составляет {r_pct:g}%» — таблица формы этого не подтверждает."
            )
        section.tables.append(
            Table(
                f"{names.get(code, code)} — {period}",
                "marts.fct_indicator_value (value_source = reported), "
                "marts.mart_indicator_achievement",
                ["№", "Показатель", "Ед.", "План", "Факт", "Статус", "Источник (файл, строка)"],
                [
                    [c, nm, u, p, f, STATUS_RU.get(s, s), f"{Path(sf).name}, стр. {sr}"]
                    for c, nm, u, p, f, s, sf, sr in rows
                ],
                note=summary + (" " + note if note else ""),
                css_id=f"indicators-{n}",
            )
        )
    computed = _rows(
        con,
        "select indicator_code, indicator_name, indicator_value, numerator, denominator, rule "
        "from marts.mart_municipal_indicators where municipality_name = ? and academic_year = ? "
        "order by indicator_code",
        [municipality, year],
    )
    if computed:
        section.tables.append(
            Table(
                "Показатели мотивирующего мониторинга, рассчитанные по результатам оценочных "
                "процедур",
                "marts.mart_municipal_indicators",
                ["№", "Показатель", "Значение, %", "Числитель", "Знаменатель", "Правило"],
                [[c, nm or "", _num(v), num, den, rule] for c, nm, v, num, den, rule in computed],
                note="Формулы — производные (DOMAIN §4.4): в методике мотивирующего мониторинга "
                "указаны названия показателей, но не формулы.",
                css_id="computed-indicators",
            )
        )
    return section


def _shnor(con: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> Section:
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
            "Производная методика (DOMAIN §4.1; пороги ФИОКО не опубликованы): ячейка «процедура "
            "× год» отмечается, если доля «2» (ЕГЭ — ниже минимума) не ниже 75-го перцентиля "
            "школ региона, доля высоких результатов не выше 25-го, а доля «2» явно (с учётом "
            "размера группы) выше региональной; ШНОР — отмечено не менее половины ячеек с "
            "данными и не менее трёх (параметры — справочник shnor_parameters)."
        ],
        [
            Table(
                "ШНОР и школы в зоне риска",
                "marts.mart_shnor_risk",
                ["ОО", "Статус", "Отмечено ячеек", "Ячеек с данными", "Причина"],
                [[s, st, f, c, r or ""] for s, st, f, c, r in rows],
                css_id="shnor",
            )
        ],
    )


def _objectivity(con: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> Section:
    markers = _rows(
        con,
        "select school_short_name, assessment_code, subject_code, grade, participants_count, "
        "is_m1_journal_mismatch, is_m2_high_not_confirmed, is_m4_sharp_change, "
        "is_m6_exam_vs_annual_mark, is_m7_medalists_low_ege, "
        "is_objectivity_risk, evidence from marts.mart_objectivity_markers "
        f"where {scope.where()} and academic_year = ? and n_markers > 0 "
        "order by is_objectivity_risk desc, school_short_name, assessment_code, subject_code, "
        "grade",
        [scope.value, year],
    )
    section = _journal(con, scope, year)
    section.title = "3. Признаки необъективности результатов оценочных процедур"
    section.paragraphs = [
        "Производная методика (DOMAIN §4.3; это не федеральный перечень ОО с признаками "
        "необъективности): M1 — доля отметок ниже журнальных не менее 40 % и явно выше, чем в "
        "других школах региона; M2 — средняя отметка на 2 и более ст. откл. выше других школ "
        "при ЕГЭ школы ниже регионального (кроме лицеев, гимназий, СОШ с УИОП); M4 — резкий "
        "рост позиции школы за год или падение когорты; M6 — не менее 60 % отметок ОГЭ ниже "
        "годовых и явно больше, чем в других школах; M7 — не менее 60 % медалистов школы (из "
        "трёх и более) с баллом ЕГЭ ниже 70 хотя бы по одному предмету. Признаки M1, M2, M4 и "
        "M6 требуют различия, которое не объясняется случайностью малой группы (параметры — справочник "
        "objectivity_parameters). «Риск» — два и более вида признаков у школы в году.",
        f"Школ с признаками: {len({m[0] for m in markers})}; "
        f"из них с риском необъективности: {len({m[0] for m in markers if m[10]})}.",
        *section.paragraphs,
    ]
    section.tables.insert(
        0,
        Table(
            "Работы и экзамены с признаками необъективности",
            "marts.mart_objectivity_markers",
            [
                "ОО",
                "Процедура",
                "Предмет",
                "Класс",
                "Участников",
                "Признаки",
                "Риск",
                "Обоснование",
            ],
            [
                [
                    school,
                    PROCEDURE_RU.get(procedure, procedure),
                    SUBJECT_RU.get(subject, subject),
                    grade,
                    n,
                    ", ".join(
                        k
                        for k, on in (("M1", m1), ("M2", m2), ("M4", m4), ("M6", m6), ("M7", m7))
                        if on
                    ),
                    "да" if risk else "",
                    evidence,
                ]
                for school, procedure, subject, grade, n, m1, m2, m4, m6, m7, risk, evidence in (
                    markers
                )
            ],
            css_id="objectivity",
        ),
    )
    return section


def _journal(con: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> Section:
    rows = _rows(
        con,
        "select s.school_short_name, f.subject_code, f.grade, f.journal_compared_count, "
        "f.pct_journal_lowered, f.pct_journal_confirmed, f.pct_journal_raised "
        "from marts.fct_assessment_result f join marts.dim_school s using (school_id) "
        f"where {scope.where('s')} and f.academic_year = ? and f.assessment_code = 'vpr' "
        "and f.subject_code in ('rus', 'math') and f.journal_compared_count is not null "
        "order by f.pct_journal_raised desc nulls last, f.pct_journal_lowered desc nulls last "
        "limit 15",
        [scope.value, year],
    )
    return Section(
        "3. ВПР: сравнение отметок с отметками по журналу",
        [
            "Сравнение с журналом: школы с наибольшей долей повышенных и пониженных отметок "
            "(первичный материал признака M1)."
        ],
        [
            Table(
                "ВПР, русский язык и математика",
                "marts.fct_assessment_result (pct_journal_*)",
                [
                    "ОО",
                    "Предмет",
                    "Класс",
                    "Сравнено",
                    "Понизили, %",
                    "Подтвердили, %",
                    "Повысили, %",
                ],
                [
                    [s, SUBJECT_RU.get(sub, sub), g, n, _num(lo), _num(co), _num(hi)]
                    for s, sub, g, n, lo, co, hi in rows
                ],
                css_id="journal",
            )
        ],
    )


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


def _mechanisms(con: duckdb.DuckDBPyConnection, municipality: str, year: int) -> Section:
    rows = _rows(
        con,
        "select m.level, coalesce(d.direction_name, m.block_code, 'Итого'), m.points, "
        "m.max_points, m.index_pct, m.rank_in_region, m.entities_in_region, m.index_pct_change "
        "from marts.mart_management_mechanisms m left join reference.mechanism_directions d "
        "on d.direction_code = m.direction_code and m.level = 'direction' "
        "where m.municipality_name = ? and m.academic_year = ? and m.level <> 'component' "
        "order by case m.level when 'direction' then 1 when 'block' then 2 else 3 end, "
        "d.direction_number",
        [municipality, year],
    )
    section = Section("5. Механизмы управления качеством образования (ФИОКО, П20)")
    if not rows:
        section.paragraphs.append("Оценка механизмов за этот учебный год не поступила.")
        return section
    blocks = {
        "results": "Механизмы: образовательные результаты",
        "activity": "Механизмы: образовательная деятельность",
    }
    section.tables.append(
        Table(
            "Индексы по направлениям, блокам и итог",
            "marts.mart_management_mechanisms",
            [
                "Уровень",
                "Направление / блок",
                "Баллы",
                "Максимум",
                "Индекс, %",
                "Место",
                "Изменение, п.п.",
            ],
            [
                [
                    {"direction": "направление", "block": "блок", "total": "итог"}[lvl],
                    blocks.get(name, name),
                    _num(p),
                    _num(mx),
                    _num(ix),
                    f"{rk} из {n}",
                    _num(ch),
                ]
                for lvl, name, p, mx, ix, rk, n, ch in rows
            ],
            css_id="mechanisms",
        )
    )
    directions = [(name, ix) for lvl, name, _, _, ix, *_ in rows if lvl == "direction"]
    section.charts.append(
        Chart(
            "Индексы направлений, %",
            _bar_chart(
                "Индексы направлений, %",
                [re.sub(r"^Система ", "", n)[:45] for n, _ in directions],
                [float(ix) for _, ix in directions],
            ),
            "chart-mechanisms",
        )
    )
    return section


def _caveats(con: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> Section:
    missing = _rows(
        con,
        "select school_short_name, procedure_code, completeness_status, waiver_reason "
        f"from audit.completeness where {scope.where()} and academic_year = ? "
        "and completeness_status <> 'arrived' order by all",
        [scope.value, year],
    )
    provisional = (latest_publication(con) or {}).get("provisional_years")
    paragraphs = []
    if provisional:
        paragraphs.append(f"Предварительные данные за учебные годы: {provisional}.")
    paragraphs.append(
        "Отсутствующие результаты ОО: "
        + (
            "; ".join(
                f"{s} — {PROCEDURE_RU.get(p, p)} ({st}{', ' + r if r else ''})"
                for s, p, st, r in missing
            )
            or "нет"
        )
        + "."
    )
    if not scope.is_school:  # programme indicators are reported per municipality
        no_data = _rows(
            con,
            "select programme_code, string_agg(indicator_code, ', ' order by indicator_code) "
            "from marts.fct_indicator_value where municipality_name = ? and academic_year = ? "
            "and fact_state in ('no_data', 'not_applicable') group by all",
            [scope.value, year],
        )
        paragraphs.append(
            "Показатели без данных: "
            + ("; ".join(f"{p}: {codes}" for p, codes in no_data) or "нет")
            + "."
        )
    return Section("6. Ограничения данных", paragraphs)


# ---------------------------------------------------------------------------------- output


def write_note(
    reporting: Path,
    out_dir: Path,
    municipality: str | None,
    year: int,
    progress=lambda message: None,
    school: str | None = None,
) -> tuple[Path, Path]:
    """The note for a municipality, or for one school (``school``: a school_id or a part of its
    short name); HTML and XLSX in ``out_dir``."""
    subject = school if school is not None else municipality
    progress(f"[1/3] analytical note: reading the figures of {subject}, {year}/{year + 1}")
    scope, sections = collect(reporting, municipality, year, school)
    out_dir.mkdir(parents=True, exist_ok=True)
    label = scope.value if scope.is_school else scope.name.split()[0]
    stem = f"Аналитическая_справка_{label}_{year}-{year + 1}"
    title = (
        f"Аналитическая справка о результатах оценки качества образования: {scope.name}, "
        f"{_year(year)} учебный год"
    )
    html_path = out_dir / f"{stem}.html"
    tables = sum(len(s.tables) for s in sections)
    progress(f"[2/3] analytical note: {len(sections)} sections, {tables} tables → {html_path.name}")
    html_path.write_text(_html(title, sections), encoding="utf-8")
    xlsx_path = out_dir / f"{stem}.xlsx"
    progress(f"[3/3] analytical note: workbook → {xlsx_path.name}")
    _xlsx(xlsx_path, title, sections)
    return html_path, xlsx_path


def _html(title: str, sections: list[Section]) -> str:
    now = dt.datetime.now(dt.UTC)
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>Сформировано {now:%d.%m.%Y %H:%M} UTC из опубликованного файла отчётности.</p>",
    ]
    for section in sections:
        body.append(f"<h2>{html.escape(section.title)}</h2>")
        body += [f"<p>{html.escape(p)}</p>" for p in section.paragraphs]
        for table in section.tables:
            head = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                for row in table.rows
            )
            body.append(
                f"<h3>{html.escape(table.title)}</h3>"
                f"<table id='{table.css_id}'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>"
                "</table>"
                + (
                    f"<p class='summary' id='{table.css_id}-summary'>{html.escape(table.note)}</p>"
                    if table.note
                    else ""
                )
                + f"<p class='source'>Источник: {html.escape(table.source)}</p>"
            )
        for chart in section.charts:
            data = base64.b64encode(chart.png).decode()
            body.append(
                f"<figure><img id='{chart.css_id}' alt='{html.escape(chart.title)}' "
                f"src='data:image/png;base64,{data}'><figcaption>{html.escape(chart.title)}"
                "</figcaption></figure>"
            )
    return (
        "<!doctype html><html lang='ru'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:'DejaVu Sans',sans-serif;margin:2em;max-width:80em;color:#111}"
        "table{border-collapse:collapse;margin:.5em 0;font-size:90%}"
        "th,td{border:1px solid #999;padding:.2em .45em;text-align:left;vertical-align:top}"
        "th{background:#e8eef5}.source,.meta{color:#555;font-size:85%}.summary{font-weight:bold}"
        "img{max-width:100%;border:1px solid #ccc}"
        "</style></head><body>"
        + "".join(body)
        # for checks in a browser: the rendered size of every chart, once images have loaded
        + "<script>window.addEventListener('load',function(){document.body.dataset.imageWidths="
        "Array.from(document.images).map(function(i){return i.naturalWidth}).join(',')})"
        "</script></body></html>"
    )


def _xlsx(path: Path, title: str, sections: list[Section]) -> None:
    book = xlsxwriter.Workbook(path)
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "valign": "top"})
    for section in sections:
        ws = book.add_worksheet(section.sheet)
        ws.write(0, 0, title, bold)
        ws.write(1, 0, section.title, bold)
        r = 3
        for paragraph in section.paragraphs:
            ws.write(r, 0, paragraph)
            r += 1
        for table in section.tables:
            r += 1
            ws.write(r, 0, table.title, bold)
            r += 1
            for c, h in enumerate(table.headers):
                ws.write(r, c, h, header)
            for row in table.rows:
                r += 1
                for c, value in enumerate(row):
                    ws.write(r, c, value, cell)
            r += 1
            if table.note:
                ws.write(r, 0, table.note, bold)
                r += 1
            ws.write(r, 0, f"Источник: {table.source}")
            r += 2
        for chart in section.charts:
            ws.insert_image(r, 0, f"{chart.css_id}.png", {"image_data": io.BytesIO(chart.png)})
            r += 20
        ws.set_column(0, 0, 28)
        ws.set_column(1, 1, 60 if section.sheet == "Показатели" else 18)
        ws.set_column(2, 8, 14)
    book.close()

"""Section «Показатели»: plan and fact of the programme indicators, the recomputed summary."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from orchestration.reports.note.common import STATUS_RU, _num, _rows
from orchestration.reports.render import Section, Table


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

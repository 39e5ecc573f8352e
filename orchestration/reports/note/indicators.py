"""Section «Показатели»: plan and fact of the programme indicators, the recomputed summary."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

from orchestration.reports import formats
from orchestration.reports.note.common import FACT_STATE_RU, STATUS_RU, Names, _rows
from orchestration.reports.render import Section, Table


def _value(number: Any, text: str | None, state: str | None = None) -> Any:
    """A plan or fact as the form gave it: the number (kept a number), else its words."""
    if number is not None:
        return number
    if text:
        return text
    return FACT_STATE_RU.get(state or "", state)


def _indicators(
    con: duckdb.DuckDBPyConnection, names: Names, municipality: str, year: int
) -> Section:
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
        period = f"{formats.date(start)}–{formats.date(end)}"
        rows = _rows(
            con,
            "select indicator_code, indicator_name, unit, plan_value, plan_text, fact_value, "
            "fact_text, fact_state, status, source_file, source_row "
            "from marts.fct_indicator_value "
            "where entity_id = ? and programme_code = ? and period_type = ? and period_start = ? "
            "and value_source = 'reported' order by indicator_code",
            [entity, code, ptype, start],
        )
        rows.sort(key=lambda r: (len(re.sub(r"\D", "", r[0])), r[0]))
        summary = (
            f"Из {formats.integer(total)} показателей достигли плановый показатель "
            f"{formats.integer(achieved)}, что составляет {formats.percent(strict)} (из "
            f"{formats.integer(achieved + missed)} показателей, по которым есть данные, — "
            f"{formats.percent(evaluable)}); не достигнуто: {formats.integer(missed)}; "
            f"нет данных: {formats.integer(no_data)}."
        )
        note = ""
        if differs:
            note = (
                f"В форме указано: «из {formats.integer(r_total)} показателей достигли "
                f"{formats.integer(r_achieved)}, что составляет {formats.percent(r_pct)}» — "
                "таблица формы этого не подтверждает."
            )
        section.tables.append(
            Table(
                f"{names.programmes.get(code, 'Программа показателей')} — {period}",
                names.source("marts.fct_indicator_value", "marts.mart_indicator_achievement")
                + "; значения — как в форме (файл и строка в последнем столбце)",
                ["№", "Показатель", "Ед.", "План", "Факт", "Статус", "Источник (файл, строка)"],
                [
                    [
                        c,
                        nm,
                        u,
                        _value(pv, pt),
                        _value(fv, ft, fs),
                        STATUS_RU.get(s, "требует проверки"),
                        f"{Path(sf).name}, стр. {sr}",
                    ]
                    for c, nm, u, pv, pt, fv, ft, fs, s, sf, sr in rows
                ],
                note=summary + (" " + note if note else ""),
                css_id=f"indicators-{n}",
                kinds=["code", "text", "text", "num", "num", "text", "code"],
            )
        )
    computed = _rows(
        con,
        "select indicator_code, indicator_name, indicator_value, numerator, denominator, rule_ru "
        "from marts.mart_municipal_indicators where municipality_name = ? and academic_year = ? "
        "order by indicator_code",
        [municipality, year],
    )
    if computed:
        section.tables.append(
            Table(
                "Показатели мотивирующего мониторинга, рассчитанные по результатам оценочных "
                "процедур",
                names.source("marts.mart_municipal_indicators"),
                ["№", "Показатель", "Значение, %", "Числитель", "Знаменатель", "Правило расчёта"],
                [[c, nm or "", v, num, den, rule] for c, nm, v, num, den, rule in computed],
                note="Формулы расчёта выведены из названий показателей: методика мотивирующего "
                "мониторинга приводит названия показателей, но не формулы.",
                css_id="computed-indicators",
                kinds=["code", "text", "num", "int", "int", "text"],
            )
        )
    return section

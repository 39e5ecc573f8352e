"""Section «Ограничения»: provisional years, missing results, indicators without data."""

from __future__ import annotations

import duckdb

from orchestration.reports.note.common import PROCEDURE_RU, Scope, _rows
from orchestration.reports.published import latest_publication
from orchestration.reports.render import Section


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

"""Section «Ограничения»: provisional years, missing results, indicators without data."""

from __future__ import annotations

import duckdb

from orchestration.reports.note.common import Names, Scope, _rows, _year
from orchestration.reports.published import latest_publication
from orchestration.reports.render import Section

# audit.completeness.completeness_status of a result that has not arrived
COMPLETENESS_RU = {
    "missing": "не поступили, срок прошёл",
    "not_due": "срок ещё не наступил",
    "waived": "освобождена от сдачи",
}


def _caveats(con: duckdb.DuckDBPyConnection, names: Names, scope: Scope, year: int) -> Section:
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
        years = ", ".join(_year(int(y)) for y in str(provisional).split(",") if y.strip())
        paragraphs.append(f"Предварительные данные за учебные годы: {years}.")
    paragraphs.append(
        "Отсутствующие результаты ОО: "
        + (
            "; ".join(
                f"{s} — {names.procedure(p)} ({COMPLETENESS_RU.get(st, st)}{', ' + r if r else ''})"
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
            + ("; ".join(f"{names.programmes.get(p, p)}: {codes}" for p, codes in no_data) or "нет")
            + "."
        )
    return Section("6. Ограничения данных", paragraphs)

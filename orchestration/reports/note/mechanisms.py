"""Section «Механизмы»: the indices of the quality-management mechanisms (П20)."""

from __future__ import annotations

import duckdb

from orchestration.reports import formats
from orchestration.reports.note.common import Names, _rows
from orchestration.reports.render import Chart, Section, Table, bar_chart


def _mechanisms(
    con: duckdb.DuckDBPyConnection, names: Names, municipality: str, year: int
) -> Section:
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
            names.source("marts.mart_management_mechanisms"),
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
                    p,
                    mx,
                    ix,
                    f"{rk} из {n}",
                    ch,
                ]
                for lvl, name, p, mx, ix, rk, n, ch in rows
            ],
            css_id="mechanisms",
            kinds=["text", "text", "num", "num", "num", "text", "signed"],
        )
    )
    directions = [(name, ix) for lvl, name, _, _, ix, *_ in rows if lvl == "direction"]
    section.charts.append(
        Chart(
            "Индексы направлений, %",
            bar_chart(
                "Индексы направлений, %",
                [n for n, _ in directions],
                [float(ix) for _, ix in directions],
                "индекс, %",
            ),
            "chart-mechanisms",
            source=names.source("marts.mart_management_mechanisms"),
            labels=[f"{n}: {formats.percent(ix)}" for n, ix in directions],
        )
    )
    return section

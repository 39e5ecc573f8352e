"""The evaluation of quality-management mechanisms (seed 004): expert points in, indices out.

The nine steps themselves are pinned by dbt unit tests with hand-computed literals
(``mart_management_mechanisms`` in ``_analytics__models.yml``). Here: the reader on hand-made
sheets, and the warehouse against indices recomputed from the generator's ground truth.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

from tests.builders import assert_accounting, file_row, read_one, write_xlsx
from tests.conftest import PipelineRun

HEADER = [
    "Муниципалитет",
    "Направление",
    "Компонент управленческого цикла",
    "Позиция оценивания",
    "Первичный балл",
    "Максимальный балл",
]


def test_hand_made_sheet_points_and_errors(tmp_path: Path) -> None:
    rows = [
        ["Результаты оценки механизмов управления качеством образования за 2023 год"],
        HEADER,
        ["Амурский муниципальный район", "1. Система оценки качества подготовки обучающихся",
         "Цели", "Наличие целей", 2, 2],
        ["Амурский муниципальный район", "1. Система оценки качества подготовки обучающихся",
         "Показатели", "Наличие показателей", "1,5", 2],
        ["Амурский муниципальный район", "7. Система организации воспитания обучающихся",
         "Меры и мероприятия", "Меры", 3, 2],            # above the maximum
        ["Амурский муниципальный район", "7. Система организации воспитания обучающихся",
         "Управленческие решения", "Решения", -1, 2],     # negative
        ["Амурский муниципальный район", "7. Система организации воспитания обучающихся",
         "Анализ эффективности принятых мер", "Анализ", "1б", 2],  # letters
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "m.xlsx", {"Баллы": rows})
    result = read_one("mechanisms", path, "mechanisms/m.xlsx", tmp_path)
    assert_accounting(result)
    summary = file_row(result)
    assert (summary["rows_loaded"], summary["rows_quarantined"]) == (2, 3)
    loaded = result.rows.to_pylist()
    assert [(r["points"], r["max_points"]) for r in loaded] == [(2.0, 2.0), (1.5, 2.0)]
    assert {(r["academic_year"], r["evaluation_year"]) for r in loaded} == {(2022, 2023)}
    reasons = {
        q["source_row"]: (q["source_column"], q["reason"]) for q in result.quarantine.to_pylist()
    }
    assert reasons[5] == ("Первичный балл (E)", "points above the position's maximum")
    assert reasons[6][0] == "Первичный балл (E)" and "minimum" in reasons[6][1]
    assert reasons[7][0] == "Первичный балл (E)" and "letters" in reasons[7][1]


def test_a_sheet_without_its_year_is_refused(tmp_path: Path) -> None:
    rows = [
        ["Оценка механизмов"],
        HEADER,
        ["Амурский муниципальный район", "1. Система", "Цели", "x", 1, 2],
    ]
    path = write_xlsx(tmp_path / "m.xlsx", {"Баллы": rows})
    summary = file_row(read_one("mechanisms", path, "mechanisms/m.xlsx", tmp_path))
    assert summary["status"] == "unreadable" and "year" in summary["status_reason"]


def expected_indices(truth: dict) -> dict[tuple, tuple[int, int]]:
    """(municipality, academic year, level, key) -> (points, maximum), summed from the truth."""
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for s in truth["mechanism_scores"]:
        base = (s["municipality"], s["academic_year"])
        for key in (
            ("component", s["direction_code"], s["component_code"]),
            ("direction", s["direction_code"], None),
            ("block", None, s["block_code"]),
            ("total", None, None),
        ):
            sums[(*base, *key)][0] += s["points"]
            sums[(*base, *key)][1] += s["max_points"]
    return {k: (p, m) for k, (p, m) in sums.items()}


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_every_level_equals_the_indices_recomputed_from_the_truth(pipeline: PipelineRun) -> None:
    expected = expected_indices(pipeline.truth)
    assert len({k[1] for k in expected}) == 2, "two evaluation years"
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    try:
        rows = con.execute(
            "select municipality_name, academic_year, level, "
            "case when level in ('component', 'direction') then direction_code end, "
            "case level when 'component' then component_code when 'block' then block_code end, "
            "points, max_points, index_pct from marts.mart_management_mechanisms"
        ).fetchall()
        p20 = con.execute(
            "select v.municipality_name, v.academic_year, v.fact_value, m.index_pct "
            "from marts.fct_indicator_value v join marts.mart_management_mechanisms m "
            "on m.municipality_id = v.municipality_id and m.academic_year = v.academic_year "
            "and m.level = 'total' where v.indicator_code = 'П20' and v.value_source = 'computed'"
        ).fetchall()
        ranks = con.execute(
            "select academic_year, list(rank_in_region order by index_pct desc) "
            "from marts.mart_management_mechanisms where level = 'total' group by 1"
        ).fetchall()
    finally:
        con.close()
    got = {}
    for muni, year, level, direction, key, points, maximum, index in rows:
        got[(muni, year, level, direction, key)] = (points, maximum)
        assert index == round(100 * points / maximum, 2)
    assert got == expected
    assert len(p20) == len({(k[0], k[1]) for k in expected})
    assert all(fact == index for _, _, fact, index in p20)
    for _, order in ranks:
        assert order[0] == 1 and order == sorted(order)


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_a_hand_made_sheet_gives_the_hand_computed_indices(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    """Evaluation year 2022 (academic 2021, which the demo sheets do not cover), by hand:
    Амурский: direction 1 «Цели» 1/2 + 2/2 = 3/4 → 75 %, «Показатели» 0/2 → 0 %, direction 1
    3/6 → 50 %; direction 7 «Меры» 2/2 → 100 %; blocks 50 % and 100 %; total 5/8 → 62.5 %.
    Хасанский, on other maxima: 1/1 and 1/2 → total 2/3 → 66.67 %, ranked first."""
    run = pipeline.copy(tmp_path / "run")
    d1 = "1. Система оценки качества подготовки обучающихся"
    d7 = "7. Система организации воспитания обучающихся"
    amur, khasan = "Амурский муниципальный район", "Хасанского муниципального округа"
    rows = [
        ["Результаты оценки механизмов управления качеством образования за 2022 год"],
        HEADER,
        [amur, d1, "Цели", "Цели определены", 1, 2],
        [amur, d1, "Цели", "Цели согласованы", 2, 2],
        [amur, d1, "Показатели", "Показатели определены", 0, 2],
        [amur, d7, "Меры и мероприятия", "Меры приняты", 2, 2],
        [khasan, d1, "Цели", "Цели определены", 1, 1],
        [khasan, d7, "Меры и мероприятия", "Меры приняты", 1, 2],
    ]
    write_xlsx(run.root / "landing" / "mechanisms" / "Оценка_2022_вручную.xlsx", {"Баллы": rows})
    run.cli("refresh")
    con = duckdb.connect(str(run.reporting), read_only=True)
    try:
        got = con.execute(
            "select municipality_name, level, coalesce(component_code, direction_code, "
            "block_code, 'total'), index_pct, rank_in_region from marts.mart_management_mechanisms "
            "where academic_year = 2021 order by all"
        ).fetchall()
        p20 = con.execute(
            "select municipality_name, fact_value from marts.fct_indicator_value "
            "where indicator_code = 'П20' and value_source = 'computed' and academic_year = 2021 "
            "order by 1"
        ).fetchall()
    finally:
        con.close()
    khasan_registry = "Хасанский муниципальный округ"
    assert got == sorted(
        [
            (amur, "block", "activity", 100.0, 1),
            (amur, "block", "results", 50.0, 2),
            (amur, "component", "goals", 75.0, 2),
            (amur, "component", "indicators", 0.0, 1),
            (amur, "component", "measures", 100.0, 1),
            (amur, "direction", "pupils_preparation", 50.0, 2),
            (amur, "direction", "upbringing", 100.0, 1),
            (amur, "total", "total", 62.5, 2),
            (khasan_registry, "block", "activity", 50.0, 2),
            (khasan_registry, "block", "results", 100.0, 1),
            (khasan_registry, "component", "goals", 100.0, 1),
            (khasan_registry, "component", "measures", 50.0, 2),
            (khasan_registry, "direction", "pupils_preparation", 100.0, 1),
            (khasan_registry, "direction", "upbringing", 50.0, 2),
            (khasan_registry, "total", "total", 66.67, 1),
        ]
    )
    assert p20 == [(amur, 62.5), (khasan_registry, 66.67)]

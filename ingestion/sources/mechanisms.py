"""Expert scoring sheets of the evaluation of quality-management mechanisms (seed 004, ФИОКО).

Shape: a title naming the evaluation and its year ("Оценка механизмов управления качеством
образования … за 2023 год"), then one row per entity × evaluation position: the municipality
(or school), the direction (one of the 8 systems: "1. Система оценки качества подготовки
обучающихся" …), the component of the management cycle ("Цели", "Показатели", "Методы сбора и
обработки информации", "Мониторинг показателей", …), the evaluation position (the criterion's
text), the primary points the experts gave and the maximum points of the position.

Points below zero, above the position's maximum, or with letters are errors: the row goes to
quarantine at its cell. The year in the title is a calendar year; its academic year is the one
containing the year's midpoint (2023 → 2022/23), as for the indicator forms, so that П20 lands
beside the other indicators of that year.
"""

from __future__ import annotations

from ingestion.engine import FileContext, FileVersion, Reader
from ingestion.layout import Field, Layout, LayoutError, keys
from ingestion.sheets import Grid
from ingestion.sources.indicators import academic_year_of_period, parse_period


class MechanismScoresReader(Reader):
    name = "mechanisms"
    table = "expert_scores"
    title = "Оценка механизмов управления качеством образования (экспертные баллы)"
    grain = "one row per entity × evaluation position of a year's expert scoring"
    fields = (
        Field(
            "entity_name",
            keys("Муниципалитет", "Муниципальное образование", "МО", "Территория", "ОО"),
            required=True,
            header_required=True,
        ),
        Field(
            "direction_name",
            keys("Направление", "Направление (система)", "Система", "Направление оценки"),
            required=True,
            header_required=True,
        ),
        Field(
            "component_name",
            keys(
                "Компонент управленческого цикла",
                "Компонент",
                "Элемент управленческого цикла",
                "Блок управленческого цикла",
            ),
            required=True,
            header_required=True,
        ),
        Field(
            "position_text",
            keys("Позиция оценивания", "Позиция", "Критерий", "Показатель оценивания"),
            required=True,
        ),
        Field(
            "points",
            keys("Первичный балл", "Балл", "Баллы", "Первичные баллы"),
            "number",
            required=True,
            min_value=0,
            header_required=True,
        ),
        Field(
            "max_points",
            keys("Максимальный балл", "Макс. балл", "Максимально возможный балл", "Максимум"),
            "number",
            required=True,
            min_value=0,
            header_required=True,
        ),
    )
    context_columns = {"evaluation_year": "integer"}
    row_checks = (
        ("v_points > v_max_points", "points", "points above the position's maximum"),
        ("v_max_points = 0", "max_points", "a position's maximum must be above zero"),
    )

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        period = parse_period(" ".join(layout.title_lines))
        if period is None or period[0] != "calendar_year":
            raise LayoutError(
                "the evaluation year (e.g. 'за 2023 год') was not found above the header"
            )
        _, start, end = period
        return FileContext(academic_year_of_period(start, end), {"evaluation_year": start.year})

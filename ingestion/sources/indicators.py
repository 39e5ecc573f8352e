"""Plan/fact forms of quality programmes' indicators (seed 000, 001, 004; DOMAIN §4.4, §5).

Shape: a title naming the programme and the territory ("Анализ эффективности реализации
муниципального проекта … Амурского муниципального района") and the period ("за 1 полугодие
2023 года", "за 2023 год", "2022/2023 учебный год", "I квартал 2023"); a header "№ |
Показатели | Ед. изм. | План 2023 | Факт 2023" (optionally "Направление" and "Примечание");
one row per indicator, section rows between them ("1. Создание условий …": a number and a name,
no plan, no fact: skipped as sections); and often the form's own summary under the table ("Из 16
показателей Проекта достигли плановый показатель 12, что составляет 75%"), which is kept as the
reported summary (when it is within the first rows the reader looks at, ``HEAD_ROWS``).

Plan and fact cells are *measures*: a number ("1,8", "89,4 %"), a target with its direction
("не менее 85", "не более 5%"), a qualitative statement ("Создан пакет нормативных документов",
"Данный показатель выполнен") or a missing marker — "Нет данных" (no_data), "-" (no_data in
this form; DOMAIN §5.1), empty (empty: the completeness gate's "missing"). These are kept as
distinct states, never as zeros. OCR-damaged numbers ("ЗД7") are quarantined.

The period decides the partition: the academic year that contains the period's midpoint
(calendar year 2023 → 2022/2023, whose ГИА and ВПР it reports; "2 полугодие 2023" →
2023/2024). ``period_type``, ``period_start`` and ``period_end`` are stored as written.
"""

from __future__ import annotations

import datetime as dt
import re

from ingestion.engine import FileContext, FileVersion, Reader
from ingestion.layout import Field, Layout, LayoutError, keys
from ingestion.normalize import academic_year_of_date
from ingestion.sheets import Grid

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_HALF = re.compile(r"(?P<n>[12]|i{1,2})\s*(?:-?е\s*)?полугоди[а-я]*\s*(?P<year>20\d\d)", re.I)
_QUARTER = re.compile(r"(?P<n>[1-4]|iv|i{1,3})\s*(?:-?й\s*)?квартал[а-я]*\s*(?P<year>20\d\d)", re.I)
_ACADEMIC = re.compile(r"(?P<year>20\d\d)\s*[/–-]\s*(?:20)?\d\d\s*(?:г\.?\s*)?учебн", re.I)
_CALENDAR = re.compile(r"(?:за|на|в)\s+(?P<year>20\d\d)\s*(?:год|г\.)", re.I)
_PLAN_FACT_YEAR = re.compile(r"(?:план|факт)[а-я]*\s*(?:на\s*)?(?P<year>20\d\d)", re.I)
_SUMMARY = re.compile(
    r"из\s+(?P<total>\d+)\s+показател[а-я]*.*?достигл[а-я]*.*?(?P<achieved>\d+)\s*,?\s*"
    r"что\s+составляет\s+(?P<pct>\d+(?:[.,]\d+)?)\s*%",
    re.I | re.S,
)
_TERRITORY = re.compile(
    r"(?P<name>(?:[А-ЯЁ][\w-]+\s+)(?:муниципальн\w+\s+)?(?:район\w*|округ\w*)"
    r"|(?:город\w*|г\.)\s*[А-ЯЁ][\w-]+)"
)
_PROGRAMME = re.compile(r"(проект\w*|программ\w*|мониторинг\w*)", re.I)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _ROMAN[text.lower()]


def parse_period(text: str) -> tuple[str, dt.date, dt.date] | None:
    """(period_type, start, end) of a period as forms write it, or None."""
    if m := _HALF.search(text):
        year, half = int(m["year"]), _number(m["n"])
        return (
            ("half_year", dt.date(year, 1, 1), dt.date(year, 6, 30))
            if half == 1
            else ("half_year", dt.date(year, 7, 1), dt.date(year, 12, 31))
        )
    if m := _QUARTER.search(text):
        year, quarter = int(m["year"]), _number(m["n"])
        start = dt.date(year, 3 * quarter - 2, 1)
        end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
        return "quarter", start, end
    if m := _ACADEMIC.search(text):
        year = int(m["year"])
        return "academic_year", dt.date(year, 9, 1), dt.date(year + 1, 8, 31)
    if m := (_CALENDAR.search(text) or _PLAN_FACT_YEAR.search(text)):
        year = int(m["year"])
        return "calendar_year", dt.date(year, 1, 1), dt.date(year, 12, 31)
    return None


def academic_year_of_period(start: dt.date, end: dt.date) -> int:
    """The academic year containing the period's midpoint (calendar 2023 → 2022/2023)."""
    return academic_year_of_date(start + (end - start) / 2)


def reported_summary(lines: list[str]) -> tuple[int, int, float] | None:
    """The form's own "Из M показателей достигли N, что составляет X%", if it has one."""
    for line in lines:
        if m := _SUMMARY.search(line):
            return int(m["total"]), int(m["achieved"]), float(m["pct"].replace(",", "."))
    return None


class IndicatorFormReader(Reader):
    name = "indicators"
    table = "indicator_values"
    title = "Показатели программ (план/факт)"
    grain = "one row per indicator of a programme's plan/fact form (territory × period)"
    fields = (
        Field(
            "indicator_number",
            keys("№", "№ п/п", "№ показателя", "Код показателя", "Номер показателя", "Код"),
            "code",
            required=True,
            pattern=r"(?i)[пp]?\s?\d{1,3}\.?",
            description="the indicator's number in the programme (1, 13, П22)",
        ),
        Field(
            "indicator_name",
            keys("Показатели", "Показатель", "Наименование показателя", "Наименование"),
            required=True,
            header_required=True,
        ),
        Field("unit", keys("Ед. изм.", "Ед. измерения", "Единица измерения", "Ед.")),
        Field(
            "direction_text",
            keys("Направление", "Целевое направление", "Желаемая динамика"),
            pattern=r"(?i)(↑|↓|повышение|снижение|рост|не менее|не более|больше|меньше)",
        ),
        Field(
            "plan",
            keys("План*", "Плановое значение*", "Целевое значение*", "Целевой показатель*"),
            "measure",
        ),
        Field(
            "fact",
            keys("Факт*", "Фактическое значение*", "Достигнутое значение*"),
            "measure",
            header_required=True,
        ),
        Field("note", keys("Примечание", "Комментарий", "Обоснование", "Пояснение")),
    )
    context_columns = {
        "territory_name": "varchar",
        "programme_title": "varchar",
        "period_type": "varchar",
        "period_start": "date",
        "period_end": "date",
        "reported_total": "integer",
        "reported_achieved": "integer",
        "reported_pct": "double",
    }
    skip_labels = ((r"^из \d+ показател", "footer"),)
    # a number and a name without unit, plan or fact: a section heading ("1. Создание условий")
    skip_conditions = (
        (
            "msoko_clean(f_plan) is null and msoko_clean(f_fact) is null "
            "and msoko_clean(f_unit) is null",
            "section",
        ),
    )

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        title = " ".join(layout.title_lines)
        labels = " ".join(layout.labels.get(name, "") for name in ("plan", "fact"))
        period = parse_period(title) or parse_period(labels)
        if period is None:
            raise LayoutError(
                "the period (e.g. 'за 2023 год', 'за 1 полугодие 2023 года', '2022/2023 учебный "
                "год', or a header 'Факт 2023') was not found above or in the header"
            )
        territory = _TERRITORY.search(title)
        if territory is None:
            raise LayoutError(
                "the territory (e.g. 'Амурского муниципального района', 'города Свободного') "
                "was not found in the title"
            )
        programme = next((line for line in layout.title_lines if _PROGRAMME.search(line)), None)
        if programme is None:
            raise LayoutError(
                "the programme (a title line naming the 'проект', 'программа' or "
                "'мониторинг') was not found above the header"
            )
        below = [
            " ".join(c for c in row if c)
            for row in grid.head[layout.first_data_row - 1 :]
            if any(row)
        ]
        summary = reported_summary(below)
        period_type, start, end = period
        return FileContext(
            academic_year_of_period(start, end),
            {
                "territory_name": territory["name"],
                "programme_title": programme[:200],
                "period_type": period_type,
                "period_start": start,
                "period_end": end,
                "reported_total": summary[0] if summary else None,
                "reported_achieved": summary[1] if summary else None,
                "reported_pct": summary[2] if summary else None,
            },
        )

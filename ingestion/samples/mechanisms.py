"""Demo expert scoring sheets of the evaluation of quality-management mechanisms (seed 004).

One workbook per evaluation year with every municipality's rows: 8 directions × 9 components
of the management cycle × 1–2 evaluation positions (0–2 points each), the way a regional
expert group keeps them. One row gives more points than the position's maximum (an error: to
quarantine). The truth holds the loaded rows, from which tests recompute every index.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from ingestion.samples.writers import SheetWriter, Truth, write_xlsx

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"


def _seed(name: str) -> list[dict[str, str]]:
    with open(SEEDS / name, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def positions(rng: np.random.Generator) -> list[tuple[dict[str, str], dict[str, str], str, int]]:
    """(direction, component, position text, maximum points): the same list for every entity."""
    out = []
    for direction in _seed("mechanism_directions.csv"):
        for component in _seed("mechanism_components.csv"):
            for k in range(1 + int(rng.random() < 0.4)):
                text = (
                    f"{component['component_name']}: позиция {k + 1} "
                    f"(направление {direction['direction_number']})"
                )
                out.append((direction, component, text, int(rng.choice([1, 2, 2]))))
    return out


def write_mechanism_sheets(
    landing: Path,
    truth: Truth,
    municipalities: list[str],
    academic_year: int,
    rng: np.random.Generator,
    *,
    with_error: bool,
) -> None:
    calendar_year = academic_year + 1
    rel = f"mechanisms/Оценка_механизмов_управления_качеством_{calendar_year}.xlsx"
    sheet = SheetWriter(truth, rel, "mechanisms", academic_year, "Баллы")
    sheet.add(["Результаты оценки механизмов управления качеством образования"], "skipped")
    sheet.add([f"в муниципальных образованиях Хабаровского края за {calendar_year} год"], "skipped")
    sheet.add(
        [
            "Муниципалитет",
            "Направление",
            "Компонент управленческого цикла",
            "Позиция оценивания",
            "Первичный балл",
            "Максимальный балл",
        ],
        "skipped",
    )
    items = positions(np.random.default_rng(2022))  # positions are the methodology's, not random
    for m, municipality in enumerate(municipalities):
        strength = 0.35 + 0.5 * rng.random()
        for i, (direction, component, text, maximum) in enumerate(items):
            points = int(rng.binomial(maximum, strength))
            cells: list[Any] = [
                municipality,
                f"{direction['direction_number']}. {direction['direction_name']}",
                component["component_name"],
                text,
                points,
                maximum,
            ]
            if with_error and m == 0 and i == 5:
                cells[4] = maximum + 3
                r = sheet.add(cells, "quarantined")
                sheet.defect(r, "Первичный балл", "points_above_maximum", "quarantine", maximum + 3)
                continue
            sheet.add(cells, "loaded")
            truth.mechanism_scores.append(
                {
                    "municipality": municipality,
                    "academic_year": academic_year,
                    "evaluation_year": calendar_year,
                    "direction_code": direction["direction_code"],
                    "block_code": direction["block_code"],
                    "component_code": component["component_code"],
                    "points": points,
                    "max_points": maximum,
                }
            )
    write_xlsx(landing / rel, [sheet])


def write_template(path: Path, municipality: str, year: int) -> Path:
    """The scoring sheet to fill by hand: every direction × component position, points empty."""
    truth = Truth()
    sheet = SheetWriter(truth, path.name, "mechanisms", year - 1, "Баллы")
    sheet.add(["Результаты оценки механизмов управления качеством образования"], "skipped")
    sheet.add([f"за {year} год"], "skipped")
    sheet.add(
        [
            "Муниципалитет",
            "Направление",
            "Компонент управленческого цикла",
            "Позиция оценивания",
            "Первичный балл",
            "Максимальный балл",
        ],
        "skipped",
    )
    for direction in _seed("mechanism_directions.csv"):
        for component in _seed("mechanism_components.csv"):
            sheet.add(
                [
                    municipality,
                    f"{direction['direction_number']}. {direction['direction_name']}",
                    component["component_name"],
                    "<позиция оценивания по критериям ФИОКО>",
                    None,
                    None,
                ],
                "loaded",
            )
    write_xlsx(path, [sheet])
    return path


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="write an empty expert scoring sheet")
    parser.add_argument("--out", type=Path, default=Path("Шаблон_оценка_механизмов.xlsx"))
    parser.add_argument("--municipality", default="Амурский муниципальный район")
    parser.add_argument("--year", type=int, default=2024, help="the evaluation (calendar) year")
    args = parser.parse_args(argv)
    print(write_template(args.out, args.municipality, args.year))


if __name__ == "__main__":
    main()

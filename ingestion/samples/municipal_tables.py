"""Demo tables of ВПР results as municipalities publish them (seed 003, Приложение 2 shape).

One workbook per municipality for the last academic year, in a landing sub-folder named after
the municipality (the table's title does not name it, as in seed 003): grade blocks
"4 класс" … "8 класс" over {всего принимало участие; количество «2»; количество «4» и «5»;
Подтвердили оценки}, a numbered school row with empty cells followed by its "русский язык" and
"математика" rows, and an "Итого по району" block at the end. The figures republish the ФИС
ОКО truth (``truth.vpr``); «2» and «4» и «5» are written as "count (pct%)" with a decimal
comma or point. Planted defects, recorded in ``truth.published_aggregate_defects``: a wrong
percent (warning), a totals row off by one (warning), an OCR-damaged cell in a totals row
(quarantine, so the other totals still add up).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from ingestion.samples import world as w
from ingestion.samples.writers import SheetWriter, Truth, write_xlsx

GRADES = (4, 5, 6, 7, 8)
SUBJECTS = (("rus", "русский язык"), ("math", "математика"))
METRICS = ("participants", "mark2_count", "mark45_count", "journal_confirmed")
HEADERS = (
    "всего принимало участие",
    "количество «2»",
    "количество «4» и  «5»",
    "Подтвердили оценки",
)


def _count_pct(count: int, total: int, comma: bool, shift: float = 0.0) -> str:
    pct = f"{100 * count / total + shift:.2f}".rstrip("0").rstrip(".") if total else "0"
    return f"{count} ({pct.replace('.', ',') if comma else pct}%)"


def write_municipal_tables(
    landing: Path, truth: Truth, region: w.Region, year: int, rng: np.random.Generator
) -> None:
    figures: dict[tuple[str, int, str], dict[str, int | None]] = {}
    for record in truth.vpr:
        if record["academic_year"] != year or record["grade"] not in GRADES:
            continue
        if record["subject_code"] not in dict(SUBJECTS):
            continue
        marks = {int(k): v for k, v in record["marks"].items()}
        journal = record["journal"]
        figures[(record["school_code"], record["grade"], record["subject_code"])] = {
            "participants": record["participants"],
            "mark2_count": marks[2],
            "mark45_count": marks[4] + marks[5],
            "journal_confirmed": journal["confirmed"] if journal else None,
        }
    municipalities = list(dict.fromkeys(s.municipality for s in region.schools))
    for index, muni in enumerate(municipalities):
        schools = [
            s for s in region.schools if s.municipality == muni and any(
                (s.school_code, g, c) in figures for g in GRADES for c, _ in SUBJECTS)
        ]  # fmt: skip
        if schools:
            _write_table(landing, truth, muni, year, schools, figures, rng, first=index == 0)


def _write_table(
    landing: Path,
    truth: Truth,
    muni: str,
    year: int,
    schools: list[w.School],
    figures: dict[tuple[str, int, str], dict[str, int | None]],
    rng: np.random.Generator,
    *,
    first: bool,
) -> None:
    rel = f"municipal_tables/{muni}/Итоги_ВПР_4-8_{year}-{year + 1}.xlsx"
    sheet = SheetWriter(truth, rel, "municipal_tables", year, "Приложение 2")
    sheet.add(["Приложение 2"], "skipped")
    sheet.add(
        [
            "Итоги ВПР по русскому языку и математике в 4-8 классах в "
            f"{year}-{year + 1} учебном году"
        ],
        "skipped",
    )
    upper: list[Any] = ["№", "ОО"]
    for g in GRADES:
        upper += [f"{g} класс", "", "", ""]
    r = sheet.add(upper, "skipped")
    for i, g in enumerate(GRADES):
        sheet.merges.append((r - 1, 2 + 4 * i, r - 1, 5 + 4 * i, f"{g} класс"))
    sheet.add(["", "", *(HEADERS * len(GRADES))], "skipped")
    comma = bool(rng.random() < 0.5)
    totals: dict[tuple[int, str, str], int] = defaultdict(int)
    # which rows get the planted defects (first municipality only)
    wrong_pct_at = (schools[0].school_code, "math") if first else None

    def facts(entity: str, kind: str, code: str, values: dict[int, dict[str, int | None]],
              status: str) -> None:  # fmt: skip
        for g, metrics in values.items():
            for metric, count in metrics.items():
                truth.published_aggregates.append(
                    {
                        "publisher": muni,
                        "academic_year": year,
                        "entity_name": entity,
                        "entity_kind": kind,
                        "subject_code": code,
                        "grade": g,
                        "metric": metric,
                        "count": count,
                        "status": status,
                    }
                )

    for number, school in enumerate(schools, start=1):
        sheet.add([number, school.full_name, *([""] * 20)], "skipped")
        for code, label in SUBJECTS:
            cells: list[Any] = ["", label]
            values: dict[int, dict[str, int | None]] = {}
            for g in GRADES:
                f = figures.get((school.school_code, g, code))
                if f is None:
                    cells += ["", "", "", ""]
                    continue
                values[g] = dict(f)
                n = int(f["participants"] or 0)
                shift = 0.0
                if wrong_pct_at == (school.school_code, code) and g == min(
                    gg for gg in GRADES if (school.school_code, gg, code) in figures
                ):
                    shift = 3.0  # the planted wrong percent
                    truth.published_aggregate_defects.append(
                        {"kind": "wrong_pct", "entity_name": school.full_name,
                         "metric": "mark2_count", "grade": g, "subject_code": code,
                         "path": rel, "row": len(sheet.rows) + 1, "value": None}
                    )  # fmt: skip
                    wrong_pct_at = None
                cells += [
                    n,
                    _count_pct(int(f["mark2_count"] or 0), n, comma, shift),
                    _count_pct(int(f["mark45_count"] or 0), n, not comma),
                    f["journal_confirmed"] if f["journal_confirmed"] is not None else "-",
                ]
                for metric in METRICS:
                    if f[metric] is not None:
                        totals[(g, code, metric)] += int(f[metric] or 0)
            if values:
                sheet.add(cells, "loaded")
                facts(school.full_name, "school", code, values, "loaded")
            else:
                sheet.add(cells, "skipped")
    sheet.add(["", "Итого по району", *([""] * 20)], "skipped")
    for code, label in SUBJECTS:
        cells = ["", label]
        values = {}
        for g in GRADES:
            n = totals.get((g, code, "participants"), 0)
            if not n:
                cells += ["", "", "", ""]
                continue
            metrics = {m: totals.get((g, code, m), 0) for m in METRICS}
            values[g] = dict(metrics)
            cells += [
                n,
                _count_pct(metrics["mark2_count"], n, comma),
                _count_pct(metrics["mark45_count"], n, not comma),
                metrics["journal_confirmed"],
            ]
        status = "loaded"
        if first and code == "math":
            # the planted totals mismatch: «4» и «5» of the first grade block off by one
            g = min(values)
            values[g]["mark45_count"] = int(values[g]["mark45_count"] or 0) + 1
            n = int(values[g]["participants"] or 0)
            cells[2 + 4 * GRADES.index(g) + 2] = _count_pct(
                int(values[g]["mark45_count"] or 0), n, not comma
            )
            truth.published_aggregate_defects.append(
                {"kind": "totals_mismatch", "entity_name": "Итого по району",
                 "metric": "mark45_count", "grade": g, "subject_code": code, "path": rel,
                 "row": len(sheet.rows) + 1, "value": None}
            )  # fmt: skip
        if first and code == "rus":
            # the planted OCR cell: in a totals row, so the other totals still add up
            g = min(values)
            position = 2 + 4 * GRADES.index(g)
            damaged = str(cells[position]).replace("3", "З")
            if damaged == str(cells[position]):
                damaged = f"{cells[position]}О"
            clean = cells[position]
            cells[position] = damaged
            status = "quarantined"
            sheet.defect(
                len(sheet.rows) + 1,
                f"{g} класс / {HEADERS[0]}",
                "letters_in_number",
                "quarantine",
                damaged,
                clean,
            )
            truth.published_aggregate_defects.append(
                {"kind": "ocr_cell", "entity_name": "Итого по району", "metric": "participants",
                 "grade": g, "subject_code": code, "path": rel, "row": len(sheet.rows) + 1,
                 "value": damaged}
            )  # fmt: skip
        if values:
            sheet.add(cells, status)
            facts("Итого по району", "total", code, values, status)
        else:
            sheet.add(cells, "skipped")
    write_xlsx(landing / rel, [sheet])


def write_template(path: Path, year: int, schools: list[str]) -> None:
    """An empty Приложение 2 table for a municipality to fill (school rows, subject rows)."""
    sheet = SheetWriter(Truth(), path.name, "municipal_tables", year, "Приложение 2")
    sheet.add(["Приложение 2"], "skipped")
    sheet.add(
        [
            "Итоги ВПР по русскому языку и математике в 4-8 классах в "
            f"{year}-{year + 1} учебном году"
        ],
        "skipped",
    )
    upper: list[Any] = ["№", "ОО"]
    for g in GRADES:
        upper += [f"{g} класс", "", "", ""]
    r = sheet.add(upper, "skipped")
    for i, g in enumerate(GRADES):
        sheet.merges.append((r - 1, 2 + 4 * i, r - 1, 5 + 4 * i, f"{g} класс"))
    sheet.add(["", "", *(HEADERS * len(GRADES))], "skipped")
    for number, name in enumerate([*schools, "Итого по району"], start=1):
        sheet.add([number if name != "Итого по району" else "", name], "skipped")
        for _, label in SUBJECTS:
            sheet.add(["", label], "skipped")
    write_xlsx(path, [sheet])


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=write_template.__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--year", type=int, required=True, help="academic year start, e.g. 2023")
    parser.add_argument("--school", action="append", default=[], help="a school name (repeat)")
    args = parser.parse_args(argv)
    write_template(args.out, args.year, args.school or ["МБОУ СОШ № 1"])


if __name__ == "__main__":
    main()

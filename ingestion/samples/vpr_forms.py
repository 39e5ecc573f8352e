"""Demo ВПР pupil-level collection forms for a few schools (DOMAIN §2.1).

For the last academic year, the first schools that write ВПР send their collection forms for
grade 5 mathematics and Russian: one row per pupil with a 5-digit participant code, the class
("5А"), the variant, per-task points, the primary score, the mark and the journal mark, plus
two absentees ("отсутствовал"). The marks and the journal comparison republish the ФИС ОКО
truth (``truth.vpr``), so the warehouse's pupil-level aggregates equal the report; one form
(the last school's Russian) has one mark raised from 3 to 4: the cross-check must warn.
Recorded in ``truth.vpr_forms``. No names: participant codes only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ingestion.samples import world as w
from ingestion.samples.writers import SheetWriter, Truth, write_xlsx

TASKS = ("1", "2", "3.1", "3.2", "4", "5", "6")
HEADER = [
    "Логин ОО",
    "Класс",
    "Код участника",
    "Вариант",
    *TASKS,
    "Первичный балл",
    "Отметка",
    "Отметка за предыдущую четверть/триместр",
]
SCHOOLS = 3


def _journal(marks: list[int], journal: dict[str, int] | None) -> list[int | None] | None:
    """Journal marks giving the truth's lowered / confirmed / raised counts, or None."""
    if journal is None:
        return [None] * len(marks)
    order = sorted(range(len(marks)), key=lambda i: marks[i])
    out: list[int | None] = list(marks)
    lowered = [i for i in order if marks[i] <= 4][: journal["lowered"]]
    raised = [i for i in reversed(order) if marks[i] >= 3 and i not in lowered][: journal["raised"]]
    if len(lowered) < journal["lowered"] or len(raised) < journal["raised"]:
        return None
    for i in lowered:
        out[i] = marks[i] + 1  # ВПР mark below the journal: "понизили"
    for i in raised:
        out[i] = marks[i] - 1
    return out


def write_vpr_forms(
    landing: Path, truth: Truth, region: w.Region, year: int, rng: np.random.Generator
) -> None:
    records = {
        (r["school_code"], r["grade"], r["subject_code"]): r
        for r in truth.vpr
        if r["academic_year"] == year and r["status"] == "loaded"
    }
    chosen = [
        s for s in region.schools
        if s.takes_vpr and all((s.school_code, 5, c) in records for c in ("math", "rus"))
    ][:SCHOOLS]  # fmt: skip
    campaign_year = year + 1
    season = "осень" if campaign_year == 2022 else "весна"
    for index, school in enumerate(chosen):
        for code, subject in (("math", "Математика"), ("rus", "Русский язык")):
            record = records[(school.school_code, 5, code)]
            true_marks = {int(k): int(v) for k, v in record["marks"].items()}
            marks = [m for m in (2, 3, 4, 5) for _ in range(true_marks[m])]
            rng.shuffle(marks)
            journal = _journal(marks, record["journal"])
            if journal is None:
                continue
            inconsistent = index == len(chosen) - 1 and code == "rus" and 3 in marks
            rel = f"vpr_forms/{school.login}_ВПР_{campaign_year}_{code}_5.xlsx"
            sheet = SheetWriter(truth, rel, "vpr_forms", year, "Форма")
            sheet.add(
                [f"Форма сбора результатов ВПР {campaign_year} ({season}). {subject}. 5 класс"],
                "skipped",
            )
            sheet.add(HEADER, "skipped")
            written = list(marks)
            if inconsistent:
                written[written.index(3)] = 4
            for i, (mark, jm) in enumerate(zip(written, journal, strict=True)):
                points = [int(rng.integers(0, 3)) for _ in TASKS]
                cells: list[Any] = [
                    school.login,
                    f"5{'АБ'[i % 2]}",
                    f"{10000 + index * 1000 + i:05d}",
                    str(1 + i % 2),
                    *points,
                    sum(points),
                    mark,
                    jm if jm is not None else "",
                ]
                sheet.add(cells, "loaded")
            for k in range(2):
                sheet.add(
                    [school.login, "5А", f"{19990 - index * 10 - k:05d}", "отсутствовал",
                     *([""] * len(TASKS)), "", "", 4],
                    "loaded",
                )  # fmt: skip
            write_xlsx(landing / rel, [sheet])
            truth.vpr_forms.append(
                {
                    "school_code": school.school_code,
                    "academic_year": year,
                    "grade": 5,
                    "subject_code": code,
                    "participants": len(written),
                    "marks": {str(m): written.count(m) for m in (2, 3, 4, 5)},
                    "fisoko_marks": {str(m): true_marks[m] for m in (2, 3, 4, 5)},
                    "is_consistent": not inconsistent,
                }
            )

"""Generate the demo landing folder: files shaped the way authorities receive them.

    python -m ingestion.samples.generate --out landing --truth build/demo_truth --seed 42

Writes, per academic year: a school registry (xlsx), the ФИС ОКО ВПР per-school report (xlsx,
layout drifting between years), РЦОИ ЕГЭ and ОГЭ "ведомости" per exam (CSV in Windows-1251 and
xlsx, with names and document numbers — all invented). Realities of DOMAIN §6.2 are injected
at known places: title rows, merged two-row headers, decimal commas, "Нет данных" and "-",
footer rows ("Средние", "Минимальная граница"), empty lines, doubled separators, OCR-damaged
numbers, unknown school codes, a surname shifted into a score column.

The ground truth (``truth.json`` and ``exam_results.parquet``) records the clean values and
every injected defect with its file, sheet, row and column, and the expected accounting of each
file. Tests compare the warehouse with it, never with the project's own parsing code.
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ingestion.samples import names as nm
from ingestion.samples import world as w
from ingestion.samples.gia import STATUS_TEXT, GiaExtras
from ingestion.samples.layouts import EGE_BASE_HEADER, EGE_HEADER, OGE_HEADER
from ingestion.samples.writers import (  # noqa: F401  (the sub-generators' helpers, re-exported)
    Defect,
    FileTruth,
    SheetWriter,
    Truth,
    write_csv,
    write_xlsx,
)

DEMO_YEARS = (2021, 2022, 2023)
SCALES = {
    # municipalities, schools per municipality (before branches)
    "tiny": (2, (6, 5)),
    "demo": (4, (12, 10, 8, 8)),
}


def _pct(count: int, total: int, comma: bool) -> str:
    value = f"{100 * count / total:.2f}" if total else "0.00"
    return value.replace(".", ",") if comma else value


# ====================================================================== generation


def generate(
    landing: Path,
    truth_dir: Path,
    *,
    seed: int = 42,
    scale: str = "demo",
    years: tuple[int, ...] = DEMO_YEARS,
    clean: bool = True,
) -> Truth:
    if clean:
        for folder in (landing, truth_dir):
            if folder.exists():
                shutil.rmtree(folder)
    rng = np.random.default_rng(seed)
    municipalities, per_muni = SCALES[scale]
    region = w.build_region(rng, "27", municipalities, per_muni)
    w.plant_cases(np.random.default_rng((seed, 1)), region)  # own stream: the rest unchanged
    truth = Truth()
    for s in region.schools:
        for case in s.planted:
            detail = {
                "low_results": "ability far below the region in every procedure and year",
                "inflated_journal": "journal marks inflated: ~65% of ВПР marks below the journal",
                "inflated_vpr": "ВПР marks inflated in the last year only; ЕГЭ not inflated",
            }[case]
            years_planted = [years[-1]] if case == "inflated_vpr" else list(years)
            truth.plant(case, s.school_code, years_planted, detail)
    extras = GiaExtras(seed, region, truth, years)  # own stream; plants M6/M7 cases
    from ingestion.samples.school_forms import STREAM, plant_context_cases, write_school_forms

    plant_context_cases(region, truth, list(years))  # after the loop above: its own cases
    truth.schools = [
        {k: v for k, v in asdict(s).items() if k not in ("cohort", "ability")}
        | {"grades": list(s.grades)}
        for s in region.schools
    ]
    # these modules import this one
    from ingestion.samples.indicators import write_indicator_forms
    from ingestion.samples.mechanisms import write_mechanism_sheets
    from ingestion.samples.registry import plan_changes, record_and_write_changes, write_registry

    plan = plan_changes(seed, region, years)
    extras.plan = plan  # closed schools stop, a changed Код ОО is written from its year on
    from ingestion.samples.olympiad import write_olympiad_protocols

    municipality_names = list(dict.fromkeys(s.municipality for s in region.schools))
    for index, year in enumerate(years):
        write_registry(landing, truth, region, plan, year, with_reference_sheet=index == 0)
        _vpr(
            landing,
            truth,
            region,
            year,
            rng,
            layout=("counts" if index == 0 else "percent"),
            inflated=index == len(years) - 1,
            plan=plan,
        )
        _ege(landing, truth, region, year, rng, index, extras, plan)
        _oge(landing, truth, region, year, rng, index, extras, plan)
        extras.write_gve(landing, year, index)
        extras.write_appeals(landing, year, index)
        extras.write_medalists(landing, year, index)
        extras.write_federal_lists(landing, year, index)
        write_indicator_forms(landing, truth, municipality_names, year, index, rng)
        # the other sources see the year's working schools with that year's codes and names
        year_region = plan.region_in(region, year)
        write_school_forms(
            landing, truth, year_region, year, index, np.random.default_rng((seed, STREAM, year))
        )
        if index >= len(years) - 2:  # the expert evaluation of the last two years
            write_mechanism_sheets(
                landing, truth, municipality_names, year, rng, with_error=index == len(years) - 1
            )
        write_olympiad_protocols(
            landing, truth, year_region, year, index, seed
        )  # own random stream
    truth.medalists, truth.appeals = extras.medalists, extras.appeals
    truth.federal_lists = extras.federal_lists
    record_and_write_changes(landing, truth, region, plan)
    from ingestion.samples.municipal_tables import write_municipal_tables

    # published municipal tables of the last year (own random stream: other files unchanged)
    last_region = plan.region_in(region, years[-1])
    write_municipal_tables(
        landing, truth, last_region, years[-1], np.random.default_rng((seed, 58))
    )
    from ingestion.samples.vpr_forms import write_vpr_forms

    # pupil-level ВПР forms of a few schools (own random stream)
    write_vpr_forms(landing, truth, last_region, years[-1], np.random.default_rng((seed, 59)))
    truth.write(truth_dir)
    return truth


def _vpr(
    landing: Path,
    truth: Truth,
    region: w.Region,
    year: int,
    rng: np.random.Generator,
    layout: str,
    inflated: bool = False,
    plan: Any = None,
) -> None:
    """ФИС ОКО «Статистика по отметкам»; with inflated=True the inflated_vpr schools' marks
    are shifted up (the year their results stop being objective). A school the registry plan
    closed or merged has its results drawn (the random stream stays the same) but not written."""
    campaign_year = year + 1
    autumn = campaign_year == 2022  # ВПР 2022 moved to autumn (DOMAIN §2.1)
    season = "осень" if autumn else "весна"
    rel = f"vpr_fisoko/ВПР_{campaign_year}_{season}_статистика_по_отметкам.xlsx"
    sheet = SheetWriter(truth, rel, "vpr_fisoko", year, "Статистика по отметкам")
    comma = layout == "percent"
    sheet.add(
        [
            f"Всероссийские проверочные работы {year}/{year + 1} учебного года ({season} {campaign_year})"
        ],
        "skipped",
    )
    sheet.add(["Статистика по отметкам. Хабаровский край"], "skipped")
    journal = [
        "Понизили (Отметка < Отметка по журналу)",
        "Подтвердили (Отметка = Отметка по журналу)",
        "Повысили (Отметка > Отметка по журналу)",
    ]
    if layout == "counts":
        marks = ["Кол-во «2»", "Кол-во «3»", "Кол-во «4»", "Кол-во «5»"]
        upper = [
            "Логин ОО",
            "Наименование ОО",
            "Класс",
            "Предмет",
            "Кол-во уч.",
            *marks,
            "Сравнение отметок с отметками по журналу",
            "",
            "",
        ]
        r = sheet.add(upper, "skipped")
        sheet.add(
            ["", "", "", "", "", "", "", "", "", "Понизили", "Подтвердили", "Повысили"], "skipped"
        )
        sheet.merges.append((r - 1, 9, r - 1, 11, "Сравнение отметок с отметками по журналу"))
        headers = [*upper[:9], "Понизили", "Подтвердили", "Повысили"]
    else:
        headers = [
            "Логин ОО",
            "Наименование ОО",
            "Класс",
            "Предмет",
            "Кол-во уч.",
            '%"2"',
            '%"3"',
            '%"4"',
            '%"5"',
            *journal,
        ]
        sheet.add(headers, "skipped")
    col = {h: i for i, h in enumerate(headers)}
    rows_out: list[tuple[w.School | None, list[Any], dict]] = []
    for muni in dict.fromkeys(s.municipality for s in region.schools):
        schools = [s for s in region.schools if s.municipality == muni and s.takes_vpr]
        block: list[tuple[w.School, list[Any], dict]] = []
        for s in schools:
            for grade in (g for g in range(4, 9) if g in s.grades):
                for code, subject, probs in w.VPR_SUBJECTS[grade]:
                    shift = (
                        w.INFLATED_VPR_SHIFT if inflated and "inflated_vpr" in s.planted else 0.0
                    )
                    res = w.vpr_results(rng, s, grade, probs, shift)
                    n = res["participants"]
                    mk = res["marks"]
                    if layout == "counts":
                        values = [mk[2], mk[3], mk[4], mk[5]]
                    else:
                        values = [_pct(mk[k], n, comma) for k in (2, 3, 4, 5)]
                        if rng.random() < 0.3:  # some cells typed as numbers, decimal point
                            values = [round(100 * mk[k] / n, 2) for k in (2, 3, 4, 5)]
                    jr = res["journal"]
                    journal_cells: list[Any] = [jr["lowered"], jr["confirmed"], jr["raised"]]
                    journal_known = True
                    if rng.random() < 0.06:
                        journal_cells = (
                            ["Нет данных"] * 3 if layout == "counts" or year % 2 else ["-"] * 3
                        )
                        journal_known = False
                    cells = [s.login, s.short_name, grade, subject, n, *values, *journal_cells]
                    record = {
                        "academic_year": year,
                        "login": s.login,
                        "school_code": s.school_code,
                        "grade": grade,
                        "subject_code": code,
                        "subject_name": subject,
                        "participants": n,
                        "marks": mk,
                        "journal": jr if journal_known else None,
                        "status": "loaded",
                    }
                    if plan is None or plan.active(s, year):
                        block.append((s, cells, record))
        total_n = sum(r[2]["participants"] for r in block)
        summary = ["", muni, "", "", total_n] + [""] * (len(headers) - 5)
        rows_out.append((None, summary, {}))
        rows_out.extend(block)
    region_row = [
        "",
        "Хабаровский край",
        "",
        "",
        sum(r[2].get("participants", 0) for r in rows_out),
    ]
    sheet.add(region_row + [""] * (len(headers) - 5), "skipped")
    school_rows = [i for i, r in enumerate(rows_out) if r[0] is not None]
    damaged = school_rows[3]
    for i, (school, cells, record) in enumerate(rows_out):
        if school is None:
            sheet.add(cells, "skipped")
            continue
        if i == damaged:
            # OCR damage in a number: quarantined at its cell, never guessed
            if layout == "counts":
                column, clean = "Кол-во уч.", cells[col["Кол-во уч."]]
                cells[col[column]] = (
                    str(clean).replace("3", "З") if "3" in str(clean) else f"{clean}О"
                )
            else:
                column, clean = '%"3"', cells[col['%"3"']]
                cells[col[column]] = "ЗД7"
            row = sheet.add(cells, "quarantined")
            sheet.defect(row, column, "letters_in_number", "quarantine", cells[col[column]], clean)
            record["status"] = "quarantined"
        else:
            sheet.add(cells, "loaded")
        truth.vpr.append(record)
    # a school the registry does not know: the reader loads it, the warehouse quarantines it
    ghost = ["sch279999", "МБОУ СОШ № 99 с. Неизвестное", 5, "Математика", 12]
    ghost += (
        [3, 5, 3, 1]
        if layout == "counts"
        else [_pct(3, 12, comma), _pct(5, 12, comma), _pct(3, 12, comma), _pct(1, 12, comma)]
    )
    ghost += [2, 9, 1]
    row = sheet.add(ghost, "loaded")
    sheet.file.unknown_school_rows += 1
    sheet.defect(row, "Логин ОО", "unknown_school", "warehouse_quarantine", "sch279999")
    sheet.add([], "skipped")
    sheet.add(["Примечание: данные выгружены из ФИС ОКО"], "skipped")
    write_xlsx(landing / rel, [sheet])


def _pupils(rng: np.random.Generator, truth_key: str, count: int) -> list[dict[str, Any]]:
    names = nm.person_names(rng, count)
    return [
        {
            "uid": f"{truth_key}-{i}",
            "surname": s,
            "name": n,
            "patronymic": p,
            "series": f"08{rng.integers(10, 24):02d}",
            "number": f"{rng.integers(100000, 999999)}",
        }
        for i, (s, n, p) in enumerate(names)
    ]


def _ege(
    landing: Path,
    truth: Truth,
    region: w.Region,
    year: int,
    rng: np.random.Generator,
    year_index: int,
    extras: GiaExtras | None = None,
    plan: Any = None,
) -> None:
    exam_year = year + 1
    sittings: dict[str, list[tuple[w.School, dict[str, Any], float]]] = {}
    for s in (s for s in region.schools if s.takes_ege):
        n = w.cohort_size(rng, s, 11)
        pupils = _pupils(rng, f"{year}-{s.school_code}-11", n)
        ability = rng.normal(s.ability, 1.0, n)
        # a closed or merged school's pupils are drawn (the stream stays) but sit nothing
        sits = plan is None or plan.active(s, year)
        for p, a in zip(pupils, ability, strict=True):
            if sits:
                sittings.setdefault("1", []).append((s, p, a))
            math = "2" if rng.random() < w.EGE_PROFILE_MATH_SHARE else "22"
            if sits:
                sittings.setdefault(math, []).append((s, p, a))
            for code, share in w.EGE_ELECTIVE_SHARE.items():
                if rng.random() < share * 0.9 and sits:
                    sittings.setdefault(code, []).append((s, p, a))
    subject_info = {code: (name, mean, sd) for code, _, name, mean, sd in w.EGE_SUBJECTS}
    subject_info["22"] = ("Математика базовая", 0, 0)
    for day_offset, code in enumerate(sorted(sittings, key=int)):
        rows = sittings[code]
        name, mean, sd = subject_info[code]
        date = f"{exam_year}.06.{(day_offset % 20) + 1:02d}"
        is_xlsx = code in ("12", "18")
        ext = "xlsx" if is_xlsx else "csv"
        rel = f"ege_rcoi/ЕГЭ_{exam_year}_{int(code):02d}_{name.split()[0]}.{ext}"
        sheet = SheetWriter(truth, rel, "ege_rcoi", year, "Ведомость" if is_xlsx else None)
        if not is_xlsx:
            sheet.add([""] * 14, "skipped")  # ";;;;" before the title
        sheet.add([f"{int(code):02d} - {name} {date}"], "skipped")
        header = EGE_BASE_HEADER if code == "22" else EGE_HEADER
        status_header = extras.ege_header(year_index) if extras else []
        sheet.add([*header, *status_header], "skipped")
        abilities = np.array([a for _, _, a in rows])
        if code == "22":
            marks: Any = w.marks_from_latent(abilities + 0.6, (-2.2, -0.9, 0.4))
            scores: list[Any] = [None] * len(rows)
        else:
            scores = list(w.ege_scores(abilities, mean, sd))
            marks = [None] * len(rows)
        defects_here = _ege_defects(year_index, code)
        for i, ((s, p, _), score, mark) in enumerate(
            zip(rows, scores, marks, strict=True), start=1
        ):
            primary = round(int(score) * 0.6) if score is not None else int(mark) * 4
            result = mark if code == "22" else score
            answers = ["+-+" * 4] if code == "22" else ["+-+" * 4, "1(2)0(2)"]
            year_code = plan.code(s, year) if plan else s.school_code  # a Код ОО may change
            cells: list[Any] = [
                i,
                s.msu_code,
                year_code,
                f"11{'АБВ'[i % 3]}",
                "1101",
                f"{i // 15 + 1:04d}",
                p["surname"],
                p["name"],
                p["patronymic"],
                p["series"],
                p["number"],
                *answers,
                primary,
                int(result),
                *(["Явился" if i % 3 else ""] if status_header else []),
            ]
            last = len(header) - 1
            status = "loaded"
            kind = defects_here.get(i)
            disposition = "loaded"
            if kind == "ocr_score":
                cells[last] = "ЗД7"
                status, disposition = "quarantined", "quarantined"
            elif kind == "name_in_score":
                cells[last] = p["surname"]
                status, disposition = "quarantined", "quarantined"
            elif kind == "unknown_school":
                cells[2] = "109999"
                cells[1] = "109"
                status = "unknown_school"
            elif kind == "letter_in_code":
                cells[2] = year_code[:2] + "О" + year_code[3:]
                status, disposition = "quarantined", "quarantined"
            if kind == "empty_line_before":
                sheet.add(["<empty line>"], "skipped")
            row = sheet.add(cells, disposition)
            column = {
                "ocr_score": header[last],
                "name_in_score": header[last],
                "unknown_school": "Код ОО",
                "letter_in_code": "Код ОО",
            }.get(kind or "")
            if column:
                expected = "warehouse_quarantine" if kind == "unknown_school" else "quarantine"
                value = cells[2] if column == "Код ОО" else cells[last]
                sheet.defect(
                    row,
                    column,
                    kind or "",
                    expected,
                    "<name>" if kind == "name_in_score" else value,
                    result,
                )
                if kind == "unknown_school":
                    sheet.file.unknown_school_rows += 1
            truth.exam_rows.append(
                {
                    "academic_year": year,
                    "exam_kind": "ege",
                    "subject_fct_code": code,
                    "exam_date": date.replace(".", "-"),
                    "school_code": s.school_code,
                    "pupil_uid": p["uid"],
                    # the personal data the file carries, so that tests can prove it never
                    # reaches the warehouse (the ground truth lives outside data/)
                    "surname": p["surname"],
                    "first_name": p["name"],
                    "patronymic": p["patronymic"],
                    "document_series": p["series"],
                    "document_number": p["number"],
                    "test_score": None if code == "22" else int(result),
                    "mark": int(result) if code == "22" else None,
                    "primary_score": primary,
                    "file": rel,
                    "row": row,
                    "status": status,
                }
            )
        if status_header and extras:
            _absent_rows(sheet, extras, rows, year, "ege", code, date, rel, len(rows), 11)
        valid = [sc for sc in scores if sc is not None]
        sheet.add(
            [""] * 12 + ["Средние", "", f"{np.mean(valid) if valid else 0:.1f}".replace(".", ",")],
            "skipped",
        )
        sheet.add([""] * 12 + ["Минимальная граница", "", w.EGE_MIN.get(code, 3)], "skipped")
        sheet.add([f"Всего участников: {len(rows)}"], "skipped")
        if is_xlsx:
            write_xlsx(landing / rel, [sheet])
        else:
            write_csv(landing / rel, sheet, doubled=(year_index == 2 and code == "3"))


def _ege_defects(year_index: int, code: str) -> dict[int, str]:
    """Which data rows (1-based within the sitting) carry an injected defect."""
    plan = {
        (0, "1"): {3: "ocr_score", 7: "name_in_score", 10: "empty_line_before"},
        (1, "2"): {5: "unknown_school", 9: "letter_in_code"},
        (2, "1"): {4: "ocr_score"},
        (2, "4"): {2: "empty_line_before"},
    }
    return plan.get((year_index, code), {})


def _oge(
    landing: Path,
    truth: Truth,
    region: w.Region,
    year: int,
    rng: np.random.Generator,
    year_index: int,
    extras: GiaExtras | None = None,
    plan: Any = None,
) -> None:
    exam_year = year + 1
    cohort: list[tuple[w.School, dict[str, Any], float]] = []
    for s in (s for s in region.schools if s.takes_oge):
        n = w.cohort_size(rng, s, 9)
        pupils = _pupils(rng, f"{year}-{s.school_code}-9", n)
        for p, a in zip(pupils, rng.normal(s.ability, 1.0, n), strict=True):
            cohort.append((s, p, a))
    for day, (code, _, name, maximum, mean, sd) in enumerate(w.OGE_SUBJECTS):
        takers = cohort if code in ("1", "2") else [c for c in cohort if rng.random() < 0.4]
        # a closed or merged school's pupils were drawn (the stream stays) but sit nothing
        takers = [c for c in takers if plan is None or plan.active(c[0], year)]
        date = f"{exam_year}.05.{24 + day:02d}"
        as_csv = code == "2" and year_index == 1
        ext = "csv" if as_csv else "xlsx"
        rel = f"oge_rcoi/ОГЭ_{exam_year}_{int(code):02d}_{name}.{ext}"
        sheet = SheetWriter(truth, rel, "oge_rcoi", year, None if as_csv else "Лист1")
        sheet.add([f"{int(code):02d} - {name} {date}"], "skipped")
        sheet.add([], "skipped")
        extra_header = extras.oge_header(year) if extras else []
        sheet.add([*OGE_HEADER, *extra_header], "skipped")
        abilities = np.array([a for _, _, a in takers])
        primary = w.oge_primary(abilities, maximum, mean, sd)
        marks = w.oge_marks(primary, w.OGE_SCALES[code])
        for i, ((s, p, _), pr, mk) in enumerate(zip(takers, primary, marks, strict=True), start=1):
            cells: list[Any] = [
                i,
                s.msu_code,
                plan.code(s, year) if plan else s.school_code,  # a Код ОО may change
                f"9{'АБ'[i % 2]}",
                "1201",
                "0003",
                p["surname"],
                p["name"],
                p["patronymic"],
                f"{p['series']} {p['number']}",
                "++-+",
                "2(2)1(3)",
                int(pr),
                int(mk),
                *(extras.oge_cells(s, int(mk), year) if extras else []),
            ]
            status, disposition = "loaded", "loaded"
            if year_index == 0 and code == "2" and i == 6:
                cells[13] = f"{int(mk)}+"
                status, disposition = "quarantined", "quarantined"
            row = sheet.add(cells, disposition)
            if status == "quarantined":
                sheet.defect(row, "Оценка", "not_a_number", "quarantine", cells[13], int(mk))
            truth.exam_rows.append(
                {
                    "academic_year": year,
                    "exam_kind": "oge",
                    "subject_fct_code": code,
                    "exam_date": date.replace(".", "-"),
                    "school_code": s.school_code,
                    "pupil_uid": p["uid"],
                    # the personal data the file carries, so that tests can prove it never
                    # reaches the warehouse (the ground truth lives outside data/)
                    "surname": p["surname"],
                    "first_name": p["name"],
                    "patronymic": p["patronymic"],
                    "document_series": p["series"],
                    "document_number": p["number"],
                    "test_score": None,
                    "mark": int(mk),
                    "primary_score": int(pr),
                    "file": rel,
                    "row": row,
                    "status": status,
                    "annual_mark": cells[14] if extra_header else None,
                }
            )
        if extra_header and extras:
            _absent_rows(sheet, extras, takers, year, "oge", code, date, rel, len(takers), 9)
        sheet.add(
            [
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "Средние",
                f"{primary.mean():.2f}".replace(".", ","),
                f"{marks.mean():.2f}".replace(".", ","),
            ],
            "skipped",
        )
        if as_csv:
            write_csv(landing / rel, sheet)
        else:
            write_xlsx(landing / rel, [sheet])


def _absent_rows(
    sheet: SheetWriter,
    extras: GiaExtras,
    takers: list[tuple[w.School, dict[str, Any], float]],
    year: int,
    kind: str,
    code: str,
    date: str,
    rel: str,
    count: int,
    grade: int,
) -> None:
    """Pupils registered for the sitting who did not sit: names, no scores, a status."""
    by_code = {s.school_code: s for s, _, _ in takers}
    schools = [by_code[code] for code in sorted(by_code)]
    for n, (s, p, status) in enumerate(
        extras.absent_pupils(schools, year, f"{kind}{code}", extras.taken_names(year)),
        start=count + 1,
    ):
        cells: list[Any] = [n, s.msu_code, s.school_code, f"{grade}А", "1101", "0001"]
        cells += [p["surname"], p["name"], p["patronymic"]]
        if kind == "ege":
            width = len(EGE_BASE_HEADER if code == "22" else EGE_HEADER)
            cells += [p["series"], p["number"]] + [""] * (width - 11) + [STATUS_TEXT[status]]
        else:
            cells += [f"{p['series']} {p['number']}", "", "", "", "", 4, STATUS_TEXT[status]]
        row = sheet.add(cells, "loaded")
        extras._truth_row(year, kind, code, date, s, p, None, None, None, rel, row, status)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("landing"))
    parser.add_argument("--truth", type=Path, default=Path("build/demo_truth"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
    args = parser.parse_args(argv)
    truth = generate(args.out, args.truth, seed=args.seed, scale=args.scale)
    print(
        f"wrote {len(truth.files)} sheets/files for {len(truth.schools)} schools into {args.out}; "
        f"ground truth in {args.truth}"
    )


if __name__ == "__main__":
    main()

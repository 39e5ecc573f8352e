"""Demo school monitoring forms (DOMAIN §6.1): one workbook per municipality and academic year.

Four sheets — «Контингент», «Кадры», «Социальный паспорт», «Выпускники» — each with two title
rows, a two-row merged header, one row per school and a totals row "Итого по МО" equal to the
sum of the school rows. Variations the reader must tolerate: the first year writes the age
header "Старше 50 лет" (age > 50) where later years write "50 лет и старше" (age ≥ 50); one
municipality names its schools by the ФИС ОКО login only (no "Код ОО" column) in the second
year; one municipality types the social passport as text with decimal commas ("12,0"); "-"
means "no such grade" in grade columns and "none" in counts of people.

Context (the social passport) is drawn around regional base shares with a narrow spread, except
for the planted cases (``plant_context_cases``): one ``low_results`` school per region gets a
markedly unfavourable context (expected ШНОР ∧ ШНСУ) and one clean СОШ with average results
gets the same (expected "resilient": ШНСУ without ШНОР). The truth's ``school_profiles`` holds
every loaded school row's figures.

``python -m ingestion.samples.school_forms <dir>`` writes the empty template to fill by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from ingestion.samples import world as w
from ingestion.samples.writers import SheetWriter, Truth, write_xlsx
from ingestion.sources.school_forms import FACTORS

STREAM = 5301  # this module's random stream: np.random.default_rng((seed, STREAM, year))

# regional base shares (%) of pupils under each factor, in FACTORS order
BASE_SHARES = {
    "sp_large_family": 14.0,
    "sp_non_native_russian": 4.0,
    "sp_one_parent_higher_ed": 35.0,
    "sp_both_parents_higher_ed": 18.0,
    "sp_both_parents_unemployed": 3.0,
    "sp_parent_disabled": 3.0,
    "sp_foster_guardianship": 2.5,
    "sp_social_danger": 1.5,
    "sp_kdn_register": 1.2,
    "sp_single_parent": 22.0,
    "sp_low_income": 15.0,
    "sp_one_parent_unemployed": 9.0,
    "sp_poor_housing": 6.0,
    "sp_partly_poor_housing": 12.0,
    "sp_school_bus": 8.0,
    "sp_disabled_adapted": 4.0,
    "sp_intraschool_register": 3.0,
}
CLEAN_SPREAD = 0.12  # log-normal spread of a clean school's shares around the base
UNFAVOURABLE_FACTOR = 3.5  # planted: negative factors × 3.5, positive factors ÷ 3.5
CONTEXT_CASES = ("unfavourable_context", "resilient")

ID_COLUMNS = ["№ п/п", "Код ОО", "Логин ФИС ОКО", "Наименование ОО"]

# sheet -> (title, [(upper header or None, lower header, key in a school's figures)])
Column = tuple[str | None, str, str]


def _sheets(year: int, over_50: str) -> dict[str, tuple[str, list[Column]]]:
    grades: list[Column] = [
        ("Обучающиеся по классам на 01.09", f"{g} кл.", f"pupils_grade_{g}") for g in range(1, 12)
    ]
    teachers = "Педагогические работники, чел."
    significant = "Значимые факторы (Приложение 1), чел."
    other = "Факторы без значимого влияния (Приложение 2), чел."
    continuing = "Выпускники, продолжившие обучение"
    return {
        "Контингент": (
            f"Контингент обучающихся на 01.09.{year}",
            [
                *grades,
                ("Обучающиеся по классам на 01.09", "Всего", "pupils_total"),
                (None, "Количество классов", "classes_total"),
                (None, "Из них классов по АООП (ОВЗ)", "classes_adapted"),
                (None, "Выпускников 9 классов", "graduates_9"),
                (None, "Выпускников 11 классов", "graduates_11"),
            ],
        ),
        "Кадры": (
            "Кадровое обеспечение",
            [
                (teachers, "Всего", "teachers_total"),
                (teachers, "До 35 лет", "teachers_under_35"),
                (teachers, over_50, "teachers_over_50"),
                (teachers, "С высшим образованием", "teachers_higher_ed"),
                (teachers, "Высшая категория", "teachers_cat_highest"),
                (teachers, "Первая категория", "teachers_cat_first"),
                (teachers, "Прошли КПК за 3 года", "teachers_kpk_period"),
                (teachers, "Молодые специалисты (прибыли)", "young_specialists_arrived"),
                (None, "Руководящие работники", "managers_total"),
                (None, "Учителя-дефектологи, логопеды", "specialists_defectologist_logoped"),
            ],
        ),
        "Социальный паспорт": (
            "Социальный паспорт ОО",
            [
                (None, "Обучающихся в социальном паспорте", "context_pupils"),
                *(
                    (significant if appendix == 1 else other, header, code)
                    for code, header, _, appendix, _ in FACTORS
                ),
            ],
        ),
        "Выпускники": (
            "Медалисты и продолжение обучения выпускников",
            [
                (None, "Претенденты на медаль", "medal_candidates"),
                ("Медаль «За особые успехи в учении»", "I степени", "medalists_1"),
                ("Медаль «За особые успехи в учении»", "II степени", "medalists_2"),
                (continuing, "11 кл. в ВО", "grads11_higher_ed"),
                (continuing, "11 кл. в СПО", "grads11_vocational"),
                (continuing, "11 кл. по профилю обучения", "grads11_by_profile"),
                (continuing, "11 кл. в своем регионе", "grads11_own_region"),
                (continuing, "9 кл. в СПО", "grads9_vocational"),
            ],
        ),
    }


def plant_context_cases(region: w.Region, truth: Truth, years: list[int]) -> None:
    """Pick the two planted context cases of the region and record them in the truth.

    ``unfavourable_context``: the first ``low_results`` school; ``resilient``: the clean СОШ
    (no planted case, not a branch's parent, cohort 9+) whose ability is closest to the
    typical СОШ's (-0.05): average results, so never ШНОР.
    """
    low = [s for s in region.schools if "low_results" in s.planted]
    parents = {s.parent_code for s in region.schools if s.parent_code}
    clean = [
        s
        for s in region.schools
        if not s.planted
        and s.school_type == "СОШ"
        and s.school_code not in parents
        and s.cohort >= 9
    ]
    if not low or not clean:
        return
    resilient = min(clean, key=lambda s: (abs(s.ability + 0.05), s.school_code))
    low[0].planted.append("unfavourable_context")
    truth.plant(
        "unfavourable_context",
        low[0].school_code,
        list(years),
        "social passport markedly unfavourable (negative factors ×3.5, positive ÷3.5): ШНОР ∧ ШНСУ",
    )
    resilient.planted.append("resilient")
    truth.plant(
        "resilient",
        resilient.school_code,
        list(years),
        "average results with a markedly unfavourable social passport: ШНСУ without ШНОР",
    )


def school_figures(rng: np.random.Generator, s: w.School, year: int) -> dict[str, int | None]:
    """One school's figures of a year (None: the school has no such grade)."""
    out: dict[str, int | None] = {}
    grades = [g for g in s.grades if g <= 11]
    classes = 0
    for g in range(1, 12):
        if g in grades:
            n = w.cohort_size(rng, s, g)
            out[f"pupils_grade_{g}"] = n
            classes += int(np.ceil(n / 25))
        else:
            out[f"pupils_grade_{g}"] = None
    pupils = sum(v or 0 for k, v in out.items())
    out["pupils_total"] = pupils
    out["classes_total"] = classes
    out["classes_adapted"] = int(rng.random() < 0.25) if pupils > 200 else 0
    graduates_9 = max(0, (out["pupils_grade_9"] or 0) - int(rng.integers(0, 2)))
    grads = out["pupils_grade_11"] or 0
    out["graduates_9"], out["graduates_11"] = graduates_9, grads

    teachers = max(4, round(pupils / 14 + rng.normal(4, 1)))
    under_35 = int(rng.binomial(teachers, 0.33))
    over_50 = int(rng.binomial(teachers - under_35, 0.75))
    higher_ed = int(rng.binomial(teachers, 0.77))
    highest = int(rng.binomial(teachers, 0.27))
    first = int(rng.binomial(teachers - highest, 0.28))
    out.update(
        teachers_total=teachers,
        teachers_under_35=under_35,
        teachers_over_50=over_50,
        teachers_higher_ed=higher_ed,
        teachers_cat_highest=highest,
        teachers_cat_first=first,
    )
    out["teachers_kpk_period"] = int(rng.binomial(teachers, 0.64))
    out["young_specialists_arrived"] = int(rng.binomial(teachers, 0.08))
    out["managers_total"] = 2 + int(pupils > 300) + int(pupils > 700)
    out["specialists_defectologist_logoped"] = int(rng.integers(0, 3)) if pupils > 150 else 0

    out["context_pupils"] = pupils
    unfavourable = any(case in s.planted for case in CONTEXT_CASES)
    for code, _, _, _, sign in FACTORS:
        share = BASE_SHARES[code] * float(np.exp(rng.normal(0, CLEAN_SPREAD)))
        if unfavourable:
            share = share * UNFAVOURABLE_FACTOR if sign < 0 else share / UNFAVOURABLE_FACTOR
        out[code] = round(pupils * min(share, 95.0) / 100)

    candidates = int(rng.binomial(grads, 0.08))
    medalists_1 = int(rng.binomial(candidates, 0.5))
    medalists_2 = int(rng.binomial(candidates - medalists_1, 0.4))
    to_higher = int(rng.binomial(grads, 0.6))
    to_vocational = int(rng.binomial(grads - to_higher, 0.7))
    out.update(
        medal_candidates=candidates,
        medalists_1=medalists_1,
        medalists_2=medalists_2,
        grads11_higher_ed=to_higher,
        grads11_vocational=to_vocational,
    )
    out["grads11_by_profile"] = int(rng.binomial(to_higher, 0.7))
    out["grads11_own_region"] = int(rng.binomial(to_higher + to_vocational, 0.5))
    out["grads9_vocational"] = int(rng.binomial(graduates_9, 0.4))
    return out


def _header(sheet: SheetWriter, columns: list[Column], with_code: bool) -> None:
    ids = [c for c in ID_COLUMNS if with_code or c != "Код ОО"]
    upper: list[Any] = list(ids)
    lower: list[Any] = [None] * len(ids)
    first_row = len(sheet.rows)  # 0-based index of the upper row
    for c in range(len(ids)):
        sheet.merges.append((first_row, c, first_row + 1, c, ids[c]))
    previous = None
    group_start = 0
    for i, (group, label, _) in enumerate(columns):
        c = len(ids) + i
        if group is None:
            upper.append(label)
            lower.append(None)
            sheet.merges.append((first_row, c, first_row + 1, c, label))
        else:
            upper.append(group if group != previous else None)
            lower.append(label)
            if group != previous:
                group_start = c
        last_of_group = i + 1 == len(columns) or columns[i + 1][0] != group
        if group is not None and last_of_group and c > group_start:
            sheet.merges.append((first_row, group_start, first_row, c, group))
        previous = group
    sheet.add(upper, "skipped")
    sheet.add(lower, "skipped")


def write_school_forms(
    landing: Path,
    truth: Truth,
    region: w.Region,
    year: int,
    year_index: int,
    rng: np.random.Generator,
) -> None:
    over_50 = "Старше 50 лет" if year_index == 0 else "50 лет и старше"
    municipalities = list(dict.fromkeys(s.municipality for s in region.schools))
    for m, municipality in enumerate(municipalities):
        schools = [s for s in region.schools if s.municipality == municipality]
        figures = {s.school_code: school_figures(rng, s, year) for s in schools}
        with_code = not (year_index == 1 and m == len(municipalities) - 1)  # logins only
        as_text = m == 0  # the social passport typed as text with decimal commas
        rel = f"school_forms/Мониторинг_ОО_{municipality.replace(' ', '_')}_{year}-{year + 1}.xlsx"
        writers = []
        for sheet_name, (title, columns) in _sheets(year, over_50).items():
            sheet = SheetWriter(truth, rel, "school_forms", year, sheet_name)
            sheet.add([f"{title}: {municipality}"], "skipped")
            sheet.add([f"{year}/{year + 1} учебный год"], "skipped")
            _header(sheet, columns, with_code)
            totals = {key: 0 for _, _, key in columns}
            for n, s in enumerate(schools, start=1):
                ids: list[Any] = [n, region.file_code(s), s.login, s.short_name]
                if not with_code:
                    ids.pop(1)
                cells: list[Any] = []
                for _, _, key in columns:
                    value = figures[s.school_code][key]
                    totals[key] += value or 0
                    if value is None:
                        cells.append("-")
                    elif value == 0 and not key.startswith("pupils"):
                        cells.append("-")  # "-" = none in counts of people
                    elif as_text and sheet_name == "Социальный паспорт":
                        cells.append(f"{value},0")
                    else:
                        cells.append(value)
                sheet.add(ids + cells, "loaded")
            blank = [None] * (len(ID_COLUMNS) - (0 if with_code else 1) - 1)
            sheet.add([*blank, "Итого по МО", *(totals[k] for _, _, k in columns)], "loaded")
            writers.append(sheet)
        for s in schools:
            truth.school_profiles.append(
                {
                    "school_code": s.school_code,
                    "academic_year": year,
                    "teachers_over_50_rule": "gt_50" if year_index == 0 else "ge_50",
                    **figures[s.school_code],
                }
            )
        write_xlsx(landing / rel, writers)


def write_template(out_dir: Path, year: int = 2024) -> Path:
    """The empty workbook a municipality fills: four sheets, headers, an example row."""
    truth = Truth()
    path = out_dir / f"Шаблон_мониторинг_ОО_{year}-{year + 1}.xlsx"
    writers = []
    for sheet_name, (title, columns) in _sheets(year, "50 лет и старше").items():
        sheet = SheetWriter(truth, path.name, "school_forms", year, sheet_name)
        sheet.add([f"{title}: <муниципальное образование>"], "skipped")
        sheet.add([f"{year}/{year + 1} учебный год"], "skipped")
        _header(sheet, columns, with_code=True)
        sheet.add([1, "<Код ОО>", "<логин ФИС ОКО>", "<краткое наименование ОО>"], "loaded")
        sheet.add([None, None, None, "Итого по МО"], "loaded")
        writers.append(sheet)
    write_xlsx(path, writers)
    return path


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="write the empty school monitoring workbook")
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("."))
    parser.add_argument("--year", type=int, default=2024, help="start year of the academic year")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    args.out_dir.mkdir(parents=True, exist_ok=True)
    print(write_template(args.out_dir, args.year))


if __name__ == "__main__":
    main()

"""Demo plan/fact forms of programme indicators, shaped like seed 000 (and seeds 002, 004).

Per municipality and calendar year (the year whose spring ends the academic year):
- the municipal project's form (seed 000: "№ | Показатели | Ед. изм. | План 2023 | Факт 2023",
  the form's own summary line under the table, "Нет данных" and "-" facts, decimal commas);
- the motivating-monitoring form (seed 004's П1–П55 with section rows, targets written
  "не менее 80");
- for one municipality, the qualitative results of seed 002's programme ("Данный показатель
  выполнен").
In the middle year the first municipality also sends seed 000's own table, transcribed ("за 1
полугодие 2023 года", with its unsupported summary), and the second a quarterly form with an
OCR-damaged fact ("ЗД7") to be quarantined; half-year and quarterly forms are not part of the
annual completeness gate, so the demo still publishes.

The truth records, per form row, the plan, the fact's state and the status a correct warehouse
derives (achieved / not_achieved / no_data), and each form's reported summary.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np

from ingestion.samples.writers import SheetWriter, Truth, write_xlsx

CATALOGUE = (
    Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "indicator_catalogue.csv"
)
PROGRAMMES = CATALOGUE.with_name("indicator_programmes.csv")


def catalogue() -> dict[str, list[dict[str, str]]]:
    by_programme: dict[str, list[dict[str, str]]] = {}
    with open(CATALOGUE, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_programme.setdefault(row["programme_code"], []).append(row)
    return by_programme


def programmes() -> dict[str, dict[str, str]]:
    """programme_code -> its row of the indicator_programmes seed (title_pattern, form_title)."""
    with open(PROGRAMMES, encoding="utf-8") as handle:
        return {row["programme_code"]: row for row in csv.DictReader(handle)}


def form_title(programme: str) -> str:
    """The title line a programme's form carries: the seed's form_title, which the programme's
    own title_pattern must recognise (the warehouse places a form by that pattern; fc70773's
    template wrote the municipal project's title for every programme)."""
    row = programmes()[programme]
    title = row["form_title"]
    # the warehouse matches lower(title) with RE2; these patterns are plain enough for Python's re
    matched = [
        code
        for code, other in programmes().items()
        if re.search(other["title_pattern"], title.lower())
    ]
    if matched != [programme]:
        raise ValueError(
            f"the form title of {programme} «{title}» is recognised as {matched or 'nothing'} "
            "by the indicator_programmes seed: fix form_title or title_pattern"
        )
    return title


def genitive(municipality: str) -> str:
    """ "Амурский муниципальный район" → "Амурского муниципального района"."""
    words = []
    for word in municipality.split():
        if word == "город":
            words.append("города")
        elif word in ("район", "округ"):
            words.append(word + "а")
        elif word.endswith(("ский", "ный", "ый", "ий")):
            words.append(word[:-2] + "ого")
        else:
            words.append(word)
    return " ".join(words)


def _fmt(value: float, comma: bool) -> str | float:
    if float(value).is_integer():
        return int(value)
    text = f"{value:.1f}"
    return text.replace(".", ",") if comma else float(text)


def _status(direction: str, plan: float, fact: float | None) -> str:
    if fact is None:
        return "no_data"
    if direction == "down":
        return "achieved" if fact <= plan else "not_achieved"
    return "achieved" if fact >= plan else "not_achieved"


def _numeric_rows(
    rng: np.random.Generator, items: list[dict[str, str]], directional_plans: bool
) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        unit, direction = item["unit"], item["direction"]
        if unit == "%":
            plan = float(rng.choice([5, 10, 15, 30, 65, 80, 85, 90, 100]))
            if direction == "down":
                plan = float(rng.choice([0.2, 2, 5, 10, 23]))
        else:
            plan = float(rng.integers(1, 10))
        spread = max(plan * 0.25, 1.0)
        fact = round(max(0.0, float(plan + rng.normal(0.1 * spread, spread))), 1)
        if unit == "%":
            fact = min(fact, 100.0)
        if rng.random() < 0.2:
            fact = plan  # equality counts as achieved (seed 000 №4, №5)
        plan_text: Any = plan
        if directional_plans and rng.random() < 0.3:
            plan_text = f"{'не менее' if direction == 'up' else 'не более'} {_fmt(plan, True)}"
        rows.append(
            {
                "item": item,
                "plan": plan,
                "plan_cell": plan_text,
                "fact": fact,
                "fact_cell": fact,
                "fact_state": "value",
            }
        )
    return rows


def write_indicator_forms(
    landing: Path,
    truth: Truth,
    municipalities: list[str],
    academic_year: int,
    year_index: int,
    rng: np.random.Generator,
) -> None:
    calendar_year = academic_year + 1
    items = catalogue()
    for m, municipality in enumerate(municipalities):
        # --- the municipal project (seed 000)
        rows = _numeric_rows(rng, items["mp_quality"], directional_plans=False)
        if m == 0:  # seed 000 №14: "Нет данных"; another fact as "-"
            _missing(rows, "14", "Нет данных")
            if year_index == 1:
                _missing(rows, "9", "-")
        _project_form(landing, truth, municipality, academic_year, calendar_year, rows, m, rng)
        # --- motivating monitoring (seed 004)
        rows = _numeric_rows(rng, items["motivating_monitoring"], directional_plans=True)
        _monitoring_form(landing, truth, municipality, academic_year, calendar_year, rows)
        # --- qualitative programme results (seed 002), one municipality
        if "Енисейский" in municipality:
            _qualitative_form(
                landing,
                truth,
                municipality,
                academic_year,
                calendar_year,
                items["mp_shnor_support"],
                done_all=year_index > 0,
            )
        if m == 0 and year_index == 1:
            _seed_000_form(landing, truth, municipality, academic_year, calendar_year)
        if m == 1 and year_index == 1:
            _quarter_form_with_ocr_damage(
                landing, truth, municipality, academic_year, calendar_year, rng
            )


def _missing(rows: list[dict[str, Any]], code: str, marker: str) -> None:
    for row in rows:
        if row["item"]["indicator_code"] == code:
            row.update(fact=None, fact_cell=marker, fact_state="no_data")


def _record(
    truth: Truth,
    sheet: SheetWriter,
    municipality: str,
    programme: str,
    period: str,
    source_row: int,
    row: dict[str, Any],
) -> None:
    item = row["item"]
    truth.indicators.append(
        {
            "path": sheet.file.path,
            "sheet": sheet.file.sheet,
            "row": source_row,
            "municipality": municipality,
            "programme_code": programme,
            "academic_year": sheet.file.academic_year,
            "period_type": period,
            "indicator_code": item["indicator_code"],
            "plan": row["plan"],
            "fact": row["fact"],
            "fact_state": row["fact_state"],
            "status": row.get("status") or _status(item["direction"], row["plan"], row["fact"]),
        }
    )


def _project_form(
    landing: Path,
    truth: Truth,
    municipality: str,
    academic_year: int,
    calendar_year: int,
    rows: list[dict[str, Any]],
    m: int,
    rng: np.random.Generator,
) -> None:
    rel = f"indicators/Проект_качество_{municipality.split()[0]}_{calendar_year}.xlsx"
    sheet = SheetWriter(truth, rel, "indicators", academic_year, "Показатели")
    sheet.add(["Анализ"], "skipped")
    sheet.add(
        ["эффективности реализации муниципального проекта по повышению качества образования"],
        "skipped",
    )
    sheet.add(
        [f"в общеобразовательных учреждениях {genitive(municipality)} (далее-Проект)"], "skipped"
    )
    sheet.add([f"за {calendar_year} год"], "skipped")
    sheet.add(
        ["№", "Показатели", "Ед. изм.", f"План {calendar_year}", f"Факт {calendar_year}"], "skipped"
    )
    comma = m % 2 == 0
    for row in rows:
        item = row["item"]
        fact_cell = row["fact_cell"]
        if row["fact_state"] == "value":
            fact_cell = _fmt(row["fact"], comma)
        r = sheet.add(
            [
                int(item["indicator_code"]),
                f"{item['indicator_name']}, {item['unit']}",
                item["unit"],
                _fmt(row["plan"], comma),
                fact_cell,
            ],
            "loaded",
        )
        _record(truth, sheet, municipality, "mp_quality", "calendar_year", r, row)
    achieved = sum(1 for r in truth.indicators[-len(rows) :] if r["status"] == "achieved")
    reported = achieved + (1 if m == 1 else 0)  # one form over-reports (seed 000 did)
    sheet.add([""], "skipped")
    sheet.add(
        [
            f"Из {len(rows)} показателей Проекта достигли плановый показатель {reported}, "
            f"что составляет {round(100 * reported / len(rows))}%."
        ],
        "skipped",
    )
    truth.indicator_summaries.append(
        {"path": rel, "total": len(rows), "achieved_reported": reported, "achieved": achieved}
    )
    write_xlsx(landing / rel, [sheet])


def _monitoring_form(
    landing: Path,
    truth: Truth,
    municipality: str,
    academic_year: int,
    calendar_year: int,
    rows: list[dict[str, Any]],
) -> None:
    rel = f"indicators/Мотивирующий_мониторинг_{municipality.split()[0]}_{calendar_year}.xlsx"
    sheet = SheetWriter(truth, rel, "indicators", academic_year, "П1-П55")
    sheet.add(["ПОКАЗАТЕЛИ"], "skipped")
    sheet.add(
        [f"мотивирующего мониторинга управления образования {genitive(municipality)}"], "skipped"
    )
    sheet.add([f"Значения за {calendar_year} год"], "skipped")
    sheet.add(
        ["№ показателя", "Наименование показателя", "Ед. измерения", "План", "Факт"], "skipped"
    )
    section = None
    for row in rows:
        item = row["item"]
        if item["section_number"] != section:
            section = item["section_number"]
            sheet.add([f"{section}.", item["section_name"]], "skipped")
        r = sheet.add(
            [
                f"{item['indicator_code']}.",
                item["indicator_name"],
                item["unit"],
                row["plan_cell"],
                _fmt(row["fact"], True),
            ],
            "loaded",
        )
        _record(truth, sheet, municipality, "motivating_monitoring", "calendar_year", r, row)
    write_xlsx(landing / rel, [sheet])


def _qualitative_form(
    landing: Path,
    truth: Truth,
    municipality: str,
    academic_year: int,
    calendar_year: int,
    items: list[dict[str, str]],
    done_all: bool,
) -> None:
    rel = f"indicators/Программа_ШНОР_{municipality.split()[0]}_{calendar_year}.xlsx"
    sheet = SheetWriter(truth, rel, "indicators", academic_year, "Результаты")
    sheet.add(
        [
            "Об итогах реализации муниципальной программы повышения качества образования и "
            "поддержки школ с низкими образовательными результатами"
        ],
        "skipped",
    )
    sheet.add([f"{genitive(municipality)} за {calendar_year} год"], "skipped")
    sheet.add(["№", "Показатель", "План", "Факт", "Примечание"], "skipped")
    for index, item in enumerate(items):
        done = done_all or index < 2
        fact = "Данный показатель выполнен" if done else "Не выполнен"
        r = sheet.add(
            [
                int(item["indicator_code"]),
                # the form words it its own way; the catalogue's name is used by number (the
                # word «документ» in a cell near the top also trips naive PII scanners that
                # look for document-number headers)
                item["indicator_name"].replace("нормативных документов", "нормативных актов"),
                "Создан",
                fact,
                "Координационный совет функционирует, протоколы на сайте" if done else "",
            ],
            "loaded",
        )
        row = {
            "item": item,
            "plan": None,
            "fact": None,
            "fact_state": "text",
            "status": "achieved" if done else "not_achieved",
        }
        _record(truth, sheet, municipality, "mp_shnor_support", "calendar_year", r, row)
    write_xlsx(landing / rel, [sheet])


# Seed 000's table as printed ("за 1 полугодие 2023 года", Амурский муниципальный район): the
# numbers, plans and facts verbatim — №12 absent, "Нет данных" broken over two lines, decimal
# commas — and its summary "Из 16 … достигли … 12, что составляет 75%", which its own table
# does not support (recomputed: 10 achieved of 15, 4 not achieved, 1 without data).
SEED_000 = (
    (
        1,
        "Доля претендентов, подтвердивших по результатам ЕГЭ медаль «За особые успехи в учении», %",
        "85",
        "64",
    ),
    (
        2,
        'Доля выпускников 11 классов, получивших медаль "За особые успехи в учении", которые набрали по одному из предметов ЕГЭ менее 70 баллов, в общей численности выпускников 11 классов, получивших медаль "За особые успехи в учении", %',
        "23",
        "28",
    ),
    (
        3,
        "Доля победителей и призеров регионального этапа Всероссийской олимпиады школьников 9 – 11 классов в муниципальном образовании, от общего количества школьников 9 – 11 классов в АМР, %",
        "1,8",
        "0,7",
    ),
    (
        4,
        "Обеспечение объективности процедур оценки качества: -Количество образовательных учреждений, попавших в федеральный перечень школ с необъективными результатами ВПР",
        "2",
        "2",
    ),
    (5, "Доля ОУ, сформировавших объективную ВСОКО", "100", "100"),
    (
        6,
        "Количество общеобразовательных учреждений, попавших в федеральный перечень школ с низкими образовательными результатами",
        "2",
        "1",
    ),
    (
        7,
        "Доля ШНОР, за которыми закреплены школы, демонстрирующие высокое качество образования, от общего количества ШНОР",
        "65",
        "100",
    ),
    (
        8,
        "Доля ШНОР, участниц Проекта, показавших положительную динамику образовательных результатов по предмету (русский язык/математика на ВПР, ОГЭ, ЕГЭ)",
        "32",
        "67",
    ),
    (
        9,
        "Доля ШНОР, участвующих в реализации Проекта, в которых устранены ресурсные дефициты (кадровая потребность в узких специалистах, пониженный уровень качества школьной образовательной и воспитательной среды)",
        "80",
        "100",
    ),
    (
        10,
        "Доля общеобразовательных организаций, в которых сформирована внутришкольная система профилактики учебной неуспешности",
        "100",
        "100",
    ),
    (
        11,
        "Доля слабоуспевающих и неуспевающих обучающихся, для которых разработан индивидуальный образовательный маршрут",
        "100",
        "100",
    ),
    (13, "Доля ОУ, принимающих участие в иных федеральных и региональных проектах", "90", "89,4"),
    (
        14,
        "Доля несовершеннолетних, проживающих в муниципальном образовании, совершивших правонарушения, от общего количества несовершеннолетних, проживающих в муниципальном образовании",
        "0,2",
        "Нет\nданных",
    ),
    (
        15,
        "Доля выпускников 11-х классов, продолживших обучение в ВО, ПОО в соответствии с профилем обучения на ступени среднего общего образования",
        "30",
        "36",
    ),
    (
        16,
        "Доля выпускников 9-х классов, поступивших в ПОО в соответствии с профилем предметов, выбранных для прохождения ГИА, от общего количества обучающихся 9-х классов АМР",
        "15",
        "21",
    ),
)
SEED_000_STATUS = {
    1: "not_achieved",
    2: "not_achieved",
    3: "not_achieved",
    13: "not_achieved",
    14: "no_data",
}


def _seed_000_form(
    landing: Path, truth: Truth, municipality: str, academic_year: int, calendar_year: int
) -> None:
    """Seed 000 transcribed: a half-year form (not part of the annual completeness gate)."""
    rel = f"indicators/Анализ_проекта_{municipality.split()[0]}_1_полугодие_{calendar_year}.xlsx"
    sheet = SheetWriter(truth, rel, "indicators", academic_year, "Лист1")
    sheet.add(["Анализ"], "skipped")
    sheet.add(
        ["эффективности реализации муниципального проекта по повышению качества образования"],
        "skipped",
    )
    sheet.add(
        [f"в общеобразовательных учреждениях {genitive(municipality)} (далее-Проект)"], "skipped"
    )
    sheet.add([f"за 1 полугодие {calendar_year} года"], "skipped")
    sheet.add(
        [
            "С целью получения объективной и достоверной информации о результатах работы по "
            f"Проекту в период с 01.08.{calendar_year} по 01.10.{calendar_year} осуществляется "
            "мониторинг путем измерения показателей Проекта."
        ],
        "skipped",
    )
    sheet.add(["№", "Показатели", f"План\n{calendar_year}", f"Факт\n{calendar_year}"], "skipped")
    for number, name, plan, fact in SEED_000:
        r = sheet.add([number, name, plan, fact], "loaded")
        plan_value = float(plan.replace(",", "."))
        fact_value = None if "Нет" in fact else float(fact.replace(",", "."))
        row = {
            "item": {"indicator_code": str(number), "direction": ""},
            "plan": plan_value,
            "fact": fact_value,
            "fact_state": "no_data" if fact_value is None else "value",
            "status": SEED_000_STATUS.get(number, "achieved"),
        }
        _record(truth, sheet, municipality, "mp_quality", "half_year", r, row)
    sheet.add([""], "skipped")
    sheet.add(
        ["Из 16 показателей Проекта достигли плановый показатель 12, что составляет 75%."],
        "skipped",
    )
    truth.indicator_summaries.append(
        {"path": rel, "total": 16, "achieved_reported": 12, "achieved": 10, "in_form": 15}
    )
    write_xlsx(landing / rel, [sheet])


def _quarter_form_with_ocr_damage(
    landing: Path,
    truth: Truth,
    municipality: str,
    academic_year: int,
    calendar_year: int,
    rng: np.random.Generator,
) -> None:
    """A quarterly form (not part of the annual completeness gate) with an OCR-damaged fact."""
    rel = f"indicators/Мотивирующий_мониторинг_{municipality.split()[0]}_I_квартал_{calendar_year}.xlsx"
    sheet = SheetWriter(truth, rel, "indicators", academic_year, "Лист1")
    sheet.add([f"Показатели мотивирующего мониторинга {genitive(municipality)}"], "skipped")
    sheet.add([f"за I квартал {calendar_year} года"], "skipped")
    sheet.add(
        ["№ показателя", "Наименование показателя", "Ед. измерения", "План", "Факт"], "skipped"
    )
    items = [i for i in catalogue()["motivating_monitoring"] if i["periodicity"] == "quarterly"]
    rows = _numeric_rows(rng, items[:4], directional_plans=False)
    for index, row in enumerate(rows):
        item = row["item"]
        cells = [
            f"{item['indicator_code']}.",
            item["indicator_name"],
            item["unit"],
            _fmt(row["plan"], True),
            _fmt(row["fact"], True),
        ]
        if index == 2:
            cells[4] = "ЗД7"
            r = sheet.add(cells, "quarantined")
            sheet.defect(r, "Факт", "letters_in_number", "quarantine", "ЗД7", 3.17)
            continue
        r = sheet.add(cells, "loaded")
        _record(truth, sheet, municipality, "motivating_monitoring", "quarter", r, row)
    write_xlsx(landing / rel, [sheet])


def write_template(
    path: Path,
    programme: str = "mp_quality",
    year: int = 2024,
    territory: str = "<Название> муниципального района",
) -> Path:
    """A plan/fact form to fill by hand: the programme's own title (the indicator_programmes
    seed's form_title, which its title_pattern recognises), the territory and period lines, the
    header, one row per catalogue indicator of ``programme`` with its number, name and unit,
    plan and fact left empty. Replace the territory placeholder with the municipality's name
    in the genitive («Енисейского муниципального района») or pass ``territory``."""
    truth = Truth()
    sheet = SheetWriter(truth, path.name, "indicators", year - 1, "Показатели")
    sheet.add([form_title(programme)], "skipped")
    sheet.add([f"в общеобразовательных учреждениях {territory}"], "skipped")
    sheet.add([f"за {year} год"], "skipped")
    sheet.add(
        ["№", "Показатели", "Ед. изм.", f"План {year}", f"Факт {year}", "Примечание"], "skipped"
    )
    for item in catalogue()[programme]:
        sheet.add([item["indicator_code"], item["indicator_name"], item["unit"]], "loaded")
    # no summary line: a placeholder "Из N показателей …" is no summary and would be read as a
    # row without an indicator number; a form may add its own «Из 16 показателей … 12, что
    # составляет 75%» under the table
    write_xlsx(path, [sheet])
    return path


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="write an empty plan/fact form (template)")
    parser.add_argument("--out", type=Path, default=Path("Шаблон_показатели.xlsx"))
    parser.add_argument("--programme", default="mp_quality", choices=sorted(catalogue()))
    parser.add_argument("--year", type=int, default=2024, help="the calendar year of the form")
    parser.add_argument(
        "--territory",
        default="<Название> муниципального района",
        help="the municipality in the genitive, e.g. 'Енисейского муниципального района'",
    )
    args = parser.parse_args(argv)
    print(write_template(args.out, args.programme, args.year, args.territory))


if __name__ == "__main__":
    main()

"""Demo protocols of the всероссийская олимпиада школьников (ВсОШ), and the school-name variants.

Per academic year: one municipal-stage workbook per municipality (a sheet per subject: title
rows, the municipality, a header, one row per participant, the jury's signature footer) and
one regional-stage protocol per subject for the region (grades 9–11, few participants; a
merged two-row header "Участник / Фамилия | Имя | Отчество"; one of them a Windows-1251 CSV
with ``;``). Pupils are named with ФИО and birth date (invented): the reader drops both.

Schools are named the way people type them (DOMAIN §6.2 "School-name variants"): with or
without the legal form, "№ 1" / "№1" / "N 1", with or without the settlement prefix, the
settlement in the genitive, the full name with an honoree, lower case, a branch as
"Филиал …" or "… (филиал)". Every variant's expected school is recorded in the truth
(``school_name_variants``), with three planted cases: a bare "<ФОРМА> СОШ №n" in a
municipality with two such schools (ambiguous: quarantined naming both), a school no
registry lists (unknown), and a nickname only the alias table resolves. One score is
OCR-damaged ("4З"): quarantined at its cell. The regional protocols also carry the Код ОО for
most rows (resolution by code).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np

from ingestion.samples import names as nm
from ingestion.samples import world as w
from ingestion.samples.layouts import MUNICIPAL_OLYMPIAD_HEADER
from ingestion.samples.writers import SheetWriter, Truth, write_csv, write_xlsx

# (subject code, title in the protocol "по <предмету>", maximum score per stage)
SUBJECTS = (
    ("math", "математике", {"municipal": 35, "regional": 70}),
    ("rus", "русскому языку", {"municipal": 100, "regional": 120}),
    ("bio", "биологии", {"municipal": 80, "regional": 150}),
)
SHEET_NAMES = {"math": "Математика", "rus": "Русский язык", "bio": "Биология"}
STAGE_TITLES = {"municipal": "муниципального", "regional": "регионального"}
STATUS_SPELLINGS = {
    "winner": ("Победитель", "победитель", "ПОБЕДИТЕЛЬ"),
    "prize_winner": ("Призёр", "Призер", "призёр", "призер"),
    "participant": ("Участник", "участник"),
}
ALIAS_NICKNAME = ("Первая школа г. Амурск", "101001")  # the seed's demo alias row
UNKNOWN_SCHOOL_NAME = "МБОУ СОШ № 99 с. Неизвестное"


# ---------------------------------------------------------------- school-name variants


def _genitive(word: str) -> str:
    if word.endswith("ый") or word.endswith("ий"):
        return word[:-2] + "ого"
    if word.endswith("ка"):
        return word[:-1] + "и"
    if word[-1] not in "аеиоуыэюяь":
        return word + "а"
    return word


def name_variants(school: w.School) -> list[str]:
    """Ways a school's name is written in protocols; every one names this school only."""
    short = school.short_name
    legal = short.split(" ")[0]
    prefix = {"город": "г."}.get(school.settlement_type) or re.sub(
        r".* (с\.|п\.|пгт) .*", r"\1", short
    )
    place = school.settlement
    if school.school_type == "Филиал":
        parent_kind = "СОШ"
        num = f"№ {school.number}" if school.number else ""
        base = f"{parent_kind} {num}".strip()
        return [
            short,
            f"Филиал {legal_of(short)} {base} с. {place}",
            f"{base.replace('№ ', '№')} {place} (филиал)",
            f"филиал {base} с.{place}",
        ]
    kind = {
        "СОШ": "СОШ",
        "ООШ": "ООШ",
        "НОШ": "НОШ",
        "Гимназия": "Гимназия",
        "Лицей": "Лицей",
        "Вечерняя (сменная) школа": "СОШ «Вечерняя (сменная) школа»",
    }[school.school_type]
    n = school.number
    out = [
        short,
        f"{kind}{f' № {n}' if n else ''} {prefix} {place}",
        f"{kind}{f' №{n}' if n else ''} {place}",
        f"{legal} {kind}{f' N{n}' if n else ''} {prefix}{'' if prefix.endswith('.') else ' '}{place}",
        f"{legal} «{kind}{f' № {n}' if n else ''}» {prefix} {place}",
        f'{legal} "{kind}{f" №{n}" if n else ""}" {prefix} {place}',
        school.full_name,
        short.lower(),
        short.upper(),
    ]
    if prefix == "г.":
        out.append(f"{legal} {kind}{f' №{n}' if n else ''} г. {_genitive(place)}")
    if " им. " in school.full_name:
        honoree = re.search(r" (им\. .+?) (?:г\.|с\.|п\.|пгт) ", school.full_name)
        if honoree:
            out.append(f"{legal} {kind}{f' №{n}' if n else ''} {honoree[1]} {prefix} {place}")
    if school.school_type == "СОШ":
        out.append(f"Средняя общеобразовательная школа{f' № {n}' if n else ''} {prefix} {place}")
    return list(dict.fromkeys(out))


def legal_of(short: str) -> str:
    parts = short.split(" ")
    return parts[1] if parts[0] == "Филиал" else parts[0]


def ambiguous_bare_name(region: w.Region) -> tuple[str, str, list[str]] | None:
    """(municipality, bare name, the schools it could be) for a municipality holding two
    non-branch schools of one kind and number; None if the world has none."""
    seen: dict[tuple[str, str, int], list[w.School]] = {}
    for s in region.schools:
        if s.number and s.school_type in ("СОШ", "ООШ") and not s.parent_code:
            seen.setdefault((s.municipality, s.school_type, s.number), []).append(s)
    for (municipality, kind, number), schools in seen.items():
        if len(schools) >= 2:
            name = f"{legal_of(schools[0].short_name)} {kind} №{number}"
            return municipality, name, [s.school_code for s in schools]
    return None


# ---------------------------------------------------------------- protocols


def _status(rank: int, count: int, stage: str) -> str:
    if rank == 0:
        return "winner"
    prize = 2 if stage == "regional" else max(1, count // 4)
    return "prize_winner" if rank <= prize else "participant"


def write_olympiad_protocols(
    landing: Path, truth: Truth, region: w.Region, year: int, year_index: int, seed: int
) -> None:
    """The municipal and regional protocols of one academic year (own random stream)."""
    rng = np.random.default_rng((seed, 31, year))
    variants = {s.school_code: name_variants(s) for s in region.schools}
    cursor = {code: year_index * 3 for code in variants}  # cycle through each school's variants
    municipalities = list(dict.fromkeys(s.municipality for s in region.schools))
    planted = ambiguous_bare_name(region)
    label = f"{year}/{str(year + 1)[2:]}"
    regional_pool: dict[str, list[dict[str, Any]]] = {code: [] for code, _, _ in SUBJECTS}

    def next_name(school: w.School) -> str:
        options = variants[school.school_code]
        name = options[cursor[school.school_code] % len(options)]
        cursor[school.school_code] += 1
        return name

    def record(row: dict[str, Any], rel: str, sheet: SheetWriter, r: int, status: str) -> None:
        truth.olympiad.append(row | {"file": rel, "row": r, "status": status})

    for m, municipality in enumerate(municipalities):
        rel = f"olympiad/ВсОШ_{year}-{year + 1}_муниципальный_этап_{municipality.split()[0]}.xlsx"
        sheets = []
        schools = [s for s in region.schools if s.municipality == municipality and 7 in s.grades]
        for s_index, (code, title, maxima) in enumerate(SUBJECTS):
            sheet = SheetWriter(truth, rel, "olympiad", year, SHEET_NAMES[code])
            sheet.add(
                [
                    "Протокол муниципального этапа всероссийской олимпиады школьников по "
                    f"{title} {label} учебного года"
                ],
                "skipped",
            )
            sheet.add([f"Муниципальное образование: {municipality}"], "skipped")
            sheet.add([f"Дата проведения: {14 + s_index:02d}.11.{year}"], "skipped")
            sheet.add(MUNICIPAL_OLYMPIAD_HEADER, "skipped")
            maximum = maxima["municipal"]
            entries = []
            for school in schools:
                for grade in range(7, 12):
                    if grade not in school.grades:
                        continue
                    for _ in range(int(rng.integers(0, 3))):
                        ability = rng.normal(school.ability, 1.0)
                        score = float(np.clip(round(maximum * (0.45 + 0.18 * ability)), 0, maximum))
                        entries.append((school, grade, score))
            entries.sort(key=lambda e: (e[1], -e[2]))
            people = nm.person_names(rng, len(entries))
            by_grade: dict[int, list[int]] = {}
            for i, (_, grade, _) in enumerate(entries):
                by_grade.setdefault(grade, []).append(i)
            for i, ((school, grade, score), (sur, first, patr)) in enumerate(
                zip(entries, people, strict=True), start=1
            ):
                rank = by_grade[grade].index(i - 1)
                status = _status(rank, len(by_grade[grade]), "municipal")
                written = next_name(school)
                expected: str | None = school.school_code
                if planted and municipality == planted[0] and i == 1 and s_index == 0:
                    written, expected = planted[1], None
                elif m == 0 and i == 2 and s_index == 1 and year_index == 0:
                    written, expected = UNKNOWN_SCHOOL_NAME, None
                elif m == 0 and i == 3 and s_index == 2 and year_index == 0:
                    written = ALIAS_NICKNAME[0]
                    expected = ALIAS_NICKNAME[1]
                birth = dt.date(year + 1 - grade - 7, int(rng.integers(1, 13)), 10)
                status_text = str(rng.choice(STATUS_SPELLINGS[status]))
                score_cell: Any = score if i % 5 else str(score).replace(".0", "").replace(".", ",")
                disposition = "loaded"
                ocr = m == 0 and s_index == 0 and i == 4 and year_index == 1
                if ocr:
                    score_cell = str(int(score))[:-1] + "З"  # "43" typed by OCR as "4З"
                    disposition = "quarantined"
                cells = [
                    i,
                    sur,
                    first,
                    patr,
                    birth.strftime("%d.%m.%Y"),
                    written,
                    f"{grade}{'АБВ'[i % 3]}" if i % 4 == 0 else grade,
                    status_text,
                    score_cell,
                    maximum,
                ]
                r = sheet.add(cells, disposition)
                if ocr:
                    sheet.defect(
                        r, "Результат (балл)", "letters_in_number", "quarantine", score_cell, score
                    )
                if expected is None:
                    sheet.defect(
                        r,
                        "Образовательная организация",
                        "ambiguous_school_name"
                        if written != UNKNOWN_SCHOOL_NAME
                        else "unknown_school_name",
                        "warehouse_quarantine",
                        written,
                    )
                    sheet.file.unknown_school_rows += 1
                # a row quarantined at reading (its score) never reaches the name resolution
                variants_of = [] if ocr else truth.school_name_variants
                variants_of.append(
                    {
                        "region_code": region.code,
                        "municipality": municipality,
                        "name_as_written": written,
                        "school_code": school.school_code if expected else None,
                        "expected_school_code": expected,
                        "expected_status": (
                            "resolved"
                            if expected
                            else "ambiguous"
                            if written != UNKNOWN_SCHOOL_NAME
                            else "unknown"
                        ),
                        "candidates": planted[2] if planted and written == planted[1] else [],
                        "needs_alias": written == ALIAS_NICKNAME[0],
                        "academic_year": year,
                    }
                )
                pupil = {
                    "academic_year": year,
                    "stage": "municipal",
                    "subject_code": code,
                    "grade": grade,
                    "school_code": expected,
                    "municipality": municipality,
                    "surname": sur,
                    "first_name": first,
                    "patronymic": patr,
                    "birth_date": birth.isoformat(),
                    "olympiad_status": status,
                    "score": score,
                    "max_score": maximum,
                }
                row_status = "quarantined" if ocr else "loaded" if expected else "school_unresolved"
                record(pupil, rel, sheet, r, row_status)
                if grade >= 9 and status != "participant" and expected and not ocr:
                    regional_pool[code].append(pupil | {"school": school})
            sheet.add([], "skipped")
            sheet.add(["Председатель жюри: ____________ /подпись/"], "skipped")
            sheet.add(["Члены жюри: ____________"], "skipped")
            sheets.append(sheet)
        write_xlsx(landing / rel, sheets)

    # regional stage: the municipal winners and prize-winners of grades 9–11, a few of them
    for s_index, (code, title, maxima) in enumerate(SUBJECTS):
        as_csv = s_index == 1
        ext = "csv" if as_csv else "xlsx"
        rel = f"olympiad/ВсОШ_{year}-{year + 1}_региональный_этап_{code}.{ext}"
        sheet = SheetWriter(truth, rel, "olympiad", year, None if as_csv else "Протокол")
        sheet.add(
            [
                "Протокол регионального этапа всероссийской олимпиады школьников по "
                f"{title} {year}/{year + 1} учебного года"
            ],
            "skipped",
        )
        sheet.add([region.name], "skipped")
        maximum = maxima["regional"]
        if as_csv:
            header = [
                "№",
                "ФИО участника",
                "Дата рождения",
                "Муниципальное образование",
                "Код ОО",
                "Образовательная организация",
                "Класс",
                "Балл",
                "Макс. балл",
                "Статус участника",
            ]
            sheet.add(header, "skipped")
        else:
            upper = [
                "№",
                "Участник",
                "",
                "",
                "Дата рождения",
                "Муниципальное образование",
                "Код ОО",
                "Образовательная организация",
                "Класс",
                "Результат",
                "",
                "Статус",
            ]
            r0 = sheet.add(upper, "skipped")
            sheet.add(
                ["", "Фамилия", "Имя", "Отчество", "", "", "", "", "", "Балл", "Макс. балл", ""],
                "skipped",
            )
            sheet.merges.append((r0 - 1, 1, r0 - 1, 3, "Участник"))
            sheet.merges.append((r0 - 1, 9, r0 - 1, 10, "Результат"))
        pool = regional_pool[code]
        chosen = [
            pool[int(k)] for k in sorted(rng.permutation(len(pool))[: max(3, len(pool) // 2)])
        ]
        scored = []
        for p in chosen:
            ability = rng.normal(p["school"].ability + 0.5, 0.8)
            scored.append((p, float(np.clip(round(maximum * (0.4 + 0.15 * ability)), 0, maximum))))
        scored.sort(key=lambda x: -x[1])
        for i, (p, score) in enumerate(scored, start=1):
            regional_school: w.School = p["school"]
            status = _status(i - 1, len(scored), "regional")
            with_code = i % 3 != 0
            written = regional_school.short_name if with_code else next_name(regional_school)
            status_text = str(rng.choice(STATUS_SPELLINGS[status]))
            name = f"{p['surname']} {p['first_name']} {p['patronymic']}"
            birth_text = dt.date.fromisoformat(p["birth_date"]).strftime("%d.%m.%Y")
            code_cell = region.file_code(regional_school) if with_code else ""
            if as_csv:
                row_cells: list[Any] = [
                    i,
                    name,
                    birth_text,
                    regional_school.municipality,
                    code_cell,
                    written,
                    p["grade"],
                    str(score).replace(".0", ""),
                    maximum,
                    status_text,
                ]
            else:
                row_cells = [
                    i,
                    p["surname"],
                    p["first_name"],
                    p["patronymic"],
                    birth_text,
                    regional_school.municipality,
                    code_cell,
                    written,
                    p["grade"],
                    score,
                    maximum,
                    status_text,
                ]
            r = sheet.add(row_cells, "loaded")
            if not with_code:
                truth.school_name_variants.append(
                    {
                        "region_code": region.code,
                        "municipality": regional_school.municipality,
                        "name_as_written": written,
                        "school_code": regional_school.school_code,
                        "expected_school_code": regional_school.school_code,
                        "expected_status": "resolved",
                        "candidates": [],
                        "needs_alias": False,
                        "academic_year": year,
                    }
                )
            pupil = {k: v for k, v in p.items() if k != "school"}
            record(
                pupil
                | {
                    "stage": "regional",
                    "olympiad_status": status,
                    "score": score,
                    "max_score": maximum,
                },
                rel,
                sheet,
                r,
                "loaded",
            )
        sheet.add(["Председатель жюри регионального этапа: ____________"], "skipped")
        if as_csv:
            write_csv(landing / rel, sheet)
        else:
            write_xlsx(landing / rel, [sheet])


def write_template(path: Path, subject: str = "математике", year: int = 2024) -> Path:
    """A protocol to fill by hand: the title, the municipality line, the header, sample rows."""
    truth = Truth()
    sheet = SheetWriter(truth, path.name, "olympiad", year, "Протокол")
    sheet.add(
        [
            "Протокол муниципального этапа всероссийской олимпиады школьников по "
            f"{subject} {year}/{year + 1} учебного года"
        ],
        "skipped",
    )
    sheet.add(["Муниципальное образование: <муниципалитет, как в реестре ОО>"], "skipped")
    sheet.add(MUNICIPAL_OLYMPIAD_HEADER, "skipped")
    sheet.add(
        [
            1,
            "<Фамилия>",
            "<Имя>",
            "<Отчество>",
            "01.01.2010",
            "МБОУ СОШ № 1 г. <населённый пункт>",
            9,
            "Победитель",
            30,
            35,
        ],
        "loaded",
    )
    sheet.add(
        [
            2,
            "<Фамилия>",
            "<Имя>",
            "<Отчество>",
            "01.01.2010",
            "МБОУ СОШ № 1 г. <населённый пункт>",
            9,
            "Участник",
            12,
            35,
        ],
        "loaded",
    )
    sheet.add(["Председатель жюри: ____________"], "skipped")
    write_xlsx(path, [sheet])
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="write an olympiad protocol template")
    parser.add_argument("out_dir", type=Path, nargs="?", default=Path("."))
    parser.add_argument("--subject", default="математике", help="as in 'по математике'")
    parser.add_argument("--year", type=int, default=2024, help="start year of the academic year")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    name = f"Шаблон_протокол_ВсОШ_{args.year}-{args.year + 1}.xlsx"
    print(write_template(args.out_dir / name, args.subject, args.year))


if __name__ == "__main__":
    main()

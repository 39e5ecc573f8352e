"""Write dbt_project/seeds/indicator_catalogue.csv from the seed documents (run once, by hand).

    python scripts/extract_indicator_catalogue.py ../shared/seeds > dbt_project/seeds/indicator_catalogue.csv

Programmes:
- ``motivating_monitoring``: П1–П55 of seed 004 (Приложение № 2), with unit, periodicity as
  written and normalised, section; direction from DOMAIN §4.4 (derived: the seed states none).
- ``mp_quality``: the 15 indicators of seed 000's municipal project table (№12 is absent from
  the source document and therefore from the catalogue); direction from DOMAIN §5.1.
- ``mp_shnor_support``: the qualitative results of seed 002's municipal programme.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

PERIODICITY = {
    "1 раз в год": "annual",
    "1 раза в год": "annual",
    "2 раза в год": "semiannual",
    "1 раз в квартал": "quarterly",
    "2 раза в квартал": "quarterly_review",  # typo in the seed: flagged for review
}
DOWN_MM = {"П2", "П7", "П11", "П29", "П35", "П36"}

MP_QUALITY = [
    # number, name, unit, direction (seed 000; DOMAIN §5.1)
    (
        1,
        "Доля претендентов, подтвердивших по результатам ЕГЭ медаль «За особые успехи в учении»",
        "%",
        "up",
    ),
    (
        2,
        'Доля выпускников 11 классов, получивших медаль "За особые успехи в учении", которые набрали по одному из предметов ЕГЭ менее 70 баллов, в общей численности выпускников 11 классов, получивших медаль',
        "%",
        "down",
    ),
    (
        3,
        "Доля победителей и призеров регионального этапа Всероссийской олимпиады школьников 9 – 11 классов от общего количества школьников 9 – 11 классов",
        "%",
        "up",
    ),
    (
        4,
        "Количество образовательных учреждений, попавших в федеральный перечень школ с необъективными результатами ВПР",
        "ед.",
        "down",
    ),
    (5, "Доля ОУ, сформировавших объективную ВСОКО", "%", "up"),
    (
        6,
        "Количество общеобразовательных учреждений, попавших в федеральный перечень школ с низкими образовательными результатами",
        "ед.",
        "down",
    ),
    (
        7,
        "Доля ШНОР, за которыми закреплены школы, демонстрирующие высокое качество образования, от общего количества ШНОР",
        "%",
        "up",
    ),
    (
        8,
        "Доля ШНОР, участниц Проекта, показавших положительную динамику образовательных результатов по предмету (русский язык/математика на ВПР, ОГЭ, ЕГЭ)",
        "%",
        "up",
    ),
    (
        9,
        "Доля ШНОР, участвующих в реализации Проекта, в которых устранены ресурсные дефициты",
        "%",
        "up",
    ),
    (
        10,
        "Доля общеобразовательных организаций, в которых сформирована внутришкольная система профилактики учебной неуспешности",
        "%",
        "up",
    ),
    (
        11,
        "Доля слабоуспевающих и неуспевающих обучающихся, для которых разработан индивидуальный образовательный маршрут",
        "%",
        "up",
    ),
    (13, "Доля ОУ, принимающих участие в иных федеральных и региональных проектах", "%", "up"),
    (
        14,
        "Доля несовершеннолетних, проживающих в муниципальном образовании, совершивших правонарушения, от общего количества несовершеннолетних",
        "%",
        "down",
    ),
    (
        15,
        "Доля выпускников 11-х классов, продолживших обучение в ВО, ПОО в соответствии с профилем обучения на ступени среднего общего образования",
        "%",
        "up",
    ),
    (
        16,
        "Доля выпускников 9-х классов, поступивших в ПОО в соответствии с профилем предметов, выбранных для прохождения ГИА, от общего количества обучающихся 9-х классов",
        "%",
        "up",
    ),
]
MP_SHNOR = [
    (
        1,
        "Создан пакет нормативных документов, регламентирующих работу по управлению качеством образования на муниципальном уровне",
        "да/нет",
        "done",
    ),
    (
        2,
        "Разработан механизм идентификации школ с низкими образовательными результатами",
        "да/нет",
        "done",
    ),
    (3, "Создана страница на сайте по поддержке ШНОР", "да/нет", "done"),
]

COLUMNS = [
    "programme_code",
    "indicator_code",
    "indicator_number",
    "indicator_name",
    "unit",
    "periodicity_text",
    "periodicity",
    "section_number",
    "section_name",
    "direction",
    "direction_source",
    "value_type",
    "source_document",
]


def motivating_monitoring(seeds: Path) -> list[dict[str, object]]:
    text = next(seeds.glob("004_*.txt")).read_text(encoding="utf-8")
    text = text[text.index("мотивирующего мониторинга управления образования") :]
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines() if line.strip()]
    rows: list[dict[str, object]] = []
    section = ("", "")
    i = 0
    while i < len(lines):
        line = lines[i]
        code = re.fullmatch(r"П(\d+)\.?", line)
        sect = re.fullmatch(r"(\d)\.", line)
        if sect and i + 1 < len(lines):
            section = (sect[1], re.split(r"\s*[–-]\s*оценка", lines[i + 1])[0].strip())
            i += 2
            continue
        if code:
            name, unit = lines[i + 1], lines[i + 2]
            j = i + 3
            while j < len(lines) and lines[j] not in PERIODICITY:
                j += 1
            period = lines[j] if j < len(lines) else ""
            number = int(code[1])
            rows.append(
                {
                    "programme_code": "motivating_monitoring",
                    "indicator_code": f"П{number}",
                    "indicator_number": number,
                    "indicator_name": re.sub(r"\s+", " ", name),
                    "unit": unit,
                    "periodicity_text": period,
                    "periodicity": PERIODICITY.get(period, ""),
                    "section_number": section[0],
                    "section_name": section[1],
                    "direction": "down" if f"П{number}" in DOWN_MM else "up",
                    "direction_source": "derived (DOMAIN §4.4)",
                    "value_type": "numeric",
                    "source_document": "seed 004, Приложение № 2",
                }
            )
            i = j + 1
            continue
        i += 1
    return rows


def simple(programme: str, items, source: str, value_type: str) -> list[dict[str, object]]:
    return [
        {
            "programme_code": programme,
            "indicator_code": f"{number}",
            "indicator_number": number,
            "indicator_name": name,
            "unit": unit,
            "periodicity_text": "1 раз в год",
            "periodicity": "annual",
            "section_number": "",
            "section_name": "",
            "direction": "" if direction == "done" else direction,
            "direction_source": "qualitative" if direction == "done" else "derived (DOMAIN §5.1)",
            "value_type": value_type,
            "source_document": source,
        }
        for number, name, unit, direction in items
    ]


def main() -> None:
    seeds = Path(sys.argv[1])
    rows = motivating_monitoring(seeds)
    rows += simple("mp_quality", MP_QUALITY, "seed 000, таблица показателей Проекта", "numeric")
    rows += simple("mp_shnor_support", MP_SHNOR, "seed 002, ожидаемые результаты", "qualitative")
    writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


if __name__ == "__main__":
    main()

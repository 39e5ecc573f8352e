"""The four readers on small hand-made files: what loads, what is skipped, what is quarantined.

Every fixture is written inside the test (xlsx with xlsxwriter, CSV with the csv module, often
in Windows-1251 with ";" and decimal commas), shaped like ``ingestion/samples/generate.py``'s
files: title rows above the header, footer rows, "Нет данных" and "-", OCR damage, a surname
shifted into a score column. Expected values are written out by hand.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from ingestion.privacy import person_key
from ingestion.samples.layouts import (
    EGE_HEADER,
    OGE_HEADER,
    REGISTRY_HEADER,
    VPR_COUNTS_COLUMNS,
)
from ingestion.sheets import file_sha256
from tests.builders import (
    EMPTY_LINE,
    SECRET,
    all_strings,
    assert_accounting,
    column,
    file_row,
    landing_file,
    read,
    read_one,
    write_csv,
    write_xlsx,
)

# ================================================================== ЕГЭ / ОГЭ (РЦОИ)


def ege_row(n, msu, school, cls, surname, name, patronymic, series, number, primary, score):
    return [
        n,
        msu,
        school,
        cls,
        "1101",
        "0001",
        surname,
        name,
        patronymic,
        series,
        number,
        "+-+" * 4,
        "1(2)0(2)",
        primary,
        score,
    ]


EGE_PUPILS = [
    # surname, name, patronymic, series, number
    ("Иванов", "Пётр", "Сергеевич", "0812", "123456"),
    ("Петрова", "Анна", "Ивановна", "0813", "223457"),
    ("Сидоренко", "Олег", "Олегович", "0814", "323458"),
    ("Кузнецова", "Мария", "Павловна", "0815", "423459"),
]


def personal_values(pupils) -> set[str]:
    out = set()
    for surname, name, patronymic, series, number in pupils:
        out |= {surname, name, patronymic, series, number, f"{series} {number}"}
    return out


def ege_valid_csv(path: Path, encoding: str = "cp1251") -> Path:
    p = EGE_PUPILS
    rows = [
        [""] * 14,  # ";;;;" before the title, as РЦОИ exports have
        ["01 - Русский язык 2023.06.01"],
        EGE_HEADER,
        ege_row(1, "101", "100101", "11А", *p[0], "35,5", "72"),
        ege_row(2, "101", "100101", "11Б", *p[1], "20", "44"),
        ege_row(3, "102", "100205", "11А", *p[2], "Нет данных", "-"),
        ege_row(4, "102", "100205", "11В", *p[3], "48", "81"),
        [""] * 12 + ["Средние", "", "65,7"],
        [""] * 12 + ["Минимальная граница", "", "24"],
        ["Всего участников: 4"],
    ]
    return write_csv(path, rows, encoding=encoding)


def test_ege_cp1251_csv_loads_every_row_typed_with_lineage(tmp_path):
    path = ege_valid_csv(tmp_path / "ЕГЭ_2023_01_Русский.csv")
    result = read_one("ege_rcoi", path, "ege_rcoi/ЕГЭ_2023_01_Русский.csv", tmp_path)
    rows = result.rows.to_pylist()

    assert [r["source_row"] for r in rows] == [4, 5, 6, 7]
    assert [r["row_number"] for r in rows] == [1, 2, 3, 4]
    assert [r["school_code"] for r in rows] == ["100101", "100101", "100205", "100205"]
    assert [r["msu_code"] for r in rows] == ["101", "101", "102", "102"]
    assert [r["class_label"] for r in rows] == ["11А", "11Б", "11А", "11В"]
    assert [r["grade"] for r in rows] == [11, 11, 11, 11]
    # decimal comma parsed; "Нет данных" and "-" are NULL, not zero
    assert [r["primary_score"] for r in rows] == [35.5, 20.0, None, 48.0]
    assert [r["test_score"] for r in rows] == [72, 44, None, 81]
    assert [r["mark"] for r in rows] == [None] * 4

    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert file_sha256(path) == sha
    for r in rows:
        assert r["source_name"] == "ege_rcoi"
        assert r["source_file"] == "ege_rcoi/ЕГЭ_2023_01_Русский.csv"
        assert r["source_sheet"] is None
        assert r["file_sha256"] == sha
        assert r["region_code"] == "27"
        assert r["academic_year"] == 2022  # June 2023 sitting: 2022/23
        assert r["exam_kind"] == "ege"
        assert r["subject_fct_code"] == "1"
        assert r["subject_title"] == "Русский язык"
        assert r["exam_date"] == dt.date(2023, 6, 1)
        assert r["has_person_name"] is True
    assert rows[0]["person_key"] == person_key(SECRET, 2022, "27", "Иванов Пётр Сергеевич")
    assert rows[3]["person_key"] == person_key(SECRET, 2022, "27", "Кузнецова Мария Павловна")
    assert len({r["person_key"] for r in rows}) == 4

    assert result.quarantine.num_rows == 0
    summary = file_row(result)
    assert summary["status"] == "read"
    assert summary["academic_year"] == 2022
    assert summary["header_rows"] == "3"
    assert (summary["rows_read"], summary["rows_loaded"]) == (10, 4)
    assert (summary["rows_quarantined"], summary["rows_skipped"]) == (0, 6)
    reasons = summary["skipped_reasons"]
    for part in (
        "blank: 1",
        "title: 1",
        "header: 1",
        "footer «Средние»: 1",
        "footer «Минимальная граница»: 1",
        "footer «Всего участников: 4»: 1",
    ):
        assert part in reasons
    assert_accounting(result)


def test_ege_same_file_in_utf8_with_bom_reads_the_same(tmp_path):
    cp = ege_valid_csv(tmp_path / "a.csv")
    utf = ege_valid_csv(tmp_path / "b.csv", encoding="utf-8-sig")
    result = read(
        "ege_rcoi",
        [landing_file(cp, "ege_rcoi/a.csv"), landing_file(utf, "ege_rcoi/b.csv")],
        tmp_path,
    )
    by_file: dict[str, list] = {}
    for r in result.rows.to_pylist():
        by_file.setdefault(r["source_file"], []).append(
            (r["source_row"], r["test_score"], r["primary_score"], r["person_key"])
        )
    assert by_file["ege_rcoi/a.csv"] == by_file["ege_rcoi/b.csv"]
    assert len(by_file["ege_rcoi/a.csv"]) == 4
    assert [f["rows_loaded"] for f in result.files.to_pylist()] == [4, 4]


def test_ege_bad_scores_are_quarantined_at_their_cell_and_other_rows_load(tmp_path):
    pupils = [
        ("Иванов", "Пётр", "Сергеевич", "0812", "123456"),
        ("Петрова", "Анна", "Ивановна", "0813", "223457"),
        ("Смирнова", "Ольга", "Игоревна", "0814", "323458"),
        ("Орлов", "Денис", "Андреевич", "0815", "423459"),
        ("Волкова", "Ирина", "Олеговна", "0816", "523450"),
        ("Белов", "Илья", "Романович", "0817", "623451"),
    ]
    p = pupils
    rows = [
        ["01 - Русский язык 2023.06.01"],
        EGE_HEADER,
        ege_row(1, "101", "100101", "11А", *p[0], "40", "72"),  # line 3
        ege_row(2, "101", "100101", "11А", *p[1], "30", "ЗД7"),  # line 4: OCR damage
        ege_row(3, "101", "100101", "11Б", *p[2], "31", "Смирнова"),  # line 5: surname shifted
        ege_row(4, "101", "100101", "11Б", *p[3], "45", "101"),  # line 6: above 100
        ege_row(5, "101", "100101", "11В", *p[4], "12,5", "35"),  # line 7
        ege_row(6, "101", "10О101", "11В", *p[5], "33", "60"),  # line 8: letter О in code
        [""] * 12 + ["Средние", "", "53,5"],
    ]
    path = write_csv(tmp_path / "ЕГЭ.csv", rows)
    result = read_one("ege_rcoi", path, "ege_rcoi/ЕГЭ.csv", tmp_path)

    loaded = result.rows.to_pylist()
    assert [(r["source_row"], r["test_score"], r["primary_score"]) for r in loaded] == [
        (3, 72, 40.0),
        (7, 35, 12.5),
    ]
    quarantine = result.quarantine.to_pylist()
    got = [
        (q["source_row"], q["source_column"], q["field_name"], q["cell_value"], q["reason"])
        for q in quarantine
    ]
    assert got == [
        (
            4,
            "Балл (column 15)",
            "test_score",
            "ЗД7",
            "letters in a number (possible OCR damage): not guessed",
        ),
        (
            5,
            "Балл (column 15)",
            "test_score",
            "<hidden: 8 characters of text>",
            "letters in a number (possible OCR damage): not guessed",
        ),
        (6, "Балл (column 15)", "test_score", "101", "above the maximum 100"),
        (
            8,
            "Код ОО (column 3)",
            "school_code",
            "10О101",
            "does not match the expected format \\d{4,8}",
        ),
    ]
    sha = file_sha256(path)
    for q in quarantine:
        assert q["source_file"] == "ege_rcoi/ЕГЭ.csv"
        assert q["source_sheet"] is None
        assert q["file_sha256"] == sha
        assert q["academic_year"] == 2022
        assert q["source_name"] == "ege_rcoi"
    # the surname is never stored, whatever column it sits in
    assert not any("Смирнова" in v for v in all_strings(result.quarantine))

    summary = file_row(result)
    assert (summary["rows_read"], summary["rows_loaded"]) == (9, 2)
    assert (summary["rows_quarantined"], summary["rows_skipped"]) == (4, 3)
    assert_accounting(result)


def test_ege_xlsx_columns_are_reported_with_their_letter(tmp_path):
    p = EGE_PUPILS
    rows = [
        ["03 - Физика 2023.06.05"],
        EGE_HEADER,
        ege_row(1, 101, 100101, "11А", *p[0], 21, 55),  # numbers as numeric cells
        ege_row(2, 101, 100101, "11А", *p[1], "17,5", "ЗД7"),
        EGE_HEADER,  # the header repeated on a new printed page
        ege_row(3, 102, 100205, "11Б", *p[2], 30, 78),
        ege_row(4, 102, 100205, "11Б", *p[3], 9, "Кузнецова"),
        [""] * 12 + ["Средние", "", "66,5"],
        [""] * 12 + ["Минимальная граница", "", 36],
    ]
    path = write_xlsx(tmp_path / "ЕГЭ_03.xlsx", {"Ведомость": rows})
    result = read_one("ege_rcoi", path, "ege_rcoi/ЕГЭ_03.xlsx", tmp_path)

    loaded = result.rows.to_pylist()
    assert [
        (r["source_row"], r["school_code"], r["msu_code"], r["test_score"]) for r in loaded
    ] == [
        (3, "100101", "101", 55),
        (6, "100205", "102", 78),
    ]
    assert [r["primary_score"] for r in loaded] == [21.0, 30.0]
    assert {r["source_sheet"] for r in loaded} == {"Ведомость"}
    assert {r["subject_fct_code"] for r in loaded} == {"3"}
    assert {r["subject_title"] for r in loaded} == {"Физика"}
    assert {r["exam_date"] for r in loaded} == {dt.date(2023, 6, 5)}

    quarantine = result.quarantine.to_pylist()
    assert [
        (q["source_sheet"], q["source_row"], q["source_column"], q["cell_value"])
        for q in quarantine
    ] == [
        ("Ведомость", 4, "Балл (O)", "ЗД7"),
        ("Ведомость", 7, "Балл (O)", "<hidden: 9 characters of text>"),
    ]
    summary = file_row(result)
    assert summary["source_sheet"] == "Ведомость"
    assert (summary["rows_read"], summary["rows_loaded"]) == (9, 2)
    assert (summary["rows_quarantined"], summary["rows_skipped"]) == (2, 5)
    assert "header: 2" in summary["skipped_reasons"]
    assert_accounting(result)


def test_short_surname_in_score_column_is_redacted_when_it_is_the_rows_surname(tmp_path):
    rows = [
        ["01 - Русский язык 2023.06.01"],
        EGE_HEADER,
        ege_row(1, "101", "100101", "11А", "Ким", "Ли", "Донович", "0812", "123456", "30", "Ким"),
        ege_row(2, "101", "100101", "11А", "Ан", "Юна", "Сеновна", "0813", "223457", "31", "Ан"),
        ege_row(3, "101", "100101", "11А", "Лебедев", "Ян", "Янович", "0814", "323458", "32", "Ян"),
    ]
    path = write_csv(tmp_path / "e.csv", rows)
    result = read_one("ege_rcoi", path, "ege_rcoi/e.csv", tmp_path)
    assert result.rows.num_rows == 0
    assert column(result.quarantine, "cell_value") == [
        "<hidden: 3 characters of text>",
        "<hidden: 2 characters of text>",
        "<hidden: 2 characters of text>",  # the first name, equally personal
    ]
    assert column(result.quarantine, "source_row") == [3, 4, 5]


def test_short_surname_is_redacted_even_when_the_name_cell_has_extra_spaces(tmp_path):
    rows = [
        ["01 - Русский язык 2023.06.01"],
        EGE_HEADER,
        ege_row(
            1, "101", "100101", "11А", "Ким ", "Пётр", "Донович", "0812", "123456", "30", "Ким"
        ),
    ]
    path = write_csv(tmp_path / "e.csv", rows)
    result = read_one("ege_rcoi", path, "ege_rcoi/e.csv", tmp_path)
    assert column(result.quarantine, "source_row") == [3]
    assert column(result.quarantine, "cell_value") == ["<hidden: 3 characters of text>"]


def test_names_and_documents_never_reach_the_outputs(tmp_path):
    p = EGE_PUPILS
    rows = [
        ["01 - Русский язык 2023.06.01"],
        EGE_HEADER,
        ege_row(1, "101", "100101", "11А", *p[0], "35", "72"),
        ege_row(2, "101", "100101", "11Б", *p[1], "20", "Петрова"),  # surname in the score
        ege_row(3, "102", "100205", "11А", *p[2], "Олег", "50"),  # first name in the primary
        ege_row(4, "102", "100205", "11В", *p[3], "48", "423459"),  # own document number
    ]
    path = write_csv(tmp_path / "e.csv", rows)
    result = read_one("ege_rcoi", path, "ege_rcoi/e.csv", tmp_path)
    assert result.rows.num_rows == 1
    for forbidden in (
        "surname",
        "first_name",
        "patronymic",
        "full_name",
        "document",
        "document_series",
        "document_number",
    ):
        assert forbidden not in result.rows.column_names
    assert column(result.quarantine, "cell_value") == [
        "<hidden: 7 characters of text>",
        "<hidden: 4 characters of text>",
        "<hidden: 6 characters of text>",  # equal to the row's "Номер" cell
    ]
    personal = personal_values(EGE_PUPILS)
    stored = all_strings(result.rows) | all_strings(result.quarantine) | all_strings(result.files)
    assert {s for s in stored for value in personal if value in s} == set()


def test_document_number_shifted_into_score_columns_is_not_stored(tmp_path):
    shifted = [1, "101", "100101", "11А", "", "", "", "", "1101", "0001"]
    shifted += ["Иванов", "Пётр", "Сергеевич", "0812", "123456"]
    rows = [["01 - Русский язык 2023.06.01"], EGE_HEADER, shifted]
    path = write_csv(tmp_path / "e.csv", rows)
    result = read_one("ege_rcoi", path, "ege_rcoi/e.csv", tmp_path)
    assert column(result.quarantine, "source_row") == [3, 3]
    values = column(result.quarantine, "cell_value")
    assert "0812" not in values
    assert "123456" not in values


def test_oge_xlsx_marks_document_column_and_footer(tmp_path):
    pupils = [
        ("Орлова", "Дарья", "Игоревна", "0812", "123456"),
        ("Зайцев", "Максим", "Петрович", "0813", "223457"),
        ("Фёдорова", "Ксения", "Олеговна", "0814", "323458"),
        ("Морозов", "Глеб", "Ильич", "0815", "423459"),
        ("Егорова", "Вера", "Антоновна", "0816", "523450"),
    ]

    def oge_row(n, pupil, primary, mark):
        surname, name, patronymic, series, number = pupil
        return [
            n,
            101,
            100101,
            f"9{'АБ'[n % 2]}",
            "1201",
            "0003",
            surname,
            name,
            patronymic,
            f"{series} {number}",
            "++-+",
            "2(2)1(3)",
            primary,
            mark,
        ]

    rows = [
        ["02 - Математика 2023.05.25"],
        [],
        OGE_HEADER,
        oge_row(1, pupils[0], 18, 4),  # row 4
        oge_row(2, pupils[1], 25, 5),  # row 5
        oge_row(3, pupils[2], 14, "5+"),  # row 6
        oge_row(4, pupils[3], 26, 6),  # row 7
        oge_row(5, pupils[4], 9, "Нет данных"),  # row 8: mark is not required
        ["", "", "", "", "", "", "", "", "", "", "", "Средние", "18,40", "4,00"],
    ]
    path = write_xlsx(tmp_path / "ОГЭ_2023_02.xlsx", {"Лист1": rows})
    result = read_one("oge_rcoi", path, "oge_rcoi/ОГЭ_2023_02.xlsx", tmp_path)

    loaded = result.rows.to_pylist()
    assert [(r["source_row"], r["primary_score"], r["mark"], r["test_score"]) for r in loaded] == [
        (4, 18.0, 4, None),
        (5, 25.0, 5, None),
        (8, 9.0, None, None),
    ]
    assert [r["class_label"] for r in loaded] == ["9Б", "9А", "9Б"]
    assert [r["grade"] for r in loaded] == [9, 9, 9]
    for r in loaded:
        assert (r["exam_kind"], r["subject_fct_code"], r["subject_title"]) == (
            "oge",
            "2",
            "Математика",
        )
        assert r["exam_date"] == dt.date(2023, 5, 25)
        assert r["academic_year"] == 2022
        assert r["source_sheet"] == "Лист1"
        assert r["school_code"] == "100101"
    assert loaded[0]["person_key"] == person_key(SECRET, 2022, "27", "Орлова Дарья Игоревна")

    got = [
        (q["source_row"], q["source_column"], q["cell_value"], q["reason"])
        for q in result.quarantine.to_pylist()
    ]
    assert got == [
        (6, "Оценка (N)", "5+", "not a number"),
        (7, "Оценка (N)", "6", "above the maximum 5"),
    ]
    stored = all_strings(result.rows) | all_strings(result.quarantine)
    assert not {s for s in stored for v in personal_values(pupils) if v in s}

    summary = file_row(result)
    assert (summary["rows_read"], summary["rows_loaded"]) == (9, 3)
    assert (summary["rows_quarantined"], summary["rows_skipped"]) == (2, 4)
    assert "footer «Средние»: 1" in summary["skipped_reasons"]
    assert_accounting(result)


def test_csv_empty_lines_keep_physical_line_numbers(tmp_path):
    p = EGE_PUPILS
    rows = [
        ["01 - Русский язык 2023.06.01"],
        EGE_HEADER,
        ege_row(1, "101", "100101", "11А", *p[0], "35", "72"),  # line 3
        EMPTY_LINE,  # line 4
        EMPTY_LINE,  # line 5
        ege_row(2, "101", "100101", "11Б", *p[1], "20", "ЗД7"),  # line 6
        EMPTY_LINE,  # line 7
        ege_row(3, "102", "100205", "11А", *p[2], "30", "50"),  # line 8
    ]
    path = write_csv(tmp_path / "e.csv", rows)
    result = read_one("ege_rcoi", path, "ege_rcoi/e.csv", tmp_path)
    assert column(result.rows, "source_row") == [3, 8]
    assert column(result.quarantine, "source_row") == [6]
    summary = file_row(result)
    assert (summary["rows_read"], summary["rows_loaded"]) == (8, 2)
    assert (summary["rows_quarantined"], summary["rows_skipped"]) == (1, 5)
    assert "blank: 3" in summary["skipped_reasons"]
    assert_accounting(result)


def test_csv_with_a_line_break_inside_a_quoted_header_cell(tmp_path):
    header = [*EGE_HEADER[:-2], "Первичный\nбалл", "Балл"]
    p = EGE_PUPILS
    rows = [
        ["01 - Русский язык 2023.06.01"],
        header,
        ege_row(1, "101", "100101", "11А", *p[0], "35", "72"),
        ege_row(2, "101", "100101", "11Б", *p[1], "20", "44"),
    ]
    path = write_csv(tmp_path / "e.csv", rows)
    result = read_one("ege_rcoi", path, "ege_rcoi/e.csv", tmp_path)
    assert file_row(result)["status"] == "read"
    assert column(result.rows, "test_score") == [72, 44]


def test_ege_total_row_itogo_is_skipped(tmp_path):
    p = EGE_PUPILS
    rows = [
        ["01 - Русский язык 2023.06.01"],
        EGE_HEADER,
        ege_row(1, "101", "100101", "11А", *p[0], "35", "72"),
        ["Итого", "", "", "", "", "", "", "", "", "", "", "", "", "", "1"],
    ]
    path = write_csv(tmp_path / "e.csv", rows)
    result = read_one("ege_rcoi", path, "ege_rcoi/e.csv", tmp_path)
    assert result.rows.num_rows == 1
    assert result.quarantine.num_rows == 0
    summary = file_row(result)
    assert (summary["rows_loaded"], summary["rows_quarantined"], summary["rows_skipped"]) == (
        1,
        0,
        3,
    )
    assert "total «Итого»: 1" in summary["skipped_reasons"]


def test_pupil_level_reader_requires_a_secret(tmp_path):
    path = ege_valid_csv(tmp_path / "e.csv")
    with pytest.raises(ValueError, match="secret is required"):
        read("ege_rcoi", [landing_file(path, "ege_rcoi/e.csv")], tmp_path, secret=None)


# ================================================================== ВПР (ФИС ОКО)

VPR_PCT_HEADER = [
    "Логин ОО",
    "Наименование ОО",
    "Класс",
    "Предмет",
    "Кол-во уч.",
    '%"2"',
    '%"3"',
    '%"4"',
    '%"5"',
    "Понизили (Отметка < Отметка по журналу)",
    "Подтвердили (Отметка = Отметка по журналу)",
    "Повысили (Отметка > Отметка по журналу)",
]  # A … L


def vpr_percent_rows(title: str) -> list[list]:
    blank5 = [""] * 7
    return [
        [title],
        ["Статистика по отметкам. Хабаровский край"],
        VPR_PCT_HEADER,
        ["", "Хабаровский край", "", "", 75, *blank5],  # row 4
        ["", "г. Хабаровск", "", "", 75, *blank5],  # row 5
        [
            "sch270001",
            "МБОУ СОШ № 1",
            5,
            "Математика",
            25,
            "8,00",
            "40,00",
            "36,00",
            "16,00",
            3,
            20,
            2,
        ],
        [
            "sch270001",
            "МБОУ СОШ № 1",
            5,
            "Русский язык",
            20,
            10.0,
            45.5,
            35.0,
            9.5,
            "Нет данных",
            "Нет данных",
            "Нет данных",
        ],
        [
            "sch270002",
            "МАОУ Гимназия № 2",
            6,
            "История",
            15,
            "0,00",
            "ЗД7",
            "40,00",
            "26,67",
            1,
            12,
            2,
        ],
        [
            "sch270002",
            "МАОУ Гимназия № 2",
            6,
            "Англ. яз.",
            15,
            "6,67%",
            "33,33%",
            "40,00%",
            "20,00%",
            "-",
            "-",
            "-",
        ],
        [],
        ["Примечание: данные выгружены из ФИС ОКО"],
    ]


def test_vpr_percent_layout(tmp_path):
    title = "Всероссийские проверочные работы 2022/2023 учебного года (весна 2023)"
    path = write_xlsx(
        tmp_path / "ВПР_2023.xlsx", {"Статистика по отметкам": vpr_percent_rows(title)}
    )
    result = read_one("vpr_fisoko", path, "vpr_fisoko/ВПР_2023.xlsx", tmp_path)
    rows = result.rows.to_pylist()

    assert [r["source_row"] for r in rows] == [6, 7, 9]
    assert [r["school_login"] for r in rows] == ["sch270001", "sch270001", "sch270002"]
    assert [r["school_name"] for r in rows] == ["МБОУ СОШ № 1", "МБОУ СОШ № 1", "МАОУ Гимназия № 2"]
    assert [r["grade"] for r in rows] == [5, 5, 6]
    assert [r["subject_name"] for r in rows] == ["Математика", "Русский язык", "Англ. яз."]
    assert [r["subject_key"] for r in rows] == ["математика", "русскийязык", "англяз"]
    assert [r["participants"] for r in rows] == [25, 20, 15]
    assert [(r["mark2_pct"], r["mark3_pct"], r["mark4_pct"], r["mark5_pct"]) for r in rows] == [
        (8.0, 40.0, 36.0, 16.0),
        (10.0, 45.5, 35.0, 9.5),
        (6.67, 33.33, 40.0, 20.0),
    ]
    assert [r["mark2_count"] for r in rows] == [None, None, None]
    # "Нет данных" and "-" in the journal comparison: NULL (not 0), with the reason kept
    assert [(r["journal_lowered"], r["journal_confirmed"], r["journal_raised"]) for r in rows] == [
        (3, 20, 2),
        (None, None, None),
        (None, None, None),
    ]
    assert [r["journal_lowered_missing"] for r in rows] == [None, "no_data", "no_data"]
    for r in rows:
        assert r["academic_year"] == 2022
        assert r["campaign"] == title
        assert r["is_autumn_campaign"] is False
        assert r["source_sheet"] == "Статистика по отметкам"
        assert r["source_file"] == "vpr_fisoko/ВПР_2023.xlsx"
        assert r["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()

    assert [
        (q["source_row"], q["source_column"], q["field_name"], q["cell_value"], q["reason"])
        for q in result.quarantine.to_pylist()
    ] == [
        (
            8,
            '%"3" (G)',
            "mark3_pct",
            "ЗД7",
            "letters in a number (possible OCR damage): not guessed",
        )
    ]
    summary = file_row(result)
    assert (summary["rows_read"], summary["rows_loaded"]) == (11, 3)
    assert (summary["rows_quarantined"], summary["rows_skipped"]) == (1, 7)
    for part in (
        "title: 2",
        "header: 1",
        "total «Хабаровский край»: 1",
        "total «г. Хабаровск»: 1",
        "blank: 1",
        "footer «Примечание",
    ):
        assert part in summary["skipped_reasons"]
    assert_accounting(result)


def test_vpr_counts_layout_with_two_row_merged_header(tmp_path):
    upper = [*VPR_COUNTS_COLUMNS, "Сравнение отметок с отметками по журналу"]
    rows = [
        ["Всероссийские проверочные работы 2020/2021 учебного года (весна 2021)"],
        ["Статистика по отметкам. Хабаровский край"],
        upper,  # row 3, J3:L3 merged
        ["", "", "", "", "", "", "", "", "", "Понизили", "Подтвердили", "Повысили"],
        ["", "Хабаровский край", "", "", 78],  # row 5
        ["sch270001", "МБОУ СОШ № 1", 4, "Окружающий мир", 24, 1, 9, 11, 3, 2, 20, 2],
        ["sch270001", "МБОУ СОШ № 1", 4, "Математика", "2З", 2, 10, 9, 3, 1, 22, 1],
        ["sch270002", "МАОУ Гимназия № 2", 7, "Физика", 30, 3, 12, 10, 5, 4, 24, 2],
        ["sch270002", "МАОУ Гимназия № 2", 12, "Физика", 24, 3, 12, 6, 3, 4, 18, 2],
    ]
    merges = {"Статистика по отметкам": [(2, 9, 2, 11, "Сравнение отметок с отметками по журналу")]}
    path = write_xlsx(tmp_path / "ВПР_2021.xlsx", {"Статистика по отметкам": rows}, merges)
    result = read_one("vpr_fisoko", path, "vpr_fisoko/ВПР_2021.xlsx", tmp_path)
    loaded = result.rows.to_pylist()

    assert [
        (
            r["source_row"],
            r["grade"],
            r["subject_key"],
            r["participants"],
            r["mark2_count"],
            r["mark3_count"],
            r["mark4_count"],
            r["mark5_count"],
            r["journal_lowered"],
            r["journal_confirmed"],
            r["journal_raised"],
        )
        for r in loaded
    ] == [
        (6, 4, "окружающиймир", 24, 1, 9, 11, 3, 2, 20, 2),
        (8, 7, "физика", 30, 3, 12, 10, 5, 4, 24, 2),
    ]
    assert {r["academic_year"] for r in loaded} == {2020}
    assert {r["mark3_pct"] for r in loaded} == {None}
    assert [
        (q["source_row"], q["source_column"], q["cell_value"], q["reason"])
        for q in result.quarantine.to_pylist()
    ] == [
        (7, "Кол-во уч. (E)", "2З", "letters in a number (possible OCR damage): not guessed"),
        (9, "Класс (C)", "12", "above the maximum 11"),
    ]
    summary = file_row(result)
    assert summary["header_rows"] == "3,4"
    assert (summary["rows_read"], summary["rows_loaded"]) == (9, 2)
    assert (summary["rows_quarantined"], summary["rows_skipped"]) == (2, 5)
    assert_accounting(result)


@pytest.mark.parametrize(
    ("title", "year", "autumn"),
    [
        ("Результаты ВПР 2023 (весна)", 2022, False),
        ("ВПР-2023 (весна)", 2022, False),
        ("Всероссийские проверочные работы 2021/2022 учебного года (осень 2022)", 2021, True),
    ],
)
def test_vpr_campaign_year_from_title(tmp_path, title, year, autumn):
    path = write_xlsx(tmp_path / "v.xlsx", {"Лист1": vpr_percent_rows(title)})
    result = read_one("vpr_fisoko", path, "vpr_fisoko/v.xlsx", tmp_path)
    assert set(column(result.rows, "academic_year")) == {year}
    assert set(column(result.rows, "is_autumn_campaign")) == {autumn}
    assert result.rows.num_rows == 3


def test_vpr_autumn_title_without_academic_year(tmp_path):
    path = write_xlsx(tmp_path / "v.xlsx", {"Лист1": vpr_percent_rows("ВПР осень 2022")})
    result = read_one("vpr_fisoko", path, "vpr_fisoko/v.xlsx", tmp_path)
    assert file_row(result)["status"] == "read"
    assert set(column(result.rows, "academic_year")) == {2021}
    assert set(column(result.rows, "is_autumn_campaign")) == {True}


def test_vpr_school_row_without_login_is_quarantined(tmp_path):
    rows = [
        *vpr_percent_rows("ВПР 2022/2023 учебного года")[:3],
        ["sch270001", "МБОУ СОШ № 1", 5, "Математика", 25, "8", "40", "36", "16", 3, 20, 2],
        ["", "МБОУ СОШ № 7", 5, "Математика", 20, "10", "40", "40", "10", 2, 16, 2],
    ]
    path = write_xlsx(tmp_path / "v.xlsx", {"Лист1": rows})
    result = read_one("vpr_fisoko", path, "vpr_fisoko/v.xlsx", tmp_path)
    assert column(result.rows, "source_row") == [4]
    assert [
        (q["source_row"], q["source_column"], q["reason"]) for q in result.quarantine.to_pylist()
    ] == [(5, "Логин ОО (A)", "required value missing")]
    assert_accounting(result)


def test_vpr_school_named_srednyaya_without_login_is_quarantined_not_skipped(tmp_path):
    rows = [
        *vpr_percent_rows("ВПР 2022/2023 учебного года")[:3],
        ["sch270001", "МБОУ СОШ № 1", 5, "Математика", 25, "8", "40", "36", "16", 3, 20, 2],
        ["", "Средняя школа № 3", 5, "Математика", 20, "10", "40", "40", "10", 2, 16, 2],
    ]
    path = write_xlsx(tmp_path / "v.xlsx", {"Лист1": rows})
    result = read_one("vpr_fisoko", path, "vpr_fisoko/v.xlsx", tmp_path)
    assert column(result.quarantine, "source_row") == [5]
    assert file_row(result)["rows_quarantined"] == 1


# ================================================================== school registry


def registry_rows(title="Реестр общеобразовательных организаций Хабаровского края на 01.09.2022"):
    return [
        [title],
        [],
        REGISTRY_HEADER,
        # row 4: codes typed as numbers, as Excel users do
        [
            1,
            100101,
            "sch270001",
            "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1»",
            "МБОУ СОШ № 1",
            "г. Хабаровск",
            101,
            "СОШ",
            "",
            "город",
            "Хабаровск",
            2721000000,
            272101001,
            1022700000003,
            "действует",
        ],
        [
            2,
            "100102",
            "sch270002",
            "Муниципальное автономное общеобразовательное учреждение «Гимназия № 2»",
            "МАОУ Гимназия № 2",
            "г. Хабаровск",
            "101",
            "Гимназия",
            "",
            "город",
            "Хабаровск",
            "2721000018",
            "272101001",
            "1022700000014",
            "действует",
        ],
        [
            3,
            "100103",
            "sch270003",
            "Филиал МБОУ СОШ № 1 в с. Сикачи-Алян",
            "Филиал СОШ № 1",
            "Хабаровский муниципальный район",
            "102",
            "СОШ",
            "100101",
            "село",
            "с. Сикачи-Алян",
            "2721000000",
            "272102001",
            "1022700000003",
            "действует",
        ],
        [
            4,
            "100104",
            "sch270004",
            "МКОУ ООШ с. Дубовый Мыс",
            "ООШ с. Дубовый Мыс",
            "Хабаровский муниципальный район",
            "102",
            "ООШ",
            "",
            "село",
            "с. Дубовый Мыс",
            "272100000",
            "272102001",
            "1022700000047",
            "действует",
        ],
        [
            5,
            "100105",
            "sch270005",
            "МБОУ НОШ № 5",
            "НОШ № 5",
            "г. Хабаровск",
            "101",
            "",
            "",
            "город",
            "Хабаровск",
            "2721000025",
            "272101001",
            "1022700000058",
            "ликвидирована",
        ],
    ]


def test_registry_xlsx_with_reference_sheet(tmp_path):
    reference = [["Справочник типов ОО"], ["СОШ"], ["ООШ"], ["НОШ"], ["Гимназия"], ["Лицей"]]
    path = write_xlsx(
        tmp_path / "Реестр.xlsx", {"Реестр": registry_rows(), "Справочник": reference}
    )
    result = read_one("registry", path, "registry/Реестр_ОО_на_01.09.2022.xlsx", tmp_path)
    rows = result.rows.to_pylist()

    assert [r["source_row"] for r in rows] == [4, 5, 6]
    assert [r["row_number"] for r in rows] == [1, 2, 3]
    # numeric cells come out as the code text, without "100101.0"; every ИНН/ОГРН has a valid
    # check digit (C12)
    assert [r["school_code"] for r in rows] == ["100101", "100102", "100103"]
    assert [r["msu_code"] for r in rows] == ["101", "101", "102"]
    assert [r["inn"] for r in rows] == ["2721000000", "2721000018", "2721000000"]
    assert [r["kpp"] for r in rows] == ["272101001", "272101001", "272102001"]
    assert [r["ogrn"] for r in rows] == ["1022700000003", "1022700000014", "1022700000003"]
    assert [r["parent_school_code"] for r in rows] == [None, None, "100101"]
    assert [r["fisoko_login"] for r in rows] == ["sch270001", "sch270002", "sch270003"]
    assert [r["settlement_type"] for r in rows] == ["город", "город", "село"]
    assert rows[1]["short_name"] == "МАОУ Гимназия № 2"
    for r in rows:
        assert r["academic_year"] == 2022
        assert r["as_of_date"] == dt.date(2022, 9, 1)
        assert r["source_sheet"] == "Реестр"
        assert r["source_file"] == "registry/Реестр_ОО_на_01.09.2022.xlsx"
        assert r["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()

    assert [
        (q["source_sheet"], q["source_row"], q["source_column"], q["cell_value"], q["reason"])
        for q in result.quarantine.to_pylist()
    ] == [
        ("Реестр", 7, "ИНН (L)", "272100000", "does not match the expected format \\d{10}"),
        ("Реестр", 8, "Тип ОО (H)", None, "required value missing"),
    ]

    main = file_row(result, "Реестр")
    assert main["status"] == "read"
    assert (main["rows_read"], main["rows_loaded"]) == (8, 3)
    assert (main["rows_quarantined"], main["rows_skipped"]) == (2, 3)
    ignored = file_row(result, "Справочник")
    assert ignored["status"] == "sheet_ignored"
    assert (ignored["rows_read"], ignored["rows_loaded"], ignored["rows_skipped"]) == (6, 0, 6)
    assert_accounting(result)


def test_registry_date_in_june_belongs_to_the_year_that_ends(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", {"Реестр": registry_rows("Реестр ОО на 01.06.2023")})
    result = read_one("registry", path, "registry/r.xlsx", tmp_path)
    assert set(column(result.rows, "academic_year")) == {2022}
    assert set(column(result.rows, "as_of_date")) == {dt.date(2023, 6, 1)}


def test_registry_total_row_is_skipped(tmp_path):
    rows = [*registry_rows()[:5], ["Итого", "", "", "", "", "", "", "", "", "", "", "", "", "", ""]]
    path = write_xlsx(tmp_path / "r.xlsx", {"Реестр": rows})
    result = read_one("registry", path, "registry/r.xlsx", tmp_path)
    assert result.quarantine.num_rows == 0
    assert file_row(result)["rows_skipped"] == 4


# ================================================================== unreadable files


def _empty_xlsx(path: Path) -> Path:
    return write_xlsx(path, {"Лист1": []})


def _no_header_csv(path: Path) -> Path:
    rows = [["Отчёт о чём-то другом"], ["a", "b", "c"], ["1", "2", "3"], ["4", "5", "6"]]
    return write_csv(path, rows)


def _no_title_ege_csv(path: Path) -> Path:
    rows = [EGE_HEADER, ege_row(1, "101", "100101", "11А", *EGE_PUPILS[0], "35", "72")]
    return write_csv(path, rows)


@pytest.mark.parametrize(
    ("source", "name", "make", "reason_part"),
    [
        ("ege_rcoi", "empty.csv", lambda p: p.write_bytes(b""), "empty"),
        ("registry", "empty.xlsx", lambda p: p.write_bytes(b""), "empty"),
        ("oge_rcoi", "blank.csv", lambda p: p.write_bytes(b"\r\n\r\n  \r\n"), "no text"),
        ("registry", "no_rows.xlsx", _empty_xlsx, "empty"),
        (
            "vpr_fisoko",
            "garbage.xlsx",
            lambda p: p.write_bytes(b"PK\x03\x04 not a zip"),
            "spreadsheet",
        ),
        ("ege_rcoi", "other.csv", _no_header_csv, "no header row"),
        ("ege_rcoi", "no_title.csv", _no_title_ege_csv, "title row"),
        ("ege_rcoi", "notes.docx", lambda p: p.write_bytes(b"hello"), "unsupported file type"),
    ],
)
def test_unreadable_file_is_reported_not_loaded_as_no_data(
    tmp_path, source, name, make, reason_part
):
    path = tmp_path / name
    make(path)
    result = read_one(source, path, f"{source}/{name}", tmp_path)
    assert result.rows.num_rows == 0
    assert result.quarantine.num_rows == 0
    summary = file_row(result)
    assert summary["status"] == "unreadable"
    assert summary["source_file"] == f"{source}/{name}"
    assert summary["file_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert reason_part in summary["status_reason"]
    assert summary["rows_loaded"] == 0


def test_wrong_source_folder_is_unreadable_and_the_rest_of_the_batch_loads(tmp_path):
    vpr = write_xlsx(
        tmp_path / "v.xlsx", {"Лист1": vpr_percent_rows("ВПР 2022/2023 учебного года")}
    )
    good = ege_valid_csv(tmp_path / "e.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = read(
        "ege_rcoi",
        [
            landing_file(vpr, "ege_rcoi/v.xlsx"),
            landing_file(good, "ege_rcoi/e.csv"),
            landing_file(empty, "ege_rcoi/empty.csv"),
        ],
        tmp_path,
    )
    statuses = {f["source_file"]: f["status"] for f in result.files.to_pylist()}
    assert statuses == {
        "ege_rcoi/v.xlsx": "unreadable",
        "ege_rcoi/e.csv": "read",
        "ege_rcoi/empty.csv": "unreadable",
    }
    assert set(column(result.rows, "source_file")) == {"ege_rcoi/e.csv"}
    assert result.rows.num_rows == 4


def test_open_grids_raises_unreadable_for_empty_files(tmp_path):
    import duckdb

    from ingestion.sheets import UnreadableFileError, open_grids

    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    con = duckdb.connect()
    with pytest.raises(UnreadableFileError) as info:
        open_grids(con, empty, tmp_path)
    assert info.value.reason == "the file is empty (0 bytes)"
    assert info.value.path == str(empty)
    with pytest.raises(UnreadableFileError, match="does not exist"):
        open_grids(con, tmp_path / "missing.xlsx", tmp_path)
    con.close()


def test_reencoded_csv_copies_holding_names_are_deleted(tmp_path):
    # cp1251 and CRLF make the reader write a UTF-8 copy (with the names) to the scratch folder
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    good = ege_valid_csv(tmp_path / "e.csv")
    bad = _no_header_csv(tmp_path / "other.csv")
    result = read(
        "ege_rcoi",
        [landing_file(good, "ege_rcoi/e.csv"), landing_file(bad, "ege_rcoi/other.csv")],
        scratch,
    )
    statuses = {f["source_file"]: f["status"] for f in result.files.to_pylist()}
    assert statuses == {"ege_rcoi/e.csv": "read", "ege_rcoi/other.csv": "unreadable"}
    assert result.rows.num_rows == 4
    assert list(scratch.iterdir()) == []

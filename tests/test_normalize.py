"""``ingestion/normalize.py``: the SQL macros against hand-computed values and their Python twins."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from ingestion.normalize import (
    SQL_MACROS,
    academic_year_label,
    academic_year_of_date,
    excel_column_letter,
    find_academic_year,
    find_date,
    gia_academic_year,
    header_key,
    subject_key,
    unspace_letters,
)


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    connection.execute(SQL_MACROS)  # as connect_for_ingestion does
    yield connection
    connection.close()


def sql(con, expression: str, value):
    row = con.execute(f"select {expression}", [value]).fetchone()
    assert row is not None
    return row[0]


# ------------------------------------------------------------------ subject keys

SUBJECTS = [
    ("Русский язык", "русскийязык"),
    ("русский  язык", "русскийязык"),
    ("РУССКИЙ ЯЗЫК", "русскийязык"),
    (" Русский\xa0язык ", "русскийязык"),
    ("Математика (профильная)", "математикапрофильная"),
    ("Математика профильная", "математикапрофильная"),
    ("Математика базовая", "математикабазовая"),
    ("Иностранный язык (английский)", "иностранныйязыканглийский"),
    ("Англ. яз.", "англяз"),
    ("Английский язык", "английскийязык"),
    ("12.0бщ ествоз нание", "обществознание"),  # FCT number, digit 0 for О, OCR spacing
    ("0бществознание", "обществознание"),
    ("И стория", "история"),
    ("1) Физика", "физика"),
    ("Информатика и ИКТ (КЕГЭ)", "информатикаиикткегэ"),
    ("Окружающий мир", "окружающиймир"),
    ("Естествознание", "естествознание"),
    ("Ёжиковедение", "ежиковедение"),
    ("Литература.", "литература"),
]


@pytest.mark.parametrize(("text", "expected"), SUBJECTS)
def test_subject_key_python_and_sql_agree(con, text, expected):
    assert subject_key(text) == expected
    assert sql(con, "msoko_subject_key(?)", text) == expected


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("1 234", 1234.0),
        ("1 234 567", 1234567.0),
        ("1\xa0234,5", 1234.5),  # no-break space as the thousands separator
        ("1'234", 1234.0),
        ("28,57%", 28.57),
        ("28,57 %", 28.57),
        ("  7 ", 7.0),
        ("0", 0.0),
        ("-3", -3.0),
    ],
)
def test_msoko_number_parses(con, text, expected):
    assert sql(con, "msoko_number(msoko_clean(?))", text) == expected


@pytest.mark.parametrize(
    "text", ["Нет данных", "нет  данных", "-", "—", "", "   ", None, "ЗД7", "5+"]
)
def test_msoko_number_is_null_for_non_numbers(con, text):
    assert sql(con, "msoko_number(msoko_clean(?))", text) is None


def test_count_with_percent_is_split_not_parsed_as_one_number(con):
    # "70 (28,57%)" is a count and its share: msoko_number leaves it, the parts carry it
    assert sql(con, "msoko_number(msoko_clean(?))", "70 (28,57%)") is None
    assert sql(con, "msoko_count_part(msoko_clean(?))", "70 (28,57%)") == 70.0
    assert sql(con, "msoko_pct_part(msoko_clean(?))", "70 (28,57%)") == 28.57
    assert sql(con, "msoko_count_part(msoko_clean(?))", "2(10% )") == 2.0
    assert sql(con, "msoko_pct_part(msoko_clean(?))", "2(10% )") == 10.0
    assert sql(con, "msoko_pct_part(msoko_clean(?))", "39(15,92)") == 15.92
    assert sql(con, "msoko_count_part(msoko_clean(?))", "39") is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Нет данных", "no_data"),
        ("НЕТ ДАННЫХ", "no_data"),
        ("н/д", "no_data"),
        ("-", "dash"),
        ("–", "dash"),
        ("х", "not_applicable"),  # Cyrillic х
        ("X", "not_applicable"),
        ("", "empty"),
        (None, "empty"),
        ("0", None),
        ("12,5", None),
    ],
)
def test_missing_kind(con, text, kind):
    assert sql(con, "msoko_missing_kind(msoko_clean(?))", text) == kind


def test_clean_collapses_spaces_and_empties(con):
    assert sql(con, "msoko_clean(?)", "  Русский\xa0\xa0 язык\n") == "Русский язык"
    assert sql(con, "msoko_clean(?)", " \xa0 ") is None


def test_not_a_number_reason(con):
    letters = "letters in a number (possible OCR damage): not guessed"
    assert sql(con, "msoko_not_a_number(?)", "ЗД7") == letters
    assert sql(con, "msoko_not_a_number(?)", "5+") == "not a number"


# ------------------------------------------------------------------ academic years and dates


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2023, 6, 1), 2022),  # main period
        (date(2023, 3, 21), 2022),  # early period
        (date(2023, 5, 24), 2022),  # ОГЭ
        (date(2022, 9, 5), 2021),  # September retake: the year that ended in the summer
        (date(2022, 9, 28), 2021),
        (date(2023, 7, 3), 2022),  # reserve days
    ],
)
def test_gia_academic_year(day, year):
    assert gia_academic_year(day) == year


def test_academic_year_of_date_starts_on_1_september():
    assert academic_year_of_date(date(2022, 9, 1)) == 2022
    assert academic_year_of_date(date(2022, 8, 31)) == 2021
    assert academic_year_of_date(date(2023, 5, 15)) == 2022
    assert academic_year_label(2022) == "2022/2023"


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("Всероссийские проверочные работы 2022/2023 учебного года (весна 2023)", 2022),
        ("ВПР 2021-2022", 2021),
        ("2020–2021 учебный год", 2020),
        ("Результаты 2019 / 2020", 2019),
        ("Результаты ВПР 2023 (весна)", None),  # a campaign year, not an academic year
        ("ВПР осень 2022", None),
        ("2022/2024", None),  # not consecutive
        ("Реестр на 01.09.2022", None),
        ("", None),
    ],
)
def test_find_academic_year(title, year):
    assert find_academic_year(title) == year


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("01 - Русский язык 2022.06.23", date(2022, 6, 23)),
        ("Реестр ОО на 01.09.2022", date(2022, 9, 1)),
        ("2022-06-23 00:00:00", date(2022, 6, 23)),
        ("на 31.02.2022", None),  # not a date
        ("без даты", None),
    ],
)
def test_find_date(text, day):
    assert find_date(text) == day


# ------------------------------------------------------------------ headers and columns


def test_header_key_and_unspace_letters():
    assert header_key("Кол-во уч.") == "кол во уч"
    assert header_key('%"2"') == "% 2"
    assert header_key("Код  ОО\n") == "код оо"
    assert header_key("Населённый пункт") == "населенный пункт"
    assert unspace_letters("Н аименовани е") == "Наименование"
    assert unspace_letters("Сравнение с отметками") == "Сравнение с отметками"


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (14, "O"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_excel_column_letter(index, letters):
    assert excel_column_letter(index) == letters

"""``ingestion/privacy.py``: the pupil key in SQL and Python, across readers, and the secret rules."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pytest

from ingestion.normalize import SQL_MACROS
from ingestion.privacy import (
    DEMO_ENV,
    DEMO_SECRET,
    SECRET_ENV,
    SecretError,
    hmac_pads,
    load_secret,
    person_key,
    person_key_sql,
)
from tests.builders import SECRET, landing_file, read, write_csv, write_xlsx

# ------------------------------------------------------------------ SQL HMAC = Python HMAC


def sql_person_key(secret: bytes, year: str, region: str, full_name: str | None) -> str | None:
    """Evaluate ``person_key_sql`` in DuckDB with the pads as parameters, as engine.py does."""
    con = duckdb.connect()
    con.execute(SQL_MACROS)
    ipad, opad = hmac_pads(secret)
    sql = "select " + person_key_sql("$year", "$region", "$name")
    row = con.execute(
        sql, {"year": year, "region": region, "name": full_name, "ipad": ipad, "opad": opad}
    ).fetchone()
    con.close()
    assert row is not None
    return row[0]


NAMES = [
    "Иванов Пётр Сергеевич",
    "ИВАНОВ ПЕТР СЕРГЕЕВИЧ",
    "  иванов   пётр\tсергеевич ",
    "Иванов\xa0Петр Сергеевич",
    "Ёлкина Алёна Семёновна",
    "Салтыков-Щедрин Михаил Евграфович",
    "Д'Артаньян Шарль",
    "Ким Ли",
    "Smith John",
]


@pytest.mark.parametrize("name", NAMES)
def test_sql_person_key_equals_python_reference(name):
    expected = person_key(SECRET, 2022, "27", name)
    assert len(expected) == 32
    assert sql_person_key(SECRET, "2022", "27", name) == expected


@pytest.mark.parametrize("secret", [b"a" * 32, b"k" * 64, bytes(range(100))])
def test_sql_person_key_with_secrets_of_any_length(secret):
    name = "Петрова Анна Ивановна"
    expected = person_key(secret, 2023, "27", name)
    assert sql_person_key(secret, "2023", "27", name) == expected
    # and that is a plain HMAC-SHA-256 of the documented message
    message = "person:v1|2023|27|ПЕТРОВА АННА ИВАНОВНА".encode()
    assert expected == hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def test_normaliser_folds_case_yo_and_spaces_only():
    reference = person_key(SECRET, 2022, "27", "Иванов Петр Сергеевич")
    for spelling in NAMES[:4]:
        assert person_key(SECRET, 2022, "27", spelling) == reference
    assert person_key(SECRET, 2022, "27", "Ёлкина Алёна") == person_key(
        SECRET, 2022, "27", "ЕЛКИНА АЛЕНА"
    )
    # a hyphen is part of the name; a different patronymic is a different pupil
    assert person_key(SECRET, 2022, "27", "Салтыков-Щедрин Михаил") != person_key(
        SECRET, 2022, "27", "Салтыков Щедрин Михаил"
    )
    assert person_key(SECRET, 2022, "27", "Иванов Петр Сергеевич") != person_key(
        SECRET, 2022, "27", "Иванов Петр Семенович"
    )
    # the secret, the year and the region are all part of the key
    assert reference != person_key(b"y" * 40, 2022, "27", "Иванов Петр Сергеевич")
    assert reference != person_key(SECRET, 2023, "27", "Иванов Петр Сергеевич")
    assert reference != person_key(SECRET, 2022, "28", "Иванов Петр Сергеевич")


def test_sql_person_key_is_null_without_a_name():
    assert sql_person_key(SECRET, "2022", "27", None) is None


def test_secret_never_appears_in_the_sql_text():
    sql = person_key_sql("y", "r", "n")
    assert SECRET.decode() not in sql
    assert "$ipad" in sql and "$opad" in sql
    ipad, opad = hmac_pads(SECRET)
    assert len(ipad) == len(opad) == 128
    assert bytes.fromhex(ipad)[:40] == bytes(b ^ 0x36 for b in SECRET)
    assert bytes.fromhex(opad)[40:] == bytes([0x5C]) * 24


def test_documented_namesake_remedy_changes_the_key():
    """privacy.py: namesakes are separated by letters or a hyphenated suffix, not by digits."""
    plain = person_key(SECRET, 2022, "27", "Иванов Пётр Сергеевич")
    suffixed = person_key(SECRET, 2022, "27", "Иванов Пётр Сергеевич-2")
    assert suffixed != plain
    assert sql_person_key(SECRET, "2022", "27", "Иванов Пётр Сергеевич-2") == suffixed
    # digits and brackets alone are removed by normalisation: the same key
    assert person_key(SECRET, 2022, "27", "Иванов Пётр Сергеевич (2)") == plain


# ------------------------------------------------------------------ one pupil across readers

EGE_HEADER = ["№", "Код МСУ", "Код ОО", "Класс", "Фамилия", "Имя", "Отчество"]
EGE_HEADER += ["Серия", "Номер", "Первичный балл", "Балл"]


def _ege_csv(path, title):
    rows = [
        [title],
        EGE_HEADER,
        [1, "101", "100101", "11А", "Иванов", "Пётр", "Сергеевич", "0812", "123456", "40", "72"],
        [2, "101", "100101", "11А", "Петрова", "Анна", "Ивановна", "0813", "223457", "30", "61"],
    ]
    return write_csv(path, rows)


def test_same_pupil_same_key_across_ege_and_oge_and_not_across_years_or_regions(tmp_path):
    ege = _ege_csv(tmp_path / "ege_2023.csv", "01 - Русский язык 2023.06.01")
    ege_next_year = _ege_csv(tmp_path / "ege_2024.csv", "01 - Русский язык 2024.06.03")
    ege_other_region = _ege_csv(tmp_path / "ege_2023_r28.csv", "01 - Русский язык 2023.06.01")
    oge = write_xlsx(
        tmp_path / "oge.xlsx",
        {
            "Лист1": [
                ["02 - Математика 2023.05.25"],
                ["№", "Код ОО", "Класс", "ФИО", "Документ", "Первичный балл", "Оценка"],
                [1, 100101, "9А", "ИВАНОВ  петр сергеевич", "0812 123456", 20, 4],
                [2, 100101, "9А", "Сидоренко Олег Олегович", "0814 323458", 12, 3],
            ]
        },
    )
    ege_rows = read(
        "ege_rcoi",
        [
            landing_file(ege, "ege_rcoi/ege_2023.csv", "27"),
            landing_file(ege_next_year, "ege_rcoi/ege_2024.csv", "27"),
            landing_file(ege_other_region, "ege_rcoi/region=28/ege_2023.csv", "28"),
        ],
        tmp_path,
    ).rows.to_pylist()
    oge_rows = read(
        "oge_rcoi", [landing_file(oge, "oge_rcoi/oge.xlsx", "27")], tmp_path
    ).rows.to_pylist()

    def key(rows, file, row):
        [match] = [r for r in rows if r["source_file"] == file and r["source_row"] == row]
        return match["person_key"]

    ivanov_ege = key(ege_rows, "ege_rcoi/ege_2023.csv", 3)
    ivanov_oge = key(oge_rows, "oge_rcoi/oge.xlsx", 3)
    ivanov_2024 = key(ege_rows, "ege_rcoi/ege_2024.csv", 3)
    ivanov_r28 = key(ege_rows, "ege_rcoi/region=28/ege_2023.csv", 3)

    assert ivanov_ege == ivanov_oge == person_key(SECRET, 2022, "27", "Иванов Петр Сергеевич")
    assert ivanov_2024 == person_key(SECRET, 2023, "27", "Иванов Петр Сергеевич")
    assert ivanov_r28 == person_key(SECRET, 2022, "28", "Иванов Петр Сергеевич")
    assert len({ivanov_ege, ivanov_2024, ivanov_r28}) == 3
    # other pupils get other keys
    assert key(ege_rows, "ege_rcoi/ege_2023.csv", 4) != ivanov_ege
    assert key(oge_rows, "oge_rcoi/oge.xlsx", 4) == person_key(
        SECRET, 2022, "27", "Сидоренко Олег Олегович"
    )
    assert {r["academic_year"] for r in oge_rows} == {2022}
    assert {r["has_person_name"] for r in oge_rows} == {True}


# ------------------------------------------------------------------ load_secret


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.delenv(DEMO_ENV, raising=False)
    return monkeypatch


def test_missing_secret_is_refused_outside_demo_mode(clean_env):
    with pytest.raises(SecretError, match="is not set"):
        load_secret()


def test_missing_secret_in_demo_mode_gives_the_demo_secret(clean_env):
    clean_env.setenv(DEMO_ENV, "1")
    assert load_secret() == DEMO_SECRET.encode()


def test_demo_secret_is_refused_outside_demo_mode(clean_env):
    clean_env.setenv(SECRET_ENV, DEMO_SECRET)
    with pytest.raises(SecretError, match="demo secret"):
        load_secret()
    clean_env.setenv(DEMO_ENV, "0")  # not a demo-mode value
    with pytest.raises(SecretError, match="demo secret"):
        load_secret()


def test_demo_secret_is_accepted_in_demo_mode(clean_env):
    clean_env.setenv(SECRET_ENV, DEMO_SECRET)
    clean_env.setenv(DEMO_ENV, "1")
    assert load_secret() == DEMO_SECRET.encode()


@pytest.mark.parametrize("length", [1, 16, 31])
def test_short_secret_is_refused(clean_env, length):
    clean_env.setenv(SECRET_ENV, "s" * length)
    with pytest.raises(SecretError, match="at least 32 characters"):
        load_secret()


@pytest.mark.parametrize("length", [32, 40])
def test_long_enough_secret_is_accepted(clean_env, length):
    value = ("k3Y-" * 20)[:length]
    clean_env.setenv(SECRET_ENV, value)
    assert load_secret() == value.encode()

"""The school registry over time: the change list reader and the identifier checksums (C12).

Fixtures are written inside the tests. The schools of the checksum fixture are transcribed from
the seeds' school lists (seed 003, Хасанский муниципальный округ, Приморский край, region 25);
their identifiers are invented, with check digits computed by hand: ИНН weights
2,4,10,3,5,9,4,6,8, (Σ mod 11) mod 10; ОГРН (int(first 12) mod 11) mod 10 (DOMAIN §3.1).
"""

from __future__ import annotations

import datetime as dt

from ingestion.samples.names import inn_is_valid, ogrn_is_valid
from tests.builders import assert_accounting, file_row, read_one, write_xlsx
from tests.test_readers import REGISTRY_HEADER

SEED003_SCHOOLS = [
    # code, login, short name, type, parent, ИНН, КПП, ОГРН, status
    ("253001", "sch250001", "МБОУ СОШ № 1 пгт Славянка", "СОШ", "", "2531000002", "253101001", "1022500000005", "действует"),
    ("253002", "sch250002", "МКОУ СОШ пгт Зарубино", "СОШ", "", "2531000010", "253101001", "1022500000016", "действует"),
    ("253003", "sch250003", "МКОУ ООШ с. Андреевка", "ООШ", "", "2531000027", "253101001", "1022500000027", "действует"),
    ("253004", "sch250004", "МКОУ СОШ № 1 с. Барабаш", "СОШ", "", "2531000034", "253101001", "1022500000038", "действует"),
    ("253005", "sch250005", "Филиал МКОУ СОШ № 1 с. Барабаш", "Филиал", "253004", "2531000034", "253143005", "1022500000038", "действует"),
    ("253006", "sch250006", "МКОУ СОШ пгт Краскино", "СОШ", "", "2531000041", "253101001", "1022500000049", "реорганизована в форме присоединения к МКОУ СОШ пгт Посьет"),
]


def _registry_sheet(schools, title="Реестр общеобразовательных организаций Приморского края на 01.09.2023"):
    header = [*REGISTRY_HEADER, "Код правопреемника"]
    rows = [[title], [], header]
    for n, (code, login, name, kind, parent, inn, kpp, ogrn, status) in enumerate(schools, 1):
        successor = "253007" if status.startswith("реорганизована") else ""
        rows.append(
            [n, code, login, name, name, "Хасанский муниципальный округ", "253", kind, parent,
             "село", "пгт Славянка", inn, kpp, ogrn, status, successor]
        )
    return rows


def test_the_fixture_identifiers_have_valid_check_digits():
    for _, _, _, _, _, inn, _, ogrn, _ in SEED003_SCHOOLS:
        assert inn_is_valid(inn), inn
        assert ogrn_is_valid(ogrn), ogrn


def test_registry_rows_with_a_bad_checksum_go_to_quarantine_at_their_cell(tmp_path):
    schools = [list(s) for s in SEED003_SCHOOLS]
    schools[1][5] = "2531000011"  # ИНН: check digit 0 → 1
    schools[2][7] = "1022500000028"  # ОГРН: check digit 7 → 8
    schools[3][6] = "25310100"  # КПП: 8 characters
    path = write_xlsx(tmp_path / "r.xlsx", {"Реестр": _registry_sheet(schools)})
    result = read_one("registry", path, "registry/Реестр_ОО_на_01.09.2023.xlsx", tmp_path)

    got = [
        (q["source_row"], q["source_column"], q["cell_value"], q["reason"])
        for q in result.quarantine.to_pylist()
    ]
    assert got == [
        (5, "ИНН (L)", "2531000011", "ИНН check digit does not match"),
        (6, "ОГРН (N)", "1022500000028", "ОГРН check digit does not match"),
        (7, "КПП (M)", "25310100", "does not match the expected format \\d{4}[0-9A-Z]{2}\\d{3}"),
    ]
    rows = result.rows.to_pylist()
    assert [r["school_code"] for r in rows] == ["253001", "253005", "253006"]
    # the branch keeps its parent's ИНН/ОГРН and its own КПП (reason 43)
    assert rows[1]["parent_school_code"] == "253004" and rows[1]["kpp"] == "253143005"
    # a merged school: the status keeps the words after «реорганизована», the successor's code
    assert rows[2]["status"].startswith("реорганизована в форме присоединения")
    assert rows[2]["successor_school_code"] == "253007"
    row = file_row(result)
    assert (row["rows_read"], row["rows_loaded"], row["rows_quarantined"]) == (9, 3, 3)
    assert_accounting(result)


CHANGES_HEADER = [
    "№ п/п",
    "Дата изменения",
    "Код ОО",
    "Логин ФИС ОКО",
    "Вид изменения",
    "Прежнее значение",
    "Новое значение",
    "Основание",
]


def test_change_list_rows_with_their_dates(tmp_path):
    rows = [
        ["Изменения в реестре общеобразовательных организаций Приморского края за 2022/2023 учебный год"],
        CHANGES_HEADER,
        [1, "15.03.2023", "253001", "sch250001", "Переименование", "МБОУ СОШ № 1 пгт Славянка",
         "МБОУ СОШ № 1 им. А. С. Пушкина пгт Славянка", "Приказ № 12"],
        [2, "2023-07-01", 253006, "sch250006", "Реорганизация (присоединение)", "действует", "253007", ""],
        [3, "01.08.2023", "253002", "", "Смена кода ОО", "253002", "253902", ""],
        [4, "31.02.2023", "253003", "", "Ликвидация", "действует", "ликвидирована", ""],
        [5, "30.06.2023", "", "", "Ликвидация", "действует", "ликвидирована", ""],
    ]
    path = write_xlsx(tmp_path / "c.xlsx", {"Изменения": rows})
    result = read_one(
        "registry_changes", path, "registry_changes/Изменения_2022-2023.xlsx", tmp_path
    )
    loaded = result.rows.to_pylist()
    assert [
        (r["source_row"], r["change_date"], r["school_code"], r["change_kind"], r["new_value"])
        for r in loaded
    ] == [
        (3, dt.date(2023, 3, 15), "253001", "Переименование", "МБОУ СОШ № 1 им. А. С. Пушкина пгт Славянка"),
        (4, dt.date(2023, 7, 1), "253006", "Реорганизация (присоединение)", "253007"),
        (5, dt.date(2023, 8, 1), "253002", "Смена кода ОО", "253902"),
    ]
    assert {r["academic_year"] for r in loaded} == {2022}
    assert [
        (q["source_row"], q["field_name"], q["reason"]) for q in result.quarantine.to_pylist()
    ] == [
        (6, "change_date_text", "not a date (expected 30.06.2022 or 2022-06-30)"),
        (7, "school_code", "required value missing"),
    ]
    assert_accounting(result)

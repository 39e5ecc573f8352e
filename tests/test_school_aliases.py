"""An alias file in the landing folder: the user names the school an ambiguous name means.

Reader tests build the file as a user writes it; the warehouse side (the file wins over the
seed, the name leaves audit.school_name_errors) is pinned by the dbt unit test
``territory_words_are_context_ambiguity_is_listed_and_the_landing_alias_file_wins`` and by
``tests/test_user_files.py`` (drop the file, refresh, query).
"""

from __future__ import annotations

from pathlib import Path

from tests.builders import assert_accounting, file_row, read_one, write_csv, write_xlsx

ALIAS_FILE = [
    ["Написания названий школ, с 2022/2023 учебного года"],
    ["Муниципалитет", "Наименование как написано", "Код ОО", "Примечание"],
    ["Хасанского муниципального округа", "МБОУ СОШ №2", "251002", "seed 003: школа Славянки"],
    ["Хасанский муниципальный округ", "СОШ №1", 251001, ""],
    ["Хасанский муниципальный округ", "Первая", "25100l", "a letter typed for a digit"],
]


def test_an_alias_file_is_read_with_the_year_it_holds_from(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "aliases.xlsx", {"Лист1": ALIAS_FILE})
    result = read_one("school_aliases", path, "school_aliases/aliases.xlsx", tmp_path, "25")
    assert_accounting(result)
    summary = file_row(result)
    assert (summary["rows_loaded"], summary["rows_quarantined"]) == (2, 1)
    rows = {r["name_as_written"]: r for r in result.rows.to_pylist()}
    assert rows["МБОУ СОШ №2"]["school_code"] == "251002"
    assert rows["МБОУ СОШ №2"]["municipality_name"] == "Хасанского муниципального округа"
    assert rows["СОШ №1"]["school_code"] == "251001"  # a numeric cell read as the code
    assert {r["academic_year"] for r in rows.values()} == {2022}
    assert {r["region_code"] for r in rows.values()} == {"25"}
    (bad,) = result.quarantine.to_pylist()
    assert (bad["field_name"], bad["cell_value"]) == ("school_code", "25100l")


def test_an_alias_file_without_the_year_it_holds_from_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "aliases.csv", ALIAS_FILE[1:])
    summary = file_row(read_one("school_aliases", path, "school_aliases/a.csv", tmp_path, "25"))
    assert summary["status"] == "unreadable"
    assert "academic year from which the aliases hold" in summary["status_reason"]

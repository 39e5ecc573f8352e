"""Aggregated tables as municipalities publish them (seeds 001, 003): reader and warehouse.

Reader tests use small sheets, two of them transcribed from the seeds (seed 001's ЕГЭ table
of г. Свободный with "2 (1.44%)", seed 003's Приложение 2 with its school / subject rows and
grade blocks). The pipeline test compares ``fct_published_aggregate`` with the generator's
truth, including the planted defects (a wrong %, an OCR cell, a totals mismatch).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingestion.sources.municipal_tables import metric_of, parse_cell
from tests.builders import assert_accounting, file_row, read_one, write_xlsx
from tests.conftest import PipelineRun

# seed 001, "Статистика сдачи предметов в г. Свободном в 2021-2022 учебном году" (verbatim
# cells, line breaks included; two subject rows left out)
SEED001_EGE = [
    ["Итоги государственной итоговой аттестации 2022 года (ЕГЭ)"],
    ["Статистика сдачи предметов в г. Свободном в 2021-2022 учебном году"],
    [
        "Н аименовани \nе предмета",
        "Количество\nучастников",
        "Не\nпреодо\nлевш ие\nминим\nальны й\nбалл",
        "До 60 \nб",
        "О т 61 до \n80 б",
        "От 81 до \n100 б",
        "Количест\nво\nучастнике\nв,\nнабравш и \nх 100 б.",
        "Средний\nбалл",
    ],
    ["1. Русский \nязы к", 245, "0 (0%)", "70\n(28,57\n%)", "136\n(55,51%)", "39(15,92)", "-", 66],
    ["2.М атем атика\nпрофильная", 124, "18\n(14,52%\n)", "71\n(57,26\n%)", "34\n(27,42%)",
     "1 (0.8%)", "-", 51],
    ["4. Химия", 20, "2(10% )", "13\n(65%)", "5 (25%)", "0 (0%)", "-", 50],
    ["7. И стория", 61, "11\n(18.03%\n)", "32\n(52.46\n%)", "12\n(19.67%)", "6 (9.84%)", "-", 49],
    ["12.0бщ ествоз\nнание", 138, "18\n(13,04%\n)", "68\n(49,28\n%)", "43\n(31Д6%)",
     "9 (6.52%)", "-", 52],
    ["22.М атематик \nа базовая", 121, "2\n(1.44%)", "", "", "", "-", 4],
]  # fmt: skip

# seed 003, Приложение 2 (first two schools; the second's figures are invented, shape verbatim)
SEED003_APP2_BLOCKS = ["4 класс", "5 класс", "6 класс", "7 класс", "8 класс"]
SEED003_APP2_METRICS = [
    "всего принимало участие",
    "количество «2»",
    "количество «4» и  «5»",
    "Подтвердили оценки",
]


def _app2_rows() -> list[list[object]]:
    upper: list[object] = ["№", "ОО"]
    for block in SEED003_APP2_BLOCKS:
        upper += [block, "", "", ""]
    lower: list[object] = ["", ""] + SEED003_APP2_METRICS * 5
    blank = [""] * 20
    return [
        ["Приложение 2"],
        ["Итоги ВПР по русскому языку и математике в 4-8 классах в 2020-2021 учебном году"],
        upper,
        lower,
        [1, "МБОУ СОШ № 1 пгт Славянка", *blank],
        ["", "русский язык", 49, 5, 30, 25, 65, 13, 32, 35, 42, 33, 5, 0, 29, 12, 3, 2, 48, 34,
         8, 11],
        ["", "математика", 50, 2, 43, 17, 22, 2, 14, 15, 41, 15, 5, 15, 53, 11, 11, 34, 65, 15,
         2, 27],
        [2, "МБОУ СОШ № 2 пгт Славянка", *blank],
        ["", "русский язык", 20, 1, 10, 12, 18, 2, 8, 9, "", "", "", "", "", "", "", "", "", "",
         "", ""],
        ["", "математика", 21, "ЗД", 9, 10, 18, 3, 7, 9, "", "", "", "", "", "", "", "", "", "",
         "", ""],
        ["", "Итого по району", *blank],
        ["", "русский язык", 69, 6, 40, 37, 83, 15, 40, 44, 42, 33, 5, 0, 29, 12, 3, 2, 48, 34,
         8, 11],
    ]  # fmt: skip


def _merges() -> list[tuple[int, int, int, int, str]]:
    return [(2, 2 + 4 * i, 2, 5 + 4 * i, b) for i, b in enumerate(SEED003_APP2_BLOCKS)]


def test_metric_headers_and_cells_as_written_in_the_seeds() -> None:
    assert metric_of('" % 2"') == "pct_mark2"
    assert metric_of("% Выс. рез-тов") == "pct_high_results"
    assert metric_of("количество «4» и  «5»") == "mark45_count"
    assert metric_of("Количест\nво\nучастнике\nв,\nнабравш и \nх 100 б.") == "score_100"
    assert metric_of("Не\nпреодо\nлевш ие\nминим\nальны й\nбалл") == "below_min"
    assert metric_of("Название ОО") is None
    cell = parse_cell("18\n(14,52%\n)", "count")
    assert (cell.count, cell.pct_reported) == (18, 14.52)
    assert parse_cell("39(15,92)", "count").pct_reported == 15.92
    assert parse_cell("2(10% )", "count").count == 2
    assert parse_cell("1 (0.8%)", "count").pct_reported == 0.8
    assert parse_cell("3,96", "mean").value == 3.96
    assert parse_cell("Нет\nданных", "count").missing_kind == "no_data"
    assert "OCR" in (parse_cell("ЗД7", "pct").error or "")
    assert "OCR" in (parse_cell("43 (31Д6%)", "count").error or "")


def test_seed001_ege_table(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "ege.xlsx", {"ЕГЭ": SEED001_EGE})
    result = read_one("municipal_tables", path, "municipal_tables/ege.xlsx", tmp_path)
    assert_accounting(result)
    summary = file_row(result)
    assert (summary["rows_loaded"], summary["rows_quarantined"], summary["rows_skipped"]) == (
        5,
        1,
        3,
    )
    rows = result.rows.to_pylist()
    assert {(r["publisher"], r["procedure"], r["academic_year"]) for r in rows} == {
        ("г. Свободном", "ЕГЭ", 2021)
    }
    by = {(r["subject_key"], r["metric"]): r for r in rows}
    base = by[("математикабазовая", "below_min")]
    assert (base["value_count"], base["pct_reported"], base["cell_text"]) == (
        2,
        1.44,
        "2 (1.44%)",
    )
    assert base["subject_code_hint"] == "22" and base["grade"] == 11
    assert by[("русскийязык", "band_81_100")]["pct_reported"] == 15.92
    assert by[("русскийязык", "participants")]["value"] == 245
    assert by[("русскийязык", "score_100")]["missing_kind"] == "no_data"
    assert by[("история", "band_to_60")]["pct_reported"] == 52.46
    assert by[("математикапрофильная", "mean_score")]["value"] == 51
    # the seed's OCR cell "31Д6%" quarantines the Обществознание row at its cell
    (q,) = result.quarantine.to_pylist()
    assert q["source_row"] == 8 and q["field_name"] == "band_61_80"
    assert q["cell_value"] == "43 (31Д6%)" and "OCR" in q["reason"]
    assert q["source_column"].endswith("(E)")


def test_seed003_appendix2_school_subject_rows_and_grade_blocks(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "app2.xlsx", {"Прил2": _app2_rows()}, merges={"Прил2": _merges()})
    rel = "municipal_tables/Хасанский муниципальный район/app2.xlsx"
    result = read_one("municipal_tables", path, rel, tmp_path)
    assert_accounting(result)
    summary = file_row(result)
    # loaded: 3 subject rows of schools + 1 totals subject row; quarantined: "ЗД"
    assert (summary["rows_loaded"], summary["rows_quarantined"]) == (4, 1)
    assert summary["header_rows"] == "3,4"
    rows = result.rows.to_pylist()
    assert {(r["publisher"], r["procedure"], r["academic_year"]) for r in rows} == {
        ("Хасанский муниципальный район", "ВПР", 2020)
    }
    facts = {
        (r["entity_name"], r["subject_name"], r["grade"], r["metric"]): r["value_count"]
        for r in rows
    }
    assert facts[("МБОУ СОШ № 1 пгт Славянка", "русский язык", 4, "participants")] == 49
    assert facts[("МБОУ СОШ № 1 пгт Славянка", "математика", 8, "journal_confirmed")] == 27
    assert facts[("МБОУ СОШ № 1 пгт Славянка", "русский язык", 6, "mark45_count")] == 5
    assert facts[("МБОУ СОШ № 2 пгт Славянка", "русский язык", 5, "mark2_count")] == 2
    assert ("МБОУ СОШ № 2 пгт Славянка", "математика", 4, "participants") not in facts
    assert facts[("Итого по району", "русский язык", 5, "participants")] == 83
    kinds = {r["entity_name"]: r["entity_kind"] for r in rows}
    assert kinds == {
        "МБОУ СОШ № 1 пгт Славянка": "school",
        "МБОУ СОШ № 2 пгт Славянка": "school",
        "Итого по району": "total",
    }
    (q,) = result.quarantine.to_pylist()
    assert (q["source_row"], q["field_name"], q["cell_value"]) == (10, "mark2_count", "ЗД")
    assert q["source_column"] == "4 класс / количество «2» (D)"


def test_seed003_appendix1_procedure_year_blocks(tmp_path: Path) -> None:
    rows = [
        ["Анализ показателей результатов ВПР по русскому языку и математике за 2 учебных года"],
        ["Название ОО", "ВПР МА 5 2019", "", "ВПР РУ 5 2018", ""],
        ["", '" % 2"', "% Выс. рез-тов", '" % 2"', "% Выс. рез-тов"],
        ["СОШ \n«Вечерняя \n(сменная)\n школа»", "-", "-", "-", "-"],
        ["СОШ \nПосьет", 47, 0, 13, "7,5"],
    ]
    path = write_xlsx(tmp_path / "app1.xlsx", {"Прил1": rows})
    result = read_one("municipal_tables", path, "municipal_tables/Хасанский район/a.xlsx", tmp_path)
    assert_accounting(result)
    loaded = result.rows.to_pylist()
    assert {r["academic_year"] for r in loaded} == {2018}  # the latest block: spring 2019
    posyet = {
        (r["subject_name"], r["procedure_year"], r["metric"]): r["value"]
        for r in loaded
        if r["entity_name"] == "СОШ Посьет"
    }
    assert posyet == {
        ("МА", 2019, "pct_mark2"): 47,
        ("МА", 2019, "pct_high_results"): 0,
        ("РУ", 2018, "pct_mark2"): 13,
        ("РУ", 2018, "pct_high_results"): 7.5,
    }
    evening = [r for r in loaded if r["entity_name"].startswith("СОШ «Вечерняя")]
    assert len(evening) == 4 and {r["missing_kind"] for r in evening} == {"no_data"}
    assert {r["grade"] for r in loaded} == {5}


# seed 003, Приложение 1 «Список ОУ с низкими образовательными результатами (ШНОР)», verbatim:
# 16 procedure-year blocks, the ОГЭ and ЕГЭ ones without a grade, over '" % 2"' and
# «% Выс. рез-тов», and the eleven schools with their cells as printed
SEED003_APP1_BLOCKS = [
    "ВПР МА 5 2019", "ВПР МА 5 2018", "ВПР МА 6 2019", "ВПР МА 6 2018", "ВПР РУ 5 2019",
    "ВПР РУ 5 2018", "ВПР РУ 6 2019", "ВПР РУ 6 2018", "ОГЭ МА 2019", "ОГЭ МА 2018",
    "ОГЭ РУ 2019", "ОГЭ РУ 2018", "ЕГЭ МА 2019", "ЕГЭ МА 2018", "ЕГЭ РУ 2019", "ЕГЭ РУ 2018",
]  # fmt: skip
SEED003_APP1_SCHOOLS = [
    ["СОШ \n«Вечерняя \n(сменная)\n школа» ", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-",
     "-", "-", "-", "-", "-", "-", 75, 0, 7, 0, 20, 0, 27, 0, 78, 0, 50, 0, 67, 0, 8, 0],
    ["СОШ \nПосьет ", 47, 0, 38, 0, 37, 0, 59, 0, 13, 7, 31, 15, 25, 10, 40, 7, 56, 0, 0, 0, 6, 6,
     0, 14, 0, 11, 17, 0, 0, 0, 17, 0],
    ["СОШ №2\nСлавянка ", 30, 2, 41, 0, 49, 0, 51, 2, 20, 26, 27, 2, 55, 0, 28, 2, 0, 9, 4, 13, 2,
     16, 0, 30, 4, 15, 0, 6, 0, 46, 0, 35],
    ["СОШ №1 \nСлавянка ", 55, 0, 47, 0, 60, 0, 69, 1, 40, 6, 43, 7, 30, 11, 38, 9, 4, 11, 10, 17,
     2, 17, 0, 20, 0, 29, 0, 0, 0, 33, 4, 15],
    ["СОШ \nЗарубино", 13, 0, 26, 0, 14, 5, 26, 0, 32, 12, 26, 17, 25, 15, 23, 3, 31, 11, 5, 5, 0,
     17, 0, 16, 17, 17, 0, 0, 0, 17, 0, 18],
    ["СОШ №1 \nБарабаш ", 8, 0, 29, 0, 27, 0, 20, 10, 18, 9, 0, 8, 45, 9, 30, 10, 36, 9, 29, 0, 18,
     18, 12, 18, 20, 0, 0, 0, 0, 0, 33, 0],
    ["СОШ \nКраскино ", 35, 0, 21, 0, 35, 12, 14, 9, 29, 11, 16, 8, 32, 0, 38, 2, 24, 4, 7, 2, 7,
     11, 12, 16, 22, 11, 5, 0, 0, 11, 5, 0],
    ["ООШ\nАндреевка ", 9, 0, 13, 0, 25, 0, 33, 0, 0, 40, 25, 13, 0, 0, 17, 0, 38, 0, 25, 0, 0, 13,
     0, 0, "-", "-", "-", "-", "-", "-", "-", "-"],
    ["СОШ №1\nБарабаш\n(филиал)", 33, 0, 0, 0, 0, 0, 0, 33, 33, 0, 25, 25, 33, 0, 0, 0, 80, 0, 75,
     0, 40, 0, 0, 0, "-", "-", "-", "-", "-", "-", "-", "-"],
    ["СОШ \nПриморский ", 0, 0, 27, 0, 46, 0, 17, 0, 0, 36, 9, 9, 23, 8, 50, 0, 29, 18, 25, 6, 6,
     24, 0, 13, 0, 25, 0, 0, 0, 0, 0, 13],
    ["СОШ №2\nБарабаш ", 42, 0, 38, 0, 12, 6, 62, 4, 13, 8, 0, 19, 29, 6, 46, 4, 0, 0, 7, 0, 0, 0,
     0, 0, 17, 0, 0, 0, 0, 17, 0, 0],
]  # fmt: skip


def _app1_sheet(
    blocks: list[str],
) -> tuple[list[list[object]], list[tuple[int, int, int, int, str]]]:
    upper: list[object] = ["Название ОО"]
    for block in blocks:
        upper += [block, ""]
    lower: list[object] = [""] + ['" % 2"', "% Выс. рез-тов"] * len(blocks)
    rows = [
        ["Приложение 1"],
        ["Список ОУ с низкими образовательными результатами (ШНОР)"],
        ["Хасанский район"],
        upper,
        lower,
        *[row[: 1 + 2 * len(blocks)] for row in SEED003_APP1_SCHOOLS],
    ]
    merges = [(3, 1 + 2 * i, 3, 2 + 2 * i, b) for i, b in enumerate(blocks)]
    return rows, merges


def test_seed003_shnor_list_loads_every_ogo_and_ege_block_with_its_procedure_subject_and_year(
    tmp_path: Path,
) -> None:
    """The ШНОР table of seed 003 as printed: «ОГЭ МА 2019», «ЕГЭ РУ 2018» have no grade. On
    fc70773 its 176 ОГЭ/ЕГЭ cells were stored as ВПР with subject, grade and year NULL."""
    rows, merges = _app1_sheet(SEED003_APP1_BLOCKS)
    path = write_xlsx(tmp_path / "app1.xlsx", {"Прил1": rows}, merges={"Прил1": merges})
    result = read_one(
        "municipal_tables", path, "municipal_tables/Хасанский район/ШНОР.xlsx", tmp_path
    )
    assert_accounting(result)
    summary = file_row(result)
    assert (summary["rows_loaded"], summary["rows_quarantined"]) == (11, 0)
    loaded = result.rows.to_pylist()
    assert len(loaded) == 11 * 32 and not result.quarantine.num_rows
    # no label the block carried is left empty
    for r in loaded:
        assert r["procedure"] and r["subject_name"] and r["grade"] and r["procedure_year"], r
    gia = [r for r in loaded if r["procedure"] in ("ОГЭ", "ЕГЭ")]
    assert len(gia) == 176
    assert {(r["procedure"], r["grade"]) for r in gia} == {("ОГЭ", 9), ("ЕГЭ", 11)}
    cells = {
        (r["entity_name"], r["block_label"], r["metric"]): (
            r["procedure"], r["subject_key"], r["grade"], r["procedure_year"], r["value"]
        )
        for r in loaded
    }  # fmt: skip
    evening = "СОШ «Вечерняя (сменная) школа»"
    assert cells[(evening, "ОГЭ МА 2019", "pct_mark2")] == ("ОГЭ", "ма", 9, 2019, 75)
    assert cells[(evening, "ЕГЭ РУ 2018", "pct_high_results")] == ("ЕГЭ", "ру", 11, 2018, 0)
    assert cells[("СОШ Посьет", "ЕГЭ МА 2019", "pct_mark2")] == ("ЕГЭ", "ма", 11, 2019, 0)
    assert cells[("СОШ Посьет", "ОГЭ РУ 2018", "pct_high_results")] == ("ОГЭ", "ру", 9, 2018, 14)
    assert cells[("СОШ №2 Славянка", "ЕГЭ РУ 2018", "pct_high_results")] == (
        "ЕГЭ", "ру", 11, 2018, 35
    )  # fmt: skip
    assert cells[("СОШ Посьет", "ВПР МА 6 2018", "pct_mark2")] == ("ВПР", "ма", 6, 2018, 59)
    # an ООШ has no ЕГЭ: «-» kept as missing, with its labels
    andreevka = [r for r in gia if r["entity_name"] == "ООШ Андреевка" and r["procedure"] == "ЕГЭ"]
    assert len(andreevka) == 8 and {r["missing_kind"] for r in andreevka} == {"no_data"}


def test_an_unknown_block_header_is_quarantined_with_its_reason_and_the_other_blocks_load(
    tmp_path: Path,
) -> None:
    blocks = ["ВПР МА 5 2019", "ОГЭ ХИ 2019", "Итоги 2019 г."]
    rows, merges = _app1_sheet(blocks)
    path = write_xlsx(tmp_path / "app1.xlsx", {"Прил1": rows}, merges={"Прил1": merges})
    result = read_one("municipal_tables", path, "municipal_tables/Хасанский район/x.xlsx", tmp_path)
    assert_accounting(result)
    loaded = result.rows.to_pylist()
    assert {r["block_label"] for r in loaded} == {"ВПР МА 5 2019"} and len(loaded) == 22
    quarantined = result.quarantine.to_pylist()
    assert len(quarantined) == 22  # 11 schools × the two unknown blocks
    by_block = {q["field_name"]: q for q in quarantined if q["source_row"] == 7}
    chem = by_block["block «ОГЭ ХИ 2019»"]
    assert "unknown subject abbreviation «ХИ»" in chem["reason"]
    assert chem["source_column"] == "ОГЭ ХИ 2019 (D, E)" and chem["cell_value"] == "38; 0"
    assert "not recognised" in by_block["block «Итоги 2019 г.»"]["reason"]


# seed 001, «Общеобразовательные организации г. Свободного в ходе ВПР достигли следующих
# результатов» (2021): a grade row, then a row per subject, the header repeated per page; the
# seed's own defects kept (grade 4 «Обществознание», «ЗД7», «Англ.яз»)
SEED001_VPR = [
    ["Результаты ВПР в г. Свободном, 2021 год"],
    ["Общеобразовательный\nпредмет", "количество\nучастников", "Успеваемость", "Качество",
     "Средний\nбалл"],
    ["4 класс"],
    ["Русский язык", 618, "91,27", "56,8", "3,6"],
    ["Математика", 629, "95,55", "59,64", "3,96"],
    ["Обществознание", 608, "98,68", "69,57", "3,8"],
    ["6 класс"],
    ["Общеобразовательный\nпредмет", "количество\nучастников", "Успеваемость", "Качество",
     "Средний\nбалл"],
    ["Математика", 614, "82,91", "30,42", "ЗД7"],
    ["География", 307, "92,51", "35,18", "4,47"],
    ["7 класс"],
    ["Русский язык", 590, "74,07", "23,22", 3],
    ["География", 572, "82,44", "15,46", "3,16"],
    ["Англ.яз", 515, "68,35", "16,31", "2,87"],
    ["Немецкий язык", 51, "74,51", "13,73", "2,87"],
    ["Физика", 569, "83,83", "19,86", "3,08"],
    ["8 класс"],
    ["Русский", 493, "72,21", "32,05", "3,07"],
    ["Биология", 182, "86,26", "41,21", "4,53"],
]  # fmt: skip


def test_seed001_vpr_subject_rows_english_written_short_is_a_subject_not_a_school(
    tmp_path: Path,
) -> None:
    """«Англ.яз» (seed 001, 7 класс) was taken on fc70773 for a school named «Англ.яз», carried
    to the rows below it: the town's totals published as a school's."""
    path = write_xlsx(tmp_path / "vpr.xlsx", {"ВПР": SEED001_VPR})
    result = read_one("municipal_tables", path, "municipal_tables/vpr.xlsx", tmp_path)
    assert_accounting(result)
    loaded = result.rows.to_pylist()
    assert {(r["entity_name"], r["entity_kind"]) for r in loaded} == {("г. Свободном", "total")}
    facts = {(r["grade"], r["subject_key"], r["metric"]): r["value"] for r in loaded}
    assert facts[(7, "англяз", "participants")] == 515
    assert facts[(7, "немецкийязык", "mean_score")] == 2.87
    assert facts[(8, "биология", "quality_rate")] == 41.21
    assert facts[(4, "обществознание", "participants")] == 608  # flagged in the warehouse
    (q,) = result.quarantine.to_pylist()  # «ЗД7»: OCR damage, never guessed
    assert (q["cell_value"], q["field_name"]) == ("ЗД7", "mean_score")
    assert file_row(result)["rows_loaded"] == 11


def test_an_unknown_subject_label_is_quarantined_with_its_reason_never_taken_for_a_school(
    tmp_path: Path,
) -> None:
    # seed 001's shape (a subject table): «Родной язык» is no subject the seeds know
    table = [*SEED001_VPR[:6], ["Родной язык", 601, "99,1", "70,2", "3,9"], *SEED001_VPR[6:]]
    path = write_xlsx(tmp_path / "vpr.xlsx", {"ВПР": table})
    result = read_one("municipal_tables", path, "municipal_tables/vpr.xlsx", tmp_path)
    assert_accounting(result)
    assert {r["entity_kind"] for r in result.rows.to_pylist()} == {"total"}
    unknown = [q for q in result.quarantine.to_pylist() if q["field_name"] == "subject_name"]
    assert len(unknown) == 1 and unknown[0]["source_row"] == 7
    assert unknown[0]["cell_value"] == "Родной язык"
    assert "unknown subject «Родной язык»" in unknown[0]["reason"]
    assert "not taken for a school" in unknown[0]["reason"]
    # seed 003's shape (a school row, then its subject rows): the same under a school
    rows = _app2_rows()
    rows.insert(7, ["", "Окр. мир", 49, 1, 30, 25, *[""] * 16])
    path = write_xlsx(tmp_path / "app2.xlsx", {"Прил2": rows}, merges={"Прил2": _merges()})
    result = read_one(
        "municipal_tables", path, "municipal_tables/Хасанский муниципальный район/a.xlsx", tmp_path
    )
    assert_accounting(result)
    entities = {r["entity_name"] for r in result.rows.to_pylist()}
    assert entities == {"МБОУ СОШ № 1 пгт Славянка", "МБОУ СОШ № 2 пгт Славянка", "Итого по району"}
    (unknown_row,) = [q for q in result.quarantine.to_pylist() if q["field_name"] == "subject_name"]
    assert unknown_row["source_row"] == 8 and unknown_row["cell_value"] == "Окр. мир"
    assert unknown_row["source_column"] == "ОО (B)"


def test_a_table_without_its_municipality_is_refused(tmp_path: Path) -> None:
    rows = [
        ["Итоги ВПР в 2020-2021 учебном году"],
        ["ОО", "всего принимало участие", "количество «2»"],
        ["МБОУ СОШ № 1", 10, 1],
    ]
    path = write_xlsx(tmp_path / "x.xlsx", {"Л": rows})
    summary = file_row(read_one("municipal_tables", path, "municipal_tables/x.xlsx", tmp_path))
    assert summary["status"] == "unreadable" and "municipality" in summary["status_reason"]


# ------------------------------------------------------------------ warehouse against the truth


@pytest.mark.xdist_group("pipeline")
def test_published_aggregates_in_the_warehouse_match_the_truth(pipeline: PipelineRun) -> None:
    truth = pipeline.truth
    expected = truth["published_aggregates"]
    assert expected, "the generator wrote no municipal tables"
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    try:
        got = {
            (r[0], r[1], r[2], r[3], r[4], r[5]): r[6]
            for r in con.execute(
                "select publisher, academic_year, entity_name, subject_code, grade, metric, "
                "value_count from marts.fct_published_aggregate where metric_kind = 'count'"
            ).fetchall()
        }
        for fact in expected:
            key = (
                fact["publisher"],
                fact["academic_year"],
                fact["entity_name"],
                fact["subject_code"],
                fact["grade"],
                fact["metric"],
            )
            if fact["status"] == "quarantined":
                assert key not in got, key
            else:
                assert got.get(key) == fact["count"], key
        # planted defects: a wrong %, a totals mismatch (warnings), an OCR cell (quarantine)
        checks = {
            (r[0], r[1], r[2]): r[3]
            for r in con.execute(
                "select check_id, entity_name, metric, severity "
                "from audit.published_aggregate_checks"
            ).fetchall()
        }
        for defect in truth["published_aggregate_defects"]:
            if defect["kind"] == "wrong_pct":
                assert checks.get(("PCT", defect["entity_name"], defect["metric"])) == "warn"
            elif defect["kind"] == "totals_mismatch":
                assert checks.get(("TOTAL", defect["entity_name"], defect["metric"])) == "warn"
            else:
                n = con.execute(
                    "select count(*) from audit.quarantine where source_name = 'municipal_tables'"
                    " and source_row = ? and cell_value = ?",
                    [defect["row"], defect["value"]],
                ).fetchone()
                assert n is not None and n[0] == 1, defect
        planted = {d["kind"] for d in truth["published_aggregate_defects"]}
        assert planted == {"wrong_pct", "totals_mismatch", "ocr_cell"}
        # nothing else is flagged on the generated tables (the defects are the only ones)
        flagged = {(c, e, m) for (c, e, m) in checks}
        assert len(flagged) == 2, flagged
    finally:
        con.close()

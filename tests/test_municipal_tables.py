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

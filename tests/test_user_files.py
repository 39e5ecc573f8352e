"""Files a user drops into the landing folder, run through the whole pipeline and queried back.

A copy of the session's pipeline gets: the indicator template of every programme, filled in
(the generator's own template, territory and figures typed in); an alias file naming the school
of an ambiguous name; seed 003's ШНОР table (Приложение 1, verbatim, ОГЭ/ЕГЭ blocks without a
grade) and seed 001's ВПР table (grade rows, «Англ.яз», grade 4 «Обществознание», the mean 3,16
of grade 7 География). ``msoko refresh`` reads them and rebuilds; the warehouse is queried as an
analyst would. (Publishing may be refused — the dropped files bring years without ВПР or ЕГЭ —
which does not concern these checks: dbt has built the warehouse.)
"""

from __future__ import annotations

import re

import pytest

from ingestion.samples.indicators import catalogue, write_template
from tests.builders import write_xlsx
from tests.conftest import PipelineRun, connect
from tests.test_indicators import _fill_template
from tests.test_municipal_tables import SEED001_VPR, SEED003_APP1_BLOCKS, _app1_sheet

TEMPLATE_YEAR = 2026  # a calendar year no demo form covers (academic year 2025)
AMBIGUOUS = ("Хасанский муниципальный округ", "МБОУ СОШ №1", 2021)


@pytest.fixture(scope="module")
def user_run(pipeline: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    run = pipeline.copy(tmp_path_factory.mktemp("user_files") / "run")
    landing = run.root / "landing"
    # the alias file first, refreshed alone: one ingest run over a range of academic years
    # takes the years in the order their partitions were added (orchestration.cli.run_ingest),
    # so a year the demo already has (2021) between new older and newer ones would be skipped
    (landing / "school_aliases").mkdir()
    write_xlsx(
        landing / "school_aliases" / "Написания_школ.xlsx",
        {
            "Лист1": [
                ["Написания названий школ, с 2021/2022 учебного года"],
                ["Муниципалитет", "Наименование как написано", "Код ОО", "Примечание"],
                [AMBIGUOUS[0], AMBIGUOUS[1], "102001", "протоколы олимпиады: школа № 1"],
            ]
        },
    )
    run.cli("refresh", check=False)
    for programme in catalogue():
        path = write_template(
            landing / "indicators" / f"Шаблон_{programme}.xlsx", programme, TEMPLATE_YEAR
        )
        _fill_template(path, "Хасанского муниципального округа")
    rows, merges = _app1_sheet(SEED003_APP1_BLOCKS)
    folder = landing / "municipal_tables" / "Хасанский муниципальный округ"
    folder.mkdir(parents=True, exist_ok=True)
    write_xlsx(folder / "ШНОР_Приложение_1.xlsx", {"Прил1": rows}, merges={"Прил1": merges})
    folder = landing / "municipal_tables" / "город Свободный"
    folder.mkdir(parents=True, exist_ok=True)
    write_xlsx(folder / "ВПР_2021.xlsx", {"ВПР": SEED001_VPR})
    result = run.cli("refresh", check=False)
    assert re.search(r"^dbt: .*Done\. PASS=", result.stdout, re.M), "the warehouse was built"
    return run


def query(run: PipelineRun, sql: str) -> list[tuple]:
    with connect(run.warehouse) as con:
        return con.execute(sql).fetchall()


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
@pytest.mark.parametrize("programme", sorted(catalogue()))
def test_a_filled_template_lands_under_its_programme_with_the_names_written(
    user_run: PipelineRun, programme: str
) -> None:
    rows = query(
        user_run,
        "select programme_code, indicator_code, indicator_name, is_indicator_name_mismatch, "
        "status from marts.fct_indicator_value "
        f"where source_file = 'indicators/Шаблон_{programme}.xlsx'",
    )
    expected = {i["indicator_code"]: i["indicator_name"] for i in catalogue()[programme]}
    assert {r[0] for r in rows} == {programme}
    assert {r[1]: r[2] for r in rows} == expected
    assert {r[3] for r in rows} == {False}
    assert {r[4] for r in rows} <= {"achieved", "not_achieved"}  # «Данный показатель выполнен»


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_an_alias_file_in_the_landing_folder_resolves_an_ambiguous_name(
    user_run: PipelineRun,
) -> None:
    municipality, name, year = AMBIGUOUS
    got = query(
        user_run,
        "select status, method, school_id from audit.school_name_resolution "
        f"where municipality_name = '{municipality}' and name_as_written = '{name}' "
        f"and academic_year = {year}",
    )
    assert got == [("resolved", "alias_file", "27-102001")]
    left = query(
        user_run,
        f"select count(*) from audit.school_name_errors where name_as_written = '{name}' "
        f"and municipality_name = '{municipality}' and academic_year = {year}",
    )
    assert left == [(0,)]


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_seed003_shnor_table_keeps_the_procedure_subject_grade_and_year_of_every_block(
    user_run: PipelineRun,
) -> None:
    rows = query(
        user_run,
        "select procedure_code, subject_code, grade, procedure_year, count(*) "
        "from marts.fct_published_aggregate "
        "where source_file like '%ШНОР_Приложение_1.xlsx' group by all order by all",
    )
    by_block = {(r[0], r[1], r[2], r[3]): r[4] for r in rows}
    assert sum(by_block.values()) == 11 * 32
    assert all(None not in key for key in by_block)
    assert by_block[("ОГЭ", "math", 9, 2019)] == 22 and by_block[("ЕГЭ", "rus", 11, 2018)] == 22
    assert sum(n for (p, *_), n in by_block.items() if p in ("ОГЭ", "ЕГЭ")) == 176


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_seed001_vpr_table_checks_warn_on_its_defects_and_no_subject_is_a_school(
    user_run: PipelineRun,
) -> None:
    entities = query(
        user_run,
        "select distinct entity_name, entity_kind from marts.fct_published_aggregate "
        "where source_file like '%ВПР_2021.xlsx'",
    )
    assert entities == [("г. Свободном", "total")]
    checks = {
        (r[0], r[1], r[2])
        for r in query(
            user_run,
            "select check_id, grade, subject_code from audit.published_aggregate_checks "
            "where source_file like '%ВПР_2021.xlsx'",
        )
    }
    assert (
        "C4",
        7,
        "geo",
    ) in checks  # 3,16 above 2 + s + 2q = 3,13 (2 + 2s + q = 3,80 let it pass)
    assert ("C4", 6, "geo") in checks  # 4,47 above 3,63
    assert ("C4", 8, "bio") in checks  # 4,53 above 3,69
    assert ("SUBJECT_GRADE", 4, "soc") in checks
    assert ("C5", 8, "bio") not in checks  # 86,26 / 41,21 of 182 are whole pupils

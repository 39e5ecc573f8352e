"""The school registry over time: the change list reader and the identifier checksums (C12).

Fixtures are written inside the tests. The schools of the checksum fixture are transcribed from
the seeds' school lists (seed 003, Хасанский муниципальный округ, Приморский край, region 25);
their identifiers are invented, with check digits computed by hand: ИНН weights
2,4,10,3,5,9,4,6,8, (Σ mod 11) mod 10; ОГРН (int(first 12) mod 11) mod 10 (DOMAIN §3.1).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import duckdb
import pytest

from ingestion.samples.layouts import CHANGES_HEADER, REGISTRY_HEADER
from ingestion.samples.names import inn_is_valid, ogrn_is_valid
from tests.builders import assert_accounting, file_row, read_one, write_xlsx
from tests.conftest import PipelineRun

SEED003_SCHOOLS = [
    # code, login, short name, type, parent, ИНН, КПП, ОГРН, status
    (
        "253001",
        "sch250001",
        "МБОУ СОШ № 1 пгт Славянка",
        "СОШ",
        "",
        "2531000002",
        "253101001",
        "1022500000005",
        "действует",
    ),
    (
        "253002",
        "sch250002",
        "МКОУ СОШ пгт Зарубино",
        "СОШ",
        "",
        "2531000010",
        "253101001",
        "1022500000016",
        "действует",
    ),
    (
        "253003",
        "sch250003",
        "МКОУ ООШ с. Андреевка",
        "ООШ",
        "",
        "2531000027",
        "253101001",
        "1022500000027",
        "действует",
    ),
    (
        "253004",
        "sch250004",
        "МКОУ СОШ № 1 с. Барабаш",
        "СОШ",
        "",
        "2531000034",
        "253101001",
        "1022500000038",
        "действует",
    ),
    (
        "253005",
        "sch250005",
        "Филиал МКОУ СОШ № 1 с. Барабаш",
        "Филиал",
        "253004",
        "2531000034",
        "253143005",
        "1022500000038",
        "действует",
    ),
    (
        "253006",
        "sch250006",
        "МКОУ СОШ пгт Краскино",
        "СОШ",
        "",
        "2531000041",
        "253101001",
        "1022500000049",
        "реорганизована в форме присоединения к МКОУ СОШ пгт Посьет",
    ),
]


def _registry_sheet(
    schools, title="Реестр общеобразовательных организаций Приморского края на 01.09.2023"
):
    header = [*REGISTRY_HEADER, "Код правопреемника"]
    rows = [[title], [], header]
    for n, (code, login, name, kind, parent, inn, kpp, ogrn, status) in enumerate(schools, 1):
        successor = "253007" if status.startswith("реорганизована") else ""
        rows.append(
            [
                n,
                code,
                login,
                name,
                name,
                "Хасанский муниципальный округ",
                "253",
                kind,
                parent,
                "село",
                "пгт Славянка",
                inn,
                kpp,
                ogrn,
                status,
                successor,
            ]
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


def test_change_list_rows_with_their_dates(tmp_path):
    rows = [
        [
            "Изменения в реестре общеобразовательных организаций Приморского края за 2022/2023 учебный год"
        ],
        CHANGES_HEADER,
        [
            1,
            "15.03.2023",
            "253001",
            "sch250001",
            "Переименование",
            "МБОУ СОШ № 1 пгт Славянка",
            "МБОУ СОШ № 1 им. А. С. Пушкина пгт Славянка",
            "Приказ № 12",
        ],
        [
            2,
            "2023-07-01",
            253006,
            "sch250006",
            "Реорганизация (присоединение)",
            "действует",
            "253007",
            "",
        ],
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
        (
            3,
            dt.date(2023, 3, 15),
            "253001",
            "Переименование",
            "МБОУ СОШ № 1 им. А. С. Пушкина пгт Славянка",
        ),
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


# ================================================================== the warehouse (tiny region)


def _rows(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


@pytest.mark.xdist_group("pipeline")
def test_history_shows_every_planted_registry_change(pipeline: PipelineRun) -> None:
    changes = pipeline.truth["registry_changes"]
    assert {c["change_type"] for c in changes} == {
        "rename",
        "type_change",
        "closure",
        "merger",
        "code_change",
    }
    history = _rows(
        pipeline.reporting,
        "select school_id, change_type, valid_from, valid_to, is_current, school_full_name, "
        "school_type, school_code_src, status_code, successor_school_id, is_dated_by_change_list "
        "from marts.dim_school_history order by school_id, valid_from",
    )
    by_school: dict[str, list[dict]] = defaultdict(list)
    for h in history:
        by_school[h["school_id"]].append(h)
    for c in changes:
        versions = by_school[c["school_id"]]
        assert [v["change_type"] for v in versions] == ["opened", c["change_type"]], c
        opened, changed = versions
        assert opened["valid_from"] == dt.date(2021, 9, 1)
        assert opened["valid_to"] == changed["valid_from"] == dt.date.fromisoformat(c["valid_from"])
        assert changed["valid_to"] is None and changed["is_current"]
        assert not opened["is_current"]
        assert changed["is_dated_by_change_list"] == c["in_change_list"]
        if c["change_type"] == "rename":
            assert (opened["school_full_name"], changed["school_full_name"]) == (
                c["old_value"],
                c["new_value"],
            )
        elif c["change_type"] == "type_change":
            assert (opened["school_type"], changed["school_type"]) == ("СОШ", "Гимназия")
        elif c["change_type"] == "code_change":
            assert (opened["school_code_src"], changed["school_code_src"]) == (
                c["old_value"],
                c["new_value"],
            )
        elif c["change_type"] == "merger":
            assert changed["status_code"] == "merged"
            assert changed["successor_school_id"] == f"27-{c['new_value']}"
        else:
            assert changed["status_code"] == "closed"
    # every other school has exactly one version, open since the first snapshot
    planted = {c["school_id"] for c in changes}
    for school_id, versions in by_school.items():
        if school_id not in planted:
            assert [v["change_type"] for v in versions] == ["opened"], school_id

    schools = {
        s["school_id"]: s
        for s in _rows(
            pipeline.reporting,
            "select school_id, school_code_src, is_closed, closed_on, merged_into_school_id, "
            "valid_from, is_current from marts.dim_school",
        )
    }
    # one dim_school row per truth school (a code change keeps the school_id)
    assert set(schools) == {f"27-{s['school_code']}" for s in pipeline.truth["schools"]}
    for c in changes:
        school = schools[c["school_id"]]
        closed = c["change_type"] in ("closure", "merger")
        assert school["is_closed"] == closed
        assert school["closed_on"] == (dt.date.fromisoformat(c["valid_from"]) if closed else None)
        assert school["valid_from"] == dt.date.fromisoformat(c["valid_from"])
        if c["change_type"] == "code_change":
            assert school["school_code_src"] == c["new_value"]
        if c["change_type"] == "merger":
            assert school["merged_into_school_id"] == f"27-{c['new_value']}"


@pytest.mark.xdist_group("pipeline")
def test_results_of_later_years_resolve_and_stop_after_closure(pipeline: PipelineRun) -> None:
    changes = {c["change_type"]: c for c in pipeline.truth["registry_changes"]}
    years = {
        (r["school_id"], r["academic_year"], r["assessment_code"])
        for r in _rows(
            pipeline.warehouse,
            "select distinct school_id, academic_year, assessment_code "
            "from marts.fct_assessment_result",
        )
    }
    for kind in ("closure", "merger"):
        school_id = changes[kind]["school_id"]
        assert {y for s, y, _ in years if s == school_id} == {2021}, kind
    coded = changes["code_change"]
    # the new Код ОО's ЕГЭ/ОГЭ rows of 2023 resolve to the same school as the old code's
    exam_years = {y for s, y, a in years if s == coded["school_id"] and a in ("oge", "ege")}
    assert 2023 in exam_years and 2021 in exam_years
    renamed = changes["rename"]
    assert {y for s, y, a in years if s == renamed["school_id"] and a == "vpr"} == {
        2021,
        2022,
        2023,
    }
    # nothing of the planted changes ends in the warehouse quarantine as an unknown school
    unknown = _rows(
        pipeline.reporting,
        "select cell_value from audit.quarantine where quarantine_stage = 'warehouse'",
    )
    new_code = coded["new_value"]
    assert all(new_code not in (q["cell_value"] or "") for q in unknown)


@pytest.mark.xdist_group("pipeline")
def test_the_crosswalk_holds_every_identifier_of_the_truth_schools(pipeline: PipelineRun) -> None:
    crosswalk = {
        (r["school_id"], r["identifier_type"], r["identifier_value"]): r
        for r in _rows(
            pipeline.reporting,
            "select school_id, identifier_type, identifier_value, region_code, valid_from, "
            "valid_to, is_well_formed from marts.dim_school_identifier",
        )
    }
    assert all(r["is_well_formed"] and r["region_code"] == "27" for r in crosswalk.values())
    for s in pipeline.truth["schools"]:
        school_id = f"27-{s['school_code']}"
        for kind, key in (
            ("rcoi_code", "school_code"),
            ("fisoko_login", "login"),
            ("inn", "inn"),
            ("kpp", "kpp"),
            ("ogrn", "ogrn"),
        ):
            assert (school_id, kind, s[key]) in crosswalk, (school_id, kind)
    coded = next(c for c in pipeline.truth["registry_changes"] if c["change_type"] == "code_change")
    old = crosswalk[(coded["school_id"], "rcoi_code", coded["old_value"])]
    new = crosswalk[(coded["school_id"], "rcoi_code", coded["new_value"])]
    assert old["valid_to"] == new["valid_from"] == dt.date.fromisoformat(coded["valid_from"])
    assert new["valid_to"] is None
    # the planted bad ИНН and ОГРН of one year's registry: quarantined at their cells, never
    # in the crosswalk
    bad = [d for d in pipeline.truth["defects"] if d["kind"].endswith("_checksum")]
    assert {d["kind"] for d in bad} == {"bad_inn_checksum", "bad_ogrn_checksum"}
    values = {v for _, _, v in crosswalk}
    quarantine = {
        (q["source_file"], q["source_row"], q["source_column"], q["cell_value"])
        for q in _rows(
            pipeline.reporting,
            "select source_file, source_row, source_column, cell_value from audit.quarantine",
        )
    }
    for d in bad:
        assert d["value"] not in values
        assert any(
            f == d["path"] and r == d["row"] and c.startswith(d["column"]) and v == d["value"]
            for f, r, c, v in quarantine
        ), d

"""School monitoring forms (DOMAIN §6.1) and the ШНСУ index (DOMAIN §4.2, derived).

The reader on hand-made workbooks (one per tolerated variation, and a fixture transcribed from
seed 001's staffing figures), the warehouse's fct_school_profile against the generator's truth,
and mart_shnsu_index against the planted cases: every planted case found, no clean school
flagged — in the tiny test region (seed 7) through the pipeline, and in the demo region (seed
42) by the same rule recomputed from the generated figures.
"""

from __future__ import annotations

import csv
import statistics
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.sources.school_forms import FACTORS
from tests.builders import assert_accounting, file_row, read_one, write_xlsx
from tests.conftest import PipelineRun

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"

STAFF_UPPER = ["Код ОО", "Наименование ОО", "Педагогические работники, чел."] + [None] * 7
STAFF_LOWER = [None, None, "Всего", "До 35 лет", "Более 50 лет", "С высшим образованием",
               "Высшая категория", "Первая категория", "Прошли КПК за 3 года",
               "Молодые специалисты (прибыли)"]  # fmt: skip

# seed 001 (г. Свободный, 2022): 354 teachers, 204 over 50 ("более 50 лет"), 118 under 35,
# 272 with higher education, 96 highest and 74 first category, 227 КПК, 40 young specialists —
# spread over its 8 schools so that the columns add up to the published totals.
SEED001_SCHOOLS = [
    ["281001", "МОБУ СОШ № 1", 52, 17, 30, 40, 14, 11, 33, 6],
    ["281002", "МОБУ СОШ № 2", 48, 16, 28, 37, 13, 10, 31, 5],
    ["281003", "МОБУ Лицей № 11", 61, 20, 35, 47, 17, 13, 39, 7],
    ["281004", "МОБУ СОШ № 5", 40, 13, 23, 31, 11, 8, 26, 5],
    ["281005", "МОБУ СОШ № 6", 44, 15, 25, 34, 12, 9, 28, 5],
    ["281006", "МОБУ СОШ № 8", 39, 13, 22, 30, 10, 8, 25, 4],
    ["281007", "МОБУ СОШ № 9", 36, 12, 21, 27, 10, 8, 23, 4],
    ["281008", "МОБУ СОШ № 192", 34, 12, 20, 26, 9, 7, 22, 4],
]
SEED001_TOTALS = {"teachers_total": 354, "teachers_under_35": 118, "teachers_over_50": 204,
                  "teachers_higher_ed": 272, "teachers_cat_highest": 96, "teachers_cat_first": 74,
                  "teachers_kpk_period": 227, "young_specialists_arrived": 40}  # fmt: skip


def test_seed001_staffing_fixture(tmp_path: Path) -> None:
    total = ["", "Итого по МО", *SEED001_TOTALS.values()]
    rows = [
        ["Кадровое обеспечение общеобразовательных организаций г. Свободного"],
        ["2022/2023 учебный год"],
        STAFF_UPPER,
        STAFF_LOWER,
        *SEED001_SCHOOLS,
        total,
    ]
    merges = {"Кадры": [(2, 2, 2, 9, "Педагогические работники, чел.")]}
    path = write_xlsx(tmp_path / "k.xlsx", {"Кадры": rows}, merges)
    result = read_one("school_forms", path, "school_forms/k.xlsx", tmp_path)
    assert_accounting(result)
    summary = file_row(result)
    assert (summary["rows_loaded"], summary["rows_quarantined"], summary["header_rows"]) == (
        9,
        0,
        "3,4",
    )
    loaded = result.rows.to_pylist()
    schools = [r for r in loaded if not r["is_total_row"]]
    (totals,) = [r for r in loaded if r["is_total_row"]]
    for field, expected in SEED001_TOTALS.items():
        assert sum(r[field] for r in schools) == expected == totals[field], field
    assert {r["teachers_over_50_rule"] for r in loaded} == {"gt_50"}  # "более 50 лет"
    assert {r["academic_year"] for r in loaded} == {2022}
    assert round(100 * totals["teachers_over_50"] / totals["teachers_total"], 1) == 57.6


def _passport(tmp_path: Path, rows: list[list[Any]], title: str = "2022/2023 учебный год"):
    upper = ["Логин ФИС ОКО", "Наименование ОО", "Обучающихся в социальном паспорте",
             "Значимые факторы (Приложение 1), чел."] + [None] * 8  # fmt: skip
    lower = [None, None, None] + [header for _, header, _, a, _ in FACTORS if a == 1]
    sheet = [["Социальный паспорт ОО"], [title], upper, lower, *rows]
    path = write_xlsx(tmp_path / "p.xlsx", {"Социальный паспорт": sheet})
    return read_one("school_forms", path, "school_forms/p.xlsx", tmp_path)


def test_passport_by_login_with_dashes_and_decimal_commas(tmp_path: Path) -> None:
    result = _passport(
        tmp_path,
        [
            ["sch270101", "СОШ № 1", "120,0", "12,0", "-", 40, 20, "-", 3, 2, "1", "Нет данных"],
            ["sch270102", "СОШ № 2", 80, 30, 6, 10, 4, 5, 6, 7, 5, 90],  # КДН 90 > 80 pupils
            ["", "ООШ без логина", 50, 1, 1, 1, 1, 1, 1, 1, 1, 1],  # no code, no login
            [None, "Итого по МО", 250, 43, 7, 51, 25, 6, 10, 10, 7, 92],
        ],
        title="Социальный паспорт на 01.09.2022",
    )
    assert_accounting(result)
    assert (file_row(result)["rows_loaded"], file_row(result)["rows_quarantined"]) == (2, 2)
    first, total = result.rows.to_pylist()
    assert first["academic_year"] == 2022  # "на 01.09.2022"
    assert (first["fisoko_login"], first["school_code"]) == ("sch270101", None)
    assert (first["context_pupils"], first["sp_large_family"]) == (120, 12)  # decimal comma
    assert first["sp_non_native_russian"] == 0  # "-" in a count of pupils: none
    assert first["sp_kdn_register"] is None  # "Нет данных": no data, not zero
    assert total["is_total_row"] and not first["is_total_row"]
    reasons = {q["source_row"]: q["reason"] for q in result.quarantine.to_pylist()}
    assert "more pupils under a factor" in reasons[6]
    assert "cannot be identified" in reasons[7]


def test_contingent_grades_dash_and_sum_check(tmp_path: Path) -> None:
    upper = ["Код ОО", "Наименование ОО", "Обучающиеся по классам на 01.09"] + [None] * 11
    lower = [None, None, *(f"{g} кл." for g in range(1, 12)), "Всего"]
    ooш = ["101002", "ООШ с. Ключи", *([10] * 9), "-", "-", 90]
    bad = ["101003", "СОШ № 3", *([10] * 11), 111]  # grades add up to 110
    rows = [["Контингент на 01.09.2023"], ["2023/2024 учебный год"], upper, lower, ooш, bad]
    path = write_xlsx(tmp_path / "c.xlsx", {"Контингент": rows})
    result = read_one("school_forms", path, "school_forms/c.xlsx", tmp_path)
    assert_accounting(result)
    (loaded,) = result.rows.to_pylist()
    assert loaded["pupils_grade_9"] == 10 and loaded["pupils_grade_10"] is None
    assert loaded["pupils_total"] == 90 and loaded["academic_year"] == 2023
    (q,) = result.quarantine.to_pylist()
    assert (q["source_row"], q["reason"]) == (6, "the grades do not add up to the total")


def test_staffing_parts_above_the_whole_are_quarantined(tmp_path: Path) -> None:
    rows = [
        ["2022/2023 учебный год"],
        STAFF_UPPER,
        [*STAFF_LOWER[:4], "50 лет и старше", *STAFF_LOWER[5:]],
        ["101001", "СОШ № 1", 20, 12, 10, 15, 5, 5, 10, 1],  # 12 + 10 > 20
        ["101002", "СОШ № 2", 20, 5, 10, 25, 5, 5, 10, 1],  # higher education 25 > 20
        ["101003", "СОШ № 3", 20, 5, 10, 15, 5, 5, 10, "1,5"],  # not whole
        ["101004", "СОШ № 4", 20, 5, 10, 15, 5, 5, 10, 1],
    ]
    path = write_xlsx(tmp_path / "s.xlsx", {"Кадры": rows})
    result = read_one("school_forms", path, "school_forms/s.xlsx", tmp_path)
    assert_accounting(result)
    (loaded,) = result.rows.to_pylist()
    assert loaded["school_code"] == "101004" and loaded["teachers_over_50_rule"] == "ge_50"
    reasons = {q["source_row"]: q["reason"] for q in result.quarantine.to_pylist()}
    assert reasons == {
        4: "teachers under 35 and 50+ together exceed all teachers",
        5: "more teachers with higher education than teachers",
        6: "not a whole number",
    }


def test_a_workbook_without_its_year_is_refused(tmp_path: Path) -> None:
    rows = [["Кадровое обеспечение"], STAFF_UPPER, STAFF_LOWER, SEED001_SCHOOLS[0]]
    path = write_xlsx(tmp_path / "n.xlsx", {"Кадры": rows})
    result = read_one("school_forms", path, "school_forms/n.xlsx", tmp_path)
    summary = file_row(result)
    assert summary["status"] == "unreadable" and "academic year" in summary["status_reason"]


def test_the_template_reads_back(tmp_path: Path) -> None:
    from ingestion.samples.school_forms import write_template

    path = write_template(tmp_path, 2024)
    result = read_one("school_forms", path, f"school_forms/{path.name}", tmp_path)
    assert_accounting(result)
    files = result.files.to_pylist()
    assert [f["status"] for f in files] == ["read"] * 4
    # the example row has placeholders for code and login: quarantined, not silently loaded
    assert {f["source_sheet"]: f["rows_quarantined"] for f in files} == {
        "Контингент": 1,
        "Кадры": 1,
        "Социальный паспорт": 1,
        "Выпускники": 1,
    }


# ---------------------------------------------------------------- the ШНСУ rule, recomputed


def _seed(name: str) -> list[dict[str, str]]:
    with open(SEEDS / name, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def shnsu_flags(profiles: list[dict[str, Any]], region_of: dict[str, str]) -> set[tuple[str, int]]:
    """(school_code, year) flagged ШНСУ by the rule of mart_shnsu_index, from the raw figures."""
    params = _seed("shnsu_parameters.csv")[-1]
    factors = [f for f in _seed("shnsu_factors.csv") if float(f["weight"]) > 0]
    flagged = set()
    for year in {p["academic_year"] for p in profiles}:
        for region in set(region_of.values()):
            rows = [
                p
                for p in profiles
                if p["academic_year"] == year and region_of[p["school_code"]] == region
            ]
            index: dict[str, float] = {}
            z: dict[str, list[tuple[float, float]]] = {p["school_code"]: [] for p in rows}
            for f in factors:
                code = f["factor_code"]
                shares = {
                    p["school_code"]: 100 * p[code] / p["context_pupils"]
                    for p in rows
                    if p[code] is not None and p["context_pupils"]
                }
                if len(shares) < int(params["min_schools"]):
                    continue
                mean, sd = statistics.mean(shares.values()), statistics.stdev(shares.values())
                for school, x in shares.items():
                    z[school].append((int(f["sign"]) * (x - mean) / sd, float(f["weight"])))
            for school, values in z.items():
                if len(values) >= float(params["min_completeness"]) * len(factors):
                    index[school] = sum(v * w for v, w in values) / sum(w for _, w in values)
            ordered = sorted(index.values())
            for school, value in index.items():
                rank = ordered.index(value) / (len(ordered) - 1)
                if rank <= float(params["q_shnsu"]) and value <= float(params["index_cut"]):
                    flagged.add((school, year))
    return flagged


def _expected(truth: dict[str, Any]) -> tuple[set[tuple[str, int]], set[str]]:
    planted = {
        (p["school_code"], year)
        for p in truth["planted"]
        if p["case"] in ("unfavourable_context", "resilient")
        for year in p["academic_years"]
    }
    clean = {s["school_code"] for s in truth["schools"] if not s["planted"]}
    return planted, clean


def test_demo_region_rule_finds_the_planted_and_no_clean_school(tmp_path: Path) -> None:
    from ingestion.samples.generate import generate

    truth_obj = generate(tmp_path / "landing", tmp_path / "truth", seed=42, scale="demo")
    truth = {"planted": truth_obj.planted, "schools": truth_obj.schools}
    planted, clean = _expected(truth)
    assert len(planted) == 2 * 3  # one unfavourable and one resilient school, 3 years
    flagged = shnsu_flags(
        truth_obj.school_profiles, {s["school_code"]: "27" for s in truth["schools"]}
    )
    assert planted <= flagged
    assert not {code for code, _ in flagged} & clean


# ---------------------------------------------------------------- through the pipeline


@pytest.mark.xdist_group("pipeline")
def test_school_profile_equals_the_truth(pipeline: PipelineRun) -> None:
    truth = pipeline.truth
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    got = {
        (row[0].split("-", 1)[1], row[1]): row[2:]
        for row in con.execute(
            "select school_id, academic_year, pupils_total, teachers_total, teachers_over_50, "
            "teachers_over_50_rule, sp_large_family, context_pupils, sp_large_family_pct, "
            "pct_teachers_under_35, teachers_under_35 from marts.fct_school_profile"
        ).fetchall()
    }
    assert len(got) == len(truth["school_profiles"])
    for p in truth["school_profiles"]:
        row = got[(p["school_code"], p["academic_year"])]
        assert row[:6] == (
            p["pupils_total"],
            p["teachers_total"],
            p["teachers_over_50"],
            p["teachers_over_50_rule"],
            p["sp_large_family"],
            p["context_pupils"],
        )
        assert row[6] == round(100 * p["sp_large_family"] / p["context_pupils"], 2)
        assert row[7] == round(100 * p["teachers_under_35"] / p["teachers_total"], 2)


@pytest.mark.xdist_group("pipeline")
def test_shnsu_mart_finds_the_planted_cases_and_flags_no_clean_school(
    pipeline: PipelineRun,
) -> None:
    truth = pipeline.truth
    planted, clean = _expected(truth)
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    rows = con.execute(
        "select school_id, academic_year, is_shnsu, cross_class, index_status, is_shnor "
        "from marts.mart_shnsu_index"
    ).fetchall()
    by_key = {(r[0].split("-", 1)[1], r[1]): r for r in rows}
    flagged = {k for k, r in by_key.items() if r[2]}
    assert planted <= flagged, planted - flagged
    assert not {code for code, _ in flagged} & clean
    assert flagged == planted
    for p in truth["planted"]:
        for year in p["academic_years"]:
            row = by_key[(p["school_code"], year)]
            if p["case"] == "resilient":
                assert row[3] == "resilient", row
            elif p["case"] == "unfavourable_context" and row[5]:
                assert row[3] == "shnor_and_shnsu", row
    # the same rule recomputed from the generated figures agrees with the warehouse
    assert (
        shnsu_flags(truth["school_profiles"], {s["school_code"]: "27" for s in truth["schools"]})
        == flagged
    )


@pytest.mark.xdist_group("pipeline")
def test_p8_teachers_under_35_per_municipality(pipeline: PipelineRun) -> None:
    """П8 = 100 × teachers under 35 / teachers, per municipality and year (seed 004)."""
    truth = pipeline.truth
    municipality = {s["school_code"]: s["municipality"] for s in truth["schools"]}
    sums: dict[tuple[str, int], list[int]] = {}
    for p in truth["school_profiles"]:
        key = (municipality[p["school_code"]], p["academic_year"])
        acc = sums.setdefault(key, [0, 0])
        acc[0] += p["teachers_under_35"]
        acc[1] += p["teachers_total"]
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    got = {
        (name, year): value
        for name, year, value in con.execute(
            "select m.municipality_name, v.academic_year, v.fact_value "
            "from marts.fct_indicator_value v join marts.dim_municipality m using (municipality_id) "
            "where v.indicator_code = 'П8' and v.value_source = 'computed'"
        ).fetchall()
    }
    assert got == {k: round(100 * a / b, 1) for k, (a, b) in sums.items()}

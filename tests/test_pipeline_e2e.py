"""End to end, from the user's side: generated files in, Dagster run, published file out.

Every expected figure is computed from the generator's ground truth (``truth.json``,
``exam_results.parquet``) and the seed tables — never with the project's parsing code.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, PipelineRun, connect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]

SEEDS = PROJECT_ROOT / "dbt_project" / "seeds"
CORE_TABLES = [
    "marts.dim_school",
    "marts.dim_academic_year",
    "marts.dim_subject",
    "marts.dim_assessment",
    "marts.fct_assessment_result",
    "marts.mart_school_scorecard",
]


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = connect(path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def seed_rows(name: str) -> list[dict[str, str]]:
    with open(SEEDS / f"{name}.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_reporting_file_opens_read_only_from_another_process(pipeline: PipelineRun) -> None:
    script = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "out = {}\n"
        f"for t in {CORE_TABLES!r}:\n"
        "    out[t] = con.execute(f'select count(*), count(distinct academic_year) from {t}')"
        ".fetchone() if t != 'marts.dim_school' and t != 'marts.dim_subject' and "
        "t != 'marts.dim_assessment' else con.execute(f'select count(*), 0 from {t}').fetchone()\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(pipeline.reporting)],
        capture_output=True,
        text=True,
        errors="replace",  # a killed process may stop mid-character
        check=True,
    )
    counts = json.loads(result.stdout)
    for table in CORE_TABLES:
        assert counts[table][0] > 0, f"{table} is empty"
    for table in [
        "marts.dim_academic_year",
        "marts.fct_assessment_result",
        "marts.mart_school_scorecard",
    ]:
        assert counts[table][1] == 3, f"{table}: expected 3 academic years, got {counts[table][1]}"
    assert "Reporting file:" in pipeline.output and str(pipeline.reporting) in pipeline.output


def test_pupil_rows_stay_in_the_warehouse(pipeline: PipelineRun) -> None:
    def tables(path: Path) -> set[str]:
        return {
            f"{s}.{t}"
            for s, t in query(
                path,
                "select schema_name, table_name from duckdb_tables() union all "
                "select schema_name, view_name from duckdb_views() where not internal",
            )
        }

    assert "marts.fct_exam_result" in tables(pipeline.warehouse)
    published = tables(pipeline.reporting)
    assert "marts.fct_exam_result" not in published
    assert not [
        c
        for (c,) in query(
            pipeline.reporting,
            "select column_name from duckdb_columns() where column_name in "
            "('participant_key', 'person_key')",
        )
    ]
    loaded = sum(1 for r in pipeline.exam_truth() if r["status"] == "loaded")
    assert query(pipeline.warehouse, "select count(*) from marts.fct_exam_result")[0][0] == loaded


def test_vpr_share_of_mark_2_matches_the_ground_truth(pipeline: PipelineRun) -> None:
    truth = [
        r
        for r in pipeline.truth["vpr"]
        if r["status"] == "loaded" and r["subject_code"] == "math" and r["grade"] == 5
    ]
    assert truth, "the generator wrote ВПР mathematics grade 5"
    # keyed by login: a school's Код ОО may change between years (dim_school has the current one)
    got = {
        (year, login): (participants, pct)
        for year, login, participants, pct in query(
            pipeline.reporting,
            "select f.academic_year, s.fisoko_login, f.participants_count, f.pct_low_result "
            "from marts.fct_assessment_result f join marts.dim_school s using (school_id) "
            "where f.assessment_code = 'vpr' and f.subject_code = 'math' and f.grade = 5",
        )
    }
    checked = 0
    for r in truth:
        participants, pct = got[(r["academic_year"], r["login"])]
        assert participants == r["participants"]
        if r["participants"] < 5:  # small groups are suppressed in the published file
            assert pct is None
            continue
        expected = round(100 * r["marks"]["2"] / r["participants"], 2)
        assert pct == pytest.approx(expected, abs=0.011), (r["academic_year"], r["login"])
        checked += 1
    assert checked >= 10


def _ege_below_minimum_from_truth(pipeline: PipelineRun, overrides: dict | None = None) -> dict:
    subject_of = {
        r["fct_code"]: r["subject_code"]
        for r in seed_rows("subject_fct_codes")
        if r["assessment_code"] == "ege"
    }
    minimum = {
        (int(r["academic_year"]), r["subject_code"]): int(r["min_score"])
        for r in seed_rows("ege_min_scores")
        if r["min_score"]
    }
    minimum.update(overrides or {})
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for r in pipeline.exam_truth():
        if r["exam_kind"] != "ege" or r["status"] != "loaded" or r["test_score"] is None:
            continue
        key = (r["academic_year"], subject_of[r["subject_fct_code"]])
        counts[key] += r["test_score"] < minimum[key]
    return dict(counts)


def _ege_below_minimum_in(path: Path) -> dict:
    return {
        (year, subject): below
        for year, subject, below in query(
            path,
            "select academic_year, subject_code, sum(below_min_count) "
            "from marts.fct_assessment_result where assessment_code = 'ege' "
            "and subject_code <> 'math_base' group by all",
        )
    }


def test_ege_below_minimum_counts_follow_the_seed_thresholds(pipeline: PipelineRun) -> None:
    expected = _ege_below_minimum_from_truth(pipeline)
    assert len({s for _, s in expected}) >= 5
    assert _ege_below_minimum_in(pipeline.warehouse) == expected


def test_every_file_adds_up_and_every_defect_is_where_the_truth_says(
    pipeline: PipelineRun,
) -> None:
    summary = {
        (f, s): (read, loaded, quarantined, skipped)
        for f, s, read, loaded, quarantined, skipped in query(
            pipeline.reporting,
            "select source_file, source_sheet, rows_read, rows_loaded, rows_quarantined, "
            "rows_skipped from audit.file_load_summary",
        )
    }
    for f in pipeline.truth["files"]:
        rows = f["rows"]
        # a row of an unknown school is read fine but refused by the warehouse: quarantined
        unknown = f["unknown_school_rows"]
        expected = (
            rows["read"],
            rows["loaded"] - unknown,
            rows["quarantined"] + unknown,
            rows["skipped"],
        )
        assert summary[(f["path"], f["sheet"])] == expected, f["path"]
    quarantine = query(
        pipeline.reporting,
        "select source_file, source_sheet, source_row, source_column, quarantine_stage, "
        "cell_value, reason from audit.quarantine",
    )
    defects = pipeline.truth["defects"]
    assert {d["kind"] for d in defects} >= {"letters_in_number", "unknown_school"}
    for d in defects:
        stage = "reading" if d["expected"] == "quarantine" else "warehouse"
        hits = [
            q
            for q in quarantine
            if q[0] == d["path"]
            and q[1] == d["sheet"]
            and q[2] == d["row"]
            and q[3].startswith(d["column"])
            and q[4] == stage
        ]
        assert len(hits) == 1, f"defect {d} not quarantined exactly once: {hits}"
        assert hits[0][6], "a reason is given"
        if d["kind"] == "name_in_score":
            assert hits[0][5].startswith("<hidden"), "a surname in the wrong column is hidden"
    reading = [q for q in quarantine if q[4] == "reading"]
    assert len(reading) == sum(1 for d in defects if d["expected"] == "quarantine")

"""Operations from the user's side: safe publishing under readers, crashes, completeness
gates and waivers, corrected files, and readability by older DuckDB drivers.

Each test works on its own copy of the session's pipeline.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest

from tests.conftest import PROJECT_ROOT, PipelineRun, connect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]

PUBLISH_ONCE = """
import sys
from ingestion.config import Settings
from orchestration.publishing.reporting_file import publish
from orchestration.publishing.dbt_meta import dbt_manifest, published_relations
result = publish(Settings.from_env(), published_relations(dbt_manifest()))
print(result.version)
"""

READER_LOOP = """
import duckdb, json, sys, time
path, stop = sys.argv[1], sys.argv[2]
import os
while not os.path.exists(stop):
    try:
        con = duckdb.connect(path, read_only=True)
        version = con.execute("select max(version) from publication").fetchone()[0]
        rows = con.execute("select count(*) from marts.fct_assessment_result").fetchone()[0]
        scorecard = con.execute("select count(*) from marts.mart_school_scorecard").fetchone()[0]
        con.close()
        print(json.dumps({"version": version, "rows": rows, "scorecard": scorecard}), flush=True)
    except Exception as exc:
        print(json.dumps({"error": repr(exc)}), flush=True)
    time.sleep(0.02)
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def python(
    run: PipelineRun, code: str, extra_env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={**run.env, **(extra_env or {})},
        capture_output=True,
        text=True,
        errors="replace",  # a killed process may stop mid-character
        timeout=600,
    )


def latest_version(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select max(version) from publication").fetchone()[0]
    finally:
        con.close()


def test_readers_see_only_complete_versions_during_three_publishes(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    run = pipeline.copy(tmp_path / "run")
    first = latest_version(run.reporting)
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER_LOOP, str(run.reporting), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
        errors="replace",  # a killed process may stop mid-character
    )
    try:
        time.sleep(1)
        for _ in range(3):
            done = python(run, PUBLISH_ONCE)
            assert done.returncode == 0, done.stderr[-3000:]
            time.sleep(0.5)
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    seen = [json.loads(line) for line in out.splitlines()]
    assert seen and not [s for s in seen if "error" in s], [s for s in seen if "error" in s][:3]
    versions = [s["version"] for s in seen]
    assert set(versions) == {first, first + 1, first + 2, first + 3}
    assert versions == sorted(versions), "versions only move forward"
    assert len({(s["rows"], s["scorecard"]) for s in seen}) == 1, "every version is complete"


@pytest.mark.parametrize("point", ["publish:mid_build", "publish:before_swap"])
def test_a_killed_publish_leaves_the_published_file_intact(
    pipeline: PipelineRun, tmp_path: Path, point: str
) -> None:
    run = pipeline.copy(tmp_path / "run")
    before, version = sha256(run.reporting), latest_version(run.reporting)
    killed = python(run, PUBLISH_ONCE, {"MSOKO_FAULT_INJECTION": point})
    assert killed.returncode == -signal.SIGKILL
    assert sha256(run.reporting) == before
    assert latest_version(run.reporting) == version  # and it is queryable
    again = python(run, PUBLISH_ONCE)
    assert again.returncode == 0, again.stderr[-3000:]
    assert latest_version(run.reporting) == version + 1
    assert not list(run.data_dir.glob(".reporting.duckdb.*.tmp")), "leftovers are cleaned up"


def test_a_run_killed_mid_build_changes_nothing_and_the_next_run_publishes(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    run = pipeline.copy(tmp_path / "run")
    before, version = run.published_state, latest_version(run.reporting)
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "refresh", "--full"],
        cwd=PROJECT_ROOT,
        env=run.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",  # a killed process may stop mid-character
        start_new_session=True,
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:  # wait until dbt is building the warehouse
        seen.append(line)
        if line.startswith("dbt build:"):
            break
    assert process.poll() is None, "the run ended before dbt built: " + "".join(seen[-20:])
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert run.published_state == before
    assert latest_version(run.reporting) == version
    run.cli("refresh", "--full")
    assert latest_version(run.reporting) == version + 1


def remove_school_rows(path: Path, login: str) -> int:
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    column = next(
        c.column for row in sheet.iter_rows(max_row=10) for c in row if c.value == "Логин ОО"
    )
    rows = [r for r in range(1, sheet.max_row + 1) if sheet.cell(r, column).value == login]
    for r in reversed(rows):
        sheet.delete_rows(r)
    book.save(path)
    return len(rows)


def test_a_missing_school_stops_the_publish_until_it_is_waived(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    run = pipeline.copy(tmp_path / "run")
    school = next(s for s in pipeline.truth["schools"] if s["school_type"] == "СОШ")
    vpr = sorted((run.root / "landing" / "vpr_fisoko").glob("*.xlsx"))[-1]
    assert remove_school_rows(vpr, school["login"]) > 0
    before = sha256(run.reporting)

    blocked = run.cli("refresh", check=False)
    assert blocked.returncode != 0
    assert sha256(run.reporting) == before
    report = (run.data_dir / "reports" / "quality_report.html").read_text()
    assert school["short_name"] in report and "НЕ опубликовано" in report
    assert school["short_name"] in (run.data_dir / "reports" / "quality_report.md").read_text()

    waivers = tmp_path / "waivers.csv"
    school_id = f"27-{school['school_code']}"
    con = connect(run.warehouse)
    year = con.execute(
        "select academic_year from audit.completeness where completeness_status = 'missing'"
    ).fetchall()
    con.close()
    assert len(year) == 1
    waivers.write_text(
        "academic_year,school_id,procedure_code,reason,approved_by,approved_on\n"
        f"{year[0][0]},{school_id},vpr,closed for repairs,Начальник отдела,2026-06-01\n",
        encoding="utf-8",
    )
    run.env["MSOKO_WAIVERS_PATH"] = str(waivers)
    run.cli("refresh")
    con = duckdb.connect(str(run.reporting), read_only=True)
    try:
        waived = con.execute(
            "select school_id, waiver_reason from audit.completeness "
            "where completeness_status = 'waived'"
        ).fetchall()
        count = con.execute(
            "select waived_count from publication order by version desc limit 1"
        ).fetchone()[0]
    finally:
        con.close()
    assert waived == [(school_id, "closed for repairs")]
    assert count == 1
    assert "Опубликовано" in (run.data_dir / "reports" / "quality_report.html").read_text()


def test_a_corrected_file_replaces_its_predecessor_and_history_is_kept(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    run = pipeline.copy(tmp_path / "run")
    vpr = sorted((run.root / "landing" / "vpr_fisoko").glob("*.xlsx"))[0]  # counts layout
    book = openpyxl.load_workbook(vpr)
    sheet = book.worksheets[0]
    header = {c.value: c.column for row in sheet.iter_rows(max_row=10) for c in row if c.value}
    login_col, n_col, five_col = header["Логин ОО"], header["Кол-во уч."], header["Кол-во «5»"]
    row = next(
        r
        for r in range(1, sheet.max_row + 1)
        if str(sheet.cell(r, login_col).value or "").startswith("sch")
        and isinstance(sheet.cell(r, n_col).value, int)
    )
    login, grade = sheet.cell(r := row, login_col).value, sheet.cell(r, 3).value
    subject = sheet.cell(r, 4).value
    participants = sheet.cell(r, n_col).value + 3
    sheet.cell(r, n_col).value = participants
    sheet.cell(r, five_col).value = sheet.cell(r, five_col).value + 3
    book.save(vpr)

    run.cli("refresh")
    con = connect(run.warehouse)
    try:
        got = con.execute(
            "select count(*), max(participants_count) from marts.fct_assessment_result f "
            "join marts.dim_school s using (school_id) join marts.dim_subject d using "
            "(subject_code) where s.fisoko_login = ? and f.grade = ? and "
            "f.assessment_code = 'vpr' and f.academic_year = (select min(academic_year) from "
            "marts.fct_assessment_result) and d.subject_name = ?",
            [login, grade, subject],
        ).fetchone()
    finally:
        con.close()
    assert got == (1, participants), "the corrected value replaced the old one, no duplicate"
    history = list((run.data_dir / "lake" / "_manifest_history" / "vpr_fisoko").rglob("*.parquet"))
    assert len(history) >= 2, "every manifest version is kept"


def test_the_reporting_file_opens_with_an_older_duckdb(pipeline: PipelineRun) -> None:
    """BI tools bundle older DuckDB drivers: the file is written in storage version v1.0.0."""
    venv = PROJECT_ROOT / "build" / "duckdb-1.1.3"
    python_bin = venv / "bin" / "python"
    if not python_bin.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        install = subprocess.run(
            [str(python_bin), "-m", "pip", "install", "--quiet", "duckdb==1.1.3"],
            capture_output=True,
            text=True,
            errors="replace",  # a killed process may stop mid-character
        )
        assert install.returncode == 0, f"could not install duckdb 1.1.3: {install.stderr[-2000:]}"
    result = subprocess.run(
        [
            str(python_bin),
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
            "print(duckdb.__version__, con.execute('select count(*) from "
            "marts.mart_school_scorecard').fetchone()[0])",
            str(pipeline.reporting),
        ],
        capture_output=True,
        text=True,
        errors="replace",  # a killed process may stop mid-character
    )
    assert result.returncode == 0, result.stderr[-2000:]
    version, rows = result.stdout.split()
    assert version == "1.1.3" and int(rows) > 0

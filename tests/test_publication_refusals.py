"""The publish gate checks the run, not only the checks: a landing folder that is missing or
emptied, or a source × academic year that vanished since the last publication, is refused
with the reason and how to unblock it; a recorded decision lifts the refusal.

Each test works on its own copy of the session's pipeline.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PipelineRun

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def quality_report(run: PipelineRun) -> str:
    return (run.data_dir / "reports" / "quality_report.md").read_text(encoding="utf-8")


def test_an_emptied_landing_folder_is_refused_and_the_published_file_stays(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    run = pipeline.copy(tmp_path / "run")
    before = sha256(run.reporting)
    landing = run.root / "landing"
    shutil.rmtree(landing)
    landing.mkdir()
    (landing / ".DS_Store").write_bytes(b"\0")  # a hidden file is not data

    result = run.cli("refresh", check=False)

    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "not published" in out and "holds no data file" in out
    assert "MSOKO_LANDING_DIR" in out, "the output says how to unblock it"
    assert sha256(run.reporting) == before
    report = quality_report(run)
    assert "НЕ опубликовано" in report and "holds no data file" in report


def test_a_landing_path_that_does_not_exist_is_refused_on_the_first_run_too(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    run = pipeline.copy(tmp_path / "run")
    before = sha256(run.reporting)
    run.env["MSOKO_LANDING_DIR"] = str(tmp_path / "unmounted_share")

    result = run.cli("refresh", check=False)
    assert result.returncode != 0
    assert "does not exist" in result.stdout + result.stderr
    assert sha256(run.reporting) == before

    # a new deployment whose landing share is not mounted publishes nothing at all
    fresh = dict(run.env, MSOKO_DATA_DIR=str(tmp_path / "fresh" / "data"))
    first = PipelineRun(
        tmp_path / "fresh", tmp_path / "fresh" / "data", run.dagster_home, run.truth_dir, fresh, ""
    )
    result = first.cli("refresh", check=False)
    assert result.returncode != 0
    assert not first.reporting.exists()
    assert "does not exist" in quality_report(first)


def test_a_vanished_source_year_is_refused_until_its_withdrawal_is_recorded(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    run = pipeline.copy(tmp_path / "run")
    before = sha256(run.reporting)
    con = duckdb.connect(str(run.reporting), read_only=True)
    try:
        olympiad_rows = con.execute(
            "select count(*) from marts.mart_olympiad_summary where academic_year = 2022"
        ).fetchone()[0]
        files = json.loads(
            con.execute("select source_files from publication order by version desc").fetchone()[0]
        )
    finally:
        con.close()
    assert olympiad_rows > 0
    # every olympiad protocol of 2022/23 renamed to a hidden name: the files are still there,
    # but none is read
    hidden = []
    for f in files:
        if f["source_name"] == "olympiad" and f["academic_year"] == 2022:
            path = run.root / "landing" / f["source_file"]
            path.rename(path.with_name("_" + path.name))
            hidden.append("_" + path.name)
    assert hidden

    result = run.cli("refresh", check=False)

    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "olympiad 2022/2023" in out and "publication_decisions.csv" in out
    for name in hidden:
        assert name in out, f"the run names the file it does not read: {name}"
        assert name in quality_report(run)
    assert sha256(run.reporting) == before

    decisions = tmp_path / "decisions.csv"
    decisions.write_text(
        "academic_year,source,kind,reason,approved_by,approved_on\n"
        "2022,olympiad,withdrawn,protocols recalled by the regional operator,"
        "Иванова А. А.,2026-12-01\n",
        encoding="utf-8",
    )
    run.env["MSOKO_PUBLICATION_DECISIONS_PATH"] = str(decisions)
    run.cli("refresh")

    con = duckdb.connect(str(run.reporting), read_only=True)
    try:
        rows = con.execute(
            "select count(*) from marts.mart_olympiad_summary where academic_year = 2022"
        ).fetchone()[0]
        recorded = con.execute(
            "select decisions from publication order by version desc limit 1"
        ).fetchone()[0]
    finally:
        con.close()
    assert rows == 0
    assert json.loads(recorded)[0]["reason"] == "protocols recalled by the regional operator"
    assert "protocols recalled by the regional operator" in quality_report(run)


def test_a_malformed_decision_is_a_problem_not_a_silent_pass(tmp_path: Path) -> None:
    from orchestration.publishing.decisions import read_decisions

    path = tmp_path / "decisions.csv"
    path.write_text(
        "academic_year,source,kind,reason,approved_by,approved_on\n"
        "2022,olympiad,forgotten,why not,,2026-12-01\n"
        "2023,*,accepted_shrink,a school closed,Петров П. П.,2026-12-02\n",
        encoding="utf-8",
    )
    decisions, problems = read_decisions(path)
    assert [(d.academic_year, d.source, d.kind) for d in decisions] == [
        (2023, "*", "accepted_shrink")
    ]
    assert len(problems) == 1 and "line 2" in problems[0] and "forgotten" in problems[0]

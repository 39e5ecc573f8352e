"""A file that parses but is wrong stops publishing; re-runs change nothing.

Each test works on its own copy of the session's pipeline (data folder and Dagster instance).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import openpyxl
import pytest

from tests.conftest import PipelineRun, connect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counts_layout_vpr_file(run: PipelineRun) -> Path:
    """The ВПР report of the first year, which gives marks as counts."""
    files = sorted((run.root / "landing" / "vpr_fisoko").glob("*.xlsx"))
    return files[0]


def header_columns(sheet) -> tuple[int, dict[str, int]]:
    for row in sheet.iter_rows(min_row=1, max_row=10):
        labels = {str(c.value).strip(): c.column for c in row if c.value is not None}
        if "Логин ОО" in labels:
            return row[0].row, labels
    raise AssertionError("no header row")


def break_mark_counts(path: Path) -> int:
    """Add 5 to the count of «2» of one data row: counts no longer sum to participants."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header_row, labels = header_columns(sheet)
    column = next(c for label, c in labels.items() if "2" in label and "Кол" in label)
    login = labels["Логин ОО"]
    row = next(  # the first school row (total rows above have no login)
        r
        for r in range(header_row + 1, sheet.max_row + 1)
        if str(sheet.cell(row=r, column=login).value or "").startswith("sch")
    )
    cell = sheet.cell(row=row, column=column)
    cell.value = int(cell.value) + 5
    book.save(path)
    return row


def mart(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select * exclude (assessment_result_id) from marts.fct_assessment_result order by all"
        ).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("defect", ["mark_counts_do_not_sum", "duplicate_keys"])
def test_wrong_file_fails_the_blocking_check_and_nothing_is_published(
    pipeline: PipelineRun, tmp_path: Path, defect: str
) -> None:
    run = pipeline.copy(tmp_path / "run")
    before = sha256(run.reporting)
    source = counts_layout_vpr_file(run)
    if defect == "mark_counts_do_not_sum":
        break_mark_counts(source)
        expected_check = "mark_counts_sum_to_participants"
    else:
        # the same rows exported again (different bytes, so a different file version)
        openpyxl.load_workbook(source).save(source.with_name("ВПР_повторная_выгрузка.xlsx"))
        expected_check = "one_row_per_school_grade_subject"

    result = run.cli("refresh", check=False)

    assert result.returncode != 0
    assert expected_check in result.stdout + result.stderr
    assert "not published" in result.stdout + result.stderr
    assert sha256(run.reporting) == before, "the previous reporting file stays byte-identical"
    con = connect(run.warehouse)
    try:
        rejected = con.execute(
            "select source_file, status_reason from staging.stg_lake__manifest "
            "where version_status = 'rejected'"
        ).fetchall()
    finally:
        con.close()
    assert rejected and all(expected_check in reason for _, reason in rejected)


def test_rerun_and_backfill_change_nothing(pipeline: PipelineRun, tmp_path: Path) -> None:
    run = pipeline.copy(tmp_path / "run")
    original = mart(run.reporting)

    again = run.cli("refresh")
    assert (
        "nothing changed since publication" in again.stdout
        or "no new or changed landing files" in again.stdout
    ), again.stdout[-2000:]
    assert mart(run.reporting) == original

    run.cli("backfill", "--from", "2021", "--to", "2023")
    assert mart(run.reporting) == original
    con = duckdb.connect(str(run.reporting), read_only=True)
    try:
        versions = [
            v for (v,) in con.execute("select version from publication order by 1").fetchall()
        ]
    finally:
        con.close()
    # a run that changes nothing publishes nothing new (or the same figures again)
    assert versions == list(range(1, len(versions) + 1)) and len(versions) <= 3, versions

"""The README's DuckDB shell (`.venv/bin/duckdb -readonly …`) opens the published file."""

from __future__ import annotations

import re
import subprocess

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT, PipelineRun

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]

README = PROJECT_ROOT / "README.md"


def readme_command() -> list[str]:
    said = re.search(r"`(\S*duckdb) -readonly data/reporting\.duckdb`", README.read_text())
    assert said, "README no longer says how to open the published file with the DuckDB shell"
    return [said[1], "-readonly"]


def test_the_duckdb_shell_of_the_readme_opens_the_published_file_read_only(
    pipeline: PipelineRun,
) -> None:
    program, flag = readme_command()
    shell = PROJECT_ROOT / program
    assert shell.is_file(), f"README says `{program}`, which `make install` does not provide"
    query = "select count(*) from marts.mart_school_scorecard"
    shown = subprocess.run(
        [str(shell), flag, str(pipeline.reporting), "-csv", "-noheader", "-c", query],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    try:
        (expected,) = con.execute(query).fetchone() or (None,)
    finally:
        con.close()
    assert expected and shown.split() == [str(expected)]
    write = subprocess.run(
        [str(shell), flag, str(pipeline.reporting), "-c", "create table marts.scratch (x int)"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert write.returncode != 0 and "read-only" in write.stderr

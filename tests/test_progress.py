"""Long work shows progress: a line per ingested file whose figures add up, and a summary."""

from __future__ import annotations

import re

import duckdb
import pytest

LINE = re.compile(
    r"^\[(\d+)/(\d+)\] (\S+/.+): (\d+) read = (\d+) loaded \+ (\d+) quarantined \+ (\d+) skipped$"
)
SUMMARY = re.compile(
    r"^ingested (\d+) file\(s\).*: (\d+) rows read = (\d+) loaded \+ (\d+) quarantined \+ "
    r"(\d+) skipped$"
)


@pytest.mark.xdist_group("pipeline")
def test_refresh_prints_a_line_per_file_that_adds_up(pipeline) -> None:
    lines = pipeline.output.splitlines()
    files = [m for m in map(LINE.match, lines) if m]
    assert files, pipeline.output[:3000]
    total = int(files[0].group(2))
    assert [int(m.group(1)) for m in files] == list(range(1, total + 1))
    assert {int(m.group(2)) for m in files} == {total}
    sums = [0, 0, 0, 0]
    for m in files:
        read, loaded, quarantined, skipped = (int(m.group(i)) for i in range(4, 8))
        assert read == loaded + quarantined + skipped, m.group(0)
        sums = [a + b for a, b in zip(sums, (read, loaded, quarantined, skipped), strict=True)]
    summary = [m for m in map(SUMMARY.match, lines) if m]
    assert len(summary) == 1
    assert [int(g) for g in summary[0].groups()] == [total, *sums]
    # the same files and rows as the warehouse's own accounting
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    n_files, read = con.execute(
        "select count(distinct source_file), sum(rows_read) from audit.file_load_summary"
    ).fetchone()
    con.close()
    assert (total, sums[0]) == (n_files, read)
    assert {m.group(3) for m in files} >= {"registry/Реестр_ОО_на_01.09.2022.xlsx"}
    # the public export, table by table, after the publication
    assert re.search(
        r"^\[\d+/\d+\] public/fct_assessment_result\.csv: \d+ rows", pipeline.output, re.M
    )


@pytest.mark.xdist_group("pipeline")
def test_note_shows_its_steps(pipeline) -> None:
    out = pipeline.cli("note").stdout
    steps = re.findall(r"^\[(\d)/3\] analytical note: ", out, re.M)
    assert steps == ["1", "2", "3"], out

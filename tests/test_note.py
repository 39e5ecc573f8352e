"""The analytical note: written from the published file, checked in a real browser.

The HTML is rendered by headless Chromium (Debian's ``chromium``): the tables and charts must
be present and not blank, and the figures in the page must equal the mart values. Without
Chromium the test is skipped with how to install it; with ``REQUIRE_CHROMIUM=1`` (``.ci/run``)
a missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from orchestration.reports import formats
from tests.conftest import PipelineRun

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]

MUNICIPALITY = "Амурский муниципальный район"
YEAR = 2022  # the year with seed 000's half-year form and a mechanisms evaluation


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = (
        "no Chromium: install Debian's package (`sudo apt-get install chromium`) to run the "
        "browser test of the analytical note"
    )
    if os.environ.get("REQUIRE_CHROMIUM") == "1":
        pytest.fail(message)
    pytest.skip(message)


class Tables(HTMLParser):
    """Cell texts of every table with an id, and the text of every element with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.texts: dict[str, str] = {}
        self.body_attrs: dict[str, str] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._text_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "body":
            self.body_attrs = a
        if tag == "table" and a.get("id"):
            self._table = a["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []
        elif tag == "p" and a.get("id"):
            self._text_id = a["id"]
            self.texts[self._text_id] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "p":
            self._text_id = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._text_id:
            self.texts[self._text_id] += data


def test_the_note_renders_in_chromium_with_the_mart_figures(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    browser = chromium()
    run = pipeline.copy(tmp_path / "run")
    out = run.cli("note", "--municipality", MUNICIPALITY, "--year", str(YEAR)).stdout
    page = next(Path(line.strip()) for line in out.splitlines() if line.startswith("  /"))
    xlsx = page.with_suffix(".xlsx")
    assert page.exists() and xlsx.exists() and xlsx.stat().st_size > 10_000

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000"]
    # bytes, not text: Chromium's stderr (D-Bus, fonts) is not always valid UTF-8
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()],
        capture_output=True, timeout=120, check=True,
    ).stdout.decode("utf-8")  # fmt: skip
    shot = tmp_path / "note.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.std() > 0.05, "the rendered page is blank"

    parsed = Tables()
    parsed.feed(dom)
    widths = [int(w) for w in parsed.body_attrs.get("data-image-widths", "").split(",") if w]
    assert len(widths) == 2 and all(w > 100 for w in widths), "both charts loaded"
    for table in ("indicators-1", "shnor", "journal", "dynamics", "schools", "mechanisms"):
        assert len(parsed.tables[table]) > 1, f"table {table} is empty"

    con = duckdb.connect(str(run.reporting), read_only=True)
    try:
        forms = con.execute(
            "select programme_code, period_start, indicators_in_form, indicators_achieved, "
            "pct_achieved_strict from marts.mart_indicator_achievement "
            "where municipality_name = ? and academic_year = ? order by programme_code, period_start",
            [MUNICIPALITY, YEAR],
        ).fetchall()
        total = con.execute(
            "select index_pct from marts.mart_management_mechanisms where level = 'total' "
            "and municipality_name = ? and academic_year = ?",
            [MUNICIPALITY, YEAR],
        ).fetchone()
        # the municipality's share is the mart's (issue 14.4: blanked groups out of numerator
        # and denominator alike), no longer summed from the school rows here
        dynamics = con.execute(
            "select pct_low_result from marts.mart_territory_results "
            "where territory_level = 'municipality' and municipality_name = ? "
            "and academic_year = ? and assessment_code = 'vpr' and subject_code = 'math'",
            [MUNICIPALITY, YEAR],
        ).fetchone()
    finally:
        con.close()
    assert len(forms) >= 3  # the two annual forms and seed 000's half-year form
    for n, (_, _, in_form, achieved, strict) in enumerate(forms, start=1):
        summary = parsed.texts[f"indicators-{n}-summary"]
        # Russian formats (issue 18): «72,7 %» with a no-break space
        match = re.search(
            r"Из (\d+) показателей достигли плановый показатель (\d+), что составляет "
            r"([\d,]+)\u00a0%",
            summary,
        )
        assert match, summary
        assert (int(match[1]), int(match[2]), float(match[3].replace(",", "."))) == (
            in_form,
            achieved,
            strict,
        )
        assert len(parsed.tables[f"indicators-{n}"]) - 1 == in_form
    seed_000 = next(
        parsed.texts[f"indicators-{n}-summary"]
        for n, form in enumerate(forms, start=1)
        if form[2] == 15 and form[3] == 10
    )
    assert "В форме указано" in seed_000, "the form's unsupported summary is shown beside"
    assert parsed.tables["mechanisms"][-1][4] == formats.number(total[0])
    vpr_math = next(r for r in parsed.tables["dynamics"] if r[0] == "ВПР, математика")
    assert vpr_math[-1] == formats.number(dynamics[0])


def test_one_school_note_shows_the_school_rows_of_the_marts(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    """msoko note --school: the planted ВПР-inflating school in its inflated year."""
    case = next(p for p in pipeline.truth["planted"] if p["case"] == "inflated_vpr")
    school_id, (year,) = f"27-{case['school_code']}", case["academic_years"]
    run = pipeline.copy(tmp_path / "run")
    out = run.cli("note", "--school", school_id, "--year", str(year)).stdout
    page = next(Path(line.strip()) for line in out.splitlines() if line.startswith("  /"))
    assert page.with_suffix(".xlsx").exists()
    parsed = Tables()
    parsed.feed(page.read_text(encoding="utf-8"))
    con = duckdb.connect(str(run.reporting), read_only=True)
    try:
        (name, status) = con.execute(
            "select school_short_name, shnor_status from marts.mart_shnor_risk "
            "where school_id = ? and academic_year = ?",
            [school_id, year],
        ).fetchone()
        markers = con.execute(
            "select count(*) from marts.mart_objectivity_markers "
            "where school_id = ? and academic_year = ? and n_markers > 0",
            [school_id, year],
        ).fetchone()[0]
        (pupils,) = con.execute(
            "select pupils_total from marts.fct_school_profile "
            "where school_id = ? and academic_year = ?",
            [school_id, year],
        ).fetchone()
    finally:
        con.close()
    assert name in page.read_text(encoding="utf-8")
    assert parsed.tables["shnor"][1][:2] == [name, status] and len(parsed.tables["shnor"]) == 2
    rows = parsed.tables["objectivity"][1:]
    assert markers > 0 and len(rows) == markers
    assert all(r[5] for r in rows)  # every row names its markers
    assert any("M2" in r[5] for r in rows) and any("M4" in r[5] for r in rows)
    assert parsed.tables["profile"][1][1] == formats.integer(pupils)
    assert "positive-dynamics" not in parsed.tables  # a municipality's figure
    # a name that fits several schools is refused, naming them
    refused = run.cli("note", "--school", "СОШ", "--year", str(year), check=False)
    assert refused.returncode != 0 and "give a school_id" in refused.stderr

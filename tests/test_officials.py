"""What an official signs, as it is: the note in Russian formats, the headline's and the note's
shares equal to the mart's, open data described for machines, cells that never execute, and a
console that prints each file once with totals that agree (issues 18 and 14.4).

The note is rendered by headless Chromium (Debian's ``chromium``), as in tests/test_note.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from openpyxl import load_workbook

from tests.conftest import PipelineRun
from tests.test_note import MUNICIPALITY, YEAR, Tables, chromium

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# a number written with a decimal point (not a date 01.09.2023, not a section «1. …»)
DECIMAL_POINT = re.compile(r"(?<![\d.,])\d+\.\d+(?![\d.])")
RUSSIAN_DECIMAL = re.compile(r"^[+−]?\d{1,3}(?:\u202f\d{3})*,\d{1,2}$")
SUBJECT_CODES = re.compile(
    r"\b(rus|math|math_profile|math_base|bio|okr|phys|chem|soc|geo|hist|lit|inf|eng|deu|fra)\b"
)
INTERNAL = re.compile(
    r"(mp_quality|mp_shnor_support|motivating_monitoring|DOMAIN|§|not_achieved|no_data|"
    r"partially_achieved|needs_review|unknown_direction|_parameters\b|\bUTC\b(?!\+))"
)


class Visible(Tables):
    """Tables (by id) and every text node outside scripts and styles, with the id of the
    nearest element that has one (figures' legends, source lines)."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.ids: dict[str, list[str]] = {}
        self._skip = 0
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._skip += 1
        ident = dict(attrs).get("id") or ""
        if tag not in ("img", "meta", "br"):
            self._stack.append(ident or (self._stack[-1] if self._stack else ""))
        if ident:
            self.ids.setdefault(ident, [])

    def handle_endtag(self, tag: str) -> None:
        super().handle_endtag(tag)
        if tag in ("script", "style"):
            self._skip -= 1
        if tag not in ("img", "meta", "br") and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        super().handle_data(data)
        if self._skip or not data.strip():
            return
        self.text.append(data)
        if self._stack and self._stack[-1]:
            self.ids.setdefault(self._stack[-1], []).append(data.strip())


def _dom(browser: str, page: Path) -> str:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000"]
    return subprocess.run(
        [browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, timeout=120,
        check=True,
    ).stdout.decode("utf-8")  # fmt: skip


def _note(run: PipelineRun, *args: str) -> Path:
    out = run.cli("note", *args).stdout
    return next(Path(line.strip()) for line in out.splitlines() if line.startswith("  /"))


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_the_note_an_official_signs_is_in_russian_formats_with_russian_names(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    """Rendered in Chromium: no number with a decimal point anywhere in the page; every
    fractional figure of every table written «30,0» / «12,22»; subjects and procedures by their
    Russian names (dim_subject, dim_assessment) in the tables and on the charts' legends; no
    internal code or document reference; local time; a source line under every table and
    chart; plan and fact stored as numbers in the workbook."""
    browser = chromium()
    run = pipeline.copy(tmp_path / "run")
    page = _note(run, "--municipality", MUNICIPALITY, "--year", str(YEAR))
    parsed = Visible()
    parsed.feed(_dom(browser, page))
    visible = "\n".join(parsed.text)

    assert DECIMAL_POINT.findall(visible) == [], "numbers written with a decimal point"
    assert INTERNAL.findall(visible) == [], "internal names in the text"
    assert SUBJECT_CODES.findall(visible) == [], "subject codes instead of names"

    con = duckdb.connect(str(run.reporting), read_only=True)
    try:
        subjects = {
            n for (n,) in con.execute("select subject_name from marts.dim_subject").fetchall()
        }
        mart = con.execute(
            "select assessment_code, subject_code, academic_year, pct_low_result "
            "from marts.mart_territory_results where territory_level = 'municipality' "
            "and municipality_name = ? and academic_year between ? and ?",
            [MUNICIPALITY, YEAR - 2, YEAR],
        ).fetchall()
        plans = con.execute(
            "select count(*) from marts.fct_indicator_value f join marts.dim_municipality m "
            "on f.entity_id = m.municipality_id where m.municipality_name = ? "
            "and f.academic_year = ? and f.value_source = 'reported' and f.plan_value is not null",
            [MUNICIPALITY, YEAR],
        ).fetchone()[0]
    finally:
        con.close()
    lowered = {s[:1].lower() + s[1:] for s in subjects}

    # every fractional number in every table is in Russian format
    fractional = [
        cell
        for rows in parsed.tables.values()
        for row in rows[1:]
        for cell in row
        if re.fullmatch(r"[+−-]?[\d\u202f ]+[.,]\d+", cell)
    ]
    assert fractional and all(RUSSIAN_DECIMAL.match(c) for c in fractional), fractional[:20]
    # subjects by their Russian names: the journal and objectivity tables, the dynamics rows
    # and the chart's legend
    for table, column in (("journal", 1), ("objectivity", 2)):
        names = {row[column] for row in parsed.tables[table][1:]}
        assert names and names <= subjects | {"медалисты (все предметы)"}, names
    for label in [r[0] for r in parsed.tables["dynamics"][1:]] + parsed.ids[
        "chart-dynamics-labels"
    ]:
        procedure, subject = label.split(", ", 1)
        assert procedure in {"ВПР", "ОГЭ", "ЕГЭ"} and subject in lowered, label
    # the municipality's shares are the mart's, written in Russian
    from orchestration.reports import formats

    by_label = {r[0]: r[1:] for r in parsed.tables["dynamics"][1:]}
    procedures = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ"}
    con = duckdb.connect(str(run.reporting), read_only=True)
    subject_names = dict(
        con.execute("select subject_code, subject_name from marts.dim_subject").fetchall()
    )
    con.close()
    compared = 0
    for assessment, subject, year, pct in mart:
        if assessment not in procedures or subject not in (
            "rus",
            "math",
            "math_profile",
            "math_base",
        ):
            continue
        name = subject_names[subject]
        label = f"{procedures[assessment]}, {name[:1].lower() + name[1:]}"
        assert by_label[label][year - (YEAR - 2)] == formats.number(pct), (label, year, pct)
        compared += 1
    assert compared >= 6
    # a source line under every table and every chart
    for table in parsed.tables:
        assert parsed.ids.get(f"{table}-source", [""])[0].startswith("Источник:"), table
    for chart in ("chart-dynamics", "chart-mechanisms"):
        assert parsed.ids.get(f"{chart}-source", [""])[0].startswith("Источник:"), chart
    # generated at the region's local time
    generated = " ".join(parsed.ids["generated"])
    now = dt.datetime.now(ZoneInfo("Asia/Vladivostok"))
    assert f"{now:%d.%m.%Y}" in generated and "время UTC+10" in generated, generated

    # the workbook keeps plan and fact as numbers
    book = load_workbook(page.with_suffix(".xlsx"))
    sheet = book["Показатели"]
    numbers = [
        c.value
        for row in sheet.iter_rows(min_col=4, max_col=5)
        for c in row
        if isinstance(c.value, int | float)
    ]
    assert len(numbers) >= plans, (len(numbers), plans)
    texts_like_numbers = [
        c.value
        for ws in book.worksheets
        for row in ws.iter_rows(min_col=2)
        for c in row
        if isinstance(c.value, str) and re.fullmatch(r"[+−-]?\d+([.,]\d+)?", c.value)
    ]
    assert texts_like_numbers == [], texts_like_numbers[:20]


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_a_school_note_is_named_by_the_school_short_name(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    case = next(p for p in pipeline.truth["planted"] if p["case"] == "inflated_vpr")
    school_id, (year,) = f"27-{case['school_code']}", case["academic_years"]
    run = pipeline.copy(tmp_path / "run")
    page = _note(run, "--school", school_id, "--year", str(year))
    con = duckdb.connect(str(run.reporting), read_only=True)
    (name,) = con.execute(
        "select school_short_name from marts.dim_school_year where school_id = ? "
        "and academic_year = ?",
        [school_id, year],
    ).fetchone()
    con.close()
    assert school_id not in page.name
    assert page.name.startswith(f"Аналитическая_справка_{name.replace(' ', '_')}_"), page.name


@pytest.mark.xdist_group("pipeline")
def test_the_headline_and_the_note_show_the_marts_shares_for_every_municipality_and_year(
    pipeline: PipelineRun,
) -> None:
    """One definition per measure (issue 14.4): the headline's ВПР mathematics share of «2» and
    ЕГЭ Russian below the minimum are the region's rows of mart_territory_results, and every
    figure of the note's dynamics table is the municipality's row — blanked groups left out of
    numerator and denominator alike — for every municipality and year."""
    from orchestration.reports import formats
    from orchestration.reports.note import collect

    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    try:
        region = con.execute(
            "select r.academic_year, r.pct_low_result, e.below_min_count, e.participants_count "
            "from marts.mart_territory_results r join marts.mart_territory_results e "
            "on e.academic_year = r.academic_year and e.territory_level = 'region' "
            "and e.assessment_code = 'ege' and e.subject_code = 'rus' "
            "where r.territory_level = 'region' and r.assessment_code = 'vpr' "
            "and r.subject_code = 'math' order by 1"
        ).fetchall()
        municipal = con.execute(
            "select m.municipality_name, m.academic_year, m.assessment_code, s.subject_name, "
            "m.pct_low_result from marts.mart_territory_results m "
            "join marts.dim_subject s using (subject_code) "
            "where m.territory_level = 'municipality' and m.assessment_code in ('vpr', 'oge', 'ege') "
            "and m.subject_code in ('rus', 'math', 'math_profile', 'math_base')"
        ).fetchall()
        # the rule, by hand: published school groups of 5+ pupils only
        by_hand = con.execute(
            "select y.academic_year, round(100.0 * sum(f.low_result_count) filter (where f.participants_count >= 5) "
            "/ sum(f.participants_count) filter (where f.participants_count >= 5), 2) "
            "from marts.fct_assessment_result f join marts.dim_academic_year y using (academic_year) "
            "where f.assessment_code = 'vpr' and f.subject_code = 'math' group by 1 order by 1"
        ).fetchall()
        years = [
            y
            for (y,) in con.execute("select academic_year from marts.dim_academic_year").fetchall()
        ]
    finally:
        con.close()
    assert [(y, p) for y, p, _, _ in region] == by_hand

    headline = pipeline.cli("status").stdout
    for year, pct, below, sat in region:
        line = next(x for x in headline.splitlines() if x.startswith(f"  {year}/{year + 1}: "))
        assert f"share of «2»: {formats.percent(pct)}" in line, line
        assert f"below the minimum: {formats.integer(below)} of {formats.integer(sat)}" in line, (
            line
        )

    procedures = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ"}
    checked = 0
    for muni in sorted({m for m, *_ in municipal}):
        for year in years:
            _, sections = collect(pipeline.reporting, muni, year)
            dynamics = next(t for s in sections for t in s.tables if t.css_id == "dynamics")
            shown = {row[0]: row[1:] for row in dynamics.rows}
            for m, y, assessment, subject, pct in municipal:
                if m != muni or not (year - 2 <= y <= year):
                    continue
                label = f"{procedures[assessment]}, {subject[:1].lower() + subject[1:]}"
                assert shown[label][y - (year - 2)] == pct, (muni, year, label, y)
                checked += 1
    assert checked > 0


@pytest.mark.xdist_group("pipeline")
def test_open_data_is_a_valid_frictionless_data_package_describing_every_column(
    pipeline: PipelineRun,
) -> None:
    folder = pipeline.data_dir / "public"
    package = folder / "datapackage.json"
    assert package.exists(), sorted(p.name for p in folder.iterdir())
    validator = Path(sys.executable).parent / "frictionless"
    result = subprocess.run(
        [str(validator), "validate", str(package)], capture_output=True, text=True, timeout=600,
        cwd=folder,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    described = json.loads(package.read_text(encoding="utf-8"))
    resources = {r["path"]: r for r in described["resources"]}
    assert set(resources) == {p.name for p in folder.glob("*.csv")}
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    labels = {
        (t, c): (label, description)
        for t, c, label, description in con.execute(
            "select table_name, column_name, label_ru, description from reference.column_catalogue"
        ).fetchall()
    }
    con.close()
    for path, resource in resources.items():
        with open(folder / path, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle, delimiter=";"))
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == header, path
        assert resource["dialect"]["delimiter"] == ";"
        assert {"<5", "x", "N<10", ""} <= set(resource["schema"]["missingValues"])
        for f in fields:
            # the catalogue's label and description (the dbt YAML), not written twice
            assert (f["title"], f["description"]) == labels[(resource["name"], f["name"])], f
            assert re.search("[а-яА-ЯёЁ]", f["title"]), f
            if f["type"] == "number":
                assert f["decimalChar"] == ","
    fct = {f["name"]: f for f in resources["fct_assessment_result.csv"]["schema"]["fields"]}
    assert fct["participants_count"]["unit"] == "человек"
    assert fct["pct_quality"]["unit"] == "%"


@pytest.mark.xdist_group("pipeline")
def test_municipalities_are_identified_by_oktmo_in_the_registry_column_or_the_seed(
    pipeline: PipelineRun,
) -> None:
    """The demo's latest registry has the optional ОКТМО column, typed as a number (Excel drops
    the leading zero): the warehouse puts the zero back; the seed has the same demo codes."""
    with open(PROJECT_ROOT / "dbt_project/seeds/municipality_oktmo.csv", encoding="utf-8") as f:
        seed = {r["municipality_name"]: r["oktmo"] for r in csv.DictReader(f)}
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    rows = con.execute(
        "select municipality_name, oktmo, oktmo_source from marts.dim_municipality"
    ).fetchall()
    con.close()
    assert rows
    for name, oktmo, source in rows:
        assert oktmo == seed[name] and len(oktmo) == 8 and oktmo.startswith("0"), (name, oktmo)
        assert source == "registry"
    with open(pipeline.data_dir / "public" / "dim_municipality.csv", encoding="utf-8-sig") as f:
        published = list(csv.DictReader(f, delimiter=";"))
    assert {r["municipality_name"]: r["oktmo"] for r in published} == {n: o for n, o, _ in rows}


def test_text_cells_never_execute_in_the_open_data_or_the_note_workbook(tmp_path: Path) -> None:
    """A school named like a formula stays text (CSV: a leading «'», OWASP; XLSX: a string
    cell), while a negative number stays a number."""
    from orchestration.publishing import open_data as pe
    from orchestration.publishing.disclosure import PublicTable
    from orchestration.reports.render import Section, Table, write_workbook

    names = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+7 900 000-00-00", "-1", "\tTAB", "Школа"]
    reporting = tmp_path / "reporting.duckdb"
    con = duckdb.connect(str(reporting))
    con.execute("create schema marts")
    con.execute("create schema reference")
    con.execute(
        "create table reference.disclosure_parameters as "
        "select * from (values ('min_count', 5), ('min_share_base', 10)) t(parameter, value)"
    )
    con.execute("create table marts.schools (school varchar, change double, n integer)")
    for i, name in enumerate(names):
        con.execute("insert into marts.schools values (?, ?, ?)", [name, -1.5 - i, 10 + i])
    con.close()
    table = PublicTable("schools", "marts.schools", ("school", "change", "n"))
    pe.write_export(reporting, tmp_path / "public", [table])
    with open(tmp_path / "public" / "schools.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))[1:]
    by_n = {int(r[2]) - 10: (r[0], r[1]) for r in rows}  # the export sorts its rows
    assert [by_n[i][0] for i in range(6)] == ["'" + n for n in names[:5]] + ["Школа"]
    assert [by_n[i][1] for i in range(6)] == [f"-{1.5 + i:g}".replace(".", ",") for i in range(6)]
    book = load_workbook(tmp_path / "public" / pe.WORKBOOK)
    sheet = book["schools"]
    cells = {
        int(n.value) - 10: (a.value, a.data_type, b.value, b.data_type)
        for a, b, n in zip(sheet["A"][1:], sheet["B"][1:], sheet["C"][1:], strict=True)
    }
    assert [cells[i] for i in range(6)] == [(n, "s", -1.5 - i, "n") for i, n in enumerate(names)]

    workbook = tmp_path / "note.xlsx"
    section = Section(
        "Школы",
        tables=[Table("Школы", "тест", ["ОО", "Изменение"], [[n, -1.5] for n in names])],
        sheet="ОО",
    )
    write_workbook(workbook, "Справка", [section])
    ws = load_workbook(workbook)["ОО"]
    written = [(c.value, c.data_type) for row in ws.iter_rows() for c in row if c.value in names]
    assert sorted(written) == sorted((n, "s") for n in names)
    assert any(c.value == -1.5 and c.data_type == "n" for row in ws.iter_rows() for c in row)


@pytest.mark.xdist_group("pipeline")
def test_the_console_prints_each_file_once_and_quarantine_totals_that_agree(
    pipeline: PipelineRun,
) -> None:
    """What a person reads in the terminal of a run (stdout and stderr together): one line per
    file, no third-party warning, and the final quarantine total equal to audit.quarantine,
    split into the ingestion and the warehouse stage."""
    console = pipeline.output + "\n" + pipeline.errors
    file_lines = re.findall(r"\[\d+/\d+\] (\S+/[^:\n]+): ", console)
    assert file_lines, console[:3000]
    repeated = {f: file_lines.count(f) for f in file_lines if file_lines.count(f) > 1}
    assert repeated == {}, repeated
    for warning in ("singular test with multiple dependencies", "Logging an `AssetObservation`"):
        assert warning not in console
    assert not re.search(r"^\d+ of \d+ START ", pipeline.output, re.M), "dbt's every line"
    assert re.search(r"^dbt: .*Done\. PASS=\d+", pipeline.output, re.M), "dbt's totals"

    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    reading, warehouse, total = con.execute(
        "select count(*) filter (where quarantine_stage = 'reading'), "
        "count(*) filter (where quarantine_stage <> 'reading'), count(*) from audit.quarantine"
    ).fetchone()
    con.close()
    final = re.findall(
        r"quarantine: (\d+) at ingestion \+ (\d+) at the warehouse stage .*= (\d+) in total",
        pipeline.output,
    )
    assert final and [int(x) for x in final[-1]] == [reading, warehouse, total], final


def test_a_terminal_shows_a_live_bar_with_the_time_left_and_each_line_once(
    tmp_path: Path,
) -> None:
    """In a pseudo-terminal the CLI's reporter draws a bar with the elapsed and remaining time
    while the file lines scroll above it, each once; dbt's build gets a bar, not its lines."""
    script = (
        "from orchestration.pipeline.progress import Progress\n"
        "import time\n"
        "p = Progress.for_terminal()\n"
        "assert p.live\n"
        "p.start(3)\n"
        "for i in range(3):\n"
        "    time.sleep(0.3)\n"
        "    p.say(p.file_line(f'vpr_fisoko/file{i}.xlsx', [{'rows_read': 5, 'rows_loaded': 5,"
        " 'rows_quarantined': 0, 'rows_skipped': 0}]))\n"
        "print(p.summary())\n"
        "with p.dbt_output():\n"
        "    for n in range(1, 6):\n"
        "        print(f'{n} of 5 START sql table model marts.m{n} ... [RUN]')\n"
        "        time.sleep(0.2)\n"
        "        print(f'{n} of 5 OK created sql table model marts.m{n} ... [OK in 0.2s]')\n"
        "    print('Done. PASS=5 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=5')\n"
    )
    transcript = tmp_path / "typescript"
    subprocess.run(
        ["script", "-qec", f"{sys.executable} -c \"{script}\"", str(transcript)],
        cwd=PROJECT_ROOT, check=True, timeout=60, capture_output=True,
        env={"PYTHONPATH": str(PROJECT_ROOT), "TERM": "xterm", "COLUMNS": "120"},
    )  # fmt: skip
    # what the terminal showed (not the transcript's header, which repeats the command)
    screen = transcript.read_text(errors="replace").split("\n", 1)[1]
    assert "чтение файлов" in screen and "осталось" in screen, screen[-2000:]
    for i in range(3):
        assert screen.count(f"vpr_fisoko/file{i}.xlsx: 5 read") == 1, screen[-2000:]
    assert "ingested 3 file(s)" in screen
    # dbt's build: a bar of its own, its totals once, none of its every line
    assert "dbt build" in screen and "START" not in screen, screen[-2000:]
    assert screen.count("dbt: Done. PASS=5") == 1, screen[-2000:]


def test_dbt_lines_become_a_line_per_tenth_warnings_and_totals_without_a_terminal() -> None:
    """dbt's own lines (dagster-dbt writes them to stdout) reach the reporter even when
    nothing was printed before the build (a refresh with no new file): a line per tenth of the
    nodes, every warning, the totals — and never dbt's every line."""
    import io
    from contextlib import redirect_stdout

    from orchestration.pipeline.progress import Progress

    out = io.StringIO()
    with redirect_stdout(out):
        progress = Progress(terminal=True)  # as the CLI builds it: nothing printed yet
        with progress.dbt_output():
            for n in range(1, 21):
                print(f"{n} of 20 START sql table model marts.m{n} ....... [RUN]")
                status = "WARN 2" if n == 7 else "OK created sql table model"
                print(f"{n} of 20 {status} marts.m{n} ....... [{status.split()[0]} in 0.1s]")
            print("Done. PASS=19 WARN=1 ERROR=0 SKIP=0 NO-OP=0 TOTAL=20")
    lines = out.getvalue().splitlines()
    assert [x for x in lines if x.startswith("dbt build: ")] == [
        f"dbt build: {n} of 20 nodes done" for n in range(2, 21, 2)
    ]
    assert [x for x in lines if "WARN" in x and "of 20" in x] == [
        "dbt: 7 of 20 WARN 2 marts.m7 ....... [WARN in 0.1s]"
    ]
    assert lines[-1] == "dbt: Done. PASS=19 WARN=1 ERROR=0 SKIP=0 NO-OP=0 TOTAL=20"
    assert not any("START" in x for x in lines)

"""The open-data export: small-cell suppression (DOMAIN §8 rule 5) and its check (C15)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from orchestration.publishing import open_data as pe
from orchestration.publishing.dbt_meta import public_tables
from orchestration.publishing.disclosure import (
    COMPLEMENT,
    DisclosureError,
    DisclosureRules,
    PublicTable,
    Rollup,
    check_disclosure,
    suppress,
)
from orchestration.publishing.open_data import write_export

RULES = DisclosureRules(min_count=5, min_share_base=10)
MARKS = PublicTable(
    name="marks",
    relation="marts.marks",
    columns=("school", "n", "m2", "m3", "m4", "m5", "pct_quality", "mean_mark"),
    counts=("n", "m2", "m3", "m4", "m5"),
    shares={"pct_quality": ("n", "m4", "m5")},
    means={"mean_mark": ("n", "m2", "m3", "m4", "m5")},
    totals=(("n", "m2", "m3", "m4", "m5"),),
)


def row(school: str, m2: int, m3: int, m4: int, m5: int) -> dict:
    n = m2 + m3 + m4 + m5
    return {
        "school": school,
        "n": n,
        "m2": m2,
        "m3": m3,
        "m4": m4,
        "m5": m5,
        "pct_quality": round(100 * (m4 + m5) / n, 2),
        "mean_mark": round((2 * m2 + 3 * m3 + 4 * m4 + 5 * m5) / n, 2),
    }


def shown(rows: list[dict], columns: tuple[str, ...]) -> list[list]:
    return [[r[c] for c in columns] for r in rows]


def test_primary_and_complementary_within_a_row() -> None:
    rows = [
        row("A", 2, 8, 10, 0),  # one "2": hidden, and the next smallest part (8) with it
        row("B", 1, 1, 10, 6),  # two "<5" summing to 2 would both be 1: 6 hidden as well
        row("C", 0, 5, 10, 6),  # nothing small: all shown
        row("D", 3, 0, 0, 0),  # a group of 3: all "<5", no share, no mean
    ]
    out = suppress(MARKS, rows, RULES)
    cols = ("n", "m2", "m3", "m4", "m5")
    assert shown(out.rows, cols) == [
        [20, "<5", COMPLEMENT, 10, 0],
        [18, "<5", "<5", 10, COMPLEMENT],
        [21, 0, 5, 10, 6],
        ["<5", "<5", "<5", "<5", "<5"],
    ]
    # a share or mean computed from a hidden count is hidden too (A's quality share is 4s and
    # 5s, both shown); over a base of < 10: "N<10"
    assert shown(out.rows, ("pct_quality", "mean_mark")) == [
        [50.0, COMPLEMENT],
        [COMPLEMENT, COMPLEMENT],
        [76.19, 4.05],
        ["N<10", "N<10"],
    ]
    assert (out.primary, out.complementary) == (1 + 2 + 5, 2)
    assert check_disclosure(MARKS, out.rows, RULES) == []


def test_share_implying_a_small_count_or_over_a_small_base() -> None:
    table = PublicTable("t", "marts.t", ("n", "pct"), counts=("n",), shares={"pct": ("n",)})
    rows = [
        {"n": 8, "pct": 50.0},  # base under 10
        {"n": 20, "pct": 5.0},  # 1 pupil of 20
        {"n": 20, "pct": 95.0},  # all but 1 of 20
        {"n": 20, "pct": 50.0},  # 10 of 20: shown
        {"n": 20, "pct": None},
    ]
    out = suppress(table, rows, RULES)
    assert [r["pct"] for r in out.rows] == ["N<10", COMPLEMENT, COMPLEMENT, 50.0, None]
    assert check_disclosure(table, out.rows, RULES) == []


def test_schools_against_the_municipality_total_row() -> None:
    table = PublicTable(
        "m",
        "marts.m",
        ("year", "level", "unit", "medalists"),
        counts=("medalists",),
        rollup=Rollup("level", "municipality", ("year",)),
    )
    rows = [
        {"year": 2023, "level": "municipality", "unit": "M", "medalists": 25},
        {"year": 2023, "level": "school", "unit": "A", "medalists": 3},
        {"year": 2023, "level": "school", "unit": "B", "medalists": 12},
        {"year": 2023, "level": "school", "unit": "C", "medalists": 10},
        {"year": 2024, "level": "municipality", "unit": "M", "medalists": 30},
        {"year": 2024, "level": "school", "unit": "A", "medalists": 15},
        {"year": 2024, "level": "school", "unit": "B", "medalists": 15},
    ]
    out = suppress(table, rows, RULES)
    # 3 is hidden; 25 − 12 − 10 would give it back, so the smallest other school (10) goes too
    assert [r["medalists"] for r in out.rows] == [25, "<5", 12, COMPLEMENT, 30, 15, 15]
    assert check_disclosure(table, out.rows, RULES) == []


def test_the_total_is_hidden_when_no_part_is_left_to_hide() -> None:
    table = PublicTable(
        "t", "marts.t", ("n", "a", "b"), counts=("n", "a", "b"), totals=(("n", "a", "b"),)
    )
    out = suppress(table, [{"n": 7, "a": 3, "b": 4}], RULES)
    # two "<5" summing to 7 are 3+4 or 4+3: not pinned, the total may stay
    assert out.rows == [{"n": 7, "a": "<5", "b": "<5"}]
    out = suppress(table, [{"n": 8, "a": 4, "b": 4}], RULES)
    # 4 + 4 = 8 pins both: no part ≥ 5 is left, so the total goes
    assert out.rows == [{"n": COMPLEMENT, "a": "<5", "b": "<5"}]
    assert check_disclosure(table, out.rows, RULES) == []


def test_the_check_catches_a_leaking_export() -> None:
    leaking = [
        {"school": "A", "n": 20, "m2": 3, "m3": 7, "m4": 10, "m5": 0},  # a count of 3 shown
        {"school": "B", "n": 20, "m2": "<5", "m3": 7, "m4": 10, "m5": 0},  # the only hidden one
        {"school": "C", "n": 12, "m2": "<5", "m3": "<5", "m4": 10, "m5": 0},  # pinned: 1 and 1
        {"school": "D", "n": 8, "m2": 0, "m3": 0, "m4": 8, "m5": 0, "pct_quality": 100.0},
        {"school": "E", "n": 35, "m2": "<5", "m3": "x", "m4": 10, "m5": 14, "mean_mark": 3.9},
    ]
    problems = check_disclosure(MARKS, leaking, RULES)
    text = "\n".join(problems)
    assert "row 1 m2: count 3 < 5 shown" in text
    assert "row 2 m2: the only hidden part of n" in text
    assert "row 3 m2: hidden, but its group (n row 3) pins it to 1" in text
    assert "row 4 pct_quality: shown over base n = 8" in text
    assert "row 5 mean_mark: shown beside a hidden count" in text
    assert len(problems) == 6  # row 3: m2 and m3 both pinned


def _reporting_file(path: Path, rows: list[dict]) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create schema reference")
    con.execute(
        "create table reference.disclosure_parameters as "
        "select * from (values ('min_count', 5), ('min_share_base', 10)) t(parameter, value)"
    )
    con.execute(
        "create table publication as select 3 as version, timestamp '2026-01-02 03:04:05' "
        "as published_at"
    )
    con.execute(
        "create table marts.marks (school varchar, n integer, m2 integer, m3 integer, "
        "m4 integer, m5 integer, pct_quality double, mean_mark double)"
    )
    for r in rows:
        con.execute("insert into marts.marks values (?, ?, ?, ?, ?, ?, ?, ?)", list(r.values()))
    con.close()


def test_export_files_and_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reporting = tmp_path / "reporting.duckdb"
    _reporting_file(reporting, [row("A", 2, 8, 10, 0), row("C", 0, 5, 10, 6)])
    target = tmp_path / "public"
    lines: list[str] = []
    result = write_export(reporting, target, [MARKS], progress=lines.append)
    assert result.version == 3 and result.tables == {"marks": 2}
    assert lines == [
        "[1/1] public/marks.csv: 2 rows, 1 cells <5, 1 hidden as complements, 1 shares/means hidden"
    ]
    raw = (target / "marks.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    with open(target / "marks.csv", encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle, delimiter=";"))
    assert table == [
        list(MARKS.columns),
        ["A", "20", "<5", "x", "10", "0", "50", "x"],
        ["C", "21", "0", "5", "10", "6", "76,19", "4,05"],
    ]
    meta = json.loads((target / "metadata.json").read_text())
    assert meta["parameters"] == {"min_count": 5, "min_share_base": 10}
    assert meta["tables"]["marks"]["columns"]["pct_quality"]["kind"] == "share"
    readme = (target / "README.md").read_text()
    assert "Publication version 3" in readme and "`<5`" in readme
    assert (target / pe.WORKBOOK).stat().st_size > 0
    assert pe.check_folder(target, [MARKS], RULES) == []

    # an export that would leak is refused and the published folder stays as it was
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    monkeypatch.setattr(pe, "suppress", lambda t, rows, rules: pe.Suppressed(t, list(rows)))
    with pytest.raises(DisclosureError, match="C15"):
        write_export(reporting, target, [MARKS])
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert not list(tmp_path.glob(".public.*"))


def test_a_table_longer_than_a_worksheet_is_left_out_of_the_workbook_and_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worksheet holds 1,048,576 rows; xlsxwriter silently drops what does not fit (at country
    scale fct_assessment_result has 3.2 million). Such a table is left out of the workbook, the
    README (file and sheet) says it is in its CSV only, and the CSV has every row. (Shown with
    a sheet of three rows.)"""
    from python_calamine import CalamineWorkbook

    reporting = tmp_path / "reporting.duckdb"
    _reporting_file(reporting, [row(s, 0, 5, 10, 6) for s in "ABCDE"])
    monkeypatch.setattr(pe, "SHEET_ROWS", 3)
    target = tmp_path / "public"
    write_export(reporting, target, [MARKS])
    with open(target / "marks.csv", encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle, delimiter=";"))) == 6
    workbook = CalamineWorkbook.from_path(str(target / pe.WORKBOOK))
    assert workbook.sheet_names == ["README"]
    note = "Not in `msoko_public.xlsx`: more rows than a worksheet holds (2 under its header)"
    assert note in (target / "README.md").read_text()
    assert any(note in str(r[0]) for r in workbook.get_sheet_by_name("README").to_python())


def test_a_long_table_exported_in_chunks_is_the_table_exported_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table without a rollup and longer than a chunk is suppressed, written and checked a
    chunk at a time (at country scale its rows did not fit in memory: 22 GB for 3.2 million):
    the CSV, the counts and the refusal's row numbers are those of the table done at once."""
    import random

    rng = random.Random(5)
    rows = [
        row(f"S{i:03d}", *(rng.choice([0, 1, 2, 4, 5, 7, 12]) for _ in range(4))) for i in range(60)
    ]
    rows = [r for r in rows if r["n"]]
    reporting = tmp_path / "reporting.duckdb"
    _reporting_file(reporting, rows)
    exported = {}
    for chunk in (1000, 7):
        monkeypatch.setattr(pe, "CHUNK", chunk)
        target = tmp_path / f"public_{chunk}"
        result = write_export(reporting, target, [MARKS])
        meta = json.loads((target / "metadata.json").read_text())["tables"]["marks"]
        exported[chunk] = (
            (target / "marks.csv").read_bytes(),
            result.tables,
            (result.primary, result.complementary, result.rates_hidden),
            meta["rows"],
        )
    assert exported[7] == exported[1000]
    assert exported[7][2][0] > 0 and exported[7][3] == len(rows)

    refusals = {}
    monkeypatch.setattr(pe, "suppress", lambda t, r, rules: pe.Suppressed(t, list(r)))
    for chunk in (1000, 7):
        monkeypatch.setattr(pe, "CHUNK", chunk)
        with pytest.raises(DisclosureError) as refused:
            write_export(reporting, tmp_path / f"leak_{chunk}", [MARKS])
        refusals[chunk] = str(refused.value)
    assert refusals[7] == refusals[1000]
    import re

    numbers = {int(n) for n in re.findall(r"marks row (\d+)", refusals[7])}
    assert max(numbers) > 7  # problems past the first chunk, numbered in the whole table


@pytest.mark.xdist_group("pipeline")
def test_pipeline_public_export_passes_c15(pipeline) -> None:
    folder = pipeline.data_dir / "public"
    assert (folder / "fct_assessment_result.csv").exists(), pipeline.output[-3000:]
    manifest = json.loads(
        (Path(__file__).resolve().parent.parent / "dbt_project/target/manifest.json").read_text()
    )
    tables = public_tables(manifest)
    names = {t.name for t in tables}
    assert {"fct_assessment_result", "dim_school", "mart_shnor_risk"} <= names
    assert "fct_exam_result" not in names and "mart_school_scorecard" not in names
    assert pe.check_folder(folder, tables, RULES) == []
    # every count of 1–4 pupils in the reporting file is "<5" in the export
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    small = con.execute(
        "select academic_year, school_id, assessment_code, subject_code, grade, "
        "participants_count from marts.fct_assessment_result where participants_count < 5"
    ).fetchall()
    con.close()
    assert small
    with open(folder / "fct_assessment_result.csv", encoding="utf-8-sig", newline="") as handle:
        published = {
            (
                r["academic_year"],
                r["school_id"],
                r["assessment_code"],
                r["subject_code"],
                r["grade"],
            ): r
            for r in csv.DictReader(handle, delimiter=";")
        }
    for year, school, assessment, subject, grade, _ in small:
        r = published[(str(year), school, assessment, subject, str(grade or ""))]
        assert r["participants_count"] == "<5"
        assert r["mean_value"] in {"", "N<10"}
    assert any(r["mark2_count"] == COMPLEMENT for r in published.values())


def _full_passes(groups, state, values, m) -> None:
    """Rule 2 as DOMAIN §8 states it: pass over every group until a pass changes nothing."""
    from orchestration.publishing.disclosure import _group_leaks

    changed = True
    while changed:
        changed = False
        for total, parts in groups:
            while _group_leaks(state, values, total, parts, m):
                candidates = [
                    p
                    for p in parts
                    if p not in state and values.get(p) is not None and int(values[p]) >= m
                ]
                if candidates:
                    state[min(candidates, key=lambda p: (int(values[p]), p))] = "complement"
                else:
                    state[total] = "complement"
                changed = True


def test_complements_hidden_by_the_worklist_are_those_of_full_passes() -> None:
    """The export re-examines only the groups whose cells changed (fast at region scale); the
    cells it hides must be exactly those of full passes over every group, on tables with row
    groups and a rollup, where a complement hidden for one group opens another."""
    import random

    from orchestration.publishing import disclosure

    table = PublicTable(
        name="t",
        relation="marts.t",
        columns=("municipality", "level", "n", "m2", "m3", "m4", "m5"),
        counts=("n", "m2", "m3", "m4", "m5"),
        totals=(("n", "m2", "m3", "m4", "m5"),),
        rollup=Rollup("level", "municipality", ("municipality",)),
    )
    rng = random.Random(11)
    tried = opened = 0
    for _ in range(300):
        rows = []
        for mun in range(rng.randint(1, 3)):
            schools = [
                [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14]) for _ in range(4)]
                for _ in range(rng.randint(1, 5))
            ]
            sums = [sum(col) for col in zip(*schools, strict=True)]
            for marks in [sums, *schools]:
                level = "municipality" if marks is sums else "school"
                rows.append(
                    {"municipality": mun, "level": level, "n": sum(marks)}
                    | dict(zip(("m2", "m3", "m4", "m5"), marks, strict=True))
                )
        m = RULES.min_count
        values = {(i, c): r[c] for i, r in enumerate(rows) for c in table.counts}
        groups = disclosure.groups_of(table, rows)
        start = {cell: "primary" for cell, v in values.items() if v is not None and 1 <= v < m}
        for total, parts in groups:
            if start.get(total) == "primary":
                start.update({p: "primary" for p in parts if values.get(p) is not None})
        expected, got = dict(start), dict(start)
        _full_passes(groups, expected, values, m)
        disclosure._hide_complements(groups, got, values, m)
        assert got == expected, rows
        tried += 1
        opened += len(expected) > len(start)
    assert tried == 300 and opened > 100  # most tables needed complements


def test_a_table_without_rollup_suppressed_and_checked_row_by_row_as_all_at_once() -> None:
    """A table whose groups lie within a row is suppressed and checked one row at a time (the
    long fact table at region scale: a third of the time). The cells shown and hidden, the
    counts of markers and the problems found — in their order — must be those of the
    all-cells pass, on generated rows (two groups sharing a total, shares and a mean) and on
    displayed tables tampered with (cells revealed, markers moved)."""
    import random

    from orchestration.publishing import disclosure

    table = PublicTable(
        name="t",
        relation="marts.t",
        columns=("school", "n", "m2", "m3", "m4", "m5", "b1", "b2", "pct_q", "pct_b2", "mean"),
        counts=("n", "m2", "m3", "m4", "m5", "b1", "b2"),
        shares={"pct_q": ("n", "m4", "m5"), "pct_b2": ("n", "b2")},
        means={"mean": ("n", "m2", "m3", "m4", "m5")},
        totals=(("n", "m2", "m3", "m4", "m5"), ("n", "b1", "b2")),
    )
    rng = random.Random(7)
    hidden = problems = 0
    for _ in range(200):
        rows = []
        for s in range(rng.randint(1, 30)):
            marks = [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14, None]) for _ in range(4)]
            n = sum(v or 0 for v in marks)
            b2 = rng.randint(0, n)
            rows.append(
                {"school": f"s{s}", "n": n if rng.random() > 0.05 else None}
                | dict(zip(("m2", "m3", "m4", "m5"), marks, strict=True))
                | {"b1": n - b2, "b2": b2}
                | {
                    "pct_q": round(100 * ((marks[2] or 0) + (marks[3] or 0)) / n, 2) if n else None,
                    "pct_b2": round(100 * b2 / n, 2) if n else None,
                    "mean": rng.choice([None, 3.5, 4.25]),
                }
            )
        by_rows = disclosure._suppress_row_by_row(table, rows, RULES)
        by_cells = disclosure._suppress_cells(table, rows, RULES)
        assert by_rows.rows == by_cells.rows, rows
        assert (by_rows.primary, by_rows.complementary, by_rows.rates_hidden) == (
            by_cells.primary,
            by_cells.complementary,
            by_cells.rates_hidden,
        )
        hidden += by_cells.complementary
        displayed = [dict(r) for r in by_cells.rows]
        for r in displayed:  # tampering: reveal a hidden cell, hide a shown one, change a count
            c = rng.choice(table.columns[1:])
            r[c] = rng.choice([r[c], 1, 3, COMPLEMENT, RULES.primary, "7", None])
        first = rng.choice([0, 200_000])
        found = disclosure._check_row_by_row(table, displayed, RULES, first)
        assert found == disclosure._check_cells(table, displayed, RULES, first)
        assert disclosure._check_row_by_row(table, by_cells.rows, RULES, first) == []
        problems += len(found)
    assert hidden > 100 and problems > 100  # both paths had work to do


def test_the_workbook_holds_what_xlsxwriter_would_write_and_no_formula(tmp_path: Path) -> None:
    """The open-data workbook is written as its XML parts (orchestration.publishing.xlsx, for
    speed). Read back with openpyxl, every cell — value and type — is the cell XlsxWriter
    writes for the same rows (texts as strings, never formulas or links), the header is
    frozen, NaN and infinity are error values rather than formulas, and python-calamine
    (what the warehouse's readers use) reads the same."""
    import datetime as dt
    import math
    from decimal import Decimal

    import openpyxl
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from ingestion.normalize import excel_column_letter as column_letters
    from orchestration.publishing.xlsx import Workbook

    texts = ["=1+1", "+7", "-3", "@SUM(A1)", "\tx", "a\x01b\x1fc", "_x0041_ stays", "&<>\"'",
             "  spaced  ", "Школа № 5", "", "http://example.org", "3.5", "x\ny"]  # fmt: skip
    header = ["n", "share", "mean", "flag", "day", "text"]
    rows = [
        [i, i / 7, Decimal("4.25") if i % 2 else None, i % 3 == 0, dt.date(2024, 5, i + 1), t]
        for i, t in enumerate(texts)
    ]
    ours, theirs = tmp_path / "ours.xlsx", tmp_path / "theirs.xlsx"
    with Workbook(ours) as book:
        book.add_sheet("README", None, [["line one"], [""], ["=not a formula"]], pe._text)
        book.add_sheet("table", header, rows, pe._text)
    reference = xlsxwriter.Workbook(  # as the export wrote it before
        str(theirs),
        {"strings_to_formulas": False, "strings_to_urls": False, "constant_memory": True},
    )
    for name, head, body in [("README", None, [["line one"], [""], ["=not a formula"]]),
                             ("table", header, rows)]:  # fmt: skip
        sheet = reference.add_worksheet(name)
        offset = 0
        if head:
            sheet.freeze_panes(1, 0)
            for c, h in enumerate(head):
                sheet.write_string(0, c, h)
            offset = 1
        for r, values in enumerate(body, offset):
            for c, v in enumerate(values):
                if v is None:
                    continue
                if type(v) in (int, float) or isinstance(v, Decimal):
                    sheet.write_number(r, c, float(v) if isinstance(v, Decimal) else v)
                else:
                    sheet.write_string(r, c, pe._text(v))
    reference.close()

    def cells(path: Path) -> dict[str, list[list[tuple[str, object]]]]:
        book = openpyxl.load_workbook(path)
        return {
            ws.title: [[(c.data_type, c.value) for c in row] for row in ws.iter_rows()]
            for ws in book.worksheets
        }

    got, expected = cells(ours), cells(theirs)
    assert got == expected
    assert all(t != "f" for sheet in got.values() for row in sheet for t, _ in row)
    assert openpyxl.load_workbook(ours)["table"].freeze_panes == "A2"
    assert openpyxl.load_workbook(ours)["README"].freeze_panes is None
    calamine = CalamineWorkbook.from_path(str(ours))
    assert calamine.sheet_names == ["README", "table"]
    assert [row[5] for row in calamine.get_sheet_by_name("table").to_python()[1:]] == texts

    with Workbook(tmp_path / "errors.xlsx") as book:
        book.add_sheet("t", ["v"], [[math.nan], [math.inf], [1.5]])
    values = [c.value for c in openpyxl.load_workbook(tmp_path / "errors.xlsx")["t"]["A"]]
    assert values == ["v", "#NUM!", "#DIV/0!", 1.5]
    assert [column_letters(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    with pytest.raises(ValueError, match="worksheet name"), Workbook(tmp_path / "bad.xlsx") as book:
        book.add_sheet("a/b", ["v"], [])

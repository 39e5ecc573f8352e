"""The analytical note (аналитическая справка) for a municipality and an academic year.

    msoko note --municipality "Амурский муниципальный район" --year 2023

Read from the published reporting file only (read-only; what leaves the authority: small groups
are already blanked there), written as HTML (charts embedded as PNG data) and XLSX (the same
tables, the same charts as images) into ``<data>/reports/notes/``. Every figure names the mart
it comes from; indicator rows name their form file and row (lineage), and docs/marts.md shows
the queries to trace any other figure back to files and rows.

Sections: 1 programme indicators, plan and fact, with the summary recomputed (and the form's own
claim beside it where they differ); 2 schools with low results (ШНОР) and at risk, with reasons
(mart_shnor_risk, a derived methodology); 3 the markers of non-objective ВПР results
(mart_objectivity_markers, derived) and the journal comparison behind M1; 4 dynamics of Russian and mathematics (ВПР, ОГЭ, ЕГЭ) with charts;
5 the quality-management mechanisms (П20); 6 data-quality caveats.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import duckdb

from orchestration.reports.note.caveats import _caveats
from orchestration.reports.note.common import Scope, _rows, _year
from orchestration.reports.note.dynamics import _dynamics
from orchestration.reports.note.indicators import _indicators
from orchestration.reports.note.mechanisms import _mechanisms
from orchestration.reports.note.objectivity import _objectivity
from orchestration.reports.note.school import _school_profile, _school_scope
from orchestration.reports.note.shnor import _shnor
from orchestration.reports.render import Section, html_page, sections_html, write_workbook


def collect(
    reporting: Path, municipality: str | None, year: int, school: str | None = None
) -> tuple[Scope, list[Section]]:
    """The sections of the note for a municipality, or for one school (by school_id or by a
    part of its short name, unique in the year)."""
    con = duckdb.connect(str(reporting), read_only=True)
    try:
        if school is not None:
            scope = _school_scope(con, school, year)
            sheets = {
                "ОО": _school_profile(con, scope, year),
                "ШНОР": _shnor(con, scope, year),
                "Объективность": _objectivity(con, scope, year),
                "Динамика": _dynamics(con, scope, year),
                "Ограничения": _caveats(con, scope, year),
            }
        else:
            known = [
                r[0] for r in _rows(con, "select municipality_name from marts.dim_municipality")
            ]
            if municipality is None or municipality not in known:
                raise ValueError(f"unknown municipality «{municipality}»; the file has: {known}")
            scope = Scope("municipality_name", municipality, municipality)
            sheets = {
                "Показатели": _indicators(con, municipality, year),
                "ШНОР": _shnor(con, scope, year),
                "Объективность": _objectivity(con, scope, year),
                "Динамика": _dynamics(con, scope, year),
                "Механизмы": _mechanisms(con, municipality, year),
                "Ограничения": _caveats(con, scope, year),
            }
    finally:
        con.close()
    for number, (sheet, section) in enumerate(sheets.items(), start=1):  # numbered as they stand
        section.title = f"{number}. {re.sub(r'^[0-9]+[.] ', '', section.title)}"
        section.sheet = sheet
    return scope, list(sheets.values())


def write_note(
    reporting: Path,
    out_dir: Path,
    municipality: str | None,
    year: int,
    progress=lambda message: None,
    school: str | None = None,
) -> tuple[Path, Path]:
    """The note for a municipality, or for one school (``school``: a school_id or a part of its
    short name); HTML and XLSX in ``out_dir``."""
    subject = school if school is not None else municipality
    progress(f"[1/3] analytical note: reading the figures of {subject}, {year}/{year + 1}")
    scope, sections = collect(reporting, municipality, year, school)
    out_dir.mkdir(parents=True, exist_ok=True)
    label = scope.value if scope.is_school else scope.name.split()[0]
    stem = f"Аналитическая_справка_{label}_{year}-{year + 1}"
    title = (
        f"Аналитическая справка о результатах оценки качества образования: {scope.name}, "
        f"{_year(year)} учебный год"
    )
    html_path = out_dir / f"{stem}.html"
    tables = sum(len(s.tables) for s in sections)
    progress(f"[2/3] analytical note: {len(sections)} sections, {tables} tables → {html_path.name}")
    html_path.write_text(_html(title, sections), encoding="utf-8")
    xlsx_path = out_dir / f"{stem}.xlsx"
    progress(f"[3/3] analytical note: workbook → {xlsx_path.name}")
    _xlsx(xlsx_path, title, sections)
    return html_path, xlsx_path


def _html(title: str, sections: list[Section]) -> str:
    now = dt.datetime.now(dt.UTC)
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>Сформировано {now:%d.%m.%Y %H:%M} UTC из опубликованного файла отчётности.</p>",
        sections_html(sections),
    ]
    return html_page(
        title,
        "".join(body),
        "body{font-family:'DejaVu Sans',sans-serif;margin:2em;max-width:80em;color:#111}"
        "table{border-collapse:collapse;margin:.5em 0;font-size:90%}"
        "th,td{border:1px solid #999;padding:.2em .45em;text-align:left;vertical-align:top}"
        "th{background:#e8eef5}.source,.meta{color:#555;font-size:85%}.summary{font-weight:bold}"
        "img{max-width:100%;border:1px solid #ccc}",
        # for checks in a browser: the rendered size of every chart, once images have loaded
        "window.addEventListener('load',function(){document.body.dataset.imageWidths="
        "Array.from(document.images).map(function(i){return i.naturalWidth}).join(',')})",
    )


def _xlsx(path: Path, title: str, sections: list[Section]) -> None:
    write_workbook(
        path,
        title,
        sections,
        widths=lambda section: (28, 60 if section.sheet == "Показатели" else 18, 14),
    )

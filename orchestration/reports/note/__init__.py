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
import re
from pathlib import Path

import duckdb

from orchestration.reports import formats
from orchestration.reports.note.caveats import _caveats
from orchestration.reports.note.common import Names, Scope, _rows, _year
from orchestration.reports.note.dynamics import _dynamics
from orchestration.reports.note.indicators import _indicators
from orchestration.reports.note.mechanisms import _mechanisms
from orchestration.reports.note.objectivity import _objectivity
from orchestration.reports.note.school import _school_profile, _school_scope
from orchestration.reports.note.shnor import _shnor
from orchestration.reports.render import Section, render, write_workbook

DEFAULT_TIMEZONE = "Asia/Vladivostok"  # the demo region's (Settings.timezone)


def collect(
    reporting: Path,
    municipality: str | None,
    year: int,
    school: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
) -> tuple[Scope, list[Section]]:
    """The sections of the note for a municipality, or for one school (by school_id or by a
    part of its short name, unique in the year)."""
    con = duckdb.connect(str(reporting), read_only=True)
    try:
        names = Names.read(con, timezone)
        if school is not None:
            scope = _school_scope(con, school, year)
            sheets = {
                "ОО": _school_profile(con, names, scope, year),
                "ШНОР": _shnor(con, names, scope, year),
                "Объективность": _objectivity(con, names, scope, year),
                "Динамика": _dynamics(con, names, scope, year),
                "Ограничения": _caveats(con, names, scope, year),
            }
        else:
            known = [
                r[0] for r in _rows(con, "select municipality_name from marts.dim_municipality")
            ]
            if municipality is None or municipality not in known:
                raise ValueError(f"unknown municipality «{municipality}»; the file has: {known}")
            scope = Scope("municipality_name", municipality, municipality, municipality)
            sheets = {
                "Показатели": _indicators(con, names, municipality, year),
                "ШНОР": _shnor(con, names, scope, year),
                "Объективность": _objectivity(con, names, scope, year),
                "Динамика": _dynamics(con, names, scope, year),
                "Механизмы": _mechanisms(con, names, municipality, year),
                "Ограничения": _caveats(con, names, scope, year),
            }
    finally:
        con.close()
    for number, (sheet, section) in enumerate(sheets.items(), start=1):  # numbered as they stand
        section.title = f"{number}. {re.sub(r'^[0-9]+[.] ', '', section.title)}"
        section.sheet = sheet
    return scope, list(sheets.values())


def file_stem(scope: Scope, year: int) -> str:
    """«Аналитическая_справка_Амурский_2023-2024», «Аналитическая_справка_МБОУ_СОШ_№_5_г._Амурск_…»:
    the municipality's first word, or the school's short name (never its id)."""
    label = scope.short_name if scope.is_school else scope.name.split()[0]
    label = re.sub(r'[\\/:*?"<>|«»]+', "", label)  # characters file systems refuse
    label = re.sub(r"\s+", "_", label.strip())
    return f"Аналитическая_справка_{label}_{year}-{year + 1}"


def write_note(
    reporting: Path,
    out_dir: Path,
    municipality: str | None,
    year: int,
    progress=lambda message: None,
    school: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
) -> tuple[Path, Path]:
    """The note for a municipality, or for one school (``school``: a school_id or a part of its
    short name); HTML and XLSX in ``out_dir``. Times are shown in ``timezone``."""
    subject = school if school is not None else municipality
    progress(f"[1/3] analytical note: reading the figures of {subject}, {year}/{year + 1}")
    scope, sections = collect(reporting, municipality, year, school, timezone)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file_stem(scope, year)
    title = (
        f"Аналитическая справка о результатах оценки качества образования: {scope.name}, "
        f"{_year(year)} учебный год"
    )
    generated = (
        f"Сформировано {formats.local_datetime(dt.datetime.now(dt.UTC), timezone)} "
        "из опубликованного файла отчётности."
    )
    html_path = out_dir / f"{stem}.html"
    tables = sum(len(s.tables) for s in sections)
    progress(f"[2/3] analytical note: {len(sections)} sections, {tables} tables → {html_path.name}")
    html_path.write_text(
        render("note.html.j2", title=title, generated=generated, sections=sections),
        encoding="utf-8",
    )
    xlsx_path = out_dir / f"{stem}.xlsx"
    progress(f"[3/3] analytical note: workbook → {xlsx_path.name}")
    write_workbook(
        xlsx_path,
        title,
        sections,
        widths=lambda section: (28, 60 if section.sheet == "Показатели" else 18, 14),
        subtitle=generated,
    )
    return html_path, xlsx_path

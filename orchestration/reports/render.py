"""The render layer of the reports: tables, sections and charts → HTML pages, Markdown, XLSX.

Shared by the analytical note and the data quality report, which build ``Section``s (or bare
tables) and leave the markup to this module.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter


@dataclass
class Table:
    title: str
    source: str  # the mart (and columns) the figures come from
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    css_id: str = ""


@dataclass
class Chart:
    title: str
    png: bytes
    css_id: str


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    sheet: str = ""  # the workbook sheet's name (collect sets it)


def table_html(headers: Sequence[str], rows: Sequence[Sequence[Any]], css_id: str = "") -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    ident = f" id='{css_id}'" if css_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def table_markdown(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    md = ["| " + " | ".join(str(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    md += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(md)


def chart_html(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode()
    return (
        f"<figure><img id='{chart.css_id}' alt='{html.escape(chart.title)}' "
        f"src='data:image/png;base64,{data}'><figcaption>{html.escape(chart.title)}"
        "</figcaption></figure>"
    )


def sections_html(sections: Sequence[Section]) -> str:
    """Each section: its heading, paragraphs, tables (title, note, source) and charts."""
    body: list[str] = []
    for section in sections:
        body.append(f"<h2>{html.escape(section.title)}</h2>")
        body += [f"<p>{html.escape(p)}</p>" for p in section.paragraphs]
        for table in section.tables:
            body.append(
                f"<h3>{html.escape(table.title)}</h3>"
                + table_html(table.headers, table.rows, table.css_id)
                + (
                    f"<p class='summary' id='{table.css_id}-summary'>{html.escape(table.note)}</p>"
                    if table.note
                    else ""
                )
                + f"<p class='source'>Источник: {html.escape(table.source)}</p>"
            )
        body += [chart_html(chart) for chart in section.charts]
    return "".join(body)


def html_page(title: str, body: str, css: str, script: str = "") -> str:
    """A self-contained page (no external styles or scripts: it opens offline)."""
    return (
        "<!doctype html><html lang='ru'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{css}</style></head><body>"
        + body
        + (f"<script>{script}</script>" if script else "")
        + "</body></html>"
    )


def write_workbook(
    path: Path,
    title: str,
    sections: Sequence[Section],
    widths: Callable[[Section], tuple[int, int, int]] = lambda section: (28, 18, 14),
) -> None:
    """One sheet per section (``Section.sheet``): title, paragraphs, tables, charts as images.
    ``widths``: of column A, of column B, and of C…I."""
    book = xlsxwriter.Workbook(path)
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "valign": "top"})
    for section in sections:
        ws = book.add_worksheet(section.sheet)
        ws.write(0, 0, title, bold)
        ws.write(1, 0, section.title, bold)
        r = 3
        for paragraph in section.paragraphs:
            ws.write(r, 0, paragraph)
            r += 1
        for table in section.tables:
            r += 1
            ws.write(r, 0, table.title, bold)
            r += 1
            for c, h in enumerate(table.headers):
                ws.write(r, c, h, header)
            for row in table.rows:
                r += 1
                for c, value in enumerate(row):
                    ws.write(r, c, value, cell)
            r += 1
            if table.note:
                ws.write(r, 0, table.note, bold)
                r += 1
            ws.write(r, 0, f"Источник: {table.source}")
            r += 2
        for chart in section.charts:
            ws.insert_image(r, 0, f"{chart.css_id}.png", {"image_data": io.BytesIO(chart.png)})
            r += 20
        first, second, rest = widths(section)
        ws.set_column(0, 0, first)
        ws.set_column(1, 1, second)
        ws.set_column(2, 8, rest)
    book.close()

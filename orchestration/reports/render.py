"""The render layer of the reports: tables, sections and charts → HTML pages, Markdown, XLSX.

Shared by the analytical note and the data quality report, which build ``Section``s (or bare
tables) and leave the markup to this module. Every figure is written in Russian formats
(``formats``: decimal comma, grouped thousands, ДД.ММ.ГГГГ); HTML comes from Jinja2 templates
with autoescaping (``templates/``); the workbook keeps numbers as numbers with Russian number
formats and writes every text as a string, never as a formula (OWASP: a cell starting with
``=``, ``+``, ``-`` or ``@`` is text, not something Excel executes). Charts carry a source line
like tables do.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import xlsxwriter

from orchestration.reports import formats

#: how a column's values are shown: text as it is; numbers in Russian format; «signed» with
#: + or − (changes); «year» an academic year 2023 → 2023/2024; «code» verbatim.
KINDS = ("auto", "text", "int", "num", "signed", "pct", "year", "code")
_TEXT_KINDS = ("text", "year", "code")

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("orchestration.reports", "templates"),
    autoescape=True,  # every value is text to show, never markup
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class Table:
    title: str
    source: str  # where the figures come from, in words (and the published table)
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    css_id: str = ""
    kinds: list[str] = field(default_factory=list)  # per column (KINDS); default «auto»

    def kind(self, column: int) -> str:
        return self.kinds[column] if column < len(self.kinds) else "auto"

    def shown_rows(self) -> list[list[str]]:
        """The cells as the reader sees them (Russian formats)."""
        return [[show(v, self.kind(c)) for c, v in enumerate(row)] for row in self.rows]

    def cells(self) -> list[list[tuple[str, bool]]]:
        """Each cell as shown, and whether it is a number (right-aligned)."""
        return [
            [
                (show(v, self.kind(c)), self.kind(c) not in _TEXT_KINDS and formats.is_number(v))
                for c, v in enumerate(row)
            ]
            for row in self.rows
        ]


@dataclass
class Chart:
    title: str
    png: bytes
    css_id: str
    source: str = ""  # the source line under the chart
    labels: list[str] = field(default_factory=list)  # its lines or bars, as the legend says

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode()


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    sheet: str = ""  # the workbook sheet's name (collect sets it)


def show(value: Any, kind: str = "auto") -> str:
    """One cell as text, by its column's kind."""
    if value is None:
        return formats.DASH
    if kind == "code" or (kind == "text" and isinstance(value, str)):
        return str(value)
    if kind == "signed":
        return formats.number(value, signed=True) if formats.is_number(value) else str(value)
    if kind == "pct":
        return formats.percent(value) if formats.is_number(value) else str(value)
    if kind == "year" and isinstance(value, int):
        return formats.academic_year(value)
    if kind == "num" and formats.is_number(value):
        return formats.number(float(value))
    return formats.cell(value)


def render(template: str, **context: Any) -> str:
    """A page from ``templates/<template>`` (autoescaped)."""
    return _ENV.get_template(template).render(**context)


def table_markdown(table: Table) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "/").replace("\n", " ")

    md = [
        "| " + " | ".join(esc(h) for h in table.headers) + " |",
        "|" + "---|" * len(table.headers),
    ]
    md += ["| " + " | ".join(esc(c) for c in row) + " |" for row in table.shown_rows()]
    return "\n".join(md)


# ---------------------------------------------------------------------------------------------
# the workbook

# Excel number formats (stored in the file's neutral notation; Russian Excel shows «12 345,67»)
_XLSX_FORMATS = {
    "int": "[$-419]#,##0",
    "num": "[$-419]#,##0.0#",
    "pct": '[$-419]#,##0.0#" %"',
    "signed": "[$-419]+#,##0.0#;-#,##0.0#;0.0",
}


def _xlsx_number_format(value: Any, kind: str) -> str | None:
    """The number format of a numeric cell, or None when the value is not a number."""
    if not formats.is_number(value):
        return None
    if kind in ("signed", "pct"):
        return _XLSX_FORMATS[kind]
    if isinstance(value, int) and kind != "num":
        return _XLSX_FORMATS["int"]
    return _XLSX_FORMATS["num"]


def write_text(ws: Any, row: int, col: int, text: str, style: Any = None) -> None:
    """Text as text: never a formula, whatever it starts with."""
    ws.write_string(row, col, text, style)


def write_workbook(
    path: Path,
    title: str,
    sections: Sequence[Section],
    widths: Callable[[Section], tuple[int, int, int]] = lambda section: (28, 18, 14),
    subtitle: str = "",
) -> None:
    """One sheet per section (``Section.sheet``): title, paragraphs, tables, charts as images.
    ``widths``: of column A, of column B, and of C…I."""
    book = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    muted = book.add_format({"italic": True, "font_color": "#555555"})
    header = book.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1, "text_wrap": True})
    text_cell = book.add_format({"border": 1, "valign": "top", "text_wrap": True})
    number_cells: dict[str, Any] = {}

    def number_cell(num_format: str) -> Any:
        if num_format not in number_cells:
            number_cells[num_format] = book.add_format(
                {"border": 1, "valign": "top", "num_format": num_format}
            )
        return number_cells[num_format]

    for section in sections:
        ws = book.add_worksheet(section.sheet)
        write_text(ws, 0, 0, title, bold)
        r = 1
        if subtitle:
            write_text(ws, r, 0, subtitle, muted)
            r += 1
        write_text(ws, r, 0, section.title, bold)
        r += 2
        for paragraph in section.paragraphs:
            write_text(ws, r, 0, paragraph, wrap)
            r += 1
        for table in section.tables:
            r += 1
            write_text(ws, r, 0, table.title, bold)
            r += 1
            for c, h in enumerate(table.headers):
                write_text(ws, r, c, h, header)
            for row in table.rows:
                r += 1
                for c, value in enumerate(row):
                    kind = table.kind(c)
                    num_format = None
                    if kind not in ("code", "year", "text"):
                        num_format = _xlsx_number_format(value, kind)
                    if num_format is not None:
                        ws.write_number(r, c, float(value), number_cell(num_format))
                    else:
                        write_text(ws, r, c, show(value, kind), text_cell)
            r += 1
            if table.note:
                write_text(ws, r, 0, table.note, bold)
                r += 1
            write_text(ws, r, 0, f"Источник: {table.source}", muted)
            r += 2
        for chart in section.charts:
            write_text(ws, r, 0, chart.title, bold)
            ws.insert_image(r + 1, 0, f"{chart.css_id}.png", {"image_data": io.BytesIO(chart.png)})
            r += 24
            if chart.source:
                write_text(ws, r, 0, f"Источник: {chart.source}", muted)
            r += 2
        first, second, rest = widths(section)
        ws.set_column(0, 0, first)
        ws.set_column(1, 1, second)
        ws.set_column(2, 8, rest)
    book.close()


# ---------------------------------------------------------------------------------------------
# charts


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt


def _ru_axis(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    def tick(value: float, _: Any) -> str:
        return formats.number(int(value) if value == int(value) else round(value, 2))

    axis.set_major_formatter(FuncFormatter(tick))


def line_chart(title: str, series: dict[str, list[tuple[int, float | None]]], ylabel: str) -> bytes:
    """Lines by academic year; the legend below the plot, so that it hides no line."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.6), dpi=100)
    for label, points in series.items():
        xs = [formats.academic_year(x) for x, y in points if y is not None]
        ys = [y for _, y in points if y is not None]
        if xs:
            ax.plot(xs, ys, marker="o", label=label)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    _ru_axis(ax.yaxis)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def bar_chart(title: str, labels: list[str], values: list[float], xlabel: str) -> bytes:
    """Horizontal bars 0–100; long labels wrapped between words, never cut."""
    plt = _pyplot()
    wrapped = [textwrap.fill(label, width=38, break_long_words=False) for label in labels]
    lines = sum(label.count("\n") + 1 for label in wrapped)
    fig, ax = plt.subplots(figsize=(9, max(3.6, 0.32 * lines + 1.2)), dpi=100)
    ax.barh(wrapped, values, color="#3a6ea5")
    for y, value in enumerate(values):
        ax.text(value + 1, y, formats.number(value), va="center", fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    _ru_axis(ax.xaxis)
    ax.tick_params(axis="y", labelsize=8)
    ax.invert_yaxis()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()

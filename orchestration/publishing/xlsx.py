"""The open-data workbook written as the XML parts of an XLSX file, a row at a time.

The workbook of the public export is a list of plain tables: a header row, numbers and texts,
the header frozen. XlsxWriter's per-cell path (argument conversion, dimension checks, an XML
writer call per cell) took 2.8 s for the 40,748 rows of the region's fact table, the longest
part of the publish step (BENCHMARKS.md); here a row is one string built from its cells.

What is written, and what is not:
- a number is a number cell (``int``, ``float``, or any other non-text value with
  ``__float__``: ``Decimal``, HUGEINT); NaN and infinity are the error values ``#NUM!`` and
  ``#DIV/0!``, never a formula;
- every other value is an inline string (``t="inlineStr"``), whatever it starts with: a text
  is never a formula, a link or a number (the standard of «Outputs never execute»); XML's
  special characters are escaped, control characters written as Excel's ``_xHHHH_`` (and a
  literal ``_xHHHH_`` escaped in turn), leading or trailing spaces preserved;
- no styles beyond Excel's default, no shared strings, no dates (the export writes dates as
  ISO texts, as its CSV does).

The file is a ZIP of: ``[Content_Types].xml``, ``_rels/.rels``, ``xl/workbook.xml``,
``xl/_rels/workbook.xml.rels``, ``xl/styles.xml``, one ``xl/worksheets/sheetN.xml`` per sheet
(ECMA-376 SpreadsheetML, the parts and element order Excel requires).
tests/test_public_export.py reads it back with openpyxl and python-calamine and compares every
cell with XlsxWriter's workbook of the same rows."""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any
from xml.sax.saxutils import escape

from ingestion.normalize import excel_column_letter

MAX_TEXT = 32_767  # characters in a cell (Excel)
MAX_ROWS = 1_048_576
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_NEEDS_WORK = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _text_xml(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise ValueError(f"a text of {len(text):,} characters does not fit a cell ({MAX_TEXT:,})")
    if _NEEDS_WORK.search(text):
        text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
        text = escape(text)
    if text[:1].isspace() or text[-1:].isspace():
        return f'<is><t xml:space="preserve">{text}</t></is>'
    return f"<is><t>{text}</t></is>"


def _number_xml(ref: str, number: float) -> str:
    if math.isfinite(number):
        return f'<c r="{ref}"><v>{number:.16G}</v></c>'  # as XlsxWriter
    return f'<c r="{ref}" t="e"><v>{"#NUM!" if math.isnan(number) else "#DIV/0!"}</v></c>'


class Workbook:
    """``with Workbook(path) as book: book.add_sheet(name, header, rows, text)``."""

    def __init__(self, path: Path) -> None:
        self._zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
        self._sheets: list[str] = []

    def __enter__(self) -> Workbook:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self._zip.close()

    def add_sheet(
        self,
        name: str,
        header: Sequence[str] | None,
        rows: Iterable[Sequence[Any]],
        text: Callable[[Any], str] = str,
        *,
        freeze_header: bool = True,
    ) -> None:
        """A worksheet: ``header`` (texts) in row 1, frozen, then ``rows``, each a sequence of
        cell values in column order (``None``: an empty cell); ``text`` makes the string of a
        value that is not a number."""
        if len(name) > 31 or not name or re.search(r"[\[\]:*?/\\]", name):
            raise ValueError(f"not a worksheet name: {name!r}")
        if name.lower() in {s.lower() for s in self._sheets}:
            raise ValueError(f"two worksheets named {name!r}")
        self._sheets.append(name)
        number = len(self._sheets)
        with self._zip.open(f"xl/worksheets/sheet{number}.xml", "w") as raw:
            write = raw.write
            selected = ' tabSelected="1"' if number == 1 else ""
            view = f'<sheetView workbookViewId="0"{selected}'
            if header is not None and freeze_header:
                view += (
                    '><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                    'state="frozen"/><selection pane="bottomLeft" activeCell="A2" '
                    'sqref="A2"/></sheetView>'
                )
            else:
                view += "/>"
            write(
                f'{_HEADER}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheetViews>{view}'
                '</sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>'.encode()
            )
            letters: list[str] = []
            r = 0
            if header is not None:
                r = 1
                write(_row_xml(1, list(header), letters, str).encode())
            buffer: list[str] = []
            for values in rows:
                r += 1
                if r > MAX_ROWS:
                    raise ValueError(f"worksheet {name!r}: more rows than a worksheet holds")
                buffer.append(_row_xml(r, values, letters, text))
                if len(buffer) == 2_000:
                    write("".join(buffer).encode())
                    buffer.clear()
            write(("".join(buffer) + "</sheetData></worksheet>").encode())

    def close(self) -> None:
        sheets = "".join(
            f'<sheet name="{escape(n, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
            for i, n in enumerate(self._sheets, 1)
        )
        count = len(self._sheets)
        parts = {
            "[Content_Types].xml": (
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                + "".join(
                    f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                    for i in range(1, count + 1)
                )
                + '<Override PartName="/xl/styles.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
            ),
            "_rels/.rels": (
                f'<Relationships xmlns="{_PACKAGE_RELS}"><Relationship Id="rId1" '
                'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                'officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl/workbook.xml": (
                f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><bookViews><workbookView/>'
                f"</bookViews><sheets>{sheets}</sheets></workbook>"
            ),
            "xl/_rels/workbook.xml.rels": (
                f'<Relationships xmlns="{_PACKAGE_RELS}">'
                + "".join(
                    f'<Relationship Id="rId{i}" Type="{_RELS}/worksheet" '
                    f'Target="worksheets/sheet{i}.xml"/>'
                    for i in range(1, count + 1)
                )
                + f'<Relationship Id="rId{count + 1}" Type="{_RELS}/styles" '
                'Target="styles.xml"/></Relationships>'
            ),
            "xl/styles.xml": (
                f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/>'
                '<name val="Calibri"/><family val="2"/></font></fonts><fills count="2"><fill>'
                '<patternFill patternType="none"/></fill><fill><patternFill '
                'patternType="gray125"/></fill></fills><borders count="1"><border><left/>'
                '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1">'
                '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
                'xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
                'builtinId="0"/></cellStyles></styleSheet>'
            ),
        }
        for name, xml in parts.items():
            self._zip.writestr(name, _HEADER + xml)
        self._zip.close()


def _row_xml(r: int, values: Sequence[Any], letters: list[str], text: Callable[[Any], str]) -> str:
    while len(letters) < len(values):
        letters.append(excel_column_letter(len(letters)))
    cells = [f'<row r="{r}">']
    append = cells.append
    for letter, value in zip(letters, values, strict=False):
        if value is None:
            continue
        kind = type(value)
        if kind is int:
            append(f'<c r="{letter}{r}"><v>{value}</v></c>')
        elif kind is float:
            append(_number_xml(f"{letter}{r}", value))
        elif kind is not bool and kind is not str and hasattr(value, "__float__"):
            append(_number_xml(f"{letter}{r}", float(value)))  # Decimal, HUGEINT
        else:
            append(f'<c r="{letter}{r}" t="inlineStr">{_text_xml(text(value))}</c>')
    append("</row>")
    return "".join(cells)

"""Small helpers for unit tests: write xlsx / CSV files the way authorities send them, read them.

Files are built inside each test's ``tmp_path``; nothing here touches the landing folder, the
lake or Dagster.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from ingestion.engine import BatchResult, FileVersion, connect_for_ingestion, read_batch
from ingestion.sheets import file_sha256
from ingestion.sources import READERS

SECRET = b"x" * 40
EMPTY_LINE = object()  # a CSV line with nothing on it (not even separators)

Merge = tuple[int, int, int, int, str]  # first row, first col, last row, last col (0-based), text


def write_xlsx(
    path: Path,
    sheets: dict[str, Sequence[Sequence[Any]]],
    merges: dict[str, Sequence[Merge]] | None = None,
) -> Path:
    """Numbers (int/float) become numeric cells, everything else text cells; None/"" is empty."""
    book = xlsxwriter.Workbook(path, {"strings_to_numbers": False})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, int | float) and not isinstance(value, bool):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
        for r1, c1, r2, c2, text in (merges or {}).get(name, ()):
            ws.merge_range(r1, c1, r2, c2, text)
    book.close()
    return path


def write_csv(
    path: Path,
    rows: Sequence[Any],
    *,
    encoding: str = "cp1251",
    delimiter: str = ";",
    line_end: str = "\r\n",
) -> Path:
    """Rows as a CSV file; ``EMPTY_LINE`` writes a line with nothing on it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    for row in rows:
        if row is EMPTY_LINE:
            buffer.write(line_end)
        else:
            writer.writerow(["" if v is None else v for v in row])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def landing_file(path: Path, relative: str, region: str = "27") -> FileVersion:
    return FileVersion(path, relative, file_sha256(path), region)


def read(
    source: str,
    files: Sequence[FileVersion],
    scratch: Path,
    secret: bytes | None = SECRET,
) -> BatchResult:
    con = connect_for_ingestion("1GB", threads=2)
    try:
        return read_batch(con, READERS[source], list(files), secret, scratch)
    finally:
        con.close()


def read_one(
    source: str, path: Path, relative: str, scratch: Path, region: str = "27"
) -> BatchResult:
    return read(source, [landing_file(path, relative, region)], scratch)


def column(table, name: str) -> list[Any]:
    return table.column(name).to_pylist()


def file_row(result: BatchResult, sheet: str | None = None) -> dict[str, Any]:
    """The single summary row of a one-file batch (for one sheet, if given)."""
    rows = [r for r in result.files.to_pylist() if sheet is None or r["source_sheet"] == sheet]
    assert len(rows) == 1, rows
    return rows[0]


def assert_accounting(result: BatchResult) -> None:
    """Every physical row has exactly one disposition, per file and sheet."""
    for r in result.files.to_pylist():
        if r["status"] == "unreadable":
            continue
        assert r["rows_read"] == r["rows_loaded"] + r["rows_quarantined"] + r["rows_skipped"], r


def all_strings(table) -> set[str]:
    """Every text value of every column of an Arrow table."""
    out: set[str] = set()
    for name in table.column_names:
        for value in table.column(name).to_pylist():
            if isinstance(value, str):
                out.add(value)
    return out

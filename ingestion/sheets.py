"""Any landing file (xlsx, xls, ods, csv) as grids of text cells with their true row and column.

A grid is a DuckDB view with a ``_row`` column (the 1-based row number a person sees in Excel,
or the physical line of a CSV file) and one text column per sheet column (``c0`` = A, ``c1`` =
B, …). Everything downstream works on grids, so xlsx forms and multi-million-row CSV exports
share one code path, and every value can be traced to its file, sheet, row and column.

Readers: fastexcel (calamine, Arrow output) for spreadsheets — pandas' default openpyxl engine
was ~30× slower here (shared/STACK.md) — and DuckDB's CSV reader for CSV, after a byte-level
pass that fixes the encoding (UTF-8 or Windows-1251) and line endings.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.normalize import excel_column_letter

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}
SUPPORTED_SUFFIXES = SPREADSHEET_SUFFIXES | CSV_SUFFIXES
HEAD_ROWS = 60  # title and header rows are looked for here


class UnreadableFileError(Exception):
    """A file that cannot be read at all (empty, corrupt, unknown format). Never "no data"."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass
class Grid:
    """One sheet (or one CSV file) registered in a DuckDB connection as view ``view``."""

    path: Path
    sheet: str | None
    view: str
    column_positions: list[int]  # absolute 0-based column index of c0, c1, …
    row_count: int  # physical rows read, blank rows included
    is_csv: bool
    _head: list[list[str | None]] = field(default_factory=list, repr=False)
    # a re-encoded copy of a CSV (it holds the file's text, names included): deleted on drop
    scratch_file: Path | None = None

    @property
    def columns(self) -> list[str]:
        return [f"c{i}" for i in range(len(self.column_positions))]

    def column_label(self, grid_column: str) -> str:
        """ "D" for spreadsheets, "column 4" for CSV."""
        position = self.column_positions[int(grid_column[1:])]
        return f"column {position + 1}" if self.is_csv else excel_column_letter(position)

    @property
    def head(self) -> list[list[str | None]]:
        """The first ``HEAD_ROWS`` rows as lists of cell texts (index 0 = row 1)."""
        return self._head or []


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_view_counter = iter(range(1, 1 << 62))


def _new_view_name() -> str:
    return f"grid_{next(_view_counter)}"


def open_grids(
    con: duckdb.DuckDBPyConnection, path: Path, scratch_dir: Path | None = None
) -> list[Grid]:
    """Register every sheet of ``path`` as a grid view in ``con``."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise UnreadableFileError(path, "file does not exist")
    if path.stat().st_size == 0:
        raise UnreadableFileError(path, "the file is empty (0 bytes)")
    if suffix in SPREADSHEET_SUFFIXES:
        return list(_spreadsheet_grids(con, path))
    if suffix in CSV_SUFFIXES:
        return [_csv_grid(con, path, scratch_dir)]
    raise UnreadableFileError(
        path, f"unsupported file type '{suffix}': expected one of {sorted(SUPPORTED_SUFFIXES)}"
    )


def _spreadsheet_grids(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[Grid]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
    except Exception as exc:  # calamine raises several exception types for corrupt files
        raise UnreadableFileError(path, f"not a readable spreadsheet ({exc})") from exc
    for sheet_name in reader.sheet_names:
        try:
            # skip_rows=0 keeps leading empty rows, so index i is Excel row i + 1.
            sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string", skip_rows=0)
        except Exception as exc:
            raise UnreadableFileError(path, f"sheet '{sheet_name}' cannot be read ({exc})") from exc
        positions = [info.absolute_index for info in sheet.available_columns()]
        table = sheet.to_arrow()
        if isinstance(table, pa.RecordBatch):
            table = pa.Table.from_batches([table])
        names = [f"c{i}" for i in range(table.num_columns)]
        table = table.rename_columns(names)
        table = table.append_column("_row", pa.array(range(1, table.num_rows + 1), pa.int64()))
        view = _new_view_name()
        con.register(view, table)
        head = [list(row.values())[:-1] for row in table.slice(0, HEAD_ROWS).to_pylist()]
        yield Grid(path, sheet_name, view, positions, table.num_rows, False, head)


def _csv_grid(con: duckdb.DuckDBPyConnection, path: Path, scratch_dir: Path | None) -> Grid:
    data = path.read_bytes()
    source = path
    text_changed = False
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        text_changed = True
    try:
        head_text = data[:65536].decode("utf-8")
    except UnicodeDecodeError:
        head_text = None
    if head_text is None or _not_utf8(data):
        try:
            data = data.decode("cp1251").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(path, "text is neither UTF-8 nor Windows-1251") from exc
        text_changed = True
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        text_changed = True
    if not data.strip():
        raise UnreadableFileError(path, "the file holds no text")
    if text_changed:
        scratch = scratch_dir or Path(tempfile.gettempdir())
        scratch.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(suffix=".csv", dir=scratch)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        source = Path(name)

    delimiter = _sniff_delimiter(data[:65536].decode("utf-8", errors="replace"))
    width = _max_fields(con, source, delimiter)
    # DuckDB's reader drops empty lines; map its record number back to the physical line.
    empty_lines = _empty_line_numbers(data)
    total_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
    view = _new_view_name()
    scan = (
        f"select * from read_csv('{_sql_str(source)}', columns={{{columns}}}, header=false, "
        f"delim='{_sql_str(delimiter)}', quote='\"', escape='\"', null_padding=true, parallel=false, "
        f"auto_detect=false, strict_mode=false) with ordinality as t"
    )
    if empty_lines:
        shifts = _record_shifts(empty_lines)
        shift_table = f"{view}_shift"
        con.execute(
            f"create or replace temp table {shift_table} as "
            "select * from (values " + ", ".join(f"({t}, {s})" for t, s in shifts) + ") v(t, s)"
        )
        con.execute(
            f"create or replace temp view {view} as "
            f"select t.* exclude (ordinality), t.ordinality + coalesce(sh.s, 0) as _row "
            f"from ({scan}) t asof left join {shift_table} sh on t.ordinality > sh.t"
        )
    else:
        con.execute(
            f"create or replace temp view {view} as "
            f"select * exclude (ordinality), ordinality as _row from ({scan})"
        )
    head = _csv_head(data, delimiter, width)
    return Grid(
        path,
        None,
        view,
        list(range(width)),
        total_lines,
        True,
        head,
        scratch_file=source if source != path else None,
    )


def _csv_head(data: bytes, delimiter: str, width: int) -> list[list[str | None]]:
    import csv
    import io

    lines = data[: 1 << 20].decode("utf-8", errors="replace").split("\n")[:HEAD_ROWS]
    rows: list[list[str | None]] = []
    for record in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, quotechar='"'):
        cells: list[str | None] = [cell if cell != "" else None for cell in record[:width]]
        rows.append(cells + [None] * (width - len(cells)))
    while len(rows) < len(lines):
        rows.append([None] * width)
    return rows


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _sniff_delimiter(head: str) -> str:
    lines = [line for line in head.split("\n")[:200] if line.strip()]
    best, best_score = ";", 0
    for candidate in (";", "\t", ","):
        counts = sorted((line.count(candidate) for line in lines), reverse=True)
        # the typical count among the lines that have the delimiter at all
        typical = counts[len([c for c in counts if c]) // 2] if any(counts) else 0
        score = typical * 10 + (candidate == ";")
        if typical >= 1 and score > best_score:
            best, best_score = candidate, score
    return best


def _max_fields(con: duckdb.DuckDBPyConnection, source: Path, delimiter: str) -> int:
    """Widest line, so that no cell is dropped (quoted delimiters can only overcount)."""
    row = con.execute(
        f"select max(length(line) - length(replace(line, '{_sql_str(delimiter)}', ''))) "
        f"from read_csv('{_sql_str(source)}', columns={{'line': 'VARCHAR'}}, delim=chr(31), "
        "quote='', escape='', header=false, auto_detect=false, strict_mode=false)"
    ).fetchone()
    return int(row[0] or 0) + 1 if row else 1


def _empty_line_numbers(data: bytes) -> list[int]:
    """1-based numbers of lines that are exactly empty (DuckDB skips those)."""
    numbers: list[int] = []
    if data.startswith(b"\n"):
        numbers.append(1)
    last_offset, line = 0, 1
    offset = data.find(b"\n\n")
    while offset != -1:
        line += data.count(b"\n", last_offset, offset + 1)  # the empty line starts at offset+1
        last_offset = offset + 1
        numbers.append(line)
        offset = data.find(b"\n\n", offset + 1)
    return numbers


def _record_shifts(empty_lines: list[int]) -> list[tuple[int, int]]:
    """(threshold, shift): records numbered above ``threshold`` sit ``shift`` lines lower."""
    shifts: dict[int, int] = {}
    for j, line in enumerate(empty_lines, start=1):
        shifts[line - j] = j
    return sorted(shifts.items())


def _sql_str(value: object) -> str:
    return str(value).replace("'", "''")

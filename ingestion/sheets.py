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
import html
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from ingestion.normalize import excel_column_letter
from ingestion.scratch import new_private_dir

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
    """One sheet (or one CSV file): its cells, with their true rows and columns.

    A CSV file is a DuckDB view ``view`` over the file (re-encoded if needed); a spreadsheet's
    cells are the Arrow ``table`` (``c0``, ``c1``, …, ``_row``), registered as ``view`` too unless
    the caller asked otherwise (``open_grids(register=False)``: the batch reader concatenates
    the tables of all its sheets instead). A grid opened with ``head_only`` holds the first
    ``HEAD_ROWS`` rows only (``head``), enough to find the header and the academic year.
    """

    path: Path
    sheet: str | None
    view: str | None
    column_positions: list[int]  # absolute 0-based column index of c0, c1, …
    row_count: int  # physical rows read, blank rows included
    is_csv: bool
    _head: list[list[str | None]] = field(default_factory=list, repr=False)
    # a re-encoded copy of a CSV (it holds the file's text, names included): deleted on drop
    scratch_file: Path | None = None
    # a private folder made for that copy when the caller gave none: removed on drop
    scratch_owned_dir: Path | None = None
    # CSV lines (1-based) that separate fields with another delimiter than the file's
    foreign_delimiter_lines: list[int] = field(default_factory=list)
    foreign_delimiter: str | None = None
    # a CSV record whose quoted cell swallowed several lines of fields (an unclosed quote):
    # (the record's first line, how many lines it took)
    swallowed_lines: tuple[int, int] | None = None
    # CSV: lines that are exactly empty (DuckDB's reader returns no record for them)
    empty_line_count: int = 0
    # a spreadsheet's cells: c0, c1, … (string) and _row (the Excel row number)
    table: pa.Table | None = None

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
    con: duckdb.DuckDBPyConnection,
    path: Path,
    scratch_dir: Path | None = None,
    *,
    head_only: bool = False,
    register: bool = True,
) -> list[Grid]:
    """Every sheet of ``path`` as a grid: registered as a view in ``con`` (``register``), or, for
    a spreadsheet, as its Arrow table only. ``head_only`` reads the first ``HEAD_ROWS`` rows of
    each sheet (a CSV file: its first lines, nothing re-encoded to disk): what the landing scan
    needs to find a file's academic year."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise UnreadableFileError(path, "file does not exist")
    if path.stat().st_size == 0:
        raise UnreadableFileError(path, "the file is empty (0 bytes)")
    if suffix in SPREADSHEET_SUFFIXES:
        grids: list[Grid] = []
        try:
            grids.extend(_spreadsheet_grids(con, path, head_only=head_only, register=register))
        except BaseException:
            for grid in grids:  # a later sheet failed: the earlier ones leave nothing behind
                if grid.view is not None:
                    con.unregister(grid.view)
            raise
        return grids
    if suffix in CSV_SUFFIXES:
        if head_only:
            return [_csv_head_grid(path)]
        return [_csv_grid(con, path, scratch_dir)]
    raise UnreadableFileError(
        path, f"unsupported file type '{suffix}': expected one of {sorted(SUPPORTED_SUFFIXES)}"
    )


def _spreadsheet_grids(
    con: duckdb.DuckDBPyConnection, path: Path, *, head_only: bool, register: bool
) -> Iterator[Grid]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
    except BaseException as exc:  # calamine raises several types; a Rust panic is BaseException
        _reraise_fatal(exc)
        raise UnreadableFileError(path, f"not a readable spreadsheet ({_first_line(exc)})") from exc
    errors = excel_error_cells(path)
    n_rows = HEAD_ROWS if head_only else None
    for sheet_name in reader.sheet_names:
        try:
            # skip_rows=0 keeps leading empty rows, so index i is Excel row i + 1.
            sheet = reader.load_sheet(
                sheet_name, header_row=None, dtypes="string", skip_rows=0, n_rows=n_rows
            )
            positions = [info.absolute_index for info in sheet.available_columns()]
            table = sheet.to_arrow()
        except BaseException as exc:
            _reraise_fatal(exc)
            raise UnreadableFileError(
                path, f"sheet '{sheet_name}' cannot be read ({_first_line(exc)})"
            ) from exc
        if isinstance(table, pa.RecordBatch):
            table = pa.Table.from_batches([table])
        columns = dict(zip(positions, table.columns, strict=True))
        cells = errors.get(sheet_name)
        if cells and head_only:
            cells = [cell for cell in cells if cell[0] < HEAD_ROWS]
        if cells:
            columns = _with_error_cells(columns, table.num_rows, cells)
        # A stray cell far to the right (column XFD) makes a sheet 16,384 columns wide: only
        # columns that hold something are kept, each with its true position for messages.
        kept = sorted(p for p, c in columns.items() if c.null_count < len(c))
        rows = max((len(c) for c in columns.values()), default=0)
        table = pa.table(
            {f"c{i}": columns[p] for i, p in enumerate(kept)}
            | {"_row": pa.array(np.arange(1, rows + 1, dtype=np.int64))}
        )
        view = None
        if register:
            view = _new_view_name()
            con.register(view, table)
        head_columns = [columns[p].slice(0, HEAD_ROWS).to_pylist() for p in kept]
        head = (
            [list(row) for row in zip(*head_columns, strict=True)]
            if head_columns
            else [[] for _ in range(min(rows, HEAD_ROWS))]
        )
        yield Grid(path, sheet_name, view, kept, rows, False, head, table=table)


# Excel's error values: a formula that failed is not a value (and not an empty cell either).
EXCEL_ERROR_CODES = (
    "#NULL!",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#N/A",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
)
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR_R = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ATTR_ERROR = re.compile(rb'\bt="e"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def excel_error_cells(path: Path) -> dict[str, list[tuple[int, int, str]]]:
    """Error cells of an .xlsx/.xlsm workbook: sheet name -> [(row index 0-based, column index,
    code)]. The readers (calamine) give these cells as empty; the file's XML says what they are.
    Other formats (.xls, .ods) are not inspected (docs/sources: a known gap)."""
    if path.suffix.lower() not in {".xlsx", ".xlsm"}:
        return {}
    try:
        with zipfile.ZipFile(path) as book:
            sheets = _xlsx_sheet_parts(book)
            out: dict[str, list[tuple[int, int, str]]] = {}
            for name, part in sheets.items():
                xml = book.read(part)
                if b't="e"' not in xml:
                    continue
                for attrs, inner in _CELL.findall(xml):
                    if not _ATTR_ERROR.search(attrs):
                        continue
                    ref = _ATTR_R.search(attrs)
                    value = _VALUE.search(inner or b"")
                    if ref is None:
                        continue
                    code = value.group(1).decode("utf-8", "replace") if value else "#VALUE!"
                    out.setdefault(name, []).append(
                        (int(ref.group(2)) - 1, _column_index(ref.group(1).decode()), code)
                    )
            return out
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}  # calamine reports the file itself


def _xlsx_sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    workbook = book.read("xl/workbook.xml")
    rels = book.read("xl/_rels/workbook.xml.rels")
    targets = {
        rid.decode(): target.decode()
        for rid, target in re.findall(rb'Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)
    } | {
        rid.decode(): target.decode()
        for target, rid in re.findall(rb'Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)
    }
    parts = {}
    for tag in re.findall(rb"<sheet\b[^>]*/?>", workbook):
        name = re.search(rb'\bname="([^"]*)"', tag)
        rid = re.search(rb'\br:id="([^"]*)"', tag)
        if not name or not rid or rid.group(1).decode() not in targets:
            continue
        target = targets[rid.group(1).decode()].lstrip("/")
        part = target if target.startswith("xl/") else f"xl/{target}"
        parts[html.unescape(name.group(1).decode("utf-8"))] = part
    return parts


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _with_error_cells(
    columns: dict[int, pa.ChunkedArray | pa.Array],
    num_rows: int,
    cells: list[tuple[int, int, str]],
) -> dict[int, pa.ChunkedArray | pa.Array]:
    rows = max([num_rows, *(r + 1 for r, _, _ in cells)])
    values = {p: c.to_pylist() + [None] * (rows - len(c)) for p, c in columns.items()}
    for row, column, code in cells:
        values.setdefault(column, [None] * rows)[row] = code
    return {p: pa.array(v, pa.string()) for p, v in values.items()}


def _reraise_fatal(exc: BaseException) -> None:
    """Interrupts and exits are not file problems."""
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
        raise exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _utf8_text(path: Path, data: bytes) -> tuple[bytes, bool]:
    """The bytes of a CSV file as UTF-8 with ``\\n`` line ends, and whether they changed."""
    text_changed = False
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(path, "text marked as UTF-16 cannot be decoded") from exc
        text_changed = True
    elif _looks_utf16_without_bom(data):
        codec = "utf-16-le" if data[1:2] == b"\0" else "utf-16-be"
        try:
            data = data.decode(codec).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(path, "text looks like UTF-16 but cannot be decoded") from exc
        text_changed = True
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        text_changed = True
    if _not_utf8(data):
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
    return data, text_changed


# Windows-1251 leaves one byte undefined: a file holding it is not Windows-1251 text.
_CP1251_UNDEFINED = b"\x98"
# The landing scan re-encodes at least this much of a CSV file (and up to the line after its
# first HEAD_ROWS lines): the delimiter is sniffed from the first 64 KB of the UTF-8 text.
_HEAD_BYTES = 1 << 17
_HEAD_LIMIT = 1 << 20


def _csv_head_grid(path: Path) -> Grid:
    """The first lines of a CSV file as a grid that is not registered anywhere, for the landing
    scan. The encoding is decided on the whole file exactly as a full read decides it (a cheap
    check: a Windows-1251 file fails as UTF-8 at its first letter), but only the head is
    re-encoded and parsed: a file is transcoded once, when it is read."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16_without_bom(data):
        text, _ = _utf8_text(path, data)  # rare: decoded in full, as a read does
        head = text[:_HEAD_LIMIT]
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        end = _head_end(data)
        head = data[:end]
        if _not_utf8(data):
            if _CP1251_UNDEFINED in data:
                raise UnreadableFileError(path, "text is neither UTF-8 nor Windows-1251")
            head = head.decode("cp1251").encode("utf-8")
        if b"\r" in head:
            head = head.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if not data.strip():
            raise UnreadableFileError(path, "the file holds no text")
    delimiter = _sniff_delimiter(head[:65536].decode("utf-8", errors="replace"))
    rows = _csv_head(head, delimiter, None)
    return Grid(path, None, None, list(range(max(map(len, rows), default=1))), max(1, len(rows)),
                True, rows)  # fmt: skip


def _head_end(data: bytes) -> int:
    """Where the head of a CSV file ends: after its first HEAD_ROWS lines and at least
    ``_HEAD_BYTES``, at a line end, within ``_HEAD_LIMIT`` (or the whole file)."""
    end = 0
    for _ in range(HEAD_ROWS + 1):
        found = data.find(b"\n", end)
        if found < 0:
            return min(len(data), _HEAD_LIMIT)
        end = found + 1
    if end < _HEAD_BYTES:
        found = data.find(b"\n", _HEAD_BYTES)
        end = len(data) if found < 0 else found + 1
    return min(end, _HEAD_LIMIT)


def _csv_grid(con: duckdb.DuckDBPyConnection, path: Path, scratch_dir: Path | None) -> Grid:
    source = path
    data, text_changed = _utf8_text(path, path.read_bytes())
    owned_dir = None
    if text_changed:
        # the copy holds the input's text (names included): an owner-only folder, deleted
        # with the grid (ingestion.scratch)
        if scratch_dir is None:
            scratch_dir = owned_dir = new_private_dir()
        handle, name = tempfile.mkstemp(suffix=".csv", dir=scratch_dir)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        source = Path(name)
    try:
        delimiter = _sniff_delimiter(data[:65536].decode("utf-8", errors="replace"))
        # no fixed line-length limit: DuckDB's default (2 MB) aborted whole files
        max_line = max(2 << 20, len(data) + 1)
        lines = _LineCounts(data)
        width = lines.max_fields(delimiter)
        # DuckDB's reader drops empty lines; map its record number back to the physical line.
        empty_lines = _empty_line_numbers(data)
        total_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width))
        view = _new_view_name()
        scan = (
            f"select * from read_csv('{_sql_str(source)}', columns={{{columns}}}, header=false, "
            f"delim='{_sql_str(delimiter)}', quote='\"', escape='\"', null_padding=true, "
            f"parallel=false, auto_detect=false, strict_mode=false, max_line_size={max_line}) "
            "with ordinality as t"
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
        foreign, foreign_lines = lines.foreign_delimiter_lines(delimiter)
        # only a quoted cell can hold a line break: without a quote there is nothing to look for
        swallowed = _swallowed_lines(con, view, width, delimiter) if b'"' in data else None
    except BaseException:
        if source != path:
            source.unlink(missing_ok=True)
        if owned_dir is not None:
            shutil.rmtree(owned_dir, ignore_errors=True)
        raise
    return Grid(
        path,
        None,
        view,
        list(range(width)),
        total_lines,
        True,
        head,
        scratch_file=source if source != path else None,
        scratch_owned_dir=owned_dir,
        foreign_delimiter_lines=foreign_lines,
        foreign_delimiter=foreign,
        swallowed_lines=swallowed,
        empty_line_count=len(empty_lines),
    )


def _swallowed_lines(
    con: duckdb.DuckDBPyConnection, view: str, width: int, delimiter: str
) -> tuple[int, int] | None:
    """The first record with a cell that holds line breaks AND the field delimiter twice or
    more: an unclosed quote made the reader take the following lines as one cell (those rows
    would otherwise vanish without a trace). A real multi-line cell (an address with a line
    break) holds no field delimiters."""
    delim = _sql_str(delimiter)
    cells = ", ".join(f"c{i}" for i in range(width))
    row = con.execute(
        f"select _row, list_max(list_transform([{cells}], lambda x: "
        f"case when strpos(x, chr(10)) > 0 "
        f"and length(x) - length(replace(x, '{delim}', '')) >= 2 "
        f"then length(x) - length(replace(x, chr(10), '')) end)) as breaks "
        f"from {view} where breaks is not null order by _row limit 1"
    ).fetchone()
    return (int(row[0]), int(row[1]) + 1) if row else None


def _looks_utf16_without_bom(data: bytes) -> bool:
    """Every other byte zero in the first kilobyte: UTF-16 text of Latin/digit characters."""
    sample = data[:1024]
    if len(sample) < 8:
        return False
    zeros_even = sample[0::2].count(0)
    zeros_odd = sample[1::2].count(0)
    half = len(sample) // 2
    return max(zeros_even, zeros_odd) > 0.4 * half and min(zeros_even, zeros_odd) < 0.05 * half


class _LineCounts:
    """How many times each candidate delimiter occurs on each line of a CSV text (UTF-8, ``\\n``
    line ends), counted once with NumPy instead of a Python loop over the lines (or another
    DuckDB scan of the file)."""

    CANDIDATES = (";", ",", "\t", "|")

    def __init__(self, data: bytes):
        self.data = data
        buffer = np.frombuffer(data, dtype=np.uint8)
        self.newlines = np.flatnonzero(buffer == 10)
        self.line_count = len(self.newlines) + 1  # as ``data.split(b"\\n")`` gives them
        self._buffer = buffer
        self._counts: dict[str, np.ndarray] = {}

    def per_line(self, delimiter: str) -> np.ndarray:
        if delimiter not in self._counts:
            found = np.flatnonzero(self._buffer == ord(delimiter))
            lines = np.searchsorted(self.newlines, found)  # newlines before each occurrence
            self._counts[delimiter] = np.bincount(lines, minlength=self.line_count)
        return self._counts[delimiter]

    def max_fields(self, delimiter: str) -> int:
        """Fields on the widest line, so that no cell is dropped (quoted delimiters can only
        overcount). A line is counted up to its first \\x1f, as DuckDB's line reader did."""
        if b"\x1f" in self.data:
            return 1 + max(
                line.split(b"\x1f", 1)[0].count(delimiter.encode())
                for line in self.data.split(b"\n")
            )
        return 1 + int(self.per_line(delimiter).max(initial=0))

    def foreign_delimiter_lines(self, delimiter: str) -> tuple[str | None, list[int]]:
        """Lines with no field delimiter of the file but several of another one (1-based numbers).

        A file whose lines switch between ';' and ',' is not a file with a third of its rows
        "broken": it is a file that cannot be trusted at all (the reader rejects it by name).
        """
        counts = self.per_line(delimiter)
        with_delimiter = counts[counts > 0]
        if not len(with_delimiter):
            return None, []
        typical = int(np.sort(with_delimiter)[::-1][len(with_delimiter) // 2])
        if typical < 2:
            return None, []
        undecided = counts == 0
        found: dict[str, list[int]] = {}
        for other in self.CANDIDATES:
            if other == delimiter:
                continue
            hits = undecided & (self.per_line(other) >= max(2, typical // 2))
            if hits.any():
                found[other] = [int(i) + 1 for i in np.flatnonzero(hits)]
                undecided &= ~hits  # a line counts for the first other delimiter it has
        if not found:
            return None, []
        # the most frequent; on a tie, the one met first in the file
        ordered = sorted(found.items(), key=lambda item: item[1][0])
        other, lines = max(ordered, key=lambda item: len(item[1]))
        return other, lines


def _csv_head(data: bytes, delimiter: str, width: int | None) -> list[list[str | None]]:
    """The first ``HEAD_ROWS`` lines as rows of ``width`` cells (``None``: as wide as the widest
    of them)."""
    import csv
    import io

    lines = data[: 1 << 20].decode("utf-8", errors="replace").split("\n")[:HEAD_ROWS]
    csv.field_size_limit(1 << 30)  # no fixed limit on a cell (the default is 128 KB)
    records = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, quotechar='"'))
    if width is None:
        width = max((len(record) for record in records), default=1)
    rows: list[list[str | None]] = []
    for record in records:
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

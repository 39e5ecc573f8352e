"""Reading a batch of landing files of one source into typed rows, quarantine and a summary.

Every physical row of every sheet gets exactly one disposition, so that for each file
``rows_read = rows_loaded + rows_quarantined + rows_skipped``:

- ``skipped`` with a reason: ``title`` (above the header), ``header`` (the header itself or a
  repeated one), ``blank``, ``footer`` / ``total`` (e.g. "Средние", "Минимальная граница",
  "Итого", "По району": recognised by their label, checked by the source where it can);
- ``quarantined``: a data row with at least one bad cell; each bad cell becomes one quarantine
  record with file, sheet, row, column, the (privacy-redacted) value and the reason;
- ``loaded``: everything else, typed, with lineage (file, sheet, row, checksum, reader version).

The work is SQL in an in-memory DuckDB connection: the same code reads a ten-row form and a
ten-million-row export. Personal columns are read into that connection only to compute the
pupil key and are never part of an output.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pyarrow as pa

from ingestion.layout import Field, Layout, LayoutError, find_layout
from ingestion.normalize import SQL_MACROS
from ingestion.privacy import hmac_pads, redact_error, redact_sql
from ingestion.sheets import Grid, UnreadableFileError, open_grids

# Rows that summarise other rows rather than being data. Sources add their own.
COMMON_SKIP_LABELS: tuple[tuple[str, str], ...] = (
    # RE2's \b knows only ASCII word characters: end of word is spelled ([^\p{L}]|$)
    (r"^(итого|всего|итог)([^\p{L}]|$)", "total"),
    (
        r"^по (району|муниципалитет\p{L}*|округу|городу|региону|области|краю|республике|мо)"
        r"([^\p{L}]|$)",
        "total",
    ),
    (r"^(вся выборка|российская федерация|рф)$", "total"),
    # "Средние", "Среднее", "Средний балл", "Средняя оценка" — not "Средняя школа № 3"
    (r"^(средн(ие|ее|ий)|средняя (оценка|отметка))([^\p{L}]|$)", "footer"),
    (r"^минимальн", "footer"),
    (r"^максимальн", "footer"),
    (r"^(примечание|исполнитель|руководитель|подпись|м\.п\.|директор)", "footer"),
)

LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_name", "varchar"),
    ("source_file", "varchar"),
    ("source_sheet", "varchar"),
    ("source_row", "integer"),
    ("file_sha256", "varchar"),
    ("reader_version", "integer"),
    ("batch_id", "varchar"),
    ("academic_year", "integer"),
    ("region_code", "varchar"),
)

QUARANTINE_SCHEMA: tuple[tuple[str, str], ...] = (
    ("source_name", "varchar"),
    ("source_file", "varchar"),
    ("source_sheet", "varchar"),
    ("source_row", "integer"),
    ("source_column", "varchar"),  # header text and letter: "Балл (O)"
    ("field_name", "varchar"),
    ("cell_value", "varchar"),  # redacted where it could be personal data
    ("reason", "varchar"),
    ("file_sha256", "varchar"),
    ("reader_version", "integer"),
    ("batch_id", "varchar"),
    ("academic_year", "integer"),
)

FILE_SUMMARY_SCHEMA: tuple[tuple[str, str], ...] = (
    ("source_name", "varchar"),
    ("source_file", "varchar"),
    ("source_sheet", "varchar"),
    ("file_sha256", "varchar"),
    ("reader_version", "integer"),
    ("batch_id", "varchar"),
    ("academic_year", "integer"),
    ("status", "varchar"),  # read | unreadable | sheet_ignored
    ("status_reason", "varchar"),
    ("rows_read", "integer"),
    ("rows_loaded", "integer"),
    ("rows_quarantined", "integer"),
    ("rows_skipped", "integer"),
    ("skipped_reasons", "varchar"),  # "title: 2; header: 1; footer «Средние»: 1"
    ("header_rows", "varchar"),
    ("read_at", "timestamp"),
)


@dataclass
class FileVersion:
    """A file version as found in the landing folder."""

    path: Path  # absolute
    relative_path: str  # as shown to users: "ege_rcoi/ЕГЭ_2023_русский.csv"
    sha256: str
    region_code: str


@dataclass
class FileContext:
    """Per-file values taken from the title, the file name or the folder."""

    academic_year: int
    values: dict[str, Any] = field(default_factory=dict)


class Reader:
    """One source's reader: its fields, how to find its header, and what it derives.

    Subclasses set the class attributes and may override ``context`` and ``accept_sheet``.
    """

    name: ClassVar[str]  # the landing folder and the lake folder
    table: ClassVar[str]  # the lake table
    title: ClassVar[str]  # what users call these files
    grain: ClassVar[str]
    reader_version: ClassVar[int] = 1
    fields: ClassVar[Sequence[Field]]
    #: per-file values (besides academic_year and region_code) with their DuckDB types
    context_columns: ClassVar[dict[str, str]] = {}
    #: computed output columns: name -> (DuckDB type, SQL over typed fields and context)
    derived: ClassVar[dict[str, tuple[str, str]]] = {}
    skip_labels: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: SQL conditions over the raw cells ``f_<field>`` that mark a row as a summary row
    skip_conditions: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: checks across fields of a data row: (SQL over typed values ``v_<field>`` that is true for a
    #: bad row, the field the error is reported at, the reason) — e.g. points above the maximum
    row_checks: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    pupil_level: ClassVar[bool] = False
    #: SQL over typed values ``v_<field>`` true for the data rows that a file's own total line
    #: («Всего участников: 98») counts — e.g. participants who sat, not the absentees listed
    declared_count_condition: ClassVar[str] = "true"
    #: keep "Итого …" / "По району …" rows as data (the source marks and checks them itself)
    keep_total_rows: ClassVar[bool] = False
    min_header_matches: ClassVar[int] = 2

    # ---------------------------------------------------------------- hooks

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        raise NotImplementedError

    def accept_sheet(self, grid: Grid) -> bool:
        return True

    # ---------------------------------------------------------------- derived schema

    @classmethod
    def stored_fields(cls) -> list[Field]:
        return [f for f in cls.fields if not f.personal]

    @classmethod
    def output_schema(cls) -> list[tuple[str, str]]:
        columns: list[tuple[str, str]] = list(LINEAGE_COLUMNS)
        columns += list(cls.context_columns.items())
        for f in cls.stored_fields():
            columns.append((f.name, _sql_type(f)))
            if f.kind == "count_pct":
                columns.append((f"{f.name}_pct_reported", "double"))
            if f.kind == "measure":
                columns += [(f"{f.name}_text", "varchar"), (f"{f.name}_comparator", "varchar")]
            if f.track_missing or f.kind == "measure":
                columns.append((f"{f.name}_missing", "varchar"))
        columns += [(name, sql_type) for name, (sql_type, _) in cls.derived.items()]
        return columns

    def layout_of(self, grid: Grid) -> Layout:
        return find_layout(grid.head, self.fields, min_matched=self.min_header_matches)

    def sniff(
        self, con: duckdb.DuckDBPyConnection, file: FileVersion, scratch: Path | None = None
    ) -> FileContext:
        """The academic year (and context) of a file, from its first rows only: the first
        ``HEAD_ROWS`` rows of each sheet, the first lines of a CSV file (nothing re-encoded to
        disk, nothing registered in ``con``)."""
        located = self._located_grids(con, file, scratch, head_only=True, register=False)
        for grid, _, _ in located:
            _drop_grid(con, grid)
        return _single_context(file, [ctx for _, _, ctx in located])

    def _located_grids(
        self,
        con: duckdb.DuckDBPyConnection,
        file: FileVersion,
        scratch: Path | None = None,
        *,
        head_only: bool = False,
        register: bool = True,
    ) -> list[tuple[Grid, Layout | str, FileContext | None]]:
        """Every sheet with its layout and context, or the reason it was not understood."""
        out: list[tuple[Grid, Layout | str, FileContext | None]] = []
        grids = open_grids(con, file.path, scratch, head_only=head_only, register=register)
        try:
            for grid in grids:
                if grid.row_count == 0 or not self.accept_sheet(grid):
                    out.append((grid, "sheet is empty or not one of this source's sheets", None))
                    continue
                try:
                    layout = self.layout_of(grid)
                    out.append((grid, layout, self.context(grid, layout, file)))
                except LayoutError as exc:
                    out.append((grid, str(exc), None))
        except BaseException:
            for grid in grids:
                _drop_grid(con, grid)
            raise
        if not any(isinstance(layout, Layout) for _, layout, _ in out):
            for grid, _, _ in out:
                _drop_grid(con, grid)
            reasons = "; ".join(f"sheet '{g.sheet}': {r}" if g.sheet else str(r) for g, r, _ in out)
            raise UnreadableFileError(file.relative_path, f"not a {self.title} file: {reasons}")
        return out


def _single_context(file: FileVersion, contexts: Sequence[FileContext | None]) -> FileContext:
    found = [c for c in contexts if c is not None]
    years = sorted({c.academic_year for c in found})
    if len(years) != 1:
        raise UnreadableFileError(
            file.relative_path,
            f"sheets belong to different academic years {years}: split the file by year",
        )
    return found[0]


def _sql_type(f: Field) -> str:
    kinds = {"int": "integer", "number": "double", "count_pct": "integer", "measure": "double"}
    return kinds.get(f.kind, "varchar")


# ==================================================================== batch reading


@dataclass
class BatchResult:
    """What one batch produced, as Arrow tables ready for the lake."""

    batch_id: str
    rows: pa.Table
    quarantine: pa.Table
    files: pa.Table

    def file_totals(self) -> list[dict[str, Any]]:
        return self.files.to_pylist()


def connect_for_ingestion(
    memory_limit: str = "4GB", threads: int | None = None, spill_dir: Path | None = None
):
    """An in-memory connection for reading files. What DuckDB spills beyond ``memory_limit``
    goes to ``spill_dir`` (a private scratch folder: it may hold pupils' names before they are
    dropped); without one, DuckDB's default for an in-memory database is ``.tmp`` in the current
    folder, so spilling is then off. Both are set when the database opens."""
    con = duckdb.connect(
        config={"memory_limit": memory_limit, "temp_directory": str(spill_dir or "")}
    )
    if threads:
        con.execute(f"set threads = {int(threads)}")
    con.execute("set preserve_insertion_order = true")
    con.execute(SQL_MACROS)
    return con


def batch_id_for(reader: Reader, files: Sequence[FileVersion]) -> str:
    digest = hashlib.sha256(f"{reader.name}|{reader.reader_version}".encode())
    for sha in sorted(f.sha256 for f in files):
        digest.update(sha.encode())
    return digest.hexdigest()[:16]


def read_batch(
    con: duckdb.DuckDBPyConnection,
    reader: Reader,
    files: Sequence[FileVersion],
    secret: bytes | None,
    scratch_dir: Path | None = None,
    *,
    batch_id: str | None = None,
) -> BatchResult:
    """Read ``files`` (all of one source) into loaded rows, quarantine and per-sheet summary.

    One bad file never takes down its neighbours: a crash while reading a file rejects that
    file (summary ``unreadable`` with the file, sheet and the cause in words, cell values
    redacted) and the others are read. A crash of the batch as a whole is retried file by file,
    so that the failing file is named and the others are kept.
    """
    if (any(f.personal for f in reader.fields) or reader.pupil_level) and secret is None:
        raise ValueError(f"{reader.name}: a pseudonymisation secret is required")
    batch_id = batch_id or batch_id_for(reader, files)
    custom = getattr(reader, "read_batch", None)
    try:
        if custom is not None:  # a reader that melts wide tables itself (municipal_tables)
            return _with_batch_id(custom(con, files, secret, scratch_dir), batch_id)
        return _read_files(con, reader, files, secret, scratch_dir, batch_id)
    except BaseException as exc:  # a Rust panic (calamine) is a BaseException
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        if len(files) == 1:
            return _crashed(reader, files[0], batch_id, None, exc)
    parts = [read_batch(con, reader, [f], secret, scratch_dir, batch_id=batch_id) for f in files]
    return BatchResult(
        batch_id,
        pa.concat_tables([p.rows for p in parts]),
        pa.concat_tables([p.quarantine for p in parts]),
        pa.concat_tables([p.files for p in parts]),
    )


def _with_batch_id(result: BatchResult, batch_id: str) -> BatchResult:
    """The same rows under the batch id of the batch they were re-read for."""
    if result.batch_id == batch_id:
        return result

    def relabel(table: pa.Table) -> pa.Table:
        index = table.schema.get_field_index("batch_id")
        if index < 0:
            return table
        return table.set_column(
            index, "batch_id", pa.array([batch_id] * table.num_rows, pa.string())
        )

    return BatchResult(
        batch_id, relabel(result.rows), relabel(result.quarantine), relabel(result.files)
    )


def _crashed(
    reader: Reader,
    file: FileVersion,
    batch_id: str,
    sheet: str | None,
    exc: BaseException,
) -> BatchResult:
    """The result of a file whose reading crashed: nothing loaded, the file named, the cause in
    words (no cell value: DuckDB quotes the offending line or value in its messages)."""
    read_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    summary = _summary(
        reader, file, None, batch_id, None, "unreadable", crash_reason(sheet, exc), read_at
    )
    empty = _empty_outputs(reader)
    return BatchResult(batch_id, empty[0], empty[1], _summary_table([summary]))


def crash_reason(sheet: str | None, exc: BaseException) -> str:
    where = f" on sheet '{sheet}'" if sheet else ""
    return f"reading failed{where}: {redact_error(exc)}; the file is not loaded"


_batch_counter = iter(range(1, 1 << 62))


@dataclass
class _Placed:
    """A sheet of the batch that has a layout and a context: its rows go into the batch."""

    file: FileVersion
    grid: Grid
    layout: Layout
    ctx: FileContext


@dataclass
class _Cells:
    """The cells of a batch on their way into one statement: a DuckDB table of
    ``(_grid_id, _row, _cells)`` (CSV files are copied in as they are opened) and the Arrow
    tables of the spreadsheets (inserted together, once)."""

    table: str
    sheets: list[pa.Table] = field(default_factory=list)
    placed: dict[int, _Placed] = field(default_factory=dict)
    labels: list[tuple[int, str, str]] = field(default_factory=list)  # grid, field, "header (D)"
    next_id: int = 1


def _read_files(
    con: duckdb.DuckDBPyConnection,
    reader: Reader,
    files: Sequence[FileVersion],
    secret: bytes | None,
    scratch_dir: Path | None,
    batch_id: str,
) -> BatchResult:
    """All files of a batch through one typing statement: the grids of every file (one row per
    physical row, its cells as a list) are collected into one table with a grid id, and each
    grid's layout — which cell holds which field, where its header is — is data joined to it,
    so a thousand small workbooks cost one statement, not a thousand."""
    read_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    call = f"{batch_id}_{next(_batch_counter)}"
    cells = _Cells(f"batch_cells_{call}")
    typed = f"batch_typed_{call}"
    grids_view, ctx_table, labels_view = (
        f"batch_grids_{call}",
        f"batch_ctx_{call}",
        f"batch_labels_{call}",
    )
    sheets_view = f"batch_sheets_{call}"
    summaries: list[dict[str, Any]] = []
    con.execute(
        f"create temp table {cells.table} (_grid_id integer, _row bigint, _cells varchar[])"
    )
    try:
        for file in files:
            _read_file(con, reader, file, scratch_dir, batch_id, read_at, cells, summaries)
        if not cells.placed:
            empty = _empty_outputs(reader)
            return BatchResult(batch_id, empty[0], empty[1], _summary_table(summaries))
        if cells.sheets:
            sheets = pa.concat_tables(cells.sheets, promote_options="default")
            width = sum(1 for name in sheets.column_names if name.startswith("c"))
            listed = ", ".join(f"c{i}" for i in range(width)) if width else ""
            con.register(sheets_view, sheets)
            con.execute(
                f"insert into {cells.table} select _grid_id, _row, "
                f"{f'[{listed}]' if width else '[]::varchar[]'} from {sheets_view}"
            )
        con.register(grids_view, _grid_table(reader, cells.placed))
        con.register(labels_view, _labels_table(cells.labels))
        _create_ctx_table(con, reader, cells.placed, ctx_table)
        raw = _raw_sql(reader, cells.table, grids_view, ctx_table)
        con.execute(f"create or replace temp table {typed} as {_typing_sql(reader, f'({raw})')}")
        params = {}
        if any(f.personal for f in reader.fields) or reader.pupil_level:
            assert secret is not None
            ipad, opad = hmac_pads(secret)
            params = {"ipad": ipad, "opad": opad}
        rows = _fetch_arrow(con, _output_sql(reader, typed, batch_id), params)
        quarantine = _fetch_arrow(con, _quarantine_sql(reader, typed, batch_id, labels_view))
        summaries += _grid_summaries(con, reader, typed, cells.placed, batch_id, read_at)
        return BatchResult(batch_id, rows, quarantine, _summary_table(summaries))
    finally:
        for name in (cells.table, typed, ctx_table):
            con.execute(f"drop table if exists {name}")
        for name in (sheets_view, grids_view, labels_view):
            with contextlib.suppress(Exception):  # not registered: the batch ended early
                con.unregister(name)


def _read_file(
    con: duckdb.DuckDBPyConnection,
    reader: Reader,
    file: FileVersion,
    scratch_dir: Path | None,
    batch_id: str,
    read_at: dt.datetime,
    cells: _Cells,
    summaries: list[dict[str, Any]],
) -> None:
    """Open one file, find each sheet's layout and context, and add its cells to the batch; a
    file that cannot be read or crashes is summarised as unreadable and leaves nothing behind."""
    sheet: str | None = None
    mine: list[int] = []
    sheets_before = len(cells.sheets)
    copied = False
    located: list[tuple[Grid, Layout | str, FileContext | None]] = []
    try:
        located = reader._located_grids(con, file, scratch_dir, register=False)
        _single_context(file, [ctx for _, _, ctx in located])
        for grid, layout, ctx in located:
            sheet = grid.sheet
            if not isinstance(layout, Layout) or ctx is None:
                summaries.append(
                    _summary(
                        reader, file, grid, batch_id, None, "sheet_ignored", str(layout),
                        read_at, rows_read=grid.row_count, rows_skipped=grid.row_count,
                        skipped_reasons=f"sheet not in this source's layout: {grid.row_count}",
                    )
                )  # fmt: skip
                continue
            grid_id = cells.next_id
            cells.next_id += 1
            cells.placed[grid_id] = _Placed(file, grid, layout, ctx)
            mine.append(grid_id)
            for name, column in layout.columns.items():
                cells.labels.append(
                    (grid_id, name, f"{layout.labels[name]} ({grid.column_label(column)})")
                )
            if grid.table is not None:
                cells.sheets.append(
                    grid.table.append_column(
                        "_grid_id", pa.array([grid_id] * grid.table.num_rows, pa.int32())
                    )
                )
            else:
                copied = True
                listed = ", ".join(grid.columns)
                con.execute(
                    f"insert into {cells.table} select {grid_id}, _row, [{listed}] from {grid.view}"
                )
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        if copied:
            ids = ", ".join(map(str, mine))
            con.execute(f"delete from {cells.table} where _grid_id in ({ids})")
        for grid_id in mine:
            cells.placed.pop(grid_id, None)
        del cells.sheets[sheets_before:]
        cells.labels[:] = [label for label in cells.labels if label[0] not in mine]
        reason = exc.reason if isinstance(exc, UnreadableFileError) else crash_reason(sheet, exc)
        summaries[:] = [s for s in summaries if s["source_file"] != file.relative_path]
        summaries.append(
            _summary(reader, file, None, batch_id, None, "unreadable", reason, read_at)
        )
    finally:
        for grid, _, _ in located:  # the cells are copied: views and re-encoded copies go now
            _drop_grid(con, grid)


# "Всего участников: 98": a file that states how many data rows it holds is checked against
# what was read (loaded + quarantined), not skipped as a footer.
DECLARED_COUNT = r"^(всего|итого)\s+(участников|обучающихся|записей|строк|работ)\s*[:=–-]?\s*(\d+)$"


def _grid_summaries(
    con: duckdb.DuckDBPyConnection,
    reader: Reader,
    typed: str,
    placed: dict[int, _Placed],
    batch_id: str,
    read_at: dt.datetime,
) -> list[dict[str, Any]]:
    counts = con.execute(
        f"""
        select _grid_id, count(*) as rows_in_grid,
               count(*) filter (where _disposition = 'loaded') as loaded,
               count(*) filter (where _disposition = 'quarantined') as quarantined,
               count(*) filter (where _disposition = 'skipped') as skipped,
               string_agg(distinct _skip_reason || ': ' || cnt, '; ' order by _skip_reason || ': ' || cnt)
                   filter (where _skip_reason is not null) as reasons,
               list(distinct try_cast(regexp_extract(lower(_label), {_lit(DECLARED_COUNT)}, 3)
                                      as integer))
                   filter (where _skip_reason is not null
                           and regexp_matches(lower(_label), {_lit(DECLARED_COUNT)})) as declared,
               count(*) filter (where _disposition in ('loaded', 'quarantined')
                                and ({reader.declared_count_condition})) as counted,
               min(_row_number) filter (where _skip_reason is null and _stray.value is not null)
                   as stray_row,
               any_value(_stray.column) filter (where _skip_reason is null
                                               and _stray.value is not null) as stray_column
        from (select *, source_row as _row_number,
                     count(*) over (partition by _grid_id, _skip_reason) as cnt from {typed})
        group by _grid_id
        """
    ).fetchall()
    by_grid = {row[0]: row for row in counts}
    out = []
    rejected_files: dict[str, str] = {}
    for grid_id, where_from in placed.items():
        file, grid, layout, ctx = (
            where_from.file,
            where_from.grid,
            where_from.layout,
            where_from.ctx,
        )
        row = by_grid.get(grid_id, (grid_id, 0, 0, 0, 0, None, None, 0, None, None))
        _, in_grid, loaded, quarantined, skipped, reasons, declared, counted = row[:8]
        stray_row, stray_column = row[8:]
        # CSV lines that DuckDB never returned: empty lines (skipped as blank) and lines inside
        # a quoted cell that spans lines (skipped as its continuation)
        missing = grid.row_count - in_grid
        if missing:
            blank = min(missing, grid.empty_line_count) if grid.is_csv else missing
            inside = missing - blank
            skipped += missing
            reasons = _merge_reasons(reasons, {"blank": blank, "inside a multi-line cell": inside})
        where = f"sheet '{grid.sheet}': " if grid.sheet else ""
        foreign = [n for n in grid.foreign_delimiter_lines if n > max(layout.header_rows)]
        if foreign:
            rejected_files.setdefault(
                file.relative_path,
                f"{where}fields are separated by '{_show_delimiter(grid.foreign_delimiter)}' on "
                f"{len(foreign)} line(s) (first: line {foreign[0]}) and by another delimiter on "
                "the others: the file was damaged or glued from several exports; export it again",
            )
        if grid.swallowed_lines is not None:
            first, taken = grid.swallowed_lines
            rejected_files.setdefault(
                file.relative_path,
                f"a quote opened at line {first} is never closed: {taken} lines were read as "
                "one cell and their rows would vanish; fix the quote and drop the file again",
            )
        if stray_row is not None:
            rejected_files.setdefault(
                file.relative_path,
                f"{where}a value in column {stray_column} (row {stray_row}), which has no "
                "header: the file was edited or damaged (a stray cell, a shifted row); remove "
                "the value or give the column a header, then drop the file again",
            )
        for count in declared or []:
            if count is not None and count != counted:
                rejected_files.setdefault(
                    file.relative_path,
                    f"{where}the file's own total says {count} («всего … {count}»), "
                    f"{counted} such row(s) were read (of {loaded} loaded + {quarantined} "
                    "quarantined): rows are missing or extra; fix or export the file again",
                )
        out.append(
            _summary(
                reader, file, grid, batch_id, ctx.academic_year, "read", None, read_at,
                rows_read=grid.row_count, rows_loaded=loaded, rows_quarantined=quarantined,
                rows_skipped=skipped, skipped_reasons=reasons,
                header_rows=",".join(str(r) for r in layout.header_rows),
            )
        )  # fmt: skip
    for summary in out:
        if summary["source_file"] in rejected_files:
            summary["status"] = "rejected"
            summary["status_reason"] = rejected_files[summary["source_file"]]
    return out


def _merge_reasons(reasons: str | None, more: dict[str, int]) -> str | None:
    """ "blank: 1; header: 1" + {"blank": 2} -> "blank: 3; header: 1" (one count per reason)."""
    counts: dict[str, int] = {}
    for part in (reasons or "").split("; "):
        if part:
            label, _, count = part.rpartition(": ")
            counts[label] = counts.get(label, 0) + int(count)
    for label, extra in more.items():
        if extra:
            counts[label] = counts.get(label, 0) + extra
    return "; ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or None


def _show_delimiter(delimiter: str | None) -> str:
    return {"\t": "tab", None: "?"}.get(delimiter, delimiter or "?")


def _drop_grid(con: duckdb.DuckDBPyConnection, grid: Grid) -> None:
    if grid.view is not None:
        try:
            con.unregister(grid.view)
        except Exception:
            con.execute(f"drop view if exists {grid.view}")
    if grid.scratch_file is not None:
        grid.scratch_file.unlink(missing_ok=True)
    if grid.scratch_owned_dir is not None:
        shutil.rmtree(grid.scratch_owned_dir, ignore_errors=True)


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> tuple[Any, ...]:
    """The single row a query must return (an aggregate, a lookup that cannot miss)."""
    row = con.execute(sql, params).fetchone()
    if row is None:
        raise LookupError(f"no row returned by: {sql[:200]}")
    return row


def _fetch_arrow(con, sql: str, params: dict | None = None) -> pa.Table:
    return con.sql(sql, params=params or None).to_arrow_table()


def _lit(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return f"date '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _grid_table(reader: Reader, placed: dict[int, _Placed]) -> pa.Table:
    """One row per grid of the batch: its lineage, where its header is, which cell (1-based
    position in ``_cells``) holds each field, the header texts a repeated header row repeats,
    and the columns without a header (a value there holds the row back)."""
    ctx_ids: dict[tuple[str, ...], int] = {}
    rows: list[dict[str, Any]] = []
    for grid_id, p in placed.items():
        grid, layout = p.grid, p.layout
        # a data row that repeats the header texts (headers repeated on every printed page);
        # numeric headers (task numbers "1", "2" of a ВПР form) match data, not a header
        repeats = [
            {"pos": _position(layout.columns[name]), "text": _last_header_part(text).lower()}
            for name, text in layout.labels.items()
            if _last_header_part(text) and not _last_header_part(text).replace(".", "").isdigit()
        ]
        # Cells in a column with no header at all (a stray value in column XFD, a row shifted
        # right) are not silently ignored: the row is quarantined with the column named.
        mapped = set(layout.columns.values())
        unheaded = [
            {"pos": i + 1, "label": grid.column_label(c)}
            for i, c in enumerate(grid.columns)
            if c not in mapped
            and not any(
                (
                    grid.head[r - 1][i]
                    if r - 1 < len(grid.head) and i < len(grid.head[r - 1])
                    else None
                )
                for r in layout.header_rows
            )
        ]
        key = tuple(_lit(p.ctx.values.get(name)) for name in reader.context_columns)
        row = {
            "_grid_id": grid_id,
            "source_file": p.file.relative_path,
            "source_sheet": grid.sheet,
            "file_sha256": p.file.sha256,
            "academic_year": p.ctx.academic_year,
            "region_code": p.file.region_code,
            "_ctx_id": ctx_ids.setdefault(key, len(ctx_ids) + 1),
            "header_first": min(layout.header_rows),
            "header_last": max(layout.header_rows),
            "repeats": repeats,
            "repeat_min": min(2, len(repeats)),
            "unheaded": unheaded,
        }
        for f in reader.fields:
            column = layout.columns.get(f.name)
            row[f"p_{f.name}"] = _position(column) if column else None
        rows.append(row)
    schema = pa.schema(
        [
            ("_grid_id", pa.int32()),
            ("source_file", pa.string()),
            ("source_sheet", pa.string()),
            ("file_sha256", pa.string()),
            ("academic_year", pa.int32()),
            ("region_code", pa.string()),
            ("_ctx_id", pa.int32()),
            ("header_first", pa.int32()),
            ("header_last", pa.int32()),
            ("repeats", pa.list_(pa.struct([("pos", pa.int32()), ("text", pa.string())]))),
            ("repeat_min", pa.int32()),
            ("unheaded", pa.list_(pa.struct([("pos", pa.int32()), ("label", pa.string())]))),
            *((f"p_{f.name}", pa.int32()) for f in reader.fields),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def _position(grid_column: str) -> int:
    """ "c3" -> 4: the 1-based position of a grid column in a row's list of cells."""
    return int(grid_column[1:]) + 1


def _labels_table(labels: list[tuple[int, str, str]]) -> pa.Table:
    return pa.table(
        {
            "grid_id": pa.array([g for g, _, _ in labels], pa.int32()),
            "field_name": pa.array([f for _, f, _ in labels], pa.string()),
            "column_label": pa.array([c for _, _, c in labels], pa.string()),
        }
    )


def _create_ctx_table(
    con: duckdb.DuckDBPyConnection, reader: Reader, placed: dict[int, _Placed], table: str
) -> None:
    """The distinct per-file context values of the batch (a title's subject and date, a
    registry's as-of date), typed by SQL casts of their literals, keyed as ``_grid_table``
    keys them."""
    if not reader.context_columns:
        return
    seen: dict[tuple[str, ...], int] = {}
    for p in placed.values():
        key = tuple(_lit(p.ctx.values.get(name)) for name in reader.context_columns)
        seen.setdefault(key, len(seen) + 1)
    values = ", ".join(
        "("
        + ", ".join(
            [str(ctx_id)]
            + [
                f"cast({literal} as {sql_type})"
                for literal, sql_type in zip(key, reader.context_columns.values(), strict=True)
            ]
        )
        + ")"
        for key, ctx_id in seen.items()
    )
    names = ", ".join(["_ctx_id", *(f"ctx_{name}" for name in reader.context_columns)])
    con.execute(
        f"create or replace temp table {table} as select * from (values {values}) v({names})"
    )


def _raw_sql(reader: Reader, cells: str, grids: str, ctx_table: str) -> str:
    """Every physical row of the batch with its lineage, its position relative to the header,
    its label (first non-empty cell), whether it repeats the header or holds a value in a
    column without a header, and each field's cell as written (``f_``) and cleaned (``t_``)."""
    ctx = [f"x.ctx_{name}" for name in reader.context_columns]
    join = f"left join {ctx_table} x on x._ctx_id = r._ctx_id" if ctx else ""
    fields = [
        f"r._cells[r.p_{f.name}] as f_{f.name}, r._clean[r.p_{f.name}] as t_{f.name}"
        for f in reader.fields
    ]
    return f"""
        select r._grid_id, r.source_file, r.source_sheet, r._row::integer as source_row,
               r.file_sha256, r.academic_year, r.region_code, {"".join(c + ", " for c in ctx)}
               case when r._row < r.header_first
                        then (case when len(r._present) = 0 then 'blank' else 'title' end)
                    when r._row <= r.header_last then 'header' end as _pre,
               r._present[1]::varchar as _label,
               len(r._present) as _nonempty,
               case when r.repeat_min = 0 then false
                    else list_sum(list_transform(r.repeats, lambda rep:
                        (lower(r._clean[rep.pos]) = rep.text)::int)) >= r.repeat_min
               end as _header_like,
               list_filter(list_transform(r.unheaded, lambda u:
                   {{'column': u.label, 'value': r._clean[u.pos]}}),
                   lambda x: x.value is not null)[1] as _stray,
               {", ".join(fields)}
        from (
            select c._grid_id, c._row, c._cells, c._clean,
                   list_filter(c._clean, lambda x: x is not null) as _present,
                   g.* exclude (_grid_id)
            from (select *, list_transform(_cells, lambda x: msoko_clean(x)) as _clean
                  from {cells}) c
            join {grids} g on g._grid_id = c._grid_id
        ) r
        {join}
    """


def _last_header_part(text: str) -> str:
    return text.split(" / ")[-1].strip()


def _typing_sql(reader: Reader, raw_table: str) -> str:
    """Classify rows, then type every field in stages that refer to columns, not expressions.

    Stage ``cleaned``: cleaned text, missing kind and parsed number per field; stage ``typed``:
    value, error and extras per field; the outer select lists the bad cells and the disposition.
    """
    skip_cases = []
    for pattern, reason in (*reader.skip_labels, *COMMON_SKIP_LABELS):
        if reader.keep_total_rows and reason == "total":
            continue
        skip_cases.append(
            f"when regexp_matches(lower(_label), {_lit(pattern)}) "
            f"then '{reason} «' || left(_label, 40) || '»'"
        )
    for condition, reason in reader.skip_conditions:
        skip_cases.append(f"when {condition} then '{reason} «' || left(_label, 40) || '»'")
    skip = (
        "case when _pre is not null then _pre when _nonempty = 0 then 'blank' "
        "when _header_like then 'header' " + " ".join(skip_cases) + " end"
    )
    cleaned_cols: list[str] = []
    typed_cols: list[str] = []
    error_items: list[str] = []
    for f in reader.fields:
        t = f"t_{f.name}"  # the cleaned cell (msoko_clean), computed once per cell upstream
        if f.kind in ("text", "code"):
            if not f.personal:
                cleaned_cols.append(f"msoko_excel_error({t}) as xe_{f.name}")
        else:
            # Fast path: a cell that casts to a number as it is (most cells of most files) is
            # that number, not missing, not an error value, with no comparator or percent part;
            # only the others go through the cleaning rules (same results, a fraction of the
            # regular-expression work).
            q = f"q_{f.name}"
            cleaned_cols.append(f"try_cast({t} as double) as {q}")
            if not f.personal:
                cleaned_cols.append(
                    f"case when {q} is null then msoko_excel_error({t}) else false end "
                    f"as xe_{f.name}"
                )
            cleaned_cols.append(
                f"case when {q} is null then msoko_missing_kind({t}) end as k_{f.name}"
            )
            cleaned_cols.append(f"coalesce({q}, msoko_number({t})) as n_{f.name}")
            if f.kind == "measure":
                cleaned_cols.append(
                    f"case when {q} is null then msoko_comparator({t}) end as cmp_{f.name}"
                )
                cleaned_cols.append(
                    f"coalesce({q}, msoko_number(msoko_drop_comparator({t}))) as nc_{f.name}"
                )
            if f.kind == "count_pct":
                cleaned_cols.append(
                    f"case when {q} is null then msoko_count_part({t}) end as cp_{f.name}"
                )
                cleaned_cols.append(
                    f"case when {q} is null then msoko_pct_part({t}) end as pp_{f.name}"
                )
        value, error, extra = _field_sql(f)
        typed_cols.append(f"{value} as v_{f.name}")
        typed_cols += [f"{expr} as v_{name}" for name, expr in extra.items()]
        typed_cols.append(f"{error} as e_{f.name}")
        if not f.personal:
            error_items.append(
                f"{{'field_name': {_lit(f.name)}, 'reason': e_{f.name}, 'cell_value': t_{f.name}}}"
            )
    error_items.append(
        "{'field_name': '(no header) ' || _stray.column, "
        "'reason': case when _stray.value is not null then 'a value in a column without a "
        "header: not read, so the row is held back (a stray cell or a shifted row)' end, "
        "'cell_value': _stray.value}"
    )
    for condition, field_name, reason in reader.row_checks:
        error_items.append(
            f"{{'field_name': {_lit(field_name)}, "
            f"'reason': case when {condition} then {_lit(reason)} end, "
            f"'cell_value': t_{field_name}}}"
        )
    errors = (
        "list_filter([" + ", ".join(error_items) + "], lambda x: x.reason is not null)"
        if error_items
        else "[]"
    )
    return f"""
        with classified as (
            select *, {skip} as _skip_reason from {raw_table}
        ),
        cleaned as (
            select *{"".join(", " + c for c in cleaned_cols)} from classified
        ),
        typed as (
            select *, {", ".join(typed_cols)} from cleaned
        ),
        checked as (
            select *, case when _skip_reason is null then {errors} else [] end as _errors
            from typed
        )
        select *,
            case when _skip_reason is not null then 'skipped'
                 when len(_errors) > 0 then 'quarantined'
                 else 'loaded' end as _disposition
        from checked
    """


def _field_sql(f: Field) -> tuple[str, str, dict[str, str]]:
    """(value SQL, error SQL, extra typed columns) for one field, over the ``cleaned`` stage.

    Checks are tried in order; the first that holds gives the reason (an SQL expression).
    """
    text = f"t_{f.name}"
    if f.personal:
        return text, "null", {}
    extra: dict[str, str] = {}
    # (condition SQL, reason SQL); an Excel error value (#DIV/0!) is never read as a value
    checks: list[tuple[str, str]] = [
        (
            f"xe_{f.name}",
            f"'Excel error cell ' || {text} || ': a formula that failed, not a value'",
        )
    ]
    if f.kind in ("text", "code"):
        value = text
        if f.kind == "code":  # Excel turns codes into numbers: "111001.0", "'0123"
            value = f"regexp_replace(regexp_replace({text}, '\\.0+$', ''), '^''', '')"
        if f.required:
            checks.append((f"{text} is null", _lit("required value missing")))
        if f.pattern:
            checks.append(
                (
                    f"{value} is not null and not regexp_full_match({value}, {_lit(f.pattern)})",
                    _lit(f"does not match the expected format {f.pattern}"),
                )
            )
        if f.track_missing:
            extra[f"{f.name}_missing"] = f"msoko_missing_kind({text})"
        return value, _first_failing(checks), extra

    kind, number = f"k_{f.name}", f"n_{f.name}"
    if f.kind == "measure":
        return _measure_sql(f, text, kind, number)
    if f.kind == "count_pct":
        number = f"coalesce(cp_{f.name}, n_{f.name})"
        extra[f"{f.name}_pct_reported"] = f"pp_{f.name}"
    checks.append((f"{kind} is null and {number} is null", f"msoko_not_a_number({text})"))
    dash_value = "0" if f.dash == "zero" else "null"
    value = (
        f"(case when {kind} = 'dash' then {dash_value} "
        f"when {kind} is not null then null else {number} end)"
    )
    if f.kind in ("int", "count_pct"):
        checks.append((f"{value} <> round({value})", _lit("not a whole number")))
    if f.min_value is not None:
        checks.append((f"{value} < {f.min_value}", _lit(f"below the minimum {f.min_value:g}")))
    if f.max_value is not None:
        checks.append((f"{value} > {f.max_value}", _lit(f"above the maximum {f.max_value:g}")))
    if f.required:
        checks.append(
            (f"{value} is null", f"'required value missing (' || coalesce({kind}, '?') || ')'")
        )
    if f.track_missing:
        dash_kind = {"zero": "zero", "not_applicable": "not_applicable"}.get(f.dash, "no_data")
        extra[f"{f.name}_missing"] = f"case {kind} when 'dash' then '{dash_kind}' else {kind} end"
    if f.kind in ("int", "count_pct"):
        value = f"try_cast({value} as integer)"
    return value, _first_failing(checks), extra


def _measure_sql(f: Field, text: str, kind: str, number: str) -> tuple[str, str, dict[str, str]]:
    """A plan/fact cell: number, comparator + number, qualitative text, or a missing marker."""
    with_comparator = f"nc_{f.name}"
    qualitative = (
        f"({kind} is null and {number} is null and {with_comparator} is null "
        f"and regexp_matches({text}, '\\p{{L}}{{3,}}'))"
    )
    value = f"(case when {kind} is null then coalesce({number}, {with_comparator}) end)"
    checks = [
        (
            f"xe_{f.name}",
            f"'Excel error cell ' || {text} || ': a formula that failed, not a value'",
        ),
        (
            f"{kind} is null and {number} is null and {with_comparator} is null "
            f"and not {qualitative}",
            f"msoko_not_a_number({text})",
        ),
    ]
    if f.required:
        checks.append((f"{kind} = 'empty'", _lit("required value missing")))
    dash_kind = {"zero": "zero", "not_applicable": "not_applicable"}.get(f.dash, "no_data")
    extra = {
        f"{f.name}_text": f"case when {qualitative} then {text} end",
        f"{f.name}_comparator": f"case when {number} is null then cmp_{f.name} end",
        f"{f.name}_missing": f"case {kind} when 'dash' then '{dash_kind}' else {kind} end",
    }
    return value, _first_failing(checks), extra


def _first_failing(checks: list[tuple[str, str]]) -> str:
    if not checks:
        return "null"
    return "case " + " ".join(f"when {cond} then {reason}" for cond, reason in checks) + " end"


def _output_sql(reader: Reader, typed: str, batch_id: str) -> str:
    """The loaded rows in the reader's output schema (personal fields are not in it)."""
    lineage = {c for c, _ in LINEAGE_COLUMNS}
    final = []
    for name, sql_type in reader.output_schema():
        if name == "source_name":
            expr = _lit(reader.name)
        elif name == "reader_version":
            expr = str(reader.reader_version)
        elif name == "batch_id":
            expr = _lit(batch_id)
        elif name in reader.derived:
            expr = reader.derived[name][1]
        elif name in reader.context_columns:
            expr = f"ctx_{name}"
        elif name in lineage:
            expr = name
        else:
            expr = f"v_{name}"
        final.append(f"cast({expr} as {sql_type}) as {name}")
    # derived expressions refer to fields and context values by their plain names
    named = [f"v_{f.name} as {f.name}" for f in reader.fields]
    named += [f"ctx_{name} as {name}" for name in reader.context_columns]
    return f"""
        select {", ".join(final)}
        from (select * exclude ({", ".join(f"f_{f.name}" for f in reader.fields)}),
                     {", ".join(named)}
              from {typed} where _disposition = 'loaded')
        order by source_file, source_sheet, source_row
    """


def _quarantine_sql(reader: Reader, typed: str, batch_id: str, labels_table: str) -> str:
    personal = [f"f_{f.name}" for f in reader.fields if f.personal]
    value = "e.cell_value"
    if reader.pupil_level or personal:
        value = redact_sql("e.cell_value", personal, hide_digit_runs=reader.pupil_level)
    return f"""
        select {_lit(reader.name)}::varchar as source_name, source_file, source_sheet,
               source_row::integer as source_row,
               coalesce(l.column_label, e.field_name) as source_column,
               e.field_name, {value} as cell_value, e.reason, file_sha256,
               {reader.reader_version}::integer as reader_version,
               {_lit(batch_id)}::varchar as batch_id, academic_year::integer as academic_year
        from (select *, unnest(_errors) as e from {typed} where _disposition = 'quarantined') q
        left join {labels_table} l
            on l.grid_id = q._grid_id and l.field_name = q.e.field_name
        order by source_file, source_sheet, source_row, source_column
    """


def _summary(
    reader: Reader,
    file: FileVersion,
    grid: Grid | None,
    batch_id: str,
    academic_year: int | None,
    status: str,
    reason: str | None,
    read_at: dt.datetime,
    *,
    rows_read: int | None = None,
    rows_loaded: int = 0,
    rows_quarantined: int = 0,
    rows_skipped: int = 0,
    skipped_reasons: str | None = None,
    header_rows: str | None = None,
) -> dict[str, Any]:
    return {
        "source_name": reader.name,
        "source_file": file.relative_path,
        "source_sheet": grid.sheet if grid else None,
        "file_sha256": file.sha256,
        "reader_version": reader.reader_version,
        "batch_id": batch_id,
        "academic_year": academic_year,
        "status": status,
        "status_reason": reason,
        "rows_read": rows_read,
        "rows_loaded": rows_loaded,
        "rows_quarantined": rows_quarantined,
        "rows_skipped": rows_skipped,
        "skipped_reasons": skipped_reasons,
        "header_rows": header_rows,
        "read_at": read_at,
    }


_ARROW_TYPES = {
    "varchar": pa.string(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "boolean": pa.bool_(),
}


def arrow_schema(columns: Sequence[tuple[str, str]]) -> pa.Schema:
    return pa.schema([(name, _ARROW_TYPES[sql_type]) for name, sql_type in columns])


def _summary_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=arrow_schema(FILE_SUMMARY_SCHEMA))


def _empty_outputs(reader: Reader) -> tuple[pa.Table, pa.Table]:
    return (
        arrow_schema(reader.output_schema()).empty_table(),
        arrow_schema(QUARANTINE_SCHEMA).empty_table(),
    )

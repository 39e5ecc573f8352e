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
        """The academic year (and context) of a file, from its first rows only."""
        located = self._located_grids(con, file, scratch)
        for grid, _, _ in located:
            _drop_grid(con, grid)
        return _single_context(file, [ctx for _, _, ctx in located])

    def _located_grids(
        self, con: duckdb.DuckDBPyConnection, file: FileVersion, scratch: Path | None = None
    ) -> list[tuple[Grid, Layout | str, FileContext | None]]:
        """Every sheet with its layout and context, or the reason it was not understood."""
        out: list[tuple[Grid, Layout | str, FileContext | None]] = []
        grids = open_grids(con, file.path, scratch)
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


def connect_for_ingestion(memory_limit: str = "4GB", threads: int | None = None):
    con = duckdb.connect()
    con.execute(f"set memory_limit = '{memory_limit}'")
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


def _read_files(
    con: duckdb.DuckDBPyConnection,
    reader: Reader,
    files: Sequence[FileVersion],
    secret: bytes | None,
    scratch_dir: Path | None,
    batch_id: str,
) -> BatchResult:
    read_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    call = f"{batch_id}_{next(_batch_counter)}"
    raw_table = f"batch_raw_{call}"
    typed = f"batch_typed_{call}"
    labels_table = f"grid_labels_{call}"
    summaries: list[dict[str, Any]] = []
    labels: list[tuple[int, str, str]] = []  # grid id, field, "header (letter)"
    grid_ids: dict[int, tuple[FileVersion, Grid, Layout, FileContext]] = {}
    created = False
    try:
        for file in files:
            created = _read_file(
                con, reader, file, scratch_dir, batch_id, read_at, raw_table, created,
                summaries, labels, grid_ids,
            )  # fmt: skip
        if not created:
            empty = _empty_outputs(reader)
            return BatchResult(batch_id, empty[0], empty[1], _summary_table(summaries))
        con.execute(
            f"create or replace temp table {labels_table} "
            "(grid_id integer, field_name varchar, column_label varchar)"
        )
        if labels:
            con.executemany(f"insert into {labels_table} values (?, ?, ?)", labels)
        con.execute(f"create or replace temp table {typed} as {_typing_sql(reader, raw_table)}")
        params = {}
        if any(f.personal for f in reader.fields) or reader.pupil_level:
            assert secret is not None
            ipad, opad = hmac_pads(secret)
            params = {"ipad": ipad, "opad": opad}
        rows = _fetch_arrow(con, _output_sql(reader, typed, batch_id), params)
        quarantine = _fetch_arrow(con, _quarantine_sql(reader, typed, batch_id, labels_table))
        summaries += _grid_summaries(con, reader, typed, grid_ids, batch_id, read_at)
        return BatchResult(batch_id, rows, quarantine, _summary_table(summaries))
    finally:
        for name in (raw_table, typed, labels_table):
            con.execute(f"drop table if exists {name}")
        for _, grid, _, _ in grid_ids.values():
            _drop_grid(con, grid)


def _read_file(
    con: duckdb.DuckDBPyConnection,
    reader: Reader,
    file: FileVersion,
    scratch_dir: Path | None,
    batch_id: str,
    read_at: dt.datetime,
    raw_table: str,
    created: bool,
    summaries: list[dict[str, Any]],
    labels: list[tuple[int, str, str]],
    grid_ids: dict[int, tuple[FileVersion, Grid, Layout, FileContext]],
) -> bool:
    """Register one file's grids and insert their cells into the batch's raw table; a file that
    cannot be read or crashes is summarised as unreadable and leaves nothing behind."""
    sheet: str | None = None
    mine: list[int] = []
    located: list[tuple[Grid, Layout | str, FileContext | None]] = []
    try:
        located = reader._located_grids(con, file, scratch_dir)
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
            grid_id = len(grid_ids) + 1
            grid_ids[grid_id] = (file, grid, layout, ctx)
            mine.append(grid_id)
            for name, column in layout.columns.items():
                labels.append(
                    (grid_id, name, f"{layout.labels[name]} ({grid.column_label(column)})")
                )
            select = _grid_projection(reader, grid_id, file, grid, layout, ctx, batch_id)
            if not created:
                con.execute(f"create or replace temp table {raw_table} as {select}")
                created = True
            else:
                con.execute(f"insert into {raw_table} {select}")
        return created
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        if created and mine:
            con.execute(f"delete from {raw_table} where _grid_id in ({', '.join(map(str, mine))})")
        for grid_id in mine:
            grid_ids.pop(grid_id, None)
        labels[:] = [label for label in labels if label[0] not in mine]
        for grid, _, _ in located:
            _drop_grid(con, grid)
        reason = exc.reason if isinstance(exc, UnreadableFileError) else crash_reason(sheet, exc)
        summaries[:] = [s for s in summaries if s["source_file"] != file.relative_path]
        summaries.append(
            _summary(reader, file, None, batch_id, None, "unreadable", reason, read_at)
        )
        return created


# "Всего участников: 98": a file that states how many data rows it holds is checked against
# what was read (loaded + quarantined), not skipped as a footer.
DECLARED_COUNT = r"^(всего|итого)\s+(участников|обучающихся|записей|строк|работ)\s*[:=–-]?\s*(\d+)$"


def _grid_summaries(
    con: duckdb.DuckDBPyConnection,
    reader: Reader,
    typed: str,
    grid_ids: dict[int, tuple[FileVersion, Grid, Layout, FileContext]],
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
    for grid_id, (file, grid, layout, ctx) in grid_ids.items():
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


def _grid_projection(
    reader: Reader,
    grid_id: int,
    file: FileVersion,
    grid: Grid,
    layout: Layout,
    ctx: FileContext,
    batch_id: str,
) -> str:
    cols = grid.columns
    label = "coalesce(" + ", ".join(f"msoko_clean({c})" for c in cols) + ")" if cols else "null"
    # list functions, not chains of "+": a wide sheet must not exceed the parser's depth limit
    nonempty = (
        "len(list_filter([" + ", ".join(f"msoko_clean({c})" for c in cols) + "], "
        "lambda x: x is not null))"
        if cols
        else "0"
    )
    header_first, header_last = min(layout.header_rows), max(layout.header_rows)
    # a data row that repeats the header texts (headers repeated on every printed page)
    repeats = [
        f"(lower(msoko_clean({layout.columns[name]})) = {_lit(_last_header_part(text).lower())})::int"
        for name, text in layout.labels.items()
        # numeric headers (task numbers "1", "2" of a ВПР form) match data, not a repeated header
        if _last_header_part(text) and not _last_header_part(text).replace(".", "").isdigit()
    ]
    header_like = (
        f"list_sum([{', '.join(repeats)}]) >= {min(2, len(repeats))}" if repeats else "false"
    )
    # Cells in a column with no header at all (a stray value in column XFD, a row shifted
    # right) are not silently ignored: the row is quarantined with the column named.
    mapped = set(layout.columns.values())
    unheaded = [
        c
        for i, c in enumerate(cols)
        if c not in mapped
        and not any(
            (grid.head[r - 1][i] if r - 1 < len(grid.head) and i < len(grid.head[r - 1]) else None)
            for r in layout.header_rows
        )
    ]
    stray = (
        "list_filter(["
        + ", ".join(
            f"{{'column': {_lit(grid.column_label(c))}, 'value': msoko_clean({c})}}"
            for c in unheaded
        )
        + "], lambda x: x.value is not null)[1]"
        if unheaded
        else 'null::struct("column" varchar, "value" varchar)'
    )
    select = [
        f"{grid_id} as _grid_id",
        f"{_lit(file.relative_path)}::varchar as source_file",
        f"{_lit(grid.sheet)}::varchar as source_sheet",
        "_row::integer as source_row",
        f"{_lit(file.sha256)}::varchar as file_sha256",
        f"{ctx.academic_year} as academic_year",
        f"{_lit(file.region_code)}::varchar as region_code",
    ]
    for name, sql_type in reader.context_columns.items():
        select.append(f"cast({_lit(ctx.values.get(name))} as {sql_type}) as ctx_{name}")
    select += [
        f"case when _row < {header_first} then (case when {nonempty} = 0 then 'blank' else 'title' end) "
        f"when _row <= {header_last} then 'header' end as _pre",
        f"{label}::varchar as _label",
        f"{nonempty} as _nonempty",
        f"{header_like} as _header_like",
        f"{stray} as _stray",
    ]
    for f in reader.fields:
        column = layout.columns.get(f.name)
        select.append(f"{column if column else 'null::varchar'} as f_{f.name}")
    return f"select {', '.join(select)} from {grid.view}"


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
        cleaned_cols.append(f"msoko_clean(f_{f.name}) as t_{f.name}")
        if not f.personal:
            cleaned_cols.append(f"msoko_excel_error(msoko_clean(f_{f.name})) as xe_{f.name}")
        if f.kind not in ("text", "code"):
            cleaned_cols.append(f"msoko_missing_kind(msoko_clean(f_{f.name})) as k_{f.name}")
            cleaned_cols.append(f"msoko_number(msoko_clean(f_{f.name})) as n_{f.name}")
            if f.kind == "measure":
                cleaned_cols.append(f"msoko_comparator(msoko_clean(f_{f.name})) as cmp_{f.name}")
                cleaned_cols.append(
                    f"msoko_number(msoko_drop_comparator(msoko_clean(f_{f.name}))) as nc_{f.name}"
                )
            if f.kind == "count_pct":
                cleaned_cols.append(f"msoko_count_part(msoko_clean(f_{f.name})) as cp_{f.name}")
                cleaned_cols.append(f"msoko_pct_part(msoko_clean(f_{f.name})) as pp_{f.name}")
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
            select *, {", ".join(cleaned_cols)} from classified
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

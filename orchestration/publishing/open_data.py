"""The open-data export: one CSV per public table, one XLSX workbook, a README, metadata.

Built from the published reporting file (opened read-only) after each publication, with the
small cells suppressed by ``disclosure``; the written CSVs are read back and checked (C15)
before the folder replaces the previous one in one step. Nothing is written when the check fails.

Every table is described for machines by ``datapackage.json`` (a Frictionless Data Package:
each column's Russian label, description, type, unit, the decimal comma, the missing-value and
suppression markers), from the file's own column catalogue (``reference.column_catalogue``:
the dbt YAML, written once). Text cells never execute: a CSV cell that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'`` (OWASP, CSV injection),
an XLSX text cell is written as a string; numbers stay numbers.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ingestion.atomic import clear_leftovers, replace_dir, temp_path
from ingestion.process_name import forked_pool, name_process
from orchestration.publishing.disclosure import (
    COMPLEMENT,
    DisclosureError,
    DisclosureRules,
    PublicTable,
    Suppressed,
    check_disclosure,
    suppress,
)
from orchestration.publishing.xlsx import MAX_ROWS, Workbook
from orchestration.reports.published import latest_publication

CSV_DELIMITER = ";"
CSV_ENCODING = "utf-8-sig"  # with BOM: Excel opens Cyrillic correctly
WORKBOOK = "msoko_public.xlsx"
CHUNK = 200_000  # rows suppressed, written and checked at a time in a long table (no rollup)
SHEET_ROWS = MAX_ROWS  # rows of an Excel worksheet: a larger table goes to its CSV only
DATAPACKAGE = "datapackage.json"
# a text starting with one of these is a formula to a spreadsheet (OWASP: CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# DuckDB types → Table Schema types
FIELD_TYPES = {
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "datetime",
    "TIMESTAMP WITH TIME ZONE": "datetime",
    "DOUBLE": "number",
    "FLOAT": "number",
    "REAL": "number",
    "DECIMAL": "number",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "HUGEINT": "integer",
    "SMALLINT": "integer",
    "TINYINT": "integer",
    "UBIGINT": "integer",
}


@dataclass
class ExportResult:
    path: Path
    version: int | None
    tables: dict[str, int]
    primary: int
    complementary: int
    rates_hidden: int


def read_table(con: duckdb.DuckDBPyConnection, table: PublicTable) -> list[dict[str, Any]]:
    columns = list(table.columns)
    if columns == ["*"]:
        schema, name = table.relation.split(".")
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from duckdb_columns() where schema_name = ? and "
                "table_name = ? order by column_index",
                [schema, name],
            ).fetchall()
        ]
    cursor = con.execute(_select_sql(table, columns))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def _select_sql(table: PublicTable, columns: Sequence[str]) -> str:
    """The table's published rows, ordered, with the columns the suppression reads."""
    needed = [*columns, *table.counts]
    if table.rollup:
        needed += [*table.rollup.keys, table.rollup.level_column]
    where = f" where {table.where}" if table.where else ""
    return f"select {', '.join(dict.fromkeys(needed))} from {table.relation}{where} order by all"


def _column_comments(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    schema, name = relation.split(".")
    return {
        c: t or ""
        for c, t in con.execute(
            "select column_name, comment from duckdb_columns() where schema_name = ? "
            "and table_name = ?",
            [schema, name],
        ).fetchall()
    }


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not execute: ``'`` before a leading ``=``, ``+``, ``-``,
    ``@``, tab or carriage return (OWASP)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_value(value: Any) -> str:
    """A cell as the CSV writes it: numbers with the decimal comma (negative numbers stay
    numbers), texts neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",") if value == value else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "__float__") and not isinstance(value, str):  # Decimal, HUGEINT
        return _csv_value(float(value)) if float(value) != int(value) else str(int(value))
    return neutralise(str(value))


def _text(value: Any) -> str:
    """A non-numeric cell as the workbook shows it (written as a string, never a formula)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_export(
    reporting_path: Path,
    target: Path,
    tables: Sequence[PublicTable],
    *,
    progress: Callable[[str], None] = lambda message: None,
) -> ExportResult:
    """Build the public folder from the reporting file; refuse if the check fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    clear_leftovers(target)  # from a killed export
    tmp = temp_path(target)
    tmp.mkdir()
    con = duckdb.connect(str(reporting_path), read_only=True)
    workbook_writer = None
    try:
        rules = DisclosureRules.from_reporting(con)
        latest = latest_publication(con) or {}
        version, published_at = latest.get("version"), latest.get("published_at")
        done: list[tuple[PublicTable, Suppressed, list[str], dict[str, str]]] = []
        problems: list[str] = []
        streamed: set[str] = set()
        for table in tables:
            count = _row_count(con, table)
            if table.rollup is None and table.columns != ("*",) and count > CHUNK:
                # a long table whose groups lie within a row: suppressed, written and checked
                # a chunk at a time (country scale: millions of rows would not fit in memory)
                result = _stream_table(
                    con, table, rules, tmp / f"{table.name}.csv", problems, count
                )
                streamed.add(table.name)
            else:
                rows = read_table(con, table)
                columns = list(rows[0]) if table.columns == ("*",) and rows else list(table.columns)
                if table.columns == ("*",):
                    table = PublicTable(
                        table.name, table.relation, tuple(columns), description=table.description
                    )
                result = suppress(table, rows, rules)
            done.append((table, result, list(table.columns), _column_comments(con, table.relation)))
        catalogue = _catalogue(con)
        readme = _readme(done, rules, version, published_at, catalogue)
        # the workbook is written by a forked copy of this process while this one writes the
        # CSV files and checks them (C15); a refused export discards both
        workbook_writer = _start_workbook(tmp / WORKBOOK, readme, done)
        for n, (table, result, columns, _) in enumerate(done, 1):
            if table.name not in streamed:
                _write_csv(tmp / f"{table.name}.csv", columns, result.rows)
                written = _read_csv(tmp / f"{table.name}.csv")
                problems += check_disclosure(table, written, rules)
            progress(
                f"[{n}/{len(done)}] public/{table.name}.csv: {result.row_count} rows, "
                f"{result.primary} cells {rules.primary}, {result.complementary} hidden as "
                f"complements, {result.rates_hidden} shares/means hidden"
            )
        if problems:
            raise DisclosureError(
                f"public export refused: {len(problems)} cell(s) could single out a pupil "
                "(C15); the previous public folder stays.\n- " + "\n- ".join(problems[:50])
            )
        _finish_workbook(workbook_writer)
        workbook_writer = None
        (tmp / "README.md").write_text(readme, encoding="utf-8")
        (tmp / DATAPACKAGE).write_text(
            json.dumps(
                datapackage(done, catalogue, rules, version, published_at),
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
        (tmp / "metadata.json").write_text(
            json.dumps(
                {
                    "publication_version": version,
                    "published_at": str(published_at),
                    "exported_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
                    "parameters": {
                        "min_count": rules.min_count,
                        "min_share_base": rules.min_share_base,
                    },
                    "csv": {"encoding": "UTF-8 with BOM", "delimiter": ";", "decimal": ","},
                    "tables": {
                        t.name: {
                            "description": t.description,
                            "rows": res.row_count,
                            "columns": {
                                c: {"kind": t.kind(c), "comment": com.get(c, "")} for c in cols
                            },
                            "cells_primary": res.primary,
                            "cells_complementary": res.complementary,
                            "rates_hidden": res.rates_hidden,
                        }
                        for t, res, cols, com in done
                    },
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
    except BaseException:
        con.close()
        if workbook_writer is not None:
            workbook_writer.kill()
            workbook_writer.join()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    con.close()
    replace_dir(tmp, target)
    return ExportResult(
        target,
        version,
        {t.name: res.row_count for t, res, _, _ in done},
        sum(res.primary for _, res, _, _ in done),
        sum(res.complementary for _, res, _, _ in done),
        sum(res.rates_hidden for _, res, _, _ in done),
    )


def _start_workbook(
    path: Path,
    readme: str,
    done: Sequence[tuple[PublicTable, Suppressed, list[str], dict[str, str]]],
) -> Any:
    """Write the workbook in a forked process (started, not awaited), or here where a platform
    cannot fork (then the returned handle is None)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        _write_workbook(path, readme, done)
        return None
    process = multiprocessing.get_context("fork").Process(
        target=_write_workbook_here,
        args=(path, readme, done),
        name="public-workbook",
        daemon=True,
    )
    process.start()
    return process


def _finish_workbook(process: Any) -> None:
    if process is None:
        return
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"the public workbook was not written (exit code {process.exitcode})")


def _write_workbook_here(
    path: Path,
    readme: str,
    done: Sequence[tuple[PublicTable, Suppressed, list[str], dict[str, str]]],
) -> None:
    """``_write_workbook`` as the forked process that writes it."""
    name_process("msoko-workbook")
    _write_workbook(path, readme, done)


def _write_workbook(
    path: Path,
    readme: str,
    done: Sequence[tuple[PublicTable, Suppressed, list[str], dict[str, str]]],
) -> None:
    """README and one sheet per table; texts written as strings, never formulas or links
    (``orchestration.publishing.xlsx``)."""
    with Workbook(path) as book:
        book.add_sheet("README", None, ([line] for line in readme.splitlines()), _text)
        for table, result, columns, _ in done:
            if result.row_count > SHEET_ROWS - 1:
                continue  # a sheet would cut it short; the README says it is in the CSV only
            rows = ([row.get(c) for c in columns] for row in result.rows)
            book.add_sheet(table.name[:31], columns, rows, _text)


def _row_count(con: duckdb.DuckDBPyConnection, table: PublicTable) -> int:
    where = f" where {table.where}" if table.where else ""
    row = con.execute(f"select count(*) from {table.relation}{where}").fetchone()
    return int(row[0]) if row else 0


def _stream_table(
    con: duckdb.DuckDBPyConnection,
    table: PublicTable,
    rules: DisclosureRules,
    path: Path,
    problems: list[str],
    count: int,
) -> Suppressed:
    """Suppress, write and check (C15) a table without a rollup ``CHUNK`` rows at a time, the
    chunks in forked worker processes (one per core; Python's suppression and check are the
    cost): the same cells as all at once, since every group lies within a row. Each worker
    writes its chunk's CSV lines to a part file, reads them back and checks them; the parts are
    joined in order. The rows are not kept, so a table longer than a worksheet (which the
    workbook leaves out) costs a few chunks of memory; one that fits keeps them for it."""
    keep = count <= SHEET_ROWS - 1
    result = Suppressed(table, [], streamed_rows=0)
    columns = list(table.columns)
    cursor = con.cursor()
    cursor.execute(_select_sql(table, columns))
    names = [d[0] for d in cursor.description]
    parts = path.with_name(f".{path.name}.parts")
    parts.mkdir()
    outcomes: list[tuple[int, int, int, int, list[str], list[dict[str, Any]]]] = []
    workers = max(1, os.cpu_count() or 1)
    fork = "fork" in multiprocessing.get_all_start_methods() and workers > 1
    try:
        with forked_pool(workers, "msoko-export") if fork else contextlib.nullcontext() as pool:
            pending: list[Any] = []
            first = index = 0
            while batch := cursor.fetchmany(CHUNK):
                job = (table, names, batch, rules, parts / f"{index:06d}.csv", first, keep)
                if pool is None:
                    outcomes.append(_export_chunk(*job))
                else:
                    pending.append(pool.submit(_export_chunk, *job))
                    while len(pending) > workers:  # a few chunks in memory at a time
                        outcomes.append(pending.pop(0).result())
                first += len(batch)
                index += 1
            outcomes += [future.result() for future in pending]
        cursor.close()
        with open(path, "w", encoding=CSV_ENCODING, newline="") as handle:
            csv.writer(handle, delimiter=CSV_DELIMITER).writerow(columns)
            for part in sorted(parts.iterdir()):
                with open(part, encoding="utf-8", newline="") as chunk_file:
                    shutil.copyfileobj(chunk_file, handle)
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    for primary, complementary, rates_hidden, count, found, rows in outcomes:
        result.primary += primary
        result.complementary += complementary
        result.rates_hidden += rates_hidden
        result.streamed_rows = (result.streamed_rows or 0) + count
        problems += found
        result.rows += rows
    if keep:
        result.streamed_rows = None
    return result


def _export_chunk(
    table: PublicTable,
    names: list[str],
    batch: list[tuple[Any, ...]],
    rules: DisclosureRules,
    part: Path,
    first_row: int,
    keep: bool,
) -> tuple[int, int, int, int, list[str], list[dict[str, Any]]]:
    """One chunk of a streamed table: suppressed, its CSV lines written to ``part``, read back
    and checked (C15) as a reader would see them."""
    columns = list(table.columns)
    done = suppress(table, [dict(zip(names, r, strict=True)) for r in batch], rules)
    with open(part, "w", encoding="utf-8", newline="") as handle:
        _write_rows(csv.writer(handle, delimiter=CSV_DELIMITER), columns, done.rows)
    with open(part, encoding="utf-8", newline="") as handle:
        written = [
            _displayed(dict(zip(columns, line, strict=True)))
            for line in csv.reader(handle, delimiter=CSV_DELIMITER)
        ]
    found = check_disclosure(table, written, rules, first_row=first_row)
    return (
        done.primary,
        done.complementary,
        done.rates_hidden,
        len(done.rows),
        found,
        done.rows if keep else [],
    )


def _write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", encoding=CSV_ENCODING, newline="") as handle:
        writer = csv.writer(handle, delimiter=CSV_DELIMITER)
        writer.writerow(columns)
        _write_rows(writer, columns, rows)


def _write_rows(writer: Any, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    writer.writerows([_csv_value(row.get(c)) for c in columns] for row in rows)


def _displayed(cells: dict[str, str]) -> dict[str, Any]:
    """A CSV line as a reader sees it: an empty cell is no value."""
    return {k: (v if v != "" else None) for k, v in cells.items()}


def _read_csv(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding=CSV_ENCODING, newline="") as handle:
        return [_displayed(row) for row in csv.DictReader(handle, delimiter=CSV_DELIMITER)]


def check_folder(folder: Path, tables: Sequence[PublicTable], rules: DisclosureRules) -> list[str]:
    """C15 over a written public folder (every CSV declared)."""
    problems = []
    for table in tables:
        problems += check_disclosure(table, _read_csv(folder / f"{table.name}.csv"), rules)
    return problems


@dataclass(frozen=True)
class ColumnInfo:
    """A published column as the file's catalogue describes it (the dbt YAML, once)."""

    label_ru: str
    description: str
    data_type: str


def _catalogue(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict[str, ColumnInfo]]:
    """``reference.column_catalogue`` by (schema, table) and column."""
    out: dict[tuple[str, str], dict[str, ColumnInfo]] = {}
    try:
        rows = con.execute(
            "select schema_name, table_name, column_name, data_type, label_ru, description "
            "from reference.column_catalogue order by schema_name, table_name, column_position"
        ).fetchall()
    except duckdb.CatalogException:  # a file published before the catalogue existed
        rows = []
    for schema, table, column, data_type, label, description in rows:
        out.setdefault((schema, table), {})[column] = ColumnInfo(
            label or "", description or "", (data_type or "").upper()
        )
    return out


def _columns_of(
    catalogue: dict[tuple[str, str], dict[str, ColumnInfo]], table: PublicTable
) -> dict[str, ColumnInfo]:
    schema, name = table.relation.split(".")
    return catalogue.get((schema, name), {})


# units the names cannot tell (the conventions below cover the rest)
UNITS = {
    "mean_value": "балл или отметка (см. mean_measure_type)",
    "mean_primary_score": "первичный балл",
    "points": "балл",
    "max_points": "балл",
    "index_pct": "%",
    "previous_index_pct": "%",
    "index_pct_change": "процентный пункт",
    "rank_in_region": "место",
    "grade": "класс",
}


def unit_of(table: PublicTable, column: str, data_type: str) -> str | None:
    """The unit of a column, by the project's naming conventions (STYLE: counts are
    ``<thing>_count``, shares ``pct_<thing>`` 0–100, changes ``*_change``) and the table's
    declarations (a declared count is a number of pupils); None when it has none."""
    if column in UNITS:
        return UNITS[column]
    if column.endswith("_change"):
        return "процентный пункт" if "pct" in column else "единица измерения показателя"
    if column in table.shares or column.startswith("pct_") or column.endswith("_pct"):
        return "%"
    if column in table.counts:
        return "человек"
    if column.endswith("_count") or column.startswith(("indicators_", "reported_indicators_")):
        return "единица"
    if data_type in ("DOUBLE", "FLOAT", "DECIMAL") and column.startswith("mean_"):
        return "балл"
    return None


def datapackage(
    done: Sequence[tuple[PublicTable, Suppressed, list[str], dict[str, str]]],
    catalogue: dict[tuple[str, str], dict[str, ColumnInfo]],
    rules: DisclosureRules,
    version: Any,
    published_at: Any,
) -> dict[str, Any]:
    """A Frictionless Data Package describing every CSV of the folder: each column's Russian
    label (``title``), description, type, unit, the decimal comma and the markers that stand
    for a missing or suppressed value."""
    missing = ["", rules.primary, COMPLEMENT, rules.small_base]
    resources = []
    for table, result, columns, comments in done:
        known = _columns_of(catalogue, table)
        fields = []
        for column in columns:
            info = known.get(column) or ColumnInfo("", comments.get(column, ""), "VARCHAR")
            kind = FIELD_TYPES.get(info.data_type.split("(")[0], "string")
            field_: dict[str, Any] = {
                "name": column,
                "title": info.label_ru,
                "description": info.description,
                "type": kind,
            }
            if kind == "number":
                field_["decimalChar"] = ","
            if kind == "boolean":
                field_["trueValues"], field_["falseValues"] = ["true"], ["false"]
            unit = unit_of(table, column, info.data_type)
            if unit:
                field_["unit"] = unit
            role = table.kind(column)
            if role != "value":
                field_["disclosure"] = {
                    "count": f"число обучающихся: 1–{rules.min_count - 1} → «{rules.primary}», "
                    f"скрыто как дополнение → «{COMPLEMENT}»",
                    "share": f"доля: база меньше {rules.min_share_base} → «{rules.small_base}», "
                    f"раскрыла бы скрытое число → «{COMPLEMENT}»",
                    "mean": f"среднее: база меньше {rules.min_share_base} → «{rules.small_base}», "
                    f"раскрыло бы скрытое число → «{COMPLEMENT}»",
                }[role]
            fields.append(field_)
        resources.append(
            {
                "name": table.name,
                "path": f"{table.name}.csv",
                "title": table.name,
                "description": (table.description or "")
                .strip()
                .split("\n\n")[0]
                .replace("\n", " "),
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                "dialect": {"delimiter": CSV_DELIMITER, "header": True},
                "schema": {"fields": fields, "missingValues": missing},
                "rows": result.row_count,
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "msoko-public",
        "title": "МСОКО — открытые данные о результатах оценочных процедур",
        "description": (
            f"Версия публикации {version} файла отчётности ({published_at} UTC). Малые группы "
            f"скрыты: «{rules.primary}» — число от 1 до {rules.min_count - 1} обучающихся, "
            f"«{COMPLEMENT}» — скрыто как дополнение, «{rules.small_base}» — доля или среднее "
            f"по базе меньше {rules.min_share_base}; пустая ячейка — нет значения. Десятичный "
            "разделитель — запятая, даты — ГГГГ-ММ-ДД."
        ),
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "title": "Creative Commons Attribution 4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
            }
        ],
        "resources": resources,
    }


def _readme(
    done,
    rules: DisclosureRules,
    version: Any,
    published_at: Any,
    catalogue: dict[tuple[str, str], dict[str, ColumnInfo]] | None = None,
) -> str:
    lines = [
        "# МСОКО — открытые данные / public export",
        "",
        f"Publication version {version} of the reporting file, published {published_at} UTC; "
        f"exported {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "Files: one CSV per table (UTF-8 with BOM, `;` between fields, decimal comma, dates "
        f"YYYY-MM-DD), the same tables in `{WORKBOOK}`, and `{DATAPACKAGE}` (a Frictionless "
        "Data Package: every column's Russian label, description, type, unit and markers; "
        f"`frictionless validate {DATAPACKAGE}`). A text that starts with `=`, `+`, `-` or `@` "
        "is written with a leading `'` so that no spreadsheet executes it.",
        "",
        "## Small-cell suppression (DOMAIN §8 rule 5)",
        "",
        f"- `{rules.primary}`: a count of 1–{rules.min_count - 1} pupils (0 is shown as 0); "
        f"where a group's total is under {rules.min_count}, its whole breakdown;",
        f"- `{COMPLEMENT}`: a count hidden so that a `{rules.primary}` cannot be worked out "
        "from a total and the other parts (complementary suppression), or a share/mean that "
        "would reveal a hidden count;",
        f"- `{rules.small_base}`: a share or mean over fewer than {rules.min_share_base} pupils;",
        "- empty: no value (not applicable, or no breakdown published for a small group).",
        "",
        f"Parameters: min_count = {rules.min_count}, min_share_base = {rules.min_share_base} "
        "(reference.disclosure_parameters).",
        "",
        "## Tables",
    ]
    for table, result, columns, comments in done:
        lines += [
            "",
            f"### {table.name} ({result.row_count} rows)",
            "",
            *(
                [
                    f"Not in `{WORKBOOK}`: more rows than a worksheet holds "
                    f"({SHEET_ROWS - 1:,} under its header); in `{table.name}.csv` only.",
                    "",
                ]
                if result.row_count > SHEET_ROWS - 1
                else []
            ),
            (table.description or "").strip().split("\n\n")[0].replace("\n", " "),
            "",
            "| column | label (ru) | kind | unit | meaning |",
            "|---|---|---|---|---|",
        ]
        known = _columns_of(catalogue or {}, table)
        for c in columns:
            kind = table.kind(c)
            if kind in {"share", "mean"}:
                kind += f" (base {(table.shares.get(c) or table.means[c])[0]})"
            info = known.get(c)
            text = ((info.description if info else "") or comments.get(c) or "").replace("\n", " ")
            label = info.label_ru if info else ""
            unit = unit_of(table, c, info.data_type if info else "") or ""
            lines.append(f"| {c} | {label} | {kind} | {unit} | {text.replace('|', '/')} |")
        for total, *parts in table.totals:
            lines.append(f"\n{total} = {' + '.join(parts)}")
        if table.rollup:
            lines.append(
                f"\nRows with {table.rollup.level_column} = {table.rollup.total_level} are the "
                f"totals of the other rows with the same {', '.join(table.rollup.keys)}."
            )
    return "\n".join(lines) + "\n"

"""The open-data export: one CSV per public table, one XLSX workbook, a README, metadata.

Built from the published reporting file (opened read-only) after each publication, with the
small cells suppressed by ``disclosure``; the written CSVs are read back and checked (C15)
before the folder replaces the previous one in one step. Nothing is written when the check fails.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ingestion.atomic import clear_leftovers, replace_dir, temp_path
from orchestration.publishing.disclosure import (
    COMPLEMENT,
    DisclosureError,
    DisclosureRules,
    PublicTable,
    Suppressed,
    check_disclosure,
    suppress,
)
from orchestration.reports.published import latest_publication

CSV_DELIMITER = ";"
CSV_ENCODING = "utf-8-sig"  # with BOM: Excel opens Cyrillic correctly
WORKBOOK = "msoko_public.xlsx"


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
    needed = list(
        dict.fromkeys([*columns, *table.counts, *(table.rollup.keys if table.rollup else ())])
    )
    if table.rollup:
        needed.append(table.rollup.level_column)
    needed = list(dict.fromkeys(needed))
    where = f" where {table.where}" if table.where else ""
    cursor = con.execute(f"select {', '.join(needed)} from {table.relation}{where} order by all")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


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


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",") if value == value else ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "__float__") and not isinstance(value, int | str):  # Decimal, HUGEINT
        return _csv_value(float(value)) if float(value) != int(value) else str(int(value))
    return str(value)


def write_export(
    reporting_path: Path,
    target: Path,
    tables: Sequence[PublicTable],
    *,
    progress: Callable[[str], None] = lambda message: None,
) -> ExportResult:
    """Build the public folder from the reporting file; refuse if the check fails."""
    import xlsxwriter

    target.parent.mkdir(parents=True, exist_ok=True)
    clear_leftovers(target)  # from a killed export
    tmp = temp_path(target)
    tmp.mkdir()
    con = duckdb.connect(str(reporting_path), read_only=True)
    try:
        rules = DisclosureRules.from_reporting(con)
        latest = latest_publication(con) or {}
        version, published_at = latest.get("version"), latest.get("published_at")
        done: list[tuple[PublicTable, Suppressed, list[str], dict[str, str]]] = []
        problems: list[str] = []
        for n, table in enumerate(tables, 1):
            rows = read_table(con, table)
            columns = list(rows[0]) if table.columns == ("*",) and rows else list(table.columns)
            if table.columns == ("*",):
                table = PublicTable(
                    table.name, table.relation, tuple(columns), description=table.description
                )
            result = suppress(table, rows, rules)
            _write_csv(tmp / f"{table.name}.csv", list(table.columns), result.rows)
            written = _read_csv(tmp / f"{table.name}.csv")
            problems += check_disclosure(table, written, rules)
            done.append((table, result, list(table.columns), _column_comments(con, table.relation)))
            progress(
                f"[{n}/{len(tables)}] public/{table.name}.csv: {len(rows)} rows, "
                f"{result.primary} cells {rules.primary}, {result.complementary} hidden as "
                f"complements, {result.rates_hidden} shares/means hidden"
            )
        if problems:
            raise DisclosureError(
                f"public export refused: {len(problems)} cell(s) could single out a pupil "
                "(C15); the previous public folder stays.\n- " + "\n- ".join(problems[:50])
            )
        workbook = xlsxwriter.Workbook(str(tmp / WORKBOOK), {"nan_inf_to_errors": True})
        readme = _readme(done, rules, version, published_at)
        sheet = workbook.add_worksheet("README")
        for r, line in enumerate(readme.splitlines()):
            sheet.write_string(r, 0, line)
        for table, result, columns, _ in done:
            sheet = workbook.add_worksheet(table.name[:31])
            sheet.write_row(0, 0, columns)
            for r, row in enumerate(result.rows, 1):
                for c, col in enumerate(columns):
                    v = row.get(col)
                    if v is None:
                        continue
                    if isinstance(v, bool) or not isinstance(v, int | float):
                        if hasattr(v, "__float__") and not isinstance(v, str | bool):
                            sheet.write_number(r, c, float(v))
                        else:
                            sheet.write_string(r, c, _csv_value(v))
                    else:
                        sheet.write_number(r, c, v)
            sheet.freeze_panes(1, 0)
        workbook.close()
        (tmp / "README.md").write_text(readme, encoding="utf-8")
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
                            "rows": len(res.rows),
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
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    con.close()
    replace_dir(tmp, target)
    return ExportResult(
        target,
        version,
        {t.name: len(res.rows) for t, res, _, _ in done},
        sum(res.primary for _, res, _, _ in done),
        sum(res.complementary for _, res, _, _ in done),
        sum(res.rates_hidden for _, res, _, _ in done),
    )


def _write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", encoding=CSV_ENCODING, newline="") as handle:
        writer = csv.writer(handle, delimiter=CSV_DELIMITER)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_value(row.get(c)) for c in columns])


def _read_csv(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding=CSV_ENCODING, newline="") as handle:
        return [
            {k: (v if v != "" else None) for k, v in row.items()}
            for row in csv.DictReader(handle, delimiter=CSV_DELIMITER)
        ]


def check_folder(folder: Path, tables: Sequence[PublicTable], rules: DisclosureRules) -> list[str]:
    """C15 over a written public folder (every CSV declared)."""
    problems = []
    for table in tables:
        problems += check_disclosure(table, _read_csv(folder / f"{table.name}.csv"), rules)
    return problems


def _readme(done, rules: DisclosureRules, version: Any, published_at: Any) -> str:
    lines = [
        "# МСОКО — открытые данные / public export",
        "",
        f"Publication version {version} of the reporting file, published {published_at} UTC; "
        f"exported {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "Files: one CSV per table (UTF-8 with BOM, `;` between fields, decimal comma, dates "
        f"YYYY-MM-DD) and the same tables in `{WORKBOOK}`.",
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
            f"### {table.name} ({len(result.rows)} rows)",
            "",
            (table.description or "").strip().split("\n\n")[0].replace("\n", " "),
            "",
            "| column | kind | meaning |",
            "|---|---|---|",
        ]
        for c in columns:
            kind = table.kind(c)
            if kind in {"share", "mean"}:
                kind += f" (base {(table.shares.get(c) or table.means[c])[0]})"
            text = (comments.get(c) or "").replace("\n", " ").replace("|", "/")
            lines.append(f"| {c} | {kind} | {text} |")
        for total, *parts in table.totals:
            lines.append(f"\n{total} = {' + '.join(parts)}")
        if table.rollup:
            lines.append(
                f"\nRows with {table.rollup.level_column} = {table.rollup.total_level} are the "
                f"totals of the other rows with the same {', '.join(table.rollup.keys)}."
            )
    return "\n".join(lines) + "\n"

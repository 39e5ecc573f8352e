"""The public (open-data) export: what leaves the authority, with small cells suppressed.

The reporting file (``reporting.duckdb``) stays with the authority's analysts. What is handed
out — published on a site, sent to a ministry, attached to a public report — is this export:
a folder ``<data>/public/`` with one CSV per public table, one XLSX workbook with the same
tables and a README (tables, columns, rules, parameters, version, date). It is built from the
published reporting file (opened read-only) after each publication.

Which tables and columns are public, and what each column is, is declared per dbt model in
``meta.public`` (``PublicTable.from_meta``)::

    public:
      columns: [academic_year, school_id, participants_count, mark2_count, pct_quality]
      counts: [participants_count, mark2_count]        # numbers of pupils
      shares: {pct_quality: [participants_count, mark4_count, mark5_count]}  # [base, counts of]
      means: {mean_value: [participants_count]}          # [base, counts it depends on]
      totals: [[participants_count, mark2_count, mark3_count]]  # [total, its parts]
      rollup: {level_column: level, total_level: municipality, keys: [academic_year]}
      where: "level = 'municipality'"                    # rows that may leave (optional)

Disclosure control (DOMAIN §8 rule 5, check C15), parameters ``min_count`` (5) and
``min_share_base`` (10) from the seed ``reference.disclosure_parameters``:

1. **primary** — a count of 1…min_count−1 is shown as ``<5``; where a group's total is so
   small, every part of the group is ``<5`` too;
2. **complementary** — a total and its parts form a group (the parts of a row: marks 2/3/4/5
   versus participants; or the school rows of a municipality versus its total row). In every
   group whose total is shown, the hidden parts must not be computable: each hidden part may
   be 1…min_count−1 (``<5``) or at least min_count (``x``, hidden as a complement), their sum
   is the total minus the shown parts. While a group has exactly one hidden part, or a hidden
   part whose value those bounds pin down (e.g. two ``<5`` summing to 2), the smallest shown
   part of at least min_count is hidden too (``x``); if none is left, the total is hidden.
   The pass repeats over all groups until nothing changes (a cell hidden for one group may
   open another);
3. **shares and means** are shown only where their base is shown and at least min_share_base,
   none of the counts they are computed from is hidden, and (shares) the number of pupils they
   imply, and its complement in the base, is not 1…min_count−1. Otherwise the cell holds
   ``N<10`` (base too small) or ``x`` (it would reveal a hidden count).

``check_disclosure`` re-reads what was written (the displayed cells only, as a reader would)
and fails on any count under the threshold, any share or mean shown over a base that is small
or hidden, any group with exactly one hidden part, or a hidden part its group pins down. The
export is refused (the previous ``public/`` folder stays) when it fails.

Limits, stated: the groups checked are the ones declared; the bounds are worked out group by
group (a cell shared by a row group and a column group is protected in each, which is the
usual practice, not a full linear-programming audit).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

PRIMARY = "<5"  # replaced by f"<{min_count}" when the parameter differs
COMPLEMENT = "x"
SMALL_BASE = "N<10"  # likewise f"N<{min_share_base}"
CSV_DELIMITER = ";"
CSV_ENCODING = "utf-8-sig"  # with BOM: Excel opens Cyrillic correctly
PUBLIC_DIR = "public"
WORKBOOK = "msoko_public.xlsx"


class DisclosureError(RuntimeError):
    """The export would reveal a small group; nothing was published."""


@dataclass(frozen=True)
class DisclosureRules:
    min_count: int = 5
    min_share_base: int = 10

    @property
    def primary(self) -> str:
        return f"<{self.min_count}"

    @property
    def small_base(self) -> str:
        return f"N<{self.min_share_base}"

    @classmethod
    def from_reporting(cls, con: duckdb.DuckDBPyConnection) -> DisclosureRules:
        try:
            rows = dict(
                con.execute(
                    "select parameter, value from reference.disclosure_parameters"
                ).fetchall()
            )
        except duckdb.CatalogException:  # a file published before the seed existed
            return cls()
        return cls(int(rows["min_count"]), int(rows["min_share_base"]))


@dataclass(frozen=True)
class Rollup:
    """Rows at ``level_column = total_level`` are the totals of the other rows with the same
    ``keys``, for every count column."""

    level_column: str
    total_level: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class PublicTable:
    name: str  # the file name: <name>.csv, sheet <name>
    relation: str  # schema.table in the reporting file
    columns: tuple[str, ...]
    counts: tuple[str, ...] = ()
    shares: dict[str, tuple[str, ...]] = field(default_factory=dict)  # col: (base, *of)
    means: dict[str, tuple[str, ...]] = field(default_factory=dict)
    totals: tuple[tuple[str, ...], ...] = ()  # (total, *parts)
    rollup: Rollup | None = None
    where: str | None = None
    description: str = ""

    @classmethod
    def from_meta(
        cls, name: str, relation: str, meta: dict[str, Any], description: str = ""
    ) -> PublicTable:
        rollup = meta.get("rollup")
        return cls(
            name=name,
            relation=relation,
            columns=tuple(meta["columns"]),
            counts=tuple(meta.get("counts") or ()),
            shares={k: tuple(v) for k, v in (meta.get("shares") or {}).items()},
            means={k: tuple(v) for k, v in (meta.get("means") or {}).items()},
            totals=tuple(tuple(g) for g in meta.get("totals") or ()),
            rollup=Rollup(rollup["level_column"], rollup["total_level"], tuple(rollup["keys"]))
            if rollup
            else None,
            where=meta.get("where"),
            description=description,
        )

    def kind(self, column: str) -> str:
        if column in self.counts:
            return "count"
        if column in self.shares:
            return "share"
        if column in self.means:
            return "mean"
        return "value"


def public_tables(manifest: dict[str, Any]) -> list[PublicTable]:
    """Models and seeds of the dbt manifest with a ``meta.public`` declaration."""
    out = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in {"model", "seed"}:
            continue
        meta = node.get("config", {}).get("meta", {}) or node.get("meta", {})
        if not meta.get("publish") or not meta.get("public"):
            continue
        name = node.get("alias") or node["name"]
        declared = meta["public"]
        if declared is True:  # every column as it is: nothing in it counts pupils
            declared = {"columns": ["*"]}
        out.append(
            PublicTable.from_meta(
                name, f"{node['schema']}.{name}", declared, node.get("description", "")
            )
        )
    return sorted(out, key=lambda t: t.name)


# ---------------------------------------------------------------------------------------------
# suppression


Cell = tuple[int, str]  # (row index, column)


@dataclass
class Suppressed:
    """A table as published: the displayed value of every cell (numbers or markers)."""

    table: PublicTable
    rows: list[dict[str, Any]]  # displayed: int/float/str/None
    primary: int = 0
    complementary: int = 0
    rates_hidden: int = 0


def groups_of(table: PublicTable, rows: Sequence[dict[str, Any]]) -> list[tuple[Cell, list[Cell]]]:
    """Every (total, parts) group of the table's cells: row groups and rollup groups."""
    groups: list[tuple[Cell, list[Cell]]] = []
    for i in range(len(rows)):
        for total, *parts in table.totals:
            groups.append(((i, total), [(i, p) for p in parts]))
    if table.rollup:
        r = table.rollup
        by_key: dict[tuple[Any, ...], tuple[list[int], list[int]]] = {}
        for i, row in enumerate(rows):
            key = tuple(row[k] for k in r.keys)
            totals_, details = by_key.setdefault(key, ([], []))
            (totals_ if str(row[r.level_column]) == r.total_level else details).append(i)
        for totals_, details in by_key.values():
            for t in totals_:
                for c in table.counts:
                    groups.append(((t, c), [(d, c) for d in details]))
    return groups


def _bounds(
    state: dict[Cell, str], values: dict[Cell, Any], total: Cell, parts: list[Cell], m: int
) -> list[tuple[Cell, int, int]]:
    """Each hidden part's possible range given the group's shown cells (as a reader sees it)."""
    hidden = [p for p in parts if state.get(p) in {"primary", "complement"}]
    shown_sum = sum(int(values[p]) for p in parts if values[p] is not None and p not in hidden)
    rest = int(values[total]) - shown_sum
    lo = {p: 1 if state[p] == "primary" else m for p in hidden}
    hi = {p: m - 1 if state[p] == "primary" else rest for p in hidden}
    out = []
    for p in hidden:
        others_lo = sum(lo[q] for q in hidden if q != p)
        others_hi = sum(hi[q] for q in hidden if q != p)
        out.append((p, max(lo[p], rest - others_hi), min(hi[p], rest - others_lo)))
    return out


def _group_leaks(
    state: dict[Cell, str], values: dict[Cell, Any], total: Cell, parts: list[Cell], m: int
) -> bool:
    if values.get(total) is None or state.get(total) in {"primary", "complement"}:
        return False
    hidden = [p for p in parts if state.get(p) in {"primary", "complement"}]
    if not hidden:
        return False
    if len(hidden) == 1:
        return True
    return any(lo >= hi for _, lo, hi in _bounds(state, values, total, parts, m))


def suppress(
    table: PublicTable, rows: Sequence[dict[str, Any]], rules: DisclosureRules
) -> Suppressed:
    m = rules.min_count
    values: dict[Cell, Any] = {
        (i, c): row.get(c) for i, row in enumerate(rows) for c in table.counts
    }
    state: dict[Cell, str] = {}
    for i, row in enumerate(rows):
        for c in table.counts:
            v = row.get(c)
            if v is not None and 1 <= v < m:
                state[(i, c)] = "primary"
    groups = groups_of(table, rows)
    for total, parts in groups:  # a tiny total hides its whole breakdown
        if state.get(total) == "primary":
            for p in parts:
                if values.get(p) is not None:
                    state[p] = "primary"
    changed = True
    while changed:
        changed = False
        for total, parts in groups:
            while _group_leaks(state, values, total, parts, m):
                candidates = [
                    p
                    for p in parts
                    if p not in state and values.get(p) is not None and int(values[p]) >= m
                ]
                if candidates:
                    pick = min(candidates, key=lambda p: (int(values[p]), p))
                    state[pick] = "complement"
                else:
                    state[total] = "complement"
                changed = True
    out: list[dict[str, Any]] = []
    result = Suppressed(table, out)
    result.primary = sum(1 for s in state.values() if s == "primary")
    result.complementary = sum(1 for s in state.values() if s == "complement")
    hidden_counts = {cell for cell, s in state.items()}
    for i, row in enumerate(rows):
        shown: dict[str, Any] = {}
        for c in table.columns:
            v = row.get(c)
            s = state.get((i, c))
            if s == "primary":
                shown[c] = rules.primary
            elif s == "complement":
                shown[c] = COMPLEMENT
            elif c in table.shares or c in table.means:
                base, *of = table.shares.get(c) or table.means[c]
                marker = _rate_marker(
                    v, row.get(base), (i, base) in hidden_counts, c in table.shares, rules
                )
                if marker is None and any((i, d) in hidden_counts for d in of):
                    marker = COMPLEMENT
                if marker is not None:
                    result.rates_hidden += 1
                shown[c] = marker if marker is not None else v
            else:
                shown[c] = v
        out.append(shown)
    return result


def _rate_marker(
    value: Any, base: Any, base_hidden: bool, is_share: bool, rules: DisclosureRules
) -> str | None:
    if value is None:
        return None
    if base is None or base_hidden or int(base) < rules.min_share_base:
        return rules.small_base
    if is_share:
        implied = round(float(value) * int(base) / 100)
        if 1 <= implied < rules.min_count or 1 <= int(base) - implied < rules.min_count:
            return COMPLEMENT
    return None


# ---------------------------------------------------------------------------------------------
# the check (C15): reads displayed cells only


def _state_of(value: Any, rules: DisclosureRules) -> str | None:
    if value == rules.primary:
        return "primary"
    if value == COMPLEMENT:
        return "complement"
    return None


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", ".").replace("\u00a0", ""))
    except ValueError:
        return None


def check_disclosure(
    table: PublicTable, rows: Sequence[dict[str, Any]], rules: DisclosureRules
) -> list[str]:
    """Problems in a published table (empty list: safe). ``rows`` hold displayed cells."""
    m = rules.min_count
    problems: list[str] = []
    state: dict[Cell, str] = {}
    values: dict[Cell, Any] = {}
    for i, row in enumerate(rows):
        for c in table.columns:
            s = _state_of(row.get(c), rules)
            if s:
                state[(i, c)] = s
            n = _number(row.get(c))
            values[(i, c)] = int(n) if n is not None and c in table.counts else n
    for i, row in enumerate(rows):
        for c in table.counts:
            n = values.get((i, c))
            if (i, c) not in state and n is not None and 1 <= n < m:
                problems.append(f"{table.name} row {i + 1} {c}: count {int(n)} < {m} shown")
        for c, (base, *of) in [*table.shares.items(), *table.means.items()]:
            v = values.get((i, c))
            if v is None or (i, c) in state or row.get(c) == rules.small_base:
                continue
            b = values.get((i, base))
            if (i, base) in state or b is None or b < rules.min_share_base:
                problems.append(
                    f"{table.name} row {i + 1} {c}: shown over base {base} = {row.get(base)}"
                )
            elif any((i, d) in state for d in of if d in table.columns):
                problems.append(f"{table.name} row {i + 1} {c}: shown beside a hidden count")
            elif c in table.shares:
                implied = round(v * b / 100)
                if 1 <= implied < m or 1 <= b - implied < m:
                    problems.append(
                        f"{table.name} row {i + 1} {c}: {v}% of {int(b)} implies a count under {m}"
                    )
    groups = [
        (t, ps)
        for t, ps in groups_of(table, rows)
        if t[1] in table.columns and all(p[1] in table.columns for p in ps)
    ]
    for total, parts in groups:
        if values.get(total) is None or total in state:
            continue
        hidden = [p for p in parts if p in state]
        if len(hidden) == 1:
            problems.append(
                f"{table.name} row {hidden[0][0] + 1} {hidden[0][1]}: the only hidden part of "
                f"{total[1]} (row {total[0] + 1}), computable from it"
            )
        elif hidden:
            for p, lo, hi in _bounds(state, values, total, parts, m):
                if lo >= hi:
                    problems.append(
                        f"{table.name} row {p[0] + 1} {p[1]}: hidden, but its group "
                        f"({total[1]} row {total[0] + 1}) pins it to {lo}"
                    )
    return problems


# ---------------------------------------------------------------------------------------------
# writing


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
    for leftover in [
        *target.parent.glob(f".{target.name}.*.tmp"),
        *target.parent.glob(f".{target.name}.*.old"),
    ]:  # from a killed export
        shutil.rmtree(leftover, ignore_errors=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    tmp.mkdir()
    con = duckdb.connect(str(reporting_path), read_only=True)
    try:
        rules = DisclosureRules.from_reporting(con)
        version, published_at = con.execute(
            "select version, published_at from publication order by version desc limit 1"
        ).fetchone() or (None, None)
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
    _swap(tmp, target)
    return ExportResult(
        target,
        version,
        {t.name: len(res.rows) for t, res, _, _ in done},
        sum(res.primary for _, res, _, _ in done),
        sum(res.complementary for _, res, _, _ in done),
        sum(res.rates_hidden for _, res, _, _ in done),
    )


def _swap(tmp: Path, target: Path) -> None:
    """Replace ``target`` by ``tmp``: the old folder is renamed away, the new one renamed in
    (``os.replace`` each), then the old one deleted. A reader sees the old or the new set."""
    old = target.with_name(f".{target.name}.{uuid.uuid4().hex}.old")
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


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

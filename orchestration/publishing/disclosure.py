"""Disclosure control of the open-data export: small cells suppressed, and the check (C15).

Pure functions over rows (no files); the export that writes them is ``open_data``.

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

import functools
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from orchestration.reports.published import disclosure_parameters, seed_disclosure_parameters

PRIMARY = "<5"  # replaced by f"<{min_count}" when the parameter differs
COMPLEMENT = "x"
SMALL_BASE = "N<10"  # likewise f"N<{min_share_base}"


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
    def from_seed(cls) -> DisclosureRules:
        """The seed file itself, for code that runs without a database (the benchmark's floor,
        the asset's description)."""
        rows = seed_disclosure_parameters()
        return cls(rows["min_count"], rows["min_share_base"])

    @classmethod
    def from_reporting(
        cls, con: duckdb.DuckDBPyConnection, database: str | None = None
    ) -> DisclosureRules:
        """The seed ``disclosure_parameters`` as the reporting file (or the warehouse attached
        as ``database``) holds it: the one source of the small-group threshold."""
        rows = disclosure_parameters(con, database)
        return cls(rows["min_count"], rows["min_share_base"])


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

    def rates(self) -> list[tuple[str, tuple[str, ...]]]:
        """Shares, then means: (column, (base, *counts it depends on))."""
        return [*self.shares.items(), *self.means.items()]

    def kind(self, column: str) -> str:
        if column in self.counts:
            return "count"
        if column in self.shares:
            return "share"
        if column in self.means:
            return "mean"
        return "value"


# ---------------------------------------------------------------------------------------------
# suppression


Cell = tuple[int, str]  # (row index, column)


@dataclass
class Suppressed:
    """A table as published: the displayed value of every cell (numbers or markers)."""

    table: PublicTable
    rows: list[dict[str, Any]]  # displayed: int/float/str/None (empty when streamed)
    primary: int = 0
    complementary: int = 0
    rates_hidden: int = 0
    streamed_rows: int | None = None  # rows written in chunks, not kept (open_data)

    @property
    def row_count(self) -> int:
        return self.streamed_rows if self.streamed_rows is not None else len(self.rows)


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
    """The table as published (rules 1–3 of the module)."""
    if table.rollup is None:
        return _suppress_row_by_row(table, rows, rules)
    return _suppress_cells(table, rows, rules)


def _suppress_cells(
    table: PublicTable, rows: Sequence[dict[str, Any]], rules: DisclosureRules
) -> Suppressed:
    """Every cell of the table at once: groups may span rows (a rollup)."""
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
    _hide_complements(groups, state, values, m)
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


def _suppress_row_by_row(
    table: PublicTable, rows: Sequence[dict[str, Any]], rules: DisclosureRules
) -> Suppressed:
    """A table whose groups all lie within a row (no rollup), one row at a time: the cells
    ``_suppress_cells`` hides, since no two rows share a group and the passes visit a row's
    groups in the same order (tests/test_public_export.py compares the two on generated
    tables). A row without a small count needs no pass at all — only its shares and means
    are looked at — which is most of the work saved on a long table."""
    m = rules.min_count
    primary, complement = rules.primary, COMPLEMENT
    counts = table.counts
    row_groups = [((0, total), [(0, p) for p in parts]) for total, *parts in table.totals]
    plan: list[tuple[str, tuple[str, tuple[str, ...], bool] | None]] = []
    for c in table.columns:
        if c in table.shares or c in table.means:
            base, *of = table.shares.get(c) or table.means[c]
            plan.append((c, (base, tuple(of), c in table.shares)))
        else:
            plan.append((c, None))
    out: list[dict[str, Any]] = []
    result = Suppressed(table, out)
    for row in rows:
        small = [c for c in counts if (v := row.get(c)) is not None and 1 <= v < m]
        state: dict[Cell, str] = {}
        if small:
            values: dict[Cell, Any] = {(0, c): row.get(c) for c in counts}
            state = {(0, c): "primary" for c in small}
            for total, parts in row_groups:  # a tiny total hides its whole breakdown
                if state.get(total) == "primary":
                    for part in parts:
                        if values.get(part) is not None:
                            state[part] = "primary"
            _hide_complements(row_groups, state, values, m)
            for how in state.values():
                if how == "primary":
                    result.primary += 1
                else:
                    result.complementary += 1
        shown: dict[str, Any] = {}
        for c, rate in plan:
            v = row.get(c)
            s = state.get((0, c)) if state else None
            if s == "primary":
                shown[c] = primary
            elif s == "complement":
                shown[c] = complement
            elif rate is not None:
                base, depends, is_share = rate
                marker = _rate_marker(v, row.get(base), (0, base) in state, is_share, rules)
                if marker is None and state and any((0, d) in state for d in depends):
                    marker = complement
                if marker is not None:
                    result.rates_hidden += 1
                    shown[c] = marker
                else:
                    shown[c] = v
            else:
                shown[c] = v
        out.append(shown)
    return result


def _hide_complements(
    groups: list[tuple[Cell, list[Cell]]], state: dict[Cell, str], values: dict[Cell, Any], m: int
) -> None:
    """Rule 2: pass over the groups in order, hiding complements, until a pass changes nothing.

    Only the groups that can have changed are looked at again: a group checked and left safe
    stays safe until the state of one of its cells changes, so a change queues the cell's other
    groups — in this pass when they come later in the order, in the next pass otherwise. The
    cells hidden are exactly those of a full pass over every group each time."""
    member: dict[Cell, list[int]] = {}
    for g, (total, parts) in enumerate(groups):
        for cell in (total, *parts):
            member.setdefault(cell, []).append(g)
    this_pass = sorted({g for cell in state for g in member.get(cell, ())})
    while this_pass:
        queued = set(this_pass)
        next_pass: set[int] = set()
        while this_pass:
            g = heapq.heappop(this_pass)
            total, parts = groups[g]
            while _group_leaks(state, values, total, parts, m):
                candidates = [
                    p
                    for p in parts
                    if p not in state and values.get(p) is not None and int(values[p]) >= m
                ]
                hidden = min(candidates, key=lambda p: (int(values[p]), p)) if candidates else total
                state[hidden] = "complement"
                for h in member[hidden]:
                    if h > g and h not in queued:
                        heapq.heappush(this_pass, h)
                        queued.add(h)
                    elif h < g:
                        next_pass.add(h)
        this_pass = sorted(next_pass)


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
    table: PublicTable, rows: Sequence[dict[str, Any]], rules: DisclosureRules, first_row: int = 0
) -> list[str]:
    """Problems in a published table (empty list: safe). ``rows`` hold displayed cells;
    ``first_row`` numbers them when they are a chunk of a longer table (one without a
    rollup: its groups lie within a row)."""
    if table.rollup is None:
        return _check_row_by_row(table, rows, rules, first_row)
    return _check_cells(table, rows, rules, first_row)


def _read_columns(table: PublicTable) -> list[str]:
    """The columns a rule reads: counts, shares and means with their bases (other cells are
    text or codes, never a number of pupils)."""
    read = {*table.counts, *table.shares, *table.means}
    read |= {d for of in (*table.shares.values(), *table.means.values()) for d in of}
    return [c for c in table.columns if c in read]


def _check_row_by_row(
    table: PublicTable, rows: Sequence[dict[str, Any]], rules: DisclosureRules, first_row: int
) -> list[str]:
    """``_check_cells`` for a table whose groups lie within a row, one row at a time: the same
    problems in the same order (cells of every row, then the groups), without a dictionary
    of every cell of the table (tests/test_public_export.py compares the two)."""
    columns, rates = _read_columns(table), _rates(table)
    groups = [
        (total, parts)
        for total, *parts in table.totals
        if total in table.columns and all(p in table.columns for p in parts)
    ]
    problems: list[str] = []
    group_problems: list[str] = []
    for i, row in enumerate(rows, first_row + 1):  # i: the row's number, as a reader counts
        state, values = _read_row(table, row, columns, rules)
        problems += _cell_problems(table, row, state, values, rates, rules, i)
        if state:
            in_row = functools.partial(_in_row, i)
            for total, parts in groups:
                group_problems += _group_problems(
                    table.name, state, values, total, parts, rules.min_count, in_row
                )
    return problems + group_problems


def _check_cells(
    table: PublicTable, rows: Sequence[dict[str, Any]], rules: DisclosureRules, first_row: int
) -> list[str]:
    """Every cell of the table at once: groups may span rows (a rollup)."""
    columns, rates = _read_columns(table), _rates(table)
    problems: list[str] = []
    state: dict[Cell, str] = {}
    values: dict[Cell, Any] = {}
    for i, row in enumerate(rows):
        row_state, row_values = _read_row(table, row, columns, rules)
        problems += _cell_problems(
            table, row, row_state, row_values, rates, rules, first_row + i + 1
        )
        state.update({(i, c): s for c, s in row_state.items()})
        values.update({(i, c): v for c, v in row_values.items()})
    for total, parts in groups_of(table, rows):
        if total[1] in table.columns and all(p[1] in table.columns for p in parts):
            problems += _group_problems(
                table.name,
                state,
                values,
                total,
                parts,
                rules.min_count,
                lambda cell: (first_row + cell[0] + 1, cell[1]),
            )
    return problems


def _in_row(number: int, column: str) -> tuple[int, str]:
    return number, column


def _rates(table: PublicTable) -> list[tuple[str, str, list[str], bool]]:
    """(column, its base, the counts it depends on, whether it is a share)."""
    return [(c, base, of, c in table.shares) for c, (base, *of) in table.rates()]


def _read_row(
    table: PublicTable, row: dict[str, Any], columns: list[str], rules: DisclosureRules
) -> tuple[dict[str, str], dict[str, Any]]:
    """A displayed row as a reader sees it: the markers of hidden cells, the numbers."""
    primary = rules.primary
    state: dict[str, str] = {}
    values: dict[str, Any] = {}
    for c in columns:
        cell = row.get(c)
        if cell == primary:
            state[c] = "primary"
        elif cell == COMPLEMENT:
            state[c] = "complement"
        n = _number(cell)
        values[c] = int(n) if n is not None and c in table.counts else n
    return state, values


def _cell_problems(
    table: PublicTable,
    row: dict[str, Any],
    state: dict[str, str],
    values: dict[str, Any],
    rates: list[tuple[str, str, list[str], bool]],
    rules: DisclosureRules,
    number: int,
) -> list[str]:
    """Counts under the threshold shown, and shares or means shown where they may not be, in
    row ``number`` (as a reader counts)."""
    m, name = rules.min_count, table.name
    problems: list[str] = []
    for c in table.counts:
        n = values.get(c)
        if c not in state and n is not None and 1 <= n < m:
            problems.append(f"{name} row {number} {c}: count {int(n)} < {m} shown")
    for c, base, of, is_share in rates:
        v = values.get(c)
        if v is None or c in state or row.get(c) == rules.small_base:
            continue
        b = values.get(base)
        if base in state or b is None or b < rules.min_share_base:
            problems.append(f"{name} row {number} {c}: shown over base {base} = {row.get(base)}")
        elif any(d in state for d in of if d in table.columns):
            problems.append(f"{name} row {number} {c}: shown beside a hidden count")
        elif is_share:
            implied = round(v * b / 100)
            if 1 <= implied < m or 1 <= b - implied < m:
                problems.append(
                    f"{name} row {number} {c}: {v}% of {int(b)} implies a count under {m}"
                )
    return problems


def _group_problems(
    name: str,
    state: dict[Any, str],
    values: dict[Any, Any],
    total: Any,
    parts: list[Any],
    m: int,
    where: Callable[[Any], tuple[int, str]],
) -> list[str]:
    """A group whose total is shown with one hidden part, or a hidden part its shown cells
    pin down; ``where`` gives a cell's (row number, column) for the message."""
    if values.get(total) is None or total in state:
        return []
    hidden = [p for p in parts if p in state]
    total_row, total_column = where(total)
    if len(hidden) == 1:
        row, column = where(hidden[0])
        return [
            f"{name} row {row} {column}: the only hidden part of {total_column} "
            f"(row {total_row}), computable from it"
        ]
    problems = []
    if hidden:
        for p, lo, hi in _bounds(state, values, total, parts, m):
            if lo >= hi:
                row, column = where(p)
                problems.append(
                    f"{name} row {row} {column}: hidden, but its group ({total_column} "
                    f"row {total_row}) pins it to {lo}"
                )
    return problems

"""What a publication changes against the previous one: rows per table, rows gone and new, the
school × year × procedure results that disappear, and the source files behind the change.

The gate refuses a publication that would publish less than the last one without a recorded
reason (config/publication_decisions.csv): a published table losing more than
``Settings.max_shrink_pct`` of its rows, or a school × academic year × procedure of the last
publication disappearing from ``marts.fct_assessment_result``. Every publication's quality
report shows the comparison, refused or not.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from orchestration.publishing.decisions import Decision

# which landing source publishes each procedure of marts.fct_assessment_result
PROCEDURE_SOURCES = {
    "vpr": ("vpr_fisoko", "vpr_forms"),
    "oge": ("oge_rcoi",),
    "ege": ("ege_rcoi",),
    "gve9": ("gve9_rcoi",),
    "gve11": ("gve11_rcoi",),
}
KEY_TABLE = "marts.fct_assessment_result"
KEY = ("school_id", "academic_year", "assessment_code")


@dataclass
class TableChange:
    table: str
    rows_before: int | None  # None: the table is new
    rows_after: int
    rows_gone: int = 0  # rows of the previous publication not in this one (EXCEPT ALL)
    rows_new: int = 0
    lost_by_year: dict[int, int] = field(default_factory=dict)  # academic year -> rows fewer

    @property
    def shrink_pct(self) -> float:
        if not self.rows_before:
            return 0.0
        return max(0.0, 100.0 * (self.rows_before - self.rows_after) / self.rows_before)


@dataclass
class PublicationChanges:
    previous_version: int | None
    tables: list[TableChange] = field(default_factory=list)
    vanished_keys: list[tuple[str, int, str]] = field(default_factory=list)
    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)

    def blocking(
        self,
        max_shrink_pct: float,
        decisions: Sequence[Decision],
        *,
        provisional_years: Sequence[int] = (),
        waived: Sequence[tuple[str, int, str]] = (),
    ) -> list[str]:
        """Reasons to refuse: shrinks of a mart and vanished results that nothing accounts for
        — a recorded decision, a completeness waiver of that school, or a provisional year
        (its data are not yet due and may still change). Audit tables (they describe the run:
        fewer quarantined cells is good news) and reference tables (they come with the code)
        are shown, not judged."""
        reasons = []
        for t in self.tables:
            if not t.table.startswith("marts.") or t.shrink_pct <= max_shrink_pct:
                continue
            years: list[int | None] = [*sorted(t.lost_by_year)] or [None]
            unexplained = [
                y
                for y in years
                if y not in provisional_years
                and not any(
                    d.kind in ("accepted_shrink", "withdrawn")
                    and (y is None or d.academic_year == y)
                    for d in decisions
                )
            ]
            if unexplained:
                where = ", ".join(f"{y}/{y + 1}" for y in unexplained if y is not None)
                reasons.append(
                    f"{t.table} would lose {t.shrink_pct:.1f} % of its rows ({t.rows_before} → "
                    f"{t.rows_after}{'; years ' + where if where else ''}) against publication "
                    f"{self.previous_version}; if that is right, record it in "
                    "config/publication_decisions.csv (<year>,<source>,accepted_shrink,<reason>,"
                    "<who>,<date>)"
                )
        unexplained_keys = [
            (school, year, procedure)
            for school, year, procedure in self.vanished_keys
            if year not in provisional_years
            and (school, year, procedure) not in set(waived)
            and not any(
                d.kind in ("accepted_shrink", "withdrawn")
                and d.academic_year == year
                and (d.source == "*" or d.source in PROCEDURE_SOURCES.get(procedure, ()))
                for d in decisions
            )
        ]
        if unexplained_keys:
            shown = "; ".join(f"{s} {y} {p}" for s, y, p in unexplained_keys[:10])
            more = len(unexplained_keys) - 10
            reasons.append(
                f"{len(unexplained_keys)} school × year × procedure result(s) of publication "
                f"{self.previous_version} would disappear ({shown}"
                + (f"; and {more} more" if more > 0 else "")
                + "): put the files back, or record the withdrawal or accepted shrink of that "
                "year and source in config/publication_decisions.csv"
            )
        return reasons

    def as_rows(self) -> list[list[Any]]:
        return [
            [
                t.table,
                "новая" if t.rows_before is None else t.rows_before,
                t.rows_after,
                t.rows_gone,
                t.rows_new,
                f"{t.shrink_pct:.1f}" if t.shrink_pct else "",
            ]
            for t in self.tables
            if t.rows_before is None or t.rows_gone or t.rows_new
        ]


def compare(
    con: duckdb.DuckDBPyConnection,
    previous: dict[str, str],
    current: dict[str, str],
    history: Sequence[dict[str, Any]],
    source_files: Sequence[dict[str, Any]],
) -> PublicationChanges:
    """``previous`` / ``current``: table name → SQL relation (``read_parquet('…')`` or an
    attached table) of the last publication and of the one being built. One query for all
    tables (rows before and after, rows gone and new as multisets, rows per academic year)."""
    changes = PublicationChanges(history[-1]["version"] if history else None)
    parts, by_year = [], []
    for table, new in sorted(current.items()):
        old = previous.get(table)
        if old is not None and _same_file(old, new):
            parts.append(
                f"select {_lit(table)}, a, a, 0::bigint, 0::bigint from "
                f"(select count(*) as a from {new})"
            )
            continue
        if old is None:
            parts.append(
                f"select {_lit(table)} as t, null::bigint as b, (select count(*) from {new}) as a, "
                "0::bigint as g, 0::bigint as n"
            )
            continue
        shared = _shared_columns(con, old, new)
        cols = ", ".join(f'"{c}"' for c in shared)
        parts.append(
            f"select {_lit(table)}, (select count(*) from {old}), (select count(*) from {new}), "
            f"(select count(*) from (select {cols} from {old} except all "
            f"select {cols} from {new})), "
            f"(select count(*) from (select {cols} from {new} except all "
            f"select {cols} from {old}))"
        )
        if "academic_year" in shared:
            by_year.append(
                f"select {_lit(table)} as t, academic_year as y, -count(*) as d from {old} "
                f"group by all union all select {_lit(table)}, academic_year, count(*) "
                f"from {new} group by all"
            )
    lost: dict[str, dict[int, int]] = {}
    if by_year:
        for table, year, delta in con.execute(
            f"select t, y, sum(d) from ({' union all '.join(by_year)}) where y is not null "
            "group by all having sum(d) < 0"
        ).fetchall():
            lost.setdefault(table, {})[int(year)] = -int(delta)
    for table, before, after, gone, added in con.execute(
        " union all ".join(parts) + " order by 1"
    ).fetchall():
        if before is None and not history:
            before = after  # the first publication: nothing to compare with
        changes.tables.append(
            TableChange(table, before, int(after), int(gone), int(added), lost.get(table, {}))
        )
    if KEY_TABLE in previous and KEY_TABLE in current:
        key = ", ".join(KEY)
        changes.vanished_keys = [
            (str(s), int(y), str(p))
            for s, y, p in con.execute(
                f"select distinct {key} from {previous[KEY_TABLE]} except "
                f"select distinct {key} from {current[KEY_TABLE]} order by all"
            ).fetchall()
        ]
    if history:
        before_files = {
            f["source_file"]: f["file_sha256"]
            for f in json.loads(history[-1].get("source_files") or "[]")
        }
        after_files = {f["source_file"]: f["file_sha256"] for f in source_files}
        changes.files_added = sorted(
            name for name, sha in after_files.items() if before_files.get(name) != sha
        )
        changes.files_removed = sorted(
            name for name, sha in before_files.items() if after_files.get(name) != sha
        )
    return changes


def _same_file(old: str, new: str) -> bool:
    """Two ``read_parquet('…')`` relations over byte-identical files (nothing to compare)."""
    paths = [re.fullmatch(r"read_parquet\('(.*)'\)", r) for r in (old, new)]
    if not all(paths):
        return False
    a, b = (Path(m.group(1).replace("''", "'")) for m in paths if m)
    return a.stat().st_size == b.stat().st_size and _digest(a) == _digest(b)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _shared_columns(con: duckdb.DuckDBPyConnection, old: str, new: str) -> list[str]:
    before = [d[0] for d in con.execute(f"select * from {old} limit 0").description]
    after = {d[0] for d in con.execute(f"select * from {new} limit 0").description}
    return [c for c in before if c in after]

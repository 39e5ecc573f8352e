"""Compare two published reporting files: same columns (with comments), same rows in every table.

    python scripts/compare_publications.py <before.duckdb> <after.duckdb>

Both files are attached read-only. The columns are compared through ``duckdb_columns()`` (schema,
table, position, name, type, nullability, comment) and the tables (or views) through
``duckdb_tables()`` / ``duckdb_views()``
(with their comments); then every table's rows, as multisets, with ``EXCEPT ALL`` in both
directions, over the columns both files have. Columns that differ by construction between two
runs are left out: ``publication.published_at`` and ``audit.file_load_summary.first_seen_at`` /
``read_at`` (the wall clock of the run), and ``run_id`` (the Dagster run) wherever it appears.
Prints one line per table and exits 1 when anything differs, 0 when the files hold the same data.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

# (schema, table, column) left out of the row comparison; None matches any table
VOLATILE = {
    ("main", "publication", "published_at"),
    ("audit", "file_load_summary", "first_seen_at"),
    ("audit", "file_load_summary", "read_at"),
    (None, None, "run_id"),
}

COLUMNS_SQL = """
select schema_name, table_name, column_index, column_name, data_type, is_nullable, comment
from duckdb_columns() where database_name = ? order by all
"""
# the published file is a catalog of views over Parquet (orchestration/publishing/store.py);
# a file of the older layout holds tables: both are compared as relations
RELATIONS = """
select database_name, schema_name, table_name, comment from duckdb_tables()
union all
select database_name, schema_name, view_name, comment from duckdb_views() where not internal
"""
TABLES_SQL = f"""
select schema_name, table_name, comment
from ({RELATIONS}) where database_name = ? order by all
"""


def _volatile(schema: str, table: str, column: str) -> bool:
    return (schema, table, column) in VOLATILE or (None, None, column) in VOLATILE


def compare(before: Path, after: Path) -> list[str]:
    """The differences between two reporting files (empty: identical data and metadata)."""
    con = duckdb.connect()
    con.execute(f"attach '{_q(before)}' as a (read_only)")
    con.execute(f"attach '{_q(after)}' as b (read_only)")
    problems: list[str] = []
    for what, sql in (("columns", COLUMNS_SQL), ("tables", TABLES_SQL)):
        left = con.execute(sql, ["a"]).fetchall()
        right = con.execute(sql, ["b"]).fetchall()
        for row in sorted(set(left) - set(right)):
            problems.append(f"{what} only in {before.name} (before): {row}")
        for row in sorted(set(right) - set(left)):
            problems.append(f"{what} only in {after.name} (after): {row}")
    tables = con.execute(
        f"select schema_name, table_name from ({RELATIONS}) where database_name = 'a' "
        f"intersect select schema_name, table_name from ({RELATIONS}) where database_name = 'b' "
        "order by all"
    ).fetchall()
    for schema, table in tables:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from duckdb_columns() where database_name = 'a' "
                "and schema_name = ? and table_name = ? and column_name in (select column_name "
                "from duckdb_columns() where database_name = 'b' and schema_name = ? "
                "and table_name = ?) order by column_index",
                [schema, table, schema, table],
            ).fetchall()
            if not _volatile(schema, table, name)
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        counts = []
        for x, y in (("a", "b"), ("b", "a")):
            counts.append(
                con.execute(
                    f'select count(*) from (select {select} from {x}."{schema}"."{table}" '
                    f'except all select {select} from {y}."{schema}"."{table}")'
                ).fetchone()[0]  # type: ignore[index]
            )
        rows = con.execute(f'select count(*) from a."{schema}"."{table}"').fetchone()[0]  # type: ignore[index]
        state = "same" if counts == [0, 0] else "DIFFERENT"
        print(
            f"{schema}.{table}: {rows} rows, {len(columns)} columns compared; "
            f"only before {counts[0]}, only after {counts[1]}: {state}"
        )
        if counts != [0, 0]:
            problems.append(
                f"{schema}.{table}: {counts[0]} row(s) only before, {counts[1]} only after"
            )
    con.close()
    return problems


def _q(path: Path) -> str:
    return str(path).replace("'", "''")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = compare(Path(argv[0]), Path(argv[1]))
    for p in problems:
        print(p)
    print("IDENTICAL" if not problems else f"{len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

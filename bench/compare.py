"""Our published marts against the floor's: ``EXCEPT ALL`` both ways, per table.

Compared on every column the floor computes (all of the mart's measure, key and attribute
columns). Columns of ours that the floor does not compute are listed, not compared (there are
none today: neither mart carries lineage or load-time columns; those live in the lake, the
audit tables and ``publication``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

TABLES = ("marts.fct_assessment_result", "marts.mart_school_scorecard")


def compare(ours: Path, floor: Path) -> dict[str, Any]:
    con = duckdb.connect()
    con.execute(f"attach '{ours}' as ours (read_only)")
    con.execute(f"attach '{floor}' as floor (read_only)")
    out: dict[str, Any] = {}
    for table in TABLES:
        schema, name = table.split(".")

        def columns(db: str, schema: str = schema, name: str = name) -> list[str]:
            return [
                r[0]
                for r in con.execute(
                    "select column_name from duckdb_columns() where database_name = ? "
                    "and schema_name = ? and table_name = ? order by column_index",
                    [db, schema, name],
                ).fetchall()
            ]

        ours_cols, floor_cols = columns("ours"), columns("floor")
        missing = [c for c in floor_cols if c not in ours_cols]
        cols = ", ".join(c for c in floor_cols if c in ours_cols)

        def count(sql: str) -> int:
            row = con.execute(sql).fetchone()
            return int(row[0]) if row else -1

        ours_only = count(
            f"select count(*) from (select {cols} from ours.{table} except all "
            f"select {cols} from floor.{table})"
        )
        floor_only = count(
            f"select count(*) from (select {cols} from floor.{table} except all "
            f"select {cols} from ours.{table})"
        )
        out[table] = {
            "rows_ours": count(f"select count(*) from ours.{table}"),
            "rows_floor": count(f"select count(*) from floor.{table}"),
            "ours_except_floor": ours_only,
            "floor_except_ours": floor_only,
            "columns_compared": len(floor_cols) - len(missing),
            "columns_missing_in_ours": missing,
            "columns_not_compared": [c for c in ours_cols if c not in floor_cols],
            "equal": ours_only == 0 and floor_only == 0 and not missing,
        }
    con.close()
    return out

"""The published file's own record: the ``publication`` table, read in one place.

Every publication appends a row (version, time, run, lake fingerprint, source files, checks,
provisional years, decisions); the highest version is the file being read. The headline, the
analytical note, the open-data export, the planner and the publisher (for the history it keeps)
all read it through these two functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

PUBLICATION_TABLE = "publication"


def latest_publication(source: duckdb.DuckDBPyConnection | Path) -> dict[str, Any] | None:
    """The newest row of ``publication`` (a dict by column), or None: no file, no table, no row.

    ``source`` is an open connection to the reporting file or its path (opened read-only).
    """
    history = publication_history(source, latest_only=True)
    return history[-1] if history else None


def publication_history(
    source: duckdb.DuckDBPyConnection | Path, *, latest_only: bool = False
) -> list[dict[str, Any]]:
    """Every row of ``publication``, oldest first (empty when there is none to read)."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        return _history(source, latest_only)
    if not source.exists():
        return []
    try:
        con = duckdb.connect(str(source), read_only=True)
    except duckdb.Error:
        return []
    try:
        return _history(con, latest_only)
    finally:
        con.close()


def _history(con: duckdb.DuckDBPyConnection, latest_only: bool) -> list[dict[str, Any]]:
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'main' and table_name = ?",
        [PUBLICATION_TABLE],
    ).fetchone()
    if not exists or not exists[0]:
        return []
    limit = " desc limit 1" if latest_only else ""
    cursor = con.execute(f"select * from main.{PUBLICATION_TABLE} order by version{limit}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

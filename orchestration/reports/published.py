"""The published file's own record: the ``publication`` table and the disclosure parameters.

Every publication appends a row (version, time, run, lake fingerprint, source files, checks,
provisional years, decisions); the highest version is the file being read. The headline, the
analytical note, the open-data export, the planner and the publisher (for the history it keeps)
all read it through these two functions.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb

from ingestion.config import DBT_PROJECT_DIR

PUBLICATION_TABLE = "publication"
DISCLOSURE_SEED = DBT_PROJECT_DIR / "seeds" / "disclosure_parameters.csv"


def latest_publication(source: duckdb.DuckDBPyConnection | Path) -> dict[str, Any] | None:
    """The newest row of ``publication`` (a dict by column), or None: no file, no table, no row.

    ``source`` is an open connection to the reporting file or its path (opened read-only).
    """
    history = publication_history(source, latest_only=True)
    return history[-1] if history else None


def disclosure_parameters(
    con: duckdb.DuckDBPyConnection, database: str | None = None
) -> dict[str, int]:
    """The seed ``disclosure_parameters`` as the file holds it (``min_count``: the small-group
    threshold; ``min_share_base``); the seed file itself for a file published before the seed
    existed. ``database``: an attached database to read (the publisher reads the warehouse's)."""
    prefix = f"{database}." if database else ""
    try:
        rows = con.execute(
            f"select parameter, value from {prefix}reference.disclosure_parameters"
        ).fetchall()
    except duckdb.CatalogException:
        return seed_disclosure_parameters()
    return {str(k): int(v) for k, v in rows}


def seed_disclosure_parameters(path: Path = DISCLOSURE_SEED) -> dict[str, int]:
    """The seed file ``dbt_project/seeds/disclosure_parameters.csv`` (no database needed)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return {r["parameter"]: int(r["value"]) for r in csv.DictReader(handle)}


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
    exists = con.execute(  # a view over Parquet (publishing.store), or a table (older layout)
        "select count(*) from (select schema_name, table_name from duckdb_tables() "
        "where database_name = current_database() union all select schema_name, view_name "
        "from duckdb_views() where database_name = current_database()) "
        "where schema_name = 'main' and table_name = ?",
        [PUBLICATION_TABLE],
    ).fetchone()
    if not exists or not exists[0]:
        return []
    limit = " desc limit 1" if latest_only else ""
    try:
        cursor = con.execute(f"select * from main.{PUBLICATION_TABLE} order by version{limit}")
    except (duckdb.IOException, duckdb.InvalidInputException):
        return []  # the view's files are gone or damaged (publishing.store heals it)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


TENANT_CHECK = "tenant_rows"  # the check_results entry naming a tenant file's scope


def tenant_scope(row: dict[str, Any] | None) -> dict[str, Any]:
    """The ``tenant_rows`` entry of a tenant file's publication row (kind, code, name, the
    regional version, the rows' fingerprint, the tables left out); {} for the regional file."""
    import json

    try:
        checks = json.loads((row or {}).get("check_results") or "[]")
    except ValueError:
        return {}
    for check in checks if isinstance(checks, list) else []:
        if isinstance(check, dict) and check.get("check") == TENANT_CHECK:
            return check
    return {}


def find_tenants(tenants_dir: Path, query: str) -> list[dict[str, Any]]:
    """The tenant files (``<tenants_dir>/<kind>/<code>/reporting.duckdb``) whose code is
    ``query``, else whose name is it (case-insensitive), else whose name contains it; each a
    dict with kind, code, name and catalog."""
    found = []
    for catalog in sorted(tenants_dir.glob("*/*/reporting.duckdb")):
        scope = tenant_scope(latest_publication(catalog))
        found.append(
            {
                "kind": catalog.parent.parent.name,
                "code": catalog.parent.name,
                "name": scope.get("tenant_name") or catalog.parent.name,
                "catalog": catalog,
            }
        )
    wanted = query.strip().casefold()
    for match in (
        lambda t: t["code"].casefold() == wanted,
        lambda t: str(t["name"]).casefold() == wanted,
        lambda t: wanted in str(t["name"]).casefold(),
    ):
        hits = [t for t in found if match(t)]
        if hits:
            return hits
    return []

"""Every published column explained: description, Russian label, contract type, comment, catalogue."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import PipelineRun

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT = PROJECT_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
SHARED_LABELS = DBT_PROJECT / "seeds" / "shared_column_labels.csv"
SHARED_DOCS = DBT_PROJECT / "models" / "shared_columns.md"
PUBLISHED_SCHEMAS = ("marts", "audit", "reference")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def dbt_env(project_dir: Path, warehouse: Path | str = ":memory:") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSOKO_", "DBT_"))}
    env.update(
        DBT_PROFILES_DIR=str(project_dir),
        MSOKO_WAREHOUSE_PATH=str(warehouse),
        MSOKO_DATA_DIR=str(project_dir.parent / "data"),
        DO_NOT_TRACK="1",
    )
    return env


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The project's manifest after ``dbt parse`` (doc blocks rendered), in a scratch target."""
    target = tmp_path_factory.mktemp("dbt_parse")
    subprocess.run(
        [str(DBT), "parse", "--project-dir", str(DBT_PROJECT), "--target-path", str(target)],
        cwd=PROJECT_ROOT,
        env=dbt_env(DBT_PROJECT),
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def published_nodes(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(
        (
            n
            for n in manifest["nodes"].values()
            if n["resource_type"] in {"model", "seed"}
            and n["config"].get("meta", {}).get("publish")
        ),
        key=lambda n: n["unique_id"],
    )


def shared_labels() -> dict[str, str]:
    if not SHARED_LABELS.exists():
        return {}
    with SHARED_LABELS.open(encoding="utf-8") as handle:
        return {row["column_name"]: row["label_ru"] for row in csv.DictReader(handle)}


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_published_counts_are_bigint_and_changes_carry_no_float_noise(
    pipeline: PipelineRun,
) -> None:
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    try:
        huge = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
            "where database_name = current_database() and data_type = 'HUGEINT'"
        ).fetchall()
        decimals = con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() where "
            "database_name = current_database() and data_type = 'DOUBLE' and "
            "(column_name like '%\\_change' escape '\\' or column_name like '%\\_difference' "
            "escape '\\' or column_name like 'pct\\_%' escape '\\')"
        ).fetchall()
        noisy = []
        for schema, table, column in decimals:
            row = con.execute(
                f'select count(*), any_value("{column}") from {schema}.{table} '
                f'where "{column}" <> round("{column}", 2)'
            ).fetchone()
            if row and row[0]:
                noisy.append(f"{schema}.{table}.{column}: {row[0]} values like {row[1]!r}")
    finally:
        con.close()
    assert len(decimals) >= 40 and sum(c.endswith("_change") for _, _, c in decimals) >= 12
    assert not huge, f"HUGEINT columns: {huge}"
    assert not noisy, "unrounded published decimals:\n" + "\n".join(noisy)

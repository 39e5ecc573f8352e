"""Every published column explained: description, Russian label, contract type, comment, catalogue."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

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


def test_every_published_column_has_a_description_and_a_russian_label(
    manifest: dict[str, Any],
) -> None:
    labels = shared_labels()
    missing: list[str] = []
    columns = 0
    for node in published_nodes(manifest):
        for name, column in node["columns"].items():
            columns += 1
            text = (column.get("description") or "").strip()
            label = (column.get("meta") or {}).get("label_ru") or labels.get(name) or ""
            if not text or text == name or "{{" in text or len(text) < 15:
                missing.append(f"{node['name']}.{name}: no description")
            if not CYRILLIC.search(label):
                missing.append(f"{node['name']}.{name}: no Russian label (meta.label_ru)")
    assert columns > 700, f"only {columns} columns declared in the YAML of published models"
    assert not missing, f"{len(missing)} published columns unexplained:\n" + "\n".join(missing)


def test_every_published_model_declares_its_columns_with_an_enforced_contract(
    manifest: dict[str, Any],
) -> None:
    problems = []
    for node in published_nodes(manifest):
        if node["resource_type"] != "model":
            continue
        if not node["config"].get("contract", {}).get("enforced"):
            problems.append(f"{node['name']}: contract not enforced")
        for name, column in node["columns"].items():
            if not column.get("data_type"):
                problems.append(f"{node['name']}.{name}: no data_type")
            elif column["data_type"].lower() == "hugeint":
                problems.append(f"{node['name']}.{name}: HUGEINT (BI drivers read it badly)")
    assert not problems, "\n".join(problems)


def test_every_seed_column_is_described_and_typed_in_the_project(
    manifest: dict[str, Any],
) -> None:
    """A seed column left to type inference changes type with its values (an empty column loads
    as integer); each is typed in dbt_project.yml and described in seeds/_seeds.yml, in the
    order of the CSV header."""
    problems = []
    for node in published_nodes(manifest):
        if node["resource_type"] != "seed":
            continue
        path = DBT_PROJECT / node["original_file_path"]
        with path.open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        if list(node["columns"]) != header:
            problems.append(f"{node['name']}: YAML columns {list(node['columns'])} ≠ CSV {header}")
        types = node["config"].get("column_types") or {}
        untyped = [c for c in header if c not in types]
        if untyped:
            problems.append(f"{node['name']}: no column_types for {untyped}")
    assert not problems, "\n".join(problems)


def test_shared_columns_are_described_once_by_a_doc_block_and_labelled_once() -> None:
    """A column that means the same in many tables (school_id, academic_year, source_file …) has
    one doc block in models/shared_columns.md and one row in the seed shared_column_labels; no
    description is written out twice in the YAML of the published models and seeds."""
    labels = shared_labels()
    docs = set(re.findall(r"{%\s*docs\s+(\w+)\s*%}", SHARED_DOCS.read_text(encoding="utf-8")))
    assert labels, "seeds/shared_column_labels.csv is missing or empty"
    assert set(labels) == docs, (
        f"labels without a doc block: {sorted(set(labels) - docs)}; "
        f"doc blocks without a label: {sorted(docs - set(labels))}"
    )
    written: dict[str, list[str]] = {}
    used: set[str] = set()
    paths = [
        *(DBT_PROJECT / "models" / "marts").rglob("_*.yml"),
        *(DBT_PROJECT / "seeds").glob("_*.yml"),
    ]
    for path in sorted(paths):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for node in [*(doc.get("models") or []), *(doc.get("seeds") or [])]:
            for column in node.get("columns") or []:
                text = column.get("description") or ""
                used.update(re.findall(r"doc\('(\w+)'\)", text))
                if text and "doc(" not in text:
                    written.setdefault(text, []).append(f"{node['name']}.{column['name']}")
    copies = {text: where for text, where in written.items() if len(where) > 1}
    assert not copies, f"descriptions written out more than once (use a doc block): {copies}"
    assert docs <= used, f"doc blocks no column uses: {sorted(docs - used)}"


def test_every_published_model_has_a_primary_key_test(manifest: dict[str, Any]) -> None:
    keyed = set()
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    by_node: dict[str, dict[str, set[str]]] = {}
    for test in tests:
        meta = test.get("test_metadata") or {}
        for dep in test["depends_on"]["nodes"]:
            entry = by_node.setdefault(dep, {"unique": set(), "not_null": set()})
            if meta.get("name") == "primary_key":
                keyed.add(dep)
            elif meta.get("name") in {"unique", "not_null"} and not test["config"].get("where"):
                entry[meta["name"]].add(test.get("column_name") or "")
    unkeyed = []
    for node in published_nodes(manifest):
        if node["resource_type"] != "model":
            continue
        entry = by_node.get(node["unique_id"], {"unique": set(), "not_null": set()})
        if node["unique_id"] not in keyed and not entry["unique"] & entry["not_null"]:
            unkeyed.append(node["name"])
    assert not unkeyed, f"published models without a primary-key test: {unkeyed}"


# ------------------------------------------------------------------ the published file


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_every_column_of_the_published_file_carries_its_description_as_a_comment(
    pipeline: PipelineRun,
) -> None:
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    try:
        acceptance = con.execute(
            "select count(*) from duckdb_columns() where schema_name in "
            "('marts', 'audit', 'reference') and (comment is null or comment = column_name)"
        ).fetchone()
        bare = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
            "where database_name = current_database() and not internal and (comment is null "
            "or trim(comment) = '' or comment = column_name) order by 1"
        ).fetchall()
        tables = con.execute(  # the published catalog's views (tables in an older file)
            "select schema_name || '.' || name from (select schema_name, table_name as name, "
            "comment, database_name from duckdb_tables() union all select schema_name, "
            "view_name, comment, database_name from duckdb_views() where not internal) where "
            "database_name = current_database() and (comment is null or trim(comment) = '')"
        ).fetchall()
        columns = con.execute(
            "select count(*) from duckdb_columns() where database_name = current_database() "
            "and not internal"
        ).fetchone()
    finally:
        con.close()
    assert acceptance == (0,)
    assert not bare, f"{len(bare)} of {columns} columns without a comment: {bare[:20]}"
    assert not tables, f"tables without a comment: {tables}"


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_the_column_catalogue_is_the_published_file_column_for_column(
    pipeline: PipelineRun,
) -> None:
    """reference.column_catalogue (built by dbt from the project graph) lists exactly the
    columns of the published file, in their position, with their type, a Russian label and
    the description that is the column's comment."""
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    try:
        actual = con.execute(
            "select schema_name, table_name, column_index, column_name, data_type, comment "
            "from duckdb_columns() where database_name = current_database() and not internal "
            "and schema_name in ('marts', 'audit', 'reference', 'main')"
        ).fetchall()
        catalogue = con.execute(
            "select schema_name, table_name, column_position, column_name, data_type, "
            "description, label_ru from reference.column_catalogue"
        ).fetchall()
    finally:
        con.close()
    in_file = {(s, t, c): (i, d, cm) for s, t, i, c, d, cm in actual}
    listed = {(s, t, c): (i, d, desc) for s, t, i, c, d, desc, _ in catalogue}
    assert len(listed) == len(catalogue), "a column listed twice in the catalogue"
    assert sorted(set(in_file) - set(listed)) == [], "columns of the file not in the catalogue"
    assert sorted(set(listed) - set(in_file)) == [], "catalogue rows naming no column of the file"
    differs = [(k, in_file[k], listed[k]) for k in listed if in_file[k] != listed[k]]
    assert not differs, f"position, type or description differ: {differs[:5]}"
    unlabelled = [
        (s, t, c) for s, t, _, c, _, _, label in catalogue if not CYRILLIC.search(label or "")
    ]
    assert not unlabelled, f"columns without a Russian label: {unlabelled[:20]}"


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


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_changing_the_type_of_a_published_column_fails_its_contract(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    """Copy the dbt project, make mart_positive_dynamics.schools_compared an integer instead of
    a BIGINT, build that model against a copy of the pipeline's warehouse: dbt refuses it with
    the contract error, and the unchanged project builds the same model (the change is the
    cause)."""
    project = tmp_path / "dbt_project"
    shutil.copytree(
        DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(pipeline.warehouse, warehouse)
    command = [
        str(DBT),
        "build",
        "--project-dir",
        str(project),
        "--select",
        "mart_positive_dynamics",
        "--exclude-resource-type",
        "unit_test",
        "test",
    ]

    def build() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            cwd=tmp_path,
            env=dbt_env(project, warehouse),
            capture_output=True,
            text=True,
            timeout=900,
        )

    unchanged = build()
    assert unchanged.returncode == 0, unchanged.stdout[-3000:]

    model = project / "models" / "marts" / "analytics" / "mart_positive_dynamics.sql"
    sql = model.read_text(encoding="utf-8")
    model.write_text(
        "select * replace (cast(schools_compared as integer) as schools_compared)\n"
        f"from (\n{sql}\n) as changed\n",
        encoding="utf-8",
    )
    changed = build()
    assert changed.returncode != 0, "the model built with a column of another type"
    assert "enforced contract that failed" in changed.stdout, changed.stdout[-3000:]
    assert re.search(r"schools_compared\s*\|\s*INTEGER\s*\|\s*BIGINT", changed.stdout), (
        changed.stdout[-3000:]
    )

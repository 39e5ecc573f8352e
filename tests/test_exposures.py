"""What reads the published file is declared as dbt exposures, and the lists match the code."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestration.publishing.dbt_meta import public_tables
from tests.test_column_catalogue import DBT, DBT_PROJECT, PROJECT_ROOT, dbt_env

REPORTS = PROJECT_ROOT / "orchestration" / "reports"
PUBLISHING = PROJECT_ROOT / "orchestration" / "publishing"
# the note's sections and what they read the published file with (the disclosure parameters)
NOTE = [*sorted((REPORTS / "note").glob("*.py")), REPORTS / "published.py"]
PUBLIC_EXPORT = [
    PUBLISHING / "open_data.py",
    PUBLISHING / "disclosure.py",
    REPORTS / "published.py",
]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
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


def exposure(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    found = [e for e in manifest.get("exposures", {}).values() if e["name"] == name]
    assert found, f"no exposure {name} in the dbt project"
    return found[0]


def read_tables(manifest: dict[str, Any], exposure_name: str) -> set[str]:
    nodes = exposure(manifest, exposure_name)["depends_on"]["nodes"]
    return {manifest["nodes"][uid]["name"] for uid in nodes}


def tables_named_in(paths: list[Path], manifest: dict[str, Any]) -> set[str]:
    """The dbt models and seeds Python modules name as schema.table in their SQL."""
    nodes = {
        (n["schema"], n["name"])
        for n in manifest["nodes"].values()
        if n["resource_type"] in {"model", "seed"}
    }
    text = "\n".join(path.read_text(encoding="utf-8") for path in paths)
    named = set(re.findall(r"\b(marts|audit|reference)\.([a-z_0-9]+)\b", text))
    return {table for schema, table in named if (schema, table) in nodes}


def test_the_analytical_note_exposure_lists_every_table_the_note_reads(
    manifest: dict[str, Any],
) -> None:
    note = exposure(manifest, "analytical_note")
    assert note["type"] == "analysis" and note["owner"]["name"] and note["maturity"]
    read = tables_named_in(NOTE, manifest)
    assert len(read) >= 10
    assert read_tables(manifest, "analytical_note") == read


def test_the_open_data_export_exposure_lists_every_public_table(
    manifest: dict[str, Any],
) -> None:
    """The export writes the tables whose meta.public declares them and reads its disclosure
    parameters from a seed: exactly what the exposure says it depends on."""
    export = exposure(manifest, "public_export")
    assert export["type"] == "application" and export["owner"]["name"] and export["maturity"]
    public = {table.name for table in public_tables(manifest)}
    assert public, "no table declares meta.public"
    expected = public | tables_named_in(PUBLIC_EXPORT, manifest)
    assert read_tables(manifest, "public_export") == expected


def test_the_bi_dashboard_exposure_reads_only_published_tables(
    manifest: dict[str, Any],
) -> None:
    dashboard = exposure(manifest, "bi_dashboard_core")
    assert dashboard["type"] == "dashboard" and dashboard["owner"]["name"]
    assert dashboard["maturity"] == "medium"  # shipped: deploy/superset, tested in .ci/run
    published = {
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] in {"model", "seed"} and n["config"].get("meta", {}).get("publish")
    }
    reads = read_tables(manifest, "bi_dashboard_core")
    assert reads <= published, f"not in the published file: {sorted(reads - published)}"
    # exactly what the shipped dashboard's datasets read (their table or their SQL), and the
    # catalogue its labels come from (deploy/superset/msoko_superset.py)
    datasets = PROJECT_ROOT / "deploy" / "superset" / "dashboard" / "datasets"
    used = {"column_catalogue"}
    for path in datasets.rglob("*.yaml"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        text = spec.get("sql") or f"{spec['schema']}.{spec['table_name']}"
        used |= {name for name in published if re.search(rf"\.{name}\b", text)}
    assert reads == used

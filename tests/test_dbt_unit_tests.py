"""The dbt unit tests of the SQL run once per test suite, not in every pipeline build.

A unit test checks a model's SQL against fixed rows written in its YAML: it says nothing about
the data a build reads, so the pipeline's ``dbt build`` leaves them out (they were ~40 of its
nodes in every refresh) and this test runs every one of them, against a copy of the session
pipeline's warehouse (dbt reads the input models' columns from it).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from ingestion.config import Settings
from orchestration.pipeline.dbt import read_manifest, run_dbt
from tests.conftest import PipelineRun

pytestmark = pytest.mark.e2e


def test_the_sql_unit_tests_run_once_here_and_not_in_every_pipeline_build(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    unit_tests = set(read_manifest()["unit_tests"])
    assert len(unit_tests) >= 30, "the project's unit tests (YAML unit_tests:) are all counted"

    # the pipeline's build ran data tests, and no unit test
    results = [
        r["unique_id"]
        for path in sorted((pipeline.data_dir / "dbt").glob("warehouse_models-*/run_results.json"))
        for r in json.loads(path.read_text(encoding="utf-8"))["results"]
    ]
    assert any(r.startswith("test.") for r in results), "the pipeline's dbt results are read"
    assert not [r for r in results if r.startswith("unit_test.")]

    # here every unit test runs, and passes
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(pipeline.warehouse, warehouse)
    settings = dataclasses.replace(
        Settings.from_env(),
        data_dir=tmp_path,
        warehouse_path=warehouse,
        lake_dir=pipeline.data_dir / "lake",
        duckdb_memory_limit="1GB",
    )
    run = run_dbt(settings, ["test", "--select", "test_type:unit"], target_path=tmp_path / "dbt")
    ran = {e["data"]["node_info"]["unique_id"]: e["data"]["status"] for e in run.events}
    assert run.success, run.error or run.failures()
    assert set(ran) == unit_tests
    assert set(ran.values()) == {"pass"}

"""The Dagster code location loads whole, and its sensor and schedule ask for the right runs."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from ingestion.sources import READERS
from tests.conftest import PipelineRun


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from orchestration.definitions import defs

    dg.Definitions.validate_loadable(defs)
    return defs


def test_the_whole_graph_loads(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for source, reader in READERS.items():
        assert f"raw/{source}/{reader.table}" in keys
    for model in [
        "dim_school",
        "fct_exam_result",
        "fct_assessment_result",
        "mart_school_scorecard",
    ]:
        assert f"marts/{model}" in keys
    assert "reporting/reporting_file" in keys
    # dbt staging reads the raw assets: one lineage graph from files to the reporting file
    stg = dg.AssetKey(["staging", "stg_vpr_fisoko__school_results"])
    assert dg.AssetKey(["raw", "vpr_fisoko", "vpr_school_results"]) in graph.get(stg).parent_keys
    assert {j.name for j in defs.resolve_all_job_defs()} >= {"ingest_job", "warehouse_job"}
    assert defs.resolve_schedule_def("nightly_refresh").cron_schedule == "0 3 * * *"
    assert defs.resolve_sensor_def("landing_files_sensor")


def test_lineage_reaches_what_people_read(defs: dg.Definitions) -> None:
    """The quality report, the analytical note and the dbt docs site are assets downstream of
    the reporting file (the open data is one already)."""
    graph = defs.resolve_asset_graph()
    reporting = dg.AssetKey(["reporting", "reporting_file"])
    for name in ("quality_report", "analytical_note", "dbt_docs", "public_export"):
        node = graph.get(dg.AssetKey(["reporting", name]))
        assert reporting in node.parent_keys, name
        assert node.description, name


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_the_quality_report_is_recorded_as_materialized_by_the_publish(
    pipeline: PipelineRun,
) -> None:
    import subprocess
    import sys

    from tests.conftest import PROJECT_ROOT

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import dagster as dg\n"
            "e = dg.DagsterInstance.get().get_latest_materialization_event("
            "dg.AssetKey(['reporting', 'quality_report']))\n"
            "print(e.asset_materialization.metadata['published'].value if e else 'none')",
        ],
        cwd=PROJECT_ROOT,
        env=pipeline.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "True", result.stderr[-2000:]


def test_arrival_checks_block(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    raw = dg.AssetKey(["raw", "vpr_fisoko", "vpr_school_results"])
    checks = {k.name: graph.get_check_spec(k) for k in graph.get_check_keys_for_assets({raw})}
    assert checks["mark_counts_sum_to_participants"].blocking
    assert not checks["mark_percents_sum_to_100"].blocking  # a warning, reported only
    assert graph.get(raw).partitions_def is not None


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_sensor_and_schedule_plan_only_what_changed(
    pipeline: PipelineRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, defs: dg.Definitions
) -> None:
    run = pipeline.copy(tmp_path / "run")
    for key, value in run.env.items():
        if key.startswith("MSOKO_"):
            monkeypatch.setenv(key, value)
    sensor = defs.resolve_sensor_def("landing_files_sensor")
    schedule = defs.resolve_schedule_def("nightly_refresh")
    with dg.instance_for_test() as instance:
        # the daemon gives a tick the code location's resources; a direct evaluation passes them
        first = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, definitions=defs, resources=defs.resources)
        )
        assert not first.run_requests, "everything in the landing folder is already ingested"
        nightly = schedule.evaluate_tick(
            dg.build_schedule_context(instance=instance, resources=defs.resources)
        )
        assert not nightly.run_requests and nightly.skip_message

        # a corrected ЕГЭ file of one year arrives (same name, one more line at the end)
        target = sorted((run.root / "landing" / "ege_rcoi").glob("*.csv"))[0]
        target.write_bytes(target.read_bytes() + b"\r\n")
        # (the sensor daemon threads the instance through; a direct evaluation needs this)
        with dg.partition_loading_context(dynamic_partitions_store=instance):
            tick = sensor.evaluate_tick(
                dg.build_sensor_context(
                    instance=instance,
                    definitions=defs,
                    resources=defs.resources,
                    cursor=first.cursor,
                )
            )
        assert len(tick.run_requests) == 1
        request = tick.run_requests[0]
        year = target.name.split("_")[1]  # ЕГЭ_2022_… is academic year 2021
        assert request.partition_key == str(int(year) - 1)
        assert request.asset_selection == [dg.AssetKey(["raw", "ege_rcoi", "exam_results"])]

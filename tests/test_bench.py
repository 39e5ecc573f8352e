"""The benchmark harness at municipality scale: our output equals the floor's, every figure is
reported. Timings are not asserted (they depend on the machine and on what else runs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("bench")]

FIGURES = [
    "full_build.seconds",
    "full_build.peak_rss_tree_mib",
    "full_build.max_rss_single_mib",
    *(f"full_build.stages.{s}" for s in ("ingest", "checks", "dbt", "publish", "orchestration")),
    "floor.seconds",
    "floor.peak_rss_tree_mib",
    *(f"floor.stages.{s}" for s in ("parse", "checks", "transform", "publish")),
    *(
        f"ours_vs_floor.{k}"
        for k in (
            "overall",
            "ingest_vs_parse",
            "checks_vs_checks",
            "dbt_vs_transform",
            "publish_vs_publish",
            "overall_without_orchestration",
        )
    ),
    "incremental.refresh_no_change.seconds",
    "incremental.refresh_no_change.ratio_to_full",
    "incremental.nightly_tick_no_change.seconds",
    "incremental.nightly_tick_no_change.tick_seconds",
    "incremental.nightly_tick_no_change.ratio_to_full",
    "incremental.refresh_one_new_file.seconds",
    "incremental.refresh_one_new_file.ratio_to_full",
    "fixed_overhead.empty_landing_refresh_seconds",
    "fixed_overhead.load_definitions_seconds",
    "fixed_overhead.dbt_parse_cold_seconds",
    "fixed_overhead.python_start_seconds",
    "spreadsheets.ours.files_per_s",
    "spreadsheets.ours.rows_per_s",
    "spreadsheets.ours.rows_per_s_with_sniff",
    "spreadsheets.raw.readers.fastexcel.rows_per_s",
    "spreadsheets.raw.readers.python-calamine.rows_per_s",
    "spreadsheets.ratio_rows_per_s",
]


def _get(data: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        data = data[part]
    return data


@pytest.mark.timeout(1800)
def test_bench_municipality_equals_the_floor_and_reports_every_figure(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSOKO_")}
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--scale", "municipality", "--out", str(tmp_path)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        errors="replace",  # child processes' output is only for the failure message
        timeout=1700,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    root = tmp_path / "municipality"
    results = json.loads((root / "results.json").read_text())

    for table, outcome in results["equality"].items():
        assert outcome["rows_ours"] > 0, table
        assert outcome["ours_except_floor"] == 0, (table, outcome)
        assert outcome["floor_except_ours"] == 0, (table, outcome)
        assert outcome["columns_missing_in_ours"] == [], (table, outcome)
        assert outcome["equal"], (table, outcome)

    missing = [f for f in FIGURES if not isinstance(_get(results, f), int | float)]
    assert not missing, f"figures missing from results.json: {missing}"
    assert results["spreadsheets"]["raw_rows_match"], "raw readers read other rows than ours"
    assert results["incremental"]["refresh_one_new_file"]["returncode"] == 0
    assert results["incremental"]["nightly_tick_no_change"]["skipped"] is True
    assert results["generated"]["schools"] == 10
    markdown = (root / "results.md").read_text()
    assert "ours / floor" in markdown and "EXCEPT ALL" in markdown
    # everything lived under the output folder given, never the repository's data/
    assert (root / "data" / "reporting.duckdb").exists()
    assert (root / "dagster_home").is_dir()

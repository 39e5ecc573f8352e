"""ЕГЭ "below minimum" follows the seed table of the year: change one threshold, one cell moves.

The dbt project is copied, one row of ``ege_min_scores.csv`` is changed, and ``dbt build``
runs on a copy of the warehouse. Only that academic year × subject may change, and it must
change to the count computed from the ground truth with the new threshold.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, PipelineRun
from tests.test_pipeline_e2e import (
    _ege_below_minimum_from_truth,
    _ege_below_minimum_in,
    query,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]

YEAR, SUBJECT, NEW_MINIMUM = 2022, "rus", 60


def test_changing_one_threshold_changes_only_that_year_and_subject(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(
        PROJECT_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs")
    )
    seed = project / "seeds" / "ege_min_scores.csv"
    with open(seed, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    changed = [r for r in rows if (int(r["academic_year"]), r["subject_code"]) == (YEAR, SUBJECT)]
    assert len(changed) == 1 and int(changed[0]["min_score"]) != NEW_MINIMUM
    changed[0]["min_score"] = str(NEW_MINIMUM)
    with open(seed, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(pipeline.warehouse, warehouse)
    env = {
        **pipeline.env,
        "MSOKO_WAREHOUSE_PATH": str(warehouse),
        "MSOKO_LAKE_DIR": str(pipeline.data_dir / "lake"),
    }
    dbt = Path(sys.executable).parent / "dbt"
    build = subprocess.run(
        [
            str(dbt),
            "build",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--select",
            "+fct_assessment_result",
            "--quiet",
        ],
        env=env,
        capture_output=True,
        text=True,
        errors="replace",  # a killed process may stop mid-character
        timeout=600,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]

    before = _ege_below_minimum_in(pipeline.warehouse)
    after = _ege_below_minimum_in(warehouse)
    moved = {k for k in before if before[k] != after[k]}
    assert moved == {(YEAR, SUBJECT)}
    assert after == _ege_below_minimum_from_truth(pipeline, {(YEAR, SUBJECT): NEW_MINIMUM})
    # the other measures of the unchanged cells are untouched, row for row
    sql = (
        "select * exclude (assessment_result_id) from marts.fct_assessment_result "
        f"where not (academic_year = {YEAR} and subject_code = '{SUBJECT}' "
        "and assessment_code = 'ege') order by all"
    )
    assert query(warehouse, sql) == query(pipeline.warehouse, sql)


def test_no_threshold_is_a_literal_in_the_models() -> None:
    """Minimum scores live in seeds: no model compares a score with a number.

    A maximum score is not a threshold (``max_score > 0`` guards a division)."""
    import re

    pattern = re.compile(r"(?<!max_)(test_score|score)\s*(<|<=|>=|>)\s*\d+")
    offenders = [
        str(p.relative_to(PROJECT_ROOT))
        for p in (PROJECT_ROOT / "dbt_project" / "models").rglob("*.sql")
        if pattern.search(p.read_text())
    ]
    assert not offenders

"""Transform only what changed, and change nothing when nothing changed (issue 16).

- ``msoko refresh`` with nothing new runs neither Dagster's build nor dbt and republishes
  nothing: the published bytes and version stay.
- After a new file, a corrected file, a removed file and a changed registry, the incremental
  build publishes exactly what a full rebuild publishes (every table, ``EXCEPT ALL`` both ways).
- A changed seed row is a change of the dbt project: the planner rebuilds everything.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.pipeline import dbt as dbt_module
from orchestration.pipeline.fingerprint import BuildInputs, build_plan
from tests.conftest import PipelineRun

VOLATILE = {"published_at", "run_id", "first_seen_at", "read_at"}


def _dbt_runs(run: PipelineRun) -> list[str]:
    folder = run.data_dir / "dbt"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_a_refresh_with_nothing_new_builds_and_publishes_nothing(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    run = pipeline.copy(tmp_path / "run")
    first = run.cli("refresh")  # a copy lives elsewhere: its first refresh may rebuild
    before, dbt_before = run.published_state, _dbt_runs(run)

    again = run.cli("refresh")

    assert "nothing changed since publication" in again.stdout, again.stdout[-2000:]
    assert "building the warehouse" not in again.stdout
    assert run.published_state == before, "the catalog and the pointer are untouched"
    assert _dbt_runs(run) == dbt_before, "dbt did not run"
    assert first.returncode == 0


def _published_tables(version_dir: Path) -> dict[str, Path]:
    return {
        f"{p.parent.name}.{p.stem}": p
        for p in version_dir.glob("*/*.parquet")
        if p.stem != "publication"
    }


def _differences(before: Path, after: Path) -> dict[str, tuple[int, int]]:
    """Per table: rows only in ``before``, rows only in ``after`` (multisets)."""
    con = duckdb.connect()
    try:
        out = {}
        left, right = _published_tables(before), _published_tables(after)
        assert left.keys() == right.keys(), set(left) ^ set(right)
        for name in sorted(left):
            columns = [
                c
                for (c, *_) in con.execute(
                    f"describe select * from read_parquet('{left[name]}')"
                ).fetchall()
                if c not in VOLATILE
            ]
            cols = ", ".join(f'"{c}"' for c in columns)
            a = f"select {cols} from read_parquet('{left[name]}')"
            b = f"select {cols} from read_parquet('{right[name]}')"
            gone = con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0]
            new = con.execute(f"select count(*) from ({b} except all {a})").fetchone()[0]
            if gone or new:
                out[name] = (gone, new)
        return out
    finally:
        con.close()


def _change_the_landing_folder(landing: Path) -> None:
    # a removed file (one olympiad protocol)
    next((landing / "olympiad").glob("*региональный_этап_bio*")).unlink()
    # a corrected file: the latest year's ОГЭ Russian export re-sent without one pupil's row
    path = sorted((landing / "oge_rcoi").glob("ОГЭ_*_01_Русский*.xlsx"))[-1]
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = next(r for r in range(1, 15) if any(c.value == "Код ОО" for c in sheet[r]))
    sheet.delete_rows(header + 1)
    book.save(path)
    # a new file: a ГВЭ-9 export of the latest year for a school that already sits ОГЭ
    from tests.test_gve_only_schools import _gve9_export

    year = int(path.name.split("_")[1])
    _gve9_export(
        landing / "gve9_rcoi" / f"ГВЭ-9_{year}_доп_Русский.xlsx",
        f"01 - Русский язык (письменная форма) {year}.06.04",
        "101001",
        (3, 4, 5),
    )
    # a changed registry: the latest snapshot renames a school's head (a text field)
    registry = sorted((landing / "registry").iterdir())[-1]
    book = openpyxl.load_workbook(registry)
    sheet = book.worksheets[0]
    for r in range(1, sheet.max_row + 1):
        for c in range(1, sheet.max_column + 1):
            if str(sheet.cell(r, c).value or "").startswith("МБОУ СОШ № 1"):
                sheet.cell(r, c).value = str(sheet.cell(r, c).value) + " имени А. С. Пушкина"
                book.save(registry)
                return
    raise AssertionError("no school name to change in the registry")


@pytest.mark.e2e
@pytest.mark.xdist_group("pipeline")
def test_an_incremental_build_publishes_what_a_full_rebuild_publishes(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    run = pipeline.copy(tmp_path / "run")
    _change_the_landing_folder(run.root / "landing")
    # the removed protocol and the corrected mark are decided on: this test is about equality
    run.env["MSOKO_MAX_SHRINK_PCT"] = "100"

    incremental = run.cli("refresh", check=False)
    assert incremental.returncode == 0, incremental.stdout[-3000:] + incremental.stderr[-3000:]
    first = os.readlink(run.data_dir / "reporting" / "current")
    full = run.cli("refresh", "--full", check=False)
    assert full.returncode == 0, full.stdout[-3000:] + full.stderr[-3000:]
    second = os.readlink(run.data_dir / "reporting" / "current")
    assert first != second, "the full rebuild published a version of its own"

    differences = _differences(
        run.data_dir / "reporting" / first, run.data_dir / "reporting" / second
    )
    assert differences == {}, differences


def test_a_changed_seed_row_rebuilds_everything(tmp_path: Path, monkeypatch) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(
        dbt_module.DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs")
    )
    monkeypatch.setattr(dbt_module, "DBT_PROJECT_DIR", project)
    before = dbt_module.project_digest()
    seed = project / "seeds" / "ege_min_scores.csv"
    lines = seed.read_text(encoding="utf-8").splitlines(True)
    lines[1] = lines[1].replace(",24,", ",25,", 1)
    seed.write_text("".join(lines), encoding="utf-8")
    after = dbt_module.project_digest()
    assert before != after

    inputs = BuildInputs(
        landing=[], partitions={}, project=before, package_version="1",
        due_dates_passed=[], config={}, default_region="27",
    )  # fmt: skip
    changed = BuildInputs(**{**inputs.__dict__, "project": after})
    plan = build_plan(inputs, changed, {"nodes": {}, "sources": {}})
    assert plan.full_refresh and "dbt project file changed" in " ".join(plan.reasons)
    unchanged = build_plan(inputs, inputs, {"nodes": {}, "sources": {}})
    assert not unchanged.full_refresh and unchanged.builds_nothing

"""Ingesting partitions (source × academic year) from a landing folder: what is read, how often,
and what the lake records. Real readers, the real arrival checks, no Dagster: each test scans a
landing folder built from generated (tiny-scale) files and calls ``ingest_partition``.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from expectations.suites import run_suite
from ingestion.config import Settings
from ingestion.lake import Lake
from ingestion.landing import scan_landing
from orchestration.pipeline.partition import ingest_partition


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny generated region's landing folder."""
    from ingestion.samples.generate import generate

    base = tmp_path_factory.mktemp("partitions")
    generate(base / "landing", base / "truth", seed=7, scale="tiny")
    return base / "landing"


def settings_for(root: Path, landing: Path) -> Settings:
    data = root / "data"
    return Settings(
        data_dir=data,
        landing_dir=landing,
        lake_dir=data / "lake",
        warehouse_path=data / "warehouse.duckdb",
        reporting_path=data / "reporting.duckdb",
        reports_dir=data / "reports",
        waivers_path=root / "waivers.csv",
        decisions_path=root / "decisions.csv",
        default_region="27",
        duckdb_memory_limit="1GB",
        duckdb_threads=2,
        demo=True,
    )


def test_landing_files_with_identical_bytes_are_one_version_read_once(
    generated: Path, tmp_path: Path
) -> None:
    """Schools without results send the same empty form: twelve files, one version. It is read
    once, so each landing name shows each sheet once (the warehouse joins the version's summary
    to every name by checksum; a version read twelve times gave 144 rows for 12 files)."""
    landing = tmp_path / "landing"
    (landing / "vpr_fisoko").mkdir(parents=True)
    form = sorted((generated / "vpr_fisoko").glob("*.xlsx"))[0]
    for name in ("ВПР_школа_1.xlsx", "ВПР_школа_2.xlsx", "ВПР_школа_3.xlsx"):
        shutil.copyfile(form, landing / "vpr_fisoko" / name)
    settings = settings_for(tmp_path, landing)
    entries = scan_landing(settings)
    (year,) = {e.academic_year for e in entries}

    result = ingest_partition(settings, "vpr_fisoko", year, run_suite=run_suite, entries=entries)

    assert result.committed
    assert len(result.new_versions) == 1
    sheets = Counter((f["file_sha256"], f["source_sheet"]) for f in result.files)
    assert set(sheets.values()) == {1}, sheets
    lake_summaries = [
        row
        for path in (settings.lake_dir / "_files" / "vpr_fisoko").rglob("*.parquet")
        for row in pq.read_table(path).to_pylist()
    ]
    assert Counter((r["file_sha256"], r["source_sheet"]) for r in lake_summaries) == sheets
    manifest = Lake(settings.lake_dir).read_manifest("vpr_fisoko", year).to_pylist()
    assert [r["status"] for r in manifest] == ["committed"]


def test_years_read_in_parallel_processes_leave_the_lake_as_one_process_does(
    generated: Path, tmp_path: Path
) -> None:
    """``ingest_partitions`` reads the years of a source in worker processes: the lake's rows,
    quarantine, file summaries and manifests are those of reading them one after the other, the
    results come in the order of the years, and the stage timings made in the workers reach the
    caller's ``Stages``."""
    import dataclasses

    import duckdb

    from ingestion.stages import Stages
    from orchestration.pipeline.partition import ingest_partitions, memory_share

    class Recording(Stages):
        def __init__(self) -> None:
            self.timings: list[dict] = []

        def record(self, timing: dict) -> None:
            self.timings.append(timing)

    lakes = {}
    for workers in (1, 2):
        settings = dataclasses.replace(
            settings_for(tmp_path / f"w{workers}", generated), ingest_workers=workers
        )
        entries = scan_landing(settings, "oge_rcoi")
        years = sorted({e.academic_year for e in entries if e.academic_year})
        assert len(years) >= 2
        stages = Recording()
        messages: list[str] = []
        results = list(
            ingest_partitions(
                settings,
                "oge_rcoi",
                years,
                run_suite=run_suite,
                entries=entries,
                log=messages.append,
                stages=stages,
            )
        )
        assert [r.academic_year for r in results] == years
        assert all(r.committed for r in results)
        if workers == 2:  # timed in the workers, recorded here
            assert {t["what"] for t in stages.timings} >= {"read_batch", "arrival_checks"}
            assert any("reading" in m for m in messages)
        con = duckdb.connect()
        lake = settings.lake_dir
        lakes[workers] = {
            what: sorted(
                con.execute(
                    f"select {columns} from read_parquet('{lake}/{glob}', union_by_name = true)"
                ).fetchall(),
                key=repr,
            )
            for what, glob, columns in (
                ("rows", "oge_rcoi/exam_results/academic_year=*/*.parquet", "*"),
                ("files", "_files/oge_rcoi/*/*.parquet", "* exclude (read_at)"),
            )
        }
        lakes[workers]["manifest"] = sorted(
            (r["academic_year"], r["file_sha256"], r["status"])
            for y in years
            for r in Lake(lake).read_manifest("oge_rcoi", y).to_pylist()
        )
    assert lakes[1]["manifest"] and lakes[1]["rows"]
    assert lakes[1] == lakes[2]
    assert memory_share("8GB", 2) == "3814MiB" and memory_share("75%", 3) == "25%"


def test_a_landing_scan_in_worker_processes_lists_what_one_process_does(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The landing scan hashes and places new files in worker processes when there are many:
    the entries (source, year, checksum, region, error) are those of a scan in one process, in
    the same order, and a file that cannot be placed is still listed with its reason."""
    import dataclasses

    from ingestion import landing as landing_module

    landing = tmp_path / "landing"
    shutil.copytree(generated, landing)
    (landing / "ege_rcoi" / "пустой.csv").write_bytes(b"")
    (landing / "unknown_folder").mkdir()
    (landing / "unknown_folder" / "x.csv").write_text("a;b\n", encoding="utf-8")
    monkeypatch.setattr(landing_module, "PARALLEL_FROM", 2)
    scans = {}
    for workers in (1, 2):
        settings = dataclasses.replace(
            settings_for(tmp_path / f"w{workers}", landing), ingest_workers=workers
        )
        scans[workers] = [
            (e.source_file, e.source_name, e.academic_year, e.file_sha256, e.region_code, e.error)
            for e in scan_landing(settings)
        ]
    assert len(scans[1]) > 4
    assert scans[1] == scans[2]
    errors = {name: error for name, *_, error in scans[2] if error}
    assert "ege_rcoi/пустой.csv" in errors and "unknown_folder/x.csv" in errors

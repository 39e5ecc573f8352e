"""Shared fixtures: a generated dataset run through the whole pipeline, once per session.

The pipeline runs in a subprocess (``python -m orchestration.cli``) with its own data folder,
Dagster instance and a real (non-demo) pseudonymisation secret, exactly as a user runs it.
Tests that need the warehouse are in the xdist group ``pipeline`` so that they share it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class PipelineRun:
    root: Path
    data_dir: Path
    dagster_home: Path
    truth_dir: Path
    env: dict[str, str]
    output: str
    errors: str = ""  # the run's stderr: with output, what the terminal showed

    @property
    def reporting(self) -> Path:
        return self.data_dir / "reporting.duckdb"

    @property
    def published_state(self) -> tuple[str, str | None]:
        """What readers see: the catalog's bytes (SHA-256) and the version ``current`` names."""
        import hashlib

        catalog = hashlib.sha256(self.reporting.read_bytes()).hexdigest()
        pointer = self.data_dir / "reporting" / "current"
        return catalog, os.readlink(pointer) if pointer.is_symlink() else None

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def truth(self) -> dict:
        return json.loads((self.truth_dir / "truth.json").read_text())

    def exam_truth(self) -> list[dict]:
        return pq.read_table(self.truth_dir / "exam_results.parquet").to_pylist()

    def cli(
        self, *args: str, check: bool = True, umask: int | None = None
    ) -> subprocess.CompletedProcess:
        """``msoko <args>`` as a user runs it (``umask``: the one it is started with)."""
        result = subprocess.run(
            [sys.executable, "-m", "orchestration.cli", *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            errors="replace",  # a killed process may stop mid-character
            timeout=1200,
            preexec_fn=None if umask is None else (lambda: os.umask(umask) and None),
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"msoko {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def copy(self, dest: Path) -> PipelineRun:
        """An independent copy (data, instance), for tests that change things."""
        shutil.copytree(self.root, dest, symlinks=True)
        # the published catalog's views hold absolute paths: point the copy's at the copy
        from orchestration.publishing.store import ReportingStore

        ReportingStore(dest / "data" / "reporting.duckdb").repoint()
        env = {
            **self.env,
            "MSOKO_DATA_DIR": str(dest / "data"),
            "DAGSTER_HOME": str(dest / "dagster_home"),
        }
        return PipelineRun(
            dest, dest / "data", dest / "dagster_home", self.truth_dir, env, self.output,
            self.errors,
        )  # fmt: skip


def connect(path: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file read-only. The internal warehouse's staging views read the lake by the
    absolute paths of the run that built them (``dbt_project/macros/source.sql``); the lake
    beside it is also put on ``file_search_path`` for a warehouse built by dbt by hand."""
    con = duckdb.connect(str(path), read_only=read_only)
    lake = path.parent / "lake"
    if path.name == "warehouse.duckdb" and lake.exists():
        con.execute(f"set file_search_path = '{str(lake).replace(chr(39), chr(39) * 2)}'")
    return con


def pipeline_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSOKO_", "DAGSTER_"))}
    env.update(
        MSOKO_DATA_DIR=str(root / "data"),
        DAGSTER_HOME=str(root / "dagster_home"),
        MSOKO_PSEUDONYM_SECRET=secrets.token_hex(24),
        MSOKO_DUCKDB_MEMORY_LIMIT="2GB",
        GX_ANALYTICS_ENABLED="False",
        DO_NOT_TRACK="1",
        PYTHONPATH=str(PROJECT_ROOT),
    )
    return env


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """The tiny generated region (3 academic years) ingested, built and published."""
    from ingestion.samples.generate import generate

    base = tmp_path_factory.mktemp("pipeline")
    root, truth_dir = base / "run", base / "truth"  # the truth (with names) is outside data/
    generate(root / "landing", truth_dir, seed=7, scale="tiny")
    run = PipelineRun(root, root / "data", root / "dagster_home", truth_dir, pipeline_env(root), "")
    result = run.cli("refresh", "--all")
    run.output, run.errors = result.stdout, result.stderr
    return run

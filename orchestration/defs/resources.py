"""Resources: where the warehouse lives (from environment variables) and the dbt CLI."""

import os
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject

from ingestion.config import PROJECT_ROOT, Settings

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


class WarehouseSettings(dg.ConfigurableResource):
    """Paths of this deployment; empty fields fall back to the ``MSOKO_*`` environment."""

    data_dir: str = ""

    def settings(self) -> Settings:
        if self.data_dir:
            os.environ["MSOKO_DATA_DIR"] = self.data_dir
        settings = Settings.from_env()
        # dbt and every child process must resolve the same absolute paths
        os.environ.update(settings.export_env())
        (settings.data_dir / "duckdb_tmp").mkdir(parents=True, exist_ok=True)
        return settings


def dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def ensure_dbt_manifest(project: DbtProject) -> Path:
    """Parse the dbt project when its manifest is missing or older than any project file.

    Several processes may load the definitions at once (a run and the nightly tick, parallel
    tests): one parses under a lock, into its own target folder, and the manifest is replaced
    atomically, so that no process reads a half-written manifest.
    """
    import fcntl
    import shutil
    import tempfile

    manifest = project.manifest_path
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _manifest_is_stale(manifest):
            from dbt.cli.main import dbtRunner

            Settings.from_env()  # paths only; parse does not open the database
            scratch = Path(tempfile.mkdtemp(prefix="parse-", dir=manifest.parent))
            try:
                result = dbtRunner().invoke(
                    [
                        "parse",
                        "--project-dir",
                        str(DBT_PROJECT_DIR),
                        "--profiles-dir",
                        str(DBT_PROJECT_DIR),
                        "--target-path",
                        str(scratch),
                        "--quiet",
                    ]
                )
                if not result.success:
                    raise RuntimeError(f"dbt parse failed: {result.exception}")
                os.replace(scratch / "manifest.json", manifest)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    return manifest


def _manifest_is_stale(manifest: Path) -> bool:
    sources = [
        p
        for folder in ("models", "seeds", "macros", "tests")
        for p in (DBT_PROJECT_DIR / folder).rglob("*")
        if p.is_file()
    ] + [DBT_PROJECT_DIR / "dbt_project.yml"]
    newest = max(p.stat().st_mtime for p in sources)
    return not manifest.exists() or manifest.stat().st_mtime < newest


def dbt_resource() -> DbtCliResource:
    # the dbt of this virtual environment, whether or not the environment is activated
    executable = Path(sys.executable).parent / "dbt"
    return DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=str(executable) if executable.exists() else "dbt",
    )

"""dbt outside the dbt assets: parse the project for its manifest, build the docs site."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ingestion.atomic import replace_file
from ingestion.config import DBT_PROJECT_DIR, Settings
from orchestration.pipeline.locking import warehouse_lock


def ensure_dbt_manifest(manifest: Path) -> Path:
    """Parse the dbt project when its manifest is missing or older than any project file.

    Several processes may load the definitions at once (a run and the nightly tick, parallel
    tests): one parses under a lock, into its own target folder, and the manifest is replaced
    atomically, so that no process reads a half-written manifest. Parsing opens no database:
    the profile's defaults are enough.
    """
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _manifest_is_stale(manifest):
            from dbt.cli.main import dbtRunner

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
                replace_file(scratch / "manifest.json", manifest)
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


def build_docs(settings: Settings) -> Path:
    """The dbt documentation site as one self-contained HTML file (``dbt docs generate
    --static``: no server, no internet), written to ``<data>/docs/dbt_docs.html``."""
    dbt = Path(sys.executable).parent / "dbt"
    with warehouse_lock(settings.data_dir):  # the catalog is read from the warehouse file
        subprocess.run(
            [
                str(dbt if dbt.exists() else "dbt"),
                "docs",
                "generate",
                "--static",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
            ],
            check=True,
            env=settings.dbt_env(),
        )
    target = settings.data_dir / "docs" / "dbt_docs.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DBT_PROJECT_DIR / "target" / "static_index.html", target)
    return target

"""The Dagster instance with its storage in PostgreSQL (deploy/dagster/dagster.postgres.yaml).

The shipped configuration is copied into a temporary DAGSTER_HOME, as docs/operations.md says
to install it, with ``MSOKO_DAGSTER_PG_URL`` pointing at the server of
``MSOKO_TEST_POSTGRES_URL``; a job of the warehouse runs against that instance, and the run and
its events are then read back from PostgreSQL itself (psycopg2, not through Dagster).

`.ci/run` starts Debian's PostgreSQL on 127.0.0.1 (its own cluster, with ``pg_ctlcluster``: it
does not run as root) and sets REQUIRE_POSTGRES=1, so that a missing server fails there; on a
machine without one the test is skipped with the reason. `make test` leaves it out
(pyproject: -m "not postgres"); run it with `pytest -m postgres tests/test_postgres_instance.py`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, pipeline_env

pytestmark = [pytest.mark.postgres]

CONFIG = PROJECT_ROOT / "deploy" / "dagster" / "dagster.postgres.yaml"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards."""
    url = os.environ.get("MSOKO_TEST_POSTGRES_URL")
    if not url:
        message = (
            "no PostgreSQL server: set MSOKO_TEST_POSTGRES_URL=postgresql://user:password@"
            "127.0.0.1:port/database (.ci/run starts Debian's postgresql and sets it)"
        )
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    import psycopg2

    database = f"msoko_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(url)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"create database {database}")
        yield url.rsplit("/", 1)[0] + "/" + database
        with admin.cursor() as cursor:
            cursor.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s",
                (database,),
            )
            cursor.execute(f"drop database {database}")
    finally:
        admin.close()


def test_the_instance_records_a_run_and_its_events_in_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    import psycopg2

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(CONFIG, home / "dagster.yaml")  # as docs/operations.md installs it
    from ingestion.samples.generate import generate

    generate(tmp_path / "landing", tmp_path / "truth", seed=3, scale="tiny")
    env = {
        **pipeline_env(tmp_path),
        "DAGSTER_HOME": str(home),
        # as the deploy files say: the driver named (SQLAlchemy 2.1 would pick psycopg 3)
        "MSOKO_DAGSTER_PG_URL": postgres_url.replace("postgresql://", "postgresql+psycopg2://", 1),
    }
    # the landing scan job, through the project's own runner, against the Postgres instance
    script = textwrap.dedent(
        """
        import dagster as dg
        from ingestion.config import Settings
        from orchestration.defs.runs import Runner
        from orchestration.pipeline.progress import Progress

        instance = dg.DagsterInstance.get()
        print(type(instance.run_storage).__name__)
        Runner(Settings.from_env(), instance, Progress()).record_scan()
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == "PostgresRunStorage"
    assert not list(home.glob("**/*.db")), "nothing went to SQLite under DAGSTER_HOME"

    con = psycopg2.connect(postgres_url)
    try:
        with con.cursor() as cursor:
            cursor.execute("select run_id, pipeline_name, status from runs")
            runs = cursor.fetchall()
            assert [(job, status) for _, job, status in runs] == [("landing_scan_job", "SUCCESS")]
            run_id = runs[0][0]
            cursor.execute(
                "select dagster_event_type, count(*) from event_logs where run_id = %s "
                "group by dagster_event_type",
                (run_id,),
            )
            events = dict(cursor.fetchall())
            cursor.execute(
                "select asset_key from event_logs where run_id = %s "
                "and dagster_event_type = 'ASSET_MATERIALIZATION'",
                (run_id,),
            )
            materialized = {row[0] for row in cursor.fetchall()}
    finally:
        con.close()
    # (Dagster stores the run's start and success under their old names)
    assert events.get("PIPELINE_START") == 1 and events.get("PIPELINE_SUCCESS") == 1
    assert events.get("STEP_SUCCESS", 0) >= 1
    assert materialized == {'["lake", "landing_index"]'}

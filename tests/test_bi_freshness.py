"""BI servers keep connections open: a pooled SQLAlchemy engine and a plain held DuckDB
connection must see each new publication on their next query, with no error during the swap.

DuckDB keeps one database instance per file and process: before the published artefact became
a catalog of views over versioned Parquet (orchestration/publishing/store.py), a process holding
any connection kept seeing the old file after ``os.replace`` (shared/STACK.md).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from duckdb_engine import ConnectionWrapper
from sqlalchemy.pool import QueuePool

from tests.conftest import PROJECT_ROOT, PipelineRun
from tests.test_operations import PUBLISH_ONCE

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]

QUERY = (
    "select (select max(version) from publication), "
    "(select count(*) from marts.fct_assessment_result), "
    "(select count(*) from marts.mart_school_scorecard)"
)


def test_held_and_pooled_connections_see_every_new_publication_without_an_error(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    run = pipeline.copy(tmp_path / "run")
    path = str(run.reporting)
    # a BI server's engine: the default pool keeps its DuckDB connection open between queries
    # (the creator opens it exactly as the plain connection below: DuckDB refuses two
    # configurations of one file in one process, and duckdb-engine adds a user agent)
    engine = sa.create_engine(
        f"duckdb:///{path}",
        creator=lambda: ConnectionWrapper(duckdb.connect(path, read_only=True)),
    )
    assert isinstance(engine.pool, QueuePool)
    held = duckdb.connect(path, read_only=True)

    queries, errors, seen = 0, [], set()

    def ask() -> tuple[int, int]:
        nonlocal queries
        answers = []
        for kind in ("pool", "held"):
            try:
                if kind == "pool":
                    with engine.connect() as con:
                        version, rows, scorecard = con.execute(sa.text(QUERY)).one()
                else:
                    version, rows, scorecard = held.execute(QUERY).fetchone()  # type: ignore[misc]
                assert rows > 0 and scorecard > 0, "a complete version"
                seen.add((kind, version))
                answers.append(version)
            except Exception as exc:
                errors.append(f"{kind}: {exc!r}"[:300])
            queries += 1
        return answers[0] if answers else -1, answers[-1] if answers else -1

    first, _ = ask()
    pooled_connection = engine.pool.checkedin()
    for expected in (first + 1, first + 2, first + 3):
        publisher = subprocess.Popen(
            [sys.executable, "-c", PUBLISH_ONCE],
            cwd=PROJECT_ROOT,
            env=run.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        while publisher.poll() is None:  # keep asking while the new version is built and swapped
            pool_version, held_version = ask()
            assert {pool_version, held_version} <= {expected - 1, expected}, (
                pool_version,
                held_version,
            )
            time.sleep(0.005)
        out, err = publisher.communicate()
        assert publisher.returncode == 0, err[-3000:]
        assert int(out.split()[-1]) == expected
        # the next query of each held connection sees the new publication
        assert ask() == (expected, expected), f"version {expected} not seen: {sorted(seen)}"
    while queries < 1000:
        assert ask() == (first + 3, first + 3)
    assert not errors, errors[:5]
    assert engine.pool.checkedin() == pooled_connection == 1, "one connection, held throughout"
    held.close()
    engine.dispose()
    assert {v for kind, v in seen if kind == "held"} == {first, first + 1, first + 2, first + 3}

"""The CLI's Dagster instance stores its events through one engine and connection per
event-log file (orchestration.defs.event_log), a forked child does not use them, and
Dagster's own storage class reads back what it stored."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.defs import event_log


@dg.asset(check_specs=[dg.AssetCheckSpec("is_positive", asset="numbers")])
def numbers():  # type: ignore[no-untyped-def]
    yield dg.Output(3)
    yield dg.AssetCheckResult(passed=True)


def test_the_cli_instance_makes_one_engine_per_file_and_dagster_reads_what_it_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.cli import dagster_instance

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    engines: list[str] = []
    make = event_log.create_engine

    def counted(url: str, **kwargs):  # type: ignore[no-untyped-def]
        engines.append(url)
        return make(url, **kwargs)

    monkeypatch.setattr(event_log, "create_engine", counted)
    instance = dagster_instance()
    try:
        assert type(instance.event_log_storage) is event_log.EventLogStorage
        runs = [dg.materialize([numbers], instance=instance).run_id for _ in range(3)]
        storage = instance.event_log_storage
        assert len(storage.__dict__["_engines"]) == len(runs) + 1  # each keeps its connection
        for engine in storage.__dict__["_engines"].values():  # WAL files commit without fsync
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        # a forked process (ingest workers, dbt) never uses its parent's open connections
        fork = multiprocessing.get_context("fork")
        kept = fork.Queue()
        child = fork.Process(target=lambda: kept.put(len(storage.__dict__.get("_engines") or {})))
        child.start()
        child.join(30)
        assert kept.get(timeout=5) == 0
        assert len(storage.__dict__["_engines"]) == len(runs) + 1
    finally:
        instance.dispose()
    # one engine per file written: the index and each run's shard (Dagster made one per event:
    # ~30 events a run here)
    assert sorted(engines) == sorted(set(engines))
    assert len(engines) == len(runs) + 1

    with dg.DagsterInstance.from_config(str(tmp_path)) as stock:
        assert type(stock.event_log_storage) is SqliteEventLogStorage
        latest = stock.get_latest_materialization_event(dg.AssetKey("numbers"))
        assert latest is not None and latest.run_id == runs[-1]
        history = stock.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("numbers"), "is_positive"), limit=10
        )
        assert sorted(h.run_id for h in history) == sorted(runs)
        for run_id in runs:
            types = {e.dagster_event_type for e in stock.all_logs(run_id) if e.dagster_event}
            assert {
                dg.DagsterEventType.RUN_SUCCESS,
                dg.DagsterEventType.ASSET_MATERIALIZATION,
                dg.DagsterEventType.ASSET_CHECK_EVALUATION,
            } <= types

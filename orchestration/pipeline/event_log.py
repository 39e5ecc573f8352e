"""Dagster's SQLite event log, without an engine built for every event.

Dagster's ``SqliteEventLogStorage._connect`` (1.13) creates a SQLAlchemy engine — dialect, pool
and first-connect set-up — for every event it stores or reads and disposes of it afterwards, and
``has_table`` (asked for every asset-check event) builds another. A region build stores ~1,600
events (asset events twice: the run's shard and the index), so ~2.5 s of a 40 s build was
engine set-up (py-spy; BENCHMARKS.md «Region, where the time goes»).

``EventLogStorage`` keeps one engine per shard for the life of the process. It is still a
``NullPool`` engine: every use opens its own SQLite connection and closes it afterwards, as
before, so locking between the daemon, the webserver and runs is what it was; a table once
found stays found (tables are only ever added, by Dagster's migrations). The CLI's instance
uses it (``adopt``); other processes (daemon, webserver, runs they launch) keep Dagster's own
class, which stores the same rows in the same files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool


class EventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with each shard's engine made once (see the module)."""

    _engines: dict[str, Engine]
    _found_tables: set[str]

    def _engine(self, shard: str) -> Engine:
        engines = self.__dict__.setdefault("_engines", {})
        engine = engines.get(shard)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=NullPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            engines[shard] = engine
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def has_table(self, table_name: str) -> bool:
        found = self.__dict__.setdefault("_found_tables", set())
        if table_name not in found and super().has_table(table_name):
            found.add(table_name)
        return table_name in found

    def dispose(self) -> None:
        for engine in self.__dict__.pop("_engines", {}).values():
            engine.dispose()
        super().dispose()


def adopt(instance: Any) -> None:
    """Make the instance's event log an ``EventLogStorage`` when it is Dagster's SQLite one
    (an instance on PostgreSQL, or already adopted, is left as it is)."""
    storage = getattr(instance, "_event_storage", None)
    if type(storage) is SqliteEventLogStorage:
        storage.__class__ = EventLogStorage

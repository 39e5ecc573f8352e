"""Dagster's SQLite event log at the cost of the rows it writes, not of opening files.

Dagster's ``SqliteEventLogStorage`` (1.13) creates a SQLAlchemy engine for every event it
stores or reads, opens a SQLite connection for each of the five or six statements an event
takes, commits each with a full ``fsync`` and closes the connection again (closing the last
connection of a WAL database checkpoints it); ``has_table``, asked for every asset-check event,
builds one more engine. A region build stores ~1,600 events (asset events twice: the run's shard
and the index): several seconds of a 40 s build went there (py-spy, cProfile; BENCHMARKS.md
«Region, where the time goes»).

``EventLogStorage`` keeps, per shard (file), one engine whose one connection is kept open
between uses (a pool of one; a second connection is opened only if one is asked for while the
first is in use, and closed after it), for the eight shards used last. A WAL database
(Dagster creates its shards so) commits with ``synchronous=NORMAL``, SQLite's setting for WAL:
the file stays consistent; what a power cut can lose is the last transactions before it, i.e.
the history of the last run, never the warehouse (which has its own files and publication
checks). The rows written are Dagster's own, through Dagster's own code, so Dagster's class reads
them (tests/test_event_log.py). A forked process (ingest workers, dbt, the workbook writer)
never uses the connections of its parent: it drops the engines without closing them.

The CLI's instance uses it (``adopt``); other processes (daemon, webserver, the runs they
launch) keep Dagster's class, which writes the same rows into the same files."""

from __future__ import annotations

import os
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

SHARDS_KEPT = 8  # engines (and their open connection) kept per storage: the runs in flight
_storages: weakref.WeakSet[EventLogStorage] = weakref.WeakSet()
_left_by_fork: list[Any] = []  # a child's inherited engines: kept, never used, never closed


class EventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with an open connection per shard (see the module)."""

    def _engine(self, shard: str) -> Engine:
        engines: OrderedDict[str, Engine] = self.__dict__.setdefault("_engines", OrderedDict())
        engine = engines.get(shard)
        if engine is not None:
            engines.move_to_end(shard)
            return engine
        engine = create_engine(
            self.conn_string_for_shard(shard),
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=-1,  # never wait for a connection: open another while one is busy
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        event.listen(engine, "connect", _wal_commits_without_fsync)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
            engine.dispose()  # reconnect: the new file is in WAL mode now (synchronous=NORMAL)
        engines[shard] = engine
        _storages.add(self)
        while len(engines) > SHARDS_KEPT:
            engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # ``_db_lock`` serialises this storage's uses, as in Dagster's class: one thread at a
        # time uses a shard's connection
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def has_table(self, table_name: str) -> bool:
        # tables are only ever added (Dagster's migrations): once found, found
        found: set[str] = self.__dict__.setdefault("_found_tables", set())
        if table_name not in found and super().has_table(table_name):
            found.add(table_name)
        return table_name in found

    def _close_engines(self) -> None:
        for engine in self.__dict__.pop("_engines", {}).values():
            engine.dispose()

    def wipe(self) -> None:
        self._close_engines()  # the files are deleted: no connection may outlive them
        super().wipe()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()


def _wal_commits_without_fsync(dbapi_connection: Any, _record: Any) -> None:
    mode = dbapi_connection.execute("PRAGMA journal_mode").fetchone()
    if mode and str(mode[0]).lower() == "wal":
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _forget_engines_in_child() -> None:
    for storage in list(_storages):
        engines = storage.__dict__.pop("_engines", None)
        if engines:
            _left_by_fork.append(engines)


os.register_at_fork(after_in_child=_forget_engines_in_child)


def adopt(instance: Any) -> None:
    """Make the instance's event log an ``EventLogStorage`` when it is Dagster's SQLite one
    (an instance on PostgreSQL, or already adopted, is left as it is)."""
    storage = getattr(instance, "_event_storage", None)
    if type(storage) is SqliteEventLogStorage:
        storage.__class__ = EventLogStorage

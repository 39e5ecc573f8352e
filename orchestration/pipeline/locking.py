"""One writer at a time for the warehouse file, across processes and runs.

DuckDB admits one writing process per file. Every step that writes ``warehouse.duckdb`` (dbt)
or reads it while building the reporting file holds an exclusive ``flock`` on
``<data>/.warehouse.lock``. The operating system releases the lock when the process ends, even
when it is killed — unlike a slot in Dagster's concurrency pools, which a SIGKILLed in-process
run never gives back — so the next run never waits for a dead one. (On several machines
sharing one data folder, replace this with the orchestrator's pools plus run monitoring.)
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def warehouse_lock(data_dir: Path, log: Callable[[str], None] = print) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".warehouse.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log("another process is writing the warehouse: waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

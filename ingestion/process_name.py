"""A name for a forked worker process, as ``ps``, ``top`` and ``/proc/<pid>/comm`` show it.

The pipeline forks workers (ingest years, landing-scan hashing, dbt, the public workbook and
export chunks) that otherwise all show as ``python``; named, an operator sees which one holds
memory or CPU, and ``bench/`` attributes peak memory to each (``bench.proc``). Linux only
(``prctl(PR_SET_NAME)``, 15 bytes); elsewhere nothing happens."""

from __future__ import annotations

import ctypes
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

PR_SET_NAME = 15


def name_process(name: str) -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_NAME, name.encode()[:15], 0, 0, 0)
    except (OSError, AttributeError):
        pass


def forked_pool(workers: int, name: str) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes forked from this one (what is imported stays imported),
    each named ``name``."""
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=name_process,
        initargs=(name,),
    )

"""A name for a forked worker process, as ``ps``, ``top`` and ``/proc/<pid>/comm`` show it.

The pipeline forks workers (ingest years, landing-scan hashing, dbt, the public workbook and
export chunks) that otherwise all show as ``python``; named, an operator sees which one holds
memory or CPU, and ``bench/`` attributes peak memory to each (``bench.proc``). Linux only
(``prctl(PR_SET_NAME)``, 15 bytes); elsewhere nothing happens."""

from __future__ import annotations

import ctypes

PR_SET_NAME = 15


def name_process(name: str) -> None:
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_NAME, name.encode()[:15], 0, 0, 0)
    except (OSError, AttributeError):
        pass

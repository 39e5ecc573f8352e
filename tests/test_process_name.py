"""Forked workers carry a name (``ingestion.process_name``) that ``ps`` shows and the bench
uses to say which process holds the peak memory (``bench.proc``)."""

from __future__ import annotations

import multiprocessing
import os

from bench.proc import tree_rss_bytes
from ingestion.process_name import name_process


def _worker(ready, stop) -> None:  # type: ignore[no-untyped-def]
    name_process("msoko-test")
    held = b"x" * (64 * 2**20)  # resident
    ready.set()
    stop.wait(30)
    assert held


def test_a_named_worker_shows_its_name_and_the_bench_attributes_its_memory_to_it() -> None:
    fork = multiprocessing.get_context("fork")
    ready, stop = fork.Event(), fork.Event()
    worker = fork.Process(target=_worker, args=(ready, stop))
    worker.start()
    try:
        assert ready.wait(30)
        with open(f"/proc/{worker.pid}/comm", encoding="utf-8") as handle:
            assert handle.read().strip() == "msoko-test"
        by_name: dict[str, int] = {}
        total = tree_rss_bytes(os.getpid(), by_name)
        assert by_name["msoko-test"] >= 64 * 2**20
        assert total >= sum(by_name.values()) - 1  # each process counted once in the tree
    finally:
        stop.set()
        worker.join(30)
    assert worker.exitcode == 0

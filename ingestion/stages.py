"""Hooks around the stages of a run — landing scan, sniff, read, arrival checks, lake writes.

The pipeline passes a ``Stages`` object down; the default does nothing. A caller that wants to
know where the time goes passes one that records (``bench/timed_cli.py``), instead of patching
the functions it wants to time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Stages:
    """Marks stages; this one records nothing."""

    @contextmanager
    def stage(self, what: str, **details: Any) -> Iterator[dict[str, Any]]:
        """Around one stage. The caller may add details once the work is done (rows read…)."""
        yield details

    def record(self, timing: dict[str, Any]) -> None:
        """A stage timed elsewhere (in a worker process: ``CollectingStages.timings``)."""


NO_STAGES = Stages()


class CollectingStages(Stages):
    """Collects every stage (what, wall-clock start, seconds, details) as plain data, to be
    handed to another process's ``Stages.record``."""

    def __init__(self) -> None:
        self.timings: list[dict[str, Any]] = []

    @contextmanager
    def stage(self, what: str, **details: Any) -> Iterator[dict[str, Any]]:
        started, wall = time.monotonic(), time.time()
        try:
            yield details
        finally:
            self.record(
                {"what": what, "start": wall, "seconds": time.monotonic() - started, **details}
            )

    def record(self, timing: dict[str, Any]) -> None:
        self.timings.append(timing)

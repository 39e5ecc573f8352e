"""Hooks around the stages of a run — landing scan, sniff, read, arrival checks, lake writes.

The pipeline passes a ``Stages`` object down; the default does nothing. A caller that wants to
know where the time goes passes one that records (``bench/timed_cli.py``), instead of patching
the functions it wants to time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Stages:
    """Marks stages; this one records nothing."""

    @contextmanager
    def stage(self, what: str, **details: Any) -> Iterator[dict[str, Any]]:
        """Around one stage. The caller may add details once the work is done (rows read…)."""
        yield details


NO_STAGES = Stages()

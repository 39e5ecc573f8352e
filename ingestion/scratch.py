"""Private scratch space for copies of input text (a re-encoded CSV holds every pupil's name).

A scratch folder is created owner-only (``mkdtemp``: 0700) under the system temporary folder,
named with the process id, and removed when the work ends — normally or by an exception. A
process killed outright (SIGKILL, OOM) cannot clean up: the next ``private_scratch`` sweeps
the folders of processes that no longer run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "msoko-scratch-"


@contextmanager
def private_scratch(base: Path | None = None) -> Iterator[Path]:
    """A fresh owner-only folder, removed on every exit path."""
    base = Path(base or tempfile.gettempdir())
    sweep_stale(base)
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def new_private_dir(base: Path | None = None) -> Path:
    """An owner-only folder the caller removes (for a grid read without a scratch folder)."""
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))


def sweep_stale(base: Path) -> list[Path]:
    """Remove the scratch folders (of this user) whose process no longer runs."""
    removed = []
    for path in base.glob(f"{PREFIX}*"):
        try:
            if not path.is_dir() or path.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        rest = path.name[len(PREFIX) :]
        pid_text = rest.split("-", 1)[0]
        if "-" in rest and pid_text.isdigit() and int(pid_text) > 0 and _alive(int(pid_text)):
            continue
        # a folder of a dead process, or of the older layout without a process id
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

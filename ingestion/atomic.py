"""Replace a file or a folder in one step: write beside it under a temporary name, then rename.

The one implementation of temp-file-then-``os.replace`` in the project (the lake's Parquet and
manifests, the dbt manifest, the reporting file, the open-data folder). It lives in
``ingestion`` because the lake writes through it and ``ingestion`` imports nothing above it.
A reader sees the old content or the new, never a half-written one; a failure before the
rename leaves the target as it was.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path


def temp_path(target: Path, kind: str = "tmp") -> Path:
    """A hidden name beside ``target`` (same folder, so the rename is atomic)."""
    return target.with_name(f".{target.name}.{uuid.uuid4().hex}.{kind}")


def clear_leftovers(target: Path) -> None:
    """Delete the temporary files or folders a killed writer left beside ``target``."""
    for kind in ("tmp", "old"):
        for leftover in target.parent.glob(f".{target.name}.*.{kind}"):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def replace_file(tmp: Path, target: Path, *, sync_dir: bool = False) -> Path:
    """Flush ``tmp`` to disk and rename it onto ``target`` (optionally flush the folder too)."""
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    if sync_dir:
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return target


def replace_dir(tmp: Path, target: Path) -> Path:
    """Replace the folder ``target`` by ``tmp``: the old one is renamed away, the new one renamed
    in (``os.replace`` each), then the old one deleted. A reader sees the old or the new set."""
    old = temp_path(target, "old")
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
    return target

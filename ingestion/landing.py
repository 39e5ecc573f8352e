"""The landing folder: which file versions are there, of which source and academic year.

Users drop files into ``<landing>/<source>/`` (optionally ``<source>/region=NN/``). A scan
lists every file with its size, modification time and SHA-256 (re-hashed only when size or
mtime changed, so a nightly scan of an unchanged folder reads no file), and places each new
version in its academic year by reading the file's first rows (``Reader.sniff``): partitions
come from the data, never from the clock. A file that cannot be placed — empty, unreadable, in
an unknown folder, no year in its title — is kept in the index with the reason, and reported.

The landing folder is the source of truth: the warehouse holds exactly the rows of the files
that are there now. A corrected file (same name, new content) replaces the rows of its previous
version; a removed file's rows leave at the next run. Earlier versions stay in the lake.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.config import Settings
from ingestion.engine import FileVersion, connect_for_ingestion, crash_reason
from ingestion.lake import Lake
from ingestion.layout import region_from_path
from ingestion.process_name import forked_pool
from ingestion.scratch import private_scratch
from ingestion.sheets import SUPPORTED_SUFFIXES, UnreadableFileError, file_sha256
from ingestion.sources import READERS
from ingestion.stages import NO_STAGES, CollectingStages, Stages

IGNORED_PREFIXES = ("~$", ".", "_")  # Excel lock files, hidden files, notes like _README
IGNORED_REASON = (
    "not read: a hidden or temporary name (starts with '~$', '.' or '_'); "
    "rename the file without that prefix to load it"
)


@dataclass(frozen=True)
class LandingEntry:
    source_name: str
    source_file: str
    size_bytes: int
    modified_ns: int
    file_sha256: str | None
    region_code: str | None
    academic_year: int | None
    error: str | None
    first_seen_at: dt.datetime
    scanned_at: dt.datetime
    # why a file is deliberately not read (a hidden or temporary name): listed, never an error
    ignored_reason: str | None = None

    def as_file_version(self, landing_dir: Path) -> FileVersion:
        assert self.file_sha256 and self.region_code
        return FileVersion(
            landing_dir / self.source_file, self.source_file, self.file_sha256, self.region_code
        )


def scan_landing(
    settings: Settings, source: str | None = None, stages: Stages = NO_STAGES
) -> list[LandingEntry]:
    """Scan the landing folder (or one source's folder), reusing the last recorded scan for
    files whose stat is unchanged. Read-only: the landing-scan asset records the scan
    (``Lake.write_landing_index``)."""
    with stages.stage("scan_landing"):
        return _scan(settings, source, stages)


def _scan(settings: Settings, source: str | None, stages: Stages) -> list[LandingEntry]:
    lake = Lake(settings.lake_dir)
    previous = {row["source_file"]: row for row in lake.read_landing_index().to_pylist()}
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    with private_scratch() as scratch:
        return _scan_files(settings, source, stages, lake, previous, now, scratch)


def _scan_files(
    settings: Settings,
    source: str | None,
    stages: Stages,
    lake: Lake,
    previous: dict[str, dict],
    now: dt.datetime,
    scratch: Path,
) -> list[LandingEntry]:
    entries: list[LandingEntry | None] = []
    todo: list[_Examine] = []  # files to hash (and, when new, to place): entries[slot]
    landing = settings.landing_dir
    # One source's scan walks only its folder (every raw asset scans its own, every run).
    root = landing / source if source is not None else landing
    for path in sorted(root.rglob("*")) if root.is_dir() else []:
        if not path.is_file():
            continue
        relative = path.relative_to(landing).as_posix()
        parts = relative.split("/")
        if source is not None and (len(parts) < 2 or parts[0] != source):
            continue
        stat = path.stat()
        if any(p.startswith(IGNORED_PREFIXES) for p in parts):
            entries.append(
                LandingEntry(
                    source_name=parts[0] if len(parts) > 1 else "",
                    source_file=relative,
                    size_bytes=stat.st_size,
                    modified_ns=stat.st_mtime_ns,
                    file_sha256=None,
                    region_code=None,
                    academic_year=None,
                    error=None,
                    first_seen_at=now,
                    scanned_at=now,
                    ignored_reason=IGNORED_REASON,
                )
            )
            continue
        before = previous.get(relative)
        if (
            before
            and not before.get("ignored_reason")
            and before["size_bytes"] == stat.st_size
            and before["modified_ns"] == stat.st_mtime_ns
        ):
            entries.append(LandingEntry(**{**before, "scanned_at": now}))
            continue
        todo.append(_Examine(len(entries), path, relative, stat.st_size, stat.st_mtime_ns, before))
        entries.append(None)
    workers = min(settings.ingest_workers, len(todo) // PARALLEL_FROM)
    if workers >= 2 and "fork" in multiprocessing.get_all_start_methods():
        chunks = [todo[i::workers] for i in range(workers)]
        with forked_pool(workers, "msoko-scan") as pool:
            for done, timings in pool.map(_examine_in_worker, [settings] * workers, chunks):
                for slot, entry in done:
                    entries[slot] = entry
                for timing in timings:
                    stages.record(timing)
    else:
        for slot, entry in _examine(settings, todo, stages, scratch, now):
            entries[slot] = entry
    return [e for e in entries if e is not None]


PARALLEL_FROM = 50  # files to examine per worker process before the scan forks workers


@dataclass(frozen=True)
class _Examine:
    slot: int
    path: Path
    relative: str
    size_bytes: int
    modified_ns: int
    before: dict | None


def _examine_in_worker(
    settings: Settings, todo: list[_Examine]
) -> tuple[list[tuple[int, LandingEntry]], list[dict]]:
    stages = CollectingStages()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    with private_scratch() as scratch:
        return _examine(settings, todo, stages, scratch, now), stages.timings


def _examine(
    settings: Settings, todo: list[_Examine], stages: Stages, scratch: Path, now: dt.datetime
) -> list[tuple[int, LandingEntry]]:
    """Hash each file; place each new version in its source and academic year (its sniff)."""
    opened: list[duckdb.DuckDBPyConnection] = []

    def connection() -> duckdb.DuckDBPyConnection:  # opened by the first sniff, if any
        if not opened:
            opened.append(
                connect_for_ingestion(settings.duckdb_memory_limit, 1, spill_dir=scratch / "spill")
            )
        return opened[0]

    try:
        return [
            (item.slot, _examined(settings, item, stages, scratch, now, connection))
            for item in todo
        ]
    finally:
        for con in opened:
            con.close()


def _examined(
    settings: Settings,
    item: _Examine,
    stages: Stages,
    scratch: Path,
    now: dt.datetime,
    connection: Callable[[], duckdb.DuckDBPyConnection],
) -> LandingEntry:
    before, relative = item.before, item.relative
    parts = relative.split("/")
    first_seen = before["first_seen_at"] if before else now
    folder = parts[0] if len(parts) > 1 else ""
    region = region_from_path(parts[1:-1]) or settings.default_region
    sha = file_sha256(item.path)
    if before and before["file_sha256"] == sha:  # touched, not changed
        return LandingEntry(
            **{
                **before,
                "size_bytes": item.size_bytes,
                "modified_ns": item.modified_ns,
                "scanned_at": now,
            }
        )
    year, error = None, None
    if folder not in READERS:
        error = (
            f"not in a source folder: put it in one of {sorted(READERS)}"
            if not folder
            else f"unknown source folder '{folder}': expected one of {sorted(READERS)}"
        )
    elif item.path.suffix.lower() not in SUPPORTED_SUFFIXES:
        error = f"unsupported file type '{item.path.suffix}'"
    else:
        try:
            with stages.stage("sniff", source=folder, file=relative):
                ctx = READERS[folder].sniff(
                    connection(), FileVersion(item.path, relative, sha, region), scratch
                )
            year = ctx.academic_year
        except UnreadableFileError as exc:
            error = exc.reason
        except Exception as exc:  # a crash in one file never stops the scan of the others
            error = crash_reason(None, exc)
    return LandingEntry(
        source_name=folder,
        source_file=relative,
        size_bytes=item.size_bytes,
        modified_ns=item.modified_ns,
        file_sha256=sha,
        region_code=region,
        academic_year=year,
        error=error,
        first_seen_at=first_seen,
        scanned_at=now,
    )


def landing_problem(landing_dir: Path) -> str | None:
    """Why the landing folder cannot be taken as the source of truth right now, or None.

    The landing folder decides what the warehouse holds (a removed file's rows leave), so a
    folder that is missing (an unmounted share, a mistyped ``MSOKO_LANDING_DIR``), unreadable or
    empty must never be read as "every file was removed".
    """
    how = "check MSOKO_LANDING_DIR and that the share is mounted, then run `msoko refresh` again"
    if not landing_dir.exists():
        return f"the landing folder {landing_dir} does not exist: {how}"
    if not landing_dir.is_dir():
        return f"the landing folder {landing_dir} is not a folder: {how}"
    if not os.access(landing_dir, os.R_OK | os.X_OK):
        return f"the landing folder {landing_dir} cannot be read by this user: {how}"
    try:
        has_file = any(
            p.is_file()
            and not any(
                part.startswith(IGNORED_PREFIXES) for part in p.relative_to(landing_dir).parts
            )
            for p in landing_dir.rglob("*")
        )
    except OSError as exc:
        return f"the landing folder {landing_dir} cannot be listed ({exc.strerror}): {how}"
    if not has_file:
        return (
            f"the landing folder {landing_dir} holds no data file: an empty drop is never read "
            f"as 'every file was removed'; {how}. To withdraw published data on purpose, record "
            "it in config/publication_decisions.csv (kind = withdrawn)"
        )
    return None


def academic_years(entries: list[LandingEntry], source: str | None = None) -> list[int]:
    return sorted(
        {
            e.academic_year
            for e in entries
            if e.academic_year is not None and (source is None or e.source_name == source)
        }
    )

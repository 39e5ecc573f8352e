"""Progress of long work in the terminal: a line per file ingested and a summary at the end.

A ``Progress`` object is handed to the assets as a Dagster resource (``progress``). The CLI,
which runs the jobs in-process, gives them one that prints (``Progress(terminal=True)``): it
announces how many file versions the run will read (``start``), each raw asset reports the
files it read (``report_files``: ``[12/86] vpr_fisoko/…xlsx: 540 read = 532 loaded + 6
quarantined + 2 skipped``) and the CLI prints the totals (``summary``). The code location the
Dagster daemon and UI load gets a silent one; the same lines go to the Dagster log. ``stages``
is the hook around the stages of a run (``ingestion.stages``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from ingestion.config import Settings
from ingestion.lake import Lake
from ingestion.landing import LandingEntry
from ingestion.sources import READERS
from ingestion.stages import NO_STAGES, Stages

KEYS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_skipped")


@dataclass
class Progress:
    terminal: bool = False  # print to the terminal (the CLI's); silent otherwise
    stages: Stages = NO_STAGES
    total: int = 0
    done: int = 0
    unreadable: int = 0
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KEYS, 0))

    def start(self, total: int) -> None:
        self.total, self.done, self.unreadable = total, 0, 0
        self.sums = dict.fromkeys(KEYS, 0)

    def file_line(self, source_file: str, sheets: Sequence[dict[str, Any]]) -> str:
        self.done += 1
        where = f"[{self.done}/{max(self.total, self.done)}] {source_file}"
        bad = [s for s in sheets if s.get("status") in ("unreadable", "rejected")]
        if bad:
            self.unreadable += 1
            return f"{where}: {bad[0]['status'].upper()}: {bad[0].get('status_reason')}"
        t = {k: sum(int(s.get(k) or 0) for s in sheets) for k in KEYS}
        for k in KEYS:
            self.sums[k] += t[k]
        return (
            f"{where}: {t['rows_read']} read = {t['rows_loaded']} loaded + "
            f"{t['rows_quarantined']} quarantined + {t['rows_skipped']} skipped"
        )

    def say(self, line: str) -> None:
        if self.terminal:
            print(line, flush=True)

    def summary(self) -> str:
        s = self.sums
        return (
            f"ingested {self.done} file(s)"
            + (f", {self.unreadable} unreadable" if self.unreadable else "")
            + f": {s['rows_read']} rows read = {s['rows_loaded']} loaded + "
            f"{s['rows_quarantined']} quarantined + {s['rows_skipped']} skipped"
        )


def report_files(
    progress: Progress, files: Iterable[dict[str, Any]], new_versions: Iterable[str], log=None
) -> list[str]:
    """One progress line per newly read file version (its sheets summed)."""
    by_sha: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        by_sha.setdefault(f["file_sha256"], []).append(f)
    lines = []
    for sha in sorted(new_versions, key=lambda s: by_sha.get(s, [{}])[0].get("source_file", "")):
        sheets = by_sha.get(sha)
        if not sheets:
            continue
        line = progress.file_line(sheets[0]["source_file"], sheets)
        progress.say(line)
        if log is not None:
            log(line)
        lines.append(line)
    return lines


def files_to_read(
    settings: Settings,
    entries: Sequence[LandingEntry],
    years: Iterable[int],
    sources: Sequence[str] = (),
) -> int:
    """How many file versions a run over ``years`` (and ``sources``) will read."""
    wanted_years = set(years)
    lake = Lake(settings.lake_dir)
    con = duckdb.connect()
    try:
        parsed = {
            name: lake.parsed_versions(con, name, reader.reader_version)
            for name, reader in READERS.items()
            if not sources or name in sources
        }
    finally:
        con.close()
    return len(
        {
            e.file_sha256
            for e in entries
            if e.error is None
            and e.academic_year in wanted_years
            and e.source_name in parsed
            and e.file_sha256
            and e.file_sha256 not in parsed[e.source_name]
        }
    )

"""Progress of long work in the terminal: a line per file ingested, dbt's build, a summary.

A ``Progress`` object is handed to the assets as a Dagster resource (``progress``). The CLI,
which runs the jobs in-process, gives them one that prints (``Progress(terminal=True)``): it
announces how many file versions the run will read (``start``), each raw asset reports the
files it read (``report_files``: ``[12/86] vpr_fisoko/…xlsx: 540 read = 532 loaded + 6
quarantined + 2 skipped``), dbt's build reports its nodes (``dbt_output``) and the CLI prints
the totals (``summary``). Each line is printed once, by this object only (the CLI's Dagster
console logger shows warnings and errors, not these lines again).

When stdout is a terminal (``live``), a progress bar with the elapsed time and an estimate of
the time left stays at the bottom of the screen while the lines scroll above it (rich); when it
is not (a log file, a test reading the output), the same lines are printed plainly and dbt's
build is summarised in a line per tenth of its nodes, its warnings and errors, and its totals.

The code location the Dagster daemon and UI load gets a silent one; the same lines go to the
Dagster log. ``stages`` is the hook around the stages of a run (``ingestion.stages``).
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from typing import Any, TextIO, cast

import duckdb

from ingestion.config import Settings
from ingestion.lake import Lake
from ingestion.landing import LandingEntry
from ingestion.sources import READERS
from ingestion.stages import NO_STAGES, Stages

KEYS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_skipped")
# a dbt node's line as dagster-dbt re-emits it: "12 of 426 OK created sql table model …"
DBT_NODE = re.compile(
    r"^(?:\d\d:\d\d:\d\d\s+)?(\d+) of (\d+) (START|OK|PASS|WARN|ERROR|FAIL|SKIP|NO-OP)\b"
)
DBT_LOUD = ("WARN", "ERROR", "FAIL")  # result lines shown even without a terminal
DBT_DONE = re.compile(r"\bDone\. PASS=\d+")  # dbt's totals, the build's last line
DBT_PROBLEM = re.compile(
    r"(Error in |Failure in |Completed with \d+ (error|warning)|Got \d+ result)"
)


@dataclass
class Progress:
    terminal: bool = False  # print to the terminal (the CLI's); silent otherwise
    stages: Stages = NO_STAGES
    live: bool = False  # a live bar (rich): stdout is a terminal
    stream: TextIO | None = None  # where lines go (default: stdout when printing starts)
    total: int = 0
    done: int = 0
    unreadable: int = 0
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KEYS, 0))
    _bar: Any = field(default=None, repr=False)  # rich.progress.Progress while a bar runs
    _task: Any = field(default=None, repr=False)

    @classmethod
    def for_terminal(cls, stages: Stages = NO_STAGES) -> Progress:
        """The CLI's: prints; a live bar when stdout is a terminal."""
        return cls(terminal=True, stages=stages, live=sys.stdout.isatty())

    # -- output ----------------------------------------------------------------------------

    def _out(self) -> TextIO:
        if self.stream is None:
            self.stream = sys.stdout
        return self.stream

    def say(self, line: str) -> None:
        """One line, once: above the live bar, or plainly."""
        if not self.terminal:
            return
        if self._bar is not None:
            self._bar.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            out = self._out()
            out.write(line.rstrip("\n") + "\n")
            out.flush()

    def _start_bar(self, description: str, total: int) -> None:
        self._stop_bar()
        if not (self.terminal and self.live) or total <= 0:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        self._bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("осталось"),
            TimeRemainingColumn(),
            console=Console(file=self._out()),
            transient=True,
            # dbt's lines reach this reporter through stdout (dbt_output): rich must not take
            # stdout over while its bar runs, or they would bypass it
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._bar.start()
        self._task = self._bar.add_task(description, total=total)

    def _advance_to(self, completed: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=completed)

    def _stop_bar(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar, self._task = None, None

    # -- ingestion -------------------------------------------------------------------------

    def start(self, total: int) -> None:
        self.total, self.done, self.unreadable = total, 0, 0
        self.sums = dict.fromkeys(KEYS, 0)
        self._start_bar("чтение файлов", total)

    def file_line(self, source_file: str, sheets: Sequence[dict[str, Any]]) -> str:
        self.done += 1
        self._advance_to(self.done)
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

    def summary(self) -> str:
        self._stop_bar()
        s = self.sums
        return (
            f"ingested {self.done} file(s)"
            + (f", {self.unreadable} unreadable" if self.unreadable else "")
            + f": {s['rows_read']} rows read = {s['rows_loaded']} loaded + "
            f"{s['rows_quarantined']} quarantined + {s['rows_skipped']} skipped"
        )

    # -- dbt -------------------------------------------------------------------------------

    @contextmanager
    def dbt_output(self) -> Iterator[None]:
        """Around ``dbt build``: dagster-dbt writes every dbt event to stdout; a printing
        reporter takes those lines over (a bar, or a line per tenth, warnings and totals).
        A silent one leaves dagster-dbt's output as it is."""
        if not self.terminal:
            yield
            return
        self._out()  # the real stdout, taken before dbt's lines are redirected to us
        lines = _DbtLines(self)
        try:
            with redirect_stdout(cast(TextIO, lines)):
                yield
        finally:
            lines.flush_rest()
            self._stop_bar()

    def dbt_line(self, line: str, state: dict[str, int]) -> None:
        node = DBT_NODE.match(line)
        if node:
            n, total, status = int(node.group(1)), int(node.group(2)), node.group(3)
            if status == "START":
                return
            if self._bar is None and self.live:
                self._start_bar("dbt build", total)
            self._advance_to(n)
            state["done"] = state.get("done", 0) + 1
            if status in DBT_LOUD:
                self.say(f"dbt: {line.strip()}")
            elif not self.live:
                tenth = state["done"] * 10 // max(total, 1)
                if tenth > state.get("tenth", 0):
                    state["tenth"] = tenth
                    self.say(f"dbt build: {state['done']} of {total} nodes done")
            return
        text = line.strip()
        if DBT_DONE.search(text):
            self._stop_bar()
            self.say(f"dbt: {text}")
        elif DBT_PROBLEM.search(text):
            self.say(f"dbt: {text}")  # what failed, and why


class _DbtLines(io.TextIOBase):
    """A stdout for dbt's lines: whole lines to ``Progress.dbt_line``."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.buffer_ = ""
        self.state: dict[str, int] = {}

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.buffer_ += text
        *lines, self.buffer_ = self.buffer_.split("\n")
        for line in lines:
            self.progress.dbt_line(line, self.state)
        return len(text)

    def flush_rest(self) -> None:
        if self.buffer_.strip():
            self.progress.dbt_line(self.buffer_, self.state)
        self.buffer_ = ""


def report_files(
    progress: Progress, files: Iterable[dict[str, Any]], new_versions: Iterable[str], log=None
) -> list[str]:
    """One progress line per newly read file version (its sheets summed), said on the
    console as each is ready; the run's event log gets them as one entry (``log``), since an
    event per file costs a write to the Dagster instance per file."""
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
        lines.append(line)
    if log is not None and lines:
        log(f"{len(lines)} file version(s) read:\n" + "\n".join(lines))
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

"""Run a command as a child process and measure its wall time and peak memory.

Peak memory is reported two ways:

- ``peak_rss_tree_mib``: the largest *sum* of resident set sizes of the child and all of its
  descendants (Dagster runs dbt as a grandchild process), sampled from ``/proc`` every 0.2 s —
  short spikes between samples can be missed;
- ``max_rss_single_mib``: ``ru_maxrss`` from ``os.wait4`` for that child, i.e. the kernel's
  exact high-water mark of the largest single process in the child's tree (children that the
  child waited for included);
- ``peak_rss_by_process_mib``: the largest resident set sampled for each kind of process, by
  the name the pipeline gives its forked workers (``ingestion.process_name``: ``msoko-dbt``,
  ``msoko-ingest``, ``msoko-scan``, ``msoko-export``, ``msoko-workbook``; the main process is
  ``python``) — which process the kernel's high-water mark belongs to (sampled: a spike
  between samples can be missed).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class ProcResult:
    returncode: int
    seconds: float
    peak_rss_tree_mib: float
    max_rss_single_mib: float
    output: str
    peak_rss_by_process_mib: dict[str, float] | None = None

    def check(self, what: str) -> ProcResult:
        if self.returncode != 0:
            raise RuntimeError(f"{what} failed ({self.returncode}):\n{self.output[-6000:]}")
        return self


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree_rss_bytes(pid: int, by_name: dict[str, int] | None = None) -> int:
    """The summed resident set of ``pid`` and its descendants; ``by_name`` (if given) keeps
    the largest resident set seen for each process name."""
    tree = _children()
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(tree.get(p, []))
        try:
            with open(f"/proc/{p}/statm", "rb") as handle:
                rss = int(handle.read().split()[1]) * _PAGE
            if by_name is not None:
                with open(f"/proc/{p}/comm", encoding="utf-8", errors="replace") as handle:
                    name = handle.read().strip()
                by_name[name] = max(by_name.get(name, 0), rss)
        except OSError:
            continue
        total += rss
    return total


def run(
    args: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    log: Path | None = None,
    interval: float = 0.2,
) -> ProcResult:
    started = time.monotonic()
    if log:
        log.parent.mkdir(parents=True, exist_ok=True)
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    peak = 0
    by_name: dict[str, int] = {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_bytes(proc.pid, by_name))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if log:
        out.close()  # type: ignore[union-attr]
    text = log.read_text(errors="replace") if log else ""
    return ProcResult(
        proc.returncode,
        seconds,
        peak / 2**20,
        usage.ru_maxrss / 1024,
        text,
        {name: rss / 2**20 for name, rss in sorted(by_name.items(), key=lambda kv: -kv[1])},
    )

"""``msoko serve``: the Dagster webserver and daemon of one machine, in the foreground.

Both are started as child processes — each in a session of its own, with default signal
handlers whatever this process inherited (a shell script's background job ignores SIGINT, and
``dagster dev`` started that way could only be killed) — against the instance in
``$DAGSTER_HOME`` and ``deploy/dagster/workspace.yaml``. The UI binds to 127.0.0.1 unless told
otherwise: it has no authentication (docs/operations.md: a reverse proxy with authentication
for anything wider). The schedule and the sensors run by default (``MSOKO_AUTOMATION=on`` in
the children's environment); ``--no-automation`` (``make ui``) leaves them stopped.

SIGTERM or SIGINT stops everything within ``STOP_SECONDS``:

1. every run the daemon launched that is still queued or in flight is cancelled (terminated
   through its code server; the publish step swaps the reporting file only at its very end,
   so an interrupted publication leaves the published file as it was);
2. the webserver and the daemon are asked to stop; after ``CANCEL_SECONDS`` every process
   they started (code servers, run workers, dbt) is terminated, and killed if still there
   ``TERM_SECONDS`` later;
3. a run that did not get to report its cancellation is marked cancelled.

``msoko serve --cancel-runs`` does step 1 alone and waits for the runs: the ``ExecStop=`` of
the daemon's systemd unit, before systemd terminates the unit's processes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from subprocess import Popen
from types import FrameType

import dagster as dg

from ingestion.config import PROJECT_ROOT, Settings
from orchestration.defs.failures import HOST, HOST_TAG

WORKSPACE = PROJECT_ROOT / "deploy" / "dagster" / "workspace.yaml"
CANCEL_SECONDS = 4.0  # runs in flight get this long to report their cancellation
TERM_SECONDS = 2.0  # then the processes get this long between SIGTERM and SIGKILL
STOP_SECONDS = 10  # what `msoko serve` promises on SIGTERM (tests hold it to this)
IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
PR_SET_PDEATHSIG = 1


def _log(message: str) -> None:
    print(f"msoko serve: {message}", flush=True)


def _die_with_parent() -> None:
    """In the child, before exec: be sent SIGTERM if ``msoko serve`` itself is killed."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def served_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Runs of this machine's daemon that are queued or in flight (CLI runs execute in the
    ``msoko`` process that started them and are left to it)."""
    return [
        record.dagster_run
        for record in instance.get_run_records(filters=dg.RunsFilter(statuses=IN_FLIGHT))
        if record.dagster_run.tags.get("msoko/trigger") != "cli"
        and record.dagster_run.tags.get(HOST_TAG, HOST) == HOST
    ]


def cancel_runs(instance: dg.DagsterInstance, already: set[str]) -> None:
    """Ask for the cancellation of every served run not asked for yet (``already``)."""
    for run in served_runs(instance):
        if run.run_id in already:
            continue
        already.add(run.run_id)
        try:
            instance.run_coordinator.cancel_run(run.run_id)
            _log(f"cancelling run {run.run_id} ({run.job_name})")
        except Exception as exc:  # its code server is gone: the run is marked below
            _log(f"run {run.run_id}: no termination request ({type(exc).__name__})")


def mark_cancelled(instance: dg.DagsterInstance, why: str) -> list[str]:
    """Mark cancelled the served runs still not finished (their processes are gone)."""
    marked = []
    for run in served_runs(instance):
        if run.status == dg.DagsterRunStatus.QUEUED:
            instance.report_run_canceling(run, message=why)
        instance.report_run_canceled(run, message=why)
        marked.append(run.run_id)
    return marked


def wait_for_runs(instance: dg.DagsterInstance, seconds: float) -> bool:
    """Cancel the served runs and wait until none is in flight (or ``seconds`` pass)."""
    asked: set[str] = set()
    deadline = time.monotonic() + seconds
    while True:
        cancel_runs(instance, asked)
        if not served_runs(instance):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def _children_of() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text[text.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(stat.parent.name))
    return children


def process_tree(roots: Iterable[int]) -> set[int]:
    """The processes ``roots`` and every descendant (a process that moved to a session of its
    own, e.g. dbt, is still found by its parent)."""
    children = _children_of() if Path("/proc").is_dir() else {}
    found: set[int] = set()
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


def _signal_all(groups: Iterable[int], pids: Iterable[int], sig: signal.Signals) -> None:
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, sig)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def _alive(pids: Iterable[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if state[state.rindex(")") + 2] not in "ZX":
            alive.add(pid)
    return alive


class Service:
    """The webserver and the daemon as child processes, and their orderly stop."""

    def __init__(
        self,
        settings: Settings,
        instance: dg.DagsterInstance,
        host: str,
        port: int,
        automation: bool,
    ) -> None:
        self.settings, self.instance = settings, instance
        self.url = f"http://{host}:{port}"
        self.stop_requested = threading.Event()
        env = {**os.environ, **replace(settings, automation=automation).export_env()}
        bin_dir = Path(sys.executable).parent
        workspace = ["-w", str(WORKSPACE)]
        webserver = [str(bin_dir / "dagster-webserver"), "-h", host, "-p", str(port)]
        self.commands = {
            "webserver": [*webserver, *workspace],
            "daemon": [str(bin_dir / "dagster-daemon"), "run", *workspace],
        }
        self.env = env
        self.processes: dict[str, Popen[bytes]] = {}

    def start(self) -> None:
        for name, command in self.commands.items():
            self.processes[name] = Popen(
                command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdin=open(os.devnull, "rb"),  # noqa: SIM115 — the child owns it
                start_new_session=True,  # its own process group: stopped as a whole
                preexec_fn=_die_with_parent,
            )

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/server_info", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def exited(self) -> str | None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                return f"the {name} exited with code {process.returncode}"
        return None

    def stop(self, why: str) -> None:
        """Cancel the runs, stop the processes (SIGTERM, then SIGKILL), mark what is left."""
        started = time.monotonic()
        _log(f"stopping ({why})")
        asked: set[str] = set()
        cancel_runs(self.instance, asked)
        tree = process_tree(p.pid for p in self.processes.values())
        for process in self.processes.values():  # no new runs, no new ticks
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        while time.monotonic() - started < CANCEL_SECONDS:
            cancel_runs(self.instance, asked)  # one the daemon launched meanwhile
            tree |= process_tree(p.pid for p in self.processes.values())
            if not served_runs(self.instance):
                break
            time.sleep(0.2)
        groups = [p.pid for p in self.processes.values()]
        tree |= process_tree(groups)
        _signal_all(groups, _alive(tree), signal.SIGTERM)
        terminated = time.monotonic()
        while _alive(tree) and time.monotonic() - terminated < TERM_SECONDS:
            time.sleep(0.1)
        _signal_all(groups, _alive(tree), signal.SIGKILL)
        for process in self.processes.values():
            with contextlib.suppress(Exception):
                process.wait(timeout=2)
        for run_id in mark_cancelled(self.instance, f"msoko serve stopped ({why})"):
            _log(f"run {run_id} marked cancelled")
        _log(f"stopped in {time.monotonic() - started:.1f} s")


def serve(
    settings: Settings, instance: dg.DagsterInstance, host: str, port: int, automation: bool
) -> int:
    """Run the webserver and the daemon until SIGTERM/SIGINT (0) or until one of them exits
    on its own (1: systemd restarts the unit)."""
    service = Service(settings, instance, host, port, automation)
    received: list[str] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        received.append(signal.Signals(signum).name)
        service.stop_requested.set()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    _log(
        f"Dagster UI {service.url} (no authentication: keep it on 127.0.0.1 or behind a proxy "
        f"that authenticates); instance {os.environ.get('DAGSTER_HOME')}; data "
        f"{settings.data_dir}; schedule and sensors "
        + ("running" if automation else "stopped (turn them on in the UI)")
    )
    service.start()
    announced = False
    while not service.stop_requested.wait(0.5):
        problem = service.exited()
        if problem:
            service.stop(problem)
            return 1
        if not announced and service.answers():
            announced = True
            _log(f"the UI answers on {service.url}")
    service.stop(f"received {received[0] if received else 'a signal'}")
    return 0


def cancel_and_wait(instance: dg.DagsterInstance, seconds: float = 2 * CANCEL_SECONDS) -> int:
    """``msoko serve --cancel-runs``: cancel the served runs in flight and wait for them."""
    done = wait_for_runs(instance, seconds)
    _log("no run in flight" if done else "runs still stopping: run monitoring marks them")
    return 0 if done else 1

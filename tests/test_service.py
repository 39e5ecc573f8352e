"""The served deployment as it runs: `msoko serve` (webserver + daemon) on 127.0.0.1.

Each test serves a copy of the session's published region (tests/conftest.py) with a fresh
temporary Dagster instance (SQLite, the shipped deploy/dagster/dagster.yaml) and a sensor
interval of 5 s, drops files into the landing folder as a person would, and watches what the
daemon does: publications (``select max(version) from publication``, read-only), runs and ticks
(the instance, the UI's GraphQL API), failure records. Every test stops what it started with
SIGTERM and checks that nothing is left: each process the server started carries a marker in
its environment, and no process may carry it afterwards.

`make test` leaves these out (pyproject: -m "not daemon"); `.ci/run` runs them as their own step:
`pytest -m daemon tests/test_service.py`.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import dagster as dg
import duckdb
import pytest
import requests

from tests.conftest import PROJECT_ROOT, PipelineRun

pytestmark = [pytest.mark.daemon, pytest.mark.xdist_group("pipeline")]

STOP_SECONDS = 10  # what `msoko serve` promises on SIGTERM
PUBLISH_SECONDS = 300  # the bound for a dropped file to become a publication
LOCATION = "msoko"  # deploy/dagster/workspace.yaml
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def die_with_parent() -> None:
    """In the child: SIGTERM when the test process dies (a CI timeout included)."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def wait_for(what: str, check: Callable[[], T | None], seconds: float, every: float = 1.0) -> T:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds:.0f} s: {what}")
        time.sleep(every)


def publication_version(reporting: Path) -> int | None:
    """The published version, read as an analyst would: read-only, connection closed after."""
    con = duckdb.connect(str(reporting), read_only=True)
    try:
        row = con.execute("select max(version) from publication").fetchone()
        return row[0] if row else None
    finally:
        con.close()


def processes_with(marker: str) -> list[str]:
    """Processes whose environment holds ``marker`` (every process the server started)."""
    found = []
    needle = marker.encode()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if needle not in environ.read_bytes():
                continue
            stat = (environ.parent / "stat").read_text()
            cmdline = (environ.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] not in "ZX":
            found.append(f"{environ.parent.name}: {cmdline[:150]}")
    return found


def correct_a_file(landing: Path, pattern: str) -> Path:
    """The РЦОИ sends a corrected file: same name, new content (one more line end)."""
    target = sorted(landing.glob(pattern))[0]
    target.write_bytes(target.read_bytes() + b"\r\n")
    return target


@dataclass
class Webhook:
    """A local receiver of failure records (what a chat or ticket system would be)."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)


@contextlib.contextmanager
def webhook() -> Iterator[Webhook]:
    hook = Webhook("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            hook.received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/msoko-failures"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    run: PipelineRun
    home: Path  # the served instance (fresh: no CLI runs of the session's pipeline in it)
    marker: str
    log: Path
    _instance: dg.DagsterInstance | None = None

    @property
    def instance(self) -> dg.DagsterInstance:
        if self._instance is None:
            self._instance = dg.DagsterInstance.from_config(str(self.home))
        return self._instance

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = requests.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=60
        )
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def runs(self, job: str, *statuses: dg.DagsterRunStatus) -> list[dg.DagsterRun]:
        return list(
            self.instance.get_runs(
                filters=dg.RunsFilter(job_name=job, statuses=list(statuses) or None)
            )
        )

    def cli(self, *args: str) -> str:
        env = {**self.run.env, "DAGSTER_HOME": str(self.home)}
        result = subprocess.run(
            [sys.executable, "-m", "orchestration.cli", *args],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> float:
        """SIGTERM, as systemd or Ctrl-C would; the seconds it took to exit. Asserts that it
        exited within STOP_SECONDS and that no process it started is left."""
        if self.process.poll() is not None:
            return 0.0
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            left = processes_with(self.marker)
            for pid in [int(p.split(":")[0]) for p in left]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            raise AssertionError(
                f"msoko serve did not stop within {STOP_SECONDS} s of SIGTERM; left: {left}\n"
                + self.output()[-3000:]
            ) from None
        took = time.monotonic() - started
        time.sleep(0.5)  # a process that was dying when its parent exited
        left = processes_with(self.marker)
        for pid in [int(p.split(":")[0]) for p in left]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        assert not left, f"processes left behind after SIGTERM: {left}"
        assert self.process.returncode == 0, self.output()[-3000:]
        return took


@contextlib.contextmanager
def serve(run: PipelineRun, **env: str) -> Iterator[Served]:
    """`msoko serve` on a free port of 127.0.0.1 over ``run``, with a fresh instance."""
    home = run.root / "served_dagster_home"
    home.mkdir(parents=True)
    marker = f"MSOKO_TEST_SERVE_{uuid.uuid4().hex}"
    port = free_port()
    log = run.root / "serve.log"
    full_env = {
        **run.env,
        "DAGSTER_HOME": str(home),
        "MSOKO_SENSOR_INTERVAL_SECONDS": "5",
        marker: "1",
        **env,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "serve", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
    served = Served(process, f"http://127.0.0.1:{port}", run, home, marker, log)
    try:

        def answers() -> bool:
            assert process.poll() is None, f"msoko serve exited:\n{served.output()[-3000:]}"
            with contextlib.suppress(requests.RequestException):
                return requests.get(f"{served.url}/server_info", timeout=5).status_code == 200
            return False

        wait_for("the UI answers on 127.0.0.1", answers, 180)
        yield served
    finally:
        try:
            served.stop()
        finally:
            if served._instance is not None:
                served._instance.dispose()


def in_flight_run(served: Served, job: str, seconds: float) -> dg.DagsterRun:
    """Wait for a run of ``job`` that is executing (its process has said its pid)."""

    def started() -> dg.DagsterRun | None:
        for run in served.runs(job, dg.DagsterRunStatus.STARTED):
            if worker_pid(served.instance, run.run_id):
                return run
        return None

    return wait_for(f"a {job} run in flight", started, seconds, every=0.5)


def worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The process a launched run executes in, from its log ("Started process for run (pid: N).")."""
    for event in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        found = re.search(r"Started process for run \(pid: (\d+)\)", event.message or "")
        if found:
            return int(found[1])
    return None


# --- the landing sensor, failures --------------------------------------------------------------


@pytest.fixture(scope="module")
def hook() -> Iterator[Webhook]:
    with webhook() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def sensor_served(
    pipeline: PipelineRun, tmp_path_factory: pytest.TempPathFactory, hook: Webhook
) -> Iterator[Served]:
    run = pipeline.copy(tmp_path_factory.mktemp("served") / "run")
    with serve(run, MSOKO_FAILURE_WEBHOOK_URL=hook.url) as served:
        yield served


def test_a_file_dropped_into_the_landing_folder_becomes_a_publication_through_the_daemon(
    sensor_served: Served,
) -> None:
    served = sensor_served
    before = publication_version(served.run.reporting)
    assert before is not None
    # schedule and sensors are running without a click: the served deployment's default
    state = served.graphql(
        """query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
             ... on Sensor { sensorState { status } } } }""",
        {
            "selector": {
                "repositoryLocationName": LOCATION,
                "repositoryName": "__repository__",
                "sensorName": "landing_files_sensor",
            }
        },
    )
    assert state["sensorOrError"]["sensorState"]["status"] == "RUNNING"

    dropped = correct_a_file(served.run.root / "landing" / "ege_rcoi", "ЕГЭ_2024_01_*.csv")
    started = time.monotonic()
    version = wait_for(
        f"a new publication after {dropped.name} was dropped",
        lambda: v if (v := publication_version(served.run.reporting)) > before else None,
        PUBLISH_SECONDS,
        every=2,
    )
    print(f"{dropped.name}: publication {before} → {version} in {time.monotonic() - started:.0f} s")
    ingest = served.runs("ingest_job", dg.DagsterRunStatus.SUCCESS)
    assert [r.tags.get("msoko/trigger") for r in ingest] == ["landing_files_sensor"]
    assert ingest[0].tags.get("dagster/partition") == "2023"  # ЕГЭ of June 2024: 2023/24
    # the publication is readable before its run ends (the open-data export follows it)
    warehouse = wait_for(
        "the warehouse run that published it to succeed",
        lambda: served.runs("warehouse_job", dg.DagsterRunStatus.SUCCESS),
        120,
    )
    assert [r.tags.get("msoko/after_ingest_run") for r in warehouse] == [ingest[0].run_id]
    assert f"publication version {version}" in served.cli("status")


def test_a_killed_run_is_marked_failed_recorded_and_sent_on(
    sensor_served: Served, hook: Webhook
) -> None:
    served = sensor_served
    correct_a_file(served.run.root / "landing" / "ege_rcoi", "ЕГЭ_2023_01_*.csv")
    run = in_flight_run(served, "ingest_job", 120)
    pid = worker_pid(served.instance, run.run_id)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)  # the out-of-memory killer, a slip of `kill -9`

    def failed() -> dg.DagsterRun | None:
        current = served.instance.get_run_by_id(run.run_id)
        return current if current and current.status == dg.DagsterRunStatus.FAILURE else None

    wait_for("the killed run marked failed", failed, 90)
    record_path = served.run.data_dir / "reports" / "failures" / f"{run.run_id}.json"
    wait_for("its failure record", record_path.exists, 90)
    record = json.loads(record_path.read_text())
    assert record["job_name"] == "ingest_job" and record["partition"] == "2022"
    assert record["trigger"] == "landing_files_sensor"
    # said by the run's code server ("terminated by signal 9 (SIGKILL)"), or by the dead-run
    # monitor when the code server died with it ("the run's process (pid N) is gone")
    line = record["first_error_line"]
    assert "SIGKILL" in line or f"(pid {pid}) is gone" in line, line
    sent = wait_for(
        "the record at the webhook",
        lambda: [r for r in hook.received if r["run_id"] == run.run_id],
        30,
    )
    assert sent[0] == record
    status = served.cli("status")
    assert "last failed run:" in status and run.run_id[:8] in status and "ingest_job" in status
    report = (served.run.data_dir / "reports" / "quality_report.md").read_text()
    section = report[report.index("## Сбои запусков") :]
    assert run.run_id in section and line in section


# --- the nightly schedule, the orderly stop -----------------------------------------------------


@pytest.fixture(scope="module")
def nightly_served(
    pipeline: PipelineRun, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    run = pipeline.copy(tmp_path_factory.mktemp("nightly") / "run")
    with serve(run, MSOKO_NIGHTLY_CRON="* * * * *", MSOKO_TIMEZONE="UTC") as served:
        yield served


def test_the_nightly_schedule_ticks_and_skips_when_nothing_changed(nightly_served: Served) -> None:
    served = nightly_served
    query = """query($selector: ScheduleSelector!) { scheduleOrError(scheduleSelector: $selector) {
        ... on Schedule { scheduleState { status ticks(limit: 5) { status skipReason } } } } }"""
    selector = {
        "repositoryLocationName": LOCATION,
        "repositoryName": "__repository__",
        "scheduleName": "nightly_refresh",
    }

    def skipped() -> list[dict[str, Any]]:
        state = served.graphql(query, {"selector": selector})["scheduleOrError"]["scheduleState"]
        assert state["status"] == "RUNNING"
        return [t for t in state["ticks"] if t["status"] == "SKIPPED"]

    ticks = wait_for("a tick of the nightly schedule", skipped, 150, every=3)
    assert ticks[0]["skipReason"] == "no new or changed files; the reporting file is current"
    assert not served.instance.get_runs(), "a skipped tick starts no run"


def test_sigterm_stops_the_server_within_10_s_cancelling_the_run_in_flight(
    nightly_served: Served,
) -> None:
    served = nightly_served
    reporting = served.run.reporting
    version = publication_version(reporting)
    digest = hashlib.sha256(reporting.read_bytes()).hexdigest()
    correct_a_file(served.run.root / "landing" / "ege_rcoi", "ЕГЭ_2024_02_*.csv")
    # the publishing job itself, a few seconds into it
    run = in_flight_run(served, "warehouse_job", 240)
    time.sleep(3)

    took = served.stop()

    assert took <= STOP_SECONDS
    instance = served.instance
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.CANCELED  # type: ignore[union-attr]
    in_flight = instance.get_runs(
        filters=dg.RunsFilter(
            statuses=[
                dg.DagsterRunStatus.QUEUED,
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED,
                dg.DagsterRunStatus.CANCELING,
            ]
        )
    )
    assert not in_flight, [(r.job_name, r.status) for r in in_flight]
    assert publication_version(reporting) == version
    assert hashlib.sha256(reporting.read_bytes()).hexdigest() == digest
    assert "marked cancelled" in served.output() or "cancelling run" in served.output()

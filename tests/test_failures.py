"""Failures reach people: killed runs are marked failed, failed runs are recorded, shown, sent on.

The daemon-level path (a served run killed, the record written by the daemon's sensor and
received by a webhook) is tests/test_service.py; these tests take the pieces one by one with the
real things: a Dagster run whose process is SIGKILLed, local HTTP and SMTP receivers, the CLI.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import http.server
import json
import os
import signal
import socketserver
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from ingestion.config import Settings
from orchestration.defs.failures import mark_dead_runs, process_alive
from orchestration.reports.failures import (
    FailureRecord,
    failures_dir,
    first_line,
    latest_failure,
    send_failure,
    write_failure,
)
from orchestration.reports.quality_report import QualityFacts, write_quality_report
from tests.conftest import PROJECT_ROOT

RECORD = FailureRecord(
    run_id="5f0c3a4e-0000-4000-8000-000000000001",
    job_name="warehouse_job",
    failed_at="2026-12-06T03:04:05+00:00",
    first_error_line="dbt build failed: 2 tests failed (unique_dim_school_school_id, …)",
    started_at="2026-12-06T03:00:01+00:00",
    trigger="nightly_refresh",
    partition="2021…2023",
    failed_steps=["warehouse_models"],
)


def settings_in(tmp_path: Path, **changes: Any) -> Settings:
    base = Settings.from_env()
    return replace(base, data_dir=tmp_path, reports_dir=tmp_path / "reports", **changes)


# --- a killed run is marked failed --------------------------------------------------------------

JOB = textwrap.dedent(
    """
    import sys, time
    import dagster as dg

    @dg.op
    def slow() -> None:
        print("running", flush=True)
        time.sleep(600)

    @dg.job
    def nightly_like():
        slow()

    instance = dg.DagsterInstance.get()
    nightly_like.execute_in_process(instance=instance)
    """
)


def test_a_run_whose_process_was_killed_is_marked_failed_and_a_live_one_is_not(
    tmp_path: Path,
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((PROJECT_ROOT / "deploy/dagster/dagster.yaml").read_text())
    env = {**os.environ, "DAGSTER_HOME": str(home)}

    def start() -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", JOB], env=env, stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None and process.stdout.readline().strip() == "running"
        return process

    killed, alive = start(), start()
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
        with dg.DagsterInstance.from_config(str(home)) as instance:
            runs = instance.get_runs()
            assert [r.status for r in runs] == [dg.DagsterRunStatus.STARTED] * 2  # as left

            marked = mark_dead_runs(instance)

            assert len(marked) == 1
            dead = instance.get_run_by_id(marked[0])
            assert dead is not None and dead.status == dg.DagsterRunStatus.FAILURE
            others = [r for r in instance.get_runs() if r.run_id != marked[0]]
            assert [r.status for r in others] == [dg.DagsterRunStatus.STARTED]
            failure = instance.all_logs(marked[0], of_type=dg.DagsterEventType.RUN_FAILURE)
            assert f"(pid {killed.pid}) is gone" in (failure[0].message or "")
            assert mark_dead_runs(instance) == []  # once only
    finally:
        alive.kill()
        alive.wait(timeout=30)


def test_a_recycled_pid_is_not_mistaken_for_the_run_process() -> None:
    # this very process is alive now; a run that named this pid an hour ago, before this
    # process existed, named another process
    assert process_alive(os.getpid(), time.time())
    assert not process_alive(os.getpid(), time.time() - 3600)
    assert not process_alive(2**22 + 7, time.time())  # above pid_max: no such process


# --- the record, where people look -------------------------------------------------------------


def test_the_first_error_line_is_the_first_line_that_says_something_and_is_short() -> None:
    assert first_line("\n\n  Traceback (most recent call last):\n  File …") == (
        "Traceback (most recent call last):"
    )
    assert len(first_line("x" * 1000)) == 300
    assert first_line(None) == "(no error message)"


def test_msoko_status_and_the_quality_report_show_the_last_failure(tmp_path: Path) -> None:
    older = replace(RECORD, run_id="older-run", failed_at="2026-12-05T03:04:05+00:00")
    write_failure(failures_dir(tmp_path / "reports"), older)
    write_failure(failures_dir(tmp_path / "reports"), RECORD)
    assert latest_failure(failures_dir(tmp_path / "reports")) == RECORD

    env = {
        **os.environ,
        "MSOKO_DATA_DIR": str(tmp_path),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    status = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "status"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 1, status.stderr  # nothing to show: a script can tell
    assert "nothing is published yet" in status.stdout  # a failed first night
    assert (
        "last failed run: 2026-12-06 03:04 UTC warehouse_job (warehouse_models) "
        "[academic year 2021…2023, started by nightly_refresh, run 5f0c3a4e]: dbt build failed"
    ) in status.stdout
    assert "older-run" not in status.stdout

    # the report of the next publish attempt lists both, the newest first
    html_path = write_quality_report(
        tmp_path / "reports", QualityFacts(), published=True, reasons=[], version=7
    )
    md = (tmp_path / "reports" / "quality_report.md").read_text()
    section = md[md.index("## Сбои запусков") :]
    assert section.index(RECORD.run_id) < section.index("older-run")
    assert "Последний сбой: 06.12.2026 13:04 (время UTC+10), warehouse_job" in section
    assert RECORD.run_id in html_path.read_text()


def test_a_failure_after_the_last_report_is_written_into_it_in_place(tmp_path: Path) -> None:
    from orchestration.reports.quality_report import update_failure_section

    reports = tmp_path / "reports"
    write_quality_report(reports, QualityFacts(), published=True, reasons=[], version=3)
    before = (reports / "quality_report.md").read_text()
    assert "Сбоев нет." in before

    write_failure(failures_dir(reports), RECORD)
    update_failure_section(reports)

    after = (reports / "quality_report.md").read_text()
    assert "Опубликовано: версия 3" in after  # the rest of the report is as it was
    assert after.replace(after[after.index("<!-- failures:begin") :], "") == before.replace(
        before[before.index("<!-- failures:begin") :], ""
    )
    assert RECORD.first_error_line in after and "Сбоев нет." not in after
    assert RECORD.first_error_line in (reports / "quality_report.html").read_text()


# --- sent on: a webhook, mail -----------------------------------------------------------------


@contextlib.contextmanager
def http_receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def smtp_receiver() -> Iterator[tuple[str, list[str]]]:
    """A minimal SMTP server on 127.0.0.1: enough of RFC 5321 for smtplib to deliver."""
    received: list[str] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"220 stub ESMTP\r\n")
            data: list[bytes] = []
            in_data = False
            for line in self.rfile:
                if in_data:
                    if line == b".\r\n":
                        in_data = False
                        received.append(b"".join(data).decode())
                        self.wfile.write(b"250 queued\r\n")
                    else:
                        data.append(line)
                    continue
                command = line.split(b" ", 1)[0].strip().upper()
                if command == b"DATA":
                    in_data = True
                    self.wfile.write(b"354 go on\r\n")
                elif command == b"QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 ok\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def test_nothing_is_sent_unless_the_deployment_says_where(tmp_path: Path) -> None:
    assert send_failure(settings_in(tmp_path), RECORD) == []


def test_a_failure_is_posted_to_the_webhook_and_mailed(tmp_path: Path) -> None:
    with http_receiver() as (url, posted), smtp_receiver() as (smtp, mailed):
        settings = settings_in(
            tmp_path,
            failure_webhook_url=url,
            failure_mail_to="data-team@example.org",
            smtp_server=smtp,
        )
        assert send_failure(settings, RECORD) == ["webhook", "mail"]
    assert posted == [RECORD.to_json()]
    assert len(mailed) == 1
    mail = email.message_from_string(mailed[0], policy=email.policy.default)
    assert mail["To"] == "data-team@example.org"
    assert mail["Subject"] == "МСОКО: сбой запуска warehouse_job (2026-12-06T03:04 UTC)"
    body = mail.get_body().get_content()  # type: ignore[union-attr]
    assert RECORD.summary() in body and RECORD.run_id in body


def test_an_unreachable_receiver_raises_for_the_sensor_to_log(tmp_path: Path) -> None:
    settings = settings_in(tmp_path, failure_webhook_url="http://127.0.0.1:9/nobody")
    with pytest.raises(OSError):
        send_failure(settings, RECORD)

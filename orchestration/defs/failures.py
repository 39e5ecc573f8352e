"""Failures reach people: a run whose process died is marked failed, and every failed run is recorded.

- ``dead_run_monitor``: a run left ``STARTED`` whose process is gone (killed, out of memory, the
  machine restarted) is marked failed. Dagster's own run monitoring cannot see this with the
  default run launcher (it checks a worker's health only for container launchers), so the
  monitor reads the process id every run logs when it starts ("Started process for run (pid:
  N)", or "Executing steps in process" for an in-process CLI run) and asks the operating system.
  It judges runs of this machine only (a CLI run from another host carries ``msoko/host``).
- ``run_failure_record``: every failed run — of the daemon or of ``msoko`` — becomes a failure
  record (``orchestration/reports/failures.py``) that ``msoko status`` and the quality report
  show, and is sent on where the deployment says (webhook, mail; off by default).

Both run whenever a daemon runs: failures are reported in ``make ui`` too.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from pathlib import Path

import dagster as dg

from ingestion.config import Settings
from orchestration.reports.failures import (
    FailureRecord,
    failures_dir,
    first_line,
    send_failure,
    write_failure,
)
from orchestration.reports.quality_report import update_failure_section

HOST_TAG = "msoko/host"
HOST = socket.gethostname()
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
# how far back a run's first engine events are searched for its process id
PID_EVENTS = 50
# what Dagster says when a run is marked failed from outside (by its code server, the monitor)
OUTSIDE_MESSAGE = "This run has been marked as failed from outside the execution context."
CRASH_PREFIX = "Run execution process for "


def run_process(instance: dg.DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """The process that executes the run (its pid) and when the run said so (epoch seconds):
    the run's first engine event with a ``pid``."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, limit=PID_EVENTS
    ).records
    for record in records:
        event = record.event_log_entry.dagster_event
        data = event.engine_event_data if event is not None else None
        pid = data.metadata.get("pid") if data is not None else None
        if pid is not None:
            return int(str(pid.value)), record.event_log_entry.timestamp
    return None


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise OSError("no btime in /proc/stat")


def process_alive(pid: int, seen_at: float) -> bool:
    """Whether process ``pid`` is still the one that was running at ``seen_at``: it exists, is
    not a zombie, and started before then (a recycled pid started later). Where ``/proc`` is
    missing nothing can be judged and the answer is yes."""
    if not Path("/proc/self/stat").exists():
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state is field 3
    if fields[0] in {"Z", "X"}:
        return False
    started = _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: starttime
    return started <= seen_at + 2  # btime has whole seconds


def mark_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed every run of this machine left ``STARTED`` whose process is gone."""
    marked = []
    for record in instance.get_run_records(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])
    ):
        run = record.dagster_run
        if run.tags.get(HOST_TAG, HOST) != HOST:
            continue
        process = run_process(instance, run.run_id)
        if process is None or process_alive(*process):
            continue
        current = instance.get_run_by_id(run.run_id)  # it may have finished meanwhile
        if current is None or current.status != dg.DagsterRunStatus.STARTED:
            continue
        instance.report_run_failed(
            current,
            f"The run's process (pid {process[0]}) is gone — killed or crashed — while the run "
            "was in progress; marked failed by dead_run_monitor.",
        )
        marked.append(run.run_id)
    return marked


def failure_record(context: dg.RunFailureSensorContext) -> FailureRecord:
    """What failed, when, and the first line of the error, from a run failure."""
    run = context.dagster_run
    record = context.instance.get_run_record_by_id(run.run_id)
    steps = context.get_step_failure_events()
    error = None
    for event in steps:
        if event.step_failure_data is not None and event.step_failure_data.error is not None:
            error = event.step_failure_data.error.message
            break
    if error is None:
        data = context.failure_event.event_specific_data
        failure_error = getattr(data, "error", None)
        error = (
            failure_error.message if failure_error is not None else context.failure_event.message
        )
    if not steps and error == OUTSIDE_MESSAGE:
        # a run its code server found dead was marked failed with this generic message; the
        # reason is the engine event just before: "[DagsterApiServer] Run execution process
        # for <run> was terminated by signal 9 (SIGKILL). …" (dagster/_grpc/server.py)
        errors = [
            record.event_log_entry.message
            for record in context.instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, ascending=False, limit=20
            ).records
            if CRASH_PREFIX in record.event_log_entry.message
        ]
        error = errors[0] if errors else error

    def iso(when: dt.datetime | None) -> str | None:
        return when.astimezone(dt.UTC).replace(microsecond=0).isoformat() if when else None

    ended = record.end_time if record is not None else None
    started = record.start_time if record is not None else None
    tags = run.tags
    partition = tags.get("dagster/partition")
    if partition is None and RANGE_START in tags:
        start, end = tags[RANGE_START], tags.get(RANGE_END, tags[RANGE_START])
        partition = start if start == end else f"{start}…{end}"
    return FailureRecord(
        run_id=run.run_id,
        job_name=run.job_name,
        failed_at=iso(
            dt.datetime.fromtimestamp(ended, dt.UTC) if ended else dt.datetime.now(dt.UTC)
        )
        or "",
        started_at=iso(dt.datetime.fromtimestamp(started, dt.UTC)) if started else None,
        trigger=tags.get("msoko/trigger")
        or ("warehouse_after_ingest" if "msoko/after_ingest_run" in tags else None),
        partition=partition,
        failed_steps=sorted({e.step_key for e in steps if e.step_key}),
        first_error_line=first_line(error),
    )


def failure_sensors(deployment: Settings) -> list[dg.SensorDefinition]:
    """The dead-run monitor and the failure record, running by default wherever a daemon runs."""

    @dg.sensor(
        name="dead_run_monitor",
        minimum_interval_seconds=deployment.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="A run left STARTED whose process is gone (killed, crashed, the machine "
        "restarted) is marked failed, so that it is reported and retried.",
    )
    def dead_run_monitor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
        marked = mark_dead_runs(context.instance)
        for run_id in marked:
            context.log.warning(f"run {run_id}: its process is gone; marked failed")
        return dg.SkipReason(
            f"marked failed: {', '.join(marked)}" if marked else "no run has lost its process"
        )

    @dg.run_failure_sensor(
        name="run_failure_record",
        monitor_all_code_locations=True,  # CLI runs (in-process) have no code location
        minimum_interval_seconds=min(30, deployment.sensor_interval_seconds),
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Every failed run → a failure record in data/reports/failures/ (shown by "
        "`msoko status` and the quality report), sent on to MSOKO_FAILURE_WEBHOOK_URL / "
        "MSOKO_FAILURE_MAIL_TO when set.",
    )
    def run_failure_record(
        context: dg.RunFailureSensorContext, settings: dg.ResourceParam[Settings]
    ) -> None:
        record = failure_record(context)
        path = write_failure(failures_dir(settings.reports_dir), record)
        update_failure_section(settings.reports_dir, settings.timezone)
        context.log.info(f"failure recorded: {path}: {record.summary()}")
        try:
            channels = send_failure(settings, record)
        except Exception as exc:  # the record is written; a receiver that is down is logged
            context.log.error(f"the failure record could not be sent on: {first_line(str(exc))}")
        else:
            if channels:
                context.log.info(f"failure record sent: {', '.join(channels)}")

    return [dead_run_monitor, run_failure_record]

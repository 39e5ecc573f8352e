"""``msoko`` (``orchestration.cli``) with timers around the stages Dagster does not time itself.

    python -m bench.timed_cli <timings.json> refresh --all

Runs exactly the CLI users run (``orchestration.cli.main``: Dagster jobs executed against the
instance in ``$DAGSTER_HOME``, dbt as a subprocess), after wrapping a few functions with
timers: the landing scan and each file's sniff, ``read_batch`` (reading files into typed Arrow
rows), the arrival checks of each partition (``orchestration.pipeline.partition._run_suite``) and the lake's
Parquet writes. When the CLI returns, the Dagster runs it made are read back from the instance
(step start and end times from the event log) together with dbt's ``run_results.json`` of the
dbt step, and everything is written to ``timings.json``.

    python -m bench.timed_cli <timings.json> nightly-tick

evaluates the ``nightly_refresh`` schedule once, as the Dagster daemon would at 03:00 (no run
is launched: the benchmark measures the decision and, when a run is requested, runs
``msoko refresh`` separately).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from ingestion.stages import CollectingStages

EVENTS: list[dict[str, Any]] = []


class RecordingStages(CollectingStages):
    """Every stage the pipeline marks (and the workers' stages it replays), with its wall-clock
    start, duration and details, into ``EVENTS``."""

    def __init__(self) -> None:
        self.timings = EVENTS


def dagster_runs(since: float) -> list[dict[str, Any]]:
    """Runs created since ``since`` with their steps' start and end times (event log)."""
    import dagster as dg

    instance = dg.DagsterInstance.get()
    out = []
    for run in instance.get_runs(limit=50):
        record = instance.get_run_record_by_id(run.run_id)
        if record is None or record.create_timestamp.timestamp() < since - 1:
            continue
        stats = instance.get_run_stats(run.run_id)
        steps = [
            {
                "step_key": s.step_key,
                "start": s.start_time,
                "end": s.end_time,
                "seconds": (s.end_time or 0) - (s.start_time or 0),
                "status": str(s.status),
                "attempts": s.attempts,
            }
            for s in instance.get_run_step_stats(run.run_id)
        ]
        out.append(
            {
                "run_id": run.run_id,
                "job": run.job_name,
                "status": str(run.status),
                "start": stats.start_time,
                "end": stats.end_time,
                "steps": steps,
            }
        )
    return sorted(out, key=lambda r: r["start"] or 0)


def dbt_run_results(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-node timings of the dbt step of each warehouse run (its target folder under the data
    folder: ``orchestration.pipeline.dbt.dbt_run_folder``)."""
    from ingestion.config import Settings

    target = Settings.from_env().data_dir / "dbt"
    out = []
    for run in runs:
        for folder in sorted(target.glob(f"warehouse_models-{run['run_id'][:7]}-*")):
            path = folder / "run_results.json"
            if not path.exists():
                continue
            for r in json.loads(path.read_text())["results"]:
                execute = [t for t in r.get("timing", []) if t.get("name") == "execute"]
                compile_ = [t for t in r.get("timing", []) if t.get("name") == "compile"]
                first = (compile_ or execute or [{}])[0].get("started_at")
                last = (execute or compile_ or [{}])[-1].get("completed_at")
                out.append(
                    {
                        "run_id": run["run_id"],
                        "unique_id": r["unique_id"],
                        "resource_type": r["unique_id"].split(".")[0],
                        "status": r["status"],
                        "execution_time": r.get("execution_time"),
                        "started_at": first,
                        "completed_at": last,
                    }
                )
    return out


def nightly_tick() -> dict[str, Any]:
    import dagster as dg

    from orchestration.cli import dagster_instance, entry_point_environment

    entry_point_environment()
    from orchestration.definitions import defs

    instance = dagster_instance()
    schedule = defs.resolve_schedule_def("nightly_refresh")
    started = time.monotonic()
    with dg.build_schedule_context(instance=instance, resources=defs.resources) as context:
        result = schedule.evaluate_tick(context)
    seconds = time.monotonic() - started
    skipped = result.skip_message
    return {
        "tick_seconds": seconds,
        "skipped": skipped is not None,
        "skip_message": skipped,
        "run_requests": len(result.run_requests or []),
    }


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    started_wall = time.time()
    started = time.monotonic()
    if argv[1:] == ["nightly-tick"]:
        payload: dict[str, Any] = nightly_tick()
        code = 0
    else:
        from orchestration import cli
        from orchestration.pipeline.progress import Progress

        code = cli.main(argv[1:], progress=Progress(terminal=True, stages=RecordingStages()))
        runs = dagster_runs(started_wall)
        payload = {"runs": runs, "dbt": dbt_run_results(runs)}
    payload.update(
        {
            "argv": argv[1:],
            "returncode": code,
            "process_start": started_wall,
            "in_process_seconds": time.monotonic() - started,
            "events": EVENTS,
        }
    )
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

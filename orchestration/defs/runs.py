"""Running the jobs from the command line: in-process, against the instance in ``$DAGSTER_HOME``.

``msoko refresh|backfill|demo`` build the code location with the CLI's own ``Settings`` and a
progress reporter that prints (``build_definitions``), so CLI runs appear in the UI beside the
daemon's. The refusal of an unusable landing folder comes first: it is never read as "every
file was removed".
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from ingestion.config import Settings
from ingestion.landing import LandingEntry, academic_years, landing_problem, scan_landing
from orchestration.defs.automation import range_tags
from orchestration.defs.failures import HOST, HOST_TAG, mark_dead_runs
from orchestration.defs.ingestion import raw_asset_key
from orchestration.defs.transform import FULL_REFRESH_TAG, add_year_partitions
from orchestration.pipeline.planning import plan_ingestion
from orchestration.pipeline.progress import Progress, files_to_read
from orchestration.publishing.gate import PublishBlockedError, refuse

# Dagster's console logger says DEBUG by default: every event of every step. The CLI's
# reporter prints the progress lines (files, dbt) itself, once; the console logger adds the
# warnings and errors only (the Dagster UI's event log keeps everything).
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# the host tells the dead-run monitor of another machine sharing the instance to leave it alone
CLI_TAGS = {"msoko/trigger": "cli", HOST_TAG: HOST}


class Runner:
    """The jobs of one code location, run in-process with one ``Settings`` and one reporter."""

    def __init__(
        self, settings: Settings, instance: dg.DagsterInstance, progress: Progress
    ) -> None:
        from orchestration.defs.code_location import build_definitions

        self.settings, self.instance, self.progress = settings, instance, progress
        self.defs = build_definitions(settings, progress)
        # a run left STARTED by a killed msoko is marked failed before anything else runs
        for run_id in mark_dead_runs(instance):
            print(
                f"run {run_id}: its process is gone (killed before the run ended); marked failed",
                file=sys.stderr,
            )

    def record_scan(self) -> list[LandingEntry]:
        """Scan the landing folder through the ``lake/landing_index`` asset (the one writer of
        the index), then read the entries back: the ingest run finds every file placed."""
        self.defs.resolve_job_def("landing_scan_job").execute_in_process(
            instance=self.instance,
            run_config=QUIET,
            tags=CLI_TAGS,
            raise_on_error=True,
        )
        return scan_landing(self.settings, stages=self.progress.stages)

    def ingest(
        self,
        years: Sequence[int],
        sources: Sequence[str] = (),
        entries: Sequence[LandingEntry] | None = None,
    ) -> bool:
        """One ``ingest_job`` run over the academic years ``years`` (a contiguous range)."""
        with self.progress.stages.stage("run_ingest"):
            add_year_partitions(self.instance, list(years))
            if entries is None:
                entries = self.record_scan()
            total = files_to_read(self.settings, entries, years, sources)
            self.progress.say(
                f"{total} file version(s) to read (new or changed since they were last read)"
            )
            self.progress.start(total)
            job = self.defs.resolve_job_def("ingest_job")
            selection = [raw_asset_key(s) for s in sources] or None
            result = job.execute_in_process(
                instance=self.instance,
                run_config=QUIET,
                tags={**range_tags(list(years)), **CLI_TAGS},
                asset_selection=selection,
                raise_on_error=False,
            )
            print(self.progress.summary(), flush=True)
            if not result.success:
                self._print_failures(result)
            return result.success

    def warehouse(self, *, full: bool = False) -> bool:
        """``warehouse_job``: dbt (incremental unless ``full``), then publish."""
        with self.progress.stages.stage("run_warehouse"):
            job = self.defs.resolve_job_def("warehouse_job")
            print(
                "building the warehouse (dbt build), publishing the reporting file and the "
                "public export…",
                flush=True,
            )
            result = job.execute_in_process(
                instance=self.instance,
                run_config=QUIET,
                tags={**CLI_TAGS, **({FULL_REFRESH_TAG: "true"} if full else {})},
                raise_on_error=False,
            )
            if not result.success:
                self._print_failures(result)
            return result.success

    def _print_failures(self, result: dg.ExecuteInProcessResult) -> None:
        """Each failed step with its message; a full disk is named as such, with the space
        left, so that nobody hunts for a data problem that is not one."""
        disk_full = False
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data:
                error = event.step_failure_data.error
                message = error.message.strip() if error else ""
                print(f"FAILED {event.step_key}: {message[:3000]}", file=sys.stderr)
                disk_full = disk_full or any(is_disk_full(text) for text in _error_chain(error))
        if disk_full:
            print(disk_full_line(self.settings), file=sys.stderr)

    def landing_refused(self) -> bool:
        """Refuse the run (reason printed and in the quality report) when the landing folder is
        missing, unreadable or empty: never read it as "every file was removed"."""
        problem = landing_problem(self.settings.landing_dir)
        if problem is None:
            return False
        try:
            refuse(self.settings, [problem])
        except PublishBlockedError as exc:
            print(exc, file=sys.stderr)
        return True

    def refresh(self, *, everything: bool = False, full: bool = False) -> bool:
        """Ingest what changed (or every year), rebuild the warehouse (whole if ``full``),
        publish. (Whether anything changed at all is decided before, without Dagster:
        ``orchestration.cli.nothing_changed``.)"""
        if self.landing_refused():
            return False
        entries = self.record_scan()
        plan = plan_ingestion(self.settings, entries)
        for e in plan.not_placed:
            print(f"not loaded: {e.source_file}: {e.error}", file=sys.stderr)
        for e in entries:
            if e.ignored_reason:
                print(f"{e.source_file}: {e.ignored_reason}", file=sys.stderr)
        years = academic_years(entries) if everything else plan.years
        ingest_ok = True
        if years:
            print(f"ingesting academic years {min(years)}–{max(years)}")
            ingest_ok = self.ingest(years, entries=entries)
            if not ingest_ok:
                print(
                    "ingestion reported blocking check failures (see `make ui`, or the "
                    "quarantine and manifest in the warehouse); the warehouse is rebuilt without "
                    "the rejected versions and publishing is refused",
                    file=sys.stderr,
                )
        else:
            print("no new or changed landing files")
        return self.warehouse(full=full) and ingest_ok

    def backfill(self, years: Sequence[int], sources: Sequence[str]) -> bool:
        if self.landing_refused():
            return False
        ok = self.ingest(years, sources)
        return self.warehouse() and ok

    def demo(self, *, regenerate: bool) -> bool:
        from ingestion.samples.generate import generate

        landing = self.settings.landing_dir
        if regenerate or not any(landing.glob("*/*")):
            with tempfile.TemporaryDirectory() as truth:  # the demo needs no ground truth
                generated = generate(landing, Path(truth), seed=42, scale="demo")
            files = len({f.path for f in generated.files})  # a truth entry per sheet
            print(
                f"demo data: {files} files ({len(generated.files)} sheets) in {landing}",
                flush=True,
            )
        return self.refresh(everything=True)


def _error_chain(error: Any) -> Iterator[str]:
    """The messages of an error and of every error that caused it (Dagster wraps the step's
    own error: «Error occurred while executing op …», the cause says what happened)."""
    seen = 0
    while error is not None and seen < 20:
        yield error.message or ""
        error = error.cause or error.context
        seen += 1


DISK_FULL = ("no space left on device", "errno 28", "disk is full", "not enough space")


def is_disk_full(message: str) -> bool:
    text = message.lower()
    return any(marker in text for marker in DISK_FULL)


def disk_full_line(settings: Settings) -> str:
    import shutil

    free = {
        str(path): shutil.disk_usage(path).free // (1 << 20)
        for path in {settings.data_dir, settings.lake_dir.parent}
        if path.exists()
    }
    where = ", ".join(f"{path}: {mb} MB free" for path, mb in sorted(free.items()))
    return (
        f"DISK FULL: the run stopped because a disk is full ({where}); nothing was published "
        "and the published data are unchanged. Free space (old versions: data/reporting/v*, "
        "DuckDB spill files: data/duckdb_tmp), then run `msoko refresh` again."
    )

"""Jobs, the nightly schedule and the sensors.

- ``ingest_job``: the raw assets, partitioned by academic year (a backfill of a range of years
  is one run);
- ``warehouse_job``: landing scan → dbt build (models, seeds, tests) → reporting file;
- ``landing_scan_job``: the landing scan alone (the CLI runs it before an ingest run);
- ``landing_files_sensor``: notices new, changed or removed files (by content hash) and asks
  for ``ingest_job`` runs of just the academic years they affect;
- ``warehouse_after_ingest``: when an ingest run succeeds, runs ``warehouse_job``;
- ``nightly_refresh``: every night, ingests whatever the sensor has not (or everything when the
  published file is stale), and the chain above publishes.

``automation(settings)`` builds the schedule and the sensors of a deployment: running by default
where it is served (``Settings.automation``: ``msoko serve``, the units of deploy/systemd), stopped
in ``make ui``, the CLI and tests until someone turns them on; the cron, its timezone and the
sensors' interval are settings too (a test serves a nightly of every minute).
"""

import dagster as dg

from ingestion.config import DEFAULT_NIGHTLY_CRON, DEFAULT_TIMEZONE, Settings
from ingestion.landing import academic_years, landing_problem, scan_landing
from orchestration.defs.ingestion import RAW_GROUP, raw_asset_key
from orchestration.defs.partitions import ACADEMIC_YEAR_PARTITIONS, academic_year_partitions
from orchestration.defs.publish import PUBLIC_EXPORT, REPORTING_FILE
from orchestration.defs.transform import LANDING_SCAN, warehouse_models
from orchestration.pipeline.planning import plan_ingestion, publication_is_current

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
NIGHTLY_CRON = DEFAULT_NIGHTLY_CRON  # MSOKO_NIGHTLY_CRON
TIMEZONE = DEFAULT_TIMEZONE  # MSOKO_TIMEZONE
# Dagster's own default for run-status sensors: how soon a finished run is followed up
RUN_STATUS_INTERVAL_SECONDS = 30

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.groups(RAW_GROUP),
    partitions_def=academic_year_partitions,
    description="Read the landing files of the selected academic years into the lake, with the "
    "arrival checks. Backfill a range of years from the UI or `msoko backfill --from --to`.",
)

landing_scan_job = dg.define_asset_job(
    "landing_scan_job",
    selection=dg.AssetSelection.assets(LANDING_SCAN),
    description="Scan the landing folder and record the landing index (SHA-256, source and "
    "academic year of every file): what `msoko refresh` and `backfill` do first, so that the "
    "ingest run reads the files' places from the index instead of sniffing them again.",
)

warehouse_job = dg.define_asset_job(
    "warehouse_job",
    selection=dg.AssetSelection.assets(LANDING_SCAN, REPORTING_FILE, PUBLIC_EXPORT)
    | dg.AssetSelection.assets(warehouse_models),
    description="Scan the landing folder, build and test the warehouse with dbt, publish the "
    "reporting file if every blocking check passed.",
)


def range_tags(years: list[int]) -> dict[str, str]:
    return {RANGE_START: str(min(years)), RANGE_END: str(max(years))}


def _known_years(instance: dg.DagsterInstance) -> set[str]:
    return set(instance.get_dynamic_partitions(ACADEMIC_YEAR_PARTITIONS))


def landing_files_tick(
    context: dg.SensorEvaluationContext, settings: Settings
) -> dg.SensorResult | dg.SkipReason:
    """New, changed or removed landing files (by SHA-256) → ingest runs for exactly the academic
    years and sources they affect. Unreadable or unplaced files are reported."""
    problem = landing_problem(settings.landing_dir)
    if problem:  # a missing or emptied folder is never read as "every file was removed"
        context.log.warning(problem)
        return dg.SkipReason(problem)
    entries = scan_landing(settings)
    plan = plan_ingestion(settings, entries)
    for e in plan.not_placed:
        context.log.warning(f"landing file not loaded: {e.source_file}: {e.error}")
    if context.cursor == plan.landing_digest and not plan.pending:
        return dg.SkipReason("landing folder unchanged")
    # added before the run requests that use them are validated
    new_years = [
        str(y) for y in academic_years(entries) if str(y) not in _known_years(context.instance)
    ]
    if new_years:
        context.instance.add_dynamic_partitions(ACADEMIC_YEAR_PARTITIONS, new_years)
    requests = [
        dg.RunRequest(
            run_key=f"{year}:{plan.landing_digest[:16]}",
            partition_key=str(year),
            asset_selection=[raw_asset_key(s) for s in sources],
            tags={"msoko/trigger": "landing_files_sensor"},
        )
        for year, sources in sorted(plan.pending.items())
    ]
    return dg.SensorResult(run_requests=requests, cursor=plan.landing_digest)


def warehouse_after_ingest_tick(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    """An ingest run succeeded → rebuild the warehouse and publish."""
    return dg.RunRequest(
        run_key=f"after-{context.dagster_run.run_id}",
        tags={"msoko/after_ingest_run": context.dagster_run.run_id},
    )


def nightly_tick(
    context: dg.ScheduleEvaluationContext, settings: Settings
) -> dg.RunRequest | dg.SkipReason:
    """Ingest the academic years whose files changed (all years when the published file is
    stale); ``warehouse_after_ingest`` then rebuilds and publishes."""
    problem = landing_problem(settings.landing_dir)
    if problem:
        return dg.SkipReason(problem)
    entries = scan_landing(settings)
    years = academic_years(entries)
    new = [str(y) for y in years if str(y) not in _known_years(context.instance)]
    if new:
        context.instance.add_dynamic_partitions(ACADEMIC_YEAR_PARTITIONS, new)
    plan = plan_ingestion(settings, entries)
    if not plan.pending and publication_is_current(settings, entries):
        return dg.SkipReason("no new or changed files; the reporting file is current")
    wanted = plan.years or years
    if not wanted:
        return dg.SkipReason("the landing folder holds no file with an academic year")
    return dg.RunRequest(
        run_key=None,
        tags={**range_tags(wanted), "msoko/trigger": "nightly_refresh"},
    )


def automation(
    deployment: Settings,
) -> tuple[list[dg.ScheduleDefinition], list[dg.SensorDefinition]]:
    """The nightly schedule and the sensors of a deployment (on by default where served, the
    cron and its timezone, the sensors' interval). A tick still reads its ``settings`` resource."""
    on = deployment.automation
    sensor_status = dg.DefaultSensorStatus.RUNNING if on else dg.DefaultSensorStatus.STOPPED
    schedule_status = dg.DefaultScheduleStatus.RUNNING if on else dg.DefaultScheduleStatus.STOPPED

    @dg.sensor(
        name="landing_files_sensor",
        jobs=[ingest_job],
        minimum_interval_seconds=deployment.sensor_interval_seconds,
        default_status=sensor_status,
        description="New, changed or removed landing files (by SHA-256) → ingest runs for exactly "
        "the academic years and sources they affect. Unreadable or unplaced files are reported.",
    )
    def landing_files_sensor(
        context: dg.SensorEvaluationContext, settings: dg.ResourceParam[Settings]
    ) -> dg.SensorResult | dg.SkipReason:
        return landing_files_tick(context, settings)

    @dg.run_status_sensor(
        name="warehouse_after_ingest",
        run_status=dg.DagsterRunStatus.SUCCESS,
        monitored_jobs=[ingest_job],
        request_job=warehouse_job,
        minimum_interval_seconds=min(
            RUN_STATUS_INTERVAL_SECONDS, deployment.sensor_interval_seconds
        ),
        default_status=sensor_status,
        description="An ingest run succeeded → rebuild the warehouse and publish.",
    )
    def warehouse_after_ingest(context: dg.RunStatusSensorContext) -> dg.RunRequest:
        return warehouse_after_ingest_tick(context)

    @dg.schedule(
        name="nightly_refresh",
        cron_schedule=deployment.nightly_cron,
        execution_timezone=deployment.timezone,
        job=ingest_job,
        default_status=schedule_status,
        description="Every night: ingest the academic years whose files changed (all years when "
        "the published file is stale), then `warehouse_after_ingest` rebuilds and publishes. "
        "Skips when nothing changed and the published file is current.",
    )
    def nightly_refresh(
        context: dg.ScheduleEvaluationContext, settings: dg.ResourceParam[Settings]
    ) -> dg.RunRequest | dg.SkipReason:
        return nightly_tick(context, settings)

    return [nightly_refresh], [landing_files_sensor, warehouse_after_ingest]

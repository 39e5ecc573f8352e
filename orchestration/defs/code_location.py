"""The whole graph in one ``Definitions``: assets, checks, jobs, schedule, sensors, resources."""

import dagster as dg

from ingestion.config import Settings, secure_internal_data
from orchestration.defs.automation import automation, ingest_job, landing_scan_job, warehouse_job
from orchestration.defs.failures import failure_sensors
from orchestration.defs.ingestion import raw_assets
from orchestration.defs.publish import REPORT_SPECS, public_export, reporting_file
from orchestration.defs.resources import progress_resource, settings_resource
from orchestration.defs.transform import LAKE_BOOKKEEPING, landing_scan, warehouse_models
from orchestration.pipeline.progress import Progress


def build_definitions(
    settings: Settings | None = None, progress: Progress | None = None
) -> dg.Definitions:
    """The whole graph. The CLI passes the ``Settings`` it built and a reporter that prints;
    the daemon and the UI get settings read from the environment when a run or tick starts,
    and a silent reporter. The schedule's and sensors' own attributes (running by default where
    served, the cron, the interval) are read when the code location loads."""
    deployment = settings or Settings.from_env()
    secure_internal_data(deployment)  # owner-only also what an older release wrote
    schedules, sensors = automation(deployment)
    return dg.Definitions(
        assets=[
            *raw_assets,
            *LAKE_BOOKKEEPING,
            landing_scan,
            warehouse_models,
            reporting_file,
            public_export,
            *REPORT_SPECS,
        ],
        jobs=[ingest_job, warehouse_job, landing_scan_job],
        schedules=schedules,
        sensors=[*sensors, *failure_sensors(deployment)],
        resources={
            "settings": settings_resource(settings),
            "progress": progress_resource(progress),
        },
    )

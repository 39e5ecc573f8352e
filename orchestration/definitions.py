"""The Dagster code location: ``dagster dev -m orchestration.definitions``."""

import dagster as dg

from orchestration.defs.automation import (
    ingest_job,
    landing_files_sensor,
    nightly_refresh,
    warehouse_after_ingest,
    warehouse_job,
)
from orchestration.defs.ingestion import raw_assets
from orchestration.defs.publish import public_export, reporting_file
from orchestration.defs.resources import WarehouseSettings, dbt_resource
from orchestration.defs.transform import LAKE_BOOKKEEPING, landing_scan, warehouse_models

defs = dg.Definitions(
    assets=[
        *raw_assets,
        *LAKE_BOOKKEEPING,
        landing_scan,
        warehouse_models,
        reporting_file,
        public_export,
    ],
    jobs=[ingest_job, warehouse_job],
    schedules=[nightly_refresh],
    sensors=[landing_files_sensor, warehouse_after_ingest],
    resources={"warehouse": WarehouseSettings(), "dbt": dbt_resource()},
)

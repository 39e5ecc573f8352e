"""Resources: the deployment's ``Settings``, the progress reporter, and the dbt project.

The entry point builds the ``Settings`` once: the CLI passes the ones it built (and a progress
reporter that prints); the code location the daemon and the UI load builds them from the
environment when a run or a sensor/schedule tick starts (and reports silently). Assets, sensors
and the schedule all take the same ``settings`` resource.
"""

import dagster as dg
from dagster_dbt import DbtProject

from ingestion.config import DBT_PROJECT_DIR, Settings
from orchestration.pipeline.progress import Progress


def settings_resource(settings: Settings | None = None) -> dg.ResourceDefinition:
    if settings is not None:
        return dg.ResourceDefinition.hardcoded_resource(settings, "the CLI's settings")
    return dg.ResourceDefinition(
        resource_fn=lambda _: Settings.from_env(),
        description="Settings.from_env() when the run or the tick starts",
    )


def progress_resource(progress: Progress | None = None) -> dg.ResourceDefinition:
    return dg.ResourceDefinition.hardcoded_resource(
        progress if progress is not None else Progress(), "progress lines and stage hooks"
    )


def dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

"""Resources: the deployment's ``Settings``, the progress reporter, and dbt run with the settings.

The entry point builds the ``Settings`` once: the CLI passes the ones it built (and a progress
reporter that prints); the code location the daemon and the UI load builds them from the
environment when a run or a sensor/schedule tick starts (and reports silently). Assets, sensors
and the schedule all take the same ``settings`` resource.
"""

import sys
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

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


class _DbtWithEnvironment(DbtCliResource):
    """dbt started as ``python -m orchestration.pipeline.child K=V … dbt <args>``: the settings
    reach dbt's process environment (``Settings.dbt_env``) while this process's environment
    stays as it is, and dbt dies with the run's process (a killed run leaves no dbt behind
    holding the warehouse file)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        # dagster-dbt asks the executable for its version; ours is the wrapper: say dbt-core's
        from dbt.version import __version__

        return version.parse(__version__)


def dbt_cli(settings: Settings) -> DbtCliResource:
    """The dbt CLI of this virtual environment, its subprocess given ``settings``."""
    executable = Path(sys.executable).parent / "dbt"
    assignments = [f"{key}={value}" for key, value in sorted(settings.export_env().items())]
    return _DbtWithEnvironment(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=sys.executable,
        global_config_flags=[
            "-m",
            "orchestration.pipeline.child",
            *assignments,
            str(executable) if executable.exists() else "dbt",
        ],
    )

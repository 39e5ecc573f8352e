"""The warehouse: the landing scan, then every dbt model, seed and test as Dagster assets.

Only dbt writes ``warehouse.duckdb`` (DuckDB allows one writer per file). Every step that opens
it holds the warehouse lock (``orchestration.pipeline.locking``), so that two runs can never hold the
file at once, even when the multiprocess executor runs steps in parallel processes.

dbt runs in the step's own process (``orchestration.pipeline.dbt.run_dbt``: dbt's ``dbtRunner``
on the manifest parsed once), with the settings as arguments; its node results become the dbt
assets' materialisations and checks as dagster-dbt would report them. The pupil-level facts are
incremental by academic year (``orchestration.pipeline.fingerprint.incremental_plan``).
"""

import queue
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    dbt_assets,
)
from dagster_dbt.asset_utils import get_subset_selection_for_context
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from ingestion.config import Settings
from ingestion.lake import Lake
from ingestion.landing import academic_years, scan_landing
from ingestion.sources import READERS
from orchestration.defs.ingestion import raw_asset_key
from orchestration.defs.partitions import ACADEMIC_YEAR_PARTITIONS
from orchestration.defs.resources import dbt_project
from orchestration.pipeline.dbt import (
    DbtRun,
    dbt_run_folder,
    ensure_dbt_manifest,
    read_manifest,
    run_dbt_forked,
)
from orchestration.pipeline.fingerprint import (
    BUILT_TYPES,
    BuildInputs,
    BuildPlan,
    build_plan,
    in_build_order,
    read_build_record,
    record_build,
)
from orchestration.pipeline.locking import warehouse_lock
from orchestration.pipeline.progress import Progress

LANDING_SCAN = dg.AssetKey(["lake", "landing_index"])
# A run tagged so rebuilds the incremental models whole (``msoko refresh --full``).
FULL_REFRESH_TAG = "msoko/full_refresh"

# Written by the raw assets beside the data (ingestion/lake.py), read by dbt's `lake` source:
# declared so that the lineage graph shows them; they are not materialised on their own.
LAKE_BOOKKEEPING = [
    dg.AssetSpec(
        ["lake", name],
        deps=[raw_asset_key(source) for source in READERS],
        group_name="lake",
        kinds={"parquet"},
        description=description,
    )
    for name, description in [
        ("manifest", "Which file versions each source × academic year holds (the commit point)."),
        ("file_summaries", "Per file version × sheet: rows read, loaded, quarantined, skipped."),
        ("quarantine", "Bad cells: file, sheet, row, column, value (redacted) and reason."),
    ]
]


@dg.asset(
    key=LANDING_SCAN,
    group_name="lake",
    kinds={"python", "parquet"},
    description="The landing folder as it is now: every file with its SHA-256, source and "
    "academic year, or why it could not be placed (empty, unreadable, unknown folder). "
    "Adds the academic-year partitions the files need. The only writer of the landing index.",
)
def landing_scan(
    context: dg.AssetExecutionContext,
    settings: dg.ResourceParam[Settings],
    progress: dg.ResourceParam[Progress],
) -> dg.MaterializeResult:
    lake = Lake(settings.lake_dir)
    lake.ensure_schemas(list(READERS.values()))
    entries = scan_landing(settings, stages=progress.stages)
    lake.write_landing_index(entries)
    add_year_partitions(context.instance, academic_years(entries))
    errors = [e for e in entries if e.error]
    for e in errors:
        context.log.warning(f"landing file not loaded: {e.source_file}: {e.error}")
    return dg.MaterializeResult(
        metadata={
            "files": len(entries),
            "files_not_placed": len(errors),
            "academic_years": ", ".join(str(y) for y in academic_years(entries)),
            "not_placed": dg.MetadataValue.md(
                "\n".join(f"- `{e.source_file}`: {e.error}" for e in errors) or "none"
            ),
        }
    )


def add_year_partitions(instance: dg.DagsterInstance, years: list[int]) -> list[str]:
    known = set(instance.get_dynamic_partitions(ACADEMIC_YEAR_PARTITIONS))
    new = [str(y) for y in years if str(y) not in known]
    if new:
        instance.add_dynamic_partitions(ACADEMIC_YEAR_PARTITIONS, new)
    return new


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt sources are the raw assets (and the lake's bookkeeping is the landing scan)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            source = dbt_resource_props["source_name"]
            if source in READERS:
                return raw_asset_key(source)
            return dg.AssetKey(["lake", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "warehouse"


TRANSLATOR = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
DBT_PROJECT = dbt_project()


@dbt_assets(
    manifest=ensure_dbt_manifest(DBT_PROJECT.manifest_path),
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    retry_policy=dg.RetryPolicy(max_retries=1, delay=10),
)
def warehouse_models(
    context: dg.AssetExecutionContext,
    settings: dg.ResourceParam[Settings],
    progress: dg.ResourceParam[Progress],
) -> Iterator[Any]:
    """``dbt build`` of what changed: the models downstream of the sources whose files changed
    (everything when the project changed), the pupil-level facts only for the academic years
    whose files changed; data tests with them (the SQL's unit tests run in the test suite).
    What did not need rebuilding is reported as current, unchanged."""
    (settings.data_dir / "duckdb_tmp").mkdir(parents=True, exist_ok=True)  # dbt's spill folder
    manifest = read_manifest(DBT_PROJECT.manifest_path)
    subset, indirect = get_subset_selection_for_context(
        context, manifest, None, None, None, TRANSLATOR, None
    )
    # the CLI's terminal shows a bar (or a line per tenth) instead of dbt's every line
    with warehouse_lock(settings.data_dir, context.log.info), progress.dbt_output():
        inputs = BuildInputs.recorded_landing(settings)
        if subset:  # a selection made in the UI: exactly what was asked, every academic year
            plan = BuildPlan(False, reasons=["the assets selected"])
        else:
            plan = build_plan(
                read_build_record(settings),
                inputs,
                manifest,
                force_full=context.run.tags.get(FULL_REFRESH_TAG) == "true",
            )
            context.log.info(plan.describe())
            # first what needs no rebuilding, as current (upstream of anything rebuilt: in order)
            yield from _unchanged(context, manifest, plan)
        if subset or not plan.builds_nothing:
            args = ["build", "--exclude-resource-type", "unit_test"]
            args += subset or plan.select(manifest)
            if indirect:
                args += ["--indirect-selection", indirect]
            if plan.full_refresh:
                args.append("--full-refresh")
            years = {} if subset or plan.full_refresh else {"msoko:incremental_years": plan.years}
            yield from _dbt_build(context, settings, args, years)
        if not subset:
            record_build(settings, inputs)


def _unchanged(
    context: dg.AssetExecutionContext, manifest: dict[str, Any], plan: BuildPlan
) -> Iterator[dg.Output]:
    """The models and seeds the plan does not rebuild: the warehouse holds them as a build from
    these inputs would make them, so they are reported current (metadata ``rebuilt: false``)."""
    if plan.full_refresh:
        return
    built = {u for u, n in manifest["nodes"].items() if n["resource_type"] in BUILT_TYPES}
    selected = set(context.selected_output_names)
    for uid in in_build_order(manifest, built - plan.nodes):
        key = TRANSLATOR.get_asset_key(manifest["nodes"][uid])
        name = context.assets_def.get_output_name_for_asset_key(key)
        if name in selected:
            yield dg.Output(None, output_name=name, metadata={"rebuilt": False})


def _dbt_build(
    context: dg.AssetExecutionContext,
    settings: Settings,
    args: list[str],
    extra_vars: dict[str, Any],
) -> Iterator[Any]:
    """Run dbt (in a forked copy of this process, watched from a thread) and hand its node
    results to Dagster as they come: Dagster's bookkeeping of a few hundred results overlaps
    the build, on the other core, instead of following it."""
    manifest = read_manifest(DBT_PROJECT.manifest_path)
    target = dbt_run_folder(settings, f"warehouse_models-{context.run.run_id[:7]}")
    results: queue.Queue[dict[str, Any] | None] = queue.Queue()
    outcome: list[DbtRun | BaseException] = []

    def build() -> None:
        try:
            outcome.append(
                run_dbt_forked(
                    settings,
                    args,
                    target_path=target,
                    extra_vars=extra_vars,
                    manifest=DBT_PROJECT.manifest_path,
                    on_event=results.put,
                )
            )
        except BaseException as exc:  # re-raised in the step below
            outcome.append(exc)
        finally:
            results.put(None)

    worker = threading.Thread(target=build, name="dbt-build", daemon=True)
    worker.start()
    while (event := results.get()) is not None:
        yield from DbtCoreCliEventMessage(
            raw_event=event, event_history_metadata={}
        ).to_default_asset_events(
            manifest=manifest,
            dagster_dbt_translator=TRANSLATOR,
            context=context,
            target_path=target,
            project=DBT_PROJECT,
        )
    worker.join()
    run = outcome[0] if outcome else RuntimeError("dbt stopped without a result")
    if isinstance(run, BaseException):
        raise run
    if not run.success:
        failures = run.failures()
        raise RuntimeError(
            "dbt build failed"
            + (f": {run.error}" if run.error else "")
            + ("\n- " + "\n- ".join(failures[:20]) if failures else "")
            + f"\n(dbt log and artefacts: {target})"
        )

"""The warehouse: the landing scan, then every dbt model, seed and test as Dagster assets.

Only dbt writes ``warehouse.duckdb`` (DuckDB allows one writer per file). Every step that opens
it holds the warehouse lock (``orchestration.pipeline.locking``), so that two runs can never hold the
file at once, even when the multiprocess executor runs steps in parallel processes.
"""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    dbt_assets,
)

from ingestion.config import Settings
from ingestion.lake import Lake
from ingestion.landing import academic_years, scan_landing
from ingestion.sources import READERS
from orchestration.defs.ingestion import raw_asset_key
from orchestration.defs.partitions import ACADEMIC_YEAR_PARTITIONS
from orchestration.defs.resources import dbt_cli, dbt_project
from orchestration.pipeline.dbt import ensure_dbt_manifest
from orchestration.pipeline.locking import warehouse_lock
from orchestration.pipeline.progress import Progress

LANDING_SCAN = dg.AssetKey(["lake", "landing_index"])

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
    """``dbt build``: seeds, models and their tests, in dependency order."""
    (settings.data_dir / "duckdb_tmp").mkdir(parents=True, exist_ok=True)  # dbt's spill folder
    with warehouse_lock(settings.data_dir, context.log.info), progress.dbt_output():
        # the CLI's terminal shows a bar (or a line per tenth) instead of dbt's every line
        yield from dbt_cli(settings).cli(["build"], context=context).stream()

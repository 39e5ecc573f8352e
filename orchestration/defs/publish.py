"""The reporting file as an asset: gate, build, verify, swap (``orchestration.publishing.reporting_file``)."""

import dagster as dg

from orchestration.defs.resources import WarehouseSettings
from orchestration.defs.transform import DBT_PROJECT, TRANSLATOR, warehouse_models
from orchestration.pipeline.locking import warehouse_lock
from orchestration.publishing.reporting_file import (
    PublishBlockedError,
    publish,
    published_relations,
)

REPORTING_FILE = dg.AssetKey(["reporting", "reporting_file"])


def _manifest() -> dict:
    import json

    return json.loads(DBT_PROJECT.manifest_path.read_text())


def _published_keys() -> list[dg.AssetKey]:
    manifest = _manifest()
    keys = []
    for node in manifest["nodes"].values():
        meta = node.get("config", {}).get("meta", {})
        if node["resource_type"] in {"model", "seed"} and meta.get("publish"):
            keys.append(TRANSLATOR.get_asset_key(node))
    return sorted(keys, key=lambda k: k.to_user_string())


@dg.asset(
    key=REPORTING_FILE,
    deps=_published_keys(),
    group_name="reporting",
    kinds={"duckdb"},
    description="The published DuckDB file (default data/reporting.duckdb) analysts and BI "
    "tools open read-only: dimensions, aggregate facts, marts, reference seeds, the audit "
    "tables and a `publication` table. No pupil-level rows; small groups suppressed. Replaced "
    "atomically, and only when no landing file is unreadable or rejected.",
)
def reporting_file(
    context: dg.AssetExecutionContext, warehouse: WarehouseSettings
) -> dg.MaterializeResult:
    settings = warehouse.settings()
    _ = warehouse_models  # lineage: every published relation is a dbt asset upstream
    checks = []
    for key in [REPORTING_FILE, *_published_keys()]:
        record = context.instance.get_latest_materialization_event(key)
        if record is not None and record.run_id == context.run.run_id:
            checks.append({"asset": key.to_user_string(), "materialized_in_run": True})
    try:
        with warehouse_lock(settings.data_dir, context.log.info):
            result = publish(
                settings,
                published_relations(_manifest()),
                run_id=context.run.run_id,
                checks=checks,
                min_group_size=settings.min_group_size,
            )
    except PublishBlockedError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
    context.log.info(
        f"published version {result.version} to {result.path}: "
        f"{len(result.tables)} tables, {result.suppressed_cells} small-group rows suppressed"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "version": result.version,
            "source_files": result.source_files,
            "small_group_rows_suppressed": result.suppressed_cells,
            "provisional_years": ", ".join(str(y) for y in result.provisional_years) or "none",
            "quality_report": dg.MetadataValue.path(str(result.quality_report)),
            "tables": dg.MetadataValue.md(
                "| table | rows |\n|---|---|\n"
                + "\n".join(f"| {t} | {n} |" for t, n in result.tables.items())
            ),
        }
    )


PUBLIC_EXPORT = dg.AssetKey(["reporting", "public_export"])


@dg.asset(
    key=PUBLIC_EXPORT,
    deps=[REPORTING_FILE],
    group_name="reporting",
    kinds={"csv", "excel"},
    description="The open-data export (default data/public/): one CSV per public table, one "
    "XLSX workbook and a README, built from the reporting file with small cells suppressed "
    "(counts under 5 as '<5', complementary suppression, shares and means over 10+ pupils; "
    "DOMAIN §8 rule 5). Refused when the C15 check finds a cell that could single out a "
    "pupil. Tables and columns are declared in the models' `meta.public`.",
)
def public_export(
    context: dg.AssetExecutionContext, warehouse: WarehouseSettings
) -> dg.MaterializeResult:
    from orchestration.pipeline.progress import PROGRESS
    from orchestration.publishing.disclosure import DisclosureError, public_tables, write_export

    def progress(line: str) -> None:
        context.log.info(line)
        PROGRESS.say(line)  # the terminal of `msoko refresh|demo`

    settings = warehouse.settings()
    try:
        with warehouse_lock(settings.data_dir, context.log.info):
            result = write_export(
                settings.reporting_path,
                settings.data_dir / "public",
                public_tables(_manifest()),
                progress=progress,
            )
    except DisclosureError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "publication_version": result.version,
            "cells_under_threshold": result.primary,
            "cells_hidden_as_complements": result.complementary,
            "shares_means_hidden": result.rates_hidden,
            "tables": dg.MetadataValue.md(
                "| table | rows |\n|---|---|\n"
                + "\n".join(f"| {t} | {n} |" for t, n in result.tables.items())
            ),
        }
    )

"""The reporting file as an asset: gate, build, verify, swap (``orchestration.publishing.reporting_file``)."""

from pathlib import Path

import dagster as dg

from ingestion.config import Settings
from orchestration.defs.transform import TRANSLATOR, warehouse_models
from orchestration.pipeline.fingerprint import built_fingerprint
from orchestration.pipeline.locking import warehouse_lock
from orchestration.pipeline.progress import Progress
from orchestration.publishing.dbt_meta import (
    DBT_MANIFEST,
    dbt_manifest,
    public_tables,
    published_nodes,
    published_relations,
)
from orchestration.publishing.disclosure import DisclosureError, DisclosureRules
from orchestration.publishing.gate import PublishBlockedError
from orchestration.publishing.open_data import write_export
from orchestration.publishing.reporting_file import publish
from orchestration.publishing.store import share_outputs

REPORTING_FILE = dg.AssetKey(["reporting", "reporting_file"])
QUALITY_REPORT = dg.AssetKey(["reporting", "quality_report"])
ANALYTICAL_NOTE = dg.AssetKey(["reporting", "analytical_note"])
DBT_DOCS = dg.AssetKey(["reporting", "dbt_docs"])


def _published_keys() -> list[dg.AssetKey]:
    keys = [TRANSLATOR.get_asset_key(node) for node in published_nodes(dbt_manifest(DBT_MANIFEST))]
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
    context: dg.AssetExecutionContext, settings: dg.ResourceParam[Settings]
) -> dg.MaterializeResult:
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
                published_relations(dbt_manifest(DBT_MANIFEST)),
                run_id=context.run.run_id,
                checks=checks,
                build_fingerprint=built_fingerprint(settings),
                progress=context.log.info,
            )
    except PublishBlockedError as exc:
        # the quality report says why, and is what people read first
        context.log_event(_quality_report_written(settings.reports_dir, published=False))
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
    context.log_event(_quality_report_written(settings.reports_dir, published=True))
    context.log.info(
        f"published version {result.version} to {result.path}: "
        f"{len(result.tables)} tables, {result.suppressed_cells} small-group rows suppressed"
        + (
            f"; tenant files: {sum(t.rebuilt for t in result.tenants)} rebuilt, "
            f"{sum(not t.rebuilt for t in result.tenants)} unchanged"
            if result.tenants
            else ""
        )
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "version": result.version,
            "source_files": result.source_files,
            "small_group_rows_suppressed": result.suppressed_cells,
            "provisional_years": ", ".join(str(y) for y in result.provisional_years) or "none",
            "tenant_files_rebuilt": sum(t.rebuilt for t in result.tenants),
            "tenant_files_unchanged": sum(not t.rebuilt for t in result.tenants),
            "quality_report": dg.MetadataValue.path(str(result.quality_report)),
            "tables": dg.MetadataValue.md(
                "| table | rows |\n|---|---|\n"
                + "\n".join(f"| {t} | {n} |" for t, n in result.tables.items())
            ),
        }
    )


PUBLIC_EXPORT = dg.AssetKey(["reporting", "public_export"])
_SEED = DisclosureRules.from_seed()  # what the asset's description quotes


@dg.asset(
    key=PUBLIC_EXPORT,
    deps=[REPORTING_FILE],
    group_name="reporting",
    kinds={"csv", "excel"},
    description="The open-data export (default data/public/): one CSV per public table, one "
    "XLSX workbook and a README, built from the reporting file with small cells suppressed "
    f"(counts under {_SEED.min_count} as '{_SEED.primary}', complementary suppression, shares "
    f"and means over {_SEED.min_share_base}+ pupils; the seed `disclosure_parameters`, "
    "DOMAIN §8 rule 5). Refused when the C15 check finds a cell that could single out a "
    "pupil. Tables and columns are declared in the models' `meta.public`.",
)
def public_export(
    context: dg.AssetExecutionContext,
    settings: dg.ResourceParam[Settings],
    progress: dg.ResourceParam[Progress],
) -> dg.MaterializeResult:
    def say(line: str) -> None:
        context.log.info(line)
        progress.say(line)  # the terminal of `msoko refresh|demo`

    try:
        with warehouse_lock(settings.data_dir, context.log.info):
            result = write_export(
                settings.reporting_path,
                settings.data_dir / "public",
                public_tables(dbt_manifest(DBT_MANIFEST)),
                progress=say,
            )
            share_outputs(settings.data_dir, settings.reports_dir, settings.publish_group)
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


# What people read, written outside the build: the quality report (by the publish step, also
# when it refuses), the analytical note (`msoko note`, the end of `make demo`) and the dbt docs
# site (`msoko docs`). Declared as assets downstream of the reporting file so that lineage
# reaches them in the Dagster UI (dbt docs shows the same as exposures); each writer reports
# its materialization.
REPORT_SPECS = [
    dg.AssetSpec(
        QUALITY_REPORT,
        deps=[REPORTING_FILE],
        group_name="reporting",
        kinds={"html"},
        description="The data quality report (data/reports/quality_report.html and .md): what "
        "is missing, waived, provisional or refused, the changes against the previous "
        "publication, the files not read, the failed runs. Written by every publish attempt.",
    ),
    dg.AssetSpec(
        ANALYTICAL_NOTE,
        deps=[REPORTING_FILE],
        group_name="reporting",
        kinds={"html", "excel"},
        description="The analytical note of a municipality or a school for an academic year "
        "(data/reports/notes/: HTML and XLSX), from the published file only; written by "
        "`msoko note` and at the end of `make demo`.",
    ),
    dg.AssetSpec(
        DBT_DOCS,
        deps=[REPORTING_FILE],
        group_name="reporting",
        kinds={"html"},
        description="The dbt documentation site as one offline HTML file "
        "(data/docs/dbt_docs.html): every model, column description and exposure; written by "
        "`msoko docs`.",
    ),
]


def _quality_report_written(reports_dir: Path, *, published: bool) -> dg.AssetMaterialization:
    return dg.AssetMaterialization(
        QUALITY_REPORT,
        metadata={
            "path": dg.MetadataValue.path(str(reports_dir / "quality_report.html")),
            "published": published,
        },
    )


def report_written(instance: dg.DagsterInstance, key: dg.AssetKey, path: Path) -> None:
    """Record in the instance that ``msoko`` wrote one of the ``REPORT_SPECS`` outside a run."""
    instance.report_runless_asset_event(
        dg.AssetMaterialization(key, metadata={"path": dg.MetadataValue.path(str(path))})
    )

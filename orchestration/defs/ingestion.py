"""Raw assets: one per source, partitioned by academic year, each with its arrival checks.

An asset materialisation runs ``orchestration.pipeline.partition.ingest_partition`` for each academic year
of the run (the years with files to read in parallel processes: ``ingest_partitions``) (a backfill of a range of years is one run: ``BackfillPolicy.single_run``). It writes
immutable Parquet to the lake and never opens the warehouse, so any number of these steps can
run in parallel processes beside dbt. The source's suite (``expectations.suites``) runs before
the partition's manifest switches to the new file versions; its checks are reported as Dagster
asset checks, the ``error`` ones blocking.
"""

from collections.abc import Iterator
from typing import Any

import dagster as dg

from expectations.suites import SUITES, run_suite
from ingestion.config import Settings
from ingestion.engine import Reader
from ingestion.landing import scan_landing
from ingestion.sources import READERS
from orchestration.defs.partitions import academic_year_partitions
from orchestration.pipeline.partition import PartitionResult, ingest_partitions
from orchestration.pipeline.progress import Progress, report_files

RAW_GROUP = "raw"
INGEST_RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)


def raw_asset_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", source, READERS[source].table])


def _check_specs(source: str) -> list[dg.AssetCheckSpec]:
    suite = SUITES.get(source)
    if suite is None:
        return []
    return [
        dg.AssetCheckSpec(
            name=check.name,
            asset=raw_asset_key(source),
            description=check.description,
            blocking=check.severity == "error",
        )
        for check in suite.checks
    ]


def _check_results(source: str, results: list[PartitionResult]) -> list[dg.AssetCheckResult]:
    """One result per check over all academic years of the run: failed if any year failed."""
    suite = SUITES.get(source)
    if suite is None:
        return []
    out = []
    for check in suite.checks:
        outcomes = [(r.academic_year, o) for r in results for o in r.checks if o.name == check.name]
        failed = [(y, o) for y, o in outcomes if not o.passed]
        out.append(
            dg.AssetCheckResult(
                check_name=check.name,
                asset_key=raw_asset_key(source),
                passed=not failed,
                severity=(
                    dg.AssetCheckSeverity.ERROR
                    if check.severity == "error"
                    else dg.AssetCheckSeverity.WARN
                ),
                description=check.description,
                metadata={
                    "academic_years_checked": ", ".join(str(y) for y, _ in outcomes) or "none",
                    "failing_rows": sum(o.failing_count for _, o in failed),
                    "failures": dg.MetadataValue.md(
                        "\n".join(f"- {y}: {o.summary()}" for y, o in failed) or "none"
                    ),
                },
            )
        )
    return out


def _metadata(results: list[PartitionResult]) -> dict[str, Any]:
    totals = {k: sum(r.totals()[k] for r in results) for k in results[0].totals()}
    rows = [
        f"| {r.academic_year} | {'committed' if r.committed else 'REJECTED'} | "
        f"{len(r.current_versions)} | {len(r.new_versions)} | {r.totals()['rows_read']} | "
        f"{r.totals()['rows_loaded']} | {r.totals()['rows_quarantined']} | "
        f"{r.totals()['rows_skipped']} |"
        for r in results
    ]
    table = "\n".join(
        [
            "| year | manifest | files | new | read | loaded | quarantined | skipped |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    return {
        **{k: dg.MetadataValue.int(v) for k, v in totals.items()},
        "academic_years": ", ".join(str(r.academic_year) for r in results),
        "rejected_years": ", ".join(str(r.academic_year) for r in results if not r.committed)
        or "none",
        "summary": dg.MetadataValue.md(table),
    }


def build_raw_asset(reader: Reader) -> dg.AssetsDefinition:
    source = reader.name

    @dg.asset(
        key=raw_asset_key(source),
        partitions_def=academic_year_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        check_specs=_check_specs(source),
        group_name=RAW_GROUP,
        kinds={"python", "parquet"},
        retry_policy=INGEST_RETRY,
        description=f"{reader.title}. Grain: {reader.grain}. Landing folder `{source}/`; "
        "immutable Parquet per academic year and file version in the lake.",
        metadata={"landing_folder": source, "pupil_level": reader.pupil_level},
    )
    def _raw(
        context: dg.AssetExecutionContext,
        settings: dg.ResourceParam[Settings],
        progress: dg.ResourceParam[Progress],
    ) -> Iterator[dg.MaterializeResult]:
        entries = scan_landing(settings, source, progress.stages)
        results = []
        for result in ingest_partitions(
            settings,
            source,
            [int(key) for key in context.partition_keys],
            run_suite=run_suite,
            entries=entries,
            run_id=context.run.run_id,
            log=context.log.info,
            stages=progress.stages,
        ):
            report_files(progress, result.files, result.new_versions, context.log.info)
            for line in result.describe().splitlines()[1:]:
                context.log.warning(line.strip())
            results.append(result)
        yield dg.MaterializeResult(
            metadata=_metadata(results), check_results=_check_results(source, results)
        )

    return _raw


raw_assets = [build_raw_asset(reader) for reader in READERS.values()]

"""Run a suite — GX expectations on a DataFrame, or SQL checks in DuckDB — into plain results.

GX's SQL datasource over duckdb-engine returns no rows (great_expectations#11579), so GX runs on
DataFrames fetched from DuckDB: aggregates, or one partition. Pupil-level tables, which can
hold millions of rows, are checked with SQL in DuckDB instead. Both give ``CheckOutcome``s
carrying the file, sheet and row of a few failing rows, never a personal value.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import duckdb

from ingestion.engine import fetch_one

Severity = Literal["error", "warn"]
LINEAGE = ("source_file", "source_sheet", "source_row")
MAX_EXAMPLES = 20


@dataclass(frozen=True)
class Check:
    """One property of arriving data. ``expectation`` builds the GX expectation lazily."""

    name: str
    description: str
    severity: Severity
    expectation: Callable[[Any], Any] | None = None  # gx module -> Expectation
    sql: str | None = None  # SQL over {relation} returning the failing rows


@dataclass
class CheckOutcome:
    name: str
    description: str
    severity: Severity
    passed: bool
    failing_count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def blocks(self) -> bool:
        return self.severity == "error" and not self.passed

    def summary(self) -> str:
        if self.passed:
            return f"{self.name}: passed"
        where = "; ".join(_where(e) for e in self.examples[:5])
        return f"{self.name}: {self.failing_count} failing row(s) — {self.description}. {where}"


def _where(example: dict[str, Any]) -> str:
    place = f"{example.get('source_file')}"
    if example.get("source_sheet"):
        place += f", sheet «{example['source_sheet']}»"
    if example.get("source_row") is not None:
        place += f", row {example['source_row']}"
    details = ", ".join(
        f"{k}={v}" for k, v in example.items() if k not in LINEAGE and v is not None
    )
    return f"{place} ({details})" if details else place


def _gx():
    # GX_ANALYTICS_ENABLED=False is set by the entry point (orchestration/cli.py, the Makefile)
    import great_expectations as gx

    return gx


_GX_LOCK = threading.Lock()


@cache
def _context() -> tuple[Any, Any]:
    """One ephemeral GX context and pandas datasource for the whole process (a run), not one per
    source × academic year: creating a context costs ~1 s (12 per full build before)."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context, context.data_sources.add_pandas("arrivals")


def load_context() -> None:
    """Create the process's GX context now: worker processes forked afterwards inherit it
    instead of creating one each (``orchestration.pipeline.partition.ingest_partitions``)."""
    _context()


def _batch_definition(suite_name: str) -> Any:
    _, datasource = _context()
    try:
        asset = datasource.get_asset(suite_name)
    except LookupError:
        asset = datasource.add_dataframe_asset(suite_name)
    try:
        return asset.get_batch_definition("whole")
    except KeyError:
        return asset.add_batch_definition_whole_dataframe("whole")


def validate_frame(frame, checks: Sequence[Check], suite_name: str) -> list[CheckOutcome]:
    """Validate a pandas DataFrame with the GX expectations of ``checks`` (in the process's one
    GX context)."""
    gx = _gx()
    with _GX_LOCK:
        return _validate(gx, frame, checks, suite_name)


def _validate(gx, frame, checks: Sequence[Check], suite_name: str) -> list[CheckOutcome]:
    batch_definition = _batch_definition(suite_name)
    suite = gx.ExpectationSuite(name=suite_name)
    gx_checks = [c for c in checks if c.expectation is not None]
    for check in gx_checks:
        assert check.expectation is not None
        expectation = check.expectation(gx)
        expectation.meta = {"check_name": check.name}
        suite.add_expectation(expectation)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format="COMPLETE")
    by_name = {r.expectation_config.meta["check_name"]: r for r in result.results}
    outcomes = []
    for check in gx_checks:
        r = by_name[check.name]
        indexes = list(r.result.get("unexpected_index_list") or [])[:MAX_EXAMPLES]
        examples = [_example(frame, i) for i in indexes if isinstance(i, int)]
        outcomes.append(
            CheckOutcome(
                check.name,
                check.description,
                check.severity,
                bool(r.success),
                int(r.result.get("unexpected_count") or (0 if r.success else 1)),
                examples,
            )
        )
    return outcomes


def _example(frame, index: int) -> dict[str, Any]:
    row = frame.loc[index]
    return {k: (None if _isna(v) else v) for k, v in row.items()}


def _isna(value: Any) -> bool:
    try:
        return bool(value != value) or value is None
    except (TypeError, ValueError):
        return False


def run_sql_checks(
    con: duckdb.DuckDBPyConnection, relation: str, checks: Sequence[Check]
) -> list[CheckOutcome]:
    """Run the SQL checks of ``checks`` against ``relation`` (a table or view in ``con``)."""
    outcomes = []
    for check in checks:
        if check.sql is None:
            continue
        failing = f"({check.sql.format(relation=relation)})"
        count = fetch_one(con, f"select count(*) from {failing}")[0]
        examples = []
        if count:
            cursor = con.execute(f"select * from {failing} limit {MAX_EXAMPLES}")
            names = [d[0] for d in cursor.description]
            examples = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        outcomes.append(
            CheckOutcome(check.name, check.description, check.severity, count == 0, count, examples)
        )
    return outcomes

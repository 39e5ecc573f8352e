"""Published municipal tables (aggregates) as they arrive (GX, DataFrame).

Cells that are not numbers are quarantined by the reader; here: a cell of a table is loaded
once (a file read twice, or two columns mapped to one metric, would double a figure), a count
is never negative, and a reported percent lies within 0–100.
"""

from __future__ import annotations

from expectations.runner import Check

FRAME_SQL = """
select source_file, source_sheet, source_row, source_column, metric, value_count, pct_reported
from {relation}
"""

CHECKS = (
    Check(
        "cell_loaded_once",
        "a cell of a published table is loaded once",
        "error",
        lambda gx: gx.expectations.ExpectCompoundColumnsToBeUnique(
            column_list=["source_file", "source_sheet", "source_row", "source_column"]
        ),
    ),
    Check(
        "counts_not_negative",
        "counts are not negative",
        "error",
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(column="value_count", min_value=0),
    ),
    Check(
        "reported_percent_in_range",
        "a reported percent lies within 0–100",
        "warn",
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(
            column="pct_reported", min_value=0, max_value=100
        ),
    ),
)

"""Plan/fact forms of programme indicators as they arrive (GX, DataFrame).

An indicator appears once per form (territory × programme × period); a form has a period and a
territory; a share in % lies within 0–100 (DOMAIN §9 C4 range checks, as a warning: some
growth-rate indicators in % exceed 100); an indicator row states a plan (a value, a target or
a qualitative statement) — a missing plan is a warning, since the achievement of such a row
cannot be evaluated.
"""

from __future__ import annotations

from expectations.runner import Check

FRAME_SQL = """
select source_file, source_sheet, source_row, territory_name, programme_title, period_type,
       period_start,
       upper(replace(replace(replace(indicator_number, '.', ''), ' ', ''), 'P', 'П'))
           as indicator_code,
       case when unit = '%' then fact end as fact_pct,
       (plan is not null or plan_text is not null or plan_missing is distinct from 'empty')
           as has_plan
from {relation}
"""

CHECKS = (
    Check(
        "indicator_once_per_form",
        "an indicator number appears once per form (territory × programme × period)",
        "error",
        lambda gx: gx.expectations.ExpectCompoundColumnsToBeUnique(
            column_list=[
                "source_file",
                "source_sheet",
                "territory_name",
                "programme_title",
                "period_start",
                "indicator_code",
            ]
        ),
    ),
    Check(
        "period_stated",
        "the form states its period",
        "error",
        lambda gx: gx.expectations.ExpectColumnValuesToNotBeNull(column="period_type"),
    ),
    Check(
        "share_within_0_100",
        "C4: a fact in % lies within 0–100 (growth rates may exceed it: warning)",
        "warn",
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(
            column="fact_pct", min_value=0, max_value=100
        ),
    ),
    Check(
        "plan_stated",
        "an indicator row states its plan (value, target or statement)",
        "warn",
        lambda gx: gx.expectations.ExpectColumnValuesToBeInSet(column="has_plan", value_set=[True]),
    ),
)

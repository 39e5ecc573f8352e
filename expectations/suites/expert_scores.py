"""Expert scoring sheets of the mechanisms evaluation as they arrive (GX, DataFrame).

Points within 0 … maximum are enforced per row by the reader (quarantine); here: an evaluation
position is scored once per entity (a duplicate would be counted twice in every roll-up), and
an entity is scored in all 8 directions (a missing direction lowers its maximum and biases its
index upwards, which makes the ranking unfair: warning).
"""

from __future__ import annotations

from expectations.runner import Check

FRAME_SQL = """
select source_file, source_sheet, source_row, entity_name, direction_name, component_name,
       position_text,
       count(distinct regexp_extract(direction_name, '^\\s*(\\d)', 1))
           over (partition by entity_name) as directions_scored
from {relation}
"""

CHECKS = (
    Check(
        "position_scored_once",
        "an evaluation position is scored once per entity and year",
        "error",
        lambda gx: gx.expectations.ExpectCompoundColumnsToBeUnique(
            column_list=["entity_name", "direction_name", "component_name", "position_text"]
        ),
    ),
    Check(
        "all_directions_scored",
        "each entity is scored in all 8 directions (seed 004)",
        "warn",
        lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(
            column="directions_scored", min_value=8, max_value=8
        ),
    ),
)

"""The arrival checks' runner: one Great Expectations context serves a whole run.

A GX context costs about a second to create; a full build validates a dozen source × academic
year partitions (BENCHMARKS.md: 14–16 s of contexts). The runner keeps one per process, and a
partition's outcome must still be its own: failures of one frame never leak into the next.
"""

from __future__ import annotations

import great_expectations as gx
import pandas as pd
import pytest

from expectations import runner
from expectations.runner import Check, validate_frame

NOT_NULL = Check(
    "school_code_present",
    "every row names its school",
    "error",
    expectation=lambda gx: gx.expectations.ExpectColumnValuesToNotBeNull(column="school_code"),
)
IN_RANGE = Check(
    "score_in_range",
    "scores are 0–100",
    "warn",
    expectation=lambda gx: gx.expectations.ExpectColumnValuesToBeBetween(
        column="score", min_value=0, max_value=100
    ),
)


def test_every_partition_of_a_run_is_validated_in_one_great_expectations_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    created = []
    real = gx.get_context

    def counting(*args, **kwargs):
        created.append(kwargs.get("mode"))
        return real(*args, **kwargs)

    monkeypatch.setattr(gx, "get_context", counting)
    if hasattr(runner, "_context"):
        runner._context.cache_clear()  # as a new run's process starts
    good = pd.DataFrame(
        {"school_code": ["101", "102"], "score": [55, 100], "source_file": ["a.csv", "a.csv"]}
    )
    bad = pd.DataFrame(
        {
            "school_code": ["101", None, "103"],
            "score": [55, 101, 7],
            "source_file": ["b.csv"] * 3,
            "source_row": [4, 5, 6],
        }
    )

    # three partitions of two sources, as one ingest run meets them
    first = validate_frame(good, [NOT_NULL, IN_RANGE], "exam_results")
    second = validate_frame(bad, [NOT_NULL, IN_RANGE], "exam_results")
    third = validate_frame(good, [NOT_NULL], "schools")

    assert created == ["ephemeral"], "one context for the run, not one per partition"
    assert [(o.name, o.passed) for o in first] == [
        ("school_code_present", True),
        ("score_in_range", True),
    ]
    # the second frame's failures are its own, with the row they were found at
    assert [(o.name, o.passed, o.failing_count) for o in second] == [
        ("school_code_present", False, 1),
        ("score_in_range", False, 1),
    ]
    assert second[0].examples[0]["source_row"] == 5 and second[0].blocks
    assert second[1].examples[0]["source_row"] == 5 and not second[1].blocks
    # and they do not follow the next partition
    assert [(o.name, o.passed, o.failing_count) for o in third] == [
        ("school_code_present", True, 0)
    ]

"""One table across scales from ``<out>/<scale>/results.json`` (for BENCHMARKS.md).

    python -m bench.report [--out build/bench]

A scale whose run was stopped early shows the figures it measured and "not measured" for the
rest.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ingestion.config import PROJECT_ROOT

SCALES = ("municipality", "region", "country")
MISSING = "not measured"


def _get(r: dict[str, Any], path: str) -> Any:
    data: Any = r
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _num(value: Any, digits: int = 1, suffix: str = "") -> str:
    if value is None:
        return MISSING
    if isinstance(value, int):
        return f"{value:,}{suffix}"
    return f"{value:,.{digits}f}{suffix}"


def _pct(value: Any) -> str:
    return MISSING if value is None else f"{100 * value:.1f} %"


ROWS: list[tuple[str, Any]] = [
    (
        "schools / municipalities / regions",
        lambda r: "{:,} / {:,} / {}".format(
            r["generated"]["schools"], r["generated"]["municipalities"], r["generated"]["regions"]
        ),
    ),
    (
        "pupil result rows (ЕГЭ + ОГЭ, 3 years)",
        lambda r: _num(r["generated"]["rows"]["ege_rcoi"] + r["generated"]["rows"]["oge_rcoi"]),
    ),
    (
        "CSV files / xlsx files",
        lambda r: "{:,} / {:,}".format(
            r["generated"]["files"]["ege_rcoi"] + r["generated"]["files"]["oge_rcoi"],
            r["generated"]["files"]["registry"] + r["generated"]["files"]["vpr_fisoko"],
        ),
    ),
    ("**full build, ours** (s)", lambda r: _num(_get(r, "full_build.seconds"))),
    ("**floor** (s)", lambda r: _num(_get(r, "floor.seconds"))),
    ("**ours / floor**", lambda r: _num(_get(r, "ours_vs_floor.overall"), 2)),
    (
        "ingest, ours / floor parse (s)",
        lambda r: "{} / {} = {}".format(
            _num(_get(r, "full_build.stages.ingest")),
            _num(_get(r, "floor.stages.parse")),
            _num(_get(r, "ours_vs_floor.ingest_vs_parse"), 2),
        ),
    ),
    (
        "checks, ours / floor (s)",
        lambda r: "{} / {} = {}".format(
            _num(_get(r, "full_build.stages.checks")),
            _num(_get(r, "floor.stages.checks"), 2),
            _num(_get(r, "ours_vs_floor.checks_vs_checks"), 0),
        ),
    ),
    (
        "dbt, ours / floor transform (s)",
        lambda r: "{} / {} = {}".format(
            _num(_get(r, "full_build.stages.dbt")),
            _num(_get(r, "floor.stages.transform")),
            _num(_get(r, "ours_vs_floor.dbt_vs_transform"), 1),
        ),
    ),
    (
        "publish, ours / floor (s)",
        lambda r: "{} / {} = {}".format(
            _num(_get(r, "full_build.stages.publish")),
            _num(_get(r, "floor.stages.publish")),
            _num(_get(r, "ours_vs_floor.publish_vs_publish"), 1),
        ),
    ),
    (
        "orchestration, rest of our wall time (s)",
        lambda r: _num(_get(r, "full_build.stages.orchestration")),
    ),
    (
        "peak memory, process tree, ours / floor (MiB)",
        lambda r: "{} / {}".format(
            _num(_get(r, "full_build.peak_rss_tree_mib"), 0),
            _num(_get(r, "floor.peak_rss_tree_mib"), 0),
        ),
    ),
    (
        "max RSS of one process, ours / floor (MiB)",
        lambda r: "{} / {}".format(
            _num(_get(r, "full_build.max_rss_single_mib"), 0),
            _num(_get(r, "floor.max_rss_single_mib"), 0),
        ),
    ),
    (
        "output equals the floor (EXCEPT ALL both ways)",
        lambda r: (
            MISSING
            if not r.get("equality")
            else "; ".join(
                f"{t.split('.')[1]}: {'yes' if v['equal'] else 'NO'} ({v['rows_ours']:,} rows)"
                for t, v in r["equality"].items()
            )
        ),
    ),
    (
        "`msoko refresh`, no new file (s, share of full)",
        lambda r: "{} ({})".format(
            _num(_get(r, "incremental.refresh_no_change.seconds")),
            _pct(_get(r, "incremental.refresh_no_change.ratio_to_full")),
        ),
    ),
    (
        "`nightly_refresh` tick, no new file (s, share)",
        lambda r: "{} ({})".format(
            _num(_get(r, "incremental.nightly_tick_no_change.seconds")),
            _pct(_get(r, "incremental.nightly_tick_no_change.ratio_to_full")),
        ),
    ),
    (
        "`msoko refresh`, one new school file (s, share)",
        lambda r: "{} ({})".format(
            _num(_get(r, "incremental.refresh_one_new_file.seconds")),
            _pct(_get(r, "incremental.refresh_one_new_file.ratio_to_full")),
        ),
    ),
    (
        "fixed overhead: refresh on an empty landing (s)",
        lambda r: _num(_get(r, "fixed_overhead.empty_landing_refresh_seconds")),
    ),
    (
        "— load Dagster definitions / cold dbt parse (s)",
        lambda r: "{} / {}".format(
            _num(_get(r, "fixed_overhead.load_definitions_seconds")),
            _num(_get(r, "fixed_overhead.dbt_parse_cold_seconds")),
        ),
    ),
    (
        "xlsx: ours read_batch (files/s, rows/s)",
        lambda r: "{} / {}".format(
            _num(_get(r, "spreadsheets.ours.files_per_s")),
            _num(_get(r, "spreadsheets.ours.rows_per_s"), 0),
        ),
    ),
    (
        "xlsx: fastest raw reader alone (files/s, rows/s)",
        lambda r: (
            MISSING
            if not r.get("spreadsheets")
            else "{} / {} ({})".format(
                _num(
                    r["spreadsheets"]["raw"]["readers"][r["spreadsheets"]["raw"]["fastest"]][
                        "files_per_s"
                    ]
                ),
                _num(
                    r["spreadsheets"]["raw"]["readers"][r["spreadsheets"]["raw"]["fastest"]][
                        "rows_per_s"
                    ],
                    0,
                ),
                r["spreadsheets"]["raw"]["fastest"],
            )
        ),
    ),
    (
        "xlsx: ours / raw reader (read only; with sniff)",
        lambda r: "{}; {}".format(
            _pct(_get(r, "spreadsheets.ratio_rows_per_s")),
            _pct(_get(r, "spreadsheets.ratio_rows_per_s_with_sniff")),
        ),
    ),
]


def table(out: Path) -> str:
    results = {}
    for scale in SCALES:
        path = out / scale / "results.json"
        if path.exists():
            results[scale] = json.loads(path.read_text())
    header = "| measure | " + " | ".join(results) + " |"
    lines = [header, "|---|" + "---:|" * len(results)]
    for label, fn in ROWS:
        cells = []
        for r in results.values():
            try:
                cells.append(str(fn(r)))
            except (KeyError, TypeError):
                cells.append(MISSING)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "build" / "bench")
    args = parser.parse_args(argv)
    print(table(args.out))


if __name__ == "__main__":
    main()

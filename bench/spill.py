"""DuckDB spilling exercised: a full build with a low ``memory_limit``, its output compared
with the floor's.

    python -m bench.spill --scale region --memory-limit 96MB [--out build/bench]

Needs a finished ``bench.run`` of the same scale (its landing folder and the floor's published
file). Runs ``msoko refresh --all`` on an empty data folder ``<out>/<scale>/spill/`` with
``MSOKO_DUCKDB_MEMORY_LIMIT`` set low for ingestion, dbt and the publish step, and ``TMPDIR``
inside that folder. While it runs, the DuckDB temporary files under it (dbt's and the
publish step's ``data/duckdb_tmp``, the ingestion workers' private ``…/spill`` folders) are
sampled every 50 ms: "spilled" means DuckDB wrote temporary files. Written to
``<out>/<scale>/spill/spill.json``; BENCHMARKS.md quotes it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from bench import proc
from bench.compare import compare
from bench.run import PY, bench_env
from ingestion.config import PROJECT_ROOT

SAMPLE_SECONDS = 0.05


def _temp_files(root: Path) -> list[Path]:
    """DuckDB's temporary files under ``root`` (it names them duckdb_temp_…)."""
    return [p for p in root.rglob("duckdb_temp*") if p.is_file()]


def run_spill(scale_root: Path, memory_limit: str) -> dict[str, Any]:
    landing = scale_root / "landing"
    floor = scale_root / "floor" / "reporting.duckdb"
    if not landing.is_dir() or not floor.exists():
        raise SystemExit(f"run `python -m bench.run --scale …` first: {landing}, {floor}")
    root = scale_root / "spill"
    shutil.rmtree(root, ignore_errors=True)
    (root / "dagster_home").mkdir(parents=True)
    (root / "tmp").mkdir()
    env = bench_env(root, landing, memory_limit) | {"TMPDIR": str(root / "tmp")}
    seen: dict[str, int] = {}
    peak = {"bytes": 0, "files": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            total = 0
            files = _temp_files(root)
            for path in files:
                try:
                    size = path.stat().st_size
                except OSError:
                    continue
                total += size
                name = path.relative_to(root).as_posix()
                seen[name] = max(size, seen.get(name, 0))
            peak["bytes"] = max(peak["bytes"], total)
            peak["files"] = max(peak["files"], len(files))
            time.sleep(SAMPLE_SECONDS)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    try:
        result = proc.run(
            [PY, "-m", "orchestration.cli", "refresh", "--all"],
            env=env,
            cwd=PROJECT_ROOT,
            log=root / "refresh.log",
        )
    finally:
        stop.set()
        watcher.join()
    out: dict[str, Any] = {
        "command": f"MSOKO_DUCKDB_MEMORY_LIMIT={memory_limit} msoko refresh --all",
        "memory_limit": memory_limit,
        "returncode": result.returncode,
        "seconds": result.seconds,
        "peak_rss_tree_mib": result.peak_rss_tree_mib,
        "max_rss_single_mib": result.max_rss_single_mib,
        "temp_bytes_peak": peak["bytes"],
        "temp_files_peak": peak["files"],
        "temp_files_seen": len(seen),
        "temp_folders": sorted({str(Path(p).parent) for p in seen}),
        "spilled": bool(seen),
        "temp_files_left": [p.relative_to(root).as_posix() for p in _temp_files(root)],
    }
    if result.returncode == 0:
        out["equality"] = compare(root / "data" / "reporting.duckdb", floor)
    else:
        out["output_tail"] = result.output[-3000:]
    (root / "spill.json").write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["municipality", "region", "country"], required=True)
    parser.add_argument("--memory-limit", default="96MB")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "build" / "bench")
    args = parser.parse_args()
    out = run_spill(args.out / args.scale, args.memory_limit)
    print(json.dumps({k: v for k, v in out.items() if k != "output_tail"}, indent=1, default=str))
    if out.get("output_tail"):
        print(out["output_tail"])
    raise SystemExit(0 if out["returncode"] == 0 and out["spilled"] else 1)


if __name__ == "__main__":
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    main()

"""The benchmark: our pipeline, through Dagster as users run it, against the floor.

    python -m bench.run --scale municipality|region|country [--seed 42] [--out build/bench]

Everything lives under ``<out>/<scale>/`` (landing folder, data folder, Dagster instance, the
floor's files); the repository's ``data/``, ``landing/`` and ``dagster_home/`` are never
touched. Steps:

1. generate the landing folder (``bench.scale_generator``), unless ``--reuse-landing`` and
   the folder was generated with the same scale and seed;
2. full build: ``msoko refresh --all`` (``python -m orchestration.cli``, wrapped by
   ``bench.timed_cli`` for stage timers) on an empty data folder and Dagster instance;
3. the floor (``bench/floor.sql`` via ``bench.floor``) on the same landing folder;
4. our published marts against the floor's: ``EXCEPT ALL`` both ways must be empty;
5. incremental: ``msoko refresh`` with no new file, the ``nightly_refresh`` schedule's tick
   with no new file, then ``msoko refresh`` after one new school file (``late/``);
6. fixed overhead: ``msoko refresh --all`` on an empty landing folder; loading the Dagster
   definitions; a cold ``dbt parse``; a bare Python start;
7. spreadsheets: the raw readers alone on the same xlsx files as our ingestion read.

Results: ``<out>/<scale>/results.json`` and ``results.md`` (see BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench import proc
from bench.compare import compare
from bench.spreadsheets import raw_throughput
from ingestion.config import PROJECT_ROOT, Settings

PY = sys.executable
XLSX_SOURCES = ("registry", "vpr_fisoko")
AS_OF_DATE = "2023-01-31"


def bench_env(root: Path, landing: Path, memory_limit: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MSOKO_") and k not in ("DAGSTER_HOME", "DBT_PROFILES_DIR")
    }
    env.update(
        {
            "MSOKO_DEMO": "1",
            "MSOKO_DATA_DIR": str(root / "data"),
            "MSOKO_LANDING_DIR": str(landing),
            "DAGSTER_HOME": str(root / "dagster_home"),
            # The generated data hold no plan/fact indicator forms (the `indicators` source):
            # judge completeness on a day before the first of them is due, so that their
            # absence makes the publication provisional instead of refusing it.
            "MSOKO_AS_OF_DATE": os.environ.get("MSOKO_AS_OF_DATE", AS_OF_DATE),
            "GX_ANALYTICS_ENABLED": "False",
            "DO_NOT_TRACK": "1",
        }
    )
    for key in (
        "MSOKO_DEFAULT_REGION",
        "MSOKO_DUCKDB_MEMORY_LIMIT",
        "MSOKO_DUCKDB_THREADS",
    ):
        if key in os.environ:
            env[key] = os.environ[key]
    if memory_limit:
        env["MSOKO_DUCKDB_MEMORY_LIMIT"] = memory_limit
    return env


def _log(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", flush=True)


def timed_refresh(root: Path, env: dict[str, str], name: str, *args: str) -> dict[str, Any]:
    timings = root / "timings" / f"{name}.json"
    timings.parent.mkdir(parents=True, exist_ok=True)
    result = proc.run(
        [PY, "-m", "bench.timed_cli", str(timings), *args],
        env=env,
        cwd=PROJECT_ROOT,
        log=root / "logs" / f"{name}.log",
    )
    data = json.loads(timings.read_text()) if timings.exists() else {}
    return {
        "command": "msoko " + " ".join(args),
        "returncode": result.returncode,
        "seconds": result.seconds,
        "peak_rss_tree_mib": result.peak_rss_tree_mib,
        "max_rss_single_mib": result.max_rss_single_mib,
        "peak_rss_by_process_mib": result.peak_rss_by_process_mib,
        "timings": data,
        "output_tail": result.output[-3000:],
    }


def _union_seconds(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for a, b in sorted(intervals):
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


def _ts(value: str | None) -> float | None:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() if value else None


def stages_of(run: dict[str, Any]) -> dict[str, Any]:
    """Our stage times from the Dagster event log, the timers and dbt's run_results.json.

    - ingest: the CLI's landing scan + the raw assets' steps + the warehouse job's landing-scan
      step, minus the arrival checks;
    - checks: the arrival checks (timed around the suites; wall-clock union, as the years of a
      source run in parallel worker processes) + dbt's data and unit tests (wall-clock union
      of their execution intervals);
    - dbt: the dbt step minus its tests;
    - publish: the reporting-file step;
    - orchestration: the rest of the wall time (Python and Dagster start-up, loading the
      definitions, run bookkeeping between steps).
    """
    t = run["timings"]
    events = t.get("events", [])
    runs = t.get("runs", [])
    steps = [s for r in runs for s in r["steps"]]

    def step_seconds(pred) -> float:
        return sum(s["seconds"] for s in steps if pred(s["step_key"]))

    ingest_steps = step_seconds(lambda k: k.startswith("raw__"))
    scan_step = step_seconds(lambda k: k.startswith("lake__"))
    dbt_step = step_seconds(lambda k: k == "warehouse_models")
    publish_step = step_seconds(lambda k: k.startswith("reporting__"))
    first_run = min((r["start"] for r in runs if r["start"]), default=None)
    cli_scan = sum(
        e["seconds"]
        for e in events
        if e["what"] == "scan_landing" and (first_run is None or e["start"] < first_run)
    )
    # the years of a source are ingested by parallel worker processes: their checks overlap
    arrival = _union_seconds(
        [(e["start"], e["start"] + e["seconds"]) for e in events if e["what"] == "arrival_checks"]
    )
    tests = [
        (a, b)
        for r in t.get("dbt", [])
        if r["resource_type"] in ("test", "unit_test")
        for a, b in [(_ts(r["started_at"]), _ts(r["completed_at"]))]
        if a is not None and b is not None
    ]
    dbt_tests = _union_seconds(tests)
    stages = {
        "ingest": cli_scan + ingest_steps - arrival + scan_step,
        "checks": arrival + dbt_tests,
        "dbt": dbt_step - dbt_tests,
        "publish": publish_step,
    }
    stages["orchestration"] = run["seconds"] - sum(stages.values())
    read = [e for e in events if e["what"] == "read_batch"]
    return {
        "stages": stages,
        "detail": {
            "cli_landing_scan": cli_scan,
            "ingest_steps": ingest_steps,
            "read_batch": sum(e["seconds"] for e in read),
            "sniff": sum(e["seconds"] for e in events if e["what"] == "sniff"),
            "lake_writes": sum(e["seconds"] for e in events if e["what"] == "lake_write"),
            "arrival_checks": arrival,
            "landing_scan_step": scan_step,
            "dbt_step": dbt_step,
            "dbt_tests_wall": dbt_tests,
            "dbt_nodes": len(t.get("dbt", [])),
            "publish_step": publish_step,
            "dagster_runs": [
                {
                    "job": r["job"],
                    "status": r["status"],
                    "seconds": (r["end"] or 0) - (r["start"] or 0),
                }
                for r in runs
            ],
        },
    }


def spreadsheet_figures(run: dict[str, Any], landing: Path) -> dict[str, Any]:
    events = run["timings"].get("events", [])
    ours_read = [e for e in events if e["what"] == "read_batch" and e["source"] in XLSX_SOURCES]
    ours_sniff = [e for e in events if e["what"] == "sniff" and e["source"] in XLSX_SOURCES]
    files = sum(e["files"] for e in ours_read)
    rows = sum(e["rows_read"] for e in ours_read)
    read_s = sum(e["seconds"] for e in ours_read)
    sniff_s = sum(e["seconds"] for e in ours_sniff)
    paths = sorted(p for s in XLSX_SOURCES for p in (landing / s).rglob("*.xlsx"))
    raw = raw_throughput(paths)
    best = raw["readers"][raw["fastest"]]
    ours = {
        "files": files,
        "rows": rows,
        "read_batch_seconds": read_s,
        "sniff_seconds": sniff_s,
        "files_per_s": files / read_s if read_s else None,
        "rows_per_s": rows / read_s if read_s else None,
        "rows_per_s_with_sniff": rows / (read_s + sniff_s) if read_s else None,
    }
    return {
        "ours": ours,
        "raw": raw,
        "ratio_rows_per_s": (ours["rows_per_s"] or 0) / best["rows_per_s"],
        "ratio_rows_per_s_with_sniff": (ours["rows_per_s_with_sniff"] or 0) / best["rows_per_s"],
        "raw_rows_match": best["rows"] == rows,
    }


def fixed_overhead(root: Path, env: dict[str, str]) -> dict[str, Any]:
    empty = root / "empty"
    if empty.exists():
        shutil.rmtree(empty)
    (empty / "landing").mkdir(parents=True)
    (empty / "dagster_home").mkdir(parents=True)
    env_empty = bench_env(empty, empty / "landing", env.get("MSOKO_DUCKDB_MEMORY_LIMIT"))
    refresh = timed_refresh(empty, env_empty, "empty_refresh", "refresh", "--all")
    out: dict[str, Any] = {
        "empty_landing_refresh_seconds": refresh["seconds"],
        "empty_landing_refresh_returncode": refresh["returncode"],
        "empty_landing_refresh_stages": stages_of(refresh)["stages"],
    }
    python = proc.run([PY, "-c", "pass"], env=env, cwd=PROJECT_ROOT)
    out["python_start_seconds"] = python.seconds
    load = proc.run(
        [PY, "-c", "import orchestration.definitions"],
        env=env,
        cwd=PROJECT_ROOT,
        log=root / "logs" / "load_definitions.log",
    )
    out["load_definitions_seconds"] = load.seconds
    target = root / "dbt_parse_target"
    dbt = Path(PY).parent / "dbt"
    parse = proc.run(
        [
            str(dbt),
            "parse",
            "--project-dir",
            str(PROJECT_ROOT / "dbt_project"),
            "--profiles-dir",
            str(PROJECT_ROOT / "dbt_project"),
            "--target-path",
            str(target),
            "--no-partial-parse",
            "--quiet",
        ],
        env=env,
        cwd=PROJECT_ROOT,
        log=root / "logs" / "dbt_parse.log",
    )
    out["dbt_parse_cold_seconds"] = parse.seconds
    out["dbt_parse_returncode"] = parse.returncode
    shutil.rmtree(target, ignore_errors=True)
    return out


def machine() -> dict[str, Any]:
    import dagster
    import duckdb
    import fastexcel

    mem = 0
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    from importlib.metadata import version

    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dagster": dagster.__version__,
        "dbt_core": version("dbt-core"),
        "dbt_duckdb": version("dbt-duckdb"),
        "fastexcel": fastexcel.__version__,
        "python_calamine": version("python-calamine"),
        "pyarrow": version("pyarrow"),
        "load_average_at_start": os.getloadavg(),
        "git_head": _git("rev-parse", "HEAD"),
        "git_uncommitted_paths": len(_git("status", "--short").splitlines()),
    }


def _git(*args: str) -> str:
    import subprocess

    result = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True)
    if result.returncode != 0:  # a `git archive` snapshot: CODE_VERSION says which commit
        version = PROJECT_ROOT / "CODE_VERSION"
        return (
            version.read_text().strip() + " (snapshot)"
            if args[0] == "rev-parse" and version.exists()
            else ""
        )
    return result.stdout.strip()


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def run_bench(
    scale: str,
    seed: int,
    out: Path,
    *,
    reuse_landing: bool = False,
    memory_limit: str | None = None,
) -> dict[str, Any]:
    from bench import scale_generator as gen

    root = (out / scale).resolve()
    landing = root / "landing"
    root.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "scale": scale,
        "seed": seed,
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "duckdb_memory_limit": memory_limit or Settings.from_env().duckdb_memory_limit,
        "peak_memory_method": proc.__doc__,
    }
    generated = root / "generated.json"
    summary = json.loads(generated.read_text()) if generated.exists() else {}
    if reuse_landing and summary.get("scale") == scale and summary.get("seed") == seed:
        _log(f"reusing {landing}")
        for late in (root / "late").rglob("*.xlsx"):
            (landing / late.relative_to(root / "late")).unlink(missing_ok=True)
    else:
        _log(f"generating {scale} into {landing}")
        summary = gen.generate(landing, scale=scale, seed=seed)
    results["generated"] = summary
    for folder in ("data", "dagster_home", "timings", "logs", "floor"):
        shutil.rmtree(root / folder, ignore_errors=True)
    (root / "dagster_home").mkdir()
    env = bench_env(root, landing, memory_limit)

    _log("full build: msoko refresh --all")
    full = timed_refresh(root, env, "full", "refresh", "--all")
    if full["returncode"] != 0:
        raise RuntimeError(f"full build failed:\n{full['output_tail']}")
    full_stages = stages_of(full)
    save(root, results | {"full_build": full_stages | {"seconds": full["seconds"]}})
    results["full_build"] = {
        k: full[k]
        for k in (
            "command",
            "seconds",
            "peak_rss_tree_mib",
            "max_rss_single_mib",
            "peak_rss_by_process_mib",
            "returncode",
        )
    } | full_stages

    _log("floor")
    floor_run = proc.run(
        [PY, "-m", "bench.floor", "--landing", str(landing), "--out", str(root / "floor")],
        env=env,
        cwd=PROJECT_ROOT,
        log=root / "logs" / "floor.log",
    ).check("floor")
    floor = json.loads((root / "floor" / "floor.json").read_text())
    results["floor"] = {
        "command": f"python -m bench.floor --landing {landing} --out {root / 'floor'}",
        "seconds": floor_run.seconds,
        "peak_rss_tree_mib": floor_run.peak_rss_tree_mib,
        "max_rss_single_mib": floor_run.max_rss_single_mib,
        **floor,
    }
    ours_s, floor_s = full_stages["stages"], floor["stages"]
    results["ours_vs_floor"] = {
        "overall": _ratio(full["seconds"], floor_run.seconds),
        "ingest_vs_parse": _ratio(ours_s["ingest"], floor_s["parse"]),
        "checks_vs_checks": _ratio(ours_s["checks"], floor_s["checks"]),
        "dbt_vs_transform": _ratio(ours_s["dbt"], floor_s["transform"]),
        "publish_vs_publish": _ratio(ours_s["publish"], floor_s["publish"]),
        "overall_without_orchestration": _ratio(
            full["seconds"] - ours_s["orchestration"], floor["seconds_in_process"]
        ),
    }

    save(root, results)
    _log("comparing our published marts with the floor's")
    results["equality"] = compare(
        root / "data" / "reporting.duckdb", root / "floor" / "reporting.duckdb"
    )

    save(root, results)
    _log("incremental: msoko refresh, no new file")
    nochange = timed_refresh(root, env, "refresh_no_change", "refresh")
    _log("incremental: nightly_refresh schedule tick, no new file")
    tick = timed_refresh(root, env, "nightly_tick_no_change", "nightly-tick")
    late_files = sorted((root / "late").rglob("*.xlsx"))
    for late in late_files:
        target = landing / late.relative_to(root / "late")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(late, target)
    _log(f"incremental: msoko refresh after one new school file ({late_files[0].name})")
    onefile = timed_refresh(root, env, "refresh_one_new_file", "refresh")
    results["incremental"] = {
        "new_file": late_files[0].relative_to(root / "late").as_posix(),
        "refresh_no_change": {
            "seconds": nochange["seconds"],
            "returncode": nochange["returncode"],
            "ratio_to_full": _ratio(nochange["seconds"], full["seconds"]),
            **stages_of(nochange),
        },
        "nightly_tick_no_change": {
            "seconds": tick["seconds"],
            "returncode": tick["returncode"],
            "tick_seconds": tick["timings"].get("tick_seconds"),
            "skipped": tick["timings"].get("skipped"),
            "skip_message": tick["timings"].get("skip_message"),
            "ratio_to_full": _ratio(tick["seconds"], full["seconds"]),
        },
        "refresh_one_new_file": {
            "seconds": onefile["seconds"],
            "returncode": onefile["returncode"],
            "ratio_to_full": _ratio(onefile["seconds"], full["seconds"]),
            **stages_of(onefile),
        },
    }

    save(root, results)
    _log("fixed overhead")
    results["fixed_overhead"] = fixed_overhead(root, env)
    save(root, results)
    _log("spreadsheets: raw readers on the same files")
    results["spreadsheets"] = spreadsheet_figures(full, landing_without_late(landing, root))
    results["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (root / "results.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1, default=str)
    )
    (root / "results.md").write_text(markdown(results))
    return results


def save(root: Path, results: dict[str, Any]) -> None:
    """Results so far (a long run that is stopped keeps what it measured)."""
    (root / "results.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1, default=str)
    )


def landing_without_late(landing: Path, root: Path) -> Path:
    """The landing folder as the full build read it (the late file is removed again)."""
    for late in (root / "late").rglob("*.xlsx"):
        (landing / late.relative_to(root / "late")).unlink(missing_ok=True)
    return landing


def _f(value: Any, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    return f"{value:,}{unit}"


def markdown(r: dict[str, Any]) -> str:
    g, full, fl = r["generated"], r["full_build"], r["floor"]
    vs, inc, ov, sp = r["ours_vs_floor"], r["incremental"], r["fixed_overhead"], r["spreadsheets"]
    eq = r["equality"]
    s, fs = full["stages"], fl["stages"]
    best = sp["raw"]["readers"][sp["raw"]["fastest"]]
    lines = [
        f"# Benchmark: {r['scale']} scale (seed {r['seed']}), {r['started_at']}",
        "",
        f"Machine: {r['machine']['cpus']} CPUs, {r['machine']['memory_gib']} GiB; "
        f"DuckDB {r['machine']['duckdb']}, Dagster {r['machine']['dagster']}, "
        f"dbt-core {r['machine']['dbt_core']}; DuckDB memory_limit {r['duckdb_memory_limit']}.",
        "",
        f"Data: {g['regions']} region(s), {g['municipalities']:,} municipalities, "
        f"{g['schools']:,} schools, {len(g['academic_years'])} academic years; files "
        + ", ".join(f"{k} {v:,}" for k, v in g["files"].items())
        + "; rows "
        + ", ".join(f"{k} {v:,}" for k, v in g["rows"].items())
        + f"; generated in {g['seconds']} s.",
        "",
        "| measure | ours | floor | ours / floor |",
        "|---|---:|---:|---:|",
        f"| end-to-end build (s) | {_f(full['seconds'])} | {_f(fl['seconds'])} | {_f(vs['overall'], 2)} |",
        f"| ingest / parse (s) | {_f(s['ingest'])} | {_f(fs['parse'])} | {_f(vs['ingest_vs_parse'], 2)} |",
        f"| checks (s) | {_f(s['checks'])} | {_f(fs['checks'])} | {_f(vs['checks_vs_checks'], 2)} |",
        f"| dbt / transform (s) | {_f(s['dbt'])} | {_f(fs['transform'])} | {_f(vs['dbt_vs_transform'], 2)} |",
        f"| publish (s) | {_f(s['publish'])} | {_f(fs['publish'])} | {_f(vs['publish_vs_publish'], 2)} |",
        f"| orchestration, rest (s) | {_f(s['orchestration'])} | — | — |",
        f"| peak memory, process tree (MiB) | {_f(full['peak_rss_tree_mib'], 0)} | {_f(fl['peak_rss_tree_mib'], 0)} | — |",
        f"| max RSS, largest single process (MiB) | {_f(full['max_rss_single_mib'], 0)} | {_f(fl['max_rss_single_mib'], 0)} | — |",
        "",
        "Largest resident set sampled per process of our full build (by the names of "
        "`ingestion.process_name`; `python` is the main process): "
        + ", ".join(
            f"{name} {_f(mib, 0)} MiB"
            for name, mib in (full.get("peak_rss_by_process_mib") or {}).items()
            if mib >= 1
        )
        + ".",
        "",
        "Output equals the floor's (`EXCEPT ALL` both ways): "
        + "; ".join(
            f"`{t}` {'yes' if v['equal'] else 'NO'} ({v['rows_ours']:,} rows, "
            f"{v['columns_compared']} columns; ours−floor {v['ours_except_floor']}, "
            f"floor−ours {v['floor_except_ours']})"
            for t, v in eq.items()
        ),
        "",
        "| incremental / overhead | seconds | share of the full build |",
        "|---|---:|---:|",
        f"| `msoko refresh`, no new file | {_f(inc['refresh_no_change']['seconds'])} | {_f(100 * inc['refresh_no_change']['ratio_to_full'], 1, ' %')} |",
        f"| `nightly_refresh` schedule tick, no new file ({'skipped' if inc['nightly_tick_no_change']['skipped'] else 'run requested'}) | {_f(inc['nightly_tick_no_change']['seconds'])} | {_f(100 * inc['nightly_tick_no_change']['ratio_to_full'], 1, ' %')} |",
        f"| `msoko refresh`, one new school file | {_f(inc['refresh_one_new_file']['seconds'])} | {_f(100 * inc['refresh_one_new_file']['ratio_to_full'], 1, ' %')} |",
        f"| fixed overhead: `msoko refresh --all` on an empty landing folder | {_f(ov['empty_landing_refresh_seconds'])} | {_f(100 * ov['empty_landing_refresh_seconds'] / full['seconds'], 1, ' %')} |",
        f"| — of which: load the Dagster definitions | {_f(ov['load_definitions_seconds'])} | |",
        f"| — of which: cold `dbt parse` | {_f(ov['dbt_parse_cold_seconds'])} | |",
        f"| — Python start | {_f(ov['python_start_seconds'], 2)} | |",
        "",
        "| spreadsheets (registry + ВПР xlsx) | files | rows | seconds | files/s | rows/s |",
        "|---|---:|---:|---:|---:|---:|",
        f"| ours: `read_batch` (to typed rows) | {sp['ours']['files']:,} | {sp['ours']['rows']:,} | {_f(sp['ours']['read_batch_seconds'])} | {_f(sp['ours']['files_per_s'])} | {_f(sp['ours']['rows_per_s'], 0)} |",
        f"| ours: + sniff in the landing scan | | | {_f(sp['ours']['read_batch_seconds'] + sp['ours']['sniff_seconds'])} | | {_f(sp['ours']['rows_per_s_with_sniff'], 0)} |",
    ]
    for name, v in sp["raw"]["readers"].items():
        lines.append(
            f"| raw reader alone: {name} | {v['files']:,} | {v['rows']:,} | {_f(v['seconds'])} | "
            f"{_f(v['files_per_s'])} | {_f(v['rows_per_s'], 0)} |"
        )
    lines += [
        "",
        f"Ours / fastest raw reader ({sp['raw']['fastest']}, {_f(best['rows_per_s'], 0)} rows/s): "
        f"{_f(100 * sp['ratio_rows_per_s'], 1, ' %')} (read only), "
        f"{_f(100 * sp['ratio_rows_per_s_with_sniff'], 1, ' %')} (with the sniff).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=["municipality", "region", "country"], required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "build" / "bench")
    parser.add_argument(
        "--reuse-landing",
        action="store_true",
        help="keep <out>/<scale>/landing when it was generated with the same scale and seed",
    )
    parser.add_argument(
        "--memory-limit",
        default=None,
        help="DuckDB memory_limit for ingestion, dbt and the floor (MSOKO_DUCKDB_MEMORY_LIMIT)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    results = run_bench(
        args.scale,
        args.seed,
        args.out,
        reuse_landing=args.reuse_landing,
        memory_limit=args.memory_limit,
    )
    print(markdown(results))
    _log(f"done in {time.monotonic() - started:.0f} s: {args.out / args.scale / 'results.md'}")
    equal = all(v["equal"] for v in results["equality"].values())
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())

"""Run the floor (``bench/floor.sql``) over a landing folder and time its stages.

    python -m bench.floor --landing build/bench/region/landing --out build/bench/region/floor

Parse stage, Python part: the РЦОИ CSV files are transcoded from Windows-1251 to UTF-8 (DuckDB
reads only UTF-8/Latin-1 without the ``encodings`` extension, which cannot be installed here)
and the xlsx workbooks are read with fastexcel (calamine) into Arrow — both in one process per
core; the rest is SQL. The pseudonymisation secret comes from the same place as the pipeline's
(``MSOKO_PSEUDONYM_SECRET``, or the demo secret with ``MSOKO_DEMO=1``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingestion.config import Settings
from ingestion.layout import region_from_path
from ingestion.privacy import hmac_pads
from orchestration.publishing.disclosure import DisclosureRules

SQL_PATH = Path(__file__).with_name("floor.sql")
SEEDS = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"
SEED_SQL = {
    "seed_subject_fct_codes": "select assessment_code, fct_code, subject_code from {csv}",
    "seed_ege_min_scores": "select cast(academic_year as integer) as academic_year, "
    "subject_code, cast(min_score as integer) as min_score, cast(min_mark as integer) as min_mark "
    "from {csv}",
    "seed_ege_score_bands": "select cast(academic_year as integer) as academic_year, "
    "cast(mid_band_from as integer) as mid_band_from, cast(high_band_from as integer) "
    "as high_band_from, cast(top_score as integer) as top_score from {csv}",
    "seed_assessments": "select assessment_code, cast(level_grade as integer) as level_grade "
    "from {csv}",
    "seed_subject_aliases": "select alias_key, subject_code from {csv}",
}


def _transcode(job: tuple[str, str]) -> None:
    source, target = job
    data = Path(source).read_bytes()
    Path(target).write_bytes(data.decode("cp1251").encode("utf-8"))


def _read_workbooks(job: tuple[list[str], list[str], list[str]]) -> pa.Table:
    import fastexcel

    paths, names, regions = job
    tables = []
    for path, name, region in zip(paths, names, regions, strict=True):
        sheet = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string")
        table = sheet.to_arrow()
        if isinstance(table, pa.RecordBatch):
            table = pa.Table.from_batches([table])
        table = table.rename_columns([f"c{i}" for i in range(table.num_columns)])
        title = table.column(0)[0].as_py() if table.num_rows else None
        n = table.num_rows
        table = table.append_column("source_file", pa.array([name] * n, pa.string()))
        table = table.append_column("region_code", pa.array([region] * n, pa.string()))
        table = table.append_column("title", pa.array([title] * n, pa.string()))
        tables.append(table)
    if not tables:
        return pa.table({"c0": pa.array([], pa.string())})
    return pa.concat_tables(tables, promote_options="permissive")


def _region(landing: Path, path: Path, default: str) -> str:
    return region_from_path(path.relative_to(landing).parts[1:-1]) or default


def _chunks(items: list[Any], n: int) -> list[list[Any]]:
    size = max(1, -(-len(items) // n))
    return [items[i : i + size] for i in range(0, len(items), size)]


def run_floor(
    landing: Path,
    out: Path,
    *,
    workers: int | None = None,
    memory_limit: str | None = None,
    min_group: int | None = None,
) -> dict[str, Any]:
    started = time.monotonic()
    workers = workers or os.cpu_count() or 1
    settings = Settings.from_env()
    default_region = settings.default_region
    memory_limit = memory_limit or settings.duckdb_memory_limit
    min_group = min_group or DisclosureRules.from_seed().min_count
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    stages: dict[str, float] = {}
    ipad, opad = hmac_pads(settings.secret())
    con = duckdb.connect(str(out / "floor.duckdb"))
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute(f"set temp_directory = '{out / 'duckdb_tmp'}'")
    con.execute("set preserve_insertion_order = false")
    sections = _sections(SQL_PATH.read_text(encoding="utf-8"))
    # inputs carry names: the UTF-8 copies live outside the build folder and are deleted
    scratch = Path(tempfile.mkdtemp(prefix="msoko-floor-"))
    try:
        t0 = time.monotonic()
        csvs = sorted(
            p
            for source in ("ege_rcoi", "oge_rcoi")
            for p in (landing / source).rglob("*")
            if p.suffix.lower() == ".csv"
        )
        jobs = [(str(p), str(scratch / f"{i}.csv")) for i, p in enumerate(csvs)]
        books: dict[str, list[Path]] = {
            source: sorted(p for p in (landing / source).rglob("*.xlsx"))
            for source in ("registry", "vpr_fisoko")
        }
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_transcode, jobs, chunksize=8))
            cells = {}
            for source, paths in books.items():
                parts = [
                    (
                        [str(p) for p in chunk],
                        [p.relative_to(landing).as_posix() for p in chunk],
                        [_region(landing, p, default_region) for p in chunk],
                    )
                    for chunk in _chunks(paths, workers * 4)
                ]
                cells[source] = pa.concat_tables(
                    list(pool.map(_read_workbooks, parts)), promote_options="permissive"
                )
        files = pa.table(
            {
                "path": [j[1] for j in jobs],
                "source_file": [p.relative_to(landing).as_posix() for p in csvs],
                "source_name": [p.relative_to(landing).parts[0] for p in csvs],
                "region_code": [_region(landing, p, default_region) for p in csvs],
            }
        )
        con.register("exam_csv_files_arrow", files)
        con.execute("create or replace table exam_csv_files as select * from exam_csv_files_arrow")
        con.register("registry_cells", cells["registry"])
        con.register("vpr_cells", cells["vpr_fisoko"])
        for name, sql in SEED_SQL.items():
            stem = name.removeprefix("seed_")
            csv = f"read_csv('{SEEDS / (stem + '.csv')}', header = true, all_varchar = true)"
            con.execute(f"create or replace table {name} as {sql.format(csv=csv)}")
        stages["parse_python"] = time.monotonic() - t0
        params = {
            "ipad": ipad,
            "opad": opad,
            "min_group": min_group,
        }
        replacements = {
            "__REPORTING__": str(out / "reporting.duckdb"),
        }
        file_list = "[" + ", ".join(f"'{j[1]}'" for j in jobs) + "]"
        replacements["(select list(path order by path) from exam_csv_files)"] = file_list
        for stage, statements in sections:
            t = time.monotonic()
            for statement in statements:
                for old, new in replacements.items():
                    statement = statement.replace(old, new)
                used = {k: v for k, v in params.items() if f"${k}" in statement}
                con.execute(statement, used or None)
            stages[stage] = time.monotonic() - t
            if stage == "parse":
                stages["parse"] += stages.pop("parse_python")
                shutil.rmtree(scratch, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    failures = con.execute("select check_name, failing from floor_check_failures").fetchall()
    counts = {
        "exam_result_rows": con.execute("select count(*) from exam_result").fetchone()[0],  # type: ignore[index]
        "fct_assessment_result_rows": con.execute(
            "select count(*) from fct_assessment_result"
        ).fetchone()[0],  # type: ignore[index]
        "mart_school_scorecard_rows": con.execute(
            "select count(*) from mart_school_scorecard"
        ).fetchone()[0],  # type: ignore[index]
        "csv_files": len(csvs),
        "xlsx_files": sum(len(v) for v in books.values()),
    }
    con.close()
    result: dict[str, Any] = {
        "seconds_in_process": time.monotonic() - started,
        "stages": stages,
        "checks": {name: failing for name, failing in failures},
        "counts": counts,
        "reporting": str(out / "reporting.duckdb"),
        "workers": workers,
        "memory_limit": memory_limit,
    }
    bad = {k: v for k, v in result["checks"].items() if v}
    if bad:
        raise RuntimeError(f"floor: blocking checks failed: {bad}")
    return result


def _sections(text: str) -> list[tuple[str, list[str]]]:
    """``-- stage: name`` sections, each a list of statements (comment lines removed)."""
    out: list[tuple[str, list[str]]] = []
    current: list[str] = []
    name = None
    for line in text.splitlines():
        match = re.match(r"--\s*stage:\s*(\w+)", line)
        if match:
            if name:
                out.append((name, _statements(current)))
            name, current = match[1], []
        elif not line.lstrip().startswith("--"):
            current.append(line)
    if name:
        out.append((name, _statements(current)))
    return out


def _statements(lines: list[str]) -> list[str]:
    text = "\n".join(lines)
    return [s.strip() for s in re.split(r";\s*\n", text + "\n") if s.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    result = run_floor(args.landing.resolve(), args.out.resolve(), workers=args.workers)
    (args.out / "floor.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""The tenant step at country scale, on a synthetic version: a published regional version
(``data/reporting/current`` of ``make demo``) replicated ``--copies`` times — every school,
municipality and file renamed per copy — so that 4 demo municipalities × 575 copies give the
≈2,300 municipalities of the country. Times ``publish_tenants`` (municipality tenants) twice:
everything new, then nothing changed.

    .venv/bin/python -m bench.tenants_scale --regional data/reporting/current --copies 575 \\
        --out build/bench_tenants

Not the whole pipeline at country scale (``bench/run.py --scale country`` is): the regional
publication is taken as given; this measures what tenants add to it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import time
from pathlib import Path

import duckdb

from ingestion.config import Settings
from orchestration.publishing.store import PublishedTable
from orchestration.publishing.tenants import publish_tenants

KEYED = ("school_id", "municipality_id", "municipality_name", "msu_code", "source_file")


def replicate(regional: Path, out: Path, copies: int, con: duckdb.DuckDBPyConnection) -> None:
    for path in sorted(regional.glob("*/*.parquet")):
        target = out / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        cols = [
            d[0] for d in con.execute(f"select * from read_parquet('{path}') limit 0").description
        ]
        if path.stem == "publication" or not any(
            c in KEYED or c.endswith("_school_id") for c in cols
        ):
            shutil.copyfile(path, target)
            continue
        select = []
        for c in cols:
            if c == "school_id" or c.endswith("_school_id") or c in ("municipality_id", "msu_code"):
                select.append(f'case when k = 0 then "{c}" else "{c}" || \'.\' || k end as "{c}"')
            elif c == "municipality_name":
                select.append(f'case when k = 0 then "{c}" else "{c}" || \' \' || k end as "{c}"')
            elif c == "source_file":
                select.append(
                    f'case when k = 0 then "{c}" else \'c\' || k || \'/\' || "{c}" end as "{c}"'
                )
            else:
                select.append(f'"{c}"')
        con.execute(
            f"copy (select {', '.join(select)} from read_parquet('{path}'), range({copies}) as t(k)) "
            f"to '{target}' (format parquet, compression zstd)"
        )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--regional", type=Path, required=True)
    p.add_argument("--copies", type=int, default=575)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument(
        "--again",
        action="store_true",
        help="reuse --out as a previous run left it: only the 'nothing changed' pass",
    )
    args = p.parse_args()
    data = args.out / "data"
    version = data / "reporting" / "v000001"
    if not args.again:
        shutil.rmtree(args.out, ignore_errors=True)
    con = duckdb.connect()
    con.execute("set memory_limit = '4GB'")
    con.execute(f"set temp_directory = '{args.out / 'duckdb_tmp'}'")
    started = time.monotonic()
    if not args.again:
        replicate(args.regional.resolve(), version, args.copies, con)
    municipalities = con.execute(
        f"select count(*) from read_parquet('{version}/marts/dim_municipality.parquet')"
    ).fetchone()[0]  # type: ignore[index]
    schools, results = con.execute(
        f"select (select count(*) from read_parquet('{version}/marts/dim_school.parquet')), "
        f"(select count(*) from read_parquet('{version}/marts/fct_assessment_result.parquet'))"
    ).fetchone()  # type: ignore[misc]
    print(
        f"synthetic version: {municipalities} municipalities, {schools} schools, "
        f"{results} fct_assessment_result rows ({time.monotonic() - started:.0f} s to build)",
        flush=True,
    )
    record = con.execute(
        f"select * from read_parquet('{version}/main/publication.parquet') "
        "order by version desc limit 1"
    ).fetchone()
    names = [d[0] for d in con.description]
    row = dict(zip(names, record or [], strict=False))
    files = [
        {**f, "source_file": (f"c{k}/" if k else "") + f["source_file"]}
        for f in json.loads(row.get("source_files") or "[]")
        for k in range(args.copies)
    ]
    tables = [PublishedTable(p.parent.name, p.stem) for p in sorted(version.glob("*/*.parquet"))]
    settings = dataclasses.replace(
        Settings.from_env(), data_dir=data, tenants=("municipality",), tenant_group=None
    )
    for attempt in ("nothing changed",) if args.again else ("all new", "nothing changed"):
        started = time.monotonic()
        results_ = publish_tenants(settings, con, version, tables, row, files)
        rebuilt = sum(r.rebuilt for r in results_)
        print(
            f"{attempt}: {len(results_)} municipality tenants, {rebuilt} rebuilt, "
            f"{time.monotonic() - started:.0f} s",
            flush=True,
        )
    size = sum(p.stat().st_size for p in (data / "tenants").rglob("*") if p.is_file())
    print(f"tenant files: {size / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()

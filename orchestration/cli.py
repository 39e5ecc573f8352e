"""``msoko`` — run the warehouse from the command line, through Dagster.

    msoko demo                       generate the demo landing data, run everything, print figures
    msoko refresh                    ingest new/changed files, rebuild, publish (what the nightly does)
    msoko backfill --from 2021 --to 2023 [--source ege_rcoi]
                                     re-ingest a range of academic years as one run, then publish
    msoko status                     what the published reporting file holds

Every run is a Dagster run recorded in ``$DAGSTER_HOME`` (see it in ``make ui``).
"""

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from ingestion.config import PROJECT_ROOT, Settings
from ingestion.engine import fetch_one

DAGSTER_YAML = """\
# Written by `msoko` when missing. One writer for the warehouse file is ensured by a file lock
# (orchestration/locking.py), which survives killed runs; ingestion writes only Parquet.
telemetry:
  enabled: false
run_retries:
  enabled: true
  max_retries: 1
"""


def dagster_instance() -> dg.DagsterInstance:
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / "dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    return dg.DagsterInstance.get()


def _defs():
    from orchestration.definitions import defs

    return defs


# Dagster's console logger says DEBUG by default: every event of every step.
QUIET = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def run_ingest(
    instance: dg.DagsterInstance, years: Sequence[int], sources: Sequence[str] = ()
) -> bool:
    """One ``ingest_job`` run over the academic years ``years`` (a contiguous range)."""
    from ingestion.landing import scan_landing
    from orchestration.defs.automation import range_tags
    from orchestration.defs.ingestion import raw_asset_key
    from orchestration.defs.transform import add_year_partitions
    from orchestration.pipeline.progress import PROGRESS, files_to_read

    add_year_partitions(instance, list(years))
    settings = Settings.from_env()
    PROGRESS.start(
        files_to_read(settings, scan_landing(settings, write_index=False), years, sources)
    )
    job = _defs().resolve_job_def("ingest_job")
    selection = [raw_asset_key(s) for s in sources] or None
    result = job.execute_in_process(
        instance=instance,
        run_config=QUIET,
        tags={**range_tags(list(years)), "msoko/trigger": "cli"},
        asset_selection=selection,
        raise_on_error=False,
    )
    print(PROGRESS.summary(), flush=True)
    return result.success


def run_warehouse(instance: dg.DagsterInstance) -> bool:
    job = _defs().resolve_job_def("warehouse_job")
    print(
        "building the warehouse (dbt build), publishing the reporting file and the public export…",
        flush=True,
    )
    result = job.execute_in_process(
        instance=instance, run_config=QUIET, tags={"msoko/trigger": "cli"}, raise_on_error=False
    )
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data:
                error = event.step_failure_data.error
                message = error.message.strip() if error else ""
                print(f"FAILED {event.step_key}: {message[:3000]}", file=sys.stderr)
    return result.success


def landing_refused(settings: Settings) -> bool:
    """Refuse the run (reason printed and in the quality report) when the landing folder is
    missing, unreadable or empty: never read it as "every file was removed"."""
    from ingestion.landing import landing_problem
    from orchestration.publishing.reporting_file import PublishBlockedError, refuse

    problem = landing_problem(settings.landing_dir)
    if problem is None:
        return False
    try:
        refuse(settings, [problem])
    except PublishBlockedError as exc:
        print(exc, file=sys.stderr)
    return True


def refresh(settings: Settings, instance: dg.DagsterInstance, *, everything: bool = False) -> bool:
    """Ingest what changed (or every year), rebuild the warehouse, publish."""
    from ingestion.landing import academic_years, scan_landing
    from orchestration.pipeline.planning import plan_ingestion

    if landing_refused(settings):
        return False
    entries = scan_landing(settings)
    plan = plan_ingestion(settings, entries)
    for e in plan.not_placed:
        print(f"not loaded: {e.source_file}: {e.error}", file=sys.stderr)
    for e in entries:
        if e.ignored_reason:
            print(f"{e.source_file}: {e.ignored_reason}", file=sys.stderr)
    years = academic_years(entries) if everything else plan.years
    ingest_ok = True
    if years:
        print(f"ingesting academic years {min(years)}–{max(years)}")
        ingest_ok = run_ingest(instance, years)
        if not ingest_ok:
            print(
                "ingestion reported blocking check failures (see `make ui`, or the quarantine "
                "and manifest in the warehouse); the warehouse is rebuilt without the rejected "
                "versions and publishing is refused",
                file=sys.stderr,
            )
    else:
        print("no new or changed landing files")
    return run_warehouse(instance) and ingest_ok


def headline(settings: Settings) -> str:
    """A few figures from the published file, read the way an analyst would (read-only)."""
    con = duckdb.connect(str(settings.reporting_path), read_only=True)
    try:

        def q(sql: str, parameters: list[Any] | None = None) -> Any:
            return con.execute(sql, parameters or [])

        version, published_at, provisional = fetch_one(
            con,
            "select version, published_at, provisional_years from publication "
            "order by version desc limit 1",
        )
        lines = [
            f"Reporting file: {settings.reporting_path}",
            f"  publication version {version}, {published_at:%Y-%m-%d %H:%M} UTC"
            + (f"; PROVISIONAL academic years: {provisional}" if provisional else ""),
            f"  quality report: {settings.reports_dir / 'quality_report.html'}",
            "  open it read-only:  duckdb -readonly " + str(settings.reporting_path),
            "",
        ]
        schools, municipalities = fetch_one(
            con, "select count(*), count(distinct municipality_name) from marts.dim_school"
        )
        lines.append(f"  {schools} schools in {municipalities} municipalities")
        for year, n, vpr2, ege_below, ege_n in q(
            """
            select y.academic_year, count(distinct s.school_id),
                   round(sum(s.vpr_math_pct_mark2 * s.vpr_math_participants_count)
                         / nullif(sum(case when s.vpr_math_pct_mark2 is not null
                                           then s.vpr_math_participants_count end), 0), 1),
                   sum(f.below_min_count), sum(f.participants_count)
            from marts.dim_academic_year as y
            join marts.mart_school_scorecard as s on s.academic_year = y.academic_year
            left join marts.fct_assessment_result as f
              on f.school_year_key = s.school_year_key and f.assessment_code = 'ege'
             and f.subject_code = 'rus'
            group by y.academic_year order by y.academic_year
            """
        ).fetchall():
            label = f"{year}/{str(year + 1)[2:]}"
            lines.append(
                f"  {label}: {n} schools; ВПР mathematics, share of «2»: {vpr2}%; "
                f"ЕГЭ Russian below the minimum: {ege_below} of {ege_n}"
                " (published groups of 5+)"
            )
        for row in q(
            """
            select municipality_name, programme_code, period_start, indicators_achieved,
                   indicators_in_form, pct_achieved_strict, pct_achieved_evaluable,
                   reported_indicators_achieved, reported_indicators_total, summary_differs
            from marts.mart_indicator_achievement
            where period_type = 'calendar_year'
            qualify row_number() over (
                partition by programme_code order by period_start desc, municipality_name) = 1
            order by programme_code
            """
        ).fetchall():
            muni, programme, start, achieved, total, strict, evaluable, r_ach, r_tot, differs = row
            lines.append(
                f"  {muni}, {programme} {start:%Y}: {achieved} of {total} indicators achieved "
                f"({strict}% of all, {evaluable}% of those with data)"
                + (f"; the form says {r_ach} of {r_tot}" if differs else "")
            )
        for muni, year, index, rank, ranked, change in q(
            """
            select municipality_name, evaluation_year, index_pct, rank_in_region,
                   entities_in_region, index_pct_change
            from marts.mart_management_mechanisms
            where level = 'total'
              and academic_year = (select max(academic_year)
                                   from marts.mart_management_mechanisms)
            order by rank_in_region, municipality_name limit 1
            """
        ).fetchall():
            lines.append(
                f"  quality-management mechanisms {year} (П20): best {muni}, {index}% "
                f"(rank {rank} of {ranked}"
                + (f", {change:+.1f} points on the year)" if change is not None else ")")
            )
        lines.extend(_municipality_headline(q))
        quarantined = fetch_one(con, "select count(*) from audit.quarantine")[0]
        files, read, loaded, held, skipped = fetch_one(
            con,
            "select count(distinct source_file), sum(rows_read), sum(rows_loaded), "
            "sum(rows_quarantined), sum(rows_skipped) from audit.file_load_summary",
        )
        lines.append(
            f"  {files} files: rows read {read} = loaded {loaded} + quarantined {held} + "
            f"skipped {skipped} (audit.file_load_summary)"
        )
        lines.append(f"  {quarantined} bad cells in quarantine (audit.quarantine)")
        tables = fetch_one(
            con, "select count(*) from duckdb_tables() where database_name = current_database()"
        )[0]
        lines.append(f"  {tables} tables; start with marts.mart_school_scorecard")
        return "\n".join(lines)
    finally:
        con.close()


def _municipality_headline(q: Any) -> list[str]:
    """For the municipality of the analytical note (the first by name) and the latest year:
    the ШНОР schools with the procedures that flagged them and the schools with markers of
    non-objective results."""
    rows = q(
        "select min(municipality_name), max(academic_year) from marts.mart_shnor_risk"
    ).fetchall()
    if not rows or rows[0][0] is None:
        return []
    muni, year = rows[0]
    label = f"{year}/{str(year + 1)[2:]}"
    lines = [f"  {muni}, {label}:"]
    shnor = q(
        "select school_short_name, flagged_cells, cells_with_data, flagged_procedures "
        "from marts.mart_shnor_risk where is_shnor and municipality_name = ? "
        "and academic_year = ? order by school_short_name",
        [muni, year],
    ).fetchall()
    lines.append(f"    ШНОР (derived rule): {len(shnor)} school(s)")
    for name, flagged, cells, procedures in shnor:
        lines.append(f"      {name}: {flagged} of {cells} cells low — {procedures}")
    markers = q(
        "select school_short_name, max(school_marker_types), bool_or(is_objectivity_risk), "
        "string_agg(distinct case when is_m1_journal_mismatch then 'M1' end, ''), "
        "string_agg(distinct case when is_m2_high_not_confirmed then 'M2' end, ''), "
        "string_agg(distinct case when is_m4_sharp_change then 'M4' end, ''), "
        "string_agg(distinct case when is_m6_exam_vs_annual_mark then 'M6' end, ''), "
        "string_agg(distinct case when is_m7_medalists_low_ege then 'M7' end, ''), "
        "count(*) filter (where n_markers > 0) "
        "from marts.mart_objectivity_markers where municipality_name = ? and academic_year = ? "
        "group by school_short_name having max(n_markers) > 0 order by school_short_name",
        [muni, year],
    ).fetchall()
    lines.append(
        f"    objectivity markers (derived, not the federal list): {len(markers)} school(s)"
    )
    for name, _types, risk, m1, m2, m4, m6, m7, works in markers:
        kinds = ", ".join(k for k in (m1, m2, m4, m6, m7) if k)
        lines.append(
            f"      {name}: {kinds} in {works} work(s)" + (" — objectivity risk" if risk else "")
        )
    lines.append(
        "    reasons: marts.mart_shnor_risk.reason, marts.mart_objectivity_markers.evidence"
    )
    return lines


def demo(settings: Settings, instance: dg.DagsterInstance, *, regenerate: bool) -> bool:
    from ingestion.samples.generate import generate

    if regenerate or not any(settings.landing_dir.glob("*/*")):
        with tempfile.TemporaryDirectory() as truth:  # the demo needs no ground truth
            generated = generate(settings.landing_dir, Path(truth), seed=42, scale="demo")
        print(f"demo data: {len(generated.files)} files/sheets in {settings.landing_dir}")
    return refresh(settings, instance, everything=True)


def analytical_note(
    settings: Settings, municipality: str | None, year: int | None, school: str | None = None
) -> bool:
    """Write the analytical note (of a municipality, or of one school) from the published file;
    print where it is."""
    from orchestration.reports.note import write_note

    if not settings.reporting_path.exists():
        print("no reporting file yet: run `msoko refresh` first", file=sys.stderr)
        return False
    con = duckdb.connect(str(settings.reporting_path), read_only=True)
    try:
        municipality = (
            municipality
            or school  # a school's note needs no municipality
            or fetch_one(con, "select min(municipality_name) from marts.dim_municipality")[0]
        )
        year = year or fetch_one(con, "select max(academic_year) from marts.dim_academic_year")[0]
    finally:
        con.close()
    assert municipality is not None and year is not None
    try:
        html_path, xlsx_path = write_note(
            settings.reporting_path,
            settings.reports_dir / "notes",
            None if school else municipality,
            year,
            progress=lambda line: print(line, flush=True),
            school=school,
        )
    except ValueError as error:  # an unknown municipality, a school name that is not unique
        print(error, file=sys.stderr)
        return False
    print(f"analytical note ({municipality}, {year}/{year + 1}):\n  {html_path}\n  {xlsx_path}")
    return True


def build_docs(settings: Settings) -> Path:
    """The dbt documentation site as one self-contained HTML file (``dbt docs generate
    --static``: no server, no internet), written to ``<data>/docs/dbt_docs.html``."""
    import shutil
    import subprocess

    from orchestration.defs.resources import DBT_PROJECT_DIR
    from orchestration.pipeline.locking import warehouse_lock

    dbt = Path(sys.executable).parent / "dbt"
    with warehouse_lock(settings.data_dir):  # the catalog is read from the warehouse file
        subprocess.run(
            [
                str(dbt if dbt.exists() else "dbt"),
                "docs",
                "generate",
                "--static",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
            ],
            check=True,
        )
    target = settings.data_dir / "docs" / "dbt_docs.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DBT_PROJECT_DIR / "target" / "static_index.html", target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="msoko", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="generate the demo data and run everything")
    p_demo.add_argument("--regenerate", action="store_true", help="rewrite the demo files")
    p_refresh = sub.add_parser("refresh", help="ingest new/changed files, rebuild, publish")
    p_refresh.add_argument("--all", action="store_true", help="re-check every academic year")
    p_back = sub.add_parser("backfill", help="re-ingest a range of academic years, then publish")
    p_back.add_argument("--from", dest="year_from", type=int, required=True)
    p_back.add_argument("--to", dest="year_to", type=int, required=True)
    p_back.add_argument("--source", action="append", default=[], help="only this source")
    sub.add_parser("status", help="print what the reporting file holds")
    sub.add_parser("docs", help="build the dbt documentation site (one offline HTML file)")
    p_note = sub.add_parser(
        "note", help="the analytical note (HTML + XLSX) for a municipality or a school"
    )
    p_note.add_argument("--municipality", help="as the registry names it (default: the first)")
    p_note.add_argument("--year", type=int, help="academic start year (default: the latest)")
    p_note.add_argument(
        "--school", help="one school's note: its school_id or a part of its short name"
    )
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    os.environ.update(settings.export_env())
    started = time.monotonic()
    if args.command == "status":
        print(headline(settings))
        return 0
    if args.command == "note":
        return 0 if analytical_note(settings, args.municipality, args.year, args.school) else 1
    if args.command == "docs":
        print(f"dbt docs (open in a browser, works offline): {build_docs(settings)}")
        return 0
    instance = dagster_instance()
    if args.command == "demo":
        ok = demo(settings, instance, regenerate=args.regenerate)
    elif args.command == "refresh":
        ok = refresh(settings, instance, everything=args.all)
    elif landing_refused(settings):
        ok = False
    else:
        years = list(range(args.year_from, args.year_to + 1))
        ok = run_ingest(instance, years, args.source)
        ok = run_warehouse(instance) and ok
    print(f"done in {time.monotonic() - started:.0f} s" + ("" if ok else " — WITH FAILURES"))
    if settings.reporting_path.exists():
        print(headline(settings))
        public = settings.data_dir / "public"
        if (public / "README.md").exists():
            print(f"  open data (small cells suppressed): {public}  (README.md there)")
        if args.command == "demo" and ok:
            analytical_note(settings, None, None)  # the first municipality, the latest year
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""What the CLI prints from the published file: the headline figures, and the analytical note.

Both read the reporting file only, read-only, the way an analyst would.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import duckdb

from ingestion.config import Settings
from ingestion.engine import fetch_one
from orchestration.reports import formats
from orchestration.reports.failures import failures_dir, latest_failure
from orchestration.reports.note import write_note
from orchestration.reports.note.common import markers
from orchestration.reports.published import (
    disclosure_parameters,
    find_tenants,
    latest_publication,
    tenant_scope,
)


def last_failure_lines(settings: Settings) -> list[str]:
    """``msoko status``'s last lines: the last failed run (the failure records need no
    warehouse: a nightly that failed before publishing shows too)."""
    failure = latest_failure(failures_dir(settings.reports_dir))
    if failure is None:
        return ["  last failed run: none recorded"]
    return [
        f"  last failed run: {failure.summary()}",
        f"    records: {failures_dir(settings.reports_dir)}; details: Dagster UI → Runs → "
        f"{failure.run_id}",
    ]


def headline(settings: Settings) -> str:
    """A few figures from the published file, read the way an analyst would (read-only)."""
    con = duckdb.connect(str(settings.reporting_path), read_only=True)
    try:

        def q(sql: str, parameters: list[Any] | None = None) -> Any:
            return con.execute(sql, parameters or [])

        latest = latest_publication(con) or {}
        version, published_at, provisional = (
            latest.get("version"),
            latest.get("published_at"),
            latest.get("provisional_years"),
        )
        lines = [
            f"Reporting file: {settings.reporting_path}",
            f"  publication version {version}, "
            f"{formats.local_datetime(published_at, settings.timezone)}"
            + (f"; PROVISIONAL academic years: {provisional}" if provisional else ""),
            f"  quality report: {settings.reports_dir / 'quality_report.html'}",
            "  open it read-only:  duckdb -readonly " + str(settings.reporting_path),
            "",
        ]
        # the small-group threshold of the file (seed disclosure_parameters)
        min_count = disclosure_parameters(con)["min_count"]
        schools, municipalities = fetch_one(
            con, "select count(*), count(distinct municipality_name) from marts.dim_school"
        )
        lines.append(f"  {schools} schools in {municipalities} municipalities")
        # every share is a mart column (mart_territory_results, the region's rows)
        for year, n, vpr2, ege_below, ege_n in q(
            """
            select y.academic_year,
                   (select count(distinct s.school_id) from marts.mart_school_scorecard as s
                    where s.academic_year = y.academic_year),
                   vpr.pct_low_result, ege.below_min_count, ege.participants_count
            from marts.dim_academic_year as y
            left join marts.mart_territory_results as vpr
              on vpr.academic_year = y.academic_year and vpr.territory_level = 'region'
             and vpr.assessment_code = 'vpr' and vpr.subject_code = 'math'
            left join marts.mart_territory_results as ege
              on ege.academic_year = y.academic_year and ege.territory_level = 'region'
             and ege.assessment_code = 'ege' and ege.subject_code = 'rus'
            order by y.academic_year
            """
        ).fetchall():
            lines.append(
                f"  {formats.academic_year(year)}: {n} schools; ВПР mathematics, share of «2»: "
                f"{formats.percent(vpr2)}; ЕГЭ Russian below the minimum: "
                f"{formats.integer(ege_below)} of {formats.integer(ege_n)}"
                f" (groups of {min_count}+ pupils; marts.mart_territory_results)"
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
                f"({formats.percent(strict)} of all, {formats.percent(evaluable)} of those with "
                "data)" + (f"; the form says {r_ach} of {r_tot}" if differs else "")
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
                f"  quality-management mechanisms {year} (П20): best {muni}, "
                f"{formats.percent(index)} (rank {rank} of {ranked}"
                + (f", {formats.points(change)} on the year)" if change is not None else ")")
            )
        lines.extend(_municipality_headline(con))
        at_reading, at_warehouse, quarantined = fetch_one(
            con,
            "select count(*) filter (where quarantine_stage = 'reading'), "
            "count(*) filter (where quarantine_stage <> 'reading'), count(*) "
            "from audit.quarantine",
        )
        files, read, loaded, held, skipped = fetch_one(
            con,
            "select count(distinct source_file), sum(rows_read), sum(rows_loaded), "
            "sum(rows_quarantined), sum(rows_skipped) from audit.file_load_summary",
        )
        lines.append(
            f"  {files} files: rows read {read} = loaded {loaded} + quarantined {held} + "
            f"skipped {skipped} (audit.file_load_summary)"
        )
        lines.append(
            f"  quarantine: {at_reading} at ingestion + {at_warehouse} at the warehouse stage "
            f"(unknown schools, …) = {quarantined} in total (audit.quarantine)"
        )
        tables = fetch_one(
            con,
            "select (select count(*) from duckdb_tables() where database_name = "
            "current_database()) + (select count(*) from duckdb_views() where database_name = "
            "current_database() and not internal)",
        )[0]
        lines.append(f"  {tables} tables; start with marts.mart_school_scorecard")
        return "\n".join(lines)
    finally:
        con.close()


def _municipality_headline(con: duckdb.DuckDBPyConnection) -> list[str]:
    """For the municipality of the analytical note (the first by name) and the latest year:
    the ШНОР schools with the procedures that flagged them and the schools with markers of
    non-objective results (every marker column the mart has, read from its catalogue)."""

    def q(sql: str, parameters: list[Any] | None = None) -> Any:
        return con.execute(sql, parameters or [])

    rows = q(
        "select min(municipality_name), max(academic_year) from marts.mart_shnor_risk"
    ).fetchall()
    if not rows or rows[0][0] is None:
        return []
    muni, year = rows[0]
    lines = [f"  {muni}, {formats.academic_year(year)}:"]
    shnor = q(
        "select school_short_name, flagged_cells, cells_with_data, flagged_procedures "
        "from marts.mart_shnor_risk where is_shnor and municipality_name = ? "
        "and academic_year = ? order by school_short_name",
        [muni, year],
    ).fetchall()
    lines.append(f"    ШНОР (derived rule): {len(shnor)} school(s)")
    for name, flagged, cells, procedures in shnor:
        lines.append(f"      {name}: {flagged} of {cells} cells low — {procedures}")
    kinds = markers(con)
    flags = ", ".join(f"bool_or({column})" for column, _, _ in kinds)
    schools = q(
        f"select school_short_name, bool_or(is_objectivity_risk), {flags}, "
        "count(*) filter (where n_markers > 0) "
        "from marts.mart_objectivity_markers where municipality_name = ? and academic_year = ? "
        "group by school_short_name having max(n_markers) > 0 order by school_short_name",
        [muni, year],
    ).fetchall()
    lines.append(
        f"    objectivity markers (derived, not the federal list): {len(schools)} school(s)"
    )
    for name, risk, *on, works in schools:
        found = ", ".join(code for (_, code, _), flag in zip(kinds, on, strict=True) if flag)
        lines.append(
            f"      {name}: {found} in {works} work(s)" + (" — objectivity risk" if risk else "")
        )
    lines.append(
        "    reasons: marts.mart_shnor_risk.reason, marts.mart_objectivity_markers.evidence"
    )
    return lines


def analytical_note(
    settings: Settings, municipality: str | None, year: int | None, school: str | None = None
) -> bool:
    """Write the analytical note (of a municipality, or of one school) from the published file;
    print where it is."""
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


def tenant_status(settings: Settings, query: str) -> tuple[str, bool]:
    """``msoko status --tenant``: what one tenant's file holds (its publication, schools,
    files, tables), found by its code (27-101, a school_id) or its name."""
    found = find_tenants(settings.tenants_dir, query)
    if not found:
        return (
            f"no tenant file for «{query}» under {settings.tenants_dir} (tenant files are "
            "written when MSOKO_TENANTS is on: municipality or municipality,school)",
            False,
        )
    if len(found) > 1:
        names = "; ".join(f"{t['kind']} {t['code']} {t['name']}" for t in found)
        return f"«{query}» names {len(found)} tenants, give the code: {names}", False
    tenant = found[0]
    catalog = tenant["catalog"]
    con = duckdb.connect(str(catalog), read_only=True)
    try:
        latest = latest_publication(con) or {}
        scope = tenant_scope(latest)
        files = json.loads(latest.get("source_files") or "[]")
        tables = json.loads(latest.get("tables") or "{}")
        schools = [
            r[0]
            for r in con.execute(
                "select school_short_name from marts.dim_school order by school_short_name"
            ).fetchall()
        ]
        lines = [
            f"Tenant file ({tenant['kind']} {tenant['code']}, {tenant['name']}): {catalog}",
            f"  publication version {latest.get('version')} (from the regional version "
            f"{scope.get('regional_version')}), "
            f"{formats.local_datetime(latest.get('published_at'), settings.timezone)}",
            f"  open it read-only:  duckdb -readonly {catalog}",
            f"  SQLAlchemy (BI tools): duckdb:///{catalog}?access_mode=read_only",
            f"  {len(schools)} school(s): " + ", ".join(schools),
            f"  {len(files)} source files of its own (publication.source_files)",
            f"  {len(tables)} tables, {sum(tables.values())} rows; the largest: "
            + ", ".join(
                f"{name} {rows}" for name, rows in sorted(tables.items(), key=lambda kv: -kv[1])[:5]
            ),
        ]
        if scope.get("tables_left_out"):
            lines.append(
                "  left out (no tenant key, not reference data): "
                + ", ".join(scope["tables_left_out"])
            )
        return "\n".join(lines), True
    finally:
        con.close()


def all_school_notes(settings: Settings, municipality: str, year: int | None) -> bool:
    """``msoko note --all-schools --municipality …``: every school's note of that
    municipality, read from the municipality's own tenant file and written into its folder
    (``<tenant>/notes/``), one progress line per school."""
    found = [
        t for t in find_tenants(settings.tenants_dir, municipality) if t["kind"] == "municipality"
    ]
    if len(found) != 1:
        print(
            f"no single municipality tenant file for «{municipality}» under "
            f"{settings.tenants_dir} ({len(found)} found): publish with MSOKO_TENANTS=municipality",
            file=sys.stderr,
        )
        return False
    catalog = found[0]["catalog"]
    out_dir = catalog.parent / "notes"
    con = duckdb.connect(str(catalog), read_only=True)
    try:
        year = year or fetch_one(con, "select max(academic_year) from marts.dim_school_year")[0]
        schools = con.execute(
            "select school_id, school_short_name from marts.dim_school_year "
            "where academic_year = ? order by school_short_name, school_id",
            [year],
        ).fetchall()
    finally:
        con.close()
    failed = 0
    for number, (school_id, name) in enumerate(schools, start=1):
        try:
            html_path, _ = write_note(
                catalog, out_dir, None, year, school=school_id, timezone=settings.timezone
            )
        except ValueError as error:
            failed += 1
            print(f"[{number}/{len(schools)}] {name}: not written ({error})", flush=True)
            continue
        print(f"[{number}/{len(schools)}] {name}: {html_path.name} (+ .xlsx)", flush=True)
    print(
        f"{len(schools) - failed} of {len(schools)} school notes ({found[0]['name']}, "
        f"{year}/{year + 1}) in {out_dir}"
    )
    return failed == 0 and bool(schools)

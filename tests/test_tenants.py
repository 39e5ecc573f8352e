"""Tenant publications (issue 19, items 1–3): one file per municipality and per school, holding
only that tenant's rows, its own files and the reference data; opened as a BI tool would; not
rewritten when nothing changed; shown by ``msoko status --tenant``; the notes of every school.

One copy of the session's pipeline, one publish with ``MSOKO_TENANTS=municipality,school``
(the last test publishes once more, unchanged).
"""

from __future__ import annotations

import grp
import json
import os
import signal
import stat
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlalchemy as sa

from orchestration.publishing.tenants import REFERENCE_TABLES
from tests.conftest import PipelineRun
from tests.test_operations import PUBLISH_ONCE, python

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]

KEYS = ("school_id", "municipality_id", "municipality_name", "source_file")
FILE_AUDIT = (
    "audit.quarantine",
    "audit.file_load_summary",
    "audit.school_name_errors",
    "audit.published_aggregate_checks",
)


def _group() -> str:
    return grp.getgrgid(os.getgid()).gr_name


@pytest.fixture(scope="module")
def tenants(pipeline: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    run = pipeline.copy(tmp_path_factory.mktemp("tenants") / "run")
    run.env = {**run.env, "MSOKO_TENANTS": "municipality,school", "MSOKO_TENANT_GROUP": _group()}
    done = python(run, PUBLISH_ONCE)
    assert done.returncode == 0, done.stderr[-3000:]
    return run


def rows(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def regional_tenants(run: PipelineRun) -> list[dict[str, Any]]:
    """What the regional file says each tenant is: code, name, its schools (independently of
    the tenant publisher's rules)."""
    out = []
    for muni_id, region, msu, name in rows(
        run.reporting,
        "select municipality_id, region_code, msu_code, municipality_name "
        "from marts.dim_municipality",
    ):
        schools = rows(
            run.reporting,
            "select school_id, school_short_name, school_full_name from marts.dim_school "
            "where municipality_id = ?",
            [muni_id],
        )
        out.append(
            {
                "kind": "municipality",
                "code": f"{region}-{msu}",
                "name": name,
                "municipality_id": muni_id,
                "municipality_names": {name},
                "schools": {s[0]: s for s in schools},
            }
        )
    for school_id, short, full, name in rows(
        run.reporting,
        "select school_id, school_short_name, school_full_name, municipality_name "
        "from marts.dim_school",
    ):
        out.append(
            {
                "kind": "school",
                "code": school_id,
                "name": short,
                "municipality_id": None,
                "municipality_names": set(),
                "own_municipality": name,
                "schools": {school_id: (school_id, short, full)},
            }
        )
    return out


def catalog(run: PipelineRun, tenant: dict[str, Any]) -> Path:
    return run.data_dir / "tenants" / tenant["kind"] / tenant["code"] / "reporting.duckdb"


def views(path: Path) -> list[tuple[str, str]]:
    return rows(
        path,
        "select schema_name, view_name from duckdb_views() where not internal "
        "and database_name = current_database() order by 1, 2",
    )


def columns(path: Path, schema: str, table: str) -> dict[str, str]:
    return dict(
        rows(
            path,
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = ? and table_name = ?",
            [schema, table],
        )
    )


def own_files(path: Path) -> set[str]:
    record = rows(path, "select source_files from publication order by version desc limit 1")
    return {f["source_file"] for f in json.loads(record[0][0])}


def test_every_municipality_and_school_has_its_file_named_by_a_stable_code(
    tenants: PipelineRun,
) -> None:
    expected = regional_tenants(tenants)
    assert {t["kind"] for t in expected} == {"municipality", "school"}
    for tenant in expected:
        path = catalog(tenants, tenant)
        assert path.exists(), path
        assert path.parent.name.isascii()
        (record,) = rows(
            path, "select check_results, version from publication order by version desc limit 1"
        )
        scope = next(c for c in json.loads(record[0]) if c.get("check") == "tenant_rows")
        assert (scope["tenant_kind"], scope["tenant_code"]) == (tenant["kind"], tenant["code"])
        assert (path.parent / "reporting" / "current").is_symlink()


def test_every_row_of_a_tenant_file_is_the_tenants_own(tenants: PipelineRun) -> None:
    for tenant in regional_tenants(tenants):
        path = catalog(tenants, tenant)
        files = own_files(path)
        schools = set(tenant["schools"])
        for schema, table in views(path):
            name = f"{schema}.{table}"
            if name == "main.publication" or name in REFERENCE_TABLES:
                continue
            cols = columns(path, schema, table)
            keys = [k for k in KEYS if k in cols]
            assert keys, f"{tenant['code']}: {name} has no tenant key and is not reference data"
            for row in rows(path, f'select {", ".join(keys)} from {schema}."{table}"'):
                value = dict(zip(keys, row, strict=True))
                mine = []
                if value.get("school_id") is not None:
                    mine.append(value["school_id"] in schools)
                if tenant["kind"] == "municipality":  # a school's rows name its municipality
                    if value.get("municipality_id") is not None:
                        mine.append(value["municipality_id"] == tenant["municipality_id"])
                    if value.get("municipality_name") is not None:
                        mine.append(value["municipality_name"] in tenant["municipality_names"])
                if value.get("source_file") is not None and (name in FILE_AUDIT or not mine):
                    mine.append(value["source_file"] in files)
                assert mine and all(mine), f"{tenant['code']}: a row of {name} is not its: {value}"


def test_tenant_rows_are_the_regional_rows_suppressed_alike(tenants: PipelineRun) -> None:
    for tenant in regional_tenants(tenants):
        if tenant["kind"] != "municipality":
            continue
        con = duckdb.connect(str(catalog(tenants, tenant)), read_only=True)
        try:
            con.execute(f"attach '{tenants.reporting}' as region (read_only)")
            for table in ("fct_assessment_result", "mart_school_scorecard"):
                ids = list(tenant["schools"])
                mine = con.execute(f"select count(*) from marts.{table}").fetchone()[0]
                theirs = con.execute(
                    f"select count(*) from region.marts.{table} where list_contains(?, school_id)",
                    [ids],
                ).fetchone()[0]
                assert mine == theirs > 0
                differ = con.execute(
                    f"select count(*) from (select * from region.marts.{table} "
                    f"where list_contains(?, school_id) except all select * from marts.{table})",
                    [ids],
                ).fetchone()[0]
                assert differ == 0, table
        finally:
            con.close()


def test_files_and_audit_tables_carry_only_the_tenants_files(tenants: PipelineRun) -> None:
    municipalities = [t for t in regional_tenants(tenants) if t["kind"] == "municipality"]
    listed = {t["code"]: own_files(catalog(tenants, t)) for t in municipalities}
    for a in listed:
        for b in listed:
            assert a == b or not listed[a] & listed[b], "a file listed by two municipalities"
    # a regional ведомость holds every municipality's pupils: nobody's own
    regional_only = {
        r[0]
        for r in rows(
            tenants.reporting,
            "select distinct source_file from audit.file_load_summary "
            "where source_file like 'ege_rcoi/%' or source_file like 'registry/%'",
        )
    }
    for tenant in municipalities:
        path = catalog(tenants, tenant)
        files = listed[tenant["code"]]
        assert not files & regional_only
        # its own forms are there: the municipality's indicator forms, its published tables
        forms = {
            r[0]
            for r in rows(
                tenants.reporting,
                "select distinct source_file from marts.fct_indicator_value "
                "where municipality_id = ? and source_file like 'indicators/%'",
                [tenant["municipality_id"]],
            )
        }
        assert forms and forms <= files
        assert any(f.startswith(f"municipal_tables/{tenant['name']}/") for f in files)
        for table in FILE_AUDIT:
            schema, name = table.split(".")
            found = {r[0] for r in rows(path, f"select distinct source_file from {schema}.{name}")}
            assert found <= files, f"{tenant['code']} {table}: {sorted(found - files)[:3]}"
        loaded = {r[0] for r in rows(path, "select source_file from audit.file_load_summary")}
        assert loaded, "the tenant's own files are accounted for"


def test_no_school_name_or_file_of_another_tenant_appears_anywhere(tenants: PipelineRun) -> None:
    everyone = regional_tenants(tenants)
    files_of = {
        (t["kind"], t["code"]): own_files(catalog(tenants, t)) for t in everyone
    }  # fmt: skip
    for tenant in everyone:
        path = catalog(tenants, tenant)
        own = {s for school in tenant["schools"].values() for s in school if s}
        own |= tenant["municipality_names"] | {tenant.get("own_municipality") or ""}
        own |= files_of[(tenant["kind"], tenant["code"])]
        foreign: set[str] = set()
        for other in everyone:
            if other["kind"] != tenant["kind"] or other["code"] == tenant["code"]:
                continue
            foreign |= {s for school in other["schools"].values() for s in school if s}
            if tenant["kind"] == "municipality":
                foreign |= other["municipality_names"]
            foreign |= files_of[(other["kind"], other["code"])]
        # a foreign string inside one of the tenant's own (СОШ № 1 in СОШ № 1 г. Амурск) is no leak
        foreign = {f for f in foreign if not any(f in mine for mine in own)}
        assert foreign
        con = duckdb.connect(str(path), read_only=True)
        try:
            for schema, table in views(path):
                for column, data_type in columns(path, schema, table).items():
                    if "VARCHAR" not in data_type:
                        continue
                    values = con.execute(
                        f'select distinct "{column}"::varchar from {schema}."{table}" '
                        f'where "{column}" is not null'
                    ).fetchall()
                    for (value,) in values:
                        leaked = [f for f in foreign if f in value]
                        assert not leaked, (
                            f"{tenant['code']}: {schema}.{table}.{column} holds {leaked[:2]}"
                        )
        finally:
            con.close()


def test_a_bi_tool_opens_a_tenant_file_read_only(tenants: PipelineRun) -> None:
    tenant = next(t for t in regional_tenants(tenants) if t["kind"] == "municipality")
    path = catalog(tenants, tenant)
    engine = sa.create_engine(f"duckdb:///{path}?access_mode=read_only")
    try:
        with engine.connect() as con:
            schools = con.execute(
                sa.text("select count(distinct school_id) from marts.mart_school_scorecard")
            ).scalar_one()
            assert 0 < schools <= len(tenant["schools"])
            names = {
                r[0]
                for r in con.execute(
                    sa.text("select distinct municipality_name from marts.mart_school_scorecard")
                )
            }
            assert names == {tenant["name"]}
            with pytest.raises(sa.exc.DBAPIError):
                con.execute(sa.text("create table marts.x as select 1"))
    finally:
        engine.dispose()


def test_tenant_folders_are_readable_by_the_tenants_group_only(tenants: PipelineRun) -> None:
    gid = grp.getgrnam(_group()).gr_gid
    root = tenants.data_dir / "tenants"
    assert stat.S_IMODE(root.stat().st_mode) == 0o711  # traversable, not listable
    for tenant in regional_tenants(tenants):
        folder = catalog(tenants, tenant).parent
        for path in [folder, *folder.rglob("*")]:
            if path.is_symlink():
                continue
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o750 if path.is_dir() else 0o640), (path, oct(mode))
            assert path.stat().st_gid == gid


def test_status_tenant_shows_what_the_tenant_file_holds(tenants: PipelineRun) -> None:
    municipalities = [t for t in regional_tenants(tenants) if t["kind"] == "municipality"]
    tenant, other = municipalities[0], municipalities[1]
    for query in (tenant["name"], tenant["code"]):
        out = tenants.cli("status", "--tenant", query).stdout
        assert str(catalog(tenants, tenant)) in out
        assert tenant["code"] in out and tenant["name"] in out
        assert f"duckdb:///{catalog(tenants, tenant)}?access_mode=read_only" in out
        for _, short, _ in tenant["schools"].values():
            assert short in out
        assert other["name"] not in out
    unknown = tenants.cli("status", "--tenant", "Нет такого района", check=False)
    assert unknown.returncode == 1 and "no tenant file" in unknown.stdout


def test_note_all_schools_writes_every_school_into_the_municipality_folder(
    tenants: PipelineRun,
) -> None:
    tenant = next(t for t in regional_tenants(tenants) if t["kind"] == "municipality")
    out = tenants.cli("note", "--all-schools", "--municipality", tenant["name"]).stdout
    notes = catalog(tenants, tenant).parent / "notes"
    written = sorted(notes.glob("*.html"))
    lines = [line for line in out.splitlines() if line.startswith("[")]
    assert written and len(lines) == len(written) == len(list(notes.glob("*.xlsx")))
    assert lines[-1].startswith(f"[{len(written)}/{len(written)}]")
    assert {p.stat().st_gid for p in notes.iterdir()} == {grp.getgrnam(_group()).gr_gid}


def test_a_publish_with_no_change_rewrites_no_tenant(tenants: PipelineRun) -> None:
    everyone = regional_tenants(tenants)

    def state() -> dict[str, tuple]:
        out = {}
        for t in everyone:
            path = catalog(tenants, t)
            out[t["code"]] = (
                path.read_bytes(),
                os.readlink(path.parent / "reporting" / "current"),
                sorted(p.name for p in (path.parent / "reporting").iterdir()),
            )
        return out

    before = state()
    regional = rows(tenants.reporting, "select max(version) from publication")[0][0]
    done = python(tenants, PUBLISH_ONCE)
    assert done.returncode == 0, done.stderr[-3000:]
    assert rows(tenants.reporting, "select max(version) from publication")[0][0] == regional + 1
    assert state() == before


@pytest.mark.parametrize("point", ["publish:tenant_before_swap"])
def test_a_killed_tenant_publish_shows_nothing_half_built(
    pipeline: PipelineRun, tmp_path: Path, point: str
) -> None:
    run = pipeline.copy(tmp_path / "run")
    run.env = {**run.env, "MSOKO_TENANTS": "municipality"}
    regional = rows(run.reporting, "select max(version) from publication")[0][0]
    killed = python(run, PUBLISH_ONCE, {"MSOKO_FAULT_INJECTION": point})
    assert killed.returncode == -signal.SIGKILL
    # the regional publication was complete before the tenants: it stands
    assert rows(run.reporting, "select max(version) from publication")[0][0] == regional + 1
    folders = sorted((run.data_dir / "tenants" / "municipality").iterdir())
    assert folders
    for folder in folders:  # the killed tenant has a version folder, but no pointer or catalog
        assert not (folder / "reporting.duckdb").exists()
        assert not (folder / "reporting" / "current").exists()
    again = python(run, PUBLISH_ONCE)
    assert again.returncode == 0, again.stderr[-3000:]
    for tenant in regional_tenants(run):
        if tenant["kind"] != "municipality":
            continue
        path = catalog(run, tenant)
        assert rows(path, "select max(version) from publication")[0][0] >= 1
        assert not list((path.parent / "reporting").glob(".*tmp*"))

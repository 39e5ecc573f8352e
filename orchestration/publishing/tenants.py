"""Tenant publications: one published file per municipality (and, on request, per school),
holding only that tenant's rows, beside the regional one (docs/bi.md "One municipality's file").

    data/tenants/municipality/27-101/reporting.duckdb                 the tenant's catalog
    data/tenants/municipality/27-101/reporting/v000003/<schema>/<table>.parquet
    data/tenants/municipality/27-101/reporting/current -> v000003
    data/tenants/school/27-101002/…                                   (MSOKO_TENANTS=…,school)

A tenant is named by a stable ASCII code: a municipality by ``<region>-<Код МСУ>`` of
``dim_municipality`` (its ``municipality_id`` when the registry gives no Код МСУ), a school by
its ``school_id``. Each tenant has its own ``ReportingStore``: built apart, flushed, renamed,
switched with one ``os.replace`` and SIGKILL-safe exactly like the regional file, readable by
the tenant's group (``MSOKO_TENANT_GROUP``, a pattern with ``{kind}`` and ``{code}``).

The input is the regional version just committed — its Parquet files are already small-group
suppressed, so a tenant's figures are the regional file's figures, row for row. Which rows are
a tenant's, per relation (one rule for every table; nothing is chosen by hand per mart):

- a row with a ``school_id`` belongs to that school (and to its municipality, ``dim_school``);
- else a row with ``municipality_id`` or ``municipality_name`` (within ``region_code`` when the
  relation has one; a name two municipalities share attributes nothing) to that municipality;
- else a row with a ``source_file`` to the tenant that file belongs to. A file belongs to a
  tenant when every published row that names it (and every row of the warehouse's unpublished
  marts ``fct_exam_result``/``fct_olympiad_result``) is that tenant's, or when it lies under
  ``municipal_tables/<municipality name>/``; a file with several tenants' rows (the registry, a
  regional ведомость) or none is the region's and reaches no tenant;
- the audit tables that list files (``audit.quarantine``, ``audit.file_load_summary``,
  ``audit.school_name_errors``, ``audit.published_aggregate_checks``) keep only the rows of
  the tenant's own files;
- a relation with none of these columns is copied whole only if it is reference data on
  ``REFERENCE_TABLES``; any other is left out (and named in the tenant's publication record).

Regional comparison figures reach a tenant only as columns the marts already carry (ranks in
the region, ``other_schools_with_forms_count``, …); the region's own rows of
``mart_territory_results`` stay in the regional file.

The rows of the changed tenants are written in one pass per relation (``partition_by`` the
tenant) into a scratch folder, then moved into each tenant's staged version.

A tenant is rebuilt only when its rows changed: the fingerprint of its rows (per relation the
row count and the sum of row hashes, the reference tables, its files, the small-group
threshold) is kept in its publication record (``check_results``, the ``tenant_rows`` entry)
and compared at the next publish.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ingestion.config import Settings
from orchestration.publishing.store import PublishedTable, ReportingStore, share
from orchestration.reports.published import (
    PUBLICATION_TABLE,
    TENANT_CHECK,
    tenant_scope,
)

# Relations with no tenant key that every tenant may read whole: dimensions of codes and the
# seeds of parameters, scales and catalogues (no school, no municipality, no file in them).
REFERENCE_TABLES = frozenset(
    {
        "marts.dim_academic_year",
        "marts.dim_assessment",
        "marts.dim_indicator",
        "marts.dim_subject",
        "reference.academic_years",
        "reference.assessments",
        "reference.column_catalogue",
        "reference.disclosure_parameters",
        "reference.dynamics_procedures",
        "reference.ege_min_scores",
        "reference.ege_score_bands",
        "reference.indicator_catalogue",
        "reference.indicator_programmes",
        "reference.indicator_review_parameters",
        "reference.mechanism_components",
        "reference.mechanism_directions",
        "reference.medalist_parameters",
        "reference.municipal_indicator_parameters",
        "reference.municipal_indicator_procedures",
        "reference.objectivity_parameters",
        "reference.oge_mark_scales",
        "reference.published_aggregate_parameters",
        "reference.qualitative_fact_rules",
        "reference.registry_change_types",
        "reference.school_types",
        "reference.shared_column_labels",
        "reference.shnor_parameters",
        "reference.shnor_procedures",
        "reference.shnsu_factors",
        "reference.shnsu_parameters",
        "reference.source_due_dates",
        "reference.subject_aliases",
        "reference.subject_fct_codes",
        "reference.subjects",
        "reference.vpr_grade_subjects",
        "reference.vpr_mark_scales",
        "reference.vpr_task_levels",
    }
)
# audit tables that list files: only the rows of the tenant's own files
FILE_SCOPED = frozenset(
    {
        "audit.quarantine",
        "audit.file_load_summary",
        "audit.school_name_errors",
        "audit.published_aggregate_checks",
    }
)
# free text that may name another school (its successor, the school it merged into)
FREE_TEXT = ("registry_status",)
FILE_COLUMNS = ("source_file", "pupil_source_file", "fisoko_source_file")
# unpublished warehouse marts whose rows tie files to schools (read as distinct pairs only)
ATTRIBUTION_MARTS = ("fct_exam_result", "fct_olympiad_result")
# bumped when the rules above change what a tenant's file holds: every tenant is rebuilt
RULES_VERSION = 3


@dataclass(frozen=True)
class Tenant:
    kind: str  # municipality | school
    code: str  # 27-101 | 27-101002: the folder's name
    name: str  # as the registry names it

    def folder(self, tenants_dir: Path) -> Path:
        return tenants_dir / self.kind / self.code


@dataclass
class TenantResult:
    tenant: Tenant
    path: Path
    version: int
    rebuilt: bool
    tables: dict[str, int] = field(default_factory=dict)
    source_files: int = 0


def tenant_catalog(tenants_dir: Path, kind: str, code: str) -> Path:
    return tenants_dir / kind / code / "reporting.duckdb"


def tenant_group(settings: Settings, tenant: Tenant) -> str | None:
    if settings.tenant_group:
        return settings.tenant_group.format(kind=tenant.kind, code=tenant.code)
    return settings.publish_group


def tenant_store(settings: Settings, tenant: Tenant) -> ReportingStore:
    return ReportingStore(
        tenant_catalog(settings.tenants_dir, tenant.kind, tenant.code),
        settings.keep_versions,
        tenant_group(settings, tenant),
    )


def publish_tenants(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    regional: Path,
    tables: Sequence[PublishedTable],
    record: dict[str, Any],
    files: Sequence[dict[str, Any]],
    waived: Sequence[dict[str, Any]] = (),
    progress=lambda line: None,
    crash=lambda point: None,
) -> list[TenantResult]:
    """Every configured tenant's file from the regional version folder ``regional`` (already
    committed), rebuilding only the tenants whose rows changed. ``tables``: the regional
    version's tables with their comments; ``record``: its publication row."""
    results: list[TenantResult] = []
    for kind in settings.tenants:
        results.extend(
            _publish_kind(
                settings, con, kind, regional, tables, record, files, waived, progress, crash
            )
        )
    _open_the_way(settings)
    return results


def _publish_kind(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    kind: str,
    regional: Path,
    tables: Sequence[PublishedTable],
    record: dict[str, Any],
    files: Sequence[dict[str, Any]],
    waived: Sequence[dict[str, Any]],
    progress,
    crash,
) -> list[TenantResult]:
    tenants = _tenants(con, regional, kind)
    if not tenants:
        return []
    relations = [t for t in tables if (t.schema, t.name) != ("main", PUBLICATION_TABLE)]
    columns = {f"{t.schema}.{t.name}": _columns(con, _parquet(regional, t)) for t in relations}
    _attribute_files(con, kind, regional, relations, columns)
    scoped: dict[str, str] = {}  # relation → temp table with a __tenant column
    shared: list[PublishedTable] = []
    left_out: list[str] = []
    for i, t in enumerate(relations):
        name = f"{t.schema}.{t.name}"
        expr = _tenant_expr(kind, name, columns[name])
        if expr is None:
            if name in REFERENCE_TABLES:
                shared.append(t)
            else:
                left_out.append(name)  # no tenant key and not reference data: never leaked
            continue
        table = f"__tenant_rows_{i}"
        con.execute(
            f"create or replace temp table {table} as "
            f"select *{_foreign_references(kind, columns[name])} from ("
            f"select r.*, {expr} as __tenant "
            f"from read_parquet('{_q(_parquet(regional, t))}') as r {_joins(columns[name])}) "
            "where __tenant is not null order by __tenant"  # a tenant's rows together
        )
        scoped[name] = table
    digests: dict[str, dict[str, list[Any]]] = {}
    for name, table in scoped.items():
        for code, rows, digest in con.execute(
            f"select __tenant, count(*), sum(hash(t))::varchar from {table} as t group by __tenant"
        ).fetchall():
            digests.setdefault(code, {})[name] = [rows, digest]
    reference = {
        f"{t.schema}.{t.name}": list(
            con.execute(
                f"select count(*), sum(hash(t))::varchar from "
                f"read_parquet('{_q(_parquet(regional, t))}') as t"
            ).fetchone()
            or []
        )
        for t in shared
    }
    own_files = _own_files(con, files)
    schools_of = _schools_by_tenant(con, kind)
    by_name = {f"{t.schema}.{t.name}": t for t in tables}
    results = []
    changed = []  # (tenant, store, history, fingerprint)
    for tenant in tenants:
        fingerprint = _fingerprint(
            {name: digests.get(tenant.code, {}).get(name, [0, None]) for name in scoped},
            reference,
            own_files.get(tenant.code, []),
            record.get("min_group_size"),
            schools_of.get(tenant.code, []),
            left_out,
        )
        store = tenant_store(settings, tenant)
        history = _history(con, store)
        last = history[-1] if history else None
        if last is not None and _recorded_fingerprint(last) == fingerprint:
            progress(f"tenant {tenant.kind} {tenant.code}: unchanged (version {last['version']})")
            files_count = len(own_files.get(tenant.code, []))
            results.append(
                TenantResult(tenant, store.catalog, int(last["version"]), False, {}, files_count)
            )
            continue
        changed.append((tenant, store, history, fingerprint))
    if changed:
        with _partitioned(settings, con, kind, scoped, [c[0].code for c in changed]) as parts:
            for tenant, store, history, fingerprint in changed:
                results.append(
                    _build_tenant(
                        con, regional, tenant, store, history, fingerprint, parts, scoped, shared,
                        reference, by_name, record, own_files.get(tenant.code, []), left_out,
                        _waived_count(waived, schools_of.get(tenant.code, [])), crash,
                    )
                )  # fmt: skip
                progress(
                    f"tenant {tenant.kind} {tenant.code} ({tenant.name}): version "
                    f"{results[-1].version}, {sum(results[-1].tables.values())} rows in "
                    f"{len(results[-1].tables)} tables, {results[-1].source_files} own files"
                )
    for table in scoped.values():
        con.execute(f"drop table if exists {table}")
    return results


@contextmanager
def _partitioned(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    kind: str,
    scoped: dict[str, str],
    codes: Sequence[str],
) -> Iterator[dict[str, Path]]:
    """Every changed tenant's rows of every scoped relation, written in one pass per relation
    (``partition_by``) into a scratch folder: ``<scratch>/<i>/__tenant=<code>/*.parquet``, and an
    empty file of the relation's columns for tenants without rows. Removed afterwards."""
    root = settings.tenants_dir / kind
    root.mkdir(parents=True, exist_ok=True)
    for leftover in root.glob(".scratch.*.tmp"):  # a killed run's
        shutil.rmtree(leftover, ignore_errors=True)
    scratch = root / f".scratch.{uuid.uuid4().hex}.tmp"
    scratch.mkdir()
    con.execute(
        "create or replace temp table __tenant_changed as select unnest(?) as code", [list(codes)]
    )
    parts: dict[str, Path] = {}
    try:
        for i, (name, table) in enumerate(scoped.items()):
            folder = scratch / str(i)
            con.execute(
                f"copy (select * from {table} where __tenant in (select code from "
                f"__tenant_changed)) to '{_q(folder)}' (format parquet, compression zstd, "
                "partition_by (__tenant))"
            )
            con.execute(
                f"copy (select * exclude (__tenant) from {table} limit 0) to "
                f"'{_q(scratch / f'{i}.empty.parquet')}' (format parquet)"
            )
            parts[name] = folder
        yield parts
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _build_tenant(
    con: duckdb.DuckDBPyConnection,
    regional: Path,
    tenant: Tenant,
    store: ReportingStore,
    history: list[dict[str, Any]],
    fingerprint: str,
    parts: dict[str, Path],
    scoped: dict[str, str],
    shared: Sequence[PublishedTable],
    reference: dict[str, list[Any]],
    by_name: dict[str, PublishedTable],
    record: dict[str, Any],
    tenant_files: list[dict[str, Any]],
    left_out: Sequence[str],
    waived_count: int,
    crash,
) -> TenantResult:
    """One tenant's new version: its partition files moved into a staged version, the
    reference tables copied, its publication record written, committed (``ReportingStore``)."""
    if store.damage() is not None:
        store.move_aside(dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ"))
    version = _next_version(store, history)
    counts: dict[str, int] = {}
    with store.stage(version) as staged:
        for name in scoped:
            t = by_name[name]
            target = staged.parquet(t.schema, t.name)
            found = sorted((parts[name] / f"__tenant={tenant.code}").glob("*.parquet"))
            if len(found) == 1:
                os.replace(found[0], target)
            elif found:  # several files of one partition: one file in the version
                listed = ", ".join(f"'{_q(f)}'" for f in found)
                con.execute(
                    f"copy (select * from read_parquet([{listed}])) to '{_q(target)}' "
                    "(format parquet, compression zstd)"
                )
            else:
                shutil.copyfile(parts[name].with_name(f"{parts[name].name}.empty.parquet"), target)
            counts[name] = int(
                con.execute(f"select count(*) from read_parquet('{_q(target)}')").fetchone()[0]  # type: ignore[index]
            )
            staged.tables.append(copy.deepcopy(t))
            crash("publish:tenant_mid_build")  # fault injection (crash tests)
        for t in shared:
            shutil.copyfile(_parquet(regional, t), staged.parquet(t.schema, t.name))
            counts[f"{t.schema}.{t.name}"] = int(reference[f"{t.schema}.{t.name}"][0])
            staged.tables.append(copy.deepcopy(t))
        _write_record(
            con,
            staged,
            history,
            _tenant_row(
                tenant, version, record, counts, tenant_files, fingerprint, left_out, waived_count
            ),
            by_name.get(f"main.{PUBLICATION_TABLE}"),
        )
        # publish:tenant_before_swap: the version renamed into place, the pointer not moved
        store.commit(staged, crash=lambda point: crash(point.replace(":", ":tenant_")))
    _share_folder(store)
    return TenantResult(tenant, store.catalog, version, True, counts, len(tenant_files))


# ---------------------------------------------------------------------------- who is who


def _tenants(con: duckdb.DuckDBPyConnection, regional: Path, kind: str) -> list[Tenant]:
    """The tenants of the registry (``dim_municipality`` / ``dim_school`` of the version), and
    the lookup tables the row rules join: __tenant_school, __tenant_muni, __tenant_muni_name."""
    muni = _q(regional / "marts" / "dim_municipality.parquet")
    school = _q(regional / "marts" / "dim_school.parquet")
    con.execute(
        "create or replace temp table __tenant_muni as "
        "select municipality_id, region_code, municipality_name, "
        "coalesce(regexp_replace(region_code || '-' || msu_code, '[^A-Za-z0-9._-]', '_', 'g'), "
        "municipality_id) as code "
        f"from read_parquet('{muni}') qualify count(*) over (partition by municipality_id) = 1"
    )
    con.execute(
        "create or replace temp table __tenant_muni_name as "
        "select region_code, municipality_name, code, "
        "count(*) over (partition by municipality_name) = 1 as is_unique_name "
        "from __tenant_muni qualify count(*) over (partition by region_code, municipality_name) = 1"
    )
    con.execute(
        "create or replace temp table __tenant_school as "
        "select s.school_id, regexp_replace(s.school_id, '[^A-Za-z0-9._-]', '_', 'g') as school_code, "
        "m.code as muni_code "
        f"from read_parquet('{school}') as s left join __tenant_muni as m using (municipality_id) "
        "qualify count(*) over (partition by s.school_id) = 1"
    )
    con.execute(
        "create or replace temp table __tenant_school_names as select school_id, "
        f"school_short_name, school_full_name from read_parquet('{school}')"
    )
    if kind == "municipality":
        rows = con.execute(
            "select code, municipality_name from __tenant_muni order by code"
        ).fetchall()
    else:
        rows = con.execute(
            f"select t.school_code, s.school_short_name from __tenant_school as t "
            f"join read_parquet('{school}') as s using (school_id) order by 1"
        ).fetchall()
    return [Tenant(kind, str(code), str(name)) for code, name in rows if code]


def _direct_expr(kind: str, columns: Sequence[str]) -> str | None:
    """The tenant of a row by its own keys (school, then municipality), or None: no key."""
    parts = []
    if "school_id" in columns:
        parts.append("__s.school_code" if kind == "school" else "__s.muni_code")
    if kind == "municipality":
        if "municipality_id" in columns:
            parts.append("__m.code")
        if "municipality_name" in columns:
            parts.append("__n.code")
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def _joins(columns: Sequence[str]) -> str:
    joins = []
    if "school_id" in columns:
        joins.append("left join __tenant_school as __s on __s.school_id = r.school_id")
    if "municipality_id" in columns:
        joins.append("left join __tenant_muni as __m on __m.municipality_id = r.municipality_id")
    if "municipality_name" in columns:
        on = "__n.region_code = r.region_code" if "region_code" in columns else "__n.is_unique_name"
        joins.append(
            f"left join __tenant_muni_name as __n on __n.municipality_name = r.municipality_name "
            f"and {on}"
        )
    if "source_file" in columns:
        joins.append("left join __tenant_file as __f on __f.source_file = r.source_file")
    return " ".join(joins)


def _tenant_expr(kind: str, name: str, columns: Sequence[str]) -> str | None:
    direct = _direct_expr(kind, columns)
    by_file = "__f.code" if "source_file" in columns else None
    if name in FILE_SCOPED and by_file:
        if direct is None:
            return by_file
        return f"case when {direct} is null or {direct} = {by_file} then {by_file} end"
    if direct and by_file:
        # a row of one tenant that names another tenant's file: nobody's
        return (
            f"case when {direct} is not null and {by_file} is not null and {direct} <> "
            f"{by_file} then null else coalesce({direct}, {by_file}) end"
        )
    return direct or by_file


def _attribute_files(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    regional: Path,
    relations: Sequence[PublishedTable],
    columns: dict[str, list[str]],
) -> None:
    """__tenant_file(source_file, code): the files whose rows are one tenant's only."""
    pairs = []
    for t in relations:
        cols = columns[f"{t.schema}.{t.name}"]
        direct = _direct_expr(kind, cols)
        if direct is None:
            continue
        for file_column in (c for c in FILE_COLUMNS if c in cols):
            pairs.append(
                f"select r.{file_column} as source_file, {direct} as code "
                f"from read_parquet('{_q(_parquet(regional, t))}') as r {_joins_no_file(cols)}"
            )
    attached = {
        r[0]
        for r in con.execute(
            "select database_name from duckdb_databases() where database_name = 'wh'"
        ).fetchall()
    }
    if attached:
        for mart in ATTRIBUTION_MARTS:
            present = {
                r[0]
                for r in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'wh' "
                    "and schema_name = 'marts' and table_name = ?",
                    [mart],
                ).fetchall()
            }
            if {"source_file", "school_id"} <= present:
                pairs.append(
                    f"select r.source_file, {_direct_expr(kind, ['school_id'])} as code "
                    f"from (select distinct source_file, school_id from wh.marts.{mart}) as r "
                    f"{_joins_no_file(['school_id'])}"
                )
    if kind == "municipality":
        summary = regional / "audit" / "file_load_summary.parquet"
        if summary.exists():
            pairs.append(
                "select distinct f.source_file, n.code from "
                f"read_parquet('{_q(summary)}') as f join __tenant_muni_name as n "
                "on n.is_unique_name and f.source_file like "
                "'municipal_tables/' || n.municipality_name || '/%'"
            )
    union = " union all ".join(pairs) or "select null::varchar as source_file, null as code"
    con.execute(
        "create or replace temp table __tenant_file as select source_file, min(code) as code "
        f"from ({union}) where source_file is not null and code is not null "
        "group by source_file having count(distinct code) = 1"
    )


def _joins_no_file(columns: Sequence[str]) -> str:
    return _joins([c for c in columns if c != "source_file"])


def _own_files(
    con: duckdb.DuckDBPyConnection, files: Sequence[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """The publication's source files (name, SHA-256, …) per tenant that owns them."""
    owner = dict(con.execute("select source_file, code from __tenant_file").fetchall())
    out: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        code = owner.get(f.get("source_file"))
        if code is not None:
            out.setdefault(code, []).append(f)
    return out


def _schools_by_tenant(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, list[str]]:
    column = "school_code" if kind == "school" else "muni_code"
    return {
        code: sorted(ids)
        for code, ids in con.execute(
            f"select {column}, list(school_id) from __tenant_school "
            f"where {column} is not null group by all"
        ).fetchall()
    }


def _references(columns: Sequence[str]) -> list[str]:
    """Columns that name another school (parent, successor, merged into): blanked in a tenant's
    copy when that school is not the tenant's."""
    return [c for c in columns if c.endswith("_school_id") and c != "school_id"]


def _foreign_references(kind: str, columns: Sequence[str]) -> str:
    """``replace (…)`` over rows with their ``__tenant``: a reference to a school that is not
    the row's tenant's is blanked, and a free-text status naming that school
    (``registry_status``: «реорганизована в форме присоединения к <school>») says «другой
    организации» instead of its name."""
    refs = _references(columns)
    if not refs:
        return ""
    owner = "school_code" if kind == "school" else "muni_code"
    foreign = {
        c: f'("{c}" is not null and coalesce((select o.{owner} from __tenant_school as o '
        f"where o.school_id = \"{c}\"), '') <> __tenant)"
        for c in refs
    }
    replaced = [f'case when {foreign[c]} then null else "{c}" end as "{c}"' for c in refs]
    for text in (c for c in FREE_TEXT if c in columns):
        value = f'"{text}"'
        for c in refs:
            for name in ("school_full_name", "school_short_name"):
                value = (
                    f"case when {foreign[c]} then replace({value}, coalesce((select n.{name} "
                    f'from __tenant_school_names as n where n.school_id = "{c}"), {value}), '
                    f"'другой организации') else {value} end"
                )
        replaced.append(f'{value} as "{text}"')
    return f" replace ({', '.join(replaced)})"


def _waived_count(waived: Sequence[dict[str, Any]], schools: Sequence[str]) -> int:
    mine = set(schools)
    return sum(1 for w in waived if w.get("school_id") in mine)


# ---------------------------------------------------------------------------- the record


def _fingerprint(
    scoped: dict[str, list[Any]],
    reference: dict[str, list[Any]],
    files: Sequence[dict[str, Any]],
    min_group_size: Any,
    schools: Sequence[str],
    left_out: Sequence[str] = (),
) -> str:
    payload = {
        "rows": scoped,
        "reference": reference,
        "files": sorted(str(f.get("file_sha256")) + "|" + str(f.get("source_file")) for f in files),
        "min_group_size": min_group_size,
        "schools": sorted(schools),
        "rules": RULES_VERSION,
        "left_out": sorted(left_out),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _recorded_fingerprint(row: dict[str, Any]) -> str | None:
    return tenant_scope(row).get("rows_fingerprint")


def _tenant_row(
    tenant: Tenant,
    version: int,
    regional: dict[str, Any],
    counts: dict[str, int],
    files: Sequence[dict[str, Any]],
    fingerprint: str,
    left_out: Sequence[str],
    waived_count: int,
) -> dict[str, Any]:
    try:
        checks = json.loads(regional.get("check_results") or "[]")
    except ValueError:
        checks = []
    scope = {
        "check": TENANT_CHECK,
        "tenant_kind": tenant.kind,
        "tenant_code": tenant.code,
        "tenant_name": tenant.name,
        "regional_version": regional.get("version"),
        "rows_fingerprint": fingerprint,
        "tables_left_out": list(left_out),
    }
    try:  # the decisions in force, without their free text (it may name any school)
        decisions = [
            {k: d.get(k) for k in ("academic_year", "source", "kind", "approved_on")}
            for d in json.loads(regional.get("decisions") or "[]")
        ]
    except ValueError:
        decisions = []
    return {
        **regional,
        "version": version,
        "published_at": dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
        "tables": json.dumps(counts, ensure_ascii=False),
        "source_files": json.dumps(list(files), ensure_ascii=False),
        "check_results": json.dumps([scope, *checks], ensure_ascii=False, default=str),
        "waived_count": waived_count,
        "decisions": json.dumps(decisions, ensure_ascii=False),
    }


def _write_record(
    con: duckdb.DuckDBPyConnection,
    staged,
    history: Sequence[dict[str, Any]],
    row: dict[str, Any],
    described: PublishedTable | None,
) -> None:
    from orchestration.publishing.reporting_file import write_publication

    write_publication(con, staged, history, row)
    if described is not None:  # the regional record's comments
        staged.tables[-1] = copy.deepcopy(described)


def _history(con: duckdb.DuckDBPyConnection, store: ReportingStore) -> list[dict[str, Any]]:
    """The tenant's publication history, read from its current version's Parquet (no catalog
    opened: 2,300 tenants checked in seconds); [] when its catalog or version is not whole —
    then the tenant is rebuilt, and ``_build_tenant`` moves a damaged catalog aside."""
    path = store.current_parquet("main", PUBLICATION_TABLE)
    if path is None or not _is_duckdb_file(store.catalog):
        return []
    try:
        cursor = con.execute(f"select * from read_parquet('{_q(path)}') order by version")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    except duckdb.Error:
        return []


def _is_duckdb_file(path: Path) -> bool:
    """A DuckDB database file: its header carries the magic bytes DUCK at offset 8."""
    try:
        with open(path, "rb") as handle:
            return handle.read(12)[8:12] == b"DUCK"
    except OSError:
        return False


def _next_version(store: ReportingStore, history: Sequence[dict[str, Any]]) -> int:
    """After the last recorded version and after any version folder left on disk (a damaged
    catalog moved aside keeps its folders until they are old)."""
    on_disk = [
        int(p.name[1:])
        for p in (store.root.iterdir() if store.root.exists() else [])
        if re.fullmatch(r"v\d{6}", p.name)
    ]
    return max([0, *on_disk, *(int(r["version"]) for r in history)]) + 1


# ---------------------------------------------------------------------------- permissions


def _share_folder(store: ReportingStore) -> None:
    """The tenant's folder (catalog, versions, notes) to its group only."""
    share(store.catalog.parent, store.group)


def _open_the_way(settings: Settings) -> None:
    """data/tenants and data/tenants/<kind>: traversable (0711) but not listable, so that each
    tenant's group reaches its own folder (0750, its group) and cannot see which others exist;
    the data folder gets the same o+x when per-tenant groups are configured."""
    folders = [settings.tenants_dir, *(settings.tenants_dir / k for k in settings.tenants)]
    for folder in folders:
        if folder.exists():
            os.chmod(folder, 0o711)
    if settings.tenant_group and settings.data_dir.exists():
        mode = settings.data_dir.stat().st_mode & 0o777
        os.chmod(settings.data_dir, mode | 0o001)


# ---------------------------------------------------------------------------- helpers


def _parquet(regional: Path, t: PublishedTable) -> Path:
    return regional / t.schema / f"{t.name}.parquet"


def _columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    return [
        d[0] for d in con.execute(f"select * from read_parquet('{_q(path)}') limit 0").description
    ]


def _q(value: Any) -> str:
    return str(value).replace("'", "''")


def share_tenant_folders(settings: Settings) -> None:
    """Every tenant folder (catalog, versions, notes) to its own group (``msoko note``)."""
    for kind in ("municipality", "school"):
        for folder in sorted((settings.tenants_dir / kind).glob("*/")):
            tenant = Tenant(kind, folder.name, folder.name)
            share(folder, tenant_group(settings, tenant))
    _open_the_way(settings)

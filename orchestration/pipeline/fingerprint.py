"""What a build is made from, as one digest: the no-change refresh and the incremental plan.

A build's inputs are the landing listing (every file with its checksum, place or reason it is
not read), the lake's manifests (which file versions each source × academic year holds), the
content of every file dbt parses (models, seeds, macros, tests, their YAML: a superset of dbt's
checksums), the package version, which ``source_due_dates`` have passed on the as-of day, the
authority's decision files (waivers, publication decisions) and the default region. Their
digest, the *build fingerprint*, is recorded beside the warehouse after every complete dbt
build (``record_build``) and copied by the publisher into the ``publication`` table
(``build_fingerprint``).

- ``unchanged_publication``: ``msoko refresh`` compares the fingerprint of the folder and the
  project as they are now with the one the published file was built from; equal means there is
  nothing to ingest, rebuild or republish. A missing or empty landing folder is never
  "unchanged" (the refusal comes first), nor is a file built before fingerprints were recorded.
- ``incremental_plan``: which academic years each incremental model rebuilds, from the
  manifests of the last complete build and the ones now; anything the years cannot describe
  (a project file, the package, a source not keyed by the year such as the registry) rebuilds
  everything (``--full-refresh``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ingestion.atomic import replace_file, temp_path
from ingestion.config import DBT_PROJECT_DIR, Settings
from ingestion.lake import Lake
from ingestion.landing import LandingEntry, landing_problem, scan_landing
from orchestration.pipeline.dbt import project_digest
from orchestration.reports.published import latest_publication

PACKAGE = "msoko-warehouse"
DUE_DATES = DBT_PROJECT_DIR / "seeds" / "source_due_dates.csv"
LANDING_FIELDS = (
    "source_name",
    "source_file",
    "file_sha256",
    "region_code",
    "academic_year",
    "error",
    "ignored_reason",
)
AS_OF_MACRO = "macro.msoko.as_of_date"
LAKE_MANIFEST = "source.msoko.lake.manifest"


def package_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


def landing_listing(rows: Iterable[LandingEntry | Mapping[str, Any]]) -> list[list[Any]]:
    """The landing folder as the fingerprint sees it: one entry per file, no times or sizes."""
    listing = []
    for row in rows:
        values = row if isinstance(row, Mapping) else vars(row)
        listing.append([values.get(name) for name in LANDING_FIELDS])
    return sorted(listing, key=lambda r: [str(v) for v in r])


def partition_digests(lake: Lake) -> dict[str, str]:
    """Per source × academic year, a digest of the file versions its manifest decided on."""
    out = {}
    for source, year, rows in lake.manifests():
        decided = sorted(
            [r["file_sha256"], r["batch_id"], r["status"], r["reader_version"], r["source_file"]]
            for r in rows
        )
        out[f"{source}|{year}"] = _sha(json.dumps(decided, default=str))
    return out


def as_of_day(settings: Settings) -> dt.date:
    return dt.date.fromisoformat(settings.as_of_date) if settings.as_of_date else dt.date.today()


def due_dates_passed(settings: Settings, path: Path = DUE_DATES) -> list[str]:
    """``year|procedure`` of every row of the seed ``source_due_dates`` whose date has passed on
    the as-of day (the completeness models count a missing school only then)."""
    day = as_of_day(settings)
    with open(path, newline="", encoding="utf-8") as handle:
        return sorted(
            f"{r['academic_year']}|{r['procedure_code']}"
            for r in csv.DictReader(handle)
            if r["due_date"] and dt.date.fromisoformat(r["due_date"]) < day
        )


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class BuildInputs:
    """Everything a build (dbt and the publication) is made from, as plain data."""

    landing: list[list[Any]]
    partitions: dict[str, str]
    project: str
    package_version: str
    due_dates_passed: list[str]
    config: dict[str, str]
    default_region: str

    @classmethod
    def collect(
        cls, settings: Settings, landing: Iterable[LandingEntry | Mapping[str, Any]]
    ) -> BuildInputs:
        return cls(
            landing=landing_listing(landing),
            partitions=partition_digests(Lake(settings.lake_dir)),
            project=project_digest(),
            package_version=package_version(),
            due_dates_passed=due_dates_passed(settings),
            config={
                "waivers": _file_digest(settings.waivers_path),
                "decisions": _file_digest(settings.decisions_path),
            },
            default_region=settings.default_region,
        )

    @classmethod
    def recorded_landing(cls, settings: Settings) -> BuildInputs:
        """The inputs with the landing folder as the last scan recorded it (the landing-scan
        step of the same run): what the build about to run reads."""
        return cls.collect(settings, Lake(settings.lake_dir).read_landing_index().to_pylist())

    def fingerprint(self) -> str:
        return _sha(json.dumps(asdict(self), sort_keys=True, default=str))

    def changed_partitions(self, before: BuildInputs) -> set[tuple[str, int]]:
        keys = set(self.partitions) | set(before.partitions)
        return {
            (key.split("|")[0], int(key.split("|")[1]))
            for key in keys
            if self.partitions.get(key) != before.partitions.get(key)
        }


# ---------------------------------------------------------------------------------- the record


def record_path(settings: Settings) -> Path:
    """Beside the warehouse: what its last complete dbt build was made from."""
    return settings.warehouse_path.with_name(settings.warehouse_path.name + ".build.json")


def record_build(settings: Settings, inputs: BuildInputs) -> Path:
    """After a complete, successful dbt build: the inputs it was made from."""
    path = record_path(settings)
    tmp = temp_path(path)
    tmp.write_text(
        json.dumps(
            {"fingerprint": inputs.fingerprint(), "inputs": asdict(inputs)},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return replace_file(tmp, path)


def read_build_record(settings: Settings) -> BuildInputs | None:
    path = record_path(settings)
    if not path.exists() or not settings.warehouse_path.exists():
        return None
    try:
        return BuildInputs(**json.loads(path.read_text(encoding="utf-8"))["inputs"])
    except (ValueError, KeyError, TypeError):
        return None  # unreadable or of another version: as if there were none


def built_fingerprint(settings: Settings) -> str | None:
    """The fingerprint of the warehouse as its last complete build made it (for the publisher)."""
    record = read_build_record(settings)
    return record.fingerprint() if record is not None else None


# ---------------------------------------------------------------------------------- no change


@dataclass(frozen=True)
class Unchanged:
    version: int
    published_at: Any
    files: int


def unchanged_publication(
    settings: Settings, entries: Sequence[LandingEntry] | None = None
) -> Unchanged | None:
    """The published file when it was built from the landing folder, the lake and the project
    exactly as they are now and its open-data export is of the same version; else None.

    Reads the landing folder (re-hashing only files whose size or time changed), the manifests,
    the project files and the published file's ``publication`` row: no Dagster, no dbt.
    """
    if landing_problem(settings.landing_dir):
        return None  # a missing, unreadable or empty folder is refused, never "unchanged"
    latest = latest_publication(settings.reporting_path)
    if not latest or not latest.get("build_fingerprint"):
        return None
    if _exported_version(settings) != latest["version"]:
        return None
    if entries is None:
        entries = scan_landing(settings)
    if BuildInputs.collect(settings, entries).fingerprint() != latest["build_fingerprint"]:
        return None
    files = sum(1 for e in entries if not e.ignored_reason)
    return Unchanged(int(latest["version"]), latest.get("published_at"), files)


def _exported_version(settings: Settings) -> Any:
    path = settings.data_dir / "public" / "metadata.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("publication_version")
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------------------------- the plan


BUILT_TYPES = ("model", "seed", "snapshot")


@dataclass
class BuildPlan:
    """What a dbt build does: everything (``full_refresh``), or only the models downstream of
    what changed (``nodes``: dbt unique ids; empty: nothing to rebuild), the incremental ones
    only for the academic years whose files changed (``years``, per model)."""

    full_refresh: bool
    nodes: set[str] = field(default_factory=set)
    years: dict[str, list[int]] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    @property
    def builds_nothing(self) -> bool:
        return not self.full_refresh and not self.nodes

    def select(self, manifest: Mapping[str, Any]) -> list[str]:
        """The ``--select`` arguments (names of the models to build; their tests follow)."""
        if self.full_refresh:
            return []
        return ["--select", " ".join(sorted(manifest["nodes"][u]["name"] for u in self.nodes))]

    def describe(self) -> str:
        if self.full_refresh:
            return "dbt builds everything, incremental models whole: " + "; ".join(self.reasons)
        if self.builds_nothing:
            return "dbt has nothing to rebuild: the warehouse was built from these inputs"
        years = "; ".join(
            f"{m} {', '.join(map(str, y)) or 'no year'}" for m, y in self.years.items()
        )
        return (
            f"dbt rebuilds the {len(self.nodes)} models downstream of "
            f"{', '.join(self.reasons)}; incremental models rebuild the academic years {years}"
        )


def incremental_models(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"].get("materialized") == "incremental"
    ]


def _upstream(manifest: Mapping[str, Any], unique_id: str) -> set[str]:
    """Every node and source upstream of ``unique_id`` (itself included)."""
    graph = {**manifest["nodes"], **manifest["sources"]}
    seen, todo = {unique_id}, [unique_id]
    while todo:
        for parent in graph.get(todo.pop(), {}).get("depends_on", {}).get("nodes", []):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def downstream(manifest: Mapping[str, Any], roots: Iterable[str]) -> set[str]:
    """The models, seeds and snapshots downstream of ``roots`` (sources or nodes), roots that
    are built included."""
    children: dict[str, list[str]] = {}
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] in BUILT_TYPES:
            for parent in node["depends_on"].get("nodes", []):
                children.setdefault(parent, []).append(uid)
    seen = set(roots)
    todo = list(seen)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return {u for u in seen if manifest["nodes"].get(u, {}).get("resource_type") in BUILT_TYPES}


def in_build_order(manifest: Mapping[str, Any], nodes: Iterable[str]) -> list[str]:
    """``nodes`` with every node after the nodes it depends on (as dbt builds them)."""
    wanted, order, done = set(nodes), [], set()

    def visit(uid: str) -> None:
        if uid in done:
            return
        done.add(uid)
        for parent in manifest["nodes"].get(uid, {}).get("depends_on", {}).get("nodes", []):
            visit(parent)
        if uid in wanted:
            order.append(uid)

    for uid in sorted(wanted):
        visit(uid)
    return order


def _manifest_readers_alone(manifest: Mapping[str, Any]) -> list[str]:
    """Models reading the lake manifest without a data source beside it (its staging model)."""
    out = []
    for uid, node in manifest["nodes"].items():
        parents = [p for p in node["depends_on"].get("nodes", []) if p.startswith("source.")]
        if LAKE_MANIFEST in parents and len(parents) == 1:
            out.append(uid)
    return sorted(out)


def _source_ids(manifest: Mapping[str, Any], group: str, table: str | None = None) -> list[str]:
    return [
        uid
        for uid, s in manifest["sources"].items()
        if s["source_name"] == group and (table is None or s["name"] == table)
    ]


def build_plan(
    previous: BuildInputs | None,
    current: BuildInputs,
    manifest: Mapping[str, Any],
    *,
    force_full: bool = False,
) -> BuildPlan:
    """What dbt must rebuild so that the warehouse equals a full build from ``current``, given
    that its last complete build was made from ``previous``.

    A change of the project files, the package or the default region rebuilds everything, as
    does a first build. Otherwise only what depends on a change: the models downstream of the
    sources whose partitions changed, of the lake's bookkeeping (file summaries, quarantine,
    the manifest's own model; the landing index when the folder's listing changed), of the
    waiver file, of the as-of day's due dates; the seeds are as they were loaded. An
    incremental model rebuilds the academic years of its partitions that changed, or everything
    when a source it reads across years changed (the registry: school keys span years).
    """
    if force_full:
        return BuildPlan(True, reasons=["a full rebuild was asked for (--full)"])
    if previous is None:
        return BuildPlan(True, reasons=["no record of a complete earlier build"])
    for name in ("project", "package_version", "default_region"):
        if getattr(previous, name) != getattr(current, name):
            what = {"project": "a dbt project file"}.get(name, name.replace("_", " "))
            return BuildPlan(True, reasons=[f"{what} changed since the last build"])
    changed = current.changed_partitions(previous)
    plan = BuildPlan(False)
    roots: list[str] = []
    sources = sorted({s for s, _ in changed})
    if sources:
        plan.reasons.append("the files of " + ", ".join(sources))
        for source in sources:
            roots += _source_ids(manifest, source)
        # ingestion writes a partition's file summaries and quarantine with its data; a model
        # reading the lake manifest beside a source keeps that source's rows (macro
        # committed_versions_only) and comes with it; one reading it alone comes whenever any
        # partition changed
        roots += _source_ids(manifest, "lake", "file_summaries")
        roots += _source_ids(manifest, "lake", "quarantine")
        roots += _manifest_readers_alone(manifest)
    if previous.landing != current.landing:
        plan.reasons.append("the landing folder's listing")
        roots += _source_ids(manifest, "lake", "landing_index")
    if previous.config.get("waivers") != current.config.get("waivers"):
        plan.reasons.append("the waivers file")
        roots += _source_ids(manifest, "config")
    if previous.due_dates_passed != current.due_dates_passed:
        plan.reasons.append("the due dates passed")
        roots += [
            uid
            for uid, n in manifest["nodes"].items()
            if n["resource_type"] == "model" and AS_OF_MACRO in n["depends_on"].get("macros", [])
        ]
    plan.nodes = downstream(manifest, roots)
    whole: list[str] = []
    for model in incremental_models(manifest):
        name = model["name"]
        by_year = set(model["config"].get("meta", {}).get("incremental_years_from") or [])
        upstream = _upstream(manifest, model["unique_id"])
        read = {manifest["sources"][u]["source_name"] for u in upstream if u.startswith("source.")}
        years = {y for s, y in changed if s in read and s in by_year}
        across = sorted(s for s, _ in changed if s in read and s not in by_year)
        if across:
            whole.append(f"{', '.join(across)} changed ({name} reads it across academic years)")
        plan.years[name] = sorted(years)
    if whole:
        return BuildPlan(True, reasons=whole)
    return plan

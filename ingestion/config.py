"""Every setting of a deployment in one object, built once from the environment at the entry point."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.privacy import load_secret, secret_from_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# DuckDB spills to disk beyond this (per deployment: ingestion workers share it, dbt and the
# publish step each have it). 6GB keeps the largest process of a country-scale build (dbt's)
# under 8 GiB at the same speed as 8GB (BENCHMARKS.md, 2026-12-06: 6,494 vs 8,581 MiB).
DEFAULT_MEMORY_LIMIT = "6GB"
# The nightly at 03:00 of the demo region (27, Хабаровский край): set per deployment.
DEFAULT_NIGHTLY_CRON = "0 3 * * *"
DEFAULT_TIMEZONE = "Asia/Vladivostok"
ON = {"1", "on", "true", "yes"}


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).resolve() if value else default.resolve()


@dataclass(frozen=True)
class Settings:
    """One deployment: paths, DuckDB and dbt resources, the as-of date, the secret source.

    Built once (``Settings.from_env()``) by the entry point — the CLI, the Dagster code location —
    and passed down: to the Dagster assets, sensors and schedule as a resource, to dbt as the
    environment of its subprocess (``dbt_env``). Nothing writes ``os.environ``. Paths derive
    from ``MSOKO_DATA_DIR`` unless overridden:

    - ``landing_dir``: files as users drop them, one sub-folder per source (never edited by code);
    - ``lake_dir``: immutable Parquet written by ingestion (the only thing ingestion writes);
    - ``warehouse_path``: the internal DuckDB file, written by dbt only (pupil-level rows live here);
    - ``reporting_path``: the published DuckDB file analysts and BI tools open read-only.

    The small-group threshold is not a setting: it is the seed ``disclosure_parameters``.
    """

    data_dir: Path
    landing_dir: Path
    lake_dir: Path
    warehouse_path: Path
    reporting_path: Path
    reports_dir: Path
    waivers_path: Path
    decisions_path: Path
    default_region: str
    duckdb_memory_limit: str
    duckdb_threads: int
    dbt_threads: int = 2
    # processes reading the academic years of one source at once (orchestration.pipeline.
    # partition.ingest_partitions); DuckDB's memory limit and threads are shared among them
    ingest_workers: int = 1
    # judge the completeness gate as of this day (YYYY-MM-DD) instead of today
    as_of_date: str | None = None
    # the secret source: MSOKO_PSEUDONYM_SECRET, or the demo secret with MSOKO_DEMO=1
    demo: bool = False
    pseudonym_secret: str = field(default="", repr=False)
    # crash testing: publish:mid_build | publish:before_swap | publish:tenant_mid_build |
    # publish:tenant_before_swap kills the process there
    fault_injection: str | None = None
    # the group that may read the published outputs (a BI service account's group); None: the
    # owner's own group. Internal data stays owner-only (docs/operations.md)
    publish_group: str | None = None
    # published versions kept beside the current one (readers mid-query keep theirs)
    keep_versions: int = 3
    # the gate refuses a published table that loses more than this share of its rows
    max_shrink_pct: float = 5.0
    # A served deployment (`msoko serve`, the systemd units of deploy/): the nightly schedule and
    # the landing sensor start running without a click. Off for `make ui`, the CLI and tests.
    automation: bool = False
    nightly_cron: str = DEFAULT_NIGHTLY_CRON
    timezone: str = DEFAULT_TIMEZONE
    # how often the daemon may evaluate the landing sensor and the dead-run monitor
    sensor_interval_seconds: int = 60
    # where a failed run is sent on (off when empty): a URL that receives the failure record as
    # JSON (POST), and/or mail through an SMTP server ("host:port")
    failure_webhook_url: str | None = field(default=None, repr=False)  # may carry a token
    failure_mail_to: str | None = None
    smtp_server: str = "localhost:25"
    # tenant publications (docs/bi.md "One municipality's file"): beside the regional file, one
    # file per municipality ("municipality") and per school ("municipality,school"); () = off
    tenants: tuple[str, ...] = ()
    # the group that may read one tenant's folder, a pattern with {kind} and {code}
    # ("msoko-{code}"); None: the publish group
    tenant_group: str | None = None

    @property
    def tenants_dir(self) -> Path:
        """data/tenants/<kind>/<code>/reporting.duckdb: one folder per tenant."""
        return self.data_dir / "tenants"

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _path("MSOKO_DATA_DIR", PROJECT_ROOT / "data")
        secret, demo = secret_from_env()
        return cls(
            data_dir=data_dir,
            # inputs carry personal data: they live beside data/, never inside it
            landing_dir=_path("MSOKO_LANDING_DIR", data_dir.parent / "landing"),
            lake_dir=_path("MSOKO_LAKE_DIR", data_dir / "lake"),
            warehouse_path=_path("MSOKO_WAREHOUSE_PATH", data_dir / "warehouse.duckdb"),
            reporting_path=_path("MSOKO_REPORTING_PATH", data_dir / "reporting.duckdb"),
            reports_dir=_path("MSOKO_REPORTS_DIR", data_dir / "reports"),
            # schools knowingly published without (config/README.md)
            waivers_path=_path(
                "MSOKO_WAIVERS_PATH", PROJECT_ROOT / "config" / "completeness_waivers.csv"
            ),
            # publication refusals lifted on purpose (withdrawn data, an accepted shrink)
            decisions_path=_path(
                "MSOKO_PUBLICATION_DECISIONS_PATH",
                PROJECT_ROOT / "config" / "publication_decisions.csv",
            ),
            # A РЦОИ "Код ОО" is unique only within its region: files that do not say their
            # region (no region=NN folder) are read as belonging to this one.
            default_region=os.environ.get("MSOKO_DEFAULT_REGION", "27"),
            duckdb_memory_limit=os.environ.get("MSOKO_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
            duckdb_threads=int(os.environ.get("MSOKO_DUCKDB_THREADS", str(os.cpu_count() or 2))),
            dbt_threads=int(os.environ.get("MSOKO_DBT_THREADS", "2")),
            # one more than the cores: the years of a source differ in size, and a worker
            # also waits on files (measured at region: 3 workers on 2 cores beat 2)
            ingest_workers=int(os.environ.get("MSOKO_INGEST_WORKERS") or (os.cpu_count() or 1) + 1),
            as_of_date=os.environ.get("MSOKO_AS_OF_DATE") or None,
            demo=demo,
            pseudonym_secret=secret,
            fault_injection=os.environ.get("MSOKO_FAULT_INJECTION") or None,
            publish_group=os.environ.get("MSOKO_PUBLISH_GROUP") or None,
            keep_versions=int(os.environ.get("MSOKO_KEEP_PUBLICATIONS", "3")),
            max_shrink_pct=float(os.environ.get("MSOKO_MAX_SHRINK_PCT", "5")),
            automation=os.environ.get("MSOKO_AUTOMATION", "").strip().lower() in ON,
            nightly_cron=os.environ.get("MSOKO_NIGHTLY_CRON") or DEFAULT_NIGHTLY_CRON,
            timezone=os.environ.get("MSOKO_TIMEZONE") or DEFAULT_TIMEZONE,
            sensor_interval_seconds=int(os.environ.get("MSOKO_SENSOR_INTERVAL_SECONDS") or 60),
            failure_webhook_url=os.environ.get("MSOKO_FAILURE_WEBHOOK_URL") or None,
            failure_mail_to=os.environ.get("MSOKO_FAILURE_MAIL_TO") or None,
            smtp_server=os.environ.get("MSOKO_SMTP_SERVER") or "localhost:25",
            tenants=parse_tenants(os.environ.get("MSOKO_TENANTS", "")),
            tenant_group=os.environ.get("MSOKO_TENANT_GROUP") or None,
        )

    def secret(self) -> bytes:
        """The pseudonymisation key, refusing unsafe configurations (``ingestion.privacy``)."""
        return load_secret(self.pseudonym_secret, self.demo)

    def export_env(self) -> dict[str, str]:
        """The ``MSOKO_*`` variables that give another process these settings (no secret, no
        webhook URL: it may carry a token)."""
        env = {
            "MSOKO_DATA_DIR": str(self.data_dir),
            "MSOKO_LANDING_DIR": str(self.landing_dir),
            "MSOKO_LAKE_DIR": str(self.lake_dir),
            "MSOKO_WAREHOUSE_PATH": str(self.warehouse_path),
            "MSOKO_REPORTING_PATH": str(self.reporting_path),
            "MSOKO_REPORTS_DIR": str(self.reports_dir),
            "MSOKO_WAIVERS_PATH": str(self.waivers_path),
            "MSOKO_PUBLICATION_DECISIONS_PATH": str(self.decisions_path),
            "MSOKO_DEFAULT_REGION": self.default_region,
            "MSOKO_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "MSOKO_DUCKDB_THREADS": str(self.duckdb_threads),
            "MSOKO_DBT_THREADS": str(self.dbt_threads),
            "MSOKO_INGEST_WORKERS": str(self.ingest_workers),
        }
        if self.as_of_date:
            env["MSOKO_AS_OF_DATE"] = self.as_of_date
        if self.publish_group:
            env["MSOKO_PUBLISH_GROUP"] = self.publish_group
        env["MSOKO_KEEP_PUBLICATIONS"] = str(self.keep_versions)
        env["MSOKO_MAX_SHRINK_PCT"] = str(self.max_shrink_pct)
        env.update(
            MSOKO_AUTOMATION="on" if self.automation else "off",
            MSOKO_NIGHTLY_CRON=self.nightly_cron,
            MSOKO_TIMEZONE=self.timezone,
            MSOKO_SENSOR_INTERVAL_SECONDS=str(self.sensor_interval_seconds),
            MSOKO_SMTP_SERVER=self.smtp_server,
        )
        if self.failure_mail_to:
            env["MSOKO_FAILURE_MAIL_TO"] = self.failure_mail_to
        env["MSOKO_TENANTS"] = ",".join(self.tenants) or "off"
        if self.tenant_group:
            env["MSOKO_TENANT_GROUP"] = self.tenant_group
        return env

    def dbt_env(self) -> dict[str, str]:
        """The environment of a dbt subprocess: this process's, with these settings on top
        (``dbt_project/profiles.yml`` and the sources read them with ``env_var``)."""
        return {**os.environ, **self.export_env()}


TENANT_KINDS = ("municipality", "school")


def parse_tenants(value: str) -> tuple[str, ...]:
    """``MSOKO_TENANTS``: "off" (or empty), "municipality", "municipality,school" (any
    separator of , | or space); an unknown kind is refused rather than ignored."""
    words = [w for w in value.replace("|", ",").replace(" ", ",").lower().split(",") if w]
    if not words or words in (["off"], ["0"], ["no"], ["false"]):
        return ()
    unknown = sorted(set(words) - set(TENANT_KINDS))
    if unknown:
        raise ValueError(
            f"MSOKO_TENANTS: unknown tenant kind(s) {', '.join(unknown)}; "
            "use off, municipality or municipality,school"
        )
    return tuple(k for k in TENANT_KINDS if k in words)


# Internal data (the lake, the warehouse, scratch copies, Dagster storage, dbt's logs) holds
# pupil-level rows: every file this program and its children create is owner-only, whatever
# the umask it was started with. Published outputs are opened to a group on purpose
# (orchestration/publishing/store.py: share).
PRIVATE_UMASK = 0o077


def private_files() -> int:
    """Make new files owner-only (0600, folders 0700) for this process and its children; return
    the previous umask. Called by the entry points (the CLI, the Dagster code location)."""
    return os.umask(PRIVATE_UMASK)


def secure_internal_data(settings: Settings) -> list[Path]:
    """Take group and other permissions away from internal data a release before the umask
    rule wrote (the lake, the warehouse, DuckDB's spill folder, dbt's run folders): a new
    umask protects new files only. Returns what was changed; quick when nothing needs it."""
    changed: list[Path] = []
    roots = [
        settings.lake_dir,
        settings.data_dir / "duckdb_tmp",
        settings.data_dir / "dbt",
        *settings.warehouse_path.parent.glob(settings.warehouse_path.name + "*"),
    ]
    for root in roots:
        if not root.exists() or root.is_symlink():
            continue
        paths = [root]
        if root.is_dir():
            for folder, dirs, files in os.walk(root):
                paths += [Path(folder, name) for name in (*dirs, *files)]
        for path in paths:
            try:
                mode = path.lstat().st_mode
                if mode & 0o077 and not stat.S_ISLNK(mode):
                    path.chmod(stat.S_IMODE(mode) & 0o700)
                    changed.append(path)
            except OSError:
                continue  # vanished meanwhile, or not ours: the run that needs it will say so
    return changed

"""Where things live: every path and setting of the warehouse, read from environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).resolve() if value else default.resolve()


@dataclass(frozen=True)
class Settings:
    """Paths of one deployment. Everything is derived from ``MSOKO_DATA_DIR`` unless overridden.

    - ``landing_dir``: files as users drop them, one sub-folder per source (never edited by code);
    - ``lake_dir``: immutable Parquet written by ingestion (the only thing ingestion writes);
    - ``warehouse_path``: the internal DuckDB file, written by dbt only (pupil-level rows live here);
    - ``reporting_path``: the published DuckDB file analysts and BI tools open read-only.
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
    min_group_size: int

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _path("MSOKO_DATA_DIR", PROJECT_ROOT / "data")
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
            # A РЦОИ "Код ОО" is unique only within its region: files that do not say their
            # region (no region=NN folder) are read as belonging to this one.
            # publication refusals lifted on purpose (withdrawn data, an accepted shrink)
            decisions_path=_path(
                "MSOKO_PUBLICATION_DECISIONS_PATH",
                PROJECT_ROOT / "config" / "publication_decisions.csv",
            ),
            default_region=os.environ.get("MSOKO_DEFAULT_REGION", "27"),
            # DuckDB spills to disk beyond this; 2-core / 24 GiB machines were measured with it.
            duckdb_memory_limit=os.environ.get("MSOKO_DUCKDB_MEMORY_LIMIT", "8GB"),
            duckdb_threads=int(os.environ.get("MSOKO_DUCKDB_THREADS", str(os.cpu_count() or 2))),
            # published outputs blank the measures of groups smaller than this (pupils)
            min_group_size=int(os.environ.get("MSOKO_MIN_GROUP_SIZE", "5")),
        )

    def export_env(self) -> dict[str, str]:
        """The environment dbt and child processes need to see the same paths."""
        return {
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
            "MSOKO_MIN_GROUP_SIZE": str(self.min_group_size),
        }


def settings() -> Settings:
    return Settings.from_env()

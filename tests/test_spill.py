"""DuckDB may spill to disk beyond its memory limit: where, and that a build survives it.
(A build with a low limit, output compared with the floor, is ``bench/spill.py``.)"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion.config import DBT_PROJECT_DIR
from ingestion.engine import connect_for_ingestion


def _spill(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("set memory_limit = '32MB'")
    con.execute("set threads = 1")
    con.execute(
        "create temp table big as select range as i, md5(range::varchar) as s from range(800000)"
    )
    con.execute("select s from big order by s").fetchall()


def test_dbt_sets_its_temporary_directory_once_as_duckdb_requires(tmp_path: Path) -> None:
    """dbt-duckdb repeats the profile's ``settings`` on every cursor; once DuckDB has spilled it
    refuses to switch its temporary directory, so a build whose ``temp_directory`` was a
    setting failed on every node after its first spill (country scale, 8 GB). The profile sets
    it once, as a database option."""
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    warehouse = profile["msoko"]["outputs"]["warehouse"]
    assert "temp_directory" not in warehouse.get("settings", {})
    assert "temp_directory" in warehouse.get("config_options", {})

    # why: what dbt-duckdb's next cursor does after a spill
    con = duckdb.connect(config={"temp_directory": str(tmp_path / "spill")})
    _spill(con)
    with pytest.raises(duckdb.Error, match="temporary directory"):
        con.execute(f"set temp_directory = '{tmp_path / 'spill'}'")


def test_ingestion_spills_into_its_private_folder_never_the_current_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An in-memory DuckDB spills to ``./.tmp`` by default: pupils' rows, names not yet dropped,
    in whatever folder the process runs from. Ingestion's connections spill into the private
    scratch folder they are given, or not at all."""
    monkeypatch.chdir(tmp_path)
    with_folder = connect_for_ingestion("32MB", 1, spill_dir=tmp_path / "private")
    _spill(with_folder)
    assert (tmp_path / "private").is_dir()
    without = connect_for_ingestion("32MB", 1)
    with pytest.raises(duckdb.OutOfMemoryException):
        _spill(without)
    assert not (tmp_path / ".tmp").exists()

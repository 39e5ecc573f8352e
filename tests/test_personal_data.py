"""No name or document number of the input files survives anywhere the warehouse writes.

The generator records, in its ground truth (kept outside data/), the fake names and document
numbers it wrote into the ЕГЭ/ОГЭ files. This test looks for them in every file under the
data folder (DuckDB tables and Parquet read as data, other files as text), in the Dagster
instance (its SQLite storage and logs) and in dbt's target/ folder — quarantine included.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT, PipelineRun, connect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]

TOKEN = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")


def personal_terms(pipeline: PipelineRun) -> set[str]:
    rows = pipeline.exam_truth()
    allowed = set()  # words that are also legitimately elsewhere (school names, codes)
    for school in pipeline.truth["schools"]:
        for value in school.values():
            allowed |= {t.lower() for t in TOKEN.findall(str(value))}
    terms = set()
    for r in rows:
        # a 6-digit number alone collides with ids and timings: look for series + number,
        # written together or as two neighbouring words
        terms |= {
            r["surname"].lower(),
            r["document_series"] + r["document_number"],
            f"{r['document_series']} {r['document_number']}",
        }
    for r in pipeline.truth.get("olympiad", []):  # olympiad protocols name pupils too
        terms.add(r["surname"].lower())
    terms = {t for t in terms if t not in allowed and len(t) >= 4}
    assert len(terms) > 100, "the ground truth lists the personal data written to the files"
    return terms


def _tokens(text: str) -> set[str]:
    words = [t.lower() for t in TOKEN.findall(text)]
    return set(words) | {f"{a} {b}" for a, b in itertools.pairwise(words)}


def _text_of_duckdb(path: Path, parquet: bool) -> str:
    con = duckdb.connect() if parquet else connect(path)
    try:
        if parquet:
            con.execute(f"create view t as select * from read_parquet('{path}')")
            relations = [("main", "t")]
        else:
            relations = con.execute(  # tables, and the views of a published catalog
                "select schema_name, table_name from duckdb_tables() union all "
                "select schema_name, view_name from duckdb_views() where not internal"
            ).fetchall()
        parts = []
        for schema, table in relations:
            columns = [
                c
                for c, t in con.execute(
                    "select column_name, data_type from duckdb_columns() "
                    "where schema_name = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
                if t == "VARCHAR"
            ]
            for column in columns:
                values = con.execute(
                    f'select distinct "{column}" from "{schema}"."{table}" '
                    f'where "{column}" is not null'
                ).fetchall()
                parts += [v for (v,) in values]
        return "\n".join(parts)
    finally:
        con.close()


def leaks(root: Path, terms: set[str]) -> list[str]:
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix == ".duckdb" and not path.name.startswith("."):
            text = _text_of_duckdb(path, parquet=False)
        elif path.suffix == ".parquet":
            text = _text_of_duckdb(path, parquet=True)
        else:
            raw = path.read_bytes()
            text = raw.decode("utf-8", errors="ignore") + raw.decode("cp1251", errors="ignore")
        hits = _tokens(text) & terms
        if hits:
            found.append(f"{path}: {sorted(hits)[:5]}")
    return found


def test_no_personal_data_under_data_dagster_or_dbt_target(pipeline: PipelineRun) -> None:
    terms = personal_terms(pipeline)
    # the inputs do carry them (otherwise this test could not fail)
    assert leaks(pipeline.root / "landing", terms)
    places = [pipeline.data_dir, pipeline.dagster_home, PROJECT_ROOT / "dbt_project" / "target"]
    found = [hit for place in places if place.exists() for hit in leaks(place, terms)]
    assert not found, "personal data leaked:\n" + "\n".join(found)

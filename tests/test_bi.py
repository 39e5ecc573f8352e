"""BI tools connect the way Superset does: SQLAlchemy + duckdb-engine, read-only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PipelineRun

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]


def test_sqlalchemy_read_only_connection(pipeline: PipelineRun) -> None:
    engine = sa.create_engine(f"duckdb:///{pipeline.reporting}", connect_args={"read_only": True})
    with engine.connect() as con:
        # duckdb-engine lists schemas as "<database>.<schema>"
        schemas = {s.split(".")[-1] for s in sa.inspect(con).get_schema_names()}
        assert {"marts", "reference", "audit"} <= schemas
        tables = set(sa.inspect(con).get_table_names(schema="marts"))
        assert {"dim_school", "fct_assessment_result", "mart_school_scorecard"} <= tables
        rows = con.execute(
            sa.text(
                "select school_short_name, vpr_math_pct_mark2 from marts.mart_school_scorecard "
                "where vpr_math_pct_mark2 is not null order by 2 desc limit 5"
            )
        ).fetchall()
        assert len(rows) == 5
        with pytest.raises(sa.exc.DBAPIError):
            con.execute(sa.text("create table marts.scratch (x integer)"))
    engine.dispose()


MARTS_DOC = Path(__file__).resolve().parent.parent / "docs" / "marts.md"


def catalogue_queries() -> list[tuple[str, str]]:
    """(heading, SQL) of every example in docs/marts.md."""
    text = MARTS_DOC.read_text(encoding="utf-8")
    out = []
    for block in re.finditer(
        r"^## (?P<title>.+?)\n(?:.*?\n)*?```sql\n(?P<sql>.*?)```", text, re.M | re.S
    ):
        out.append((block["title"], block["sql"]))
    return out


def test_the_catalogue_has_examples_for_every_mart() -> None:
    sql = " ".join(q for _, q in catalogue_queries())
    assert len(catalogue_queries()) >= 10
    for table in (
        "fct_assessment_result",
        "mart_school_scorecard",
        "mart_indicator_achievement",
        "fct_indicator_value",
        "dim_indicator",
        "mart_management_mechanisms",
        "mart_shnor_risk",
        "mart_olympiad_summary",
    ):
        assert f"marts.{table}" in sql, f"docs/marts.md has no example for {table}"


def test_every_catalogue_query_runs_read_only_and_returns_rows(pipeline: PipelineRun) -> None:
    engine = sa.create_engine(f"duckdb:///{pipeline.reporting}", connect_args={"read_only": True})
    with engine.connect() as con:
        for title, sql in catalogue_queries():
            rows = con.execute(sa.text(sql)).fetchall()
            assert rows, f"the example «{title}» of docs/marts.md returned no rows"
    engine.dispose()


def test_dbt_docs_site_is_one_offline_file(pipeline: PipelineRun, tmp_path: Path) -> None:
    run = pipeline.copy(tmp_path / "run")
    out = run.cli("docs").stdout
    page = run.data_dir / "docs" / "dbt_docs.html"
    assert str(page) in out
    html = page.read_text(encoding="utf-8")
    assert "mart_indicator_achievement" in html and "mart_management_mechanisms" in html
    # the exposures (who reads the published file) and the catalogue are in the site
    for name in ("analytical_note", "public_export", "bi_dashboard_core", "column_catalogue"):
        assert name in html, f"the dbt docs site does not show {name}"

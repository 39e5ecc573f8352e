"""BI tools connect the way Superset does: SQLAlchemy + duckdb-engine, read-only."""

from __future__ import annotations

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

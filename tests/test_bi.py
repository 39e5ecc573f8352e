"""BI tools connect the way Superset does: SQLAlchemy + duckdb-engine, read-only."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from tests.conftest import PipelineRun, connect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]


def test_sqlalchemy_read_only_connection(pipeline: PipelineRun) -> None:
    engine = sa.create_engine(f"duckdb:///{pipeline.reporting}", connect_args={"read_only": True})
    try:
        _query_through_sqlalchemy(engine)
    finally:
        engine.dispose()  # a pooled connection would keep this process's DuckDB instance open


def _query_through_sqlalchemy(engine: sa.Engine) -> None:
    with engine.connect() as con:
        # duckdb-engine lists schemas as "<database>.<schema>"
        schemas = {s.split(".")[-1] for s in sa.inspect(con).get_schema_names()}
        assert {"marts", "reference", "audit"} <= schemas
        # the published tables are views of the catalog (docs/bi.md): BI tools list both
        inspector = sa.inspect(con)
        tables = set(inspector.get_view_names(schema="marts")) | set(
            inspector.get_table_names(schema="marts")
        )
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


MARTS_DOC = Path(__file__).resolve().parent.parent / "docs" / "marts.md"
PUBLISHED_SCHEMAS = ("marts", "audit", "reference", "main")


def catalogue_queries() -> list[tuple[str, str]]:
    """(heading, SQL) of every ```sql block of docs/marts.md, in order; a heading with several
    blocks gives "heading (2)", "heading (3)" to the later ones."""
    out: list[tuple[str, str]] = []
    heading, seen = "", 0
    fence: str | None = None
    body: list[str] = []
    for line in MARTS_DOC.read_text(encoding="utf-8").splitlines():
        if fence is None and line.startswith("## "):
            heading, seen = line[3:].strip(), 0
        elif fence is None and line.startswith("```"):
            fence, body = line[3:].strip(), []
        elif fence is not None and line.startswith("```"):
            if fence == "sql":
                seen += 1
                out.append((heading if seen == 1 else f"{heading} ({seen})", "\n".join(body)))
            fence = None
        elif fence is not None:
            body.append(line)
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


def test_every_sql_block_of_the_mart_catalogue_is_a_closed_block_the_tests_run() -> None:
    """An unclosed fence swallows the sections after it (their headings become code); a reader
    that takes one query per heading leaves the others untested."""
    lines = MARTS_DOC.read_text(encoding="utf-8").splitlines()
    fences = [i for i, line in enumerate(lines) if line.startswith("```")]
    assert len(fences) % 2 == 0, "docs/marts.md has an unclosed ``` fence"
    swallowed = [
        lines[i]
        for start, end in zip(fences[::2], fences[1::2], strict=True)
        for i in range(start + 1, end)
        if lines[i].startswith("## ")
    ]
    assert not swallowed, f"headings inside a code block: {swallowed}"
    opened = sum(1 for line in lines if line.strip() == "```sql")
    assert len(catalogue_queries()) == opened


def test_every_catalogue_query_runs_read_only_and_returns_rows(pipeline: PipelineRun) -> None:
    engine = sa.create_engine(f"duckdb:///{pipeline.reporting}", connect_args={"read_only": True})
    try:  # a failing query must not leave the file open under another configuration
        with engine.connect() as con:
            for title, sql in catalogue_queries():
                rows = con.execute(sa.text(sql)).fetchall()
                assert rows, f"the example «{title}» of docs/marts.md returned no rows"
    finally:
        engine.dispose()


def test_every_column_the_mart_catalogue_names_exists_in_the_published_file(
    pipeline: PipelineRun,
) -> None:
    """`schema.table.column`, `table.column` of a published table, `schema.table`, and the key
    columns of the question table (`pct_passing`, `mark2_count`…`mark5_count`, `vpr_*`) must
    name columns the published file has; a table of the internal warehouse may be named as
    such (`marts.fct_exam_result`), never a column it lacks."""
    published: dict[str, set[str]] = {}
    qualified: dict[str, set[str]] = {}
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    try:
        for schema, table, column in con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and not internal"
        ).fetchall():
            published.setdefault(table, set()).add(column)
            qualified.setdefault(f"{schema}.{table}", set()).add(column)
    finally:
        con.close()
    internal: dict[str, set[str]] = {}
    con = connect(pipeline.warehouse)
    try:
        for schema, table, column in con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = current_database() and not internal"
        ).fetchall():
            internal.setdefault(f"{schema}.{table}", set()).add(column)
    finally:
        con.close()
    text = MARTS_DOC.read_text(encoding="utf-8")
    wrong = []
    for a, b, c in re.findall(r"\b([a-z_]+)\.([a-z_0-9]+)(?:\.([a-z_0-9]+))?\b", text):
        if a in PUBLISHED_SCHEMAS and c:
            if c not in qualified.get(f"{a}.{b}", set()):
                wrong.append(f"{a}.{b}.{c}")
        elif a in PUBLISHED_SCHEMAS:
            if f"{a}.{b}" not in qualified and f"{a}.{b}" not in internal:
                wrong.append(f"{a}.{b}")
        elif a in published and b not in published[a]:
            wrong.append(f"{a}.{b}")
    for row in re.findall(r"^\|(.+)\|$", text, re.M):
        cells = [cell.strip() for cell in row.split("|")]
        if len(cells) != 4 or not re.search(r"`[a-z]+\.[a-z_]+`", cells[1]):
            continue
        columns = set().union(
            *(qualified.get(t, set()) for t in re.findall(r"`([a-z]+\.[a-z_]+)`", cells[1]))
        )
        for name in re.findall(r"`([a-z_0-9*]+)`", cells[3]):
            pattern = re.compile("^" + name.replace("*", "[a-z_0-9]*") + "$")
            if not any(pattern.match(column) for column in columns):
                wrong.append(f"{cells[1]}: {name}")
    assert not wrong, f"docs/marts.md names columns the published file does not have: {wrong}"


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

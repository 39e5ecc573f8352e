"""Superset as `make superset` deploys it: the dashboard shows the marts' figures.

The test sets up Superset exactly as `make superset` does (deploy/superset/msoko_superset.py
`setup`, then `serve` on a free port of 127.0.0.1) against the session's published file (the
tiny generated region of tests/conftest.py, or $MSOKO_SUPERSET_TEST_REPORTING), logs in as a
user would, opens the dashboard in headless Chromium, captures the chart-data requests the
dashboard itself sends, re-sends each through Superset's chart-data API and compares the
figures with the same question asked of the published file by duckdb directly. The screenshot
of the rendered dashboard is written to build/superset_dashboard.png.

It needs Superset's own venv (`make superset-install`) and Debian's chromium. `make test`
leaves it out (pyproject: -m "not superset"); `.ci/run` runs it as its own step:
`pytest -m superset tests/test_superset.py`.
"""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests
import yaml

from tests.conftest import PROJECT_ROOT

pytestmark = [pytest.mark.superset]

SUPERSET_PYTHON = Path(
    os.environ.get("MSOKO_SUPERSET_PYTHON") or PROJECT_ROOT / "build/superset/venv/bin/python"
)
SCRIPT = PROJECT_ROOT / "deploy/superset/msoko_superset.py"
BUNDLE = PROJECT_ROOT / "deploy/superset/dashboard"
SCREENSHOT = PROJECT_ROOT / "build/superset_dashboard.png"
SLUG = "msoko"
VIEWPORT = (1600, 3600)  # tall enough for every chart: Superset renders only charts in view
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
YEAR = "cast(academic_year as varchar) || '/' || cast(academic_year + 1 as varchar)"

# What each chart of the dashboard answers, asked of the published file directly. Aliases are
# the columns Superset returns (x axis, series, then metrics; a table's columns as listed).
EXPECTED: dict[str, str] = {
    "Результаты школ по годам и изменение к прошлому году": f"""
        select {YEAR} as academic_year_label, municipality_name, school_short_name,
               vpr_rus_pct_mark2, vpr_rus_pct_mark2_change, vpr_math_pct_mark2,
               vpr_math_pct_mark2_change, oge_rus_pct_mark2, oge_math_pct_mark2,
               ege_rus_pct_below_min, ege_math_pct_below_min
        from marts.mart_school_scorecard""",
    "ВПР математика: доля «2» по муниципалитетам, %": f"""
        select {YEAR} as academic_year_label, municipality_name,
               round(sum(vpr_math_pct_mark2 * vpr_math_participants_count)
                     / sum(vpr_math_participants_count) filter (where vpr_math_pct_mark2 is not null),
                     2) as vpr_math_pct_mark2_pooled
        from marts.mart_school_scorecard group by all""",
    "ВПР русский язык: доля «2» по муниципалитетам, %": f"""
        select {YEAR} as academic_year_label, municipality_name,
               round(sum(vpr_rus_pct_mark2 * vpr_rus_participants_count)
                     / sum(vpr_rus_participants_count) filter (where vpr_rus_pct_mark2 is not null),
                     2) as vpr_rus_pct_mark2_pooled
        from marts.mart_school_scorecard group by all""",
    "Школы по статусу ШНОР, по годам": f"""
        select {YEAR} as academic_year_label, shnor_status, count(distinct school_id) as schools
        from marts.mart_shnor_risk group by all""",
    "ШНОР и риск: школы и обоснование": f"""
        select {YEAR} as academic_year_label, municipality_name, school_short_name,
               shnor_status, flagged_cells, cells_with_data, reason
        from marts.mart_shnor_risk where shnor_status <> 'нет'""",
    "Маркеры необъективности: число школ по видам маркеров": f"""
        select {YEAR} as academic_year_label,
               count(distinct school_id) filter (where is_m1_journal_mismatch) as schools_m1,
               count(distinct school_id) filter (where is_m2_high_not_confirmed) as schools_m2,
               count(distinct school_id) filter (where is_m4_sharp_change) as schools_m4,
               count(distinct school_id) filter (where is_m6_exam_vs_annual_mark) as schools_m6,
               count(distinct school_id) filter (where is_m7_medalists_low_ege) as schools_m7,
               count(distinct school_id) filter (where is_objectivity_risk) as schools_risk
        from marts.mart_objectivity_markers group by all""",
    "Маркеры необъективности: школы и обоснование": f"""
        select {YEAR} as academic_year_label, m.municipality_name, m.school_short_name,
               a.assessment_name,
               case when m.subject_code = 'medalists' then 'Медалисты (все предметы ЕГЭ)'
                    else s.subject_name end as subject_name,
               m.grade, m.n_markers, m.school_marker_types, m.evidence
        from marts.mart_objectivity_markers as m
        left join reference.assessments as a on a.assessment_code = m.assessment_code
        left join reference.subjects as s on s.subject_code = m.subject_code
        where m.n_markers >= 1""",
    "Достижение показателей по муниципалитетам и периодам": """
        select a.municipality_name, p.programme_name, a.period_start, a.indicators_in_form,
               a.indicators_achieved, a.indicators_not_achieved, a.indicators_no_data,
               a.pct_achieved_strict, a.pct_achieved_evaluable,
               case a.summary_differs when true then 'да' when false then 'нет' end
                   as summary_differs_ru
        from marts.mart_indicator_achievement as a
        left join reference.indicator_programmes as p on p.programme_code = a.programme_code""",
    "Показатели последнего учебного года по статусу выполнения": """
        select municipality_name,
               case status when 'achieved' then 'достигнут' when 'not_achieved' then 'не достигнут'
                    when 'no_data' then 'нет данных' else status end as status_ru,
               count(*) as count
        from marts.fct_indicator_value
        where academic_year = (select max(academic_year) from marts.fct_indicator_value)
        group by all""",
    "Механизмы управления качеством: индекс муниципалитетов, %": f"""
        select municipality_name, {YEAR} as academic_year_label, index_pct as index_pct_value
        from marts.mart_management_mechanisms where level = 'total'""",
    "Рейтинг муниципалитетов по механизмам управления качеством": f"""
        select {YEAR} as academic_year_label, rank_in_region, municipality_name, points,
               max_points, index_pct, index_pct_change
        from marts.mart_management_mechanisms where level = 'total'""",
}


# --- Superset ------------------------------------------------------------------------------


@dataclass
class Superset:
    url: str
    env: dict[str, str]
    password: str
    home: Path
    session: requests.Session = field(default_factory=requests.Session)

    def login(self) -> requests.Session:
        """Log in through the login form, as a person does; the session cookie is the proof."""
        session = requests.Session()
        page = session.get(f"{self.url}/login/", timeout=30)
        token = re.search(r'id="csrf_token"\s*value="([^"]+)"', page.text)
        assert token, "the login page has no CSRF token"
        session.post(
            f"{self.url}/login/",
            data={"username": "admin", "password": self.password, "csrf_token": token[1]},
            allow_redirects=False,
            timeout=30,
        )
        me = session.get(f"{self.url}/api/v1/me/", timeout=30)
        assert me.status_code == 200 and me.json()["result"]["username"] == "admin", me.text
        return session

    def get(self, path: str) -> Any:
        response = self.session.get(f"{self.url}{path}", timeout=60)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    def chart_data(self, query_context: dict[str, Any]) -> dict[str, Any]:
        response = self.session.post(
            f"{self.url}/api/v1/chart/data", json=query_context, timeout=120
        )
        assert response.status_code == 200, f"chart data: {response.status_code} {response.text}"
        return response.json()

    def sql_lab(self, sql: str, database_id: int) -> requests.Response:
        token = self.get("/api/v1/security/csrf_token/")["result"]
        return self.session.post(
            f"{self.url}/api/v1/sqllab/execute/",
            json={"database_id": database_id, "sql": sql, "runAsync": False},
            headers={"X-CSRFToken": token, "Referer": self.url},
            timeout=120,
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def die_with_parent() -> None:
    """In the child: SIGTERM when the test process dies, killed by a CI timeout included
    (Linux prctl PR_SET_PDEATHSIG; kept across exec, so gunicorn and Chromium get it too)."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process started in its own session, and everything it started."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def published(request: pytest.FixtureRequest) -> Path:
    """The published file Superset reads: the session pipeline's (tiny region) by default."""
    given = os.environ.get("MSOKO_SUPERSET_TEST_REPORTING")
    if given:
        return Path(given).resolve()
    return request.getfixturevalue("pipeline").reporting


@pytest.fixture(scope="module")
def superset(published: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Superset]:
    if not SUPERSET_PYTHON.exists():
        pytest.fail(f"no Superset venv at {SUPERSET_PYTHON}: run `make superset-install` first")
    home = tmp_path_factory.mktemp("superset_home")
    password = secrets.token_urlsafe(12)
    env = {
        **os.environ,
        "MSOKO_SUPERSET_HOME": str(home),
        "MSOKO_SUPERSET_ADMIN_PASSWORD": password,
    }
    env.pop("SUPERSET_SECRET_KEY", None)
    setup = subprocess.run(
        [str(SUPERSET_PYTHON), str(SCRIPT), "setup", "--reporting", str(published)],
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=400,
        preexec_fn=die_with_parent,
    )
    assert setup.returncode == 0, f"setup failed:\n{setup.stdout[-3000:]}\n{setup.stderr[-5000:]}"
    port = free_port()
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [str(SUPERSET_PYTHON), str(SCRIPT), "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (home / "server.log").read_text(errors="replace")[-5000:]
            try:
                # gunicorn accepts before its worker has loaded Superset: a slow first answer
                if requests.get(f"{url}/health", timeout=30).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "Superset did not answer /health in 180 s"
            time.sleep(1)
        running = Superset(url, env, password, home)
        running.session = running.login()
        yield running
    finally:
        stop(server)
        log.close()


# --- the dashboard in a browser --------------------------------------------------------------


class DevTools:
    """A page of headless Chromium driven over the DevTools protocol (no extra packages)."""

    def __init__(self, profile: Path) -> None:
        browser = shutil.which("chromium") or shutil.which("chromium-browser")
        if browser is None:
            pytest.fail("no Chromium: `apt-get install chromium` (.ci/run installs it)")
        self.process = subprocess.Popen(
            [
                browser,
                *BROWSER_FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        from websockets.sync.client import connect

        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            assert self.process.poll() is None, "Chromium exited at start"
            assert time.monotonic() < deadline, "Chromium opened no DevTools port in 60 s"
            time.sleep(0.2)
        port = int(port_file.read_text().splitlines()[0])
        targets = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=30).json()
        page = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        self.socket = connect(page, max_size=None, open_timeout=30)
        self.events: list[dict[str, Any]] = []
        self._id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        self.socket.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=120))
            if message.get("id") == self._id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self.events.append(message)

    def next_events(self, wait: float) -> list[dict[str, Any]]:
        with contextlib.suppress(TimeoutError):
            self.events.append(json.loads(self.socket.recv(timeout=wait)))
        events, self.events = self.events, []
        return events

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"][
            "value"
        ]

    def close(self) -> None:
        try:
            self.socket.close()
        finally:
            stop(self.process)


@dataclass
class Rendered:
    """What the browser saw: each chart's own chart-data request and response, and the page."""

    charts: dict[int, tuple[dict[str, Any], int, dict[str, Any]]]
    page: dict[str, Any]
    screenshot: Path


PAGE_STATE = """JSON.stringify({
  path: location.pathname,
  title: document.title,
  login_form: document.querySelectorAll('input[type="password"]').length,
  holders: Array.from(document.querySelectorAll('[data-test="dashboard-component-chart-holder"]'))
    .map(h => ({
      canvases: h.querySelectorAll('canvas').length,
      table_rows: h.querySelectorAll('table tbody tr').length,
      errors: Array.from(h.querySelectorAll('[role="alert"], .alert')).map(e => e.innerText),
      text: h.innerText.slice(0, 200),
    })),
  loading: document.querySelectorAll('[data-test="loading-indicator"], .loading').length,
})"""


@pytest.fixture(scope="module")
def rendered(superset: Superset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    charts = superset.get(f"/api/v1/dashboard/{SLUG}/charts")["result"]
    browser = DevTools(tmp_path_factory.mktemp("chromium_profile"))
    try:
        browser.call("Network.enable")
        browser.call("Page.enable")
        cookie = superset.session.cookies.get("session")
        browser.call("Network.setCookie", name="session", value=cookie, url=f"{superset.url}/")
        width, height = VIEWPORT
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        browser.call("Page.navigate", url=f"{superset.url}/superset/dashboard/{SLUG}/")
        statuses: dict[str, int] = {}
        by_chart: dict[int, tuple[dict[str, Any], int, dict[str, Any]]] = {}
        wanted = {chart["id"] for chart in charts}
        deadline = time.monotonic() + 180
        while not wanted <= set(by_chart) and time.monotonic() < deadline:
            for event in browser.next_events(1.0):
                method, params = event.get("method"), event.get("params", {})
                request_id = params.get("requestId")
                if method == "Network.requestWillBeSent":
                    if "/api/v1/chart/data" in params["request"]["url"]:
                        statuses[request_id] = 0
                elif request_id in statuses and method == "Network.responseReceived":
                    statuses[request_id] = params["response"]["status"]
                elif request_id in statuses and method == "Network.loadingFinished":
                    post = browser.call("Network.getRequestPostData", requestId=request_id)
                    body = browser.call("Network.getResponseBody", requestId=request_id)
                    query_context = json.loads(post["postData"])
                    chart_id = query_context["form_data"].get("slice_id")
                    if chart_id is not None:  # not the filter bar asking for its values
                        by_chart[chart_id] = (
                            query_context,
                            statuses[request_id],
                            json.loads(body["body"]),
                        )
        # charts animate for about a second after their data arrives
        deadline = time.monotonic() + 60
        while True:
            time.sleep(2)
            page = json.loads(browser.evaluate(PAGE_STATE))
            if page["loading"] == 0 or time.monotonic() > deadline:
                break
        shot = browser.call("Page.captureScreenshot", format="png")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        SCREENSHOT.write_bytes(base64.b64decode(shot["data"]))
        yield Rendered(by_chart, page, SCREENSHOT)
    finally:
        browser.close()


# --- comparing figures -----------------------------------------------------------------------


def normalised(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def api_value(value: Any, column_type: int | None) -> Any:
    """Superset sends temporal values as epoch milliseconds (GenericDataType.TEMPORAL = 2)."""
    if column_type == 2 and isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC).date().isoformat()
    return normalised(value)


def rows_key(row: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(repr(v) for v in row)


def without_post_processing(query_context: dict[str, Any]) -> dict[str, Any]:
    """The chart's own query, its rows before the browser-side pivot (what SQL returns)."""
    plain = json.loads(json.dumps(query_context))
    for query in plain["queries"]:
        query["post_processing"] = []
    plain["result_format"], plain["result_type"] = "json", "full"
    return plain


def expected_rows(published: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    con = duckdb.connect(str(published), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        rows = [tuple(normalised(v) for v in row) for row in cursor.fetchall()]
    finally:
        con.close()
    return names, rows


def chart_rows(superset: Superset, query_context: dict[str, Any]) -> dict[str, Any]:
    (result,) = superset.chart_data(without_post_processing(query_context))["result"]
    names = list(result["colnames"])
    types = list(result.get("coltypes") or [None] * len(names))
    rows = [
        tuple(api_value(record[name], kind) for name, kind in zip(names, types, strict=True))
        for record in result["data"]
    ]
    return {"names": names, "rows": rows, "data": result["data"], "query": result.get("query", "")}


def compare(slice_name: str, got: dict[str, Any], published: Path) -> int:
    names, want = expected_rows(published, EXPECTED[slice_name])
    assert got["names"] == names, f"«{slice_name}»: columns {got['names']} ≠ {names}"
    assert sorted(got["rows"], key=rows_key) == sorted(want, key=rows_key), (
        f"«{slice_name}»: Superset's figures differ from the published file\n"
        f"only in Superset: {sorted(set(got['rows']) - set(want), key=rows_key)[:5]}\n"
        f"only in the file: {sorted(set(want) - set(got['rows']), key=rows_key)[:5]}\n"
        f"Superset's SQL: {got['query']}"
    )
    return len(want)


def numbers(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [round(float(value), 6)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers(v)]
    return []


# --- the tests -------------------------------------------------------------------------------


def test_superset_listens_on_the_loopback_address_only(superset: Superset) -> None:
    port = int(superset.url.rsplit(":", 1)[1])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, local_port = local.rsplit(":", 1)
            if state == "0A" and int(local_port, 16) == port:  # 0A = LISTEN
                listening.append(address)
    assert listening == ["0100007F"], f"port {port} listens on {listening}, not 127.0.0.1 only"


def test_the_published_file_is_registered_read_only(superset: Superset, published: Path) -> None:
    (database,) = superset.get("/api/v1/database/?q=(page_size:100)")["result"]
    detail = superset.get(f"/api/v1/database/{database['id']}/connection")["result"]
    assert detail["allow_dml"] is False
    assert detail["sqlalchemy_uri"] == f"duckdb:///{published}?access_mode=read_only"
    # the connection itself is read-only, not only Superset's DML guard
    mode = superset.sql_lab("select current_setting('access_mode') as mode", database["id"])
    assert mode.status_code == 200, mode.text
    assert mode.json()["data"] == [{"mode": "read_only"}]
    write = superset.sql_lab("create table marts.scratch as select 1 as x", database["id"])
    assert write.status_code >= 400
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert con.execute(
            "select count(*) from duckdb_tables() where table_name = 'scratch'"
        ).fetchone() == (0,)
    finally:
        con.close()


def test_every_chart_shows_the_figures_of_the_published_file(
    superset: Superset, rendered: Rendered, published: Path
) -> None:
    charts = superset.get(f"/api/v1/dashboard/{SLUG}/charts")["result"]
    names = {c["slice_name"] for c in charts}
    assert names == set(EXPECTED), (
        f"charts without a check: {names - set(EXPECTED)}; checks without a chart: "
        f"{set(EXPECTED) - names}"
    )
    checked = {}
    for chart in charts:
        assert chart["id"] in rendered.charts, (
            f"the dashboard never asked for «{chart['slice_name']}»"
        )
        query_context, status, shown = rendered.charts[chart["id"]]
        assert status == 200, f"«{chart['slice_name']}»: {status} {shown}"
        got = chart_rows(superset, query_context)
        checked[chart["slice_name"]] = compare(chart["slice_name"], got, published)
        # what the browser drew is the same figures, pivoted for the chart
        drawn = sorted(numbers(shown["result"][0]["data"]))
        fetched = numbers(got["data"])
        assert set(drawn) <= set(fetched) | {0.0}, (
            f"«{chart['slice_name']}»: the browser drew figures the query did not return"
        )
    empty = [name for name, n in checked.items() if n == 0]
    assert not empty, f"charts with no rows in the published file: {empty}"


def test_the_dashboard_renders_every_chart_for_a_logged_in_user(rendered: Rendered) -> None:
    page = rendered.page
    assert page["path"] == f"/superset/dashboard/{SLUG}/", f"the browser is on {page['path']}"
    assert page["login_form"] == 0, "the screenshot would show the login page"
    assert page["title"].startswith("МСОКО")
    assert len(page["holders"]) == len(EXPECTED)
    for holder in page["holders"]:
        assert not holder["errors"], f"a chart shows an error: {holder['errors']}"
        assert holder["canvases"] or holder["table_rows"], f"a chart drew nothing: {holder['text']}"
    from matplotlib.image import imread

    pixels = imread(rendered.screenshot)
    assert pixels.shape[:2] == (VIEWPORT[1], VIEWPORT[0])
    colours = {tuple(p) for p in (pixels[::8, ::8, :3] * 255).round().reshape(-1, 3).tolist()}
    # the login page is white, grey and one accent colour; a dashboard of charts is many colours
    assert len(colours) > 200, f"only {len(colours)} colours: the screenshot shows no charts"


def test_the_filters_narrow_every_chart_in_their_scope(
    superset: Superset, rendered: Rendered, published: Path
) -> None:
    """«Учебный год» and «Муниципальное образование» filter every chart by its own dataset's
    column of that name; the latest-year status chart stays out of the year filter's scope."""
    metadata = json.loads(superset.get(f"/api/v1/dashboard/{SLUG}")["result"]["json_metadata"])
    filters = {f["name"]: f for f in metadata["native_filter_configuration"]}
    assert set(filters) == {"Учебный год", "Муниципальное образование"}
    charts = {
        c["id"]: c["slice_name"] for c in superset.get(f"/api/v1/dashboard/{SLUG}/charts")["result"]
    }
    excluded = {charts.get(i, i) for i in filters["Учебный год"]["scope"]["excluded"]}
    assert excluded == {"Показатели последнего учебного года по статусу выполнения"}
    assert filters["Муниципальное образование"]["scope"]["excluded"] == []
    con = duckdb.connect(str(published), read_only=True)
    try:
        year, municipality = con.execute(
            f"select max({YEAR}), min(municipality_name) from marts.mart_school_scorecard"
        ).fetchone() or (None, None)
    finally:
        con.close()
    for name, (column, value) in {
        "Учебный год": ("academic_year_label", year),
        "Муниципальное образование": ("municipality_name", municipality),
    }.items():
        scope_excluded = set(filters[name]["scope"]["excluded"])
        assert filters[name]["targets"][0]["column"]["name"] == column
        for chart_id, slice_name in charts.items():
            if chart_id in scope_excluded:
                continue
            query_context = json.loads(json.dumps(rendered.charts[chart_id][0]))
            for query in query_context["queries"]:
                query["filters"].append({"col": column, "op": "IN", "val": [value]})
            everything = chart_rows(superset, rendered.charts[chart_id][0])
            narrowed = chart_rows(superset, query_context)
            assert narrowed["rows"], f"«{slice_name}» has nothing for {name} = {value}"
            if column in narrowed["names"]:
                at = narrowed["names"].index(column)
                kept = [row for row in everything["rows"] if row[at] == value]
                assert sorted(narrowed["rows"], key=rows_key) == sorted(kept, key=rows_key), (
                    f"{name} = {value} does not narrow «{slice_name}» to its rows"
                )
            else:  # an aggregate over the column: its figures are recomputed, never more rows
                assert len(narrowed["rows"]) <= len(everything["rows"]), slice_name


def test_the_dashboard_speaks_russian(superset: Superset) -> None:
    cyrillic = re.compile("[А-Яа-яЁё]")
    dashboard = superset.get(f"/api/v1/dashboard/{SLUG}")["result"]
    assert cyrillic.search(dashboard["dashboard_title"])
    for chart in superset.get(f"/api/v1/dashboard/{SLUG}/charts")["result"]:
        assert cyrillic.search(chart["slice_name"])
    for dataset in superset.get(f"/api/v1/dashboard/{SLUG}/datasets")["result"]:
        unlabelled = [
            c["column_name"]
            for c in dataset["columns"]
            if not cyrillic.search(c.get("verbose_name") or "")
        ]
        assert not unlabelled, (
            f"{dataset['table_name']}: columns without a Russian label {unlabelled}"
        )
    page = superset.session.get(f"{superset.url}/superset/welcome/", timeout=30).text
    quote = '(?:"|&#34;|&quot;)'
    assert re.search(f"{quote}locale{quote}: ?{quote}ru{quote}", page), (
        "the interface is not Russian"
    )


def test_a_new_publication_is_seen_without_restarting_superset(
    superset: Superset, rendered: Rendered, published: Path
) -> None:
    """Superset keeps no connection and no cache: a file swapped in place shows at once."""
    (chart,) = [
        c
        for c in superset.get(f"/api/v1/dashboard/{SLUG}/charts")["result"]
        if c["slice_name"] == "Школы по статусу ШНОР, по годам"
    ]
    query_context = rendered.charts[chart["id"]][0]
    before = chart_rows(superset, query_context)
    years = sorted({row[0] for row in before["rows"]})
    assert len(years) >= 2
    saved = published.with_name(published.name + ".before-test")
    nxt = published.with_name(published.name + ".next")
    shutil.copy2(published, saved)
    try:
        # the next publication: the same tables, without the latest academic year of ШНОР
        con = duckdb.connect(str(nxt))
        try:
            con.execute(f"attach '{published}' as pub (read_only)")
            con.execute("create schema marts")
            con.execute(
                "create table marts.mart_shnor_risk as select * from pub.marts.mart_shnor_risk "
                "where academic_year < (select max(academic_year) from pub.marts.mart_shnor_risk)"
            )
            con.execute("detach pub")
        finally:
            con.close()
        os.replace(nxt, published)
        after = chart_rows(superset, query_context)
        assert sorted({row[0] for row in after["rows"]}) == years[:-1]
        compare(chart["slice_name"], after, published)
    finally:
        os.replace(saved, published)
        nxt.unlink(missing_ok=True)
    again = chart_rows(superset, query_context)
    assert sorted(again["rows"], key=rows_key) == sorted(before["rows"], key=rows_key)


def load_script() -> Any:
    spec = importlib.util.spec_from_file_location("msoko_superset", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_column_labels_come_from_the_published_catalogue_when_it_has_one(tmp_path: Path) -> None:
    script = load_script()
    plain = tmp_path / "plain.duckdb"
    duckdb.connect(str(plain)).close()
    bundle = script.read_bundle(plain)
    assert script.apply_labels(bundle, plain) == 0, "no catalogue: the labels of the files stay"
    with_catalogue = tmp_path / "catalogue.duckdb"
    con = duckdb.connect(str(with_catalogue))
    con.execute(
        "create schema reference; create table reference.column_catalogue as select * from "
        "(values ('marts', 'mart_school_scorecard', 12, 'vpr_math_pct_mark2', 'DOUBLE', "
        "'Метка из каталога', 'Описание из каталога'), ('marts', 'mart_objectivity_markers', 34, "
        "'evidence', 'VARCHAR', 'Доказательства', 'Что сработало')) "
        "as t(schema_name, table_name, column_position, column_name, data_type, label_ru, "
        "description)"
    )
    con.close()
    bundle = script.read_bundle(with_catalogue)
    assert script.apply_labels(bundle, with_catalogue) == 2
    datasets = {
        name: yaml.safe_load(text) for name, text in bundle.items() if name.startswith("datasets/")
    }
    scorecard = datasets["datasets/msoko_reporting/mart_school_scorecard.yaml"]
    (column,) = [c for c in scorecard["columns"] if c["column_name"] == "vpr_math_pct_mark2"]
    assert (column["verbose_name"], column["description"]) == (
        "Метка из каталога",
        "Описание из каталога",
    )
    # a virtual dataset over a mart takes the mart's labels too
    markers = datasets["datasets/msoko_reporting/mart_objectivity_markers_named.yaml"]
    (column,) = [c for c in markers["columns"] if c["column_name"] == "evidence"]
    assert column["verbose_name"] == "Доказательства"
    (database,) = [t for n, t in bundle.items() if n.startswith("databases/")]
    assert f"sqlalchemy_uri: duckdb:///{with_catalogue}?access_mode=read_only" in database

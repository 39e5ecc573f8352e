"""What deploy/ ships: the instance, the systemd units, and automation on only where served.

The served deployment itself (started, fed files, stopped) is tests/test_service.py; these are
the quick checks of its configuration.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import dagster as dg
import pytest

from ingestion.config import Settings
from orchestration.defs.code_location import build_definitions
from tests.conftest import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def statuses(defs: dg.Definitions) -> dict[str, str]:
    repository = defs.get_repository_def()
    found = {s.name: s.default_status.value for s in repository.sensor_defs}
    found.update({s.name: s.default_status.value for s in repository.schedule_defs})
    return found


def test_the_nightly_and_the_sensors_wait_for_a_click_unless_the_deployment_is_served(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("MSOKO_AUTOMATION", "MSOKO_NIGHTLY_CRON", "MSOKO_SENSOR_INTERVAL_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    # make ui, the CLI, tests: what the code location builds from a plain environment
    assert statuses(build_definitions()) == {
        "nightly_refresh": "STOPPED",
        "landing_files_sensor": "STOPPED",
        "warehouse_after_ingest": "STOPPED",
        "dead_run_monitor": "RUNNING",  # failures are reported wherever a daemon runs
        "run_failure_record": "RUNNING",
    }
    # msoko serve and the units set MSOKO_AUTOMATION=on; a test sets a cron of every minute
    monkeypatch.setenv("MSOKO_AUTOMATION", "on")
    monkeypatch.setenv("MSOKO_NIGHTLY_CRON", "* * * * *")
    monkeypatch.setenv("MSOKO_SENSOR_INTERVAL_SECONDS", "5")
    served = build_definitions()
    assert set(statuses(served).values()) == {"RUNNING"}
    nightly = served.resolve_schedule_def("nightly_refresh")
    assert nightly.cron_schedule == "* * * * *"
    assert nightly.execution_timezone == "Asia/Vladivostok"
    assert served.resolve_sensor_def("landing_files_sensor").minimum_interval_seconds == 5
    # the CLI's own Settings decide for the definitions it builds
    cli = build_definitions(replace(Settings.from_env(), automation=False))
    assert statuses(cli)["nightly_refresh"] == "STOPPED"


def test_the_shipped_instance_monitors_queues_and_retries_runs(tmp_path: Path) -> None:
    shutil.copy(DEPLOY / "dagster" / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_start_timeout_seconds == 180
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 1
        assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 2  # type: ignore[attr-defined]
        assert not instance.telemetry_enabled


def unit(path: Path) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def test_the_units_keep_the_ui_on_localhost_the_secret_in_a_file_and_restart_on_failure() -> None:
    assert [u.name for u in UNITS] == ["msoko-daemon.service", "msoko-webserver.service"]
    for path in UNITS:
        values = unit(path)
        assert values["Restart"] == ["on-failure"]
        assert values["EnvironmentFile"] == ["/etc/msoko/msoko.env"]
        assert "MSOKO_AUTOMATION=on" in values["Environment"]
        assert values["User"] == ["msoko"]
        assert "-w /srv/msoko/app/deploy/dagster/workspace.yaml" in values["ExecStart"][0]
    webserver = unit(DEPLOY / "systemd" / "msoko-webserver.service")["ExecStart"][0]
    assert re.search(r"-h 127\.0\.0\.1 ", webserver)
    daemon = unit(DEPLOY / "systemd" / "msoko-daemon.service")
    assert daemon["ExecStop"] == ["/srv/msoko/app/.venv/bin/msoko serve --cancel-runs"]
    example = (DEPLOY / "systemd" / "msoko.env.example").read_text()
    assert re.search(r"^MSOKO_PSEUDONYM_SECRET=$", example, re.M), "shipped without a secret"
    assert "install -m 0600 -o msoko" in example


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    # as installed: /srv/msoko/app is this checkout, the service user root (no msoko user here)
    for path in UNITS:
        text = path.read_text().replace("/srv/msoko/app", str(PROJECT_ROOT))
        text = re.sub(r"^(User|Group)=msoko$", r"\1=root", text, flags=re.M)
        text = text.replace("/etc/msoko/msoko.env", str(DEPLOY / "systemd" / "msoko.env.example"))
        (tmp_path / path.name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.glob("*.service"))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    complaints = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if str(tmp_path) in line or "Unknown" in line or "not executable" in line
    ]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr

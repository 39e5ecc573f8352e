"""Failed runs, recorded where people look: one JSON file per run in ``data/reports/failures/``.

The daemon's ``run_failure_record`` sensor writes a record for every run that failed — a step
that raised, a blocking check, or a run killed and then marked failed by ``dead_run_monitor`` —
and sends it on when the deployment says where (a webhook, mail; off by default). ``msoko
status`` and the quality report read the records without opening the warehouse, so a nightly
that died before publishing is still seen. A record holds what failed, when, and the first
line of the error: never the landing files' contents (error texts carry no personal values).
"""

from __future__ import annotations

import json
import smtplib
import socket
import urllib.request
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from ingestion.atomic import replace_file, temp_path
from ingestion.config import Settings

# a first line longer than this is cut (a traceback line, a long SQL statement)
MAX_LINE = 300
SEND_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class FailureRecord:
    """One failed run: what failed, when, and the first line of its error."""

    run_id: str
    job_name: str
    failed_at: str  # ISO 8601, UTC
    first_error_line: str
    started_at: str | None = None
    trigger: str | None = None  # the msoko/trigger tag: landing_files_sensor, nightly_refresh, cli
    partition: str | None = None  # an academic year, or "2021…2023" for a range
    failed_steps: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: when, which job and step, why."""
        where = self.job_name + (f" ({', '.join(self.failed_steps)})" if self.failed_steps else "")
        extra = ", ".join(
            part
            for part in (
                f"academic year {self.partition}" if self.partition else "",
                f"started by {self.trigger}" if self.trigger else "",
                f"run {self.run_id[:8]}",
            )
            if part
        )
        return f"{self.failed_at[:16].replace('T', ' ')} UTC {where} [{extra}]: {self.first_error_line}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def failures_dir(reports_dir: Path) -> Path:
    """Where the records are: ``failures/`` beside the quality report (``MSOKO_REPORTS_DIR``)."""
    return reports_dir / "failures"


def first_line(text: str | None) -> str:
    """The first non-blank line of an error text, cut at ``MAX_LINE`` characters."""
    for line in (text or "").splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…"
    return "(no error message)"


def write_failure(folder: Path, record: FailureRecord) -> Path:
    """Write the record as ``<run id>.json`` (one per run: a second report of the same run
    replaces the first), atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{record.run_id}.json"
    tmp = temp_path(target)
    tmp.write_text(json.dumps(record.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    return replace_file(tmp, target)


def read_failures(folder: Path, limit: int | None = None) -> list[FailureRecord]:
    """The failure records, newest first (a file that is not a record is passed over)."""
    records = []
    for path in folder.glob("*.json") if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            records.append(FailureRecord(**data))
        except (OSError, ValueError, TypeError):
            continue
    records.sort(key=lambda r: r.failed_at, reverse=True)
    return records[:limit] if limit else records


def latest_failure(folder: Path) -> FailureRecord | None:
    records = read_failures(folder, limit=1)
    return records[0] if records else None


def send_failure(settings: Settings, record: FailureRecord) -> list[str]:
    """Send the record on where the deployment says (``MSOKO_FAILURE_WEBHOOK_URL``: a JSON POST;
    ``MSOKO_FAILURE_MAIL_TO`` through ``MSOKO_SMTP_SERVER``); return the channels used. Nothing
    is configured by default. An unreachable receiver raises: the caller logs it, the record
    stays written."""
    sent = []
    if settings.failure_webhook_url:
        request = urllib.request.Request(
            settings.failure_webhook_url,
            data=json.dumps(record.to_json(), ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_SECONDS) as response:
            response.read()
        sent.append("webhook")
    if settings.failure_mail_to:
        host, colon, port = settings.smtp_server.rpartition(":")
        if not colon:
            host, port = settings.smtp_server, "25"
        message = EmailMessage()
        message["Subject"] = f"МСОКО: сбой запуска {record.job_name} ({record.failed_at[:16]} UTC)"
        message["From"] = f"msoko@{socket.getfqdn()}"
        message["To"] = settings.failure_mail_to
        message.set_content(
            f"{record.summary()}\n\n"
            + "\n".join(f"{key}: {value}" for key, value in record.to_json().items())
            + "\n\nПодробности: Dagster UI → Runs → "
            + record.run_id
            + "; отчёт о качестве данных: quality_report.html\n"
        )
        with smtplib.SMTP(host, int(port), timeout=SEND_TIMEOUT_SECONDS) as smtp:
            smtp.send_message(message)
        sent.append("mail")
    return sent

"""The data-quality report people read: what is missing, waived, provisional, refused.

Written by the publish step every time it runs — also, and above all, when publishing is
refused — as Markdown and as a self-contained HTML page (no external styles: GX Data Docs pages
load theirs from the internet and render bare offline). Default: data/reports/quality_report.*

Its section on failed runs is also rewritten in place whenever a run fails
(``update_failure_section``): a nightly that died before publishing shows in the report people
already read.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.reports.failures import FailureRecord, failures_dir, read_failures
from orchestration.reports.render import html_page, table_html, table_markdown

PROCEDURES = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ"}
DECISION_KINDS = {
    "withdrawn": "данные отозваны",
    "accepted_shrink": "сокращение данных принято",
}


@dataclass
class QualityFacts:
    """What the warehouse says about completeness and quarantine (read-only)."""

    missing: list[dict[str, Any]] = field(default_factory=list)
    waived: list[dict[str, Any]] = field(default_factory=list)
    not_due: list[dict[str, Any]] = field(default_factory=list)
    quarantine_by_file: list[dict[str, Any]] = field(default_factory=list)
    expected: int = 0
    arrived: int = 0
    # plan/fact indicators: one row per municipality × programme × year × missing_reason
    indicators_missing: list[dict[str, Any]] = field(default_factory=list)
    indicators_not_due: list[dict[str, Any]] = field(default_factory=list)
    indicators_expected: int = 0
    indicators_arrived: int = 0
    indicators_no_data: list[dict[str, Any]] = field(default_factory=list)

    @property
    def provisional_years(self) -> list[int]:
        return sorted(
            {r["academic_year"] for r in self.not_due}
            | {r["academic_year"] for r in self.indicators_not_due}
        )

    def blocking_reasons(self) -> list[str]:
        return [
            f"missing {PROCEDURES.get(r['procedure_code'], r['procedure_code'])} "
            f"{r['academic_year']}/{str(r['academic_year'] + 1)[2:]} results of "
            f"{r['school_short_name']} ({r['school_id']}, {r['municipality_name']}); due "
            f"{r['due_date']}; add it to the waiver list if it will never report"
            for r in self.missing
        ] + [
            f"missing indicator facts of «{r['programme_code']}» {_year(r['academic_year'])} for "
            f"{r['municipality_name']}: {r['indicator_codes']} — {r['missing_reason']}; due "
            f"{r['due_date']}"
            for r in self.indicators_missing
        ]


def _year(y: int) -> str:
    return f"{y}/{str(y + 1)[2:]}"


def _table(headers: Sequence[str], body: Sequence[Sequence[Any]]) -> tuple[str, str]:
    return table_markdown(headers, body), table_html(headers, body)


FAILURES_TITLE = "Сбои запусков (последние)"
FAILURES_SHOWN = 5
FAILURE_BEGIN, FAILURE_END = "<!-- failures:begin -->", "<!-- failures:end -->"
_FAILURE_BLOCK = re.compile(re.escape(FAILURE_BEGIN) + ".*?" + re.escape(FAILURE_END), re.S)
CSS = (
    "body{font-family:sans-serif;margin:2em;max-width:75em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}"
    "th{background:#eee}.ok{color:#075}.bad{color:#b00}"
)


def failure_section(failures: Sequence[FailureRecord]) -> tuple[str, str]:
    """The failed runs (newest first) as Markdown and HTML, between the markers that
    ``update_failure_section`` replaces."""
    headers = ["Когда (UTC)", "Задание", "Шаги", "Учебный год", "Кто запустил", "Запуск", "Ошибка"]
    body = [
        [
            f.failed_at[:19].replace("T", " "),
            f.job_name,
            ", ".join(f.failed_steps) or "—",
            f.partition or "—",
            f.trigger or "—",
            f.run_id,
            f.first_error_line,
        ]
        for f in failures[:FAILURES_SHOWN]
    ]
    if body:
        last = failures[0]
        lead = (
            f"Последний сбой: {last.failed_at[:16].replace('T', ' ')} UTC, {last.job_name} — "
            f"{last.first_error_line} (подробности: Dagster UI → Runs → {last.run_id}; "
            "записи: data/reports/failures/)."
        )
        md, htm = _table(headers, body)
        md, htm = f"{lead}\n\n{md}", f"<p class='bad'>{html.escape(lead)}</p>{htm}"
    else:
        md, htm = "Сбоев нет.", "<p>Сбоев нет.</p>"
    return (
        f"{FAILURE_BEGIN}\n## {FAILURES_TITLE}\n\n{md}\n{FAILURE_END}",
        f"{FAILURE_BEGIN}<h2>{html.escape(FAILURES_TITLE)}</h2>{htm}{FAILURE_END}",
    )


def update_failure_section(reports_dir: Path) -> Path:
    """Rewrite the failed-runs section of the quality report in place (a report not written
    yet is started with that section alone); return the HTML path."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    md_block, html_block = failure_section(read_failures(failures_dir(reports_dir)))
    md_path, html_path = reports_dir / "quality_report.md", reports_dir / "quality_report.html"
    title = "Отчёт о качестве данных"
    if not md_path.exists() or FAILURE_BEGIN not in md_path.read_text(encoding="utf-8"):
        md_path.write_text(
            f"# {title}\n\n**Публикации ещё не было.**\n\n{md_block}\n", encoding="utf-8"
        )
    else:
        text = md_path.read_text(encoding="utf-8")
        md_path.write_text(_FAILURE_BLOCK.sub(lambda _: md_block, text), encoding="utf-8")
    if not html_path.exists() or FAILURE_BEGIN not in html_path.read_text(encoding="utf-8"):
        page = html_page(
            title,
            f"<h1>{title}</h1><p class='bad'><b>Публикации ещё не было.</b></p>{html_block}",
            CSS,
        )
        html_path.write_text(page, encoding="utf-8")
    else:
        text = html_path.read_text(encoding="utf-8")
        html_path.write_text(_FAILURE_BLOCK.sub(lambda _: html_block, text), encoding="utf-8")
    return html_path


def write_quality_report(
    reports_dir: Path,
    facts: QualityFacts,
    *,
    published: bool,
    reasons: Sequence[str],
    version: int | None,
    decisions: Sequence[Any] = (),
    not_read: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write quality_report.md and quality_report.html; return the HTML path."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    verdict = (
        f"Опубликовано: версия {version}"
        if published
        else "НЕ опубликовано: предыдущий файл не изменён"
    )
    sections: list[tuple[str, str, str]] = []  # title, markdown, html

    def add(title: str, headers: Sequence[str], body: Sequence[Sequence[Any]], empty: str) -> None:
        if body:
            md, htm = _table(headers, body)
        else:
            md, htm = empty, f"<p>{html.escape(empty)}</p>"
        sections.append((title, md, htm))

    add(
        "Блокирующие проблемы",
        ["#", "Проблема"],
        [(i + 1, r) for i, r in enumerate(reasons)],
        "Нет.",
    )
    add(
        "Файлы папки приёма, которые не прочитаны",
        ["Файл", "Причина"],
        [list(row) for row in not_read],
        "Все файлы прочитаны.",
    )
    add(
        "Решения о публикации (config/publication_decisions.csv)",
        ["Учебный год", "Источник", "Решение", "Причина", "Кто решил", "Когда"],
        [
            [
                _year(d.academic_year),
                d.source,
                DECISION_KINDS.get(d.kind, d.kind),
                d.reason,
                d.approved_by,
                d.approved_on,
            ]
            for d in decisions
        ],
        "Нет.",
    )
    school_cols = ["Учебный год", "Процедура", "Муниципалитет", "ОО", "school_id", "Срок"]

    def school_row(r: dict[str, Any]) -> list[Any]:
        return [
            _year(r["academic_year"]),
            PROCEDURES.get(r["procedure_code"], r["procedure_code"]),
            r["municipality_name"],
            r["school_short_name"],
            r["school_id"],
            r["due_date"],
        ]

    add(
        "Нет данных (срок прошёл): публикация остановлена",
        school_cols,
        [school_row(r) for r in facts.missing],
        "Все ожидаемые результаты поступили или учтены.",
    )
    add(
        "Исключения (список waivers): опубликовано без этих ОО",
        [*school_cols, "Причина", "Кто решил", "Когда"],
        [
            [*school_row(r), r["waiver_reason"], r["waiver_approved_by"], r["waiver_approved_on"]]
            for r in facts.waived
        ],
        "Нет.",
    )
    add(
        "Срок ещё не наступил: год опубликован как предварительный",
        school_cols,
        [school_row(r) for r in facts.not_due],
        "Нет.",
    )
    indicator_cols = ["Учебный год", "Программа", "Муниципалитет", "Показатели", "Причина", "Срок"]

    def indicator_row(r: dict[str, Any]) -> list[Any]:
        return [
            _year(r["academic_year"]),
            r["programme_code"],
            r["municipality_name"],
            r["indicator_codes"],
            r["missing_reason"],
            r["due_date"],
        ]

    add(
        "Показатели без факта (срок прошёл): публикация остановлена",
        indicator_cols,
        [indicator_row(r) for r in facts.indicators_missing],
        "Каждый показатель плана имеет факт или явное «Нет данных».",
    )
    add(
        "Показатели: срок ещё не наступил (год предварительный)",
        indicator_cols,
        [indicator_row(r) for r in facts.indicators_not_due],
        "Нет.",
    )
    add(
        "Показатели с отметкой «Нет данных» (учтены, не блокируют)",
        ["Учебный год", "Программа", "Муниципалитет", "Показатели"],
        [
            [
                _year(r["academic_year"]),
                r["programme_code"],
                r["municipality_name"],
                r["indicator_codes"],
            ]
            for r in facts.indicators_no_data
        ],
        "Нет.",
    )
    add(
        "Карантин: ячейки и строки, которые не загружены",
        ["Файл", "Этап", "Ячеек", "Причины"],
        [
            [q["source_file"], q["quarantine_stage"], q["cells"], q["reasons"]]
            for q in facts.quarantine_by_file
        ],
        "Пусто.",
    )
    summary = (
        f"Ожидалось результатов (ОО × процедура × год): {facts.expected}; поступило: "
        f"{facts.arrived}; нет данных: {len(facts.missing)}; исключено: {len(facts.waived)}; "
        f"срок не наступил: {len(facts.not_due)}. Показатели (муниципалитет × программа × год × "
        f"показатель): ожидалось {facts.indicators_expected}, поступило "
        f"{facts.indicators_arrived}"
        + (
            f" (предварительные годы: {', '.join(_year(y) for y in facts.provisional_years)})"
            if facts.provisional_years
            else ""
        )
        + "."
    )
    md = [
        f"# Отчёт о качестве данных — {now:%Y-%m-%d %H:%M} UTC",
        "",
        f"**{verdict}.**",
        "",
        summary,
    ]
    body = [f"<h1>Отчёт о качестве данных — {now:%Y-%m-%d %H:%M} UTC</h1>"]
    body.append(f"<p class='{'ok' if published else 'bad'}'><b>{html.escape(verdict)}.</b></p>")
    body.append(f"<p>{html.escape(summary)}</p>")
    failures_md, failures_html = failure_section(read_failures(failures_dir(reports_dir)))
    md += ["", failures_md]
    body.append(failures_html)
    for title, section_md, section_html in sections:
        md += ["", f"## {title}", "", section_md]
        body += [f"<h2>{html.escape(title)}</h2>", section_html]
    (reports_dir / "quality_report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    page = html_page("Отчёт о качестве данных", "".join(body), CSS)
    path = reports_dir / "quality_report.html"
    path.write_text(page, encoding="utf-8")
    return path

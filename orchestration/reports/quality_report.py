"""The data-quality report people read: what is missing, waived, provisional, refused.

Written by the publish step every time it runs — also, and above all, when publishing is
refused — as Markdown and as a self-contained HTML page (no external styles: GX Data Docs pages
load theirs from the internet and render bare offline). Default: data/reports/quality_report.*
It shares the render layer with the analytical note: Russian formats, a Jinja2 template with
autoescaping, times in the region's time zone.

Its section on failed runs is also rewritten in place whenever a run fails
(``update_failure_section``): a nightly that died before publishing shows in the report people
already read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from orchestration.reports import formats
from orchestration.reports.failures import FailureRecord, failures_dir, read_failures
from orchestration.reports.render import Section, Table, render, table_markdown

PROCEDURES = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ"}
DECISION_KINDS = {
    "withdrawn": "данные отозваны",
    "accepted_shrink": "сокращение данных принято",
}
QUARANTINE_STAGES = {"reading": "чтение файла", "warehouse": "хранилище"}
NAME_STATUS = {"ambiguous": "неоднозначно (подходят несколько ОО)", "unknown": "не найдено"}
REVIEW_REASONS = {
    "unread_qualitative_fact": "качественный факт не прочитан ни одним правилом",
    "name_differs_from_catalogue": "название отличается от каталога показателей",
}
# the checks of published municipal tables this report lists (audit.published_aggregate_checks)
AGGREGATE_CHECKS = {
    "C4": "C4: итог не равен сумме строк школ",
    "C5": "C5: число не целое / не сходится с долей",
    "SUBJECT_GRADE": "предмет не пишется в этом классе",
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
    # what the publisher did on its own (a damaged published file moved aside …)
    notes: list[str] = field(default_factory=list)
    # the readers' audit relations: names no registry school fits, facts no rule reads, the
    # C4/C5/subject × grade checks of the tables municipalities publish
    school_name_errors: list[dict[str, Any]] = field(default_factory=list)
    indicator_review: list[dict[str, Any]] = field(default_factory=list)
    aggregate_checks: list[dict[str, Any]] = field(default_factory=list)

    def read_audit(self, con: duckdb.DuckDBPyConnection) -> None:
        """Fill the readers' audit sections from the warehouse (a relation an older warehouse
        lacks leaves its section empty)."""

        def rows(sql: str) -> list[dict[str, Any]]:
            try:
                cursor = con.execute(sql)
            except duckdb.CatalogException:
                return []
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

        self.school_name_errors = rows(
            "select source_file, source_row, academic_year, municipality_name, name_as_written, "
            "status, candidates, reason from audit.school_name_errors "
            "order by severity, source_file, source_row"
        )
        self.indicator_review = rows(
            "select academic_year, programme_code, municipality_name, indicator_code, "
            "indicator_name, catalogue_indicator_name, fact_text, review_reason, detail, "
            "source_file, source_row from audit.indicator_review "
            "order by academic_year, municipality_name, programme_code, indicator_code"
        )
        checks = ", ".join(f"'{c}'" for c in AGGREGATE_CHECKS)
        self.aggregate_checks = rows(
            "select check_id, severity, publisher, procedure_code, academic_year, "
            "subject_name_reported, grade, entity_name, metric, source_file, source_row, detail "
            f"from audit.published_aggregate_checks where check_id in ({checks}) "
            "order by check_id, source_file, source_row"
        )

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


FAILURES_TITLE = "Сбои запусков (последние)"
FAILURES_SHOWN = 5
FAILURE_BEGIN, FAILURE_END = "<!-- failures:begin -->", "<!-- failures:end -->"
_FAILURE_BLOCK = re.compile(re.escape(FAILURE_BEGIN) + ".*?" + re.escape(FAILURE_END), re.S)


def _failed_at(record: FailureRecord, timezone: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(record.failed_at)
    except ValueError:
        return record.failed_at
    return formats.local_datetime(moment, timezone)


def failure_section(failures: Sequence[FailureRecord], timezone: str) -> tuple[str, str]:
    """The failed runs (newest first) as Markdown and HTML, between the markers that
    ``update_failure_section`` replaces."""
    headers = ["Когда", "Задание", "Шаги", "Учебный год", "Кто запустил", "Запуск", "Ошибка"]
    body = [
        [
            _failed_at(f, timezone),
            f.job_name,
            ", ".join(f.failed_steps) or None,
            f.partition,
            f.trigger,
            f.run_id,
            f.first_error_line,
        ]
        for f in failures[:FAILURES_SHOWN]
    ]
    table = Table(
        FAILURES_TITLE,
        "",
        headers,
        body,
        kinds=["text", "code", "code", "code", "code", "code", "text"],
    )
    lead = ""
    if body:
        last = failures[0]
        lead = (
            f"Последний сбой: {_failed_at(last, timezone)}, {last.job_name} — "
            f"{last.first_error_line} (подробности: Dagster UI → Runs → {last.run_id}; "
            "записи: data/reports/failures/)."
        )
        md = f"{lead}\n\n{table_markdown(table)}"
    else:
        md = "Сбоев нет."
    htm = render("failures.html.j2", title=FAILURES_TITLE, lead=lead, table=table)
    return (
        f"{FAILURE_BEGIN}\n## {FAILURES_TITLE}\n\n{md}\n{FAILURE_END}",
        f"{FAILURE_BEGIN}{htm}{FAILURE_END}",
    )


def update_failure_section(reports_dir: Path, timezone: str = "Asia/Vladivostok") -> Path:
    """Rewrite the failed-runs section of the quality report in place (a report not written
    yet is started with that section alone); return the HTML path."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    md_block, html_block = failure_section(read_failures(failures_dir(reports_dir)), timezone)
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
        page = render(
            "quality_report.html.j2",
            title=title,
            generated="",
            published=False,
            verdict="Публикации ещё не было",
            summary="",
            failures=html_block,
            sections=[],
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
    changes: Any = None,
    timezone: str = "Asia/Vladivostok",
) -> Path:
    """Write quality_report.md and quality_report.html; return the HTML path. Times are shown
    in ``timezone`` (the region's: ``Settings.timezone``)."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    now = formats.local_datetime(dt.datetime.now(dt.UTC).replace(microsecond=0), timezone)
    verdict = (
        f"Опубликовано: версия {version}"
        if published
        else "НЕ опубликовано: предыдущий файл не изменён"
    )
    sections: list[Section] = []

    def add(
        title: str,
        headers: Sequence[str],
        body: Sequence[Sequence[Any]],
        empty: str,
        kinds: Sequence[str] = (),
    ) -> None:
        table = Table(title, "", list(headers), [list(r) for r in body], kinds=list(kinds))
        sections.append(Section(title, [empty], [table]))

    add(
        "Блокирующие проблемы",
        ["#", "Проблема"],
        [(i + 1, r) for i, r in enumerate(reasons)],
        "Нет.",
    )
    if facts.notes:
        add("Что сделано автоматически", ["#", "Событие"], list(enumerate(facts.notes, 1)), "")
    if changes is not None:
        previous = changes.previous_version
        add(
            "Изменения против прошлой публикации"
            + (f" (версия {previous})" if previous else " (первая публикация)"),
            ["Таблица", "Строк было", "Строк стало", "Ушло строк", "Новых строк", "Сокращение, %"],
            changes.as_rows(),
            "Опубликованные таблицы не изменились.",
        )
        add(
            "Результаты ОО × год × процедура, которых больше нет",
            ["school_id", "Учебный год", "Процедура"],
            [[sid, _year(y), PROCEDURES.get(p, p)] for sid, y, p in changes.vanished_keys],
            "Нет.",
        )
        add(
            "Почему: файлы, новые или изменённые / убранные с прошлой публикации",
            ["Файл", "Изменение"],
            [[f, "новый или изменён"] for f in changes.files_added]
            + [[f, "убран или заменён"] for f in changes.files_removed],
            "Файлы-источники те же (изменились только правила или справочники, если таблицы "
            "изменились).",
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
            [
                q["source_file"],
                QUARANTINE_STAGES.get(q["quarantine_stage"], q["quarantine_stage"]),
                q["cells"],
                q["reasons"],
            ]
            for q in facts.quarantine_by_file
        ],
        "Пусто.",
    )
    add(
        "Названия ОО, которые не удалось сопоставить с реестром",
        ["Файл", "Строка", "Учебный год", "Муниципалитет", "Название в файле", "Результат",
         "Подходящие ОО", "Что сделать"],
        [
            [
                r["source_file"],
                r["source_row"],
                _year(r["academic_year"]) if r["academic_year"] is not None else None,
                r["municipality_name"],
                r["name_as_written"],
                NAME_STATUS.get(r["status"], r["status"]),
                r["candidates"],
                r["reason"],
            ]
            for r in facts.school_name_errors
        ],
        "Все названия ОО сопоставлены с реестром.",
        ["code", "int", "text", "text", "text", "text", "text", "text"],
    )  # fmt: skip
    add(
        "Показатели на проверку: факт не прочитан или название отличается от каталога",
        ["Учебный год", "Программа", "Муниципалитет", "Показатель", "Название в форме",
         "Название в каталоге", "Факт", "Причина", "Подробности", "Файл, строка"],
        [
            [
                _year(r["academic_year"]),
                r["programme_code"],
                r["municipality_name"],
                r["indicator_code"],
                r["indicator_name"],
                r["catalogue_indicator_name"],
                r["fact_text"],
                REVIEW_REASONS.get(r["review_reason"], r["review_reason"]),
                r["detail"],
                f"{r['source_file']}, стр. {r['source_row']}",
            ]
            for r in facts.indicator_review
        ],
        "Нет.",
        ["text", "code", "text", "code", "text", "text", "text", "text", "text", "code"],
    )  # fmt: skip
    add(
        "Опубликованные таблицы муниципалитетов: итоги, целые числа, предмет × класс",
        ["Проверка", "Серьёзность", "Кто опубликовал", "Процедура", "Учебный год", "Предмет",
         "Класс", "Строка таблицы", "Показатель", "Файл, строка", "Подробности"],
        [
            [
                AGGREGATE_CHECKS.get(r["check_id"], r["check_id"]),
                "ошибка" if r["severity"] == "error" else "предупреждение",
                r["publisher"],
                r["procedure_code"],
                _year(r["academic_year"]) if r["academic_year"] is not None else None,
                r["subject_name_reported"],
                r["grade"],
                r["entity_name"],
                r["metric"],
                f"{r['source_file']}, стр. {r['source_row']}",
                r["detail"],
            ]
            for r in facts.aggregate_checks
        ],
        "Нет замечаний.",
        ["text", "text", "text", "text", "text", "text", "int", "text", "code", "code", "text"],
    )  # fmt: skip
    summary = (
        f"Ожидалось результатов (ОО × процедура × год): {formats.integer(facts.expected)}; "
        f"поступило: {formats.integer(facts.arrived)}; нет данных: "
        f"{formats.integer(len(facts.missing))}; исключено: {formats.integer(len(facts.waived))}; "
        f"срок не наступил: {formats.integer(len(facts.not_due))}. Показатели (муниципалитет × "
        f"программа × год × показатель): ожидалось {formats.integer(facts.indicators_expected)}, "
        f"поступило {formats.integer(facts.indicators_arrived)}"
        + (
            f" (предварительные годы: {', '.join(_year(y) for y in facts.provisional_years)})"
            if facts.provisional_years
            else ""
        )
        + "."
    )
    title = f"Отчёт о качестве данных — {now}"
    failures_md, failures_html = failure_section(read_failures(failures_dir(reports_dir)), timezone)
    md = [f"# {title}", "", f"**{verdict}.**", "", summary, "", failures_md]
    for section in sections:
        table = section.tables[0]
        md += [
            "",
            f"## {section.title}",
            "",
            table_markdown(table) if table.rows else section.paragraphs[0],
        ]
    (reports_dir / "quality_report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    page = render(
        "quality_report.html.j2",
        title=title,
        generated="Сформировано из хранилища при публикации.",
        published=published,
        verdict=verdict,
        summary=summary,
        failures=failures_html,
        sections=sections,
    )
    path = reports_dir / "quality_report.html"
    path.write_text(page, encoding="utf-8")
    return path

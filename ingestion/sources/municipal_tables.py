"""ВПР / ЕГЭ / ОГЭ statistics as municipalities publish them in their reports (seeds 001, 003).

These are AGGREGATES typed by a person into a report, not pupil-level or ФИС ОКО exports: a
distinct grain, loaded into their own table and fact (``fct_published_aggregate``) and never
mixed with the assessment facts. One output row per value cell: publisher (the municipality)
× procedure × subject × grade × year × school-or-total × metric, with the cell as written.

Shapes understood (all found in the seeds):

- a two-row merged header: a block row over a metric row. Blocks are grade blocks ("4 класс",
  "5 класс" … , seed 003 App. 2) or procedure-subject-grade-year blocks ("ВПР МА 5 2019",
  seed 003 App. 1, МА = математика, РУ = русский язык); metrics are "всего принимало участие",
  "количество «2»", "количество «4» и «5»", "Подтвердили оценки", '" % 2"', "% Выс. рез-тов" …;
- a one-row header whose rows are subjects of the municipality (seed 001's ЕГЭ table:
  "Количество участников | Не преодолевшие минимальный балл | До 60 б | От 61 до 80 б …");
- hierarchical rows read by a forward-fill state machine: a school row with empty values sets
  the school, the subject rows below it ("русский язык", "1. Русский язык",
  "22.М атем атика базовая") carry it; a grade-block row ("5 класс") sets the grade; a totals
  row ("Итого", "Всего", "По району") sets the entity to the municipality's total (kept as
  entity_kind = 'total' and checked against the sum of the schools in the warehouse).

Cells: "70 (28,57%)", "18\\n(14,52%\\n)", "39(15,92)", "2(10% )" → count + reported percent
(the percent is recomputed in the warehouse); decimal comma or point; "-", "—", "Нет данных"
→ missing (kept with ``missing_kind``); numbers with letters ("ЗД7", "31Д6%") → quarantine at
the cell, never guessed. The publisher is the municipality named in the title ("… в г.
Свободном", "Хасанский муниципальный район") or, failing that, the landing sub-folder the file
is in (``municipal_tables/Хасанский район/итоги.xlsx``).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingestion.engine import (
    COMMON_SKIP_LABELS,
    QUARANTINE_SCHEMA,
    BatchResult,
    FileContext,
    FileVersion,
    Reader,
    _drop_grid,
    _single_context,
    _summary,
    _summary_table,
    arrow_schema,
    batch_id_for,
)
from ingestion.layout import Field, Layout, LayoutError
from ingestion.normalize import clean_text, find_academic_year, subject_key
from ingestion.sheets import Grid, UnreadableFileError

SUBJECT_ALIASES = (
    Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "subject_aliases.csv"
)

#: metric -> (kind, patterns over the letters-digits-% key of the header text). First match wins,
#: so the specific ones come first ("количество участников, набравших 100 б" is score_100).
METRICS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("score_100", "count", (r"набравш\w*100", r"^100балл")),
    ("below_min", "count", (r"^непреодолев", r"нижеминимальн")),
    ("band_to_60", "count", (r"^до60",)),
    ("band_61_80", "count", (r"^от61до80",)),
    ("band_81_100", "count", (r"^от81до100",)),
    ("mark45_count", "count", (r"^(количество|колво)4и5$", r"^(количество|колво)45$")),
    ("mark2_count", "count", (r"^(количество|колво)2$", r"^2$")),
    ("mark3_count", "count", (r"^(количество|колво)3$", r"^3$")),
    ("mark4_count", "count", (r"^(количество|колво)4$", r"^4$")),
    ("mark5_count", "count", (r"^(количество|колво)5$", r"^5$")),
    ("pct_mark2", "pct", (r"^%2$", r"^доля2$")),
    ("pct_mark3", "pct", (r"^%3$", r"^доля3$")),
    ("pct_mark4", "pct", (r"^%4$", r"^доля4$")),
    ("pct_mark5", "pct", (r"^%5$", r"^доля5$")),
    ("pct_high_results", "pct", (r"^%выс",)),
    ("journal_confirmed", "count", (r"^подтвердил",)),
    ("journal_lowered", "count", (r"^понизил",)),
    ("journal_raised", "count", (r"^повысил",)),
    ("success_rate", "pct", (r"^успеваемост",)),
    ("quality_rate", "pct", (r"^качеств",)),
    ("mean_score", "mean", (r"^среднийбалл", r"^средняяотметк", r"^средняяоценк")),
    (
        "participants",
        "count",
        (r"^всегопринима", r"участ", r"^колвоуч", r"^всегоуч", r"^писали", r"^выполнял"),
    ),
)
METRIC_KIND = {name: kind for name, kind, _ in METRICS}

#: label columns: the entity or subject the row is about
_LABEL_HEADERS = re.compile(
    r"^(оо|названиеоо|наименованиеоо|образовательнаяорганизация|школа|наименованиепредмета|"
    r"предмет|общеобразовательныйпредмет|учебныйпредмет|наименование|муниципалитет|"
    r"территория|мо)$"
)
_SUBJECT_HEADER = re.compile(r"предмет")
_TITLE_GRADE = re.compile(r"(?<![\d-])(\d{1,2})\s*-?\s*(?:х|ых|е|м)?\s*(?:класс|кл\.)", re.I)
_NUMBER_HEADER = re.compile(r"^(№|№пп|n)$")
_BLOCK_GRADE = re.compile(r"^(\d{1,2})\s*(класс|кл\.?)$", re.I)
#: a procedure-year block as seed 003 prints them: "ВПР МА 5 2019" (procedure, subject
#: abbreviation, grade, year) and "ОГЭ МА 2019", "ЕГЭ РУ 2018" (no grade: ОГЭ is grade 9, ЕГЭ
#: grade 11); "ГВЭ-9", "ГИА-11" and a "5 кл." grade are read too
_BLOCK_PROCEDURE = re.compile(
    r"^(?P<procedure>ВПР|ЕГЭ|ОГЭ|ГВЭ|ГИА)[\s-]*(?P<level>9|11)?\s+(?P<subject>[А-ЯЁA-Z]{2,4})\.?"
    r"\s+(?:(?P<grade>\d{1,2})\s*(?:класс\w*|кл\.?)?\s+)?(?P<year>20\d\d)(?:\s*г\.?)?$",
    re.I,
)
#: the grade a procedure is written in when its block says none (ВПР needs one)
PROCEDURE_GRADE = {"ОГЭ": 9, "ЕГЭ": 11, "ГВЭ-9": 9, "ГВЭ-11": 11}
_PROCEDURE = re.compile(r"\b(ВПР|ЕГЭ|ОГЭ|ГВЭ|ГИА-?9|ГИА-?11)", re.I)
_PUBLISHER = re.compile(
    r"((?:[А-ЯЁ][\w-]+\s+){1,2}(?:муниципальн\w+\s+)?(?:район\w*|округ\w*)"
    r"|г\.\s*[А-ЯЁ][\w-]+|город\w*\s+[А-ЯЁ][\w-]+)"
)
_COUNT_PCT = re.compile(r"^(\d+)\s*\(\s*(\d+(?:[.,]\d+)?)\s*%?\s*\)$")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?\s*%?$")
_LETTER = re.compile(r"[^\W\d_]")
_MISSING = {"-": "no_data", "—": "no_data", "–": "no_data", "--": "no_data", "х": "not_applicable",
            "x": "not_applicable", "нетданных": "no_data", "н/д": "no_data", "нд": "no_data"}  # fmt: skip


# the engine's RE2 patterns in Python's dialect (\p{L}: a letter)
def _python_re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.replace(r"[^\p{L}]", r"[\W\d_]").replace(r"\p{L}", r"[^\W\d_]"))


_TOTAL_PATTERNS = [_python_re(p) for p, why in COMMON_SKIP_LABELS if why == "total"]
_FOOTER_PATTERNS = [_python_re(p) for p, why in COMMON_SKIP_LABELS if why == "footer"]


def metric_of(header_text: str) -> str | None:
    """The metric a header cell names, or None ('" % 2"' -> pct_mark2)."""
    key = _metric_key(header_text)
    if not key:
        return None
    for name, _, patterns in METRICS:
        if any(re.search(p, key) for p in patterns):
            return name
    return None


def _metric_key(text: str) -> str:
    """Letters, digits and % only: OCR letter-spacing and line breaks vanish."""
    return re.sub(r"[^\w%]|_", "", clean_text(text).lower().replace("ё", "е"))


def subject_aliases() -> set[str]:
    return set(subject_codes())


def subject_codes() -> dict[str, str]:
    """alias key -> subject code, from the subject_aliases seed."""
    with open(SUBJECT_ALIASES, encoding="utf-8") as handle:
        return {row["alias_key"]: row["subject_code"] for row in csv.DictReader(handle)}


def _title_subject(title: str, aliases: set[str]) -> str | None:
    """The one subject a title names ("Итоги ВПР по математике"), as written; None when it names
    none or several (then the rows or blocks must say)."""
    codes = subject_codes()
    words = re.findall(r"[^\W\d_]+", clean_text(title))
    found: dict[str, str] = {}
    for size in (2, 1):
        for i in range(len(words) - size + 1):
            phrase = " ".join(words[i : i + size])
            key = subject_key(phrase)
            if len(key) >= 5 and key in aliases:
                found.setdefault(codes[key], phrase)
    # "русскому языку и математике": two subjects, the title cannot label a row
    return next(iter(found.values())) if len(found) == 1 else None


def _title_grade(title: str) -> int | None:
    """The one grade a title names ("… в 5-х классах"); None for none or a range ("4-8 классах")."""
    grades = {int(m[1]) for m in _TITLE_GRADE.finditer(clean_text(title))}
    return next(iter(grades)) if len(grades) == 1 else None


def _is_total(label: str) -> bool:
    low = label.lower()
    return any(p.search(low) for p in _TOTAL_PATTERNS)


def _is_footer(label: str) -> bool:
    low = label.lower()
    return any(p.search(low) for p in _FOOTER_PATTERNS)


@dataclass
class ParsedCell:
    value: float | None = None
    count: int | None = None
    pct_reported: float | None = None
    missing_kind: str | None = None
    error: str | None = None


def parse_cell(text: str, kind: str) -> ParsedCell:
    """A value cell of a published table: count (pct), number, missing marker or an error."""
    c = clean_text(text)
    key = c.lower().replace(" ", "")
    if key in _MISSING:
        return ParsedCell(missing_kind=_MISSING[key])
    match = _COUNT_PCT.match(c)
    if match:
        count = int(match[1])
        return ParsedCell(float(count), count, float(match[2].replace(",", ".")))
    if _NUMBER.match(c):
        value = float(c.rstrip("% ").replace(",", "."))
        if kind == "count":
            if value != round(value) or value < 0:
                return ParsedCell(error="not a whole non-negative count")
            return ParsedCell(value, int(value))
        return ParsedCell(value)
    if _LETTER.search(c):
        return ParsedCell(error="letters in a number (possible OCR damage): not guessed")
    return ParsedCell(error="not a number")


@dataclass(frozen=True)
class Block:
    """What a block header of a two-row header says, or why it cannot be read."""

    grade: int | None = None
    procedure: str | None = None  # ВПР, ОГЭ, ЕГЭ, ГВЭ-9, ГВЭ-11
    subject: str | None = None  # the abbreviation as written ("МА")
    year: int | None = None  # calendar year of the block
    error: str | None = None  # a block header that is there but not understood

    @property
    def recognised(self) -> bool:
        return self.error is None and any(
            x is not None for x in (self.grade, self.procedure, self.subject)
        )


def _procedure_code(name: str, level: str | None) -> str:
    name = name.upper()
    if name == "ГИА":
        return "ОГЭ" if level == "9" else "ЕГЭ"
    if name == "ГВЭ" and level:
        return f"ГВЭ-{level}"
    return name


def parse_block(block: str, aliases: set[str] | None = None) -> Block:
    """A block header: "4 класс", "ВПР МА 5 2019", "ОГЭ МА 2019", "ЕГЭ РУ 2018" (seed 003).

    A non-empty header that is neither, or whose subject abbreviation is not in the
    subject_aliases seed, is returned with the reason (its cells are quarantined, never loaded
    with empty labels)."""
    text = clean_text(block)
    if not text:
        return Block()
    m = _BLOCK_GRADE.match(text)
    if m:
        return Block(grade=int(m[1]))
    m = _BLOCK_PROCEDURE.match(text)
    if m:
        subject = m["subject"]
        if aliases is not None and subject_key(subject) not in aliases:
            return Block(
                error=f"unknown subject abbreviation «{subject}» in the block «{text}»: "
                "not in the subject_aliases seed (МА = математика, РУ = русский язык, …)"
            )
        return Block(
            grade=int(m["grade"]) if m["grade"] else None,
            procedure=_procedure_code(m["procedure"], m["level"]),
            subject=subject,
            year=int(m["year"]),
        )
    if aliases is not None and subject_key(text) in aliases:
        return Block(subject=text)  # a subject block: "Русский язык" over its measures
    return Block(
        error=f"block header «{text}» not recognised: expected a grade («5 класс») or a "
        "procedure, subject, grade and year («ВПР МА 5 2019», «ОГЭ МА 2019», «ЕГЭ РУ 2018»)"
    )


@dataclass(frozen=True)
class ValueColumn:
    position: int  # grid column index (c<position>)
    block: str  # the block header as written ("4 класс", "ВПР МА 5 2019", "")
    label: str  # the metric header as written
    metric: str
    grade: int | None
    procedure: str | None
    subject: str | None  # from the block ("МА")
    year: int | None  # calendar year of the block
    block_error: str | None = None  # the block header is not understood: cells quarantined


def _is_block_row(upper: Sequence[str], metric_row: Sequence[str]) -> bool:
    """The row above the measures holds blocks (not a title line spread over the columns):
    a recognised block, or different texts over the value columns."""
    over_values = {
        upper[p] for p, text in enumerate(metric_row) if text and metric_of(text) and p < len(upper)
    } - {""}
    aliases = subject_aliases()
    return any(parse_block(u, aliases).recognised for u in over_values) or len(over_values) > 1


def _forward_fill(row: Sequence[str]) -> list[str]:
    out, last = [], ""
    for cell in row:
        if cell:
            last = cell
        out.append(last)
    return out


class MunicipalTablesReader(Reader):
    name = "municipal_tables"
    table = "published_aggregates"
    title = "Сводные таблицы результатов (ВПР, ЕГЭ, ОГЭ), опубликованные муниципалитетом"
    grain = (
        "one row per value cell: publisher × procedure × subject × grade × year × "
        "school-or-total × metric (aggregates, not pupil results)"
    )
    # the output columns (the header is found by ``layout_of``, not by these fields)
    fields = (
        Field("entity_name", description="school or totals row as written"),
        Field("entity_kind", description="school | total"),
        Field("subject_name", description="subject as written (row label or block)"),
        Field("subject_key", description="letters-only key for the subject_aliases seed"),
        Field("subject_code_hint", description="number before the subject ('22.' -> 22)"),
        Field("grade", kind="int"),
        Field("procedure_year", kind="int", description="calendar year of a block"),
        Field("block_label", description="the block header as written"),
        Field("metric", description="metric key (participants, mark2_count, pct_mark2, …)"),
        Field("metric_kind", description="count | pct | mean"),
        Field("metric_label", description="the metric header as written"),
        Field("value", kind="number"),
        Field("value_count", kind="int"),
        Field("pct_reported", kind="number"),
        Field("missing_kind", description="no_data | not_applicable for '-', 'Нет данных'"),
        Field("cell_text", description="the cell as written"),
        Field("source_column", description="header text and column letter"),
    )
    context_columns = {"publisher": "varchar", "procedure": "varchar", "table_title": "varchar"}
    reader_version = 1

    # ---------------------------------------------------------------- header

    def layout_of(self, grid: Grid) -> Layout:
        head = [[clean_text(c) for c in row] for row in grid.head]
        best: tuple[int, int] | None = None  # (matched metrics, row index)
        for index, row in enumerate(head):
            matched = sum(1 for c in row if c and metric_of(c))
            if matched >= 2 and (best is None or matched > best[0]):
                best = (matched, index)
        if best is None:
            raise LayoutError(
                "no header row naming the measures (e.g. 'всего принимало участие', "
                "'количество «2»', 'Количество участников', '% 2') in the first rows"
            )
        index = best[1]
        metric_row = head[index]
        upper = _forward_fill(head[index - 1]) if index > 0 else [""] * len(metric_row)
        has_blocks = _is_block_row(upper, metric_row)
        rows = (index, index + 1) if has_blocks else (index + 1,)
        columns: dict[str, str] = {}
        labels: dict[str, str] = {}
        for position, text in enumerate(metric_row):
            block = upper[position] if has_blocks and position < len(upper) else ""
            metric = metric_of(text) if text else None
            if metric:
                columns[f"v{position}"] = f"c{position}"
                labels[f"v{position}"] = " / ".join(t for t in (block, text) if t)
            elif position < len(upper) or text:
                key = _metric_key(text or (upper[position] if has_blocks else ""))
                if _LABEL_HEADERS.match(key):
                    columns.setdefault("label", f"c{position}")
                    labels.setdefault("label", text or upper[position])
        if not any(k.startswith("v") for k in columns):
            raise LayoutError("header found but no value columns")
        if "label" not in columns:
            first_value = min(int(c[1:]) for k, c in columns.items() if k.startswith("v"))
            if first_value == 0:
                raise LayoutError("no column naming the school or subject before the values")
        title = [
            " ".join(c for c in row if c) for row in head[: rows[0] - 1] if any(c for c in row)
        ]
        return Layout(rows, columns, labels, title_lines=title)

    def value_columns(
        self, grid: Grid, layout: Layout, aliases: set[str] | None = None
    ) -> list[ValueColumn]:
        head = [[clean_text(c) for c in row] for row in grid.head]
        upper = (
            _forward_fill(head[layout.header_rows[0] - 1]) if len(layout.header_rows) == 2 else []
        )
        metric_row = head[layout.header_rows[-1] - 1]
        out = []
        for name, column in layout.columns.items():
            if not name.startswith("v"):
                continue
            position = int(column[1:])
            block = upper[position] if position < len(upper) else ""
            parsed = parse_block(block, aliases)
            metric = metric_of(metric_row[position])
            assert metric is not None
            out.append(
                ValueColumn(
                    position,
                    block,
                    metric_row[position],
                    metric,
                    parsed.grade,
                    parsed.procedure,
                    parsed.subject,
                    parsed.year,
                    parsed.error,
                )
            )
        # the same measure twice with nothing above telling the columns apart: not guessed
        seen: dict[tuple[str, str], int] = {}
        for v in out:
            seen[(v.block, v.metric)] = seen.get((v.block, v.metric), 0) + 1
        out = [
            v
            if v.block_error or seen[(v.block, v.metric)] == 1
            else replace(
                v,
                block_error=f"the measure «{v.label}» appears in {seen[(v.block, v.metric)]} "
                "columns with no block header (grade, procedure, subject) telling them apart",
            )
            for v in out
        ]
        return sorted(out, key=lambda v: v.position)

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        title = " ".join(layout.title_lines)
        blocks = self.value_columns(grid, layout)
        procedure_match = _PROCEDURE.search(title)
        procedure = procedure_match[1].upper() if procedure_match else None
        if procedure is None:
            procedure = next((b.procedure for b in blocks if b.procedure), None)
        if procedure is None:
            raise LayoutError("the procedure (ВПР, ЕГЭ, ОГЭ) was not found in the title or header")
        procedure = {"ГИА9": "ОГЭ", "ГИА-9": "ОГЭ", "ГИА11": "ЕГЭ", "ГИА-11": "ЕГЭ"}.get(
            procedure, procedure
        )
        year = find_academic_year(title)
        if year is None:
            block_years = [b.year for b in blocks if b.year]
            calendar = re.search(r"\b(20\d\d)\s*(год|г\.)", title)
            if block_years:
                year = max(block_years) - 1  # spring Y (and autumn Y) test the (Y-1)/Y programme
            elif calendar:
                year = int(calendar[1]) - 1
        if year is None:
            raise LayoutError(
                "the academic year (e.g. 'в 2020-2021 учебном году') was not found in the title"
            )
        publisher_match = _PUBLISHER.search(title)
        publisher = clean_text(publisher_match[1]) if publisher_match else None
        if publisher is None:
            parts = Path(file.relative_path).parts
            if len(parts) > 2 and not parts[-2].startswith("region"):
                publisher = parts[-2]
        if publisher is None:
            raise LayoutError(
                "the municipality that published the table was not found: name it in the title "
                "or put the file in a sub-folder named after it"
            )
        return FileContext(
            year, {"publisher": publisher, "procedure": procedure, "table_title": title[:200]}
        )

    # ---------------------------------------------------------------- rows

    def read_batch(
        self,
        con: duckdb.DuckDBPyConnection,
        files: Sequence[FileVersion],
        secret: bytes | None,
        scratch_dir: Path | None = None,
    ) -> BatchResult:
        """Wide tables melted in Python (they are a few hundred rows): one row per value cell."""
        batch_id = batch_id_for(self, files)
        read_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        rows: list[dict[str, Any]] = []
        quarantine: list[dict[str, Any]] = []
        summaries: list[dict[str, Any]] = []
        aliases = subject_aliases()
        for file in files:
            try:
                located = self._located_grids(con, file, scratch_dir)
                try:
                    _single_context(file, [ctx for _, _, ctx in located])
                except UnreadableFileError:
                    for grid, _, _ in located:
                        _drop_grid(con, grid)
                    raise
            except UnreadableFileError as exc:
                summaries.append(
                    _summary(self, file, None, batch_id, None, "unreadable", exc.reason, read_at)
                )
                continue
            for grid, layout, ctx in located:
                if not isinstance(layout, Layout) or ctx is None:
                    summaries.append(
                        _summary(
                            self, file, grid, batch_id, None, "sheet_ignored", str(layout),
                            read_at, rows_read=grid.row_count, rows_skipped=grid.row_count,
                            skipped_reasons=f"sheet not in this source's layout: {grid.row_count}",
                        )
                    )  # fmt: skip
                else:
                    counts, reasons = self._read_grid(
                        con, grid, layout, ctx, file, batch_id, aliases, rows, quarantine
                    )
                    summaries.append(
                        _summary(
                            self, file, grid, batch_id, ctx.academic_year, "read", None, read_at,
                            rows_read=grid.row_count, rows_loaded=counts["loaded"],
                            rows_quarantined=counts["quarantined"], rows_skipped=counts["skipped"],
                            skipped_reasons="; ".join(f"{k}: {v}" for k, v in sorted(reasons.items()))
                            or None,
                            header_rows=",".join(str(r) for r in layout.header_rows),
                        )
                    )  # fmt: skip
                _drop_grid(con, grid)
        return BatchResult(
            batch_id,
            pa.Table.from_pylist(rows, schema=arrow_schema(self.output_schema())),
            pa.Table.from_pylist(quarantine, schema=arrow_schema(QUARANTINE_SCHEMA)),
            _summary_table(summaries),
        )

    def _read_grid(
        self,
        con: duckdb.DuckDBPyConnection,
        grid: Grid,
        layout: Layout,
        ctx: FileContext,
        file: FileVersion,
        batch_id: str,
        aliases: set[str],
        rows: list[dict[str, Any]],
        quarantine: list[dict[str, Any]],
    ) -> tuple[dict[str, int], dict[str, int]]:
        values = self.value_columns(grid, layout, aliases)
        metric_texts = {v.label.lower() for v in values}
        first_value = values[0].position
        label_pos = int(layout.columns["label"][1:]) if "label" in layout.columns else None
        # a label column headed «предмет» holds subjects only: a label that is no known subject
        # is an unknown subject, never a school (seed 001's «Англ.яз» was read as a school)
        subject_rows = bool(_SUBJECT_HEADER.search(_metric_key(layout.labels.get("label", ""))))
        title = str(ctx.values.get("table_title") or "")
        title_subject = _title_subject(title, aliases)
        title_grade = _title_grade(title)
        cols = ", ".join(grid.columns)
        data = con.execute(f"select _row, {cols} from {grid.view} order by _row").fetchall()
        counts = {"loaded": 0, "quarantined": 0, "skipped": 0}
        reasons: dict[str, int] = {}

        def skip(reason: str) -> None:
            counts["skipped"] += 1
            reasons[reason] = reasons.get(reason, 0) + 1

        lineage = {
            "source_name": self.name,
            "source_file": file.relative_path,
            "source_sheet": grid.sheet,
            "file_sha256": file.sha256,
            "reader_version": self.reader_version,
            "batch_id": batch_id,
            "academic_year": ctx.academic_year,
        }
        label_column = (
            f"{layout.labels.get('label', '')} ({grid.column_label(layout.columns['label'])})"
            if label_pos is not None
            else "the first column"
        )
        # state carried down the rows
        entity: str | None = None
        entity_kind = "total"
        in_group = False  # the entity was set by a row without values (seed 003 Приложение 2)
        grade: int | None = PROCEDURE_GRADE.get(ctx.values["procedure"], title_grade)
        seen_rows = 0
        for record in data:
            seen_rows += 1
            row_number = int(record[0])
            cells = [clean_text(c) for c in record[1:]]
            if row_number < layout.header_rows[0]:
                skip("title" if any(cells) else "blank")
                continue
            if row_number <= layout.header_rows[-1]:
                skip("header")
                continue
            if not any(cells):
                skip("blank")
                continue
            leading = cells[label_pos] if label_pos is not None else ""
            before = [c for c in cells[:first_value] if c]
            numbered = any(re.fullmatch(r"\d+\.?", c) for c in before)
            if not leading:
                texts = [c for c in before if not re.fullmatch(r"\d+\.?", c)]
                leading = texts[-1] if texts else ""
            value_cells = [(v, cells[v.position]) for v in values if cells[v.position]]
            if sum(1 for _, c in value_cells if c.lower() in metric_texts) >= 2:
                skip("header")  # a header repeated on a new page
                continue
            block = _BLOCK_GRADE.match(leading) if leading else None
            if block and not value_cells:
                grade = int(block[1])
                subject_rows = True  # seed 001: «4 класс», then a row per subject
                skip("grade block")
                continue
            if leading and _is_footer(leading) and not _is_total(leading):
                skip("footer")
                continue
            key = subject_key(leading)
            is_subject = bool(leading) and key in aliases
            if not is_subject and not value_cells:
                entity = leading or entity
                entity_kind = "total" if _is_total(leading) else "school"
                in_group = True
                skip("group (school or totals row carried to the rows below)")
                continue
            if is_subject:
                subject_name: str | None = leading
                row_entity, row_kind = entity or ctx.values["publisher"], entity_kind
            elif leading and _is_total(leading):
                subject_name = None
                row_entity, row_kind = leading, "total"
                entity, entity_kind, in_group = row_entity, row_kind, False
            elif subject_rows or (in_group and not numbered):
                # a row of values under a school (or in a table of subjects) whose label is no
                # known subject: quarantined with the reason, never taken for a school
                why = (
                    f"unknown subject «{leading}»: not in the subject_aliases seed; the row is "
                    "not taken for a school (add the spelling to the seed)"
                    if leading
                    else "values without a subject label in a table of subject rows"
                )
                quarantine.append(
                    lineage
                    | {
                        "source_row": row_number,
                        "source_column": label_column,
                        "field_name": "subject_name",
                        "cell_value": leading,
                        "reason": why,
                    }
                )
                counts["quarantined"] += 1
                continue
            else:
                subject_name = None
                row_entity = leading or entity or ctx.values["publisher"]
                row_kind = "school" if leading else entity_kind
                entity, entity_kind, in_group = row_entity, row_kind, False
            hint = re.match(r"^\s*(\d{1,2})\s*[.)]", leading) if is_subject else None
            out: list[dict[str, Any]] = []
            errors: list[dict[str, Any]] = []
            block_errors: dict[str, list[tuple[ValueColumn, str]]] = {}
            for v, text in value_cells:
                column = f"{' / '.join(t for t in (v.block, v.label) if t)} ({grid.column_label(f'c{v.position}')})"
                procedure = v.procedure or ctx.values["procedure"]
                subject = subject_name or v.subject or title_subject
                cell_grade = (
                    v.grade
                    if v.grade is not None
                    else PROCEDURE_GRADE.get(v.procedure or "", grade)
                    if v.procedure
                    else grade
                )
                problem = v.block_error
                if problem is None and subject is None:
                    problem = (
                        "the subject was not found: no subject row, no subject in the block "
                        "header, and the title names none (or several)"
                    )
                if problem is None and cell_grade is None:
                    problem = (
                        "the grade was not found: no grade block («5 класс»), no grade in the "
                        "block header («ВПР МА 5 2019»), no grade row, no single grade in the title"
                    )
                if problem is not None:
                    unread = v if v.block_error else replace(v, block_error=problem)
                    block_errors.setdefault(v.block or column, []).append((unread, text))
                    continue
                parsed = parse_cell(text, METRIC_KIND[v.metric])
                if parsed.error:
                    errors.append(
                        lineage
                        | {
                            "source_row": row_number,
                            "source_column": column,
                            "field_name": v.metric,
                            "cell_value": text,
                            "reason": parsed.error,
                        }
                    )
                    continue
                out.append(
                    lineage
                    | ctx.values
                    | {
                        "source_row": row_number,
                        "region_code": file.region_code,
                        "procedure": procedure,
                        "entity_name": row_entity,
                        "entity_kind": row_kind,
                        "subject_name": subject,
                        "subject_key": subject_key(subject) if subject else None,
                        "subject_code_hint": hint[1] if hint else None,
                        "grade": cell_grade,
                        "procedure_year": v.year,
                        "block_label": v.block or None,
                        "metric": v.metric,
                        "metric_kind": METRIC_KIND[v.metric],
                        "metric_label": v.label,
                        "value": parsed.value,
                        "value_count": parsed.count,
                        "pct_reported": parsed.pct_reported,
                        "missing_kind": parsed.missing_kind,
                        "cell_text": text,
                        "source_column": column,
                    }
                )
            # cells whose block (or label) cannot be told: one quarantine record per row and
            # block, the row's other blocks still load
            for block_text, unread_cells in block_errors.items():
                letters = ", ".join(
                    grid.column_label(f"c{column.position}") for column, _ in unread_cells
                )
                quarantine.append(
                    lineage
                    | {
                        "source_row": row_number,
                        "source_column": f"{block_text} ({letters})",
                        "field_name": f"block «{block_text}»",
                        "cell_value": "; ".join(t for _, t in unread_cells),
                        "reason": str(unread_cells[0][0].block_error),
                    }
                )
            if errors:
                counts["quarantined"] += 1
                quarantine.extend(errors)
            elif out:
                counts["loaded"] += 1
                rows.extend(out)
            elif block_errors:
                counts["quarantined"] += 1
            else:
                skip("blank")
        # CSV lines DuckDB never returned are empty lines
        for _ in range(grid.row_count - seen_rows):
            skip("blank")
        return counts, reasons

"""What every section of the note shares: its scope, the Russian names, the source line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from orchestration.reports import formats
from orchestration.reports.published import latest_publication

# the statuses of fct_indicator_value.status (its accepted_values) as an official reads them
STATUS_RU = {
    "achieved": "достигнут",
    "partially_achieved": "частично достигнут",
    "not_achieved": "не достигнут",
    "no_data": "нет данных",
    "not_applicable": "не применимо",
    "unknown_direction": "направление не указано",
    "needs_review": "требует проверки",
}
# fct_indicator_value.fact_state for a fact that is not a number
FACT_STATE_RU = {
    "no_data": "нет данных",
    "not_applicable": "не применимо",
    "text": "текст",
}
# subjects of the marts that are no subject of dim_subject
PSEUDO_SUBJECTS = {"medalists": "медалисты (все предметы)"}


@dataclass
class Scope:
    """What the note is about: a municipality or one school (the column that selects its rows
    in every mart, and the value)."""

    column: str  # municipality_name | school_id
    value: str
    name: str  # as the note's title names it
    short_name: str = ""  # the school's short name (a school's note) or the municipality

    @property
    def is_school(self) -> bool:
        return self.column == "school_id"

    def where(self, alias: str = "") -> str:
        return f"{alias + '.' if alias else ''}{self.column} = ?"


@dataclass
class Names:
    """Russian names from the published dimensions, and the source line's publication."""

    subjects: dict[str, str]  # subject_code → «Математика (профильная)»
    procedures: dict[str, str]  # assessment_code → «ВПР»
    programmes: dict[str, str]  # programme_code → its name
    publication: str  # «файл отчётности, версия 3 от 06.12.2026»

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, timezone: str = "Asia/Vladivostok") -> Names:
        subjects = dict(_rows(con, "select subject_code, subject_name from marts.dim_subject"))
        procedures = {
            code: _abbreviation(name)
            for code, name in _rows(
                con, "select assessment_code, assessment_name from marts.dim_assessment"
            )
        }
        programmes = dict(
            _rows(con, "select programme_code, programme_name from reference.indicator_programmes")
        )
        latest = latest_publication(con) or {}
        version, at = latest.get("version"), latest.get("published_at")
        publication = "опубликованный файл отчётности" + (
            f", версия {version} от {formats.local_datetime(at, timezone)}"
            if version and at
            else ""
        )
        return cls(subjects, procedures, programmes, publication)

    def subject(self, code: str | None, *, lower: bool = False) -> str:
        """The subject's Russian name (``lower``: inside a phrase, «ВПР, математика»)."""
        if code is None:
            return formats.DASH
        name = self.subjects.get(code) or PSEUDO_SUBJECTS.get(code) or code
        return name[:1].lower() + name[1:] if lower and not name[:2].isupper() else name

    def procedure(self, code: str | None) -> str:
        if code is None:
            return formats.DASH
        return self.procedures.get(code, code)

    def source(self, *tables: str) -> str:
        """The source line: the publication and the published tables the figures come from."""
        return f"{self.publication}; таблицы: {', '.join(tables)}"


def _abbreviation(name: str) -> str:
    """«Всероссийские проверочные работы (ВПР)» → «ВПР»: the name officials use."""
    found = re.search(r"\(([^()]+)\)\s*$", name or "")
    return found.group(1) if found else name


def _year(y: int) -> str:
    return formats.academic_year(y)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def markers(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """The markers of non-objective results as the published mart has them: (column, «M1»,
    its Russian label) for every ``is_m…`` column of mart_objectivity_markers, in order — read
    from the column catalogue, so that a marker the mart gains is never left out."""
    rows = _rows(
        con,
        "select column_name, label_ru from reference.column_catalogue "
        "where schema_name = 'marts' and table_name = 'mart_objectivity_markers' "
        "and regexp_matches(column_name, '^is_m[0-9]+_') order by column_position",
    )
    out = []
    for column, label in rows:
        code = "M" + re.findall(r"^is_m([0-9]+)_", column)[0]
        out.append((column, code, label or code))
    return out

"""What every section of the note shares: its scope, labels, formatting, charts."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

STATUS_RU = {
    "achieved": "достигнут",
    "not_achieved": "не достигнут",
    "no_data": "нет данных",
    "not_applicable": "не применимо",
    "unknown_direction": "направление не указано",
}


PROCEDURE_RU = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ"}


SUBJECT_RU = {"rus": "русский язык", "math": "математика", "medalists": "медалисты (все предметы)"}


@dataclass
class Scope:
    """What the note is about: a municipality or one school (the column that selects its rows
    in every mart, and the value)."""

    column: str  # municipality_name | school_id
    value: str
    name: str  # as the note's title names it

    @property
    def is_school(self) -> bool:
        return self.column == "school_id"

    def where(self, alias: str = "") -> str:
        return f"{alias + '.' if alias else ''}{self.column} = ?"


def _year(y: int) -> str:
    return f"{y}/{y + 1}"


def _num(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 2)
    return "—" if value is None else value


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def _line_chart(
    title: str, series: dict[str, list[tuple[int, float | None]]], ylabel: str
) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.4), dpi=100)
    for label, points in series.items():
        xs = [_year(x) for x, y in points if y is not None]
        ys = [y for _, y in points if y is not None]
        if xs:
            ax.plot(xs, ys, marker="o", label=label)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _bar_chart(title: str, labels: list[str], values: list[float]) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    ax.barh(labels, values, color="#3a6ea5")
    ax.set_xlim(0, 100)
    ax.set_title(title)
    ax.set_xlabel("индекс, %")
    ax.invert_yaxis()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()

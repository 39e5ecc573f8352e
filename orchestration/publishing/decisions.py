"""Recorded decisions that lift a publication refusal: data withdrawn on purpose, a shrink accepted.

The publish gate refuses a run that would publish less than the last publication (a source ×
academic year that vanished from the landing folder, a published table that shrinks). Such a
refusal is lifted only by a row in ``config/publication_decisions.csv`` (path overridable with
``MSOKO_PUBLICATION_DECISIONS_PATH``), which the quality report and the publication record show:

    academic_year,source,kind,reason,approved_by,approved_on
    2022,olympiad,withdrawn,protocol recalled by the regional operator,Иванова А. А.,2024-03-01

``kind`` is ``withdrawn`` (the source × year leaves the published data) or ``accepted_shrink``
(a published table of that year may lose rows); ``source`` is a landing folder name or ``*``.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

KINDS = ("withdrawn", "accepted_shrink")
COLUMNS = ("academic_year", "source", "kind", "reason", "approved_by", "approved_on")


@dataclass(frozen=True)
class Decision:
    academic_year: int
    source: str
    kind: str
    reason: str
    approved_by: str
    approved_on: str

    def covers(self, kind: str, academic_year: int, source: str) -> bool:
        return (
            self.kind == kind
            and self.academic_year == academic_year
            and self.source in ("*", source)
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_decisions(path: Path) -> tuple[list[Decision], list[str]]:
    """The decisions of the file, and the problems of rows that cannot be taken as decisions
    (a malformed decision blocks publishing rather than being ignored)."""
    if not path.exists():
        return [], []
    decisions: list[Decision] = []
    problems: list[str] = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            return [], [f"{path.name}: missing column(s) {', '.join(missing)}"]
        for line, row in enumerate(reader, start=2):
            values = {c: (row.get(c) or "").strip() for c in COLUMNS}
            if not any(values.values()):
                continue
            problem = _problem(values)
            if problem:
                problems.append(f"{path.name} line {line}: {problem}")
                continue
            decisions.append(
                Decision(
                    academic_year=int(values["academic_year"]),
                    source=values["source"],
                    kind=values["kind"],
                    reason=values["reason"],
                    approved_by=values["approved_by"],
                    approved_on=values["approved_on"],
                )
            )
    return decisions, problems


def _problem(values: dict[str, str]) -> str | None:
    if not values["academic_year"].isdigit():
        return f"academic_year '{values['academic_year']}' is not a start year such as 2022"
    if values["kind"] not in KINDS:
        return f"kind '{values['kind']}' is not one of {', '.join(KINDS)}"
    for required in ("source", "reason", "approved_by"):
        if not values[required]:
            return f"{required} is empty: a decision says what, why and who"
    try:
        dt.date.fromisoformat(values["approved_on"])
    except ValueError:
        return f"approved_on '{values['approved_on']}' is not a date YYYY-MM-DD"
    return None

"""Finding the header of a sheet below its title rows, and mapping its columns to fields.

Authorities' files drift: a title row or three above the header, a merged two-row header
("Сравнение отметок с отметками по журналу" over "Понизили | Подтвердили | Повысили"), columns
renamed or reordered between years. A reader declares its fields with the header texts it
accepts; this module finds the row (or pair of rows) that names the most of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ingestion.normalize import clean_text, header_key, unspace_letters

# "measure": a plan/fact cell — a number (optionally after "не менее" / "не более"), a
# qualitative statement ("Создан пакет документов"), or a missing marker; OCR-damaged numbers
# ("ЗД7") are errors. Outputs <name> (number), <name>_text, <name>_comparator, <name>_missing.
FieldKind = Literal["text", "int", "number", "count_pct", "code", "measure"]
DashMeaning = Literal["no_data", "not_applicable", "zero"]


@dataclass(frozen=True)
class Field:
    """One column a reader understands.

    ``headers`` are header texts in ``header_key`` form; a trailing ``*`` accepts any header
    that starts with the text. For a two-row header the candidate text is "<upper> <lower>".
    """

    name: str
    headers: tuple[str, ...] = ()
    kind: FieldKind = "text"
    required: bool = False  # a data row without it is quarantined
    personal: bool = False  # read only to compute the pupil key; never stored
    dash: DashMeaning = "no_data"  # what "-" means in this column (DOMAIN §5.1)
    min_value: float | None = None
    max_value: float | None = None
    pattern: str | None = None  # RE2 pattern the cleaned text must match in full
    track_missing: bool = False  # also output <name>_missing: no_data / not_applicable / empty
    header_required: bool = False  # the sheet is not this source's without this column
    description: str = ""

    def matches(self, label: str) -> bool:
        for alias in self.headers:
            if alias.endswith("*"):
                if label.startswith(alias[:-1]):
                    return True
            elif label == alias:
                return True
        return False


@dataclass
class Layout:
    """Where a sheet's header is and which grid column holds each field."""

    header_rows: tuple[int, ...]  # 1-based rows forming the header
    columns: dict[str, str]  # field name -> grid column ("c3")
    labels: dict[str, str]  # field name -> header text as written
    title_lines: list[str] = field(default_factory=list)  # non-empty texts above the header

    @property
    def first_data_row(self) -> int:
        return max(self.header_rows) + 1


class LayoutError(Exception):
    """A sheet whose header cannot be found; the message says what is missing."""


def _label(cell: str | None) -> str:
    return header_key(unspace_letters(clean_text(cell)))


def find_layout(
    head: Sequence[Sequence[str | None]],
    fields: Sequence[Field],
    *,
    min_matched: int = 2,
) -> Layout:
    """Pick the header row (or row pair) that maps the most fields.

    Raises ``LayoutError`` naming the missing required headers of the best candidate.
    """
    header_fields = [f for f in fields if f.headers]
    best: tuple[int, tuple[int, ...], dict[str, int], dict[str, str]] | None = None
    for index, row in enumerate(head):
        if sum(1 for cell in row if clean_text(cell)) < min_matched:
            continue
        candidates: list[tuple[tuple[int, ...], list[str], list[str]]] = []
        single = [_label(cell) for cell in row]
        candidates.append(((index + 1,), single, [clean_text(c) for c in row]))
        if index > 0:
            upper = _forward_filled(head[index - 1])
            pair = [
                (f"{_label(u)} {lab}".strip() if lab else _label(u))
                for u, lab in zip(upper, single, strict=False)
            ]
            written = [
                " / ".join(t for t in (clean_text(u), clean_text(c)) if t)
                for u, c in zip(upper, row, strict=False)
            ]
            candidates.append(((index, index + 1), pair, written))
        for rows, labels, written in candidates:
            mapping: dict[str, int] = {}
            texts: dict[str, str] = {}
            for f in header_fields:
                for position, label in enumerate(labels):
                    if label and position not in mapping.values() and f.matches(label):
                        mapping[f.name] = position
                        texts[f.name] = written[position]
                        break
            score = len(mapping) * 2 + (1 if len(rows) == 1 else 0)  # prefer one header row
            if best is None or score > best[0]:
                best = (score, rows, mapping, texts)
    if best is None or len(best[2]) < min_matched:
        expected = ", ".join(f'"{f.headers[0]}"' for f in header_fields if f.header_required)
        raise LayoutError(
            f"no header row found in the first {len(head)} rows (expected columns such as "
            f"{expected or ', '.join(f.headers[0] for f in header_fields[:4])})"
        )
    _, rows, mapping, texts = best
    missing = [f for f in header_fields if f.header_required and f.name not in mapping]
    if missing:
        raise LayoutError(
            f"header found in row {rows[-1]} but without the column(s) "
            + ", ".join(f'"{f.headers[0]}"' for f in missing)
        )
    title_lines = [
        " ".join(clean_text(c) for c in row if clean_text(c)) for row in head[: rows[0] - 1]
    ]
    return Layout(
        header_rows=rows,
        columns={name: f"c{pos}" for name, pos in mapping.items()},
        labels=texts,
        title_lines=[t for t in title_lines if t],
    )


def _forward_filled(row: Sequence[str | None]) -> list[str | None]:
    """Merged header cells arrive as one value followed by empties: carry the value right."""
    filled: list[str | None] = []
    last: str | None = None
    for cell in row:
        if clean_text(cell):
            last = cell
        filled.append(last)
    return filled


def keys(*texts: str) -> tuple[str, ...]:
    """Header aliases written naturally ("Кол-во уч.") turned into ``header_key`` form."""
    out = []
    for text in texts:
        star = text.endswith("*")
        key = header_key(text[:-1] if star else text)
        out.append(key + "*" if star else key)
    return tuple(out)


_REGION_DIR = re.compile(r"^region[=_-]?(\d{2})$", re.I)


def region_from_path(relative_parts: Sequence[str]) -> str | None:
    """The region a file belongs to by its landing folder, e.g. ``ege_rcoi/region=27/x.csv``."""
    for part in relative_parts:
        match = _REGION_DIR.match(part)
        if match:
            return match[1]
    return None

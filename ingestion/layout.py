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
from functools import lru_cache
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


@lru_cache(maxsize=1 << 16)
def _label_of(text: str) -> str:
    return header_key(unspace_letters(clean_text(text)))


@lru_cache(maxsize=1 << 16)
def _clean(text: str) -> str:
    return clean_text(text)


def _label(cell: object) -> str:
    """A header cell as aliases are written (``header_key`` form); memoised: the same few header
    texts recur in thousands of files."""
    return "" if cell is None else _label_of(str(cell))


def _text(cell: object) -> str:
    return "" if cell is None else _clean(str(cell))


class _FieldIndex:
    """The aliases of a reader's fields as dictionaries, so that a header candidate is matched
    by a lookup per cell rather than by comparing every cell with every alias.

    ``match`` gives exactly what the plain rule gives — for each field in declared order, the
    leftmost cell not taken by an earlier field that one of its aliases matches
    (``Field.matches``) — and remembers its answer per distinct header text: thousands of files
    share a few headers. Which fields a cell text can be is remembered per text too.
    """

    def __init__(self, fields: Sequence[Field]):
        self.fields = tuple(fields)
        self.exact: dict[str, tuple[int, ...]] = {}
        self.prefixes: list[tuple[str, int]] = []
        for i, f in enumerate(self.fields):
            for alias in f.headers:
                if alias.endswith("*"):
                    self.prefixes.append((alias[:-1], i))
                elif i not in self.exact.get(alias, ()):
                    self.exact[alias] = (*self.exact.get(alias, ()), i)
        # a field name given twice: the later field takes the name (and frees the earlier cell)
        self.repeated_names = len({f.name for f in self.fields}) < len(self.fields)
        self.fields_of = lru_cache(maxsize=1 << 16)(self._fields_of)
        self.match = lru_cache(maxsize=1 << 14)(self._match)

    def _fields_of(self, label: str) -> tuple[int, ...]:
        """The fields (indices, ascending) one of whose aliases matches ``label``."""
        found = set(self.exact.get(label, ()))
        found.update(i for prefix, i in self.prefixes if label.startswith(prefix))
        return tuple(sorted(found))

    def candidates(self, labels: Sequence[str]) -> int:
        """How many cells match at least one field: an upper bound of what ``match`` maps."""
        return sum(1 for label in labels if label and self.fields_of(label))

    def _match(self, labels: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
        """(field name, position) pairs, in the order the fields were first matched."""
        positions: list[list[int]] = [[] for _ in self.fields]
        for position, label in enumerate(labels):
            if label:
                for i in self.fields_of(label):
                    positions[i].append(position)
        mapping: dict[str, int] = {}
        used: set[int] = set()
        for f, found in zip(self.fields, positions, strict=True):
            if self.repeated_names:
                used = set(mapping.values())
            for position in found:
                if position not in used:
                    mapping[f.name] = position
                    used.add(position)
                    break
        return tuple(mapping.items())


_INDEXES: dict[int, tuple[Sequence[Field], _FieldIndex]] = {}


def _index(fields: Sequence[Field]) -> _FieldIndex:
    hit = _INDEXES.get(id(fields))
    if hit is None or hit[0] is not fields:
        hit = (fields, _FieldIndex([f for f in fields if f.headers]))
        _INDEXES[id(fields)] = hit
    return hit[1]


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
    index = _index(fields)
    best: tuple[int, tuple[int, ...], tuple[tuple[str, int], ...], int] | None = None
    for row_index, row in enumerate(head):
        if sum(1 for cell in row if _text(cell)) < min_matched:
            continue
        single = tuple(_label(cell) for cell in row)
        candidates: list[tuple[tuple[int, ...], tuple[str, ...]]] = [((row_index + 1,), single)]
        if row_index > 0:
            upper = _forward_filled(head[row_index - 1])
            pair = tuple(
                (f"{_label(u)} {lab}".strip() if lab else _label(u))
                for u, lab in zip(upper, single, strict=False)
            )
            candidates.append(((row_index, row_index + 1), pair))
        for rows, labels in candidates:
            bonus = 1 if len(rows) == 1 else 0  # prefer one header row
            if best is not None and index.candidates(labels) * 2 + bonus <= best[0]:
                continue  # cannot beat the best candidate so far (a data row, usually)
            mapping = index.match(labels)
            score = len(mapping) * 2 + bonus
            if best is None or score > best[0]:
                best = (score, rows, mapping, row_index)
    if best is None or len(best[2]) < min_matched:
        expected = ", ".join(f'"{f.headers[0]}"' for f in header_fields if f.header_required)
        raise LayoutError(
            f"no header row found in the first {len(head)} rows (expected columns such as "
            f"{expected or ', '.join(f.headers[0] for f in header_fields[:4])})"
        )
    _, rows, matched, row_index = best
    found: dict[str, int] = dict(matched)
    row = head[row_index]
    if len(rows) == 1:
        texts = {name: _text(row[position]) for name, position in found.items()}
    else:
        upper = _forward_filled(head[row_index - 1])
        texts = {
            name: " / ".join(t for t in (_text(upper[position]), _text(row[position])) if t)
            for name, position in found.items()
        }
    missing = [f for f in header_fields if f.header_required and f.name not in found]
    if missing:
        raise LayoutError(
            f"header found in row {rows[-1]} but without the column(s) "
            + ", ".join(f'"{f.headers[0]}"' for f in missing)
        )
    title_lines = [" ".join(_text(c) for c in row if _text(c)) for row in head[: rows[0] - 1]]
    return Layout(
        header_rows=rows,
        columns={name: f"c{pos}" for name, pos in found.items()},
        labels=texts,
        title_lines=[t for t in title_lines if t],
    )


def _forward_filled(row: Sequence[str | None]) -> list[str | None]:
    """Merged header cells arrive as one value followed by empties: carry the value right."""
    filled: list[str | None] = []
    last: str | None = None
    for cell in row:
        if _text(cell):
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

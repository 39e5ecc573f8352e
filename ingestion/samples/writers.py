"""The generators' bookkeeping and writers: the ground truth, a sheet's rows with how the reader
must account for each, and the xlsx / CSV writers. Shared by every sub-generator of
``ingestion.samples``; it imports none of them (no cycle inside ``samples``).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter


@dataclass
class FileTruth:
    """What a generated file holds, row by row, as the reader should account for it."""

    path: str  # relative to the landing folder
    source: str
    academic_year: int
    sheet: str | None
    rows: dict[str, int] = field(
        default_factory=lambda: {"read": 0, "loaded": 0, "quarantined": 0, "skipped": 0}
    )
    unknown_school_rows: int = 0  # loaded by the reader, rejected by the warehouse


@dataclass
class Defect:
    path: str
    sheet: str | None
    row: int
    column: str  # the header text of the column
    kind: str
    expected: str  # quarantine | warehouse_quarantine | loaded
    value: str
    clean_value: Any = None


class Truth:
    def __init__(self) -> None:
        self.files: list[FileTruth] = []
        self.defects: list[Defect] = []
        self.schools: list[dict[str, Any]] = []
        self.vpr: list[dict[str, Any]] = []
        self.exam_rows: list[dict[str, Any]] = []
        self.indicators: list[dict[str, Any]] = []  # one per loaded plan/fact form row
        self.indicator_summaries: list[dict[str, Any]] = []  # the forms' own summary lines
        self.mechanism_scores: list[dict[str, Any]] = []  # loaded expert points (seed 004)
        # municipal published tables (aggregates): one per value, and the planted defects
        self.published_aggregates: list[dict[str, Any]] = []
        self.published_aggregate_defects: list[dict[str, Any]] = []
        self.vpr_forms: list[dict[str, Any]] = []  # pupil-level ВПР forms written (aggregated)
        # known cases for the marts: {"case", "school_code", "academic_years", "detail"}
        self.planted: list[dict[str, Any]] = []
        # ГИА side files (ingestion/samples/gia.py): per medalist, appeal, federal-list entry
        self.medalists: list[dict[str, Any]] = []
        self.appeals: list[dict[str, Any]] = []
        self.federal_lists: list[dict[str, Any]] = []
        # changes planted in the registry over the years (ingestion/samples/registry.py)
        self.registry_changes: list[dict[str, Any]] = []
        # olympiad protocol rows (ingestion.samples.olympiad) and the school-name variants they
        # use, each with the school it names (None: planted ambiguous or unknown name)
        self.olympiad: list[dict[str, Any]] = []
        self.school_name_variants: list[dict[str, Any]] = []
        self.school_profiles: list[dict[str, Any]] = []  # loaded school monitoring form rows

    def plant(self, case: str, school_code: str, academic_years: list[int], detail: str) -> None:
        self.planted.append(
            {
                "case": case,
                "school_code": school_code,
                "academic_years": academic_years,
                "detail": detail,
            }
        )

    def write(self, truth_dir: Path) -> None:
        truth_dir.mkdir(parents=True, exist_ok=True)
        payload = {
            "schools": self.schools,
            "vpr": self.vpr,
            "files": [asdict(f) for f in self.files],
            "defects": [asdict(d) for d in self.defects],
            "indicators": self.indicators,
            "indicator_summaries": self.indicator_summaries,
            "mechanism_scores": self.mechanism_scores,
            "published_aggregates": self.published_aggregates,
            "published_aggregate_defects": self.published_aggregate_defects,
            "vpr_forms": self.vpr_forms,
            "planted": self.planted,
            "medalists": self.medalists,
            "appeals": self.appeals,
            "federal_lists": self.federal_lists,
            "registry_changes": self.registry_changes,
            "olympiad": self.olympiad,
            "school_name_variants": self.school_name_variants,
            "school_profiles": self.school_profiles,
        }
        (truth_dir / "truth.json").write_text(
            json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        # every row with every key (Arrow infers the columns from the first row otherwise)
        columns = list(dict.fromkeys(k for r in self.exam_rows for k in r))
        rows = [{k: r.get(k) for k in columns} for r in self.exam_rows]
        pq.write_table(pa.Table.from_pylist(rows), truth_dir / "exam_results.parquet")


class SheetWriter:
    """Rows of one sheet or CSV file, each tagged with how the reader must account for it."""

    def __init__(self, truth: Truth, path: str, source: str, year: int, sheet: str | None):
        self.rows: list[list[Any]] = []
        self.merges: list[tuple[int, int, int, int, str]] = []
        self.file = FileTruth(path, source, year, sheet)
        self.truth = truth
        truth.files.append(self.file)

    def add(self, cells: list[Any], disposition: str) -> int:
        """Append a row; returns its 1-based row number."""
        self.rows.append(cells)
        self.file.rows["read"] += 1
        self.file.rows[disposition] += 1
        return len(self.rows)

    def defect(
        self, row: int, column: str, kind: str, expected: str, value: Any, clean: Any = None
    ) -> None:
        self.truth.defects.append(
            Defect(self.file.path, self.file.sheet, row, column, kind, expected, str(value), clean)
        )


def write_xlsx(path: Path, sheets: list[SheetWriter], numeric_as_text: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(path, {"strings_to_numbers": False})
    bold = book.add_format({"bold": True, "text_wrap": True, "align": "center"})
    for sheet in sheets:
        ws = book.add_worksheet(sheet.file.sheet or "Лист1")
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if (
                    isinstance(value, int | float | np.integer | np.floating)
                    and not numeric_as_text
                ):
                    ws.write_number(r, c, float(value))
                else:
                    ws.write_string(r, c, str(value))
        for r1, c1, r2, c2, text in sheet.merges:
            ws.merge_range(r1, c1, r2, c2, text, bold)
    book.close()


def write_csv(
    path: Path, sheet: SheetWriter, encoding: str = "cp1251", doubled: bool = False
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in sheet.rows:
        if row == ["<empty line>"]:
            buffer.write("\r\n")
            continue
        cells = ["" if v is None else str(v) for v in row]
        if doubled:  # merged-cell export: an empty cell after every cell
            cells = [x for cell in cells for x in (cell, "")][:-1]
        writer.writerow(cells)
    path.write_bytes(buffer.getvalue().encode(encoding))

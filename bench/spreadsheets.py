"""The fastest raw spreadsheet readers alone, on the same files as our ingestion.

Each reader opens every workbook and reads every sheet into memory, in one process (our
ingestion reads one file at a time too): fastexcel (calamine, to Arrow, type inference as it
does by default) and python-calamine (calamine, to Python lists). Rows are physical rows,
as our ingestion's ``rows_read`` counts them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


def _fastexcel(path: Path) -> int:
    import fastexcel

    reader = fastexcel.read_excel(path)
    rows = 0
    for name in reader.sheet_names:
        rows += reader.load_sheet(name, header_row=None).to_arrow().num_rows
    return rows


def _calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return sum(len(book.get_sheet_by_name(n).to_python()) for n in book.sheet_names)


READERS = {"fastexcel": _fastexcel, "python-calamine": _calamine}


def raw_throughput(files: list[Path]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, read in READERS.items():
        started = time.monotonic()
        rows = sum(read(p) for p in files)
        seconds = time.monotonic() - started
        out[name] = {
            "files": len(files),
            "rows": rows,
            "seconds": seconds,
            "files_per_s": len(files) / seconds if seconds else None,
            "rows_per_s": rows / seconds if seconds else None,
        }
    fastest = min(out, key=lambda k: out[k]["seconds"])
    return {"readers": out, "fastest": fastest}

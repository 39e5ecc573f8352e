"""The open-data export alone, on a published reporting file (for BENCHMARKS.md).

    python -m bench.export_alone <reporting.duckdb> <target folder>

Runs ``orchestration.publishing.open_data.write_export`` with the public tables of the dbt
manifest and prints the wall time; the target folder is replaced.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from orchestration.publishing.dbt_meta import DBT_MANIFEST, dbt_manifest, public_tables
from orchestration.publishing.open_data import write_export


def main(argv: list[str]) -> None:
    reporting, target = Path(argv[0]), Path(argv[1])
    started = time.monotonic()
    result = write_export(reporting, target, public_tables(dbt_manifest(DBT_MANIFEST)))
    print(f"export: {time.monotonic() - started:.1f} s, tables {result.tables}")


if __name__ == "__main__":
    main(sys.argv[1:])

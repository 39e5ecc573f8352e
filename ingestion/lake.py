"""The lake: immutable Parquet written by ingestion, the only storage ingestion writes.

DuckDB allows one writer per database file and no reader meanwhile (shared/STACK.md), while
Dagster runs steps in parallel processes. So ingestion never opens the warehouse: it writes
Parquet files, each once, with an atomic rename, and only dbt writes the warehouse (reading
the lake as external sources). Parallel partitions cannot collide, and every version of every
file stays on disk as history.

Layout (``<y>`` = the academic year's start year)::

    <source>/<table>/academic_year=<y>/<batch>.parquet     rows read from a batch of files
    <source>/<table>/_schema/_schema.parquet               0 rows: the schema, so globs match
    _quarantine/<source>/academic_year=<y>/<batch>.parquet bad cells (file, sheet, row, column)
    _files/<source>/academic_year=<y>/<batch>.parquet      per file × sheet: read/loaded/...
    _manifest/<source>/academic_year=<y>.parquet           which file versions are current
    _manifest_history/<source>/academic_year=<y>/<ts>.parquet   every manifest ever committed
    _landing/index.parquet                                 the last scan of the landing folder

A manifest is the commit point of a (source, academic year) partition: the warehouse reads
only the rows of file versions a manifest lists as ``committed`` (by checksum and batch), so a
partition switches from one set of file versions to the next in one ``os.replace``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.atomic import replace_file, temp_path
from ingestion.engine import FILE_SUMMARY_SCHEMA, QUARANTINE_SCHEMA, Reader, arrow_schema
from ingestion.stages import NO_STAGES, Stages

MANIFEST_SCHEMA: tuple[tuple[str, str], ...] = (
    ("source_name", "varchar"),
    ("academic_year", "integer"),
    ("file_sha256", "varchar"),
    ("source_file", "varchar"),
    ("reader_version", "integer"),
    ("batch_id", "varchar"),
    ("status", "varchar"),  # committed | rejected | unreadable
    ("status_reason", "varchar"),
    ("decided_at", "timestamp"),
    ("run_id", "varchar"),
)

LANDING_INDEX_SCHEMA: tuple[tuple[str, str], ...] = (
    ("source_name", "varchar"),
    ("source_file", "varchar"),  # relative to the landing folder
    ("size_bytes", "bigint"),
    ("modified_ns", "bigint"),
    ("file_sha256", "varchar"),
    ("region_code", "varchar"),
    ("academic_year", "integer"),
    ("error", "varchar"),  # why the file could not be placed (unreadable, unknown folder…)
    ("first_seen_at", "timestamp"),
    ("scanned_at", "timestamp"),
    ("ignored_reason", "varchar"),  # a hidden or temporary name: listed, deliberately not read
)


# lakes whose zero-row schema files this process has written or checked
_SCHEMAS_WRITTEN: set[tuple[str, tuple[str, ...]]] = set()


class Lake:
    def __init__(self, root: Path, stages: Stages = NO_STAGES):
        self.root = Path(root)
        self.stages = stages  # a writer's hook: each write is a ``lake_write`` stage

    # ------------------------------------------------------------------ paths

    def table_dir(self, source: str, table: str) -> Path:
        return self.root / source / table

    def data_path(self, source: str, table: str, year: int, batch_id: str) -> Path:
        return self.table_dir(source, table) / f"academic_year={year}" / f"{batch_id}.parquet"

    def meta_path(self, kind: str, source: str, year: int | None, batch_id: str) -> Path:
        folder = f"academic_year={year}" if year is not None else "academic_year=unknown"
        return self.root / f"_{kind}" / source / folder / f"{batch_id}.parquet"

    def manifest_path(self, source: str, year: int) -> Path:
        return self.root / "_manifest" / source / f"academic_year={year}.parquet"

    def landing_index_path(self) -> Path:
        return self.root / "_landing" / "index.parquet"

    def publication_record_path(self) -> Path:
        """Every publication's record (the published ``publication`` table), kept beside the
        lake too, so that a damaged published file never loses the version history."""
        return self.root / "_publications" / "publication.parquet"

    # ------------------------------------------------------------------ writing

    def write(self, path: Path, table: pa.Table) -> Path:
        """Write ``table`` to ``path`` atomically (temporary name, fsync, ``os.replace``)."""
        with self.stages.stage("lake_write"):
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_path(path)
            pq.write_table(table, tmp, compression="zstd")
            return replace_file(tmp, path)

    def ensure_schemas(self, readers: Sequence[Reader]) -> None:
        """Zero-row Parquet per table, so that dbt's globs match before any file arrives."""
        wanted = [
            (self.root / "_quarantine" / "_schema" / "_schema.parquet", QUARANTINE_SCHEMA),
            (self.root / "_files" / "_schema" / "_schema.parquet", FILE_SUMMARY_SCHEMA),
            (self.root / "_manifest" / "_schema" / "_schema.parquet", MANIFEST_SCHEMA),
            (self.root / "_landing" / "_schema.parquet", LANDING_INDEX_SCHEMA),
        ]
        for reader in readers:
            wanted.append(
                (
                    self.table_dir(reader.name, reader.table) / "_schema" / "_schema.parquet",
                    tuple(reader.output_schema()),
                )
            )
        key = (str(self.root), tuple(str(path) for path, _ in wanted))
        if key in _SCHEMAS_WRITTEN and all(path.exists() for path, _ in wanted):
            return  # this process wrote or checked them (once per source × year otherwise)
        for path, columns in wanted:
            schema = arrow_schema(columns)
            if path.exists() and pq.read_schema(path).equals(schema):
                continue
            self.write(path, schema.empty_table())
        _SCHEMAS_WRITTEN.add(key)

    # ------------------------------------------------------------------ reading

    def read_manifest(self, source: str, year: int) -> pa.Table:
        path = self.manifest_path(source, year)
        if path.exists():
            return pq.read_table(path)
        return arrow_schema(MANIFEST_SCHEMA).empty_table()

    def commit_manifest(self, source: str, year: int, rows: list[dict]) -> Path:
        """Replace the partition's manifest (the commit point) and keep a copy as history."""
        table = pa.Table.from_pylist(rows, schema=arrow_schema(MANIFEST_SCHEMA))
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        history = (
            self.root / "_manifest_history" / source / f"academic_year={year}" / f"{stamp}.parquet"
        )
        self.write(history, table)
        return self.write(self.manifest_path(source, year), table)

    def manifests(self) -> Iterator[tuple[str, int, list[dict]]]:
        """Every partition's manifest: (source, academic year, rows), by source then year."""
        folder = self.root / "_manifest"
        for path in sorted(folder.glob("*/academic_year=*.parquet")) if folder.exists() else []:
            source, year = path.parent.name, int(path.stem.split("=")[1])
            yield source, year, self.read_manifest(source, year).to_pylist()

    def fingerprint(self) -> str:
        """A digest of the committed state: which file versions each partition holds."""
        digest = hashlib.sha256()
        for source, year, rows in self.manifests():
            for row in sorted(rows, key=lambda r: r["file_sha256"]):
                digest.update(f"{source}|{year}|{row['file_sha256']}|{row['status']}\n".encode())
        return digest.hexdigest()

    def file_summaries(
        self, con: duckdb.DuckDBPyConnection, source: str, batch_ids: Sequence[str]
    ) -> list[dict]:
        """The per file × sheet summaries (``_files``) of the given batches of a source."""
        paths = [
            str(p)
            for b in sorted(set(batch_ids))
            for p in (self.root / "_files" / source).glob(f"*/{b}.parquet")
        ]
        if not paths:
            return []
        files = ", ".join(f"'{_q(p)}'" for p in paths)
        return con.sql(f"select * from read_parquet([{files}])").to_arrow_table().to_pylist()

    def parsed_versions(
        self, con: duckdb.DuckDBPyConnection, source: str, reader_version: int
    ) -> dict[str, tuple[str, int | None, str]]:
        """sha256 -> (batch_id, academic_year, status) of file versions already read; status
        ``read``, ``unreadable`` (nothing could be read) or ``rejected`` (read, but the file
        contradicts itself: its own row count, mixed delimiters)."""
        folder = self.root / "_files" / source
        if not folder.exists():
            return {}
        rows = con.execute(
            "select file_sha256, any_value(batch_id), any_value(academic_year), "
            "case when bool_or(status = 'unreadable') then 'unreadable' "
            "when bool_or(status = 'rejected') then 'rejected' else 'read' end "
            f"from read_parquet('{_q(folder)}/*/*.parquet') where reader_version = ? "
            "group by file_sha256, batch_id",
            [reader_version],
        ).fetchall()
        return {sha: (batch, year, status) for sha, batch, year, status in rows}

    def write_landing_index(self, entries: Sequence[object]) -> Path:
        """Record a scan of the landing folder (``ingestion.landing.LandingEntry`` objects)."""
        table = pa.Table.from_pylist(
            [vars(e) for e in entries], schema=arrow_schema(LANDING_INDEX_SCHEMA)
        )
        return self.write(self.landing_index_path(), table)

    def read_publication_record(self) -> list[dict]:
        """The publication rows recorded beside the lake, oldest first (empty: none yet)."""
        path = self.publication_record_path()
        if not path.exists():
            return []
        return sorted(pq.read_table(path).to_pylist(), key=lambda r: r["version"])

    def read_landing_index(self) -> pa.Table:
        path = self.landing_index_path()
        if path.exists():
            return pq.read_table(path)
        return arrow_schema(LANDING_INDEX_SCHEMA).empty_table()


def _q(path: Path | str) -> str:
    return str(path).replace("'", "''")

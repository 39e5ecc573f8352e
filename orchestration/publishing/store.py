"""The published artefact: a small catalog file BI servers keep open, whose views read immutable
versioned Parquet files behind an atomically switched pointer.

    data/reporting.duckdb                              the catalog analysts and BI tools open
                                                       read-only: one view per published table,
                                                       table and column comments
    data/reporting/v000012/<schema>/<table>.parquet    one folder per publication (immutable)
    data/reporting/current -> v000012                  the pointer, switched with one os.replace

Why (measured, docs/bi.md): DuckDB keeps one database instance per file and process; a process
that holds any connection to a file keeps the old file after an ``os.replace`` — even through new
connections — so a pooled BI server showed yesterday's figures after the nightly run. A view
opens its Parquet file at every query: a held connection sees the new publication on its next
query, and a query running during the switch finishes on the files it opened (the previous
versions are kept). The catalog is written in DuckDB storage format v1.0.0, which every DuckDB
since 1.0 opens; its views hold absolute paths (DuckDB resolves relative ones against the
reader's working directory, not the file).

Under SIGKILL at any point readers see the previous publication whole: a version is written
under a temporary name, flushed and renamed into place before the pointer moves; the pointer
moves in one ``os.replace``; the catalog is replaced afterwards the same way. A folder left by a
killed run is removed by the next one.
"""

from __future__ import annotations

import grp
import os
import re
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion.atomic import replace_file

CATALOG_STORAGE_VERSION = "v1.0.0"  # every DuckDB since 1.0 opens it (BI tools bundle old ones)
VERSION_DIR = re.compile(r"^v(\d{6})$")
PUBLISHED_FILE_MODE = 0o640  # owner writes, the publish group reads, nobody else
PUBLISHED_DIR_MODE = 0o750


@dataclass
class PublishedTable:
    """One relation of a publication: its Parquet file and what the catalog says about it."""

    schema: str
    name: str
    comment: str | None = None
    column_comments: dict[str, str] = field(default_factory=dict)


@dataclass
class StagedVersion:
    """A publication being written: Parquet files in a temporary folder, renamed on commit."""

    version: int
    path: Path
    tables: list[PublishedTable] = field(default_factory=list)

    def parquet(self, schema: str, name: str) -> Path:
        folder = self.path / schema
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{name}.parquet"


class DamagedPublicationError(RuntimeError):
    """The catalog or the current version cannot be read."""


class ReportingStore:
    """The catalog, its version folders and the pointer (see the module docstring)."""

    def __init__(self, catalog: Path, keep_versions: int = 3, group: str | None = None):
        self.catalog = catalog
        self.root = catalog.with_suffix("")  # data/reporting.duckdb -> data/reporting/
        self.keep_versions = max(1, keep_versions)
        self.group = group

    # ------------------------------------------------------------------ reading

    @property
    def pointer(self) -> Path:
        return self.root / "current"

    def current_version(self) -> int | None:
        try:
            target = os.readlink(self.pointer)
        except OSError:
            return None
        match = VERSION_DIR.match(Path(target).name)
        return int(match.group(1)) if match else None

    def version_dir(self, version: int) -> Path:
        return self.root / f"v{version:06d}"

    def current_dir(self) -> Path | None:
        version = self.current_version()
        return self.version_dir(version) if version is not None else None

    def current_parquet(self, schema: str, name: str) -> Path | None:
        folder = self.current_dir()
        path = folder / schema / f"{name}.parquet" if folder else None
        return path if path is not None and path.exists() else None

    def damage(self) -> str | None:
        """Why what is published cannot be read (None: it can, or nothing is published yet)."""
        if not self.catalog.exists() and self.current_version() is None:
            return None
        if self.catalog.exists() and not self.is_catalog():
            return None  # a file of the older layout (tables in the file): read as it is
        if self.current_version() is None:
            return f"{self.root}/current is missing: the catalog's views have nothing to read"
        if not (self.current_dir() or self.root).exists():
            return f"the published version folder {self.current_dir()} is missing"
        try:
            con = duckdb.connect(str(self.catalog), read_only=True)
        except (duckdb.Error, OSError) as exc:
            return f"the catalog {self.catalog.name} cannot be opened ({_first_line(exc)})"
        try:
            con.execute("select max(version) from main.publication").fetchone()
        except duckdb.Error as exc:
            return f"the publication record cannot be read ({_first_line(exc)})"
        finally:
            con.close()
        return None

    def is_catalog(self) -> bool:
        """True when the file at the catalog path is a catalog of views (not the older layout,
        a DuckDB file holding the tables themselves)."""
        try:
            con = duckdb.connect(str(self.catalog), read_only=True)
        except (duckdb.Error, OSError):
            return True  # damaged: treat as ours (moved aside by the caller)
        try:
            row = con.execute(
                "select count(*) from duckdb_tables() where database_name = current_database()"
            ).fetchone()
            return not row or row[0] == 0
        finally:
            con.close()

    def move_aside(self, stamp: str) -> list[Path]:
        """Keep damaged published files for inspection, out of the way of the next publish."""
        moved = []
        for path in (self.catalog, self.pointer):
            if path.exists() or path.is_symlink():
                aside = path.with_name(f"{path.name}.damaged-{stamp}")
                os.replace(path, aside)
                moved.append(aside)
        return moved

    # ------------------------------------------------------------------ writing

    @contextmanager
    def stage(self, version: int) -> Iterator[StagedVersion]:
        """A folder to write version ``version`` into; removed unless committed."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.remove_leftovers()
        staged = StagedVersion(version, self.root / f".v{version:06d}.{uuid.uuid4().hex}.tmp")
        staged.path.mkdir()
        try:
            yield staged
        finally:
            shutil.rmtree(staged.path, ignore_errors=True)

    def commit(self, staged: StagedVersion, crash: object = None) -> Path:
        """Make ``staged`` the published version: flush, rename, switch the pointer, replace the
        catalog, drop the versions beyond ``keep_versions``. ``crash(point)`` is the fault
        injection hook of the crash tests."""
        for path in staged.path.rglob("*"):
            if path.is_file():
                _fsync_file(path)
        for folder in [p for p in staged.path.rglob("*") if p.is_dir()] + [staged.path]:
            _fsync_dir(folder)
        self._share(staged.path)
        final = self.version_dir(staged.version)
        if final.exists():  # the folder of a run killed between rename and switch
            shutil.rmtree(final)
        os.replace(staged.path, final)
        _fsync_dir(self.root)
        if callable(crash):
            crash("publish:before_swap")
        link = self.root / f".current.{uuid.uuid4().hex}.tmp"
        os.symlink(final.name, link)
        os.replace(link, self.pointer)
        _fsync_dir(self.root)
        self.write_catalog(staged.tables, staged.version)
        self.remove_old_versions()
        return final

    def catalog_sql(self, tables: Sequence[PublishedTable], version: int) -> str:
        pointer = _q(str(self.root.resolve() / "current"))
        lines = [
            f"create schema if not exists {schema};"
            for schema in sorted({t.schema for t in tables} - {"main"})
        ]
        for t in sorted(tables, key=lambda t: (t.schema, t.name)):
            lines.append(
                f'create or replace view {t.schema}."{t.name}" as select * from '
                f"read_parquet('{pointer}/{t.schema}/{t.name}.parquet');"
            )
            comment = t.comment
            if t.schema == "main" and t.name == "publication":
                comment = re.sub(r"\s*\(catalog written with version \d+\)$", "", comment or "")
                comment = f"{comment} (catalog written with version {version})".strip()
            if comment:
                lines.append(f"comment on view {t.schema}.\"{t.name}\" is '{_q(comment)}';")
            for column, text in t.column_comments.items():
                lines.append(
                    f'comment on column {t.schema}."{t.name}"."{column}" is \'{_q(text)}\';'
                )
        return "\n".join(lines) + "\n"

    def write_catalog(self, tables: Sequence[PublishedTable], version: int) -> Path:
        """Build the catalog under a temporary name and replace the published one. A process
        holding the previous catalog keeps it; its views read the same pointer."""
        tmp = self.catalog.with_name(f".{self.catalog.name}.{uuid.uuid4().hex}.tmp")
        con = duckdb.connect()
        try:
            con.execute(
                f"attach '{_q(tmp)}' as catalog (storage_version '{CATALOG_STORAGE_VERSION}')"
            )
            con.execute("use catalog")
            # one transaction: one commit instead of one per view and comment (~10× faster)
            con.execute("begin transaction")
            con.execute(self.catalog_sql(tables, version))
            con.execute("commit")
            con.execute("use memory")
            con.execute("detach catalog")
        except BaseException:
            con.close()
            tmp.unlink(missing_ok=True)
            raise
        con.close()
        self._share(tmp)
        return replace_file(tmp, self.catalog, sync_dir=True)

    def repoint(self) -> Path | None:
        """Rewrite the catalog for where the folder is now (its views hold absolute paths: a
        data folder moved or copied elsewhere reads the old place until this runs or the next
        publication). Comments are kept from the catalog being replaced."""
        current = self.current_dir()
        version = self.current_version()
        if current is None or version is None or not current.exists():
            return None
        tables = [
            PublishedTable(p.parent.name, p.stem) for p in sorted(current.glob("*/*.parquet"))
        ]
        try:
            con = duckdb.connect(str(self.catalog), read_only=True)
        except (duckdb.Error, OSError):
            con = None
        if con is not None:
            try:
                take_comments(con, tables, self.catalog.stem)  # a file's database: its stem
            finally:
                con.close()
        return self.write_catalog(tables, version)

    def remove_leftovers(self) -> list[Path]:
        """Temporary folders and files of killed runs (a catalog's write-ahead log included)."""
        removed = []
        patterns = [(self.root, ".*.tmp*"), (self.catalog.parent, f".{self.catalog.name}.*tmp*")]
        for folder, pattern in patterns:
            for path in folder.glob(pattern) if folder.exists() else []:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed.append(path)
        return removed

    def remove_old_versions(self) -> list[Path]:
        current = self.current_version()
        if current is None:
            return []
        removed = []
        for path in self.root.iterdir():
            match = VERSION_DIR.match(path.name)
            if not match:
                continue
            version = int(match.group(1))
            # older than the kept ones, or above the pointer (a killed run's folder)
            if version > current or version <= current - self.keep_versions:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        return removed

    def _share(self, path: Path) -> None:
        """Published outputs: readable by the publish group (0640 files, 0750 folders), never by
        others, whatever the process's umask."""
        share(path, self.group)
        share(self.root, self.group, recursive=False)
        share(self.catalog.parent, self.group, recursive=False)


def take_comments(
    con: duckdb.DuckDBPyConnection, tables: Sequence[PublishedTable], database: str
) -> None:
    """Copy the table (or view) and column comments of ``database`` onto ``tables``: the
    warehouse's (dbt's persist_docs) when a version is published, the catalog's own when it is
    rewritten."""
    by_name = {(t.schema, t.name): t for t in tables}
    for schema, name, comment in con.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = ? and comment is not null union all "
        "select schema_name, view_name, comment from duckdb_views() "
        "where database_name = ? and not internal and comment is not null",
        [database, database],
    ).fetchall():
        if (schema, name) in by_name:
            by_name[(schema, name)].comment = comment
    for schema, name, column, comment in con.execute(
        "select schema_name, table_name, column_name, comment from duckdb_columns() "
        "where database_name = ? and comment is not null "
        "order by schema_name, table_name, column_index",
        [database],
    ).fetchall():
        if (schema, name) in by_name:
            by_name[(schema, name)].column_comments[column] = comment


def share_outputs(data_dir: Path, reports_dir: Path, group: str | None) -> None:
    """The outputs people read — the open-data folder, the quality report and the notes —
    readable by the publish group; everything else under data/ stays owner-only."""
    for path in (data_dir / "public", reports_dir):
        if path.exists():
            share(path, group)
    for folder in {data_dir, reports_dir.parent}:
        if folder.exists():
            share(folder, group, recursive=False)


def share(path: Path, group: str | None, *, recursive: bool = True) -> None:
    """Give ``path`` (and what it holds) the published modes and, if set, the group."""
    gid = grp.getgrnam(group).gr_gid if group else -1
    paths = [path, *path.rglob("*")] if recursive and path.is_dir() else [path]
    for p in paths:
        if p.is_symlink() or not p.exists():
            continue
        os.chmod(p, PUBLISHED_DIR_MODE if p.is_dir() else PUBLISHED_FILE_MODE)
        if gid >= 0:
            os.chown(p, -1, gid)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else type(exc).__name__


def _q(text: object) -> str:
    return str(text).replace("'", "''")


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

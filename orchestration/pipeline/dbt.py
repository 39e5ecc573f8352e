"""dbt in this process: the parsed manifest, a build with the deployment's settings, the docs site.

The project parses to the same manifest for every deployment (``dbt_project/profiles.yml``: the
warehouse attached under a fixed name, lake paths relative to DuckDB's ``file_search_path``),
so the manifest is parsed once — when a project file's content changes — and a build runs on
it in-process (``dbtRunner(manifest=…)``): no ``dbt`` process, no second parse. The settings
reach dbt as arguments (``--vars``, ``--threads``), never through ``os.environ``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ingestion.atomic import replace_file
from ingestion.config import DBT_PROJECT_DIR, Settings
from ingestion.process_name import name_process
from orchestration.pipeline.child import die_with_parent
from orchestration.pipeline.locking import warehouse_lock

DBT_TARGET = DBT_PROJECT_DIR / "target"
DBT_MANIFEST = DBT_TARGET / "manifest.json"
# The project files whose content the manifest is parsed from (what dbt parse reads).
PARSED_FOLDERS = ("models", "seeds", "macros", "tests")
PARSED_FILES = ("dbt_project.yml", "profiles.yml")
# dbt's structured events that carry a node's result: what the Dagster assets are told.
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})


def dbt_vars(settings: Settings) -> dict[str, Any]:
    """The settings dbt reads (``profiles.yml``, sources, macros), as ``--vars``."""
    return {
        "msoko:warehouse_path": str(settings.warehouse_path),
        "msoko:lake_dir": str(settings.lake_dir),
        "msoko:data_dir": str(settings.data_dir),
        "msoko:memory_limit": settings.duckdb_memory_limit,
        "msoko:waivers_path": str(settings.waivers_path),
        "msoko:as_of_date": settings.as_of_date or "",
    }


# ---------------------------------------------------------------------------------- the manifest


def project_digest() -> str:
    """SHA-256 over the content of every file ``dbt parse`` reads, and dbt's version."""
    digest = hashlib.sha256(f"dbt-core {metadata.version('dbt-core')}\n".encode())
    paths = [DBT_PROJECT_DIR / name for name in PARSED_FILES] + sorted(
        p for folder in PARSED_FOLDERS for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()
    )
    for path in paths:
        digest.update(f"{path.relative_to(DBT_PROJECT_DIR).as_posix()}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _digest_path(manifest: Path) -> Path:
    return manifest.with_name(manifest.name + ".sources")


def manifest_is_current(manifest: Path = DBT_MANIFEST) -> bool:
    """The manifest was parsed from the project files as they are now (by content, not mtime)."""
    digest = _digest_path(manifest)
    return (
        manifest.exists()
        and digest.exists()
        and digest.read_text(encoding="utf-8").strip() == project_digest()
    )


def ensure_dbt_manifest(manifest: Path = DBT_MANIFEST) -> Path:
    """Parse the dbt project unless the manifest was parsed from the files as they are now.

    A valid manifest is never parsed again: loading the Dagster definitions or running a build
    reads it as it is. Several processes may get here at once (a run and the nightly tick,
    parallel tests): one parses under a lock, into its own target folder, and the manifest is
    replaced atomically, so that no process reads a half-written manifest. Parsing opens no
    database and depends on no setting (``profiles.yml``).
    """
    manifest.parent.mkdir(parents=True, exist_ok=True)
    if manifest_is_current(manifest):
        return manifest
    with open(manifest.parent / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        digest = project_digest()
        if manifest_is_current(manifest):
            return manifest
        from dbt.cli.main import dbtRunner

        scratch = Path(tempfile.mkdtemp(prefix="parse-", dir=manifest.parent))
        try:
            result = dbtRunner().invoke(
                [
                    "parse",
                    "--project-dir",
                    str(DBT_PROJECT_DIR),
                    "--profiles-dir",
                    str(DBT_PROJECT_DIR),
                    "--target-path",
                    str(scratch),
                    "--no-partial-parse",
                    "--quiet",
                ]
            )
            if not result.success:
                raise RuntimeError(f"dbt parse failed: {result.exception}")
            replace_file(scratch / "manifest.json", manifest)
            recorded = scratch / "digest"
            recorded.write_text(digest + "\n", encoding="utf-8")
            replace_file(recorded, _digest_path(manifest))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return manifest


def read_manifest(manifest: Path = DBT_MANIFEST) -> dict[str, Any]:
    """The manifest as JSON (what the Dagster assets and the build plan read)."""
    return json.loads(manifest.read_text(encoding="utf-8"))


@cache
def _parsed(path: str, mtime_ns: int) -> Any:
    from dbt.contracts.graph.manifest import Manifest, WritableManifest
    from dbt.contracts.graph.nodes import GenericTestNode

    manifest = Manifest.from_writable_manifest(WritableManifest.read_and_check_versions(path))
    # manifest.json does not say which tests are generic; read back, they would lose the
    # arguments (test_metadata) their macro is rendered with
    for unique_id, node in read_manifest(Path(path))["nodes"].items():
        if node["resource_type"] == "test" and node.get("test_metadata"):
            manifest.nodes[unique_id] = GenericTestNode.from_dict(node)
    # what parsing leaves behind besides the JSON: the `graph` Jinja variable, the DAG maps
    manifest.build_flat_graph()
    manifest.build_parent_and_child_maps()
    manifest.build_group_map()
    return manifest


def parsed_manifest(manifest: Path = DBT_MANIFEST) -> Any:
    """dbt's ``Manifest`` object from ``manifest.json`` (read once per process and version)."""
    return _parsed(str(manifest), manifest.stat().st_mtime_ns)


# ---------------------------------------------------------------------------------- a dbt run


@dataclass
class DbtRun:
    """What an in-process dbt invocation did."""

    success: bool
    target_path: Path
    events: list[dict[str, Any]] = field(default_factory=list)  # node results, as dbt logs them
    error: str | None = None

    def failures(self) -> list[str]:
        """One line per node that errored or failed (what the step's failure message shows)."""
        out = []
        for event in self.events:
            data = event.get("data", {})
            status = str(data.get("status") or data.get("node_info", {}).get("node_status"))
            if status.lower() in {"error", "fail", "runtime error"}:
                node = data.get("node_info", {}).get("unique_id", "?")
                out.append(f"{node}: {status} {event.get('info', {}).get('msg', '')}".strip())
        return out


RUNS_KEPT = 5  # per deployment: the artefacts of the latest dbt runs (compiled SQL, results)


def dbt_run_folder(settings: Settings, name: str) -> Path:
    """A new folder for one dbt run's artefacts and log, under the deployment's data folder
    (``<data>/dbt/<name>-<id>``), the oldest beyond the latest ``RUNS_KEPT`` removed. Each
    deployment keeps its own: runs of different deployments never share a target folder."""
    root = settings.data_dir / "dbt"
    root.mkdir(parents=True, exist_ok=True)
    folders = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in folders[: max(0, len(folders) - RUNS_KEPT + 1)]:
        shutil.rmtree(old, ignore_errors=True)
    folder = root / f"{name}-{uuid.uuid4().hex[:7]}"
    folder.mkdir()
    return folder


_RUN_LOCK = threading.Lock()  # dbt keeps process-wide state: one invocation at a time


def run_dbt(
    settings: Settings,
    args: Sequence[str],
    *,
    target_path: Path,
    extra_vars: dict[str, Any] | None = None,
    manifest: Path = DBT_MANIFEST,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> DbtRun:
    """``dbt <args>`` in this process on the parsed manifest, with ``settings`` as arguments.

    ``target_path`` receives dbt's artefacts (run_results.json, compiled SQL) and its log file.
    dbt prints its progress lines to this process's standard output, as the dbt CLI would.
    """
    with _RUN_LOCK:
        return _invoke(
            settings,
            args,
            target_path=target_path,
            extra_vars=extra_vars,
            manifest=manifest,
            on_event=on_event,
        )


def run_dbt_forked(
    settings: Settings,
    args: Sequence[str],
    *,
    target_path: Path,
    extra_vars: dict[str, Any] | None = None,
    manifest: Path = DBT_MANIFEST,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> DbtRun:
    """``run_dbt`` in a forked copy of this process, its node results sent back as they come.

    The copy starts with dbt imported and the manifest parsed (no start-up, no parse, as in
    process), but dbt's own Python work no longer shares an interpreter lock with this
    process's bookkeeping of its results (Dagster's events, a few hundred per build): the two
    use two cores. The copy dies with this process (``child.die_with_parent``); where a
    platform cannot fork, dbt runs here."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return run_dbt(
            settings,
            args,
            target_path=target_path,
            extra_vars=extra_vars,
            manifest=manifest,
            on_event=on_event,
        )
    parsed_manifest(manifest)  # parsed here, inherited by the copy
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_dbt_child,
        args=(send, settings, list(args), target_path, extra_vars, manifest),
        name="dbt",
        daemon=True,
    )
    with _RUN_LOCK:  # no other dbt of this process is mid-run in the copy
        process.start()
    send.close()
    run = DbtRun(success=False, target_path=target_path)
    outcome: tuple[bool, str | None] | None = None
    try:
        while outcome is None:
            try:
                kind, payload = receive.recv()
            except EOFError:  # the copy died without a word (killed, out of memory)
                break
            if kind == "event":
                run.events.append(payload)
                if on_event is not None:
                    on_event(payload)
            else:
                outcome = payload
    finally:
        receive.close()
        process.join()
    if outcome is None:
        run.error = f"dbt's process ended without a result (exit code {process.exitcode})"
    else:
        run.success, run.error = outcome
    return run


def _dbt_child(
    send: Any,
    settings: Settings,
    args: list[str],
    target_path: Path,
    extra_vars: dict[str, Any] | None,
    manifest: Path,
) -> None:
    die_with_parent()
    name_process("msoko-dbt")
    try:
        run = _invoke(
            settings,
            args,
            target_path=target_path,
            extra_vars=extra_vars,
            manifest=manifest,
            on_event=lambda event: send.send(("event", event)),
        )
        send.send(("result", (run.success, run.error)))
    except BaseException as exc:
        send.send(("result", (False, f"{type(exc).__name__}: {exc}")))
    finally:
        send.close()


def _invoke(
    settings: Settings,
    args: Sequence[str],
    *,
    target_path: Path,
    extra_vars: dict[str, Any] | None,
    manifest: Path,
    on_event: Callable[[dict[str, Any]], None] | None,
) -> DbtRun:
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    target_path.mkdir(parents=True, exist_ok=True)
    run = DbtRun(success=False, target_path=target_path)

    def callback(message: Any) -> None:
        if message.info.name in RESULT_EVENTS:
            event = msg_to_dict(message)
            run.events.append(event)
            if on_event is not None:
                on_event(event)

    full_args = [
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path),
        # the log file keeps what a failure needs (node starts and ends, errors, warnings), not
        # every statement: writing dbt's debug lines cost a build seconds at region scale
        "--log-level-file",
        "info",
        "--threads",
        str(settings.dbt_threads),
        "--vars",
        json.dumps({**dbt_vars(settings), **(extra_vars or {})}, ensure_ascii=False),
    ]
    try:
        result = dbtRunner(manifest=parsed_manifest(manifest), callbacks=[callback]).invoke(
            full_args
        )
    finally:
        _close_duckdb()
    run.success = bool(result.success)
    if result.exception is not None:
        run.error = f"{type(result.exception).__name__}: {result.exception}"
    return run


def _close_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open for the process: the warehouse file is
    released (the publisher attaches it next, possibly in this very process)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    DuckDBConnectionManager.close_all_connections()
    if environment is not None:
        environment.close()


# ---------------------------------------------------------------------------------- docs


def build_docs(settings: Settings) -> Path:
    """The dbt documentation site as one self-contained HTML file (``dbt docs generate
    --static``: no server, no internet), written to ``<data>/docs/dbt_docs.html``. Its own
    target folder: the shared manifest stays the parsed one."""
    dbt = Path(sys.executable).parent / "dbt"
    target = settings.data_dir / "docs" / "dbt_docs.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="dbt-docs-") as scratch,
        warehouse_lock(settings.data_dir),  # the catalog is read from the warehouse file
    ):
        subprocess.run(
            [
                # dies with this process (orchestration/pipeline/child.py): a killed `msoko docs`
                # leaves no dbt behind reading the warehouse
                sys.executable,
                "-m",
                "orchestration.pipeline.child",
                str(dbt if dbt.exists() else "dbt"),
                "docs",
                "generate",
                "--static",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                scratch,
                "--log-path",
                scratch,
                "--vars",
                json.dumps(dbt_vars(settings), ensure_ascii=False),
            ],
            check=True,
            env=settings.dbt_env(),
        )
        shutil.copyfile(Path(scratch) / "static_index.html", target)
    return target

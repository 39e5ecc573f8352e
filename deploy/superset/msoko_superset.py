"""Set up and serve Superset over the published file: metadata DB, admin, the МСОКО dashboard.

Run with the Python of Superset's own venv (build/superset/venv, `make superset-install`):

    build/superset/venv/bin/python deploy/superset/msoko_superset.py setup
    build/superset/venv/bin/python deploy/superset/msoko_superset.py serve --port 8088

`setup` is idempotent: it upgrades Superset's metadata DB (SQLite in $MSOKO_SUPERSET_HOME,
default build/superset), runs `superset init` once per Superset version, creates the local
`admin` user, registers the published file read-only and imports the dashboard kept in
deploy/superset/dashboard/ (Superset's export format), overwriting the database, datasets,
charts and dashboard of the same UUIDs so that the files in the repository stay the truth.
When the published file has reference.column_catalogue, its Russian labels and descriptions
become the datasets' column verbose names and descriptions.
`serve` runs gunicorn on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[1]
BUNDLE = HERE / "dashboard"
CONFIG = HERE / "superset_config.py"
ADMIN = "admin"
CATALOGUE = "column_catalogue"


def home() -> Path:
    path = Path(os.environ.get("MSOKO_SUPERSET_HOME") or REPOSITORY / "build" / "superset")
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def reporting_path(given: str | None) -> Path:
    """The published file: --reporting, else $MSOKO_REPORTING_PATH, else $MSOKO_DATA_DIR's."""
    if given:
        return Path(given).resolve()
    if os.environ.get("MSOKO_REPORTING_PATH"):
        return Path(os.environ["MSOKO_REPORTING_PATH"]).resolve()
    data = Path(os.environ.get("MSOKO_DATA_DIR") or REPOSITORY / "data")
    return (data / "reporting.duckdb").resolve()


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["SUPERSET_CONFIG_PATH"] = str(CONFIG)
    env["MSOKO_SUPERSET_HOME"] = str(home())
    env.setdefault("FLASK_APP", "superset.app:create_app()")
    return env


def admin_password() -> str:
    """$MSOKO_SUPERSET_ADMIN_PASSWORD, else the one generated at the first set-up (kept 0600)."""
    if os.environ.get("MSOKO_SUPERSET_ADMIN_PASSWORD"):
        return os.environ["MSOKO_SUPERSET_ADMIN_PASSWORD"]
    path = home() / "admin_password"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(12))
    return path.read_text().strip()


def superset_cli(*args: str) -> None:
    command = [str(Path(sys.executable).parent / "superset"), *args]
    subprocess.run(command, env=environment(), check=True)


# --- the bundle ------------------------------------------------------------------------------


def read_bundle(reporting: Path) -> dict[str, str]:
    """The export files as Superset's importers take them, the database pointed at `reporting`."""
    contents = {
        str(path.relative_to(BUNDLE)): path.read_text(encoding="utf-8")
        for path in sorted(BUNDLE.rglob("*.yaml"))
    }
    uri = f"duckdb:///{reporting}?access_mode=read_only"
    for name, text in contents.items():
        if name.startswith("databases/"):
            contents[name] = re.sub(
                r"^sqlalchemy_uri: .*$", f"sqlalchemy_uri: {uri}", text, count=1, flags=re.M
            )
    return contents


def source_table(dataset: dict[str, Any]) -> str | None:
    """The marts table a dataset's columns come from (physical, or `from marts.x` in its SQL)."""
    if dataset.get("sql"):
        found = re.search(r"\bfrom\s+marts\.(\w+)", dataset["sql"], re.I)
        return found.group(1) if found else None
    return dataset["table_name"] if dataset.get("schema") == "marts" else None


def catalogue_labels(reporting: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(table, column) → (Russian label, description) from reference.column_catalogue, if any.

    Opened read-only and closed before Superset opens the file (one process must not hold a
    connection that would pin an older publication)."""
    import duckdb

    con = duckdb.connect(str(reporting), read_only=True)
    try:
        columns = {
            name
            for (name,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'reference' "
                "and table_name = ?",
                [CATALOGUE],
            ).fetchall()
        }
        if not {"table_name", "column_name", "label_ru"} <= columns:
            return {}
        description = "description" if "description" in columns else "null"
        schema = "schema_name = 'marts' and " if "schema_name" in columns else ""
        rows = con.execute(
            f"select table_name, column_name, label_ru, {description} "
            f"from reference.{CATALOGUE} where {schema}label_ru is not null"
        ).fetchall()
    finally:
        con.close()
    return {(t, c): (label, desc) for t, c, label, desc in rows}


def apply_labels(contents: dict[str, str], reporting: Path) -> int:
    """Fill the datasets' column verbose names and descriptions from the published catalogue."""
    import yaml

    labels = catalogue_labels(reporting)
    if not labels:
        return 0
    changed = 0
    for name, text in contents.items():
        if not name.startswith("datasets/"):
            continue
        dataset = yaml.safe_load(text)
        table = source_table(dataset)
        for column in dataset.get("columns", []):
            found = labels.get((table or "", column["column_name"]))
            if found is None or column.get("expression"):
                continue
            label, description = found
            if column.get("verbose_name") != label or column.get("description") != description:
                changed += 1
            column["verbose_name"], column["description"] = label, description
        contents[name] = yaml.safe_dump(dataset, allow_unicode=True, sort_keys=False)
    return changed


def import_bundle(contents: dict[str, str]) -> None:
    """Import every object of the bundle, overwriting those of the same UUID.

    `superset import-dashboards` overwrites only the dashboard: an edited chart or dataset
    file would be ignored on a second import. Each kind is imported with overwrite instead."""
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import db, security_manager
        from superset.commands.chart.importers.v1 import ImportChartsCommand
        from superset.commands.dashboard.importers.v1 import ImportDashboardsCommand
        from superset.commands.database.importers.v1 import ImportDatabasesCommand
        from superset.commands.dataset.importers.v1 import ImportDatasetsCommand
        from superset.utils.core import override_user

        admin = security_manager.find_user(username=ADMIN)
        if admin is None:
            admin = security_manager.add_user(
                ADMIN,
                "Администратор",
                "МСОКО",
                "admin@localhost",
                security_manager.find_role("Admin"),
                password=admin_password(),
            )
            db.session.commit()
        # each command checks metadata.yaml's `type` against its own kind: drop it
        untyped = dict(contents)
        untyped["metadata.yaml"] = re.sub(r"^type: .*\n", "", contents["metadata.yaml"], flags=re.M)
        with override_user(admin):
            for command in (
                ImportDatabasesCommand,
                ImportDatasetsCommand,
                ImportChartsCommand,
                ImportDashboardsCommand,
            ):
                command(untyped, overwrite=True).run()
        db.session.commit()


# --- commands --------------------------------------------------------------------------------


def setup(reporting: Path) -> None:
    if not reporting.exists():
        sys.exit(
            f"No published file at {reporting}: run `make demo` (or `msoko refresh`) first, "
            "or set MSOKO_REPORTING_PATH."
        )
    state = home()
    print(f"Superset state: {state}", flush=True)
    superset_cli("db", "upgrade")
    from importlib.metadata import version

    marker = state / f".initialised-{version('apache-superset')}"
    if not marker.exists():
        superset_cli("init")  # roles and permissions, once per Superset version
        marker.touch()
    contents = read_bundle(reporting)
    relabelled = apply_labels(contents, reporting)
    if relabelled:
        print(f"{relabelled} column label(s) taken from reference.{CATALOGUE}", flush=True)
    admin_password()  # generated before the import so that the user gets it
    import_bundle(contents)
    print(f"Dashboard imported over {reporting} (read-only).", flush=True)


def serve(port: int, workers: int) -> None:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    password_hint = (
        "$MSOKO_SUPERSET_ADMIN_PASSWORD"
        if os.environ.get("MSOKO_SUPERSET_ADMIN_PASSWORD")
        else str(home() / "admin_password")
    )
    print(
        f"Superset: http://127.0.0.1:{port}/superset/dashboard/msoko/ "
        f"(user {ADMIN}, password in {password_hint}); Ctrl+C stops it.",
        flush=True,
    )
    args = [
        str(gunicorn),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        "8",
        "--timeout",
        "120",
        "--limit-request-line",
        "0",
        "--limit-request-field_size",
        "0",
        "superset.app:create_app()",
    ]
    os.execve(args[0], args, environment())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_setup = sub.add_parser("setup", help="metadata DB, admin user, database and dashboard")
    p_setup.add_argument("--reporting", help="the published file (default: data/reporting.duckdb)")
    p_serve = sub.add_parser("serve", help="serve on 127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8088)
    p_serve.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.update(environment())
    if args.command == "setup":
        setup(reporting_path(args.reporting))
    else:
        serve(args.port, args.workers)


if __name__ == "__main__":
    main()

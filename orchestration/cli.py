"""``msoko`` — run the warehouse from the command line, through Dagster.

    msoko demo                       generate the demo landing data, run everything, print figures
    msoko refresh [--all] [--full]   ingest new/changed files, rebuild, publish (what the nightly
                                     does); nothing at all when nothing changed since the last
                                     publication; --full rebuilds everything regardless
    msoko backfill --from 2021 --to 2023 [--source ege_rcoi]
                                     re-ingest a range of academic years as one run, then publish
    msoko status                     what the published reporting file holds, the last failed run
    msoko status --tenant 27-101     what one municipality's (school's) tenant file holds
    msoko note --all-schools --municipality "Амурский муниципальный район"
                                     every school's note into that municipality's tenant folder
    msoko serve [--host --port]      the Dagster UI and daemon in the foreground (schedule and
                                     sensors on); stops cleanly on SIGTERM/SIGINT

Every run is a Dagster run recorded in ``$DAGSTER_HOME`` (see it in ``make ui``).
"""

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

from ingestion.config import PROJECT_ROOT, Settings, private_files, secure_internal_data
from orchestration.pipeline.progress import Progress

# copied into $DAGSTER_HOME when it has none (deploy/dagster/dagster.postgres.yaml: Postgres)
DAGSTER_YAML = PROJECT_ROOT / "deploy" / "dagster" / "dagster.yaml"


def entry_point_environment() -> None:
    """The only environment this program sets, before Dagster and GX are imported: the Dagster
    instance (default ``dagster_home/``) and no GX usage statistics."""
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / "dagster_home"))
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    private_files()  # internal data owner-only whatever the umask (ingestion.config)


def dagster_instance():
    import dagster as dg

    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML.read_text(encoding="utf-8"), encoding="utf-8")
    from orchestration.defs.event_log import adopt

    instance = dg.DagsterInstance.get()
    adopt(instance)  # one engine per event-log file, not one per event
    return instance


def status(settings: Settings) -> tuple[str, bool]:
    """What the published file holds, or why there is nothing to show (never a traceback), and
    the last failed run (its record needs no warehouse: a nightly that failed before publishing
    shows too)."""
    from orchestration.reports.headline import last_failure_lines

    text, known = _published(settings)
    return "\n".join([text, *_tenant_lines(settings), *last_failure_lines(settings)]), known


def _tenant_lines(settings: Settings) -> list[str]:
    """How many tenant files there are, and how to see one (``msoko status --tenant``)."""
    lines = []
    for kind in ("municipality", "school"):
        codes = sorted(
            p.parent.name for p in (settings.tenants_dir / kind).glob("*/reporting.duckdb")
        )
        if codes:
            shown = ", ".join(codes[:5]) + (", …" if len(codes) > 5 else "")
            lines.append(
                f"  tenant files: {len(codes)} {kind} file(s) in {settings.tenants_dir / kind} "
                f"({shown}); `msoko status --tenant <code or name>`"
            )
    return lines


def _published(settings: Settings) -> tuple[str, bool]:
    from orchestration.publishing.reporting_file import store_of
    from orchestration.reports.headline import headline

    report = settings.reports_dir / "quality_report.html"
    if not settings.reporting_path.exists():
        return (
            f"nothing is published yet in {settings.data_dir}: run `msoko refresh`"
            + (f" (the last quality report: {report})" if report.exists() else ""),
            False,
        )
    damage = store_of(settings).damage()
    if damage:
        return (
            f"the published file cannot be read: {damage}. The next `msoko refresh` moves it "
            "aside and publishes anew (the version history is kept beside the lake).",
            False,
        )
    try:
        return headline(settings), True
    except Exception as exc:  # a file of an older release, a table missing: say what
        return f"the published file {settings.reporting_path} cannot be summarised: {exc}", False


def _share_tenants(settings: Settings) -> None:
    """The notes written into tenant folders: readable by each tenant's group only."""
    from orchestration.publishing.tenants import share_tenant_folders

    share_tenant_folders(settings)


def nothing_changed(settings: Settings) -> bool:
    """Say so and return True when the published file was built from the landing folder, the
    lake and the project exactly as they are now (``orchestration.pipeline.fingerprint``): then
    nothing is ingested, rebuilt or republished. Decided without Dagster or dbt."""
    from orchestration.pipeline.fingerprint import unchanged_publication

    unchanged = unchanged_publication(settings)
    if unchanged is None:
        return False
    missing = [
        kind
        for kind in settings.tenants
        if not any((settings.tenants_dir / kind).glob("*/reporting.duckdb"))
    ]
    if missing:  # tenant files turned on since the last publication: publish them
        print(f"no {' and '.join(missing)} tenant files yet: publishing them", flush=True)
        return False
    print(
        f"nothing changed since publication version {unchanged.version} "
        f"({unchanged.published_at} UTC): no new or changed landing files ({unchanged.files} "
        "files), the same manifests, dbt project, package version and due dates — nothing "
        "rebuilt, nothing republished (`msoko refresh --full` rebuilds anyway)",
        flush=True,
    )
    return True


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="msoko", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="generate the demo data and run everything")
    p_demo.add_argument("--regenerate", action="store_true", help="rewrite the demo files")
    p_refresh = sub.add_parser("refresh", help="ingest new/changed files, rebuild, publish")
    p_refresh.add_argument("--all", action="store_true", help="re-check every academic year")
    p_refresh.add_argument(
        "--full",
        action="store_true",
        help="rebuild and republish even when nothing changed: every model rebuilt, "
        "the incremental ones whole (add --all to re-check every academic year too)",
    )
    p_back = sub.add_parser("backfill", help="re-ingest a range of academic years, then publish")
    p_back.add_argument("--from", dest="year_from", type=int, required=True)
    p_back.add_argument("--to", dest="year_to", type=int, required=True)
    p_back.add_argument("--source", action="append", default=[], help="only this source")
    p_status = sub.add_parser(
        "status", help="print what the reporting file holds and the last failure"
    )
    p_status.add_argument(
        "--tenant",
        help="one tenant file instead: a municipality's code (27-101) or name, or a school_id",
    )
    sub.add_parser(
        "catalog",
        help="rewrite the published catalog's views for where the data folder is now "
        "(after moving or copying it)",
    )
    p_serve = sub.add_parser(
        "serve", help="the Dagster UI and daemon in the foreground (the served deployment)"
    )
    p_serve.add_argument(
        "--host", default="127.0.0.1", help="the UI has no authentication: see docs/operations.md"
    )
    p_serve.add_argument("--port", type=int, default=3000)
    p_serve.add_argument(
        "--no-automation",
        dest="automation",
        action="store_false",
        help="leave the schedule and the sensors stopped (make ui)",
    )
    p_serve.add_argument(
        "--cancel-runs",
        action="store_true",
        help="only cancel the served runs in flight and wait for them (the units' ExecStop)",
    )
    sub.add_parser("docs", help="build the dbt documentation site (one offline HTML file)")
    p_note = sub.add_parser(
        "note", help="the analytical note (HTML + XLSX) for a municipality or a school"
    )
    p_note.add_argument("--municipality", help="as the registry names it (default: the first)")
    p_note.add_argument("--year", type=int, help="academic start year (default: the latest)")
    p_note.add_argument(
        "--school", help="one school's note: its school_id or a part of its short name"
    )
    p_note.add_argument(
        "--all-schools",
        action="store_true",
        help="every school's note of --municipality, from its tenant file into its folder",
    )
    return p


def main(argv: list[str] | None = None, progress: Progress | None = None) -> int:
    """Parse, build the ``Settings`` once, dispatch. ``progress``: the reporter the runs get
    (default: one that prints; ``bench/timed_cli.py`` passes one that also times the stages)."""
    args = parser().parse_args(argv)
    entry_point_environment()
    settings = Settings.from_env()
    secure_internal_data(settings)  # owner-only also what an older release wrote
    from orchestration.publishing.store import share_outputs
    from orchestration.reports.headline import analytical_note

    started = time.monotonic()
    if args.command == "demo" and "MSOKO_TENANTS" not in os.environ:
        # the demo publishes one file per municipality beside the regional one
        settings = dataclasses.replace(settings, tenants=("municipality",))
    if args.command == "status" and args.tenant:
        from orchestration.reports.headline import tenant_status

        text, known = tenant_status(settings, args.tenant)
        print(text)
        return 0 if known else 1
    if args.command == "status":
        text, known = status(settings)
        print(text)
        return 0 if known else 1
    if args.command == "catalog":
        from orchestration.publishing.reporting_file import store_of

        written = store_of(settings).repoint()
        print(f"catalog rewritten: {written}" if written else "nothing is published yet")
        return 0 if written else 1
    if args.command == "note" and args.all_schools:
        from orchestration.reports.headline import all_school_notes

        if not args.municipality:
            print("--all-schools needs --municipality (its name or code)", file=sys.stderr)
            return 2
        ok = all_school_notes(settings, args.municipality, args.year)
        _share_tenants(settings)
        return 0 if ok else 1
    if args.command == "note":
        ok = analytical_note(settings, args.municipality, args.year, args.school)
        share_outputs(settings.data_dir, settings.reports_dir, settings.publish_group)
        if ok:
            _report_written(settings, "note")
        return 0 if ok else 1
    if args.command == "docs":
        from orchestration.pipeline.dbt import build_docs

        docs = build_docs(settings)
        _report_written(settings, "docs", docs)
        print(f"dbt docs (open in a browser, works offline): {docs}")
        return 0
    if args.command == "serve":
        from orchestration.defs.serve import cancel_and_wait, serve

        if args.cancel_runs:
            return cancel_and_wait(dagster_instance())
        code = serve(settings, dagster_instance(), args.host, args.port, args.automation)
        # Everything is stopped: skip the interpreter's teardown, 1.5–2 s of the imported
        # libraries' finalisers measured here, so that SIGTERM ends the process within 10 s.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    unchanged = False
    if (args.command == "refresh" and not args.full) or (
        args.command == "demo" and not args.regenerate and any(settings.landing_dir.glob("*/*"))
    ):
        unchanged = nothing_changed(settings)
    if unchanged:
        ok = True
    else:
        from orchestration.defs.runs import Runner

        runner = Runner(settings, dagster_instance(), progress or Progress.for_terminal())
        if args.command == "demo":
            ok = runner.demo(regenerate=args.regenerate)
        elif args.command == "refresh":
            ok = runner.refresh(everything=args.all, full=args.full)
        else:
            ok = runner.backfill(list(range(args.year_from, args.year_to + 1)), args.source)
    print(f"done in {time.monotonic() - started:.0f} s" + ("" if ok else " — WITH FAILURES"))
    if settings.reporting_path.exists():
        print(status(settings)[0])
        public = settings.data_dir / "public"
        if (public / "README.md").exists():
            print(f"  open data (small cells suppressed): {public}  (README.md there)")
        if args.command == "demo" and ok and not unchanged:
            if analytical_note(settings, None, None):  # the first municipality, latest year
                _report_written(settings, "note")
            share_outputs(settings.data_dir, settings.reports_dir, settings.publish_group)
    return 0 if ok else 1


def _report_written(settings: Settings, kind: str, path: Path | None = None) -> None:
    """Tell Dagster that the note or the dbt docs were written (lineage: the assets of
    ``orchestration.defs.publish.REPORT_SPECS``)."""
    from orchestration.defs.publish import ANALYTICAL_NOTE, DBT_DOCS, report_written

    key = ANALYTICAL_NOTE if kind == "note" else DBT_DOCS
    report_written(dagster_instance(), key, path or settings.reports_dir / "notes")


if __name__ == "__main__":
    sys.exit(main())

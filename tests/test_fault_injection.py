"""Fault injection: the defects an adversarial run of the warehouse found (issue 13), each
planted and its outcome asserted — refused with the reason, or handled.

Cheap by design: the ingestion faults are planted together into one copy of the session
pipeline's landing folder and read by one ``msoko refresh`` (``faulty``); publish-stage faults
use the publish-only entry (``PUBLISH_ONCE``); only the kill test runs the pipeline again,
because a refresh is what it tests. The reader-level cases with many variants (and the property
test on damaged files) are in ``test_ingestion_faults.py``; the landing-folder refusals in
``test_publication_refusals.py``; the formula cells in ``test_officials.py``. docs/operations.md
lists every case, its outcome, its test and the command that recovers.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pytest

from tests.conftest import PROJECT_ROOT, PipelineRun, connect
from tests.test_ingestion_faults import _write_cached_error
from tests.test_operations import PUBLISH_ONCE, python
from tests.test_personal_data import leaks, personal_terms

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]

XFD_WORKBOOK = "vpr_fisoko/ВПР_2024_весна_статистика_по_отметкам.xlsx"
DIV0_WORKBOOK = "vpr_fisoko/ВПР_2023_весна_статистика_по_отметкам.xlsx"
MIXED_CSV = "ege_rcoi/ЕГЭ_2022_01_Русский.csv"
SHORT_CSV = "ege_rcoi/ЕГЭ_2022_02_Математика.csv"  # its footer says more pupils than it has
LONG_LINE_CSV = "ege_rcoi/ЕГЭ_2022_03_Физика.csv"
UTF16_CSV = "ege_rcoi/ЕГЭ_2022_04_Химия.csv"


@dataclass
class Faulty:
    run: PipelineRun
    result: subprocess.CompletedProcess
    published_before: tuple[str, str | None]
    hidden: str  # the file renamed to start with "_"
    copy: str  # a byte-identical copy of a file under a second name
    div0_row: int

    @property
    def output(self) -> str:
        return self.result.stdout + self.result.stderr

    def summaries(self, relative: str) -> list[dict]:
        """The reader's per-sheet summaries of one landing file (the lake's ``_files``)."""
        return lake_rows(self.run, "_files", relative)

    def status(self, relative: str) -> tuple[str, str]:
        rows = self.summaries(relative)
        assert rows, f"{relative} was never read"
        bad = [r for r in rows if r["status"] != "read"]
        row = (bad or rows)[-1]
        return row["status"], row["status_reason"] or ""

    def query(self, sql: str) -> list[tuple]:
        con = connect(self.run.warehouse)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()


def lake_rows(run: PipelineRun, kind: str, relative: str) -> list[dict]:
    """Rows of the lake's ``_files`` (per file × sheet) or ``_quarantine`` of one landing file,
    oldest batch first."""
    source = relative.split("/", 1)[0]
    pattern = run.data_dir / "lake" / kind / source / "*" / "*.parquet"
    con = duckdb.connect()
    try:
        cursor = con.execute(
            f"select * from read_parquet('{pattern}', hive_partitioning = false, "
            "union_by_name = true) where source_file = ? order by batch_id",
            [relative],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode("cp1251").splitlines(True)


def _plant_faults(landing: Path) -> tuple[str, str, int]:
    # a stray cell in column XFD of a ВПР workbook (DuckDB crashed on 16,384 columns)
    book = openpyxl.load_workbook(landing / XFD_WORKBOOK)
    sheet = book.worksheets[0]
    row = next(
        r
        for r in range(1, sheet.max_row + 1)
        if any(str(sheet.cell(r, c).value or "").startswith("sch") for c in (1, 2))
    )
    sheet[f"XFD{row}"] = "x"  # 16,384 columns wide now
    book.save(landing / XFD_WORKBOOK)

    # an Excel error cell in another year's workbook: quarantined with its code
    book = openpyxl.load_workbook(landing / DIV0_WORKBOOK)
    sheet = book.worksheets[0]
    header = next(r for r in range(1, 15) if any(c.value == "Логин ОО" for c in sheet[r]))
    count = next(c.column for c in sheet[header] if str(c.value or "").startswith("Кол-во"))
    login = next(c.column for c in sheet[header] if c.value == "Логин ОО")
    div0_row = next(
        r
        for r in range(header + 1, sheet.max_row + 1)
        if str(sheet.cell(r, login).value or "").startswith("sch")
        and str(sheet.cell(r, count).value or "").isdigit()
    )
    sheet.cell(div0_row, count).value = "=1/0"
    book.save(landing / DIV0_WORKBOOK)
    _write_cached_error(landing / DIV0_WORKBOOK, sheet.title, div0_row, count, "#DIV/0!")

    # the delimiter changes every third line (a third of the pupils were lost)
    lines = _lines(landing / MIXED_CSV)
    mixed = [s.replace(";", ",") if i > 3 and i % 3 == 0 else s for i, s in enumerate(lines)]
    (landing / MIXED_CSV).write_bytes("".join(mixed).encode("cp1251"))

    # 15 pupils fewer than the file's own «Всего участников» footer says
    lines = _lines(landing / SHORT_CSV)
    header = next(i for i, s in enumerate(lines) if s.startswith("№"))
    footer = next(i for i, s in enumerate(lines) if s.startswith("Всего участников"))
    data = [i for i in range(header + 1, footer) if lines[i][:1].isdigit()]
    short = [s for i, s in enumerate(lines) if i not in data[5:20]]
    (landing / SHORT_CSV).write_bytes("".join(short).encode("cp1251"))

    # a 3 MB line (the reader stopped at 2 MB, quoting the line: a pupil's name)
    lines = _lines(landing / LONG_LINE_CSV)
    lines[6] = lines[6].rstrip("\r\n") + "Ж" * (3 << 20) + "\r\n"
    (landing / LONG_LINE_CSV).write_bytes("".join(lines).encode("cp1251"))

    # the same pupils re-saved as UTF-16 (was refused as «no header row»)
    text = "".join(_lines(landing / UTF16_CSV))
    (landing / UTF16_CSV).write_bytes(text.encode("utf-16"))

    # a file renamed to start with "_" (was ignored without a trace)
    bio = next((landing / "olympiad").glob("*региональный_этап_bio*"))
    hidden = bio.with_name("_" + bio.name)
    bio.rename(hidden)

    # a byte-identical copy under a second name (was counted twice)
    medalists = sorted((landing / "medalists").iterdir())[0]
    copy = medalists.with_name("копия_" + medalists.name)
    copy.write_bytes(medalists.read_bytes())
    return (
        f"olympiad/{hidden.name}",
        f"medalists/{copy.name}",
        div0_row,
    )


@pytest.fixture(scope="module")
def faulty(pipeline: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> Faulty:
    """One copy of the pipeline with every ingestion fault planted, refreshed once with the
    umask most systems start with (022), scratch files in a temporary folder of its own."""
    run = pipeline.copy(tmp_path_factory.mktemp("faulty") / "run")
    hidden, copy, div0_row = _plant_faults(run.root / "landing")
    tmp = run.root / "tmp"
    tmp.mkdir(mode=0o700)  # the temporary folder of the run, private like /tmp/user folders
    run.env["TMPDIR"] = str(tmp)
    before = run.published_state
    result = run.cli("refresh", check=False, umask=0o022)
    return Faulty(run, result, before, hidden, copy, div0_row)


def test_a_file_whose_ingestion_crashes_blocks_publishing_and_is_named(faulty: Faulty) -> None:
    """The stray XFD cell crashed DuckDB's parser (no file named), the source step aborted and
    the old rows were published under the new file's checksum."""
    assert faulty.result.returncode != 0, faulty.output[-3000:]
    assert faulty.run.published_state == faulty.published_before
    status, reason = faulty.status(XFD_WORKBOOK)
    assert status == "rejected" and "column XFD" in reason, reason
    assert XFD_WORKBOOK.split("/")[1] in faulty.output
    report = (faulty.run.data_dir / "reports" / "quality_report.md").read_text(encoding="utf-8")
    assert "НЕ опубликовано" in report
    # the other files of the source and of the run were read and committed all the same
    assert faulty.status(DIV0_WORKBOOK)[0] == "read"


def test_files_whose_names_start_with_underscore_or_dot_are_listed_with_the_reason(
    faulty: Faulty,
) -> None:
    name = faulty.hidden.split("/")[1]
    assert name in faulty.output, "the run names the file it does not read"
    report = (faulty.run.data_dir / "reports" / "quality_report.md").read_text(encoding="utf-8")
    section = report[report.index("## Файлы папки приёма, которые не прочитаны") :]
    assert name in section.split("\n## ")[0]


def test_a_csv_with_mixed_delimiters_is_rejected_not_published_a_third_short(
    faulty: Faulty,
) -> None:
    status, reason = faulty.status(MIXED_CSV)
    assert status == "rejected" and "separated by ','" in reason, reason
    assert faulty.run.published_state == faulty.published_before


def test_a_csv_whose_own_footer_disagrees_with_what_loaded_is_rejected(faulty: Faulty) -> None:
    status, reason = faulty.status(SHORT_CSV)
    assert status == "rejected" and "own total says" in reason, reason


def test_a_csv_line_over_2_mb_is_read_and_leaks_no_name_or_copy(faulty: Faulty) -> None:
    status, reason = faulty.status(LONG_LINE_CSV)
    assert status == "read", reason
    leftovers = [p for p in (faulty.run.root / "tmp").rglob("*") if p.is_file()]
    assert leftovers == [], "no re-encoded copy of a file (every pupil's name) is left behind"


def test_a_utf16_csv_is_read_like_the_original(faulty: Faulty, pipeline: PipelineRun) -> None:
    status, reason = faulty.status(UTF16_CSV)
    assert status == "read", reason
    ours = faulty.summaries(UTF16_CSV)
    original = lake_rows(pipeline, "_files", UTF16_CSV)
    for key in ("rows_read", "rows_loaded", "rows_quarantined", "rows_skipped"):
        assert ours[-1][key] == original[-1][key], key


def test_an_excel_error_cell_is_quarantined_with_its_code(faulty: Faulty) -> None:
    quarantine = lake_rows(faulty.run, "_quarantine", DIV0_WORKBOOK)
    hits = [q for q in quarantine if q["source_row"] == faulty.div0_row]
    assert [q["cell_value"] for q in hits] == ["#DIV/0!"], hits
    assert "Excel error cell #DIV/0!" in hits[0]["reason"]


def test_a_byte_identical_copy_under_two_names_is_counted_once(faulty: Faulty) -> None:
    rows = faulty.query(
        "select source_file, file_status, rows_read from audit.file_load_summary "
        f"where file_sha256 = (select file_sha256 from audit.file_load_summary "
        f"where source_file = '{faulty.copy}')"
    )
    by_name = {name: (status, n) for name, status, n in rows}
    assert len(by_name) == 2, rows
    assert by_name[faulty.copy] == ("duplicate", 0)
    original = next(v for k, v in by_name.items() if k != faulty.copy)
    assert original[0] == "committed" and original[1] > 0


def test_internal_data_is_owner_only_whatever_the_umask(faulty: Faulty) -> None:
    """Started with umask 022, nothing internal is readable by others (the published outputs
    are opened to the publish group, never to everyone)."""
    exposed = []
    for place in (faulty.run.data_dir, faulty.run.dagster_home, faulty.run.root / "tmp"):
        for path in [place, *place.rglob("*")]:
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            if mode & (stat.S_IROTH | stat.S_IWOTH | stat.S_IXOTH):
                exposed.append(f"{oct(mode & 0o777)} {path}")
    assert exposed == [], "\n".join(exposed[:20])


def test_no_personal_value_in_any_file_the_faulty_run_wrote(
    faulty: Faulty, pipeline: PipelineRun
) -> None:
    terms = personal_terms(pipeline)
    places = [faulty.run.data_dir, faulty.run.dagster_home, faulty.run.root / "tmp"]
    found = [hit for place in places for hit in leaks(place, terms)]
    assert not found, "personal data leaked:\n" + "\n".join(found)
    assert leaks(faulty.run.root / "landing", terms), "the inputs do carry them"


# --- publish-stage faults --------------------------------------------------------------------


def test_a_damaged_published_file_is_moved_aside_and_the_next_publish_proceeds(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    run = pipeline.copy(tmp_path / "run")
    con = duckdb.connect(str(run.reporting), read_only=True)
    version = con.execute("select max(version) from publication").fetchone()[0]
    con.close()
    run.reporting.write_bytes(b"\0" * 4096)  # a disk error, a half-copied file

    status = run.cli("status", check=False)
    assert status.returncode != 0 and "cannot be read" in status.stdout
    assert "Traceback" not in status.stdout + status.stderr

    done = python(run, PUBLISH_ONCE)
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.split()[-1]) == version + 1, "the history survives beside the lake"
    assert list(run.data_dir.glob("reporting.duckdb.damaged-*")), "kept for inspection"
    report = (run.data_dir / "reports" / "quality_report.md").read_text(encoding="utf-8")
    assert "moved aside" in report
    con = duckdb.connect(str(run.reporting), read_only=True)
    assert con.execute("select count(*) from publication").fetchone()[0] == version + 1
    assert con.execute("select count(*) from marts.fct_assessment_result").fetchone()[0] > 0
    con.close()


def test_leftover_temporary_files_and_write_ahead_logs_are_removed(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    run = pipeline.copy(tmp_path / "run")
    planted = [
        run.data_dir / ".reporting.duckdb.0badc0de.tmp",
        run.data_dir / ".reporting.duckdb.0badc0de.tmp.wal",
        run.data_dir / "reporting" / ".v000099.tmp" / "marts" / "x.parquet",
    ]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left by a killed run")

    done = python(run, PUBLISH_ONCE)

    assert done.returncode == 0, done.stderr[-3000:]
    assert [p for p in planted if p.exists()] == []
    assert not (run.data_dir / "reporting" / ".v000099.tmp").exists()


def test_msoko_status_without_a_published_file_says_so_without_a_traceback(
    tmp_path: Path, pipeline: PipelineRun
) -> None:
    env = dict(pipeline.env, MSOKO_DATA_DIR=str(tmp_path / "data"))
    env["DAGSTER_HOME"] = str(tmp_path / "dagster_home")
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "status"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "nothing is published yet" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def _processes_of(data_dir: Path) -> list[int]:
    """Processes whose environment names this deployment's data folder."""
    marker = f"MSOKO_DATA_DIR={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def test_a_killed_msoko_leaves_no_process_and_its_run_is_marked_failed_then_disk_full_is_named(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    """SIGKILL of msoko alone (not its process group) while dbt builds: nothing of it lives on
    to hold the warehouse lock; the next run marks the killed run failed in Dagster's storage
    (it stayed STARTED); a full disk while publishing is named as such and publishes nothing."""
    run = pipeline.copy(tmp_path / "run")
    before = run.published_state
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "refresh", "--full"],
        cwd=PROJECT_ROOT,
        env=run.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:  # wait until dbt is building the warehouse
        seen.append(line)
        if line.startswith("dbt build:") or "START sql" in line:
            break
    assert process.poll() is None, "".join(seen[-30:])
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    deadline = time.monotonic() + 15
    while _processes_of(run.data_dir) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _processes_of(run.data_dir) == [], "a child of the killed run lives on"
    assert run.published_state == before

    result = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "refresh", "--full"],
        cwd=PROJECT_ROOT,
        env={**run.env, "MSOKO_FAULT_INJECTION": "publish:disk_full"},
        capture_output=True,
        text=True,
        errors="replace",
        timeout=1200,
    )
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "DISK FULL" in out, out[-3000:]
    assert "marked failed" in out, "the killed run is marked failed at the next start"
    assert run.published_state == before
    statuses = python(
        run,
        "import dagster as dg\n"
        "for r in dg.DagsterInstance.get().get_runs():\n"
        "    print(r.status.value)\n",
    )
    assert "STARTED" not in statuses.stdout.split(), statuses.stdout


def test_internal_data_an_older_release_left_readable_is_made_owner_only(tmp_path: Path) -> None:
    """A new umask protects new files only: the lake and warehouse an earlier release wrote
    with 0644 are tightened at the next start; published outputs are left to their group."""
    import dataclasses

    from ingestion.config import Settings, secure_internal_data

    data = tmp_path / "data"
    old = [
        data / "lake" / "ege_rcoi" / "exam_results" / "academic_year=2022" / "b.parquet",
        data / "warehouse.duckdb",
        data / "warehouse.duckdb.build.json",
    ]
    published = data / "reporting" / "v000001" / "marts" / "t.parquet"
    for path in [*old, published]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        path.chmod(0o644)
    (data / "lake").chmod(0o755)
    published.chmod(0o640)
    settings = dataclasses.replace(
        Settings.from_env(),
        data_dir=data,
        lake_dir=data / "lake",
        warehouse_path=data / "warehouse.duckdb",
    )

    secure_internal_data(settings)

    assert [oct(p.stat().st_mode & 0o777) for p in old] == ["0o600"] * 3
    assert oct((data / "lake").stat().st_mode & 0o777) == "0o700"
    assert oct(published.stat().st_mode & 0o777) == "0o640", "published outputs keep their group"
    assert secure_internal_data(settings) == [], "nothing to do the second time"

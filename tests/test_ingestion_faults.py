"""Faults an unlucky night brings, at the reader: one damaged file is rejected by name with the
cause in words, its neighbours are read, no row disappears without a trace and no personal value
reaches an output or an error text.

Each test builds its damaged file from a generated (tiny-scale) landing file and calls
``read_batch`` directly; nothing here runs the pipeline.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import stat
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.engine import FileContext, FileVersion
from ingestion.sources import READERS
from ingestion.sources.gia_rcoi import EgeRcoiReader
from tests.builders import all_strings, assert_accounting, landing_file, read, read_one

EGE_RUSSIAN = "ЕГЭ_2022_01_Русский.csv"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny generated region: (landing folder, ground-truth folder)."""
    from ingestion.samples.generate import generate

    base = tmp_path_factory.mktemp("faults")
    generate(base / "landing", base / "truth", seed=7, scale="tiny")
    return base / "landing", base / "truth"


@pytest.fixture(scope="module")
def personal_values(generated: tuple[Path, Path]) -> set[str]:
    """Names and document numbers the generated pupil files carry (never to be output)."""
    _, truth = generated
    rows = pq.read_table(truth / "exam_results.parquet").to_pylist()
    keys = ("surname", "first_name", "patronymic", "document_series", "document_number")
    return {str(r[k]) for r in rows for k in keys if r.get(k) and len(str(r[k])) >= 4}


def ege_lines(generated: tuple[Path, Path]) -> list[str]:
    landing, _ = generated
    return (landing / "ege_rcoi" / EGE_RUSSIAN).read_bytes().decode("cp1251").splitlines(True)


def write(path: Path, text: str, encoding: str = "cp1251") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def summary(result: Any) -> dict[str, Any]:
    rows = result.files.to_pylist()
    assert len(rows) == 1, rows
    return rows[0]


def test_a_stray_cell_in_column_xfd_rejects_the_workbook_and_names_the_column(
    generated: tuple[Path, Path], tmp_path: Path
) -> None:
    landing, _ = generated
    source = sorted((landing / "vpr_fisoko").glob("*.xlsx"))[0]
    book = openpyxl.load_workbook(source)
    sheet = book.worksheets[0]
    data_row = next(
        r
        for r in range(1, sheet.max_row + 1)
        if str(sheet.cell(r, 1).value or "").startswith("sch")
        or str(sheet.cell(r, 2).value or "").startswith("sch")
    )
    sheet[f"XFD{data_row}"] = "x"  # 16,384 columns wide now
    damaged = tmp_path / "ВПР_с_ячейкой_в_XFD.xlsx"
    book.save(damaged)

    result = read_one("vpr_fisoko", damaged, f"vpr_fisoko/{damaged.name}", tmp_path)

    row = summary(result)
    assert row["status"] == "rejected"
    assert f"column XFD (row {data_row})" in row["status_reason"]
    assert_accounting(result)
    stray = [q for q in result.quarantine.to_pylist() if q["source_column"] == "(no header) XFD"]
    assert [(q["source_row"], q["cell_value"]) for q in stray] == [(data_row, "x")]


def test_a_csv_whose_delimiter_changes_every_third_line_is_rejected_by_name(
    generated: tuple[Path, Path], tmp_path: Path
) -> None:
    lines = ege_lines(generated)
    mixed = [
        line.replace(";", ",") if i > 3 and i % 3 == 0 else line for i, line in enumerate(lines)
    ]
    path = write(tmp_path / "mixed.csv", "".join(mixed))

    row = summary(read_one("ege_rcoi", path, "ege_rcoi/mixed.csv", tmp_path))

    assert row["status"] == "rejected"
    assert "separated by ','" in row["status_reason"] and "first: line 7" in row["status_reason"]


def test_the_files_own_participant_count_is_checked_not_skipped(
    generated: tuple[Path, Path], tmp_path: Path
) -> None:
    lines = ege_lines(generated)
    footer = next(i for i, line in enumerate(lines) if line.startswith("Всего участников"))
    declared = int(lines[footer].split(":")[1])

    clean = read_one("ege_rcoi", write(tmp_path / "ok.csv", "".join(lines)), "e/ok.csv", tmp_path)
    assert summary(clean)["status"] == "read"
    assert "Всего участников" in summary(clean)["skipped_reasons"]

    header = next(i for i, line in enumerate(lines) if line.startswith("№"))
    data = [i for i, line in enumerate(lines) if header < i < footer and line[:1].isdigit()]
    short = [line for i, line in enumerate(lines) if i not in data[5:20]]  # 15 pupils lost
    row = summary(
        read_one("ege_rcoi", write(tmp_path / "s.csv", "".join(short)), "e/s.csv", tmp_path)
    )
    assert row["status"] == "rejected"
    assert f"own total says {declared}" in row["status_reason"]
    assert f"{declared - 15} such row(s) were read" in row["status_reason"]


def test_an_unclosed_quote_does_not_swallow_the_rows_below_it(
    generated: tuple[Path, Path], tmp_path: Path
) -> None:
    lines = ege_lines(generated)
    lines[8] = lines[8].replace(";", ';"', 1)  # a quote opened, never closed
    path = write(tmp_path / "quote.csv", "".join(lines))

    result = read_one("ege_rcoi", path, "ege_rcoi/quote.csv", tmp_path)

    row = summary(result)
    assert row["status"] == "rejected"
    assert "quote opened at line 9 is never closed" in row["status_reason"]
    assert "inside a multi-line cell" in row["skipped_reasons"]
    assert_accounting(result)


def test_a_csv_line_over_2_mb_is_read_and_no_copy_of_the_file_is_left(
    generated: tuple[Path, Path], tmp_path: Path, personal_values: set[str]
) -> None:
    lines = ege_lines(generated)
    lines[6] = lines[6].rstrip("\r\n") + "Ж" * (3 << 20) + "\r\n"  # a 3 MB line
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    path = write(tmp_path / "long.csv", "".join(lines))

    result = read_one("ege_rcoi", path, "ege_rcoi/long.csv", scratch)

    row = summary(result)
    assert row["status"] == "read", row["status_reason"]
    assert_accounting(result)
    assert list(scratch.iterdir()) == [], "the re-encoded copy (every pupil's name) is removed"
    assert not (all_strings(result.quarantine) | all_strings(result.files)) & personal_values


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"], ids=lambda e: e.replace("-", "_"))
def test_utf16_and_utf8_csv_read_like_the_windows_1251_original(
    generated: tuple[Path, Path], tmp_path: Path, encoding: str
) -> None:
    text = "".join(ege_lines(generated))
    original = read_one("ege_rcoi", write(tmp_path / "o.csv", text), "e/o.csv", tmp_path)
    encoded = read_one("ege_rcoi", write(tmp_path / "x.csv", text, encoding), "e/x.csv", tmp_path)

    assert summary(encoded)["status"] == "read", summary(encoded)["status_reason"]
    for key in ("rows_read", "rows_loaded", "rows_quarantined", "rows_skipped"):
        assert summary(encoded)[key] == summary(original)[key]
    drop = ["file_sha256", "source_file", "batch_id"]
    assert encoded.rows.drop(drop).equals(original.rows.drop(drop))


def test_an_excel_error_cell_is_quarantined_with_its_code_not_read_as_an_empty_fact(
    generated: tuple[Path, Path], tmp_path: Path
) -> None:
    landing, _ = generated
    source = sorted((landing / "vpr_fisoko").glob("*.xlsx"))[0]
    book = openpyxl.load_workbook(source)
    sheet = book.worksheets[0]
    header = next(
        r for r in range(1, 15) if any(c.value == "Логин ОО" for c in sheet[r] if c.value)
    )
    participants = next(c.column for c in sheet[header] if str(c.value or "").startswith("Кол-во"))
    login = next(c.column for c in sheet[header] if c.value == "Логин ОО")
    target = next(  # a school row whose participant count is clean
        r
        for r in range(header + 1, sheet.max_row + 1)
        if str(sheet.cell(r, login).value or "").startswith("sch")
        and str(sheet.cell(r, participants).value or "").isdigit()
    )
    sheet.cell(target, participants).value = "=1/0"  # Excel stores the error #DIV/0!
    path = tmp_path / "div0.xlsx"
    book.save(path)
    _write_cached_error(path, sheet.title, target, participants, "#DIV/0!")

    result = read_one("vpr_fisoko", path, "vpr_fisoko/div0.xlsx", tmp_path)

    errors = [q for q in result.quarantine.to_pylist() if q["source_row"] == target]
    assert [q["cell_value"] for q in errors] == ["#DIV/0!"]
    assert "Excel error cell #DIV/0!" in errors[0]["reason"]
    assert target not in result.rows.column("source_row").to_pylist()


def _write_cached_error(path: Path, sheet: str, row: int, column: int, code: str) -> None:
    """openpyxl writes formulas without cached values; Excel would store the error value: give
    the cell its cached error (t="e"), as a workbook saved by Excel has it."""
    import zipfile

    from openpyxl.utils import get_column_letter

    ref = f"{get_column_letter(column)}{row}"
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(
                    rf'<c r="{ref}"([^>]*)>(<f>[^<]*</f>)(<v>[^<]*</v>|<v\s*/>)?</c>'.encode(),
                    lambda m: (
                        f'<c r="{ref}"{m.group(1).decode()} t="e">'.encode()
                        + m.group(2)
                        + f"<v>{code}</v></c>".encode()
                    ),
                    data,
                )
            dst.writestr(item, data)
    tmp.replace(path)
    assert sheet


class _CrashingReader(EgeRcoiReader):
    """A real reader that crashes on one file, as a bug or a library panic would: the message
    quotes a pupil's name and document number like DuckDB quotes the offending line."""

    def context(self, grid: Any, layout: Any, file: FileVersion) -> FileContext:
        if "crash" in file.relative_path:
            raise RuntimeError(
                "Conversion Error: could not convert 'Иванов Иван 0813 589632' to INT32\n"
                "Original Line: 4;101;Иванов;Иван;0813;589632"
            )
        return super().context(grid, layout, file)


def test_a_crash_in_one_file_rejects_that_file_by_name_and_reads_its_neighbours(
    generated: tuple[Path, Path], tmp_path: Path
) -> None:
    landing, _ = generated
    names = sorted(p.name for p in (landing / "ege_rcoi").glob("*.csv"))[:3]
    files = []
    for i, name in enumerate(names):
        copy = tmp_path / (f"crash_{name}" if i == 1 else name)
        shutil.copyfile(landing / "ege_rcoi" / name, copy)
        files.append(landing_file(copy, f"ege_rcoi/{copy.name}"))
    from ingestion.engine import connect_for_ingestion, read_batch

    con = connect_for_ingestion("1GB", 2)
    try:
        result = read_batch(con, _CrashingReader(), files, b"x" * 40, tmp_path)
    finally:
        con.close()

    by_file = {r["source_file"]: r for r in result.files.to_pylist()}
    crashed = by_file[f"ege_rcoi/crash_{names[1]}"]
    assert crashed["status"] == "unreadable"
    assert crashed["status_reason"].startswith("reading failed: ")
    for value in ("Иванов", "0813", "589632", "Original Line"):
        assert value not in crashed["status_reason"]
    for name in (names[0], names[2]):
        assert by_file[f"ege_rcoi/{name}"]["status"] == "read"
        assert f"ege_rcoi/{name}" in set(result.rows.column("source_file").to_pylist())


def test_scratch_folders_are_private_and_removed_on_every_exit_path(tmp_path: Path) -> None:
    from ingestion.scratch import private_scratch

    old = os.umask(0o022)
    try:
        with pytest.raises(RuntimeError), private_scratch(tmp_path) as folder:
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
            (folder / "copy.csv").write_text("Иванов;Иван")
            raise RuntimeError("a crash mid-file")
    finally:
        os.umask(old)
    assert not folder.exists()
    # a folder left by a process that was killed outright is swept by the next one
    dead = tmp_path / "msoko-scratch-999999999-abc"
    dead.mkdir()
    with private_scratch(tmp_path):
        assert not dead.exists()


# ------------------------------------------------------------------ property: damaged files

MUTATIONS = ("truncate", "insert_rows", "insert_column", "delimiter", "encoding", "blank_lines")


def _mutate(text: str, kind: str, rnd: random.Random) -> tuple[bytes, str]:
    lines = text.splitlines(True)
    if kind == "truncate":
        raw = text.encode("cp1251")
        return raw[: rnd.randrange(1, len(raw))], "cp1251"
    if kind == "insert_rows":
        for _ in range(rnd.randint(1, 5)):
            at = rnd.randrange(len(lines) + 1)
            lines.insert(
                at, rnd.choice([lines[rnd.randrange(len(lines))], "мусор;;;\r\n", ";\r\n"])
            )
    elif kind == "insert_column":
        for i in rnd.sample(range(len(lines)), k=min(len(lines), rnd.randint(1, 30))):
            cells = lines[i].rstrip("\r\n").split(";")
            cells.insert(rnd.randrange(len(cells) + 1), rnd.choice(["", "x", "99", "Примечание"]))
            lines[i] = ";".join(cells) + "\r\n"
    elif kind == "delimiter":
        step = rnd.randint(2, 7)
        lines = [
            line.replace(";", rnd.choice([",", "\t"])) if i % step == 0 else line
            for i, line in enumerate(lines)
        ]
    elif kind == "blank_lines":
        for _ in range(rnd.randint(1, 10)):
            lines.insert(rnd.randrange(len(lines) + 1), "\r\n")
    encoding = (
        rnd.choice(["utf-8", "utf-8-sig", "utf-16", "cp1251"]) if kind == "encoding" else "cp1251"
    )
    return "".join(lines).encode(encoding, errors="replace"), encoding


def _mutate_workbook(original: Path, path: Path, kind: str, rnd: random.Random) -> None:
    if kind in ("truncate", "encoding", "delimiter"):
        raw = original.read_bytes()
        path.write_bytes(raw[: rnd.randrange(1, len(raw))])
        return
    book = openpyxl.load_workbook(original)
    sheet = book.worksheets[0]
    if kind == "insert_column":
        sheet.insert_cols(rnd.randint(1, sheet.max_column + 1))
        for r in rnd.sample(range(1, sheet.max_row + 1), k=min(sheet.max_row, 5)):
            sheet.cell(r, rnd.randint(1, sheet.max_column)).value = rnd.choice(["x", 7, "текст"])
    else:
        for _ in range(rnd.randint(1, 5)):
            at = rnd.randint(1, sheet.max_row + 1)
            sheet.insert_rows(at)
            sheet.cell(at, 1).value = rnd.choice(["мусор", 5, "Всего участников: 3", None])
    book.save(path)


@settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    source=st.sampled_from(["ege_rcoi", "oge_rcoi"]),
    kind=st.sampled_from(MUTATIONS),
    seed=st.integers(0, 10_000),
)
def test_damaged_variants_of_a_pupil_file_account_for_every_row_and_leak_nothing(
    generated: tuple[Path, Path],
    personal_values: set[str],
    tmp_path_factory: pytest.TempPathFactory,
    source: str,
    kind: str,
    seed: int,
) -> None:
    landing, _ = generated
    candidates = sorted(p for p in (landing / source).iterdir() if p.is_file())
    original = candidates[seed % len(candidates)]
    rnd = random.Random(seed)
    folder = tmp_path_factory.mktemp("variant")
    path = folder / original.name
    if original.suffix == ".csv":
        data, _ = _mutate(original.read_bytes().decode("cp1251"), kind, rnd)
        path.write_bytes(data)
    else:
        _mutate_workbook(original, path, kind, rnd)

    result = read(source, [landing_file(path, f"{source}/{original.name}")], folder)

    assert_accounting(result)  # rows read = loaded + quarantined + skipped, per file
    # a file is never accepted with rows missing or extra against its own total line
    if original.suffix == ".csv":
        text = data.decode("cp1251", errors="replace")
        total = re.search(r"(?m)^Всего участников: (\d+)\s*$", text)
        absent = len(re.findall(r"(?im)неявка|не допущен|удал[её]н|аннулир", text))
        for row in result.files.to_pylist():
            if row["status"] == "read" and total:
                counted = row["rows_loaded"] + row["rows_quarantined"] - absent
                assert counted == int(total.group(1)), (kind, row)
    outputs = all_strings(result.rows) | all_strings(result.quarantine) | all_strings(result.files)
    words = {w for text in outputs for w in re.findall(r"\w+", text)}
    leaked = personal_values & words
    assert not leaked, f"personal values in the outputs of a {kind} variant: {sorted(leaked)[:3]}"
    assert [p for p in folder.iterdir() if p.name != original.name] == [], "scratch left"
    assert READERS[source].pupil_level

"""ВПР pupil-level collection forms (DOMAIN §2.1): reader tests on hand-made forms."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.builders import assert_accounting, file_row, read_one, write_xlsx
from tests.conftest import PipelineRun, connect

HEADER = [
    "Логин ОО",
    "Класс",
    "Код участника",
    "Вариант",
    "1",
    "2",
    "3.1",
    "3.2",
    "4",
    "Первичный балл",
    "Отметка",
    "Отметка за предыдущую четверть/триместр",
]


def test_spring_form_pupils_absentees_and_errors(tmp_path: Path) -> None:
    rows = [
        ["Форма сбора результатов ВПР 2023 (весна). Математика. 5 класс"],
        HEADER,
        ["sch270001", "5А", "10001", "1", 1, 2, 1, 0, 2, 6, 3, 4],
        ["sch270001", "5А", "10002", "2", 2, 2, 1, 1, 2, "8", 4, 4],
        ["sch270001", "5Б", "10003", "отсутствовал", "", "", "", "", "", "", "", 3],
        ["sch270001", "5Б", "1004", "1", 1, 1, 0, 0, 1, 3, 2, 3],  # a 4-digit code
        ["sch270001", "5Б", "10005", "2", 1, 1, 0, 0, 1, 3, "", 3],  # wrote, no mark
        ["sch270001", "5Б", "10006", "отсутствовал", "", "", "", "", "", "", 3, 3],  # absent, mark
    ]
    path = write_xlsx(tmp_path / "f.xlsx", {"Форма": rows})
    result = read_one("vpr_forms", path, "vpr_forms/f.xlsx", tmp_path)
    assert_accounting(result)
    summary = file_row(result)
    assert (summary["rows_loaded"], summary["rows_quarantined"]) == (3, 3)
    loaded = {r["participant_code"]: r for r in result.rows.to_pylist()}
    first = loaded["10001"]
    assert (first["academic_year"], first["work_grade"], first["class_grade"]) == (2022, 5, 5)
    assert first["subject_name"] == "Математика" and first["subject_key"] == "математика"
    assert (first["task_3_1"], first["task_3_2"], first["primary_score"]) == (1, 0, 6)
    assert (first["mark"], first["journal_mark"], first["is_absent"]) == (3, 4, False)
    assert loaded["10003"]["is_absent"] is True and loaded["10003"]["mark"] is None
    reasons = {q["source_row"]: q["reason"] for q in result.quarantine.to_pylist()}
    assert "format" in reasons[6]
    assert reasons[7] == "a pupil who wrote the work has no mark"
    assert reasons[8] == "an absentee (отсутствовал) has a mark"


def test_autumn_wave_grade_6_writes_the_grade_5_work(tmp_path: Path) -> None:
    rows = [
        ["Форма сбора результатов ВПР 2022 (осень). Русский язык. 5 класс"],
        HEADER,
        ["sch270001", "6А", "20001", "1", 1, 2, 1, 0, 2, 6, 3, 3],
    ]
    path = write_xlsx(tmp_path / "f.xlsx", {"Форма": rows})
    (row,) = read_one("vpr_forms", path, "vpr_forms/f.xlsx", tmp_path).rows.to_pylist()
    assert (row["academic_year"], row["work_grade"], row["class_grade"]) == (2021, 5, 6)
    assert row["is_autumn_campaign"] is True


def test_a_form_without_its_subject_is_refused(tmp_path: Path) -> None:
    rows = [
        ["ВПР 2023. 5 класс"],
        HEADER,
        ["sch270001", "5А", "10001", "1", 1, 2, 1, 0, 2, 6, 3, 4],
    ]
    path = write_xlsx(tmp_path / "f.xlsx", {"Форма": rows})
    summary = file_row(read_one("vpr_forms", path, "vpr_forms/f.xlsx", tmp_path))
    assert summary["status"] == "unreadable" and "subject" in summary["status_reason"]


# ------------------------------------------------------------------ warehouse against the truth


@pytest.mark.xdist_group("pipeline")
def test_pupil_level_figures_are_used_and_crosschecked(pipeline: PipelineRun) -> None:
    forms = pipeline.truth["vpr_forms"]
    assert forms and any(not f["is_consistent"] for f in forms)
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    try:
        got = {
            (r[0], r[1], r[2], r[3]): r[4:]
            for r in con.execute(
                # the school's first Код ОО (school_id = "<region>-<first code>"), the code the
                # truth names it by: the registry may give the school another code later
                "select split_part(s.school_id, '-', 2), f.academic_year, f.grade, f.subject_code, "
                "f.participants_count, f.mark2_count, f.mark3_count, f.mark4_count, "
                "f.mark5_count, f.result_source "
                "from marts.fct_assessment_result f join marts.dim_school s using (school_id) "
                "where f.assessment_code = 'vpr'"
            ).fetchall()
        }
        for form in forms:
            key = (form["school_code"], form["academic_year"], form["grade"], form["subject_code"])
            expected = (form["participants"], *(form["marks"][str(m)] for m in (2, 3, 4, 5)))
            assert got[key] == (*expected, "pupil_level"), key
        checks = {
            (r[0], r[1], r[2], r[3]): r[4]
            for r in con.execute(
                "select split_part(s.school_id, '-', 2), c.academic_year, c.grade, c.subject_code, "
                "c.is_mismatch from audit.vpr_source_crosscheck c "
                "join marts.dim_school s using (school_id)"
            ).fetchall()
        }
        for form in forms:
            key = (form["school_code"], form["academic_year"], form["grade"], form["subject_code"])
            assert checks[key] is (not form["is_consistent"]), key
        assert len(checks) == len(forms)
    finally:
        con.close()


@pytest.mark.xdist_group("pipeline")
def test_every_task_the_reader_reads_reaches_the_warehouse_point_by_point(
    pipeline: PipelineRun,
) -> None:
    """The forms carry points per task (DOMAIN §2.1 «балл за 1» …); M3 needs them. Every task
    column the reader knows is kept by the staging, and the per-task rows add up, pupil by
    pupil, to the primary scores the generator wrote (its truth, not the warehouse's parsing)."""
    from ingestion.sources.vpr_forms import TASKS

    forms = pipeline.truth["vpr_forms"]
    con = connect(pipeline.warehouse)
    try:
        columns = {
            name
            for (name,) in con.execute(
                "select column_name from duckdb_columns() "
                "where table_name = 'stg_vpr_forms__pupil_results' and column_name like 'task_%'"
            ).fetchall()
        }
        assert columns == {"task_" + t.replace(".", "_") for t in TASKS}
        sums = con.execute(
            "select school_id, academic_year, subject_code, grade, participant_code, "
            "sum(points), count(*) from intermediate.int_vpr_task_points_unpivoted group by all"
        ).fetchall()
    finally:
        con.close()
    by_form: dict[tuple, list[int]] = {}
    tasks_per_pupil: dict[tuple, set[int]] = {}
    for school_id, year, subject, grade, _, points, tasks in sums:
        # school_id = "<region>-<the school's first Код ОО>", the code the truth names it by
        key = (school_id.split("-", 1)[1], year, subject, grade)
        by_form.setdefault(key, []).append(int(points))
        tasks_per_pupil.setdefault(key, set()).add(tasks)
    assert len(by_form) == len(forms)
    for form in forms:
        key = (form["school_code"], form["academic_year"], form["subject_code"], form["grade"])
        assert sorted(by_form[key]) == form["scores"], key
    # every pupil has a row per task of the work: 14 in mathematics, 16 in Russian (the demo's)
    expected = {"math": {14}, "rus": {16}}
    assert all(tasks == expected[key[2]] for key, tasks in tasks_per_pupil.items())


def test_seed_001_grade_11_geography_row_rebuilt_from_pupils(tmp_path: Path) -> None:
    """Seed 001 (г. Свободный, ВПР 2021) reports «11 класс, География: 29 участников,
    успеваемость 100, качество 100, средний балл 4,48». The only marks that give it: 14 «5» and
    15 «4» (130 / 29 = 4.48). As a school's collection form, pupil by pupil, the reader must
    load the 29 and give back the seed's figures."""
    header = [*HEADER[:9], "Первичный балл", "Отметка", "Отметка за предыдущую четверть/триместр"]
    pupils = [
        ["sch280001", f"11{'АБ'[i % 2]}", f"{30001 + i}", str(1 + i % 2), 2, 2, 1, 1, 2, 8, mark, 4]
        for i, mark in enumerate([5] * 14 + [4] * 15)
    ]
    rows = [["Форма сбора результатов ВПР 2021 (весна). География. 11 класс"], header, *pupils]
    path = write_xlsx(tmp_path / "f.xlsx", {"Форма": rows})
    result = read_one("vpr_forms", path, "vpr_forms/f.xlsx", tmp_path)
    assert_accounting(result)
    marks = [r["mark"] for r in result.rows.to_pylist()]
    assert len(marks) == 29
    success = 100 * sum(m >= 3 for m in marks) / len(marks)
    quality = 100 * sum(m >= 4 for m in marks) / len(marks)
    assert (success, quality, round(sum(marks) / len(marks), 2)) == (100, 100, 4.48)
    (row,) = {
        (r["work_grade"], r["subject_key"], r["academic_year"]) for r in result.rows.to_pylist()
    }
    assert row == (11, "география", 2020)

"""Schools whose results come only from ГВЭ exports (ГВЭ-9 / ГВЭ-11), as a user meets them.

Pupils with ОВЗ sit ГВЭ instead of ОГЭ/ЕГЭ (DOMAIN §2.2–2.3): a small school can have all its
grade 9 in the ГВЭ-9 export and nobody in the ОГЭ one; and the ГВЭ exports of a new academic
year can be the first files of that year. Both must count: the school-year exists, its
ГИА-9 results have arrived, and the published file holds them. A copy of the session's
pipeline is changed the way a user would: files edited or dropped, ``msoko refresh``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from tests.builders import write_xlsx
from tests.conftest import PipelineRun, connect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]

GVE_HEADER = ["№", "Код ОО", "Класс", "Фамилия", "Имя", "Отчество", "Документ", "Форма", "Оценка"]
# invented pupils: names no other file of the demo uses
PUPILS = (
    ("Гвэшкина", "Алина", "Петровна", "4519 100001"),
    ("Гвэшкин", "Борис", "Олегович", "4519 100002"),
    ("Гвэшкова", "Вера", "Ильинична", "4519 100003"),
)


def _remove_school_rows(path: Path, school_code: str) -> int:
    """Delete the rows of one school (by its «Код ОО») from a РЦОИ xlsx export."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    column = next(
        c.column for row in sheet.iter_rows(max_row=10) for c in row if c.value == "Код ОО"
    )
    rows = [
        r for r in range(1, sheet.max_row + 1) if str(sheet.cell(r, column).value) == school_code
    ]
    for r in reversed(rows):
        sheet.delete_rows(r)
    book.save(path)
    return len(rows)


def _gve9_export(path: Path, title: str, school_code: str, marks: tuple[int, ...]) -> None:
    rows: list[list[object]] = [[title], GVE_HEADER]
    for i, ((surname, name, patronymic, document), mark) in enumerate(
        zip(PUPILS, marks, strict=True), start=1
    ):
        rows.append([i, school_code, "9А", surname, name, patronymic, document, "письменная", mark])
    write_xlsx(path, {"Лист1": rows})


def _schools_with_oge_only(pipeline: PipelineRun, year: int) -> list[dict]:
    """Schools with ОГЭ results and no ГВЭ-9 result in the year, written under their first
    Код ОО (the registry never changed it), not branches, biggest grade 9 first."""
    changed = {c["school_code"] for c in pipeline.truth["registry_changes"]}
    rows = [
        r for r in pipeline.exam_truth() if r["academic_year"] == year and r["status"] == "loaded"
    ]
    gve9 = {r["school_code"] for r in rows if r["exam_kind"] == "gve9"}
    takers = Counter(r["school_code"] for r in rows if r["exam_kind"] == "oge")
    schools = {s["school_code"]: s for s in pipeline.truth["schools"]}
    return [
        schools[code]
        for code, _ in takers.most_common()
        if code not in changed and code not in gve9 and schools[code]["parent_code"] is None
    ]


@pytest.fixture(scope="module")
def gve_run(pipeline: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The session's pipeline with (1) one school's grade 9 of the last year moved from the ОГЭ
    exports into a ГВЭ-9 export, and (2) a ГВЭ-9 export of the NEXT academic year — the only
    file of that year — naming another school; then ``msoko refresh`` as of 1 June 2025 (the
    next year's results are not due yet, so it is published as provisional)."""
    run = pipeline.copy(tmp_path_factory.mktemp("gve") / "run")
    last = max(s for s in {r["academic_year"] for r in pipeline.truth["vpr"]})
    only_gve, next_year_school = _schools_with_oge_only(pipeline, last)[:2]
    landing = run.root / "landing"
    removed = sum(
        _remove_school_rows(path, only_gve["school_code"])
        for path in sorted((landing / "oge_rcoi").glob(f"ОГЭ_{last + 1}_*.xlsx"))
    )
    assert removed > 0, "the school had no ОГЭ rows to move"
    _gve9_export(
        landing / "gve9_rcoi" / f"ГВЭ-9_{last + 1}_доп_Математика.xlsx",
        f"02 - Математика (письменная форма) {last + 1}.06.03",
        only_gve["school_code"],
        (3, 4, 3),
    )
    _gve9_export(
        landing / "gve9_rcoi" / f"ГВЭ-9_{last + 2}_01_Русский.xlsx",
        f"01 - Русский язык (письменная форма) {last + 2}.05.27",
        next_year_school["school_code"],
        (4, 3, 5),
    )
    run.env["MSOKO_AS_OF_DATE"] = f"{last + 2}-06-01"
    # the school's ОГЭ results leave the published data (they are ГВЭ now): the gate refuses
    # that until the authority records it, as it would for any vanished result
    decisions = run.root / "publication_decisions.csv"
    decisions.write_text(
        "academic_year,source,kind,reason,approved_by,approved_on\n"
        f"{last},oge_rcoi,accepted_shrink,grade 9 of {only_gve['school_code']} sat ГВЭ only,"
        "Иванова А. А.,2026-12-01\n",
        encoding="utf-8",
    )
    run.env["MSOKO_PUBLICATION_DECISIONS_PATH"] = str(decisions)
    result = run.cli("refresh", check=False)
    return {
        "run": run,
        "result": result,
        "year": last,
        "only_gve": only_gve,
        "next_year_school": next_year_school,
    }


def _query(path: Path, sql: str, *params: object) -> list[tuple]:
    con = connect(path)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_a_school_whose_grade_9_sat_only_gve_has_its_gia_9_arrived_and_is_published(
    gve_run: dict,
) -> None:
    run, result, year = gve_run["run"], gve_run["result"], gve_run["year"]
    school_id = f"27-{gve_run['only_gve']['school_code']}"
    assert result.returncode == 0, (
        "the publish was refused:\n" + result.stdout[-3000:] + result.stderr[-3000:]
    )
    # the published file: the school's ГВЭ-9 results, no ОГЭ, and its ГИА-9 counted as arrived
    results = _query(
        run.reporting,
        "select assessment_code, sum(participants_count) from marts.fct_assessment_result "
        "where school_id = ? and academic_year = ? and assessment_code in ('oge', 'gve9') "
        "group by all",
        school_id,
        year,
    )
    assert results == [("gve9", 3)]
    status = _query(
        run.reporting,
        "select completeness_status, participants_count from audit.completeness "
        "where school_id = ? and academic_year = ? and procedure_code = 'oge'",
        school_id,
        year,
    )
    assert status == [("arrived", 3)]
    missing = _query(
        run.reporting,
        "select count(*) from audit.completeness where completeness_status = 'missing'",
    )
    assert missing == [(0,)]


def test_schools_named_only_in_the_gve_export_of_a_new_year_exist_in_that_year(
    gve_run: dict,
) -> None:
    run, year = gve_run["run"], gve_run["year"] + 1
    school_id = f"27-{gve_run['next_year_school']['school_code']}"
    # the school-year exists (carried from the latest registry snapshot) and its result joins it
    school_years = _query(
        run.reporting,
        "select school_id, is_carried_from_other_year from marts.dim_school_year "
        "where academic_year = ? and school_id = ?",
        year,
        school_id,
    )
    assert school_years == [(school_id, True)]
    orphans = _query(
        run.reporting,
        "select count(*) from marts.fct_assessment_result f "
        "left join marts.dim_school_year y using (school_year_key) "
        "where f.academic_year = ? and y.school_year_key is null",
        year,
    )
    assert orphans == [(0,)]
    joined = _query(
        run.reporting,
        "select f.assessment_code, f.participants_count from marts.fct_assessment_result f "
        "join marts.dim_school_year y using (school_year_key) where y.school_id = ? "
        "and f.academic_year = ?",
        school_id,
        year,
    )
    assert joined == [("gve9", 3)]
    # the marts that count schools per year see the year and the school
    assert (year,) in _query(run.reporting, "select academic_year from marts.dim_academic_year")
    scorecard = _query(
        run.reporting,
        "select count(*) from marts.mart_school_scorecard where academic_year = ? and school_id = ?",
        year,
        school_id,
    )
    assert scorecard == [(1,)]
    # nothing of that year is due yet on 1 June: provisional, not missing; the school's ГИА-9
    # has arrived through its ГВЭ-9 export
    statuses = dict(
        _query(
            run.reporting,
            "select completeness_status, count(*) from audit.completeness "
            "where academic_year = ? group by all",
            year,
        )
    )
    assert set(statuses) == {"not_due", "arrived"} and statuses["arrived"] == 1

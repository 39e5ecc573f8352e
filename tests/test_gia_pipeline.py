"""ГИА side sources end to end: the generated files through the pipeline, the warehouse against
the generator's truth (participation status, ГВЭ, appeals, medalists, annual marks, federal
lists) — never against the project's own parsing code."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from tests.conftest import PipelineRun
from tests.test_pipeline_e2e import query

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("pipeline")]


def _school_of(pipeline: PipelineRun) -> dict[str, str]:
    """school_id → the school's first Код ОО, the code the truth names schools by (a school
    keeps its school_id "<region>-<first code>" when the registry changes its code)."""
    return {
        school_id: school_id.split("-", 1)[1]
        for (school_id,) in query(pipeline.warehouse, "select school_id from marts.dim_school")
    }


def test_participation_status_rows_are_counted_but_are_not_results(
    pipeline: PipelineRun,
) -> None:
    truth = Counter(
        (r["exam_kind"], r.get("participation") or "ok")
        for r in pipeline.exam_truth()
        if r["status"] == "loaded"
    )
    got = dict(
        ((kind, status), n)
        for kind, status, n in query(
            pipeline.warehouse,
            "select assessment_code, process_status, count(*) from marts.fct_exam_result "
            "group by all",
        )
    )
    assert got == dict(truth)
    assert {s for _, s in got} >= {"ok", "absent"}
    # participants only count results; the others are in not_sat_count
    not_results = sum(n for (_, s), n in truth.items() if s != "ok")
    participants, not_sat = query(
        pipeline.warehouse,
        "select sum(participants_count), sum(not_sat_count) from marts.fct_assessment_result "
        "where assessment_code <> 'vpr'",
    )[0]
    assert participants == sum(n for (_, s), n in truth.items() if s == "ok")
    assert not_sat == not_results


def test_gve_results_have_their_own_assessment_codes(pipeline: PipelineRun) -> None:
    truth = Counter(
        (r["exam_kind"], r["mark"])
        for r in pipeline.exam_truth()
        if r["exam_kind"] in ("gve9", "gve11") and r["status"] == "loaded"
    )
    got = dict(
        ((kind, mark), n)
        for kind, mark, n in query(
            pipeline.warehouse,
            "select assessment_code, mark, count(*) from marts.fct_exam_result "
            "where assessment_code in ('gve9', 'gve11') group by all",
        )
    )
    assert got == dict(truth) and truth
    forms = query(
        pipeline.warehouse,
        "select distinct exam_form from marts.fct_exam_result where assessment_code like 'gve%'",
    )
    assert {f for (f,) in forms} == {"oral", "written"}
    grades = query(
        pipeline.reporting,
        "select assessment_code, min(grade), max(grade), sum(participants_count) "
        "from marts.fct_assessment_result where assessment_code like 'gve%' group by all",
    )
    assert {(a, lo, hi) for a, lo, hi, _ in grades} == {("gve9", 9, 9), ("gve11", 11, 11)}
    assert sum(n for *_, n in grades) == sum(truth.values())


def test_appeals_replace_the_score_and_keep_the_change(pipeline: PipelineRun) -> None:
    appeals = pipeline.truth["appeals"]
    assert appeals
    school_of = _school_of(pipeline)
    got = sorted(
        (year, school_of[school_id], subject, before, before + change)
        for year, school_id, subject, before, change in query(
            pipeline.warehouse,
            "select academic_year, school_id, subject_fct_code, score_before_appeal, "
            "appeal_change from marts.fct_exam_result where appeal_decision is not null",
        )
    )
    expected = sorted(
        (a["academic_year"], a["school_code"], a["subject_fct_code"], a["before"], a["after"])
        for a in appeals
    )
    assert got == expected
    decisions = {
        d
        for (d,) in query(
            pipeline.warehouse, "select distinct appeal_decision from marts.fct_exam_result"
        )
    }
    assert decisions >= {"upheld_raised", "upheld_lowered", "rejected"}
    # the score after the appeal is the one in the fact
    after = query(
        pipeline.warehouse,
        "select count(*) from marts.fct_exam_result "
        "where appeal_decision is not null and test_score <> score_before_appeal + appeal_change",
    )[0][0]
    assert after == 0
    ghost = query(
        pipeline.reporting,
        "select count(*) from audit.quarantine where source_name = 'gia_appeals' "
        "and reason like 'appeal without a result%'",
    )[0][0]
    assert ghost == sum(
        1 for d in pipeline.truth["defects"] if d["kind"] == "appeal_without_result"
    )


def test_medalists_matched_to_their_ege_results(pipeline: PipelineRun) -> None:
    truth = pipeline.truth["medalists"]
    school_of = _school_of(pipeline)
    got = sorted(
        (year, school_of[sid], degree, taken, low_min, flag)
        for year, sid, degree, taken, low_min, flag in query(
            pipeline.warehouse,
            "select academic_year, school_id, medal_degree, ege_subjects_taken, min_test_score, "
            "has_score_below_threshold from intermediate.int_medalist_ege_results",
        )
    )
    expected = sorted(
        (
            m["academic_year"],
            m["school_code"],
            m["medal_degree"],
            m["ege_subjects_taken"],
            m["min_test_score"],
            m["has_score_below_70"],
        )
        for m in truth
    )
    assert got == expected and len(got) >= 20
    # the planted school's medalists score below 70 far more often than the others'
    planted = {
        p["school_code"] for p in pipeline.truth["planted"] if p["case"] == "medalists_low_ege"
    }
    share: dict[bool, list[float]] = defaultdict(list)
    per_school: dict[tuple[int, str], list[bool]] = defaultdict(list)
    for year, code, *_, flag in got:
        per_school[(year, code)].append(flag)
    for (_, code), flags in per_school.items():
        share[code in planted].append(100 * sum(flags) / len(flags))
    assert min(share[True]) >= 60 > max(share[False]), share


def test_oge_annual_marks_compared_and_the_planted_school_stands_out(
    pipeline: PipelineRun,
) -> None:
    expected: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    subject = {"1": "rus", "2": "math", "12": "soc", "6": "bio"}
    for r in pipeline.exam_truth():
        if (
            r["exam_kind"] != "oge"
            or r["status"] != "loaded"
            or (r.get("participation") or "ok") != "ok"
            or r.get("annual_mark") is None
        ):
            continue
        cell = expected[(r["academic_year"], r["school_code"], subject[r["subject_fct_code"]])]
        cell[0 if r["mark"] < r["annual_mark"] else 1 if r["mark"] == r["annual_mark"] else 2] += 1
    school_of = _school_of(pipeline)
    got = {
        (year, school_of[sid], subj): [lo, eq, hi]
        for year, sid, subj, lo, eq, hi in query(
            pipeline.warehouse,
            "select academic_year, school_id, subject_code, lowered_count, confirmed_count, "
            "raised_count from intermediate.int_oge_annual_mark_comparison",
        )
    }
    assert got == dict(expected) and got
    planted = {
        p["school_code"] for p in pipeline.truth["planted"] if p["case"] == "inflated_annual_marks"
    }
    pooled: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for (year, code, _), (lo, eq, hi) in got.items():
        pooled[(year, code)][0] += lo
        pooled[(year, code)][1] += lo + eq + hi
    pct = {key: 100 * lo / n for key, (lo, n) in pooled.items() if n >= 10}
    inflated = [v for (_, code), v in pct.items() if code in planted]
    clean = [v for (_, code), v in pct.items() if code not in planted]
    assert inflated and clean
    assert min(inflated) >= 60 > max(clean), (sorted(inflated), sorted(clean))


def test_federal_lists_are_published_apart_from_the_derived_flags(pipeline: PipelineRun) -> None:
    school_of = _school_of(pipeline)
    got = sorted(
        (year, code, school_of.get(sid))
        for year, code, sid in query(
            pipeline.reporting,
            "select academic_year, list_code, school_id from marts.ref_federal_school_lists",
        )
    )
    expected = sorted(
        (f["academic_year"], f["list_code"], f["school_code"])
        for f in pipeline.truth["federal_lists"]
    )
    assert got == expected and {c for _, c, _ in got} == {"nonobjective_vpr", "shnor"}

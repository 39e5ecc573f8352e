"""The analytical marts against the cases the generator planted (truth["planted"]).

The tiny generated region (seed 7) has one school per planted case and per municipality where
it fits: low results (ШНОР), inflated journal marks (M1), ВПР inflated in the last year only
(M2 high result not confirmed by ЕГЭ, M4 sharp jump), annual marks above the ОГЭ (M6) and
medalists with low ЕГЭ scores (M7); and, in the pupil-level ВПР forms every school sends for
grade 5 in the last year, one school whose pupils do the hard tasks better and the basic ones
worse than the region (M3) and one with a spike of primary scores at the threshold of the «3»
(M5). Every other school is clean: ordinary ability, ordinary journal agreement, ordinary
forms. The marts must find every planted case and flag no clean school — in every year,
through the published file, as an analyst would query it.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import pytest

from tests.conftest import PipelineRun

pytestmark = pytest.mark.xdist_group("pipeline")


def _planted(run: PipelineRun) -> tuple[dict[str, list[dict]], set[str]]:
    by_case: dict[str, list[dict]] = defaultdict(list)
    for case in run.truth["planted"]:
        by_case[case["case"]].append(case)
    planted_codes = {case["school_code"] for case in run.truth["planted"]}
    return by_case, planted_codes


def _school_ids(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The truth's school code (a school's first Код ОО) → school_id ("<region>-<first code>")."""
    rows = con.execute("select school_id from marts.dim_school").fetchall()
    return {school_id.split("-", 1)[1]: school_id for (school_id,) in rows}


def test_shnor_finds_every_low_results_school_and_no_clean_one(pipeline: PipelineRun) -> None:
    by_case, planted_codes = _planted(pipeline)
    assert by_case["low_results"], "the generator planted no low-results school"
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    ids = _school_ids(con)
    shnor = set(
        con.execute(
            "select school_id, academic_year from marts.mart_shnor_risk where is_shnor"
        ).fetchall()
    )
    for case in by_case["low_results"]:
        for year in case["academic_years"]:
            assert (ids[case["school_code"]], year) in shnor, (case, sorted(shnor))
    clean_ids = {ids[code] for code in ids if code not in planted_codes}
    flagged_clean = sorted(s for s in shnor if s[0] in clean_ids)
    assert flagged_clean == [], f"clean schools flagged ШНОР: {flagged_clean}"
    # every ШНОР row says why, naming the procedures behind it
    reasons = con.execute(
        "select reason, flagged_procedures from marts.mart_shnor_risk where is_shnor"
    ).fetchall()
    assert all(reason and procedures for reason, procedures in reasons)


def test_objectivity_markers_find_every_planted_case_and_no_clean_school(
    pipeline: PipelineRun,
) -> None:
    by_case, planted_codes = _planted(pipeline)
    assert by_case["inflated_journal"] and by_case["inflated_vpr"]
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    ids = _school_ids(con)
    rows = con.execute(
        """
        select school_id, academic_year,
               bool_or(is_m1_journal_mismatch) as m1, bool_or(is_m2_high_not_confirmed) as m2,
               bool_or(is_m4_sharp_change) as m4, bool_or(is_m6_exam_vs_annual_mark) as m6,
               bool_or(is_m7_medalists_low_ege) as m7, bool_or(is_objectivity_risk) as risk,
               max(n_markers) as n_markers
        from marts.mart_objectivity_markers group by all
        """
    )
    names = [d[0] for d in rows.description]
    found = {(r[0], r[1]): dict(zip(names[2:], r[2:], strict=True)) for r in rows.fetchall()}
    expected_markers = {
        "inflated_journal": ("m1",),
        "inflated_vpr": ("m2", "m4", "risk"),
        "inflated_annual_marks": ("m6",),
        "medalists_low_ege": ("m7",),
    }
    for case_name, markers in expected_markers.items():
        assert by_case[case_name], f"the generator planted no {case_name} school"
        for case in by_case[case_name]:
            for year in case["academic_years"]:
                got = found[(ids[case["school_code"]], year)]
                assert all(got[m] for m in markers), f"{markers} not found for {case}: {got}"
    for case in by_case["inflated_vpr"]:
        (year,) = case["academic_years"]
        # before the inflation the same school is unremarkable
        before = found[(ids[case["school_code"]], year - 1)]
        assert not before["m2"] and not before["m4"]
    clean_ids = {ids[code] for code in ids if code not in planted_codes}
    flagged_clean = sorted(
        key for key, value in found.items() if key[0] in clean_ids and value["n_markers"]
    )
    assert flagged_clean == [], f"clean schools with markers: {flagged_clean}"
    # the evidence names the figures behind every marker
    evidence = con.execute(
        "select evidence from marts.mart_objectivity_markers where n_markers > 0"
    ).fetchall()
    assert evidence and all(e[0].startswith("M") for e in evidence)


def test_m3_and_m5_find_the_planted_forms_and_no_other_school(pipeline: PipelineRun) -> None:
    by_case, _ = _planted(pipeline)
    assert by_case["inverted_difficulty"], "the generator planted no M3 school"
    assert by_case["score_spike"], "the generator planted no M5 school"
    con = duckdb.connect(str(pipeline.reporting), read_only=True)
    try:
        ids = _school_ids(con)
        flagged = {
            marker: set(
                con.execute(
                    f"select distinct school_id, academic_year from marts.mart_objectivity_markers "
                    f"where {column}"
                ).fetchall()
            )
            for marker, column in (
                ("m3", "is_m3_inverted_difficulty"),
                ("m5", "is_m5_score_spike"),
            )
        }
        for case_name, marker in (("inverted_difficulty", "m3"), ("score_spike", "m5")):
            expected = {
                (ids[case["school_code"]], year)
                for case in by_case[case_name]
                for year in case["academic_years"]
            }
            # every planted school-year is found, and no other school carries the marker
            assert flagged[marker] == expected, (case_name, sorted(flagged[marker]), expected)
        # the evidence says it in words
        evidence = con.execute(
            "select evidence from marts.mart_objectivity_markers "
            "where is_m3_inverted_difficulty or is_m5_score_spike"
        ).fetchall()
        assert all("M3:" in e or "M5:" in e for (e,) in evidence)
        # a row without a pupil-level form is not evaluable (NULL), never "no marker"
        forms = {
            (ids[f["school_code"]], f["academic_year"], f["subject_code"], f["grade"])
            for f in pipeline.truth["vpr_forms"]
        }
        rows = con.execute(
            "select school_id, academic_year, subject_code, grade, m3_status, m5_status, "
            "is_m3_inverted_difficulty, is_m5_score_spike "
            "from marts.mart_objectivity_markers where assessment_code = 'vpr'"
        ).fetchall()
        without_form = [r for r in rows if r[:4] not in forms]
        assert without_form and all(
            r[4:] == ("no_pupil_form", "no_pupil_form", None, None) for r in without_form
        )
        evaluated = [r for r in rows if r[:4] in forms and r[4] == r[5] == "evaluated"]
        assert evaluated and all(r[6] is not None and r[7] is not None for r in evaluated)
        # M5's counts against the primary scores the generator wrote, counted here by hand
        scores = {
            (ids[f["school_code"]], f["academic_year"], f["subject_code"], f["grade"]): f["scores"]
            for f in pipeline.truth["vpr_forms"]
        }
        spikes = con.execute(
            "select school_id, academic_year, subject_code, grade, spike_threshold_score, "
            "spike_count, spike_below_count, spike_above_count "
            "from marts.mart_objectivity_markers where m5_status = 'evaluated'"
        ).fetchall()
        assert spikes
        for *key, threshold, at, below, above in spikes:
            written = scores[tuple(key)]
            assert at == written.count(threshold), key
            assert below == sum(written.count(threshold - d) for d in (1, 2)), key
            assert above == sum(written.count(threshold + d) for d in (1, 2)), key
    finally:
        con.close()

"""Section «Объективность»: markers of non-objective results and the ВПР journal comparison."""

from __future__ import annotations

import duckdb

from orchestration.reports.note.common import PROCEDURE_RU, SUBJECT_RU, Scope, _num, _rows
from orchestration.reports.render import Section, Table


def _objectivity(con: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> Section:
    markers = _rows(
        con,
        "select school_short_name, assessment_code, subject_code, grade, participants_count, "
        "is_m1_journal_mismatch, is_m2_high_not_confirmed, is_m4_sharp_change, "
        "is_m6_exam_vs_annual_mark, is_m7_medalists_low_ege, "
        "is_objectivity_risk, evidence from marts.mart_objectivity_markers "
        f"where {scope.where()} and academic_year = ? and n_markers > 0 "
        "order by is_objectivity_risk desc, school_short_name, assessment_code, subject_code, "
        "grade",
        [scope.value, year],
    )
    section = _journal(con, scope, year)
    section.title = "3. Признаки необъективности результатов оценочных процедур"
    section.paragraphs = [
        "Производная методика (DOMAIN §4.3; это не федеральный перечень ОО с признаками "
        "необъективности): M1 — доля отметок ниже журнальных не менее 40 % и явно выше, чем в "
        "других школах региона; M2 — средняя отметка на 2 и более ст. откл. выше других школ "
        "при ЕГЭ школы ниже регионального (кроме лицеев, гимназий, СОШ с УИОП); M4 — резкий "
        "рост позиции школы за год или падение когорты; M6 — не менее 60 % отметок ОГЭ ниже "
        "годовых и явно больше, чем в других школах; M7 — не менее 60 % медалистов школы (из "
        "трёх и более) с баллом ЕГЭ ниже 70 хотя бы по одному предмету. Признаки M1, M2, M4 и "
        "M6 требуют различия, которое не объясняется случайностью малой группы (параметры — справочник "
        "objectivity_parameters). «Риск» — два и более вида признаков у школы в году.",
        f"Школ с признаками: {len({m[0] for m in markers})}; "
        f"из них с риском необъективности: {len({m[0] for m in markers if m[10]})}.",
        *section.paragraphs,
    ]
    section.tables.insert(
        0,
        Table(
            "Работы и экзамены с признаками необъективности",
            "marts.mart_objectivity_markers",
            [
                "ОО",
                "Процедура",
                "Предмет",
                "Класс",
                "Участников",
                "Признаки",
                "Риск",
                "Обоснование",
            ],
            [
                [
                    school,
                    PROCEDURE_RU.get(procedure, procedure),
                    SUBJECT_RU.get(subject, subject),
                    grade,
                    n,
                    ", ".join(
                        k
                        for k, on in (("M1", m1), ("M2", m2), ("M4", m4), ("M6", m6), ("M7", m7))
                        if on
                    ),
                    "да" if risk else "",
                    evidence,
                ]
                for school, procedure, subject, grade, n, m1, m2, m4, m6, m7, risk, evidence in (
                    markers
                )
            ],
            css_id="objectivity",
        ),
    )
    return section


def _journal(con: duckdb.DuckDBPyConnection, scope: Scope, year: int) -> Section:
    rows = _rows(
        con,
        "select s.school_short_name, f.subject_code, f.grade, f.journal_compared_count, "
        "f.pct_journal_lowered, f.pct_journal_confirmed, f.pct_journal_raised "
        "from marts.fct_assessment_result f join marts.dim_school s using (school_id) "
        f"where {scope.where('s')} and f.academic_year = ? and f.assessment_code = 'vpr' "
        "and f.subject_code in ('rus', 'math') and f.journal_compared_count is not null "
        "order by f.pct_journal_raised desc nulls last, f.pct_journal_lowered desc nulls last "
        "limit 15",
        [scope.value, year],
    )
    return Section(
        "3. ВПР: сравнение отметок с отметками по журналу",
        [
            "Сравнение с журналом: школы с наибольшей долей повышенных и пониженных отметок "
            "(первичный материал признака M1)."
        ],
        [
            Table(
                "ВПР, русский язык и математика",
                "marts.fct_assessment_result (pct_journal_*)",
                [
                    "ОО",
                    "Предмет",
                    "Класс",
                    "Сравнено",
                    "Понизили, %",
                    "Подтвердили, %",
                    "Повысили, %",
                ],
                [
                    [s, SUBJECT_RU.get(sub, sub), g, n, _num(lo), _num(co), _num(hi)]
                    for s, sub, g, n, lo, co, hi in rows
                ],
                css_id="journal",
            )
        ],
    )

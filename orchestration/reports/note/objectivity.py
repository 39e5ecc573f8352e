"""Section «Объективность»: markers of non-objective results and the ВПР journal comparison."""

from __future__ import annotations

import duckdb

from orchestration.reports.note.common import Names, Scope, _rows, markers
from orchestration.reports.render import Section, Table


def _objectivity(con: duckdb.DuckDBPyConnection, names: Names, scope: Scope, year: int) -> Section:
    kinds = markers(con)  # every is_m… column of the mart, with its label
    flags = ", ".join(column for column, _, _ in kinds)
    rows = _rows(
        con,
        "select school_short_name, assessment_code, subject_code, grade, participants_count, "
        f"is_objectivity_risk, evidence, {flags} from marts.mart_objectivity_markers "
        f"where {scope.where()} and academic_year = ? and n_markers > 0 "
        "order by is_objectivity_risk desc, school_short_name, assessment_code, subject_code, "
        "grade",
        [scope.value, year],
    )
    section = _journal(con, names, scope, year)
    section.title = "3. Признаки необъективности результатов оценочных процедур"
    section.paragraphs = [
        "Производная методика (это не федеральный перечень ОО с признаками "
        "необъективности). Признаки: "
        + "; ".join(label for _, _, label in kinds)
        + ". Признак ставится, только если различие не объясняется случайностью малой группы "
        "(пороги — в справочнике параметров объективности опубликованного файла); обоснование "
        "каждого признака — в последнем столбце таблицы. «Риск» — два и более вида признаков "
        "у школы в году.",
        f"Школ с признаками: {len({m[0] for m in rows})}; "
        f"из них с риском необъективности: {len({m[0] for m in rows if m[5]})}.",
        *section.paragraphs,
    ]
    section.tables.insert(
        0,
        Table(
            "Работы и экзамены с признаками необъективности",
            names.source("marts.mart_objectivity_markers"),
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
                    names.procedure(procedure),
                    names.subject(subject),
                    grade,
                    n,
                    ", ".join(code for (_, code, _), on in zip(kinds, on_flags, strict=True) if on),
                    "да" if risk else "",
                    evidence,
                ]
                for school, procedure, subject, grade, n, risk, evidence, *on_flags in rows
            ],
            css_id="objectivity",
            kinds=["text", "text", "text", "int", "int", "text", "text", "text"],
        ),
    )
    return section


def _journal(con: duckdb.DuckDBPyConnection, names: Names, scope: Scope, year: int) -> Section:
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
                names.source("marts.fct_assessment_result"),
                [
                    "ОО",
                    "Предмет",
                    "Класс",
                    "Сравнено",
                    "Понизили, %",
                    "Подтвердили, %",
                    "Повысили, %",
                ],
                [[s, names.subject(sub), g, n, lo, co, hi] for s, sub, g, n, lo, co, hi in rows],
                css_id="journal",
                kinds=["text", "text", "int", "int", "num", "num", "num"],
            )
        ],
    )

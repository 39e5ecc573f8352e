"""Appeals and rechecks of ГИА results (апелляции о несогласии с выставленными баллами), per pupil.

Shape (DOMAIN §2.4, РЦОИ export): a title naming the exam and its year ("Апелляции о несогласии с
выставленными баллами. ЕГЭ 2023"), then ``№;Код ОО;Класс;Код ППЭ;Аудитория;Фамилия;Имя;
Отчество;Документ;Предмет;Дата экзамена;Тип апелляции / перепроверки;Состояние;…;Балл до
изменения;Текущие;Разница`` where the score columns carry a second header row "Первичный балл;
Балл". The subject is "01 - Русский язык" (FCT code first) or the code alone; the exam date is
"2023.06.01" or "01.06.2023". The decision ("Состояние"): удовлетворена с повышением / с
понижением / отклонена; "Апелляция удовлетворена" alone is read by the sign of the change.

Names and documents are read only to compute the same pupil key as the ЕГЭ/ОГЭ exports, so the
warehouse matches an appeal to its result (``fct_exam_result``: the score after the appeal wins,
the change is kept). The title's exam (ЕГЭ, ОГЭ, ГВЭ-9, ГВЭ-11) is the exam kind; ЕГЭ by default.
"""

from __future__ import annotations

import re

from ingestion.engine import FileContext, FileVersion, Reader
from ingestion.layout import Field, Layout, LayoutError, keys
from ingestion.privacy import person_key_sql
from ingestion.sheets import Grid

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_EXAM = (
    (re.compile(r"гвэ[\s-]*9", re.I), "gve9"),
    (re.compile(r"гвэ[\s-]*11", re.I), "gve11"),
    (re.compile(r"огэ|гиа[\s-]*9", re.I), "oge"),
    (re.compile(r"егэ|гиа[\s-]*11", re.I), "ege"),
)

_NAME = "coalesce(nullif(concat_ws(' ', surname, first_name, patronymic), ''), full_name)"


def date_sql(text: str) -> str:
    """A date cell as text: 2023.06.01, 2023-06-01 (xlsx), 01.06.2023."""
    t = f"regexp_extract({text}, '\\d{{2,4}}[.\\-/]\\d{{2}}[.\\-/]\\d{{2,4}}')"
    return (
        f"coalesce(try_strptime({t}, '%Y.%m.%d'), try_strptime({t}, '%Y-%m-%d'), "
        f"try_strptime({t}, '%d.%m.%Y'), try_strptime({t}, '%Y/%m/%d'))::date"
    )


def decision_sql(text: str, change: str) -> str:
    s = f"lower(replace({text}, 'ё', 'е'))"
    return (
        f"case when regexp_matches({s}, 'отклон|без изменен|не удовлетвор') then 'rejected' "
        f"when regexp_matches({s}, 'повышен') then 'upheld_raised' "
        f"when regexp_matches({s}, 'понижен') then 'upheld_lowered' "
        f"when regexp_matches({s}, 'удовлетвор') and {change} > 0 then 'upheld_raised' "
        f"when regexp_matches({s}, 'удовлетвор') and {change} < 0 then 'upheld_lowered' "
        f"when regexp_matches({s}, 'отозван') then 'withdrawn' end"
    )


def _score(name: str, headers: tuple[str, ...], required: bool = False) -> Field:
    return Field(
        name,
        headers,
        "number",
        required=required,
        header_required=required,
        min_value=0,
        max_value=100,
    )


class GiaAppealsReader(Reader):
    name = "gia_appeals"
    table = "appeals"
    title = "ГИА: апелляции о несогласии с выставленными баллами"
    grain = "one row per appeal (pupil × subject × exam date)"
    pupil_level = True
    fields = (
        Field("row_number", keys("№", "№ п/п"), "int"),
        Field(
            "school_code",
            keys("Код ОО", "Код ОУ"),
            "code",
            required=True,
            header_required=True,
            pattern=r"\d{4,8}",
        ),
        Field("class_label", keys("Класс")),
        Field("surname", keys("Фамилия"), personal=True),
        Field("first_name", keys("Имя"), personal=True),
        Field("patronymic", keys("Отчество"), personal=True),
        Field("full_name", keys("ФИО", "Ф.И.О."), personal=True),
        Field("document", keys("Документ", "Серия и номер документа"), personal=True),
        Field("subject_reported", keys("Предмет", "Код предмета"), required=True),
        Field("exam_date_reported", keys("Дата экзамена"), required=True),
        Field("appeal_type", keys("Тип апелляции / перепроверки", "Тип апелляции", "Тип")),
        Field(
            "decision_reported",
            keys("Состояние", "Решение", "Результат апелляции", "Решение КК"),
            required=True,
            header_required=True,
        ),
        _score(
            "primary_before",
            keys("Балл до изменения Первичный балл", "Первичный балл до апелляции"),
        ),
        _score(
            "score_before",
            keys("Балл до изменения Балл", "Балл до изменения", "Балл до апелляции"),
            required=True,
        ),
        _score("primary_after", keys("Текущие Первичный балл", "Первичный балл после апелляции")),
        _score(
            "score_after",
            keys("Текущие Балл", "Текущие", "Балл после апелляции", "Балл после изменения"),
            required=True,
        ),
        Field("score_difference", keys("Разница Балл", "Разница"), "number"),
    )
    context_columns = {"exam_kind": "varchar"}
    row_checks = (
        (
            f"{decision_sql('v_decision_reported', 'v_score_after - v_score_before')} is null",
            "decision_reported",
            "unknown decision: expected удовлетворена с повышением / с понижением / отклонена",
        ),
        (
            f"{date_sql('v_exam_date_reported')} is null",
            "exam_date_reported",
            "not a date (expected 2023.06.01 or 01.06.2023)",
        ),
        (
            "regexp_extract(v_subject_reported, '^\\s*(\\d{1,2})', 1) = ''",
            "subject_reported",
            "the subject must start with its FCT code ('01 - Русский язык' or '1')",
        ),
        (
            "v_score_difference is not null "
            "and abs(v_score_difference - (v_score_after - v_score_before)) > 0.001",
            "score_difference",
            "the difference is not the score after minus the score before",
        ),
    )
    derived = {
        "person_key": (
            "varchar",
            person_key_sql("academic_year::varchar", "region_code", _NAME),
        ),
        "has_person_name": ("boolean", f"{_NAME} is not null"),
        "subject_fct_code": (
            "varchar",
            "cast(try_cast(regexp_extract(subject_reported, '^\\s*(\\d{1,2})', 1) as integer) "
            "as varchar)",
        ),
        "exam_date": ("date", date_sql("exam_date_reported")),
        "decision": ("varchar", decision_sql("decision_reported", "score_after - score_before")),
        "score_change": ("double", "score_after - score_before"),
    }

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        title = " ".join(layout.title_lines)
        year = _YEAR.search(title)
        if year is None:
            raise LayoutError(
                "the exam year (e.g. 'Апелляции … ЕГЭ 2023') was not found above the header"
            )
        kind = next((k for pattern, k in _EXAM if pattern.search(title)), "ege")
        # ГИА of the summer of Y (and its September retakes) is academic year Y-1 (DOMAIN §3.3)
        return FileContext(int(year[1]) - 1, {"exam_kind": kind})

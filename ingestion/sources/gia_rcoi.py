"""ЕГЭ, ОГЭ, ГВЭ-9 and ГВЭ-11 results per pupil, as РЦОИ exports them ("ведомость": one file
per exam sitting).

Shape (DOMAIN §2.4): a title row "01 - Русский язык 2022.06.23" (subject FCT code, name, exam
date), possibly after empty ``;;;`` rows; a header ``№;Код МСУ;Код ОО;Класс;Код ППЭ;Аудитория;
Фамилия;Имя;Отчество;Серия;Номер;…;Первичный балл;Балл`` (base mathematics and ОГЭ: ``Оценка``
instead of ``Балл``; some files ``Документ`` instead of ``Серия;Номер``); footer rows
"Средние", "Минимальная граница", "Всего участников". CSV in UTF-8 or Windows-1251 with ``;``,
or the same table in xlsx.

Optional columns: the participation status ("Статус участника": явился / неявка / не допущен /
аннулирован / удалён), kept as ``participation_status`` and normalised to ``process_status`` ok /
absent / not_admitted / annulled (DOMAIN §2.4; a status the reader does not know quarantines
the row); the 9th-grader's annual mark ("Годовая отметка", ОГЭ) for the exam-vs-annual-mark
comparison (DOMAIN §2.2, marker M6); the ГВЭ form ("Форма": письменная / устная), also taken
from the title ("… (устная форма) 2023.05.24").

Names and document numbers are read only to compute the pupil key (``ingestion.privacy``);
the exam room and ППЭ code are not read at all (DOMAIN §8.3).
"""

from __future__ import annotations

import re

from ingestion.engine import FileContext, FileVersion, Reader
from ingestion.layout import Field, Layout, LayoutError, keys
from ingestion.normalize import find_date, gia_academic_year
from ingestion.privacy import person_key_sql
from ingestion.sheets import Grid

_TITLE = re.compile(
    r"^\s*(?:[пу]:\s*)?(?P<code>\d{1,2})\s*[-–—]\s*(?P<name>.+?)\s+"
    r"(?:[пу]:\s*)?(?P<date>\d{4}[.\-]\d{2}[.\-]\d{2}|\d{2}\.\d{2}\.\d{4})"
)

_FIELDS = (
    Field("row_number", keys("№", "№ п/п", "N"), "int"),
    Field("msu_code", keys("Код МСУ"), "code", pattern=r"\d{1,4}"),
    Field(
        "school_code",
        keys("Код ОО", "Код ОУ", "Код образовательной организации"),
        "code",
        required=True,
        header_required=True,
        pattern=r"\d{4,8}",
        description="РЦОИ school code, unique only within the region",
    ),
    Field("class_label", keys("Класс"), "text", pattern=r"\d{1,2}\s*[А-Яа-яA-Za-z]?\d?"),
    Field("surname", keys("Фамилия"), personal=True),
    Field("first_name", keys("Имя"), personal=True),
    Field("patronymic", keys("Отчество"), personal=True),
    Field("full_name", keys("ФИО", "Ф.И.О.", "Фамилия, имя, отчество"), personal=True),
    Field("document_series", keys("Серия", "Серия документа"), personal=True),
    Field("document_number", keys("Номер", "Номер документа"), personal=True),
    Field("document", keys("Документ", "Документ, удостоверяющий личность"), personal=True),
    Field("primary_score", keys("Первичный балл"), "number", min_value=0, max_value=100),
    Field("test_score", keys("Балл", "Тестовый балл"), "int", min_value=0, max_value=100),
    Field("mark", keys("Оценка", "Отметка"), "int", min_value=2, max_value=5),
    Field(
        "participation_status",
        keys("Статус участника", "Статус", "Статус экзамена", "Явка", "Статус результата"),
        description="явился / неявка / не допущен / аннулирован / удалён, as written",
    ),
    Field(
        "annual_mark",
        keys("Годовая отметка", "Годовая оценка", "Отметка за год", "Годовая"),
        "int",
        min_value=2,
        max_value=5,
        description="the 9th-grader's annual mark in the subject (ОГЭ exports of some years)",
    ),
    Field("exam_form_reported", keys("Форма", "Форма ГВЭ", "Форма экзамена", "Форма сдачи")),
)


def status_sql(text: str) -> str:
    """The participation status as written → ok / absent / not_admitted / annulled (NULL: unknown)."""
    s = f"lower(replace({text}, 'ё', 'е'))"
    return (
        f"case when {text} is null then 'ok' "
        f"when regexp_matches({s}, 'неявк|не явил|не явка|отсутств') then 'absent' "
        f"when regexp_matches({s}, 'не допущ|недопущ') then 'not_admitted' "
        f"when regexp_matches({s}, 'аннулир|удален|удалeн') then 'annulled' "
        f"when regexp_matches({s}, 'явил|^явка|оценен|есть результат|^ок$|^да$|^сдавал') "
        "then 'ok' end"
    )


def exam_form_sql(text: str) -> str:
    s = f"lower({text})"
    return (
        f"case when regexp_matches({s}, 'устн') then 'oral' "
        f"when regexp_matches({s}, 'письм') then 'written' end"
    )


class GiaExportReader(Reader):
    """Shared by ЕГЭ and ОГЭ: they differ only in the landing folder and the exam kind."""

    exam_kind: str
    reader_version = 2  # 2: participation status, annual mark, ГВЭ form
    grain = "one row per pupil × exam sitting (a data row of a РЦОИ ведомость)"
    fields = _FIELDS
    pupil_level = True
    # «Всего участников: N» counts the pupils who sat, not those listed as absent or not admitted
    declared_count_condition = f"coalesce({status_sql('v_participation_status')}, 'ok') = 'ok'"
    context_columns = {
        "exam_kind": "varchar",
        "subject_fct_code": "varchar",
        "subject_title": "varchar",
        "exam_date": "date",
        "title_exam_form": "varchar",
    }
    row_checks = (
        (
            f"{status_sql('v_participation_status')} is null",
            "participation_status",
            "unknown participation status: expected явился / неявка / не допущен / "
            "аннулирован / удалён",
        ),
    )
    derived = {
        "process_status": ("varchar", status_sql("participation_status")),
        "exam_form": (
            "varchar",
            exam_form_sql("coalesce(exam_form_reported, title_exam_form, '')"),
        ),
        "person_key": (
            "varchar",
            person_key_sql(
                "academic_year::varchar",
                "region_code",
                "coalesce(nullif(concat_ws(' ', surname, first_name, patronymic), ''), full_name)",
            ),
        ),
        "grade": ("integer", "try_cast(regexp_extract(class_label, '^(\\d{1,2})', 1) as integer)"),
        "has_person_name": (
            "boolean",
            "coalesce(nullif(concat_ws(' ', surname, first_name, patronymic), ''), full_name) "
            "is not null",
        ),
    }
    skip_labels = ((r"^всего участник", "footer"),)

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        for line in layout.title_lines:
            match = _TITLE.search(line)
            if match:
                day = find_date(match["date"])
                if day is None:
                    break
                return FileContext(
                    academic_year=gia_academic_year(day),
                    values={
                        "exam_kind": self.exam_kind,
                        "subject_fct_code": str(int(match["code"])),
                        "subject_title": match["name"].strip(),
                        "exam_date": day,
                        "title_exam_form": line,
                    },
                )
        raise LayoutError(
            "the exam title row (e.g. '01 - Русский язык 2022.06.23': subject code, name, date) "
            "was not found above the header"
        )


class EgeRcoiReader(GiaExportReader):
    name = "ege_rcoi"
    table = "exam_results"
    title = "ЕГЭ: ведомость результатов РЦОИ"
    exam_kind = "ege"


class OgeRcoiReader(GiaExportReader):
    name = "oge_rcoi"
    table = "exam_results"
    title = "ОГЭ: ведомость результатов РЦОИ"
    exam_kind = "oge"


class Gve9RcoiReader(GiaExportReader):
    """ГВЭ-9 (marks 2–5, written or oral form): kept apart from ОГЭ by its assessment code."""

    name = "gve9_rcoi"
    table = "exam_results"
    title = "ГВЭ-9: ведомость результатов РЦОИ"
    exam_kind = "gve9"


class Gve11RcoiReader(GiaExportReader):
    """ГВЭ-11 (marks 2–5, written or oral form): kept apart from ЕГЭ by its assessment code."""

    name = "gve11_rcoi"
    table = "exam_results"
    title = "ГВЭ-11: ведомость результатов РЦОИ"
    exam_kind = "gve11"

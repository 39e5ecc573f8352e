"""ВПР pupil-level collection forms as schools fill them (DOMAIN §2.1, «форма сбора результатов»).

Shape: a title naming the campaign, the subject and the WORK grade ("ВПР 2023 (весна).
Математика, 5 класс" / "Форма сбора результатов ВПР 2022 (осень). Русский язык. 5 класс"),
then one row per pupil: the school login, the class the pupil is in ("5А"; in an autumn wave
"6Б" writing the grade-5 work), the 5-digit participant code, the variant ("отсутствовал"
marks an absentee), per-task points (columns "1", "2", "3.1", "3.2" …), the primary score, the
mark and the journal mark of the previous term ("отметка за предыдущую четверть/триместр").

No names are in these forms: the school keeps the paper mapping of names to codes, so the
reader holds no personal column (``pupil_level`` stays off: there is no name to key by HMAC).
The rows are pupil-level all the same: the staging and the cross-check keep them in the
internal warehouse; only aggregates are published. ``work_grade`` (the programme grade of the work)
is kept apart from the pupil's grade (``class_grade``, from the class); autumn waves (2020,
2022) belong to the academic year of the programme they test, like the ФИС ОКО reports.
"""

from __future__ import annotations

import re

from ingestion.engine import FileContext, FileVersion, Reader
from ingestion.layout import Field, Layout, LayoutError, keys
from ingestion.normalize import clean_text, find_academic_year, subject_key
from ingestion.sheets import Grid
from ingestion.sources.municipal_tables import subject_aliases

_CAMPAIGN = re.compile(r"ВПР\D{0,12}?(?P<year>20\d\d)", re.I)
_WORK_GRADE = re.compile(r"(?P<grade>\d{1,2})\s*(класс|кл\b)", re.I)
# task columns of the forms: "1" … "15" and sub-tasks "1.1", "1.2" … "10.2" (points per task)
TASKS = tuple(f"{n}" for n in range(1, 16)) + tuple(
    f"{n}.{k}" for n in range(1, 11) for k in (1, 2)
)


def _task_fields() -> tuple[Field, ...]:
    return tuple(
        Field(
            "task_" + task.replace(".", "_"),
            keys(task, f"балл за {task}", f"задание {task}"),
            "number",
            min_value=0,
            dash="not_applicable",
        )
        for task in TASKS
    )


class VprFormsReader(Reader):
    name = "vpr_forms"
    table = "vpr_pupil_results"
    title = "ВПР: формы сбора результатов (по обучающимся)"
    grain = "one row per participant code × work of a ВПР campaign (pupil level, no names)"
    fields = (
        Field(
            "school_login",
            keys("Логин ОО", "Логин", "ОО (логин)", "ОО (логин школы)", "Школа"),
            "code",
            required=True,
            pattern=r"sch\d{6,8}",
        ),
        Field(
            "class_name",
            keys("Класс", "Класс (буква)"),
            required=True,
            header_required=True,
            pattern=r"\d{1,2}\s*-?\s*\p{L}?",
        ),
        Field(
            "participant_code",
            keys("Код участника", "Номер обучающегося", "Код ученика", "Код"),
            "code",
            required=True,
            header_required=True,
            pattern=r"\d{5}",
        ),
        Field("variant", keys("Вариант"), required=True),
        *_task_fields(),
        Field(
            "primary_score",
            keys("Первичный балл", "Сумма баллов", "Балл"),
            "number",
            min_value=0,
        ),
        Field("mark", keys("Отметка", "Оценка", "Отметка за ВПР"), "int", min_value=2, max_value=5),
        Field(
            "journal_mark",
            keys(
                "Отметка за предыдущую четверть/триместр",
                "Отметка за предыдущую четверть",
                "Отметка по журналу",
                "Отметка за четверть*",
            ),
            "int",
            min_value=2,
            max_value=5,
            track_missing=True,
        ),
    )
    context_columns = {
        "campaign": "varchar",
        "is_autumn_campaign": "boolean",
        "subject_name": "varchar",
        "work_grade": "integer",
    }
    derived = {
        "subject_key": ("varchar", "msoko_subject_key(subject_name)"),
        "is_absent": ("boolean", "coalesce(lower(variant) like 'отсутств%', false)"),
        "class_grade": (
            "integer",
            "try_cast(regexp_extract(class_name, '^(\\d{1,2})', 1) as integer)",
        ),
    }
    # a present pupil must have a mark; an absentee must not
    row_checks = (
        (
            "v_mark is null and not coalesce(lower(v_variant) like 'отсутств%', false)",
            "mark",
            "a pupil who wrote the work has no mark",
        ),
        (
            "v_mark is not null and coalesce(lower(v_variant) like 'отсутств%', false)",
            "mark",
            "an absentee (отсутствовал) has a mark",
        ),
    )

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        title = " ".join(layout.title_lines)
        campaign = _CAMPAIGN.search(title)
        grade = _WORK_GRADE.search(title)
        aliases = subject_aliases()
        subject = None
        for part in re.split(r"[.,;:]", title):
            part = clean_text(part)
            if part and subject_key(part) in aliases:
                subject = part
        if campaign is None or grade is None or subject is None:
            raise LayoutError(
                "the title must name the campaign, the subject and the work grade, e.g. "
                "'ВПР 2023 (весна). Математика. 5 класс'"
            )
        autumn = bool(re.search(r"осен", title, re.I))
        year = find_academic_year(title)
        if year is None:
            year = int(campaign["year"]) - 1  # spring Y and autumn Y both test (Y-1)/Y
        return FileContext(
            year,
            {
                "campaign": title[:120],
                "is_autumn_campaign": autumn,
                "subject_name": subject,
                "work_grade": int(grade["grade"]),
            },
        )

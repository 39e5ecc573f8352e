"""Protocols of the всероссийская олимпиада школьников (ВсОШ): one row per participant.

Shape: title rows "Протокол муниципального этапа всероссийской олимпиады школьников по
математике 2023/24 учебного года" (the stage: школьный / муниципальный / региональный /
заключительный; the subject after "по", in the dative; the academic year), often a line
"Муниципальное образование: …", then a header — ``№ п/п; Фамилия; Имя; Отчество (or ФИО);
Дата рождения; [Муниципальное образование]; [Код ОО]; Образовательная организация; Класс;
Статус; Результат (балл); Максимальный балл`` — possibly two rows merged ("Участник" over
"Фамилия | Имя | Отчество", "Результат" over "Балл | Макс. балл"), one row per participant,
and the jury's signature lines. xlsx, or CSV in UTF-8 / Windows-1251 with ``;``.

The school is named as written (DOMAIN §6.2: "СОШ №1 Славянка", "МБОУ СОШ № 1 пгт
Славянка"…), sometimes with its Код ОО; the warehouse resolves it (docs/sources/school-names.md).
The pupil's name and birth date are read only to compute the pupil key (``ingestion.privacy``)
and are never stored. A status outside победитель / призёр / участник, a score with letters
("4З") or above the maximum go to quarantine at their cell.
"""

from __future__ import annotations

import re

from ingestion.engine import FileContext, FileVersion, Reader
from ingestion.layout import Field, Layout, LayoutError, keys
from ingestion.normalize import clean_text
from ingestion.privacy import person_key_sql
from ingestion.sheets import Grid

_STAGES = {
    "школьн": "school",
    "муниципальн": "municipal",
    "регионально": "regional",
    "заключительн": "final",
}
_TITLE = re.compile(
    r"(?P<stage>школьн|муниципальн|регионально|заключительн)\S*\s+этап\S*.*?"
    r"\sпо\s+(?P<subject>.+?)\s+(?:в\s+)?(?P<y1>20\d\d)\s*[/\-–—]\s*(?P<y2>(?:20)?\d\d)\s*"
    r"(?:уч|г)",
    re.I,
)
_MUNICIPALITY = re.compile(
    r"^(?:муниципальное образование|муниципалитет|территория|мо)\s*[:\-–—]\s*(?P<name>.+)$", re.I
)

STATUS_PATTERN = r"(?i)(победител[ьи]|призер|призёр|участник)"


class OlympiadProtocolReader(Reader):
    name = "olympiad"
    table = "olympiad_results"
    title = "Протокол этапа всероссийской олимпиады школьников"
    grain = "one row per participant of one stage protocol (subject × stage × academic year)"
    pupil_level = True
    fields = (
        Field("row_number", keys("№", "№ п/п", "N", "N п/п"), "int"),
        Field("surname", keys("Фамилия", "Участник Фамилия"), personal=True),
        Field("first_name", keys("Имя", "Участник Имя"), personal=True),
        Field("patronymic", keys("Отчество", "Участник Отчество"), personal=True),
        Field(
            "full_name",
            keys("ФИО", "Ф.И.О.", "ФИО участника", "Фамилия, имя, отчество", "Участник"),
            personal=True,
        ),
        Field("birth_date", keys("Дата рождения", "Участник Дата рождения"), personal=True),
        Field(
            "municipality_name",
            keys("Муниципальное образование", "Муниципалитет", "МО", "Территория"),
        ),
        Field(
            "school_code",
            keys("Код ОО", "Код ОУ", "Код образовательной организации"),
            "code",
            pattern=r"\d{4,8}",
            description="РЦОИ school code when the protocol carries it",
        ),
        Field(
            "school_name",
            keys(
                "Образовательная организация",
                "Образовательная организация (полное наименование)",
                "Образовательная организация (сокращенное наименование)",
                "Наименование ОО",
                "ОО",
                "Образовательное учреждение",
                "Школа",
            ),
            required=True,
            header_required=True,
            description="the school as written; resolved in the warehouse",
        ),
        Field(
            "class_label",
            keys("Класс", "Класс обучения", "Класс участия"),
            required=True,
            pattern=r"\d{1,2}\s*[А-Яа-яA-Za-z]?",
        ),
        Field(
            "status",
            keys("Статус", "Статус участника", "Тип диплома", "Результат участия"),
            required=True,
            header_required=True,
            pattern=STATUS_PATTERN,
        ),
        Field(
            "score",
            keys(
                "Результат (балл)",
                "Балл",
                "Баллы",
                "Результат Балл",
                "Итоговый балл",
                "Набранный балл",
                "Результат",
                "Количество баллов",
            ),
            "number",
            required=True,
            min_value=0,
            header_required=True,
        ),
        Field(
            "max_score",
            keys(
                "Максимальный балл",
                "Макс. балл",
                "Результат Макс. балл",
                "Максимально возможный балл",
                "Максимальное количество баллов",
            ),
            "number",
            min_value=0,
        ),
    )
    context_columns = {
        "stage": "varchar",
        "subject_title": "varchar",
        "title_municipality_name": "varchar",
    }
    derived = {
        "person_key": (
            "varchar",
            person_key_sql(
                "academic_year::varchar",
                "region_code",
                "coalesce(nullif(concat_ws(' ', surname, first_name, patronymic), ''), full_name)",
            ),
        ),
        "grade": ("integer", "try_cast(regexp_extract(class_label, '^(\\d{1,2})', 1) as integer)"),
        "subject_key": ("varchar", "msoko_subject_key(subject_title)"),
        "has_person_name": (
            "boolean",
            "coalesce(nullif(concat_ws(' ', surname, first_name, patronymic), ''), full_name) "
            "is not null",
        ),
    }
    skip_labels = (
        (r"^(председател|члены жюри|член жюри|секретар|жюри)", "footer"),
        (r"^(дата проведения|место проведения)", "footer"),
    )
    row_checks = (
        (
            "v_max_score is not null and v_score > v_max_score",
            "score",
            "score above the protocol's maximum",
        ),
    )

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        title = " ".join(layout.title_lines)
        match = _TITLE.search(title)
        if match is None:
            raise LayoutError(
                "the protocol title (e.g. 'Протокол муниципального этапа всероссийской олимпиады "
                "школьников по математике 2023/24 учебного года': stage, subject, academic year) "
                "was not found above the header"
            )
        start = int(match["y1"])
        end = int(match["y2"])
        if end % 100 != (start + 1) % 100:
            raise LayoutError(f"the academic year in the title is not a year pair: {match[0]!r}")
        municipality = None
        for line in layout.title_lines:
            found = _MUNICIPALITY.match(clean_text(line))
            if found:
                municipality = found["name"].strip()
        stage = next(v for k, v in _STAGES.items() if match["stage"].lower().startswith(k))
        return FileContext(
            academic_year=start,
            values={
                "stage": stage,
                "subject_title": match["subject"].strip(),
                "title_municipality_name": municipality,
            },
        )

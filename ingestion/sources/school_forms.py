"""School monitoring forms: what a municipality compiles from its schools each year (DOMAIN §6.1).

Shape: one workbook per municipality and academic year, one sheet per form, one row per school
(identified by "Код ОО" and/or "Логин ФИС ОКО", plus its name), a totals row "Итого по МО" at
the bottom. Every sheet has title rows naming the academic year ("2022/2023 учебный год", or a
date "на 01.09.2022") and a two-row merged header (a group such as "Обучающиеся по классам на
01.09" over "1 кл." … "11 кл."):

- «Контингент»: pupils by grade 1–11 and in total on 1 September, classes, classes on adapted
  programmes (ОВЗ: an aggregated count only, never a pupil), graduates of grades 9 and 11;
- «Кадры»: teachers in total, under 35, 50 and over, with higher education, highest and first
  category, completed КПК in the period, young specialists arrived, managers, дефектологи and
  логопеды. The age header decides the convention: "50 лет и старше" = age ≥ 50 (``ge_50``),
  "старше 50 лет" / "более 50 лет" = age > 50 (``gt_50``), kept in ``teachers_over_50_rule``;
- «Социальный паспорт»: the pupils the passport covers and, per school, the number of pupils
  under each of the 9 significant factors of seed 001 App. 1 and the 8 factors of App. 2;
- «Выпускники»: medal candidates and medalists by degree, graduates of grade 11 continuing to
  ВО / СПО (by profile, in the own region) and of grade 9 to СПО.

One lake row per school × sheet (the fields of other sheets are NULL); staging joins a school's
sheets. The totals row is loaded with ``is_total_row = true`` so that the arrival suite can
check it against the sum of the school rows; the warehouse never treats it as a school.

"-" per column: in a grade column it means the school has no such grade (not applicable:
NULL); in every count of people (teachers, factors, medalists, graduates) it means none (0).
Decimal commas are accepted ("12,0"); a count that is not whole, negative or has letters is
quarantined at its cell, as are rows whose parts exceed their whole (teachers under 35 and 50+
above all teachers; grades not adding up to the total; a factor above the passport's pupils).
"""

from __future__ import annotations

from ingestion.engine import FileContext, FileVersion, Reader
from ingestion.layout import DashMeaning, Field, Layout, LayoutError, keys
from ingestion.normalize import (
    academic_year_of_date,
    clean_text,
    find_academic_year,
    find_date,
    header_key,
    unspace_letters,
)
from ingestion.sheets import Grid

# (field, header as the template writes it, seed 001 wording, appendix, sign): the order of
# seed 001 App. 1 and App. 2. The sign is the factor's direction of influence on results.
FACTORS: tuple[tuple[str, str, str, int, int], ...] = (
    ("sp_large_family", "Многодетные семьи", "из многодетных семей (3 и более детей)", 1, -1),
    ("sp_non_native_russian", "Русский язык не родной", "русский язык не является родным", 1, -1),
    ("sp_one_parent_higher_ed", "Один из родителей с ВО", "один из родителей имеет высшее образование", 1, 1),
    ("sp_both_parents_higher_ed", "Оба родителя с ВО", "оба родителя имеют высшее образование", 1, 1),
    ("sp_both_parents_unemployed", "Оба родителя безработные", "оба родителя являются безработными", 1, -1),
    ("sp_parent_disabled", "Родитель-инвалид", "хотя бы один из родителей является инвалидом", 1, -1),
    ("sp_foster_guardianship", "Приёмные семьи, опека", "из приемных семей, в т.ч. под опекой", 1, -1),
    ("sp_social_danger", "Семьи в СОП", "из семей в социально опасном положении", 1, -1),
    ("sp_kdn_register", "На учёте в КДН", "состоящих на учете в КДН", 1, -1),
    ("sp_single_parent", "Неполные семьи", "проживающих в неполных семьях", 2, -1),
    ("sp_low_income", "Доход ниже ПМ", "доход на члена семьи ниже прожиточного минимума", 2, -1),
    ("sp_one_parent_unemployed", "Один родитель безработный", "только один из родителей безработный", 2, -1),
    ("sp_poor_housing", "Неблагоустроенное жильё", "проживающих в неблагоустроенном жилье", 2, -1),
    ("sp_partly_poor_housing", "Неблагоустроенное и частично благоустроенное жильё", "в неблагоустроенном и частично благоустроенном жилье", 2, -1),
    ("sp_school_bus", "Подвоз школьным автобусом", "подвозимых школьным автобусом", 2, -1),
    ("sp_disabled_adapted", "Дети-инвалиды и обучающиеся по АОП", "дети-инвалиды и обучающиеся по адаптированным программам", 2, -1),
    ("sp_intraschool_register", "Внутришкольный учёт", "состоящих на внутришкольном учете", 2, -1),
)  # fmt: skip

# upper header texts the reader accepts over the grade / teacher / factor / graduate columns
_GRADE_GROUPS = (
    "Обучающиеся по классам на 01.09",
    "Численность обучающихся на 01.09",
    "Численность обучающихся по классам",
    "Контингент по классам",
    "Обучающихся",
)
_TEACHER_GROUPS = (
    "Педагогические работники",
    "Педагогические работники, чел.",
    "Педагоги",
    "Учителя",
)
_FACTOR_GROUPS = (
    "Значимые факторы (Приложение 1), чел.",
    "Факторы без значимого влияния (Приложение 2), чел.",
    "Значимые факторы, чел.",
    "Прочие факторы, чел.",
    "Количество обучающихся",
    "Численность обучающихся",
)
_GRADUATE_GROUPS = (
    "Выпускники 11 классов, продолжившие обучение",
    "Выпускники 11 класса, продолжившие обучение",
    "Выпускники 9 классов, продолжившие обучение",
    "Выпускники 9 класса, продолжившие обучение",
    "Выпускники, продолжившие обучение",
    "Медалисты",
    "Медаль «За особые успехи в учении»",
)


def _key(text: str) -> str:
    """A header text as ``find_layout`` compares it (short words joined as OCR repair does)."""
    return header_key(unspace_letters(clean_text(text)))


def _grouped(groups: tuple[str, ...], *lowers: str) -> tuple[str, ...]:
    """Header keys of a column: its own texts, alone or under any of the group headers."""
    out = [_key(lower) for lower in lowers]
    for group in groups:
        for lower in lowers:
            out.append(f"{_key(group)} {_key(lower)}")
    return tuple(dict.fromkeys(out))


def _count(
    name: str,
    groups: tuple[str, ...],
    *headers: str,
    dash: DashMeaning = "zero",
    description: str = "",
) -> Field:
    return Field(
        name,
        _grouped(groups, *headers),
        "int",
        min_value=0,
        dash=dash,
        description=description,
    )


_GRADES = tuple(
    _count(
        f"pupils_grade_{g}",
        _GRADE_GROUPS,
        f"{g} кл.",
        f"{g} класс",
        f"{g} классы",
        f"{g}-й класс",
        dash="not_applicable",
        description=f"pupils of grade {g} on 1 September ('-': the school has no grade {g})",
    )
    for g in range(1, 12)
)

_TOTAL_LABEL = r"^(итого|всего|по мо|по муниципал|по району|по округу|по городу)"

_SUM_OF_GRADES = " + ".join(f"coalesce(v_pupils_grade_{g}, 0)" for g in range(1, 12))
_ANY_GRADE = "coalesce(" + ", ".join(f"v_pupils_grade_{g}" for g in range(1, 12)) + ")"


class SchoolFormsReader(Reader):
    name = "school_forms"
    table = "school_form_rows"
    title = "Мониторинг ОО муниципалитета (контингент, кадры, социальный паспорт, выпускники)"
    grain = "one row per school (or the totals row) × sheet of a municipality's monitoring workbook"
    keep_total_rows = True
    fields = (
        Field(
            "school_code",
            keys("Код ОО", "Код ОО (РЦОИ)", "Код организации", "Код школы"),
            "code",
            pattern=r"\d{3,12}",
            description="the РЦОИ school code (Код ОО); a row needs it or the ФИС ОКО login",
        ),
        Field(
            "fisoko_login",
            keys("Логин ФИС ОКО", "Логин ОО", "Логин ОО в ФИС ОКО", "Логин"),
            "code",
            pattern=r"[A-Za-z0-9_.-]{3,40}",
        ),
        Field(
            "school_name",
            keys(
                "Наименование ОО",
                "Наименование организации",
                "Образовательная организация",
                "Наименование",
                "ОО",
            ),
            required=True,
            header_required=True,
        ),
        # ---- Контингент
        *_GRADES,
        _count(
            "pupils_total",
            _GRADE_GROUPS,
            "Всего",
            "Итого",
            "Всего обучающихся",
            "Всего обучающихся на 01.09",
        ),
        _count(
            "classes_total",
            (),
            "Количество классов",
            "Классов",
            "Классов-комплектов",
            "Всего классов",
        ),
        _count(
            "classes_adapted",
            (),
            "Из них классов по АООП (ОВЗ)",
            "Классов по АООП (ОВЗ)",
            "Классов для обучающихся с ОВЗ",
            "Классов по адаптированным программам",
        ),
        _count("graduates_9", (), "Выпускников 9 классов", "Выпускники 9 класса", "Выпуск 9 кл."),
        _count(
            "graduates_11", (), "Выпускников 11 классов", "Выпускники 11 класса", "Выпуск 11 кл."
        ),
        # ---- Кадры
        _count("teachers_total", _TEACHER_GROUPS, "Всего", "Всего педагогических работников"),
        _count(
            "teachers_under_35",
            _TEACHER_GROUPS,
            "До 35 лет",
            "В возрасте до 35 лет",
            "Моложе 35 лет",
        ),
        _count(
            "teachers_over_50",
            _TEACHER_GROUPS,
            "50 лет и старше",
            "В возрасте 50 лет и старше",
            "Старше 50 лет",
            "Более 50 лет",
            "В возрасте более 50 лет",
        ),
        _count(
            "teachers_higher_ed", _TEACHER_GROUPS, "С высшим образованием", "Высшее образование"
        ),
        _count(
            "teachers_cat_highest",
            _TEACHER_GROUPS,
            "Высшая категория",
            "Высшая квалификационная категория",
        ),
        _count(
            "teachers_cat_first",
            _TEACHER_GROUPS,
            "Первая категория",
            "Первая квалификационная категория",
        ),
        _count(
            "teachers_kpk_period",
            _TEACHER_GROUPS,
            "Прошли КПК за 3 года",
            "Прошли КПК",
            "Прошли курсы повышения квалификации за 3 года",
        ),
        _count(
            "young_specialists_arrived",
            _TEACHER_GROUPS,
            "Молодые специалисты (прибыли)",
            "Прибыло молодых специалистов",
            "Молодые специалисты",
        ),
        _count(
            "managers_total", (), "Руководящие работники", "Руководители", "Управленческие кадры"
        ),
        _count(
            "specialists_defectologist_logoped",
            (),
            "Дефектологи, логопеды",
            "Учителя-дефектологи, логопеды",
            "Учителя-логопеды, дефектологи",
        ),
        # ---- Социальный паспорт
        _count(
            "context_pupils",
            (),
            "Обучающихся в социальном паспорте",
            "Всего обучающихся (социальный паспорт)",
            "Охвачено социальным паспортом",
        ),
        *(
            _count(code, _FACTOR_GROUPS, header, wording, description=f"pupils {wording}")
            for code, header, wording, _, _ in FACTORS
        ),
        # ---- Выпускники
        _count("medal_candidates", (), "Претенденты на медаль", "Претендентов на медаль"),
        _count("medalists_1", _GRADUATE_GROUPS, "I степени", "1 степени", "Медалисты I степени"),
        _count("medalists_2", _GRADUATE_GROUPS, "II степени", "2 степени", "Медалисты II степени"),
        _count("grads11_higher_ed", _GRADUATE_GROUPS, "11 кл. в ВО", "Поступили в ВО", "В вузы"),
        _count("grads11_vocational", _GRADUATE_GROUPS, "11 кл. в СПО", "Поступили в СПО (11 кл.)"),
        _count(
            "grads11_by_profile",
            _GRADUATE_GROUPS,
            "11 кл. по профилю обучения",
            "В соответствии с профилем обучения",
        ),
        _count("grads11_own_region", _GRADUATE_GROUPS, "11 кл. в своем регионе", "В своем регионе"),
        _count("grads9_vocational", _GRADUATE_GROUPS, "9 кл. в СПО", "Поступили в СПО (9 кл.)"),
    )
    context_columns = {"form_title": "varchar", "teachers_over_50_rule": "varchar"}
    derived = {
        "is_total_row": (
            "boolean",
            f"regexp_matches(lower(coalesce(school_name, '')), '{_TOTAL_LABEL}')",
        )
    }
    row_checks = (
        (
            f"v_school_code is null and v_fisoko_login is null "
            f"and not regexp_matches(lower(coalesce(v_school_name, '')), '{_TOTAL_LABEL}')",
            "school_code",
            "neither 'Код ОО' nor 'Логин ФИС ОКО': the school cannot be identified",
        ),
        (
            f"v_pupils_total is not null and {_ANY_GRADE} is not null "
            f"and {_SUM_OF_GRADES} <> v_pupils_total",
            "pupils_total",
            "the grades do not add up to the total",
        ),
        (
            "v_teachers_under_35 + v_teachers_over_50 > v_teachers_total",
            "teachers_under_35",
            "teachers under 35 and 50+ together exceed all teachers",
        ),
        (
            "v_teachers_higher_ed > v_teachers_total",
            "teachers_higher_ed",
            "more teachers with higher education than teachers",
        ),
        (
            "v_teachers_cat_highest + v_teachers_cat_first > v_teachers_total",
            "teachers_cat_highest",
            "more teachers with a category than teachers",
        ),
        (
            "v_classes_adapted > v_classes_total",
            "classes_adapted",
            "more adapted classes than classes",
        ),
        (
            "v_medalists_1 + v_medalists_2 > v_medal_candidates",
            "medalists_1",
            "more medalists than medal candidates",
        ),
        *(
            (
                f"v_{code} > v_context_pupils",
                code,
                "more pupils under a factor than pupils in the social passport",
            )
            for code, *_ in FACTORS
        ),
    )

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        title = " ".join(layout.title_lines)
        year = find_academic_year(title)
        if year is None and (day := find_date(title)) is not None:
            year = academic_year_of_date(day)
        if year is None:
            raise LayoutError(
                "the academic year (e.g. '2022/2023 учебный год' or 'на 01.09.2022') was not "
                "found above the header"
            )
        rule = None
        if "teachers_over_50" in layout.labels:
            label = header_key(layout.labels["teachers_over_50"]).replace(" ", "")
            rule = "ge_50" if "истарше" in label else "gt_50"
        return FileContext(year, {"form_title": title[:200], "teachers_over_50_rule": rule})

"""The file layouts the generators write and the tests read: one definition of each header.

Imported by the demo generator (``ingestion.samples``), the benchmark's scale generator
(``bench/scale_generator.py``) and the tests, so that a header changes in one place.
"""

from __future__ import annotations

# The school registry (the «Реестр ОО»), columns A … O.
REGISTRY_HEADER = [
    "№ п/п",
    "Код ОО (РЦОИ)",
    "Логин ФИС ОКО",
    "Полное наименование",
    "Краткое наименование",
    "Муниципальное образование",
    "Код МСУ",
    "Тип ОО",
    "Код головной ОО",
    "Местность",
    "Населённый пункт",
    "ИНН",
    "КПП",
    "ОГРН",
    "Статус",
]
# The registry of a year with reorganisations: a sixteenth column P names the successor.
REGISTRY_SUCCESSOR_HEADER = [*REGISTRY_HEADER, "Код правопреемника"]
# The optional ОКТМО column (Q): the demo's latest snapshot gives it, typed as a number (the
# way Excel keeps it: 08901000 → 8901000); the earlier ones do not.
REGISTRY_OKTMO_HEADER = [*REGISTRY_SUCCESSOR_HEADER, "ОКТМО"]
# The list of registry changes of a year.
CHANGES_HEADER = [
    "№ п/п",
    "Дата изменения",
    "Код ОО",
    "Логин ФИС ОКО",
    "Вид изменения",
    "Прежнее значение",
    "Новое значение",
    "Основание",
]
# РЦОИ «ведомости»: ЕГЭ (A … O; "Балл" is column O), базовая математика, ОГЭ (A … N).
EGE_HEADER = [
    "№",
    "Код МСУ",
    "Код ОО",
    "Класс",
    "Код ППЭ",
    "Аудитория",
    "Фамилия",
    "Имя",
    "Отчество",
    "Серия",
    "Номер",
    "Задания с кратким ответом",
    "Задания с развёрнутым ответом",
    "Первичный балл",
    "Балл",
]
EGE_BASE_HEADER = [*EGE_HEADER[:12], "Первичный балл", "Оценка"]


OGE_HEADER = [
    "№",
    "Код МСУ",
    "Код ОО",
    "Класс",
    "Код ППЭ",
    "Аудитория",
    "Фамилия",
    "Имя",
    "Отчество",
    "Документ",
    "Задания с кратким ответом",
    "Задания с развёрнутым ответом",
    "Первичный балл",
    "Оценка",
]
# ФИС ОКО «Статистика по отметкам», the counts layout: school, class, subject, participants,
# marks; then the comparison with the journal marks (one column each, or one merged header).
VPR_COUNTS_COLUMNS = [
    "Логин ОО",
    "Наименование ОО",
    "Класс",
    "Предмет",
    "Кол-во уч.",
    "Кол-во «2»",
    "Кол-во «3»",
    "Кол-во «4»",
    "Кол-во «5»",
]
VPR_COUNTS_HEADER = [
    *VPR_COUNTS_COLUMNS,
    "Понизили (Отметка < Отметка по журналу)",
    "Подтвердили (Отметка = Отметка по журналу)",
    "Повысили (Отметка > Отметка по журналу)",
]
# The municipal stage of the olympiad: a protocol's header.
MUNICIPAL_OLYMPIAD_HEADER = [
    "№ п/п",
    "Фамилия",
    "Имя",
    "Отчество",
    "Дата рождения",
    "Образовательная организация",
    "Класс",
    "Статус",
    "Результат (балл)",
    "Максимальный балл",
]

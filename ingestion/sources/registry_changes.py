"""The school registry's change list: what changed in the registry during an academic year.

Shape: a title "Изменения в реестре общеобразовательных организаций … за 2022/2023 учебный
год" (the academic year), then one row per change: its date, the school's Код ОО before the
change (and optionally its ФИС ОКО login), the kind of change ("Переименование", "Изменение
типа", "Смена кода ОО", "Ликвидация", "Реорганизация (присоединение)", "Открытие филиала" —
mapped to codes by the registry_change_types seed in the warehouse), the old and the new value.

The successive registry snapshots say WHAT changed; the change list says WHEN: the warehouse
dates a version of dim_school_history from the change list where a change of the school is
listed, else from the as-of date of the first snapshot that shows it. A code change listed
here also links the old Код ОО to the new one, besides the login/ИНН+КПП the snapshots share.
A date that is not a date goes to quarantine at its cell.
"""

from __future__ import annotations

from ingestion.engine import FileContext, FileVersion, Reader
from ingestion.layout import Field, Layout, LayoutError, keys
from ingestion.normalize import find_academic_year
from ingestion.sheets import Grid

_DATE_SQL = (
    "coalesce(try_strptime(change_date_text, '%d.%m.%Y'), "
    "try_strptime(left(change_date_text, 10), '%Y-%m-%d'))"
)


class RegistryChangesReader(Reader):
    name = "registry_changes"
    table = "changes"
    title = "Изменения в реестре общеобразовательных организаций"
    grain = "one row per change of a school in the registry (date × school × kind of change)"
    fields = (
        Field("row_number", keys("№", "№ п/п"), "int"),
        Field(
            "change_date_text",
            keys("Дата изменения", "Дата", "Дата приказа"),
            required=True,
            header_required=True,
        ),
        Field(
            "school_code",
            keys("Код ОО", "Код ОО (РЦОИ)", "Код ОУ"),
            "code",
            required=True,
            header_required=True,
            pattern=r"\d{4,8}",
        ),
        Field(
            "fisoko_login",
            keys("Логин ФИС ОКО", "Логин ОО", "Логин"),
            "code",
            pattern=r"sch\d{6,8}",
        ),
        Field(
            "change_kind",
            keys("Вид изменения", "Тип изменения", "Изменение"),
            required=True,
            header_required=True,
        ),
        Field("old_value", keys("Прежнее значение", "Было", "Старое значение")),
        Field("new_value", keys("Новое значение", "Стало")),
        Field("basis", keys("Основание", "Документ")),
    )
    derived = {"change_date": ("date", f"cast({_DATE_SQL} as date)")}
    row_checks = (
        (
            "v_change_date_text is not null and "
            "try_strptime(v_change_date_text, '%d.%m.%Y') is null and "
            "try_strptime(left(v_change_date_text, 10), '%Y-%m-%d') is null",
            "change_date_text",
            "not a date (expected 30.06.2022 or 2022-06-30)",
        ),
    )

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        for line in layout.title_lines:
            year = find_academic_year(line)
            if year:
                return FileContext(year)
        raise LayoutError(
            "the academic year of the change list (e.g. 'за 2022/2023 учебный год') was not "
            "found above the header"
        )

"""The school registry: one snapshot of the region's general-education organisations per year.

Shape: a title "Реестр общеобразовательных организаций … на 01.09.2022" (the as-of date decides
the academic year), then one row per school or branch with its identifiers (РЦОИ "Код ОО",
ФИС ОКО login, ИНН, КПП, ОГРН), names, municipality, type, parent (for a branch), urban/rural
location and status. Successive snapshots make the registry's history.
"""

from __future__ import annotations

from ingestion.engine import FileContext, LandingFile, Reader
from ingestion.layout import Field, Layout, LayoutError, keys
from ingestion.normalize import academic_year_of_date, find_academic_year, find_date
from ingestion.sheets import Grid


class RegistryReader(Reader):
    name = "registry"
    table = "schools"
    title = "Реестр общеобразовательных организаций"
    grain = "one row per school (or branch) × registry snapshot"
    fields = (
        Field("row_number", keys("№", "№ п/п"), "int"),
        Field(
            "school_code",
            keys("Код ОО", "Код ОО (РЦОИ)", "Код ОУ", "Код организации"),
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
        Field("full_name", keys("Полное наименование", "Полное наименование ОО"), required=True),
        Field(
            "short_name",
            keys("Краткое наименование", "Сокращённое наименование", "Сокращенное наименование"),
        ),
        Field(
            "municipality_name",
            keys("Муниципальное образование", "Муниципалитет", "МО"),
            required=True,
        ),
        Field("msu_code", keys("Код МСУ", "Код МО"), "code", pattern=r"\d{1,4}"),
        Field("school_type", keys("Тип ОО", "Тип", "Вид ОО"), required=True),
        Field(
            "parent_school_code",
            keys("Код головной ОО", "Филиал (код головной ОО)", "Головная ОО"),
            "code",
            pattern=r"\d{4,8}",
        ),
        Field(
            "settlement_type",
            keys("Местность", "Тип местности", "Город/село"),
            pattern=r"(?i)(город|село|городская|сельская)",
        ),
        Field("settlement_name", keys("Населённый пункт", "Населенный пункт")),
        Field("inn", keys("ИНН"), "code", pattern=r"\d{10}"),
        Field("kpp", keys("КПП"), "code", pattern=r"\d{9}"),
        Field("ogrn", keys("ОГРН"), "code", pattern=r"\d{13}"),
        Field(
            "status",
            keys("Статус", "Состояние"),
            pattern=r"(?i)(действует|действующая|ликвидирована|закрыта|реорганизована|приостановлена)",
        ),
    )
    context_columns = {"as_of_date": "date"}

    def context(self, grid: Grid, layout: Layout, file: LandingFile) -> FileContext:
        for line in layout.title_lines:
            day = find_date(line)
            if day:
                return FileContext(academic_year_of_date(day), {"as_of_date": day})
            year = find_academic_year(line)
            if year:
                return FileContext(year, {"as_of_date": None})
        raise LayoutError(
            "the registry's as-of date (e.g. 'на 01.09.2022') was not found above the header"
        )

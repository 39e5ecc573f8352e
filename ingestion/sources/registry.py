"""The school registry: one snapshot of the region's general-education organisations per year.

Shape: a title "Реестр общеобразовательных организаций … на 01.09.2022" (the as-of date decides
the academic year), then one row per school or branch with its identifiers (РЦОИ "Код ОО",
ФИС ОКО login, ИНН, КПП, ОГРН), names, municipality, type, parent (for a branch), urban/rural
location and status (a merged school names its successor's Код ОО). Successive snapshots make
the registry's history; the change list (registry_changes.py) dates what changed between them.

Identifier checks (DOMAIN §3.1, C12, severity error): ИНН 10 digits with its check digit
(weights 2,4,10,3,5,9,4,6,8; (Σ mod 11) mod 10), ОГРН 13 digits with (int(first 12) mod 11)
mod 10, КПП 9 characters (4 digits, 2 digits or capital Latin letters, 3 digits), the ФИС ОКО
login `sch` + 6–8 digits. A row that fails one goes to quarantine at its cell.
"""

from __future__ import annotations

from ingestion.engine import FileContext, FileVersion, Reader
from ingestion.layout import Field, Layout, LayoutError, keys
from ingestion.normalize import academic_year_of_date, find_academic_year, find_date
from ingestion.sheets import Grid


def _digit(col: str, position: int) -> str:
    return f"try_cast(substr({col}, {position}, 1) as integer)"


_INN_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
#: SQL true when a 10-digit ИНН's check digit is wrong (other lengths fail the pattern)
INN_CHECK_FAILS = (
    "(length({col}) = 10 and regexp_full_match({col}, '[0-9]{{10}}') and ("
    + " + ".join(f"{w} * {_digit('{col}', i)}" for i, w in enumerate(_INN_WEIGHTS, start=1))
    + f") % 11 % 10 <> {_digit('{col}', 10)})"
)
#: SQL true when a 13-digit ОГРН's check digit is wrong
OGRN_CHECK_FAILS = (
    "(length({col}) = 13 and regexp_full_match({col}, '[0-9]{{13}}') and "
    "try_cast(substr({col}, 1, 12) as bigint) % 11 % 10 <> try_cast(substr({col}, 13, 1) as integer))"
)


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
        # optional: the municipality's ОКТМО (ОК 033-2013), 8 digits (11 for a settlement);
        # typed as a number, Excel drops its leading zero (08603000 → 8603000): staging puts it
        # back. Without the column the seed municipality_oktmo names the municipality's code.
        Field("oktmo", keys("ОКТМО", "Код ОКТМО", "ОКТМО МО"), "code", pattern=r"\d{7,8}(\d{3})?"),
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
        Field("kpp", keys("КПП"), "code", pattern=r"\d{4}[0-9A-Z]{2}\d{3}"),
        Field("ogrn", keys("ОГРН"), "code", pattern=r"\d{13}"),
        Field(
            "status",
            keys("Статус", "Состояние"),
            pattern=(
                r"(?i)(действует|действующая|ликвидирована|закрыта|реорганизована|приостановлена)"
                r"(\s.*)?"
            ),
        ),
        Field(
            "successor_school_code",
            keys("Код правопреемника", "Правопреемник (код ОО)", "Код ОО правопреемника"),
            "code",
            pattern=r"\d{4,8}",
        ),
    )
    context_columns = {"as_of_date": "date"}
    # 2: the optional ОКТМО column is read (files read before are read again, once)
    reader_version = 2
    row_checks = (
        (INN_CHECK_FAILS.format(col="v_inn"), "inn", "ИНН check digit does not match"),
        (OGRN_CHECK_FAILS.format(col="v_ogrn"), "ogrn", "ОГРН check digit does not match"),
    )

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
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

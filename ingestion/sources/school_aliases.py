"""School names as a user tells the warehouse to read them: an alias file in the landing folder.

When a school name a source writes cannot be resolved to one registry school (ambiguous: the
bare «МБОУ СОШ №2» of a district with a СОШ № 2 in two villages; unknown: a popular name), the
user names the school in a small file, without editing the repository:
``landing/school_aliases/<anything>.xlsx|csv``.

Shape: a title line naming the academic year from which the aliases hold («Написания названий
школ, с 2022/2023 учебного года»), then ``Муниципалитет | Наименование как написано | Код ОО |
Примечание``: the municipality as the source or the registry names it (any grammatical case),
the name exactly as the source writes it (case, ё, quotes and spacing do not matter), the
school's РЦОИ Код ОО. An alias holds for the academic year of the title and every later one;
for the same municipality and name it wins over the ``school_name_aliases`` seed
(docs/sources/school-names.md). A code that is not a code is quarantined at its cell.
"""

from __future__ import annotations

from ingestion.engine import FileContext, FileVersion, Reader
from ingestion.layout import Field, Layout, LayoutError, keys
from ingestion.normalize import find_academic_year
from ingestion.sheets import Grid


class SchoolAliasesReader(Reader):
    name = "school_aliases"
    table = "aliases"
    title = "Написания названий школ (псевдонимы): муниципалитет, наименование, Код ОО"
    grain = "one row per municipality × school name as written, with the Код ОО it names"
    fields = (
        Field("row_number", keys("№", "№ п/п"), "int"),
        Field(
            "municipality_name",
            keys("Муниципалитет", "Муниципальное образование", "Территория", "МО"),
            required=True,
            header_required=True,
        ),
        Field(
            "name_as_written",
            keys(
                "Наименование как написано",
                "Как написано",
                "Написание",
                "Название в файле",
                "Наименование ОО как написано",
                "Наименование ОО (как в файле)",
            ),
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
        Field("note", keys("Примечание", "Комментарий", "Основание")),
    )

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        for line in layout.title_lines:
            year = find_academic_year(line)
            if year:
                return FileContext(year)
        raise LayoutError(
            "the academic year from which the aliases hold (e.g. 'с 2022/2023 учебного года') "
            "was not found above the header"
        )

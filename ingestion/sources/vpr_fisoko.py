"""ВПР results per school as ФИС ОКО's "Аналитика" reports give them (many schools per file).

Shape: a title naming the campaign ("ВПР 2022/2023 учебного года", "ВПР-2023 (весна)",
"ВПР осень 2022"), a header with the school login ("Логин ОО"), grade, subject, the number of
participants, the distribution of marks as counts (""2"" … ""5"") or as percentages
(%"2" … %"5"), and the comparison with the journal mark (Понизили / Подтвердили / Повысили,
counts). Nested summary rows ("Вся выборка", the region, the municipality) are skipped.

Autumn campaigns (2020, 2022) tested the previous grade's programme: their results belong to
the academic year of that programme (DOMAIN §2.1), like the spring campaign of the same year.
"""

from __future__ import annotations

import re

from ingestion.engine import FileContext, FileVersion, Reader
from ingestion.layout import Field, FieldKind, Layout, LayoutError, keys
from ingestion.normalize import find_academic_year
from ingestion.sheets import Grid

_CAMPAIGN = re.compile(r"ВПР\D{0,12}?(?P<year>20\d\d)(?P<rest>.*)", re.I)


def _marks(prefix_texts: tuple[str, ...], kind: FieldKind, suffix: str) -> tuple[Field, ...]:
    out = []
    for mark in (2, 3, 4, 5):
        headers = keys(*(t.format(m=mark) for t in prefix_texts))
        out.append(
            Field(
                f"mark{mark}_{suffix}",
                headers,
                kind,
                min_value=0,
                max_value=100 if suffix == "pct" else None,
            )
        )
    return tuple(out)


class VprFisokoReader(Reader):
    name = "vpr_fisoko"
    table = "vpr_school_results"
    title = "ВПР: результаты по ОО (ФИС ОКО)"
    grain = "one row per school × grade × subject of a ВПР campaign"
    fields = (
        Field(
            "school_login",
            keys("Логин ОО", "Логин", "ОО (логин)", "Код ОО"),
            "code",
            required=True,
            header_required=True,
            pattern=r"sch\d{6,8}",
        ),
        Field("school_name", keys("Наименование ОО", "ОО", "Образовательная организация")),
        Field("grade", keys("Класс", "Параллель"), "int", required=True, min_value=4, max_value=11),
        Field("subject_name", keys("Предмет"), required=True, header_required=True),
        Field(
            "participants",
            keys("Кол-во уч.", "Количество участников", "Кол-во участников", "Участников"),
            "int",
            required=True,
            min_value=0,
        ),
        *_marks(
            ('"{m}"', "Кол-во «{m}»", 'Кол-во "{m}"', "Количество «{m}»", "Отметка {m}"),
            "int",
            "count",
        ),
        *_marks(('%"{m}"', "% «{m}»", '% "{m}"', "%{m}", "Доля «{m}»"), "number", "pct"),
        Field(
            "journal_lowered",
            keys("Понизили*", "Сравнение отметок с отметками по журналу Понизили*"),
            "int",
            min_value=0,
            track_missing=True,
        ),
        Field(
            "journal_confirmed",
            keys("Подтвердили*", "Сравнение отметок с отметками по журналу Подтвердили*"),
            "int",
            min_value=0,
            track_missing=True,
        ),
        Field(
            "journal_raised",
            keys("Повысили*", "Сравнение отметок с отметками по журналу Повысили*"),
            "int",
            min_value=0,
            track_missing=True,
        ),
    )
    context_columns = {"campaign": "varchar", "is_autumn_campaign": "boolean"}
    derived = {"subject_key": ("varchar", "msoko_subject_key(subject_name)")}
    # A row without a login whose name is not a school's is a summary row of the hierarchy
    # (РФ → region → municipality → school); a school-like name without a login is an error.
    skip_conditions = (
        (
            "msoko_clean(f_school_login) is null and f_participants is not null and not "
            "regexp_matches(lower(coalesce(f_school_name, _label)), "
            "'(школ|сош|оош|нош|гимназ|лицей|мбоу|маоу|мкоу|гбоу|чоу|филиал|центр образования)')",
            "total",
        ),
    )

    def context(self, grid: Grid, layout: Layout, file: FileVersion) -> FileContext:
        for line in layout.title_lines:
            year = find_academic_year(line)
            match = _CAMPAIGN.search(line)
            autumn = bool(re.search(r"осен", line, re.I))
            if year is not None:
                return FileContext(year, {"campaign": line[:120], "is_autumn_campaign": autumn})
            if match:
                # spring Y tests the (Y-1)/Y programme; so does autumn Y (the previous grade's)
                return FileContext(
                    int(match["year"]) - 1, {"campaign": line[:120], "is_autumn_campaign": autumn}
                )
        raise LayoutError(
            "the ВПР campaign (e.g. 'ВПР 2022/2023 учебного года' or 'ВПР-2023 весна') "
            "was not found above the header"
        )

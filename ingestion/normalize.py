"""Normalising what people type: numbers ("1,8", "70 (28,57%)", "Нет данных"), headers, names, codes.

Cell values are normalised in DuckDB SQL (``SQL_MACROS``) so that the same code serves ten
schools and forty thousand; header texts and titles, which are few, are normalised in Python.
"""

from __future__ import annotations

import re
from datetime import date

# ---------------------------------------------------------------- SQL (cell values, vectorised)

#: Installed into every ingestion connection. Apart from ``msoko_clean``, the macros take text
#: that ``msoko_clean`` has already cleaned: macros expand inline, and nesting them multiplies
#: the expression size (a 550-row sheet once took 20 s to plan). RE2 has no look-around.
SQL_MACROS = r"""
create or replace macro msoko_clean(s) as
    nullif(trim(regexp_replace(replace(s::varchar, chr(160), ' '), '\s+', ' ', 'g')), '');

-- What a missing-looking (cleaned) cell says: NULL when the cell holds a value.
-- Lists of values are matched as regular expressions, not with IN (...): a typing statement
-- holds one of these per field, and DuckDB 2.0 took seconds to prepare a statement with a
-- hundred IN lists (100 × msoko_missing_kind: 24 s on an empty table; as regexes: 0.2 s).
create or replace macro msoko_missing_kind(c) as
    case
        when c is null then 'empty'
        when regexp_full_match(lower(replace(c, ' ', '')), 'нетданных|н/д|нд|n/a|na') then 'no_data'
        when regexp_full_match(c, '-|—|–|--|---|―') then 'dash'
        when regexp_full_match(lower(c), 'x|х') then 'not_applicable'
    end;

-- "1 234,5 %" -> 1234.5 (NULL when not a number)
create or replace macro msoko_number(c) as
    try_cast(replace(regexp_replace(regexp_replace(c, '\s*%\s*$', ''), '(\d)[\s'']+(\d)', '\1\2', 'g'),
                     ',', '.') as double);

-- "70 (28,57%)", "2(10% )", "39(15,92)", "18 (14,52%)": the count part and the percent part.
create or replace macro msoko_count_part(c) as
    try_cast(regexp_extract(c, '^(\d+)\s*\(\s*\d+(?:[.,]\d+)?\s*%?\s*\)$', 1) as double);
create or replace macro msoko_pct_part(c) as
    try_cast(replace(regexp_extract(c, '^\d+\s*\(\s*(\d+(?:[.,]\d+)?)\s*%?\s*\)$', 1), ',', '.')
             as double);

-- Subject names to the key of the subject_aliases seed (mirrors normalize.subject_key).
create or replace macro msoko_subject_key(c) as
    regexp_replace(
        replace(lower(regexp_replace(regexp_replace(c, '^\s*\d{1,2}\s*[.)]\s*', ''),
                                     '0(\p{L})', 'О\1', 'g')), 'ё', 'е'),
        '[^\p{L}]', '', 'g');

-- A target written with its direction: "не менее 85", "не более 5%", "≥ 90" (plan/fact forms).
create or replace macro msoko_comparator(c) as
    case when regexp_matches(lower(c), '^(не менее|не ниже|не меньше|≥|>=)\s*\d') then '>='
         when regexp_matches(lower(c), '^(не более|не выше|не больше|до|≤|<=)\s*\d') then '<='
    end;
create or replace macro msoko_drop_comparator(c) as
    regexp_replace(lower(c), '^(не менее|не ниже|не меньше|не более|не выше|не больше|до|≥|>=|≤|<=)\s*', '');

-- Why a cleaned cell that is neither missing nor a number is not a number.
-- Excel's error values (a formula that failed): not a value, not an empty cell either.
create or replace macro msoko_excel_error(c) as
    coalesce(regexp_full_match(upper(c),
        '#NULL!|#DIV/0!|#VALUE!|#REF!|#NAME\?|#NUM!|#N/A|#GETTING_DATA|#SPILL!|#CALC!|#FIELD!|#BLOCKED!|#CONNECT!|#BUSY!|#UNKNOWN!'),
        false);

create or replace macro msoko_not_a_number(c) as
    case when regexp_matches(c, '\p{L}')
         then 'letters in a number (possible OCR damage): not guessed'
         else 'not a number' end;
"""

# ---------------------------------------------------------------- Python (headers, titles)

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w%№]+")


def clean_text(value: object) -> str:
    """Collapse whitespace (line breaks and no-break spaces included); '' for empty cells."""
    if value is None:
        return ""
    return _SPACES.sub(" ", str(value).replace("\xa0", " ")).strip()


def header_key(value: object) -> str:
    """Comparable form of a header cell: lower case, ё→е, punctuation and quotes dropped.

    "Кол-во уч." -> "кол во уч", '%"2"' -> "% 2", "Код  ОО" -> "код оо". Letter-spaced OCR
    damage ("Н аименовани е") is repaired by ``unspace_letters`` before comparison.
    """
    text = clean_text(value).lower().replace("ё", "е")
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def unspace_letters(text: str) -> str:
    """Join words broken by OCR into letters and fragments: "И стория" -> "История".

    Applied only when a text has single-letter fragments, so ordinary phrases are unchanged.
    """
    parts = text.split(" ")
    single = sum(1 for p in parts if len(p) == 1 and p.isalpha())
    short = sum(1 for p in parts if len(p) <= 2)
    # Russian has one-letter words ("с", "в", "и"): only a text mostly made of fragments is OCR
    if single == 0 or short * 2 < len(parts):
        return text
    return "".join(parts)


def subject_key(value: object) -> str:
    """Key for matching subject names to the subject seed's aliases (``msoko_subject_key`` in SQL).

    Strips a leading FCT number ("12.0бщ ествоз нание" -> "обществознание"), repairs the digit 0
    typed for the letter О, lower-cases, ё→е, and keeps letters only (so OCR letter-spacing and
    punctuation vanish).
    """
    text = clean_text(value)
    text = re.sub(r"^\s*\d{1,2}\s*[.)]\s*", "", text)
    text = re.sub(r"0(?=[^\W\d_])", "О", text)  # "0бщ" -> "Общ"
    text = text.lower().replace("ё", "е")
    return re.sub(r"[\W\d_]", "", text)


_DATE_PATTERNS = [
    re.compile(r"(?P<y>20\d\d)[.\-/](?P<m>\d\d)[.\-/](?P<d>\d\d)"),
    re.compile(r"(?P<d>\d\d)[.\-/](?P<m>\d\d)[.\-/](?P<y>20\d\d)"),
]


def find_date(text: str) -> date | None:
    """The first date in a text ("2022.06.23", "01.09.2022", "2022-06-23 00:00:00")."""
    for pattern in _DATE_PATTERNS:
        match = pattern.search(text)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


_YEAR_PAIR = re.compile(r"(20\d\d)\s*[/\-–—]\s*(20\d\d)")


def academic_year_of_date(day: date) -> int:
    """The academic year (its start year) an event on ``day`` belongs to.

    The year runs 1 Sep – 31 Aug; callers handle the exceptions (a September ГИА retake belongs
    to the previous year: ``gia_academic_year``).
    """
    return day.year if day.month >= 9 else day.year - 1


def gia_academic_year(day: date) -> int:
    """ГИА sittings, the September additional period included, belong to the year that ends
    in that summer (DOMAIN §3.3: "24 человека прошли ГИА в сентябре 2022" is 2021/22)."""
    return day.year - 1 if day.month <= 10 else day.year


def find_academic_year(text: str) -> int | None:
    """Start year of "2022/2023", "2022-2023", "2022–2023 учебный год"; None if absent."""
    match = _YEAR_PAIR.search(text)
    if match and int(match[2]) == int(match[1]) + 1:
        return int(match[1])
    return None


def academic_year_label(start_year: int) -> str:
    return f"{start_year}/{start_year + 1}"


def excel_column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters

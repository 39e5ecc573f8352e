"""Russian formats of every figure the reports show: numbers, percentages, dates, times.

One module, so that the note, the quality report and the headline write a number the same way:
a decimal comma, thousands grouped by a narrow no-break space (ГОСТ Р 7.0.97: «12 345,6»), a
no-break space before «%», the minus sign «−», dates as ДД.ММ.ГГГГ and times in the region's
time zone (``Settings.timezone``, ``MSOKO_TIMEZONE``). Numbers go through babel's CLDR data for
``ru_RU``, never through ``str()``. Figures are shown with the digits the mart stored them with
(shares: ``msoko:pct_digits``, 2) and at least one: ``30,0``, ``12,22`` — no rounding here.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal

LOCALE = "ru_RU"
NARROW_NBSP = "\u202f"  # groups thousands: 12 345
NBSP = "\u00a0"  # before % and units: 72,0 %
MINUS = "\u2212"
DASH = "—"  # no value

# number patterns (CLDR): at least one and at most two fraction digits; integers grouped
_DECIMAL = "#,##0.0#"
_INTEGER = "#,##0"


def _babel(value: Any, pattern: str) -> str:
    text = format_decimal(decimal.Decimal(str(value)), format=pattern, locale=LOCALE)
    # babel's ru group symbol is a no-break space; the typographic one is narrower
    return text.replace(NBSP, NARROW_NBSP).replace("-", MINUS)


def is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float | decimal.Decimal)
        and not isinstance(value, bool)
        and value == value  # NaN
    )


def number(value: Any, *, signed: bool = False) -> str:
    """A measure: ``30,0``, ``12,22``, ``1 234,5``; an integer without decimals (``2 569``);
    ``signed``: ``+3,2`` / ``−0,5`` (changes). None → «—»."""
    if value is None or (isinstance(value, float) and value != value):
        return DASH
    if isinstance(value, bool):
        return "да" if value else "нет"
    pattern = _INTEGER if isinstance(value, int) else _DECIMAL
    text = _babel(value, pattern)
    if signed and value > 0:
        text = "+" + text
    return text


def integer(value: Any) -> str:
    """A count: ``2 569``. None → «—»."""
    if value is None:
        return DASH
    return _babel(int(value), _INTEGER)


def percent(value: Any, *, signed: bool = False) -> str:
    """A share stored 0–100: ``72,0 %``. None → «—»."""
    if value is None:
        return DASH
    return f"{number(value, signed=signed)}{NBSP}%"


def points(value: Any) -> str:
    """A change of a share, in percentage points: ``+3,2 п.п.``."""
    if value is None:
        return DASH
    return f"{number(value, signed=True)}{NBSP}п.п."


def academic_year(year: int) -> str:
    """2023 → «2023/2024»."""
    return f"{year}/{year + 1}"


def date(value: dt.date | None) -> str:
    if value is None:
        return DASH
    return f"{value:%d.%m.%Y}"


def local_datetime(value: dt.datetime | None, timezone: str) -> str:
    """A moment in the region's time zone: «06.12.2026 18:43 (Asia/Vladivostok)». A naive value
    is UTC (the warehouse stores UTC without a zone)."""
    if value is None:
        return DASH
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    zone = ZoneInfo(timezone)
    text = format_datetime(value, "dd.MM.yyyy HH:mm", tzinfo=zone, locale=LOCALE)
    return f"{text} ({local_zone_name(value, zone)})"


def local_zone_name(value: dt.datetime, zone: ZoneInfo) -> str:
    """«время UTC+10» — what an official reads, instead of a tz database key."""
    offset = value.astimezone(zone).utcoffset() or dt.timedelta()
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    minutes = rest // 60
    sign = "+" if offset >= dt.timedelta() else MINUS
    return f"время UTC{sign}{abs(hours)}" + (f":{minutes:02d}" if minutes else "")


def cell(value: Any) -> str:
    """Any cell of a table as text: numbers in Russian format, None as «—», booleans as да/нет,
    dates as ДД.ММ.ГГГГ."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, int):
        return integer(value)
    if is_number(value):
        return number(value)
    if isinstance(value, dt.datetime):
        return f"{value:%d.%m.%Y %H:%M}"
    if isinstance(value, dt.date):
        return date(value)
    return str(value)

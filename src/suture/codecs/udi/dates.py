"""Date fields of UDIs: two-digit years, day 00, Julian days. Pure: the "current year" is a parameter.

Two-digit years follow GS1 General Specifications 7.12 (a window of 49 years back and 50 ahead of a
reference year) when the caller supplies ``reference_year``; without one they map to 2000-2099, which
never reads the clock and agrees with the window for every year a device label is likely to carry.
"""

from __future__ import annotations

import calendar
import datetime as dt

from suture.codecs.udi.model import UdiError


def full_year(yy: int, reference_year: int | None) -> int:
    """Expand a two-digit year.

    >>> full_year(24, None), full_year(98, 2026), full_year(76, 2026)
    (2024, 1998, 2076)
    """
    if reference_year is None:
        return 2000 + yy
    century = reference_year - reference_year % 100
    offset = yy - reference_year % 100
    if 51 <= offset <= 99:
        return century - 100 + yy
    if -99 <= offset <= -50:
        return century + 100 + yy
    return century + yy


def ymd(year: int, month: int, day: int, what: str) -> dt.date:
    """Build a date; day 0 means the last day of the month (GS1 GenSpecs 7.12, HIBCC MMYY)."""
    if not 1 <= month <= 12:
        raise UdiError(f"{what} has month {month:02d}, which is not 01-12")
    if day == 0:
        day = calendar.monthrange(year, month)[1]
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise UdiError(f"{what} has day {day:02d}, which month {month:02d} of {year} does not have") from None


def julian(year: int, day_of_year: int, what: str) -> dt.date:
    """Day ``day_of_year`` (1-based) of ``year``.

    >>> julian(2014, 32, "expiry")
    datetime.date(2014, 2, 1)
    """
    days = 366 if calendar.isleap(year) else 365
    if not 1 <= day_of_year <= days:
        raise UdiError(f"{what} has day-of-year {day_of_year:03d}, which {year} does not have")
    return dt.date(year, 1, 1) + dt.timedelta(days=day_of_year - 1)


def digits(value: str, length: int, what: str) -> str:
    """``value`` if it is exactly ``length`` ASCII digits, else a ``UdiError`` naming ``what``."""
    if len(value) != length or not (value.isascii() and value.isdigit()):
        raise UdiError(f"{what} must be {length} digits")
    return value


def yymmdd(value: str, what: str, reference_year: int | None) -> dt.date:
    """GS1/HIBCC ``YYMMDD``; day 00 resolves to the month's end.

    >>> yymmdd("150700", "expiry", None)
    datetime.date(2015, 7, 31)
    """
    digits(value, 6, what)
    year = full_year(int(value[:2]), reference_year)
    return ymd(year, int(value[2:4]), int(value[4:6]), what)


def mmddyy(value: str, what: str, reference_year: int | None) -> dt.date:
    digits(value, 6, what)
    year = full_year(int(value[4:6]), reference_year)
    return ymd(year, int(value[:2]), int(value[2:4]), what)


def mmyy(value: str, what: str, reference_year: int | None) -> dt.date:
    """Month and year only: the last day of that month."""
    digits(value, 4, what)
    return ymd(full_year(int(value[2:4]), reference_year), int(value[:2]), 0, what)


def yyjjj(value: str, what: str, reference_year: int | None) -> dt.date:
    digits(value, 5, what)
    return julian(full_year(int(value[:2]), reference_year), int(value[2:]), what)


def yyyymmdd(value: str, what: str) -> dt.date:
    digits(value, 8, what)
    return ymd(int(value[:4]), int(value[4:6]), int(value[6:8]), what)

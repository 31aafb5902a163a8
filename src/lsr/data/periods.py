"""The window of periods every loader accepts, and the checks that enforce it.

A month, a date or a year outside the window is a typing or extraction error (``9998-12-31``
for "no date", ``0001-01``, ``1900``), never data: one A&E row dated 9998-12-31 once made a
load write millions of empty months. Every loader refuses it with the file, row and field:

- months and dates: from :data:`FIRST_MONTH` (January 2000) to the end of the month after the
  current one (:func:`last_month`; one month's margin for clocks and time zones);
- years (population estimates, the first year of a financial year): from 2000 to the current
  year.

A source may be narrower (delayed transfers of care: August 2010 to February 2020; A&E: no
month after the current one).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from lsr.data.errors import LoadError

FIRST_MONTH = date(2000, 1, 1)
"""The first month (and, as a date, the first day) any loader accepts."""

MARGIN_MONTHS = 1
"""Months after the current one that are still accepted (clocks, time zones)."""


def _today(today: date | None) -> date:
    return today if today is not None else date.today()


def month_add(month: date, months: int) -> date:
    """The first day of the month ``months`` after ``month``'s (negative: before)."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def last_month(today: date | None = None) -> date:
    """The last month (its first day) any loader accepts: the current month plus the margin."""
    now = _today(today)
    return month_add(date(now.year, now.month, 1), MARGIN_MONTHS)


def last_day(today: date | None = None) -> date:
    """The last date any loader accepts: the last day of :func:`last_month`."""
    return month_add(last_month(today), 1) - timedelta(days=1)


def first_year() -> int:
    """The first year any loader accepts (population estimates, financial years)."""
    return FIRST_MONTH.year


def last_year(today: date | None = None) -> int:
    """The last year any loader accepts: the current year."""
    return _today(today).year


def window_text(today: date | None = None) -> str:
    """The month window in words, for messages: ``January 2000 to August 2026``."""
    return f"{FIRST_MONTH:%B %Y} to {last_month(today):%B %Y}"


def in_window(month: date, today: date | None = None) -> bool:
    """Whether a month (any day of it) lies in the window."""
    first = date(month.year, month.month, 1)
    return FIRST_MONTH <= first <= last_month(today)


def check_month(
    month: date,
    *,
    file: Path | str,
    row: int | None,
    field: str,
    sheet: str | None = None,
    first: date | None = None,
    last: date | None = None,
    today: date | None = None,
) -> date:
    """``month`` (first of the month) or a :class:`LoadError` when it lies outside the window
    (or the narrower ``first``..``last`` a source gives)."""
    start = max(FIRST_MONTH, first) if first is not None else FIRST_MONTH
    end = min(last_month(today), last) if last is not None else last_month(today)
    value = date(month.year, month.month, 1)
    if not start <= value <= end:
        raise LoadError(
            file,
            f"the period {value:%B %Y} is outside the months this loader accepts "
            f"({start:%B %Y} to {end:%B %Y}); is the date mistyped?",
            sheet=sheet,
            row=row,
            field=field,
        )
    return value


def check_year(
    year: int,
    *,
    file: Path | str,
    row: int | None,
    field: str,
    sheet: str | None = None,
    what: str = "year",
    today: date | None = None,
) -> int:
    """``year`` or a :class:`LoadError` when it lies outside 2000 to the current year."""
    first, last = first_year(), last_year(today)
    if not first <= year <= last:
        raise LoadError(
            file,
            f"{what} {year} is outside the years this loader accepts ({first} to {last}); "
            "is it mistyped?",
            sheet=sheet,
            row=row,
            field=field,
        )
    return year

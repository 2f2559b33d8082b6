"""Dates: the forms of spec 1.5 read into a real calendar date.

``YYYY-MM-DD`` (with the time and zone that cells and JSON may add),
``DD-MM-YYYY``, ``DD/MM/YYYY`` and ``YYYYMMDD``; a day that does not exist
(31 April) is unreadable. Also the years before the peildatum that the check
of an improbable birth date counts back (spec 1.6).
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl

from .normalise_steps import Steps, _tmp
from .normalise_text import clean_text

# YYYY-MM-DD (with the time and zone that cells and JSON may add), DD-MM-YYYY,
# DD/MM/YYYY (day and month may have one digit), YYYYMMDD. Spec 1.5.
DATE_PATTERN = (
    r"^(?:([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
    r"|([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})"
    r"|([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})"
    r"|([0-9]{4})([0-9]{2})([0-9]{2}))$"
)
_DATE_RE = re.compile(DATE_PATTERN)
_YMD_GROUPS = ((1, 2, 3), (6, 5, 4), (9, 8, 7), (10, 11, 12))


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def normalise_date(value: object) -> date | None:
    """A date in one of the forms of spec 1.5, or ``None`` if unreadable or not a real date."""
    text = clean_text(value)
    if text is None:
        return None
    m = _DATE_RE.fullmatch(text)
    if not m:
        return None
    for y, mo, d in _YMD_GROUPS:
        if m.group(y) is not None:
            year, month, day = int(m.group(y)), int(m.group(mo)), int(m.group(d))
            break
    if year < 1 or not 1 <= month <= 12 or not 1 <= day <= _days_in_month(year, month):
        return None
    return date(year, month, day)


def date_steps(src: str, out: str) -> Steps:
    """Polars version of :func:`normalise_date` on the cleaned column ``src``."""
    col = pl.col
    groups = col(_tmp(out, "g"))

    def part(index: int, name: str) -> pl.Expr:
        fields = [groups.struct.field(str(g[index])) for g in _YMD_GROUPS]
        return pl.coalesce(fields).cast(pl.Int32, strict=False).alias(_tmp(out, name))

    year, month, day = col(_tmp(out, "y")), col(_tmp(out, "m")), col(_tmp(out, "d"))
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = (
        pl.when(month == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    valid = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= days)
    ok = col(_tmp(out, "ok"))
    safe = pl.date(
        pl.when(ok).then(year).otherwise(2000),
        pl.when(ok).then(month).otherwise(1),
        pl.when(ok).then(day).otherwise(1),
    )
    return [
        [col(src).str.extract_groups(DATE_PATTERN).alias(_tmp(out, "g"))],
        [part(0, "y"), part(1, "m"), part(2, "d")],
        [valid.fill_null(False).alias(_tmp(out, "ok"))],
        [pl.when(ok).then(safe).alias(out)],
    ]


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# Spec 1.6: a birth date more than 120 years before the peildatum is improbable.
MAX_AGE_YEARS = 120

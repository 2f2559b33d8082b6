"""Whole euros as a Dutch user types them: ``1000``, ``1.000``, ``€ 1.000.000``, ``1.000,-``.

A dot groups thousands in Dutch. Django's ``IntegerField`` reads it as a decimal point and
drops a decimal part of zeros, so ``1.000`` became € 1; and ``2.50`` or ``1,5`` are cents,
which a field in whole euros refuses rather than rounds. Pure: no Django, no database.
"""

from __future__ import annotations

import re

# Groups of three after the first one to three digits (``1.000.000``), or digits alone
# (``1000``); then no cents: ``,-``, ``,0`` or ``,00`` is allowed, as on a Dutch price tag.
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,-|,00?)?")
# More digits than any amount here: refused before ``int()`` (which refuses past 4300).
MAX_DIGITS = 18
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_MINUS = ("-", "\u2212")


def parse_whole_euros(text: str) -> int:
    """The whole euros in ``text``; ``ValueError`` when it is not a whole number of euros.

    A euro sign before the amount and a minus sign (before or after it) are allowed:
    ``-5`` is -5, so a form says "from 0" rather than "not a number".
    """
    value = str(text).translate(_SPACES).strip()
    negative = False
    if value.startswith(_MINUS):
        negative, value = True, value[1:].lstrip()
    if value.startswith("€"):
        value = value[1:].lstrip()
    if not negative and value.startswith(_MINUS):
        negative, value = True, value[1:].lstrip()
    if not _AMOUNT.fullmatch(value):
        raise ValueError(f"not whole euros: {text!r}")
    digits = value.split(",", 1)[0].replace(".", "")
    if len(digits.lstrip("0")) > MAX_DIGITS:
        raise ValueError(f"too many digits: {len(digits)}")
    number = int(digits)
    return -number if negative else number


def with_dots(number: int) -> str:
    """``1000000`` → ``1.000.000`` (how a Dutch user writes it)."""
    return f"{number:,}".replace(",", ".")

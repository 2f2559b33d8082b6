"""Whole numbers and whole euros as a Dutch user types them: ``1000``, ``1.000``,
``€ 1.000.000``, ``1.000,-``.

A dot groups thousands in Dutch. Django's ``IntegerField`` reads it as a decimal point and
drops a decimal part of zeros, so ``1.000`` became 1 (days, euros, creditors) and ``60.0``
became 60; and ``2.50`` or ``1,5`` are decimals, which a field of whole numbers refuses rather
than rounds. Pure: no Django, no database.
"""

from __future__ import annotations

import re

# Groups of three after the first one to three digits (``1.000.000``), or digits alone (``1000``).
_WHOLE = r"(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)"
_NUMBER = re.compile(_WHOLE)
# An amount: then no cents: ``,-``, ``,0`` or ``,00`` is allowed, as on a Dutch price tag.
_AMOUNT = re.compile(_WHOLE + r"(?:,-|,00?)?")
# Digits with a decimal point or comma somewhere (``60.0``, ``1,5``, ``1.00``): a number, but not
# a whole one written the Dutch way. Such a text is told "no decimals" rather than "not a number".
_DECIMAL = re.compile(r"[0-9.,]*[0-9][0-9.,]*")
# More digits than any amount here: refused before ``int()`` (which refuses past 4300).
MAX_DIGITS = 18
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})
_MINUS = ("-", "\u2212")


def _signed(text: str) -> tuple[bool, str]:
    """``text`` without spaces around it and without a leading minus sign: (negative, the rest)."""
    value = str(text).translate(_SPACES).strip()
    if value.startswith(_MINUS):
        return True, value[1:].lstrip()
    return False, value


def _digits_to_int(digits: str, negative: bool) -> int:
    digits = digits.replace(".", "")
    if len(digits.lstrip("0")) > MAX_DIGITS:
        raise ValueError(f"too many digits: {len(digits)}")
    number = int(digits)
    return -number if negative else number


def parse_whole_number(text: str) -> int:
    """The whole number in ``text``; ``ValueError`` when it is not one written the Dutch way.

    A dot groups thousands (``1.000`` is a thousand, ``1.000.000`` a million); ``60.0``,
    ``1,5``, ``1.00`` and ``1,000`` are refused, not read as 60, 1 or a thousand. A minus sign
    is allowed (``-5`` is -5, so a form says "from 0" rather than "not a number").
    """
    negative, value = _signed(text)
    if not _NUMBER.fullmatch(value):
        raise ValueError(f"not a whole number: {text!r}")
    return _digits_to_int(value, negative)


def looks_decimal(text: str) -> bool:
    """Whether ``text`` is digits with a decimal point or comma (``60.0``, ``-1,5``) that
    :func:`parse_whole_number` refuses: a number with decimals rather than no number at all."""
    _negative, value = _signed(text)
    return bool(_DECIMAL.fullmatch(value)) and ("." in value or "," in value)


def parse_whole_euros(text: str) -> int:
    """The whole euros in ``text``; ``ValueError`` when it is not a whole number of euros.

    A euro sign before the amount and a minus sign (before or after it) are allowed:
    ``-5`` is -5, so a form says "from 0" rather than "not a number".
    """
    negative, value = _signed(text)
    if value.startswith("€"):
        value = value[1:].lstrip()
    if not negative and value.startswith(_MINUS):
        negative, value = True, value[1:].lstrip()
    if not _AMOUNT.fullmatch(value):
        raise ValueError(f"not whole euros: {text!r}")
    return _digits_to_int(value.split(",", 1)[0], negative)

"""The BSN: nine digits that pass the elfproef (``BSN_ONGELDIG`` otherwise).

Eight digits get their leading zero back (a number cell drops it).
"""

from __future__ import annotations

import re

import polars as pl

from .normalise_steps import Steps, _tmp
from .normalise_text import clean_text

_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def bsn_valid(value: str) -> bool:
    """The elfproef of a nine-digit BSN (and not all zeros)."""
    if not re.search(r"^[0-9]{9}$", value) or value == "000000000":
        return False
    return sum(int(d) * w for d, w in zip(value, _BSN_WEIGHTS, strict=True)) % 11 == 0


def normalise_bsn(value: object) -> str | None:
    """Nine digits that pass the elfproef (eight get the leading zero back), or ``None``."""
    text = clean_text(value)
    if text is None:
        return None
    digits = re.sub(r"[ .\-]", "", text)
    if not re.search(r"^[0-9]{8,9}$", digits):
        return None
    digits = digits.zfill(9)
    return digits if bsn_valid(digits) else None


def bsn_steps(src: str, out: str) -> Steps:
    """Polars version of :func:`normalise_bsn` on the cleaned column ``src``."""
    digits = pl.col(_tmp(out, "digits"))
    padded = pl.col(_tmp(out, "padded"))
    total = pl.sum_horizontal(
        [
            padded.str.slice(i, 1).cast(pl.Int64, strict=False) * weight
            for i, weight in enumerate(_BSN_WEIGHTS)
        ]
    )
    ok = pl.col(_tmp(out, "shaped")) & (total % 11 == 0) & (padded != "000000000")
    return [
        [pl.col(src).str.replace_all(r"[ .\-]", "").alias(_tmp(out, "digits"))],
        [
            digits.str.contains(r"^[0-9]{8,9}$").alias(_tmp(out, "shaped")),
            digits.str.zfill(9).alias(_tmp(out, "padded")),
        ],
        [pl.when(ok).then(padded).alias(out)],
    ]

"""Deterministic randomness and synthetic identifiers for the world generator.

Everything the generator draws comes from :func:`rng`, a ``random.Random``
seeded with a string built from the world seed and the name of what is being
drawn. String seeds are hashed with SHA-512 by ``random``, so the stream does
not depend on ``PYTHONHASHSEED``, on the platform or on the order in which
other parts of the world were generated. Identifiers (customer numbers, BSNs,
BAG object ids) are bijections of internal counters, so they are unique by
construction and look random.
"""

from __future__ import annotations

import random


def rng(seed: int, *parts: object) -> random.Random:
    """A random stream for one named part of the world (``rng(7, "buurt", "BU09990101")``)."""
    return random.Random(":".join(["vroegsignaal-demo", str(seed), *map(str, parts)]))


def scramble(value: int, modulus: int, salt: int = 0) -> int:
    """A bijection of ``range(modulus)`` onto itself for ``modulus`` a power of ten.

    Multiplying by a number coprime to 10 and adding an offset is a bijection
    modulo any power of ten; it turns counters into numbers that look random.
    """
    multiplier = 7_368_787 + 2 * salt  # odd and not a multiple of 5 while salt keeps it so
    if multiplier % 5 == 0:
        multiplier += 2
    offset = (salt * 104_729 + 12_345) % modulus
    return (value * multiplier + offset) % modulus


# Elfproef weights of a BSN (the last digit counts -1).
_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)


def bsn_is_valid(bsn: str) -> bool:
    """The elfproef: 9a+8b+...+2h-1i is a multiple of 11 (and not 0)."""
    if len(bsn) != 9 or not bsn.isdigit():
        return False
    total = sum(w * int(d) for w, d in zip(_BSN_WEIGHTS, bsn[:8], strict=True)) - int(bsn[8])
    return total % 11 == 0 and bsn != "000000000"


def synthetic_bsn(person_uid: int) -> str:
    """A valid, unique BSN for ``person_uid`` (0 ≤ uid < 90,000,000).

    For fixed first seven digits the eighth digit has weight 2, so the ten
    prefixes of a block give ten different remainders and at most one of them
    needs a check digit of 10 (invalid). Every block therefore holds at least
    nine valid numbers: uid → (block, index) is injective.
    """
    block = scramble(person_uid // 9, 10**7, salt=3)
    index = person_uid % 9
    found = 0
    for eighth in range(10):
        prefix = f"{block:07d}{eighth}"
        remainder = sum(w * int(d) for w, d in zip(_BSN_WEIGHTS, prefix, strict=True)) % 11
        if remainder == 10:
            continue
        if found == index:
            bsn = prefix + str(remainder)
            if bsn != "000000000":
                return bsn
        found += 1
    raise AssertionError("unreachable: a block always holds nine valid numbers")


def invalid_bsn(r: random.Random) -> str:
    """Nine digits that fail the elfproef."""
    while True:
        candidate = f"{r.randrange(10**8, 10**9):09d}"
        if not bsn_is_valid(candidate):
            return candidate

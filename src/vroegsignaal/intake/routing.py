"""Routing delivered rows to municipalities through the address register, vectorised.

Spec 1.6 (``ADRES_ONBEKEND``, ``ADRES_BIJ_BENADERING``, ``BUITEN_CONVENANT``).
Each row with a valid postcode is matched, in this order:

1. **exact**: postcode, huisnummer, huisletter and toevoeging are one address
   of the register;
2. **benadering** (warning ``ADRES_BIJ_BENADERING``): postcode and huisnummer
   exist, the letter or addition does not; the closest address of that
   postcode and number is taken (see :func:`_closeness`);
3. **postcode**: only the postcode exists. The row is routed to the
   municipality that holds (most of) that postcode's addresses, so it counts
   and flows to that municipality, but it has no address (``address_id`` is
   null): the households app cannot link it to a household at an address it
   does not know. Spec 1.6 rejects a row only when "neither postcode +
   huisnummer nor the postcode alone is in the address register", so this row
   is accepted; the report counts these rows apart (``alleen_postcode``).
4. otherwise the address is unknown (``ADRES_ONBEKEND``, row rejected).

Then the covenant check: a routed row whose municipality has no covenant with
the creditor active on the peildatum is outside the covenant.

:func:`route` is pure (frames in, frame out) and needs no database;
:func:`route_rows` fetches the register for the postcodes at hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from vroegsignaal.organisations.models import Covenant

ROW = "rij"
KEY = ["postcode", "huisnummer", "huisletter", "toevoeging"]


class Match:
    EXACT = "exact"
    APPROXIMATE = "benadering"
    POSTCODE = "postcode"


# Columns :func:`route` adds to the rows.
ROUTE_SCHEMA: dict[str, pl.DataType] = {
    "address_id": pl.Int64(),
    "municipality_id": pl.Int64(),
    "municipality_code": pl.String(),
    "buurt_code": pl.String(),
    "wijk_code": pl.String(),
    "match": pl.String(),
}


def _address_parts(rows: pl.DataFrame) -> pl.DataFrame:
    """The address key of each row in the register's normal form ("" for absent parts)."""
    return rows.select(
        pl.col(ROW),
        pl.col("postcode").cast(pl.String),
        pl.col("huisnummer").cast(pl.Int64),
        pl.col("huisletter").cast(pl.String).fill_null("").str.to_uppercase(),
        pl.col("huisnummertoevoeging")
        .cast(pl.String)
        .fill_null("")
        .str.to_uppercase()
        .alias("toevoeging"),
    )


def _register(register: pl.DataFrame) -> pl.DataFrame:
    return register.select(
        pl.col("id").cast(pl.Int64).alias("address_id"),
        pl.col("postcode").cast(pl.String),
        pl.col("huisnummer").cast(pl.Int64),
        pl.col("huisletter").cast(pl.String).fill_null(""),
        pl.col("toevoeging").cast(pl.String).fill_null(""),
        pl.col("municipality_id").cast(pl.Int64),
        pl.col("municipality_code").cast(pl.String),
        pl.col("buurt_code").cast(pl.String),
        pl.col("wijk_code").cast(pl.String),
    )


def _closeness() -> pl.Expr:
    """Rank of a candidate address for a row whose letter/addition did not match (0 = closest).

    0. the same characters, only in the other field (``12-A`` for ``12A``);
    1. the same huisletter, another addition;
    2. the same (non-empty) addition, another letter;
    3. the bare number (no letter, no addition): the building's main address;
    4. any other letter/addition of that number.
    Ties go to the first in register order (letter, then addition).
    """
    given = pl.col("huisletter") + pl.col("toevoeging")
    candidate = pl.col("huisletter_reg") + pl.col("toevoeging_reg")
    return (
        pl.when(given == candidate)
        .then(0)
        .when(pl.col("huisletter") == pl.col("huisletter_reg"))
        .then(1)
        .when((pl.col("toevoeging") != "") & (pl.col("toevoeging") == pl.col("toevoeging_reg")))
        .then(2)
        .when(candidate == "")
        .then(3)
        .otherwise(4)
    )


_OUT = ["address_id", "municipality_id", "municipality_code", "buurt_code", "wijk_code"]


def route(rows: pl.DataFrame, register: pl.DataFrame) -> pl.DataFrame:
    """Add the routing columns (:data:`ROUTE_SCHEMA`) to ``rows``.

    ``rows`` needs ``rij`` (unique), ``postcode``, ``huisnummer``,
    ``huisletter`` and ``huisnummertoevoeging`` in the normal form of
    ``normalise.py``; ``register`` has the columns of
    ``registry.selectors.address_lookup_frame``. Rows that cannot be routed
    keep nulls; ``match`` says how the others were.
    """
    parts = _address_parts(rows)
    reg = _register(register)
    with_number = parts.filter(
        pl.col("postcode").is_not_null() & pl.col("huisnummer").is_not_null()
    )

    exact = with_number.join(reg, on=KEY, how="inner").select(
        ROW, *_OUT, pl.lit(Match.EXACT).alias("match")
    )

    rest = with_number.join(exact.select(ROW), on=ROW, how="anti")
    candidates = rest.join(reg, on=["postcode", "huisnummer"], how="inner", suffix="_reg")
    approximate = (
        candidates.with_columns(_closeness().alias("_rank"))
        .sort([ROW, "_rank", "huisletter_reg", "toevoeging_reg"])
        .unique(ROW, keep="first", maintain_order=True)
        .select(ROW, *_OUT, pl.lit(Match.APPROXIMATE).alias("match"))
    )

    matched = pl.concat([exact.select(ROW), approximate.select(ROW)])
    by_postcode = postcode_municipalities(reg)
    postcode_only = (
        parts.filter(pl.col("postcode").is_not_null())
        .join(matched, on=ROW, how="anti")
        .join(by_postcode, on="postcode", how="inner")
        .select(
            ROW,
            pl.lit(None, dtype=pl.Int64).alias("address_id"),
            "municipality_id",
            "municipality_code",
            "buurt_code",
            "wijk_code",
            pl.lit(Match.POSTCODE).alias("match"),
        )
    )
    routed = pl.concat([exact, approximate, postcode_only], how="vertical_relaxed").select(
        ROW, *[pl.col(name).cast(dtype) for name, dtype in ROUTE_SCHEMA.items()]
    )
    return rows.drop([c for c in ROUTE_SCHEMA if c in rows.columns]).join(
        routed, on=ROW, how="left", maintain_order="left"
    )


def postcode_municipalities(reg: pl.DataFrame) -> pl.DataFrame:
    """Per postcode the municipality (and buurt) holding most of its addresses.

    A postcode almost always lies in one municipality; where a border cuts one,
    the majority wins and then the lower municipality code, so the answer is
    the same every time.
    """
    municipality = (
        reg.group_by(["postcode", "municipality_id", "municipality_code"])
        .len()
        .sort(["postcode", "len", "municipality_code"], descending=[False, True, False])
        .unique("postcode", keep="first", maintain_order=True)
        .drop("len")
    )
    buurt = (
        reg.filter(pl.col("buurt_code").is_not_null())
        .group_by(["postcode", "municipality_id", "buurt_code", "wijk_code"])
        .len()
        .sort(["postcode", "len", "buurt_code"], descending=[False, True, False])
        .unique(["postcode", "municipality_id"], keep="first", maintain_order=True)
        .drop("len")
    )
    return municipality.join(buurt, on=["postcode", "municipality_id"], how="left")


def route_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """:func:`route` against the register's addresses for the postcodes in ``rows``."""
    from vroegsignaal.registry.selectors import address_lookup_frame

    postcodes = rows.get_column("postcode").drop_nulls().unique().to_list()
    register = address_lookup_frame(postcodes)
    return route(rows, register)


def covenant_municipality_ids(creditor_id: int, reference_date: dt.date) -> set[int]:
    """The municipalities with a covenant with the creditor active on the peildatum."""
    return set(
        Covenant.objects.active_on(reference_date)
        .filter(creditor_id=creditor_id)
        .values_list("municipality_id", flat=True)
    )


def in_covenant_expr(municipality_ids: Iterable[int]) -> pl.Expr:
    """True inside an active covenant, False outside, null where the row was not routed."""
    ids = sorted(set(municipality_ids))
    column = pl.col("municipality_id")
    return pl.when(column.is_null()).then(None).otherwise(column.is_in(ids))

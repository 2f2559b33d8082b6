"""A small world for the households tests: one municipality, addresses, creditors, deliveries.

Rows are built as Polars frames in the form intake hands them over
(``services.INPUT_SCHEMA``), so these tests need neither files nor the parser.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass, field

import polars as pl
import pytest

from tests.factories import CreditorFactory, MunicipalityFactory
from vroegsignaal.households.selectors import integrity_problems
from vroegsignaal.households.services import INPUT_SCHEMA, apply_rows
from vroegsignaal.intake.models import Delivery
from vroegsignaal.registry.models import Address

PEILDATUM = dt.date(2026, 11, 1)
_counter = itertools.count(1)


def row(**values) -> dict:
    """One routed row with sensible defaults; override any column by name."""
    base = {
        "klantnummer": "K1",
        "contractnummer": None,
        "voorletters": "J.",
        "voornamen": None,
        "tussenvoegsel": None,
        "achternaam": "Jansen",
        "geboortedatum": dt.date(1980, 5, 17),
        "geslacht": "M",
        "huisnummer": 1,
        "huisletter": None,
        "huisnummertoevoeging": None,
        "postcode": "1234AB",
        "bedrag_cents": 12_500,
        "ontstaansdatum": dt.date(2026, 9, 15),
        "aantal_termijnen": 2,
        "crisissignaal": False,
        "crisis_reden": None,
        "warme_overdracht": False,
        "telefoonnummer": None,
        "email": None,
        "bsn": None,
        "signaal_id": None,
        "status": None,
        "address_id": None,
        "municipality_id": None,
    }
    unknown = set(values) - set(base)
    if unknown:
        raise KeyError(f"unknown columns {unknown}")
    base.update(values)
    return base


def frame(*rows: dict) -> pl.DataFrame:
    return (
        pl.DataFrame(list(rows), schema=INPUT_SCHEMA) if rows else pl.DataFrame(schema=INPUT_SCHEMA)
    )


@dataclass
class World:
    municipality: object
    creditor: object
    other_creditor: object
    addresses: list = field(default_factory=list)

    def address(self, i: int = 0) -> Address:
        return self.addresses[i]

    def at(self, i: int = 0, **values) -> dict:
        """A row routed to address ``i``."""
        a = self.addresses[i]
        routed = {
            "postcode": a.postcode,
            "huisnummer": a.huisnummer,
            "address_id": a.pk,
            "municipality_id": a.municipality_id,
        }
        return row(**{**routed, **values})

    def delivery(self, creditor=None, *, kind: str = "stand", day: dt.date = PEILDATUM) -> Delivery:
        n = next(_counter)
        return Delivery.objects.create(
            creditor=creditor or self.creditor,
            kind=kind,
            reference_date=day,
            sha256=hashlib.sha256(str(n).encode()).hexdigest(),
            via="cli",
        )

    def apply(
        self, *rows: dict, kind: str = "stand", creditor=None, day: dt.date = PEILDATUM, **kwargs
    ):
        creditor = creditor or self.creditor
        delivery = self.delivery(creditor, kind=kind, day=day)
        counts = apply_rows(
            delivery, frame(*rows), kind=kind, creditor=creditor, reference_date=day, **kwargs
        )
        assert integrity_problems() == {}
        return counts


@pytest.fixture
def world(db) -> World:
    municipality = MunicipalityFactory(code="0999", name="Voorbeeldstad")
    addresses = [
        Address.objects.create(
            postcode="1234AB",
            huisnummer=n,
            straatnaam="Dorpsweg",
            woonplaats="Voorbeeldstad",
            municipality=municipality,
        )
        for n in range(1, 6)
    ]
    return World(
        municipality=municipality,
        creditor=CreditorFactory(code="WOONBRUG", name="Woonstichting De Brug"),
        other_creditor=CreditorFactory(code="ENERGIENOORD", name="Energie Noord"),
        addresses=addresses,
    )

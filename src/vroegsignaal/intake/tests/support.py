"""Shared set-up for the intake's tests: a small world, delivery files, the households stand-in."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.core.management import call_command

from tests.factories import CovenantFactory, CreditorFactory, MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.registry.models import Address

PEILDATUM = dt.date(2026, 11, 1)
HEADER = [
    "klantnummer",
    "contractnummer",
    "voorletters",
    "achternaam",
    "geboortedatum",
    "postcode",
    "huisnummer",
    "bedrag_achterstand",
    "ontstaansdatum",
    "telefoonnummer",
]


@dataclass
class World:
    voorbeeldstad: object
    proefdorp: object
    creditor: object
    other_creditor: object
    user: object


def build_world() -> World:
    """Voorbeeldstad (0999, covenant) and Proefdorp (0998, none) with a few streets."""
    voorbeeldstad = MunicipalityFactory(code="0999", name="Voorbeeldstad")
    proefdorp = MunicipalityFactory(code="0998", name="Proefdorp")
    creditor = CreditorFactory(code="WOONBRUG", name="Woonstichting De Brug")
    other = CreditorFactory(code="ENNOORD", name="Energie Noord")
    CovenantFactory(creditor=creditor, municipality=voorbeeldstad, valid_from=dt.date(2026, 1, 1))
    CovenantFactory(creditor=other, municipality=voorbeeldstad, valid_from=dt.date(2026, 1, 1))
    addresses = [
        Address(postcode="1234AB", huisnummer=n, municipality=voorbeeldstad) for n in range(1, 61)
    ]
    addresses += [
        Address(postcode="1234AC", huisnummer=7, huisletter="A", municipality=voorbeeldstad),
        Address(postcode="1234AC", huisnummer=7, huisletter="B", municipality=voorbeeldstad),
        Address(postcode="1234AC", huisnummer=9, toevoeging="2", municipality=voorbeeldstad),
    ]
    addresses += [
        Address(postcode="9999ZZ", huisnummer=n, municipality=proefdorp) for n in range(1, 21)
    ]
    Address.objects.bulk_create(addresses)
    user = UserFactory(
        username="schuldeiser", role=Role.SCHULDEISER, creditor=creditor, municipality=None
    )
    return World(voorbeeldstad, proefdorp, creditor, other, user)


def row(n: int, **values) -> dict:
    """A valid row for customer ``n`` at 1234AB ``n`` (1–60)."""
    base = {
        "klantnummer": f"K-{n:05d}",
        "contractnummer": "",
        "voorletters": "J.",
        "achternaam": "Jansen",
        "geboortedatum": "1980-05-17",
        "postcode": "1234AB",
        "huisnummer": str(n),
        "bedrag_achterstand": "150,00",
        "ontstaansdatum": "2026-09-01",
        "telefoonnummer": "",
    }
    base.update(values)
    return base


def csv_bytes(rows: list[dict], header: list[str] | None = None) -> bytes:
    header = header or HEADER
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=header, delimiter=";", extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def stand(numbers, **values) -> bytes:
    return csv_bytes([row(n, **values) for n in numbers])


def run_deliver(*args) -> tuple[int, str, str]:
    """``vroegsignaal deliver`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("deliver", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()

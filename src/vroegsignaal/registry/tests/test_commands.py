"""The import commands: thin, Dutch, and never a traceback."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from vroegsignaal.registry.models import Address, Neighbourhood

pytestmark = pytest.mark.django_db


def test_import_neighbourhoods_command_reports_what_it_did(voorbeeldstad, buurten_file):
    out = io.StringIO()
    call_command("import_neighbourhoods", str(buurten_file), stdout=out)
    assert "2 wijken en 4 buurten" in out.getvalue()
    assert Neighbourhood.objects.count() == 6


ONE_ADDRESS = (
    "postcode,huisnummer,straatnaam,woonplaats,gemeentecode\n1234AB,1,Dorpsweg,Voorbeeldstad,0999\n"
)


def test_import_addresses_command_reports_counts(voorbeeldstad, write):
    path = write("a.csv", ONE_ADDRESS)
    out = io.StringIO()
    call_command("import_addresses", str(path), stdout=out)
    assert "1 nieuw, 0 bijgewerkt, 0 ongewijzigd" in out.getvalue()
    assert Address.objects.count() == 1


def test_import_addresses_command_names_one_municipality_in_the_singular(voorbeeldstad, write):
    path = write("a.csv", ONE_ADDRESS)
    out = io.StringIO()
    call_command("import_addresses", str(path), stdout=out)
    assert "1 regel, gemeente 0999." in out.getvalue()


def test_refused_file_becomes_a_command_error_with_the_line(voorbeeldstad, write):
    path = write(
        "a.csv",
        "postcode,huisnummer,straatnaam,woonplaats,gemeentecode\nABCD,1,Dorpsweg,Voorbeeldstad,0999\n",
    )
    with pytest.raises(CommandError, match="Regel 2: postcode 'ABCD' is ongeldig."):
        call_command("import_addresses", str(path), stdout=io.StringIO())


def test_missing_file_becomes_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="bestaat niet"):
        call_command("import_neighbourhoods", str(tmp_path / "weg.geojson"), stdout=io.StringIO())


@pytest.mark.parametrize("command", ["import_addresses", "import_neighbourhoods"])
def test_a_register_import_refuses_a_device_instead_of_reading_it_without_end(command, db):
    """`import_addresses /dev/zero` reached 6.6 GB of memory in seconds."""
    with pytest.raises(CommandError) as refused:
        call_command(command, "/dev/zero", stdout=io.StringIO())
    assert "geen gewoon bestand" in str(refused.value)

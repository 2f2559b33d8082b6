"""The register in the portal's language (its admin labels); the import commands always in Dutch."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from vroegsignaal.registry.models import Address, Neighbourhood, NeighbourhoodKind

pytestmark = pytest.mark.django_db


def test_import_reports_stay_dutch_when_english_is_active(voorbeeldstad, buurten_file, write):
    addresses = write(
        "a.csv",
        "postcode,huisnummer,straatnaam,woonplaats,gemeentecode\n"
        "1234AB,1,Dorpsweg,Voorbeeldstad,0999\n1234AB,2,Dorpsweg,Voorbeeldstad,0999\n",
    )
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_neighbourhoods", str(buurten_file), stdout=out, verbosity=2)
        call_command("import_addresses", str(addresses), stdout=out, verbosity=2)
    text = out.getvalue()
    assert "6 objecten gelezen" in text and "2 wijken en 4 buurten, gemeente 0999." in text
    assert (
        "2 regels gelezen en gecontroleerd" in text
        and "2 nieuw, 0 bijgewerkt, 0 ongewijzigd." in text
    )


def test_refused_files_are_explained_in_dutch_when_english_is_active(
    voorbeeldstad, write, tmp_path
):
    bad = write(
        "a.csv",
        "postcode,huisnummer,straatnaam,woonplaats,gemeentecode\n"
        "ABCD,1,Dorpsweg,Voorbeeldstad,0999\nEFGH,2,Dorpsweg,Voorbeeldstad,0999\n",
    )
    with translation.override("en"):
        with pytest.raises(CommandError) as refused:
            call_command("import_addresses", str(bad), stdout=io.StringIO())
        with pytest.raises(CommandError) as missing:
            call_command(
                "import_neighbourhoods", str(tmp_path / "weg.geojson"), stdout=io.StringIO()
            )
    assert "a.csv is geweigerd; er is niets ingelezen." in str(refused.value)
    assert "Regel 2: postcode 'ABCD' is ongeldig." in str(refused.value)
    assert "Regel 3: postcode 'EFGH' is ongeldig." in str(refused.value)
    assert "bestaat niet" in str(missing.value)


def test_register_labels_follow_the_chosen_language():
    with translation.override("en"):
        assert str(Neighbourhood._meta.verbose_name_plural) == "districts and neighbourhoods"
        assert str(Address._meta.get_field("huisnummer").verbose_name) == "house number"
        assert str(NeighbourhoodKind.BUURT.label) == "neighbourhood"
    assert str(Neighbourhood._meta.verbose_name_plural) == "wijken en buurten"


def test_one_wijk_and_one_buurt_are_counted_in_the_singular():
    """The command said "1 wijken en 1 buurten"."""
    from vroegsignaal.registry.management.commands._report import neighbourhood_report
    from vroegsignaal.registry.services import ImportResult

    result = ImportResult(
        rows=2, created=2, updated=0, unchanged=0, wijken=1, buurten=1, addresses_relinked=1,
        municipalities=("0999",), seconds=0.25,
    )  # fmt: skip
    text = neighbourhood_report("buurten.geojson", result)
    assert "1 wijk en 1 buurt, gemeente 0999." in text
    assert "1 adres opnieuw in een buurt geplaatst." in text

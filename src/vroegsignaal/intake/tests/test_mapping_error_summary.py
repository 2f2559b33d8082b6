"""A column mapping that is not saved opens with the summary of its errors, as the portal's other forms
do (portal/_error_summary.html): focused as the page loads, each field's error a link to that field, named
after its row as the field's own label is; the title says "Fout:"."""

from __future__ import annotations

import re

import pytest

from .support import csv_bytes, row
from .test_upload_pages import _mapping_form, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def creditor_client(world, verified_client):
    return verified_client(world.user)


TOO_LONG = "Zorg dat deze waarde niet meer dan 200 tekens bevat (het zijn er nu 201)."
NOT_A_FIELD = "Selecteer een geldige keuze. geen-veld is geen beschikbare keuze."


def _summary(html: str) -> str:
    found = re.search(r'<div class="[^"]*error-summary"[^>]*>.*?</div>', html, re.S)
    assert found, "no error summary"
    return found.group(0)


def _links(summary: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="utrecht-link" href="#([^"]+)">([^<]+)</a>', summary)


def test_the_column_mapping_page_links_each_refused_field_from_its_summary(world, creditor_client):
    form = _mapping_form(("Naam", "achternaam"), ("D" * 201, "geen-veld"))
    html = creditor_client.post("/leveringen/kolommen/", form).content.decode()
    summary = _summary(html)
    assert 'id="foutmeldingen" tabindex="-1" autofocus' in summary
    assert "De kolomindeling is niet opgeslagen." in summary
    assert _links(summary) == [
        ("id_kolom-1-header", f"Kolomnaam 2: {TOO_LONG}"),
        ("id_kolom-1-field", f"Veld voor kolom 2: {NOT_A_FIELD}"),
    ]
    # Each link's target is the field, labelled with the link's name.
    assert '<label class="visually-hidden" for="id_kolom-1-header">Kolomnaam 2</label>' in html
    assert '<label class="visually-hidden" for="id_kolom-1-field">Veld voor kolom 2</label>' in html
    assert "<title>Fout: Kolomindeling · Vroegsignaal</title>" in html


def test_two_columns_for_one_field_are_said_in_the_summary(world, creditor_client):
    form = _mapping_form(("Naam", "achternaam"), ("Str", "achternaam"))
    html = creditor_client.post("/leveringen/kolommen/", form).content.decode()
    summary = _summary(html)
    assert "„Naam” en „Str” wijzen allebei naar achternaam" in summary
    assert _links(summary) == []
    assert html.count("wijzen allebei naar") == 1  # not a second time above the table


def test_a_mapping_without_its_management_form_is_refused_in_the_summary(world, creditor_client):
    html = creditor_client.post("/leveringen/kolommen/", {}).content.decode()
    assert "De kolomindeling is niet opgeslagen." in _summary(html)
    assert "<title>Fout: Kolomindeling · Vroegsignaal</title>" in html


def test_the_column_mapping_page_has_no_summary_before_it_is_sent(world, creditor_client):
    html = creditor_client.get("/leveringen/kolommen/").content.decode()
    assert "error-summary" not in html
    assert "<title>Kolomindeling · Vroegsignaal</title>" in html
    assert '<label class="visually-hidden" for="id_kolom-0-header">Kolomnaam 1</label>' in html


def test_the_preview_opens_with_the_summary_of_a_mapping_it_did_not_save(
    world, households, creditor_client
):
    upload(creditor_client, csv_bytes([row(1)]))
    form = _mapping_form(("D" * 201, "achternaam"), actie="kolommen")
    html = creditor_client.post("/leveringen/nieuw/voorbeeld/", form).content.decode()
    summary = _summary(html)
    assert "De kolomindeling is niet opgeslagen." in summary
    assert _links(summary) == [("id_kolom-0-header", f"Kolomnaam 1: {TOO_LONG}")]
    assert 'id="id_kolom-0-header"' in html  # the field the link goes to, in the open form
    assert html.index("error-summary") < html.index("<dl")  # at the top, before the file's details
    assert "<title>Fout: Voorbeeld van de levering · Vroegsignaal</title>" in html

"""The tray on a phone: the filters fold under a summary that counts the filters on (open when one
could not be read, or when nothing matches), and each signal reads as a card of labelled values."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _filters(town, client, **params) -> str:
    """The <details> of the filters and its summary, as the page writes them."""
    body = client.get(reverse("reporting:tray", args=[town.tray.pk]), params).content.decode()
    found = re.search(
        r'<details class="fold" id="filters"[^>]*>\s*<summary[^>]*>[^<]*</summary>', body
    )
    assert found, "the filters are folded in a <details> with a summary"
    return found.group(0)


def test_the_folded_filters_say_none_is_on(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    details = _filters(town, client)
    assert details.endswith('<summary class="fold__summary">Filters</summary>')
    assert " open" not in details


@pytest.mark.parametrize(
    ("params", "summary"),
    [
        ({"crisis": "1"}, "Filters (1 actief)"),
        ({"buurt": "BU099901", "crisis": "1", "herhaald": "1"}, "Filters (3 actief)"),
        ({"bedrag_van": "100", "bedrag_tot": "100000", "status": "alle"}, "Filters (3 actief)"),
        # Neither the sort order nor the default status is a filter.
        # (a team of the municipality: another id is not read, and said so)
        ({"sorteer": "-bedrag", "status": "open", "team": "<town.team>"}, "Filters (1 actief)"),
    ],
)
def test_the_folded_filters_count_the_filters_on(town, client, verified_client, params, summary):
    town.signal(amount=5_000_000, crisis=True)
    verified_client(town.coordinator)
    params = {k: str(town.team.pk) if v == "<town.team>" else v for k, v in params.items()}
    assert f'<summary class="fold__summary">{summary}</summary>' in _filters(town, client, **params)


def test_the_filters_are_open_when_one_could_not_be_read(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    assert '<details class="fold" id="filters" open>' in _filters(town, client, bedrag_van="veel")


def test_the_filters_are_open_when_nothing_matches_them(town, client, verified_client):
    town.signal(crisis=False)
    verified_client(town.coordinator)
    assert '<details class="fold" id="filters" open>' in _filters(town, client, crisis="1")


def test_each_signal_is_a_card_of_labelled_values(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert "stack-table tray-table" in body
    row = re.search(r"<tbody[^>]*>(.*?)</tbody>", body, re.S).group(1)
    labels = re.findall(r'data-label="([^"]+)"', row)
    assert labels == [
        "Buurt", "Kenmerken", "Prioriteit", "Totaalbedrag", "Schuldeisers", "Oudste achterstand",
        "Signaal sinds", "Status", "Wijkteam",
    ]  # fmt: skip
    # The bulk form and the explanation fold too; the fields and texts are all still there.
    assert body.count('<details class="fold"') == 3
    assert '<summary class="fold__summary">Met de aangevinkte signalen</summary>' in body
    assert '<summary class="fold__summary">Uitleg bij prioriteit en datums</summary>' in body
    assert 'id="b-actie"' in body and 'id="priority-help"' in body and 'id="dates-help"' in body

"""A filter or period value the page does not know is named (when it is a code) with what is shown
instead, as the typed filters' notices do; a name or a BSN in a link is never named back. A tray
that lists nothing offers nothing to download.

Review 26: ``?team=99999``, ``?status=bogus``, ``?buurt=XX``, ``?sorteer=xyz`` and the monitor's
``?maand=2099-01`` fell back silently.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from vroegsignaal.privacy.models import AuditAction, AuditEvent

from .conftest import PEILDATUM, Town

pytestmark = pytest.mark.django_db

BSN = "736160231"  # fake, passes the elfproef
SURNAME = "Xyzzyqwerty"


def _tray(client, town, **query):
    return client.get(reverse("reporting:tray", args=[town.tray.pk]), query)


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("team", "99999", "Wijkteam: „99999” is niet bekend; de signalen van alle wijkteams worden getoond."),
        ("status", "bogus", "Status: „bogus” is niet bekend; de open signalen (nieuw en opgepakt) worden getoond."),
        ("buurt", "XX", "Wijk of buurt: „XX” is niet bekend; de signalen van alle wijken en buurten worden getoond."),
        ("sorteer", "xyz", "Sorteren op: „xyz” is niet bekend; de signalen staan in volgorde van prioriteit."),
        ("slapend", "misschien",
         "Slapende signalen: „misschien” is niet bekend; slapende signalen worden niet getoond."),
        ("soort", "Gas", "Soort schuldeiser: de waarde in de link is niet bekend; "
                         "de signalen van alle soorten schuldeisers worden getoond."),
    ],
)  # fmt: skip
def test_a_choice_the_tray_does_not_know_is_named_with_what_is_shown_instead(
    town, client, verified_client, key, value, said
):
    signal = town.signal(team=town.team)
    verified_client(town.coordinator)
    response = _tray(client, town, **{key: value})
    assert response.context["problems"] == [said]
    assert [s.pk for s in response.context["page"].object_list] == [signal.pk]
    body = response.content.decode()
    assert f'<p class="utrecht-alert utrecht-alert--warning" role="status">{said}</p>' in body
    assert "Downloaden kan zodra de filters kloppen." in body


def test_a_wijkteam_of_another_municipality_is_not_read_and_said(town, client, verified_client):
    other = Town(code="0888", name="Andere gemeente")
    town.signal(team=town.team)
    verified_client(town.coordinator)
    response = _tray(client, town, team=str(other.team.pk))
    assert response.context["filter"].team_id is None
    assert response.context["problems"] == [
        f"Wijkteam: „{other.team.pk}” is niet bekend; de signalen van alle wijkteams worden getoond."
    ]
    assert "team=" not in response.context["query"]


def test_a_known_wijkteam_is_read_without_a_notice(town, client, verified_client):
    signal = town.signal(team=town.team)
    town.signal()
    verified_client(town.coordinator)
    response = _tray(client, town, team=str(town.team.pk))
    assert (response.context["problems"], [s.pk for s in response.context["page"].object_list]) == (
        [],
        [signal.pk],
    )


@pytest.mark.parametrize(("key", "value"), [("team", BSN), ("status", SURNAME), ("buurt", SURNAME)])
def test_a_name_or_bsn_in_the_link_is_not_named_back(town, client, verified_client, key, value):
    verified_client(town.coordinator)
    response = _tray(client, town, **{key: value})
    [problem] = response.context["problems"]
    assert "de waarde in de link is niet bekend" in problem and value not in problem


def test_a_download_with_a_choice_the_tray_does_not_know_is_refused(town, client, verified_client):
    town.signal(team=town.team)
    verified_client(town.coordinator)
    response = client.get(
        reverse("reporting:tray_export", args=[town.tray.pk]), {"team": "99999", "formaat": "csv"}
    )
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_tray_that_lists_nothing_offers_nothing_to_download(town, client, verified_client):
    town.signal(crisis=False)
    verified_client(town.coordinator)
    body = _tray(client, town, crisis="1").content.decode()
    assert '0 signalen\n  · <span class="muted">Er is niets te downloaden.</span>' in body
    assert reverse("reporting:tray_export", args=[town.tray.pk]) not in body


def test_a_tray_with_signals_offers_the_download(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    body = _tray(client, town).content.decode()
    assert "Downloaden met de huidige filters:" in body and "Er is niets te downloaden." not in body


def test_the_trays_page_names_a_buurt_it_does_not_know(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:trays"), {"buurt": "BU999999"})
    assert response.context["problems"] == [
        "Wijk of buurt: „BU999999” is niet bekend; de werkbakjes tellen alle gebieden."
    ]
    assert [r["open"] for r in response.context["rows"]] == [1]


def test_the_monitor_names_a_month_without_figures_and_which_month_it_shows(
    town, client, verified_client
):
    town.signal(signal_date=PEILDATUM)
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:monitor"), {"maand": "2099-01"})
    said = "Voor 2099-01 zijn er geen monitorcijfers; de laatste maand met cijfers, maart 2026, wordt getoond."
    assert response.context["month_problem"] == said
    assert response.context["selected"].month == PEILDATUM
    assert f'<p class="utrecht-alert utrecht-alert--warning" role="status">{said}</p>' in (
        response.content.decode()
    )


def test_the_monitor_does_not_name_back_a_month_that_is_no_month(town, client, verified_client):
    town.signal(signal_date=PEILDATUM)
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:monitor"), {"maand": SURNAME})
    assert response.context["month_problem"] == (
        "De maand in de link is niet bekend (zoals 2026-03); de laatste maand met cijfers, "
        "maart 2026, wordt getoond."
    )


def test_the_monitor_shows_a_month_with_figures_without_a_notice(town, client, verified_client):
    town.signal(signal_date=PEILDATUM)
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:monitor"), {"maand": "2026-03"})
    assert response.context["month_problem"] == ""

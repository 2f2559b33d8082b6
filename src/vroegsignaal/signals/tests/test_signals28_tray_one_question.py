"""Tray management asks once, and says how many of the signals that change tray are picked up.

Before, a move that put a tray above the crisis tray asked twice with the script (the browser's
question on Omhoog or Omlaag, then the page with the counts) and not at all without it when no
signal changed tray. Now the server asks for such a move, always on the move's page (with the
crisis warning and the counts), and the buttons ask nothing. The change and delete previews now
say how many of the open signals that change tray are already picked up ("waarvan M al
opgepakt"), and that those keep their case and worker, as the move's page does.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.english import main_html
from vroegsignaal.signals import forms, services
from vroegsignaal.signals.models import Signal
from vroegsignaal.signals.tray_management import TrayPreview, preview_tray_move

from .test_signals27_tray_move_counts import post_move
from .test_tray_management import (
    DEFAULT_NAMES,
    URL,
    evaluate,
    form_data,
    multiple,
    names,
    single,
    town,
    tray,
    tray_events,
    tray_of,
)

__all__ = ["town"]  # the fixture, imported for these tests

pytestmark = pytest.mark.django_db

KEEPS_CASE = (
    "Een opgepakt signaal blijft bij zijn zaak en bij wie eraan werkt; alleen het werkbakje "
    "waarin het staat verandert."
)
ABOVE_CRISIS = (
    "Werkbakje ‘Jongeren (&lt; 27)’ boven werkbakje ‘Crisis’ zetten? ‘Crisis’ neemt crisissignalen: "
    "een crisissignaal dat ook aan de voorwaarden van ‘Jongeren (&lt; 27)’ voldoet, komt dan in "
    "‘Jongeren (&lt; 27)’. Een crisissignaal vraagt contact binnen 3 werkdagen (Wgs artikel 4, tweede lid)."
)


def picked_up(*households) -> None:
    for household in households:
        services.pick_up_signal(Signal.objects.get(household=household))


# -- 1. a move above the crisis tray asks once ---------------------------------------------------------


def test_the_move_buttons_ask_nothing_in_the_browser(town, client, verified_client):
    verified_client(town.coordinator)
    html = main_html(client.get(URL))
    assert html.count('name="richting"') == 8  # Omhoog on four trays, Omlaag on four
    assert "data-confirm=" not in html


def test_a_move_above_the_crisis_tray_that_resorts_nothing_asks_on_its_page_once(
    town, client, verified_client
):
    household = multiple(town)
    evaluate(town)
    verified_client(town.coordinator)
    jongeren = tray(town, "Jongeren (< 27)")
    asked = post_move(client, jongeren, "omhoog")
    assert asked.status_code == 200
    assert [t.name for t in asked.templates][0] == "signals/tray_move.html"
    html = main_html(asked)
    assert ABOVE_CRISIS in html
    assert "Door deze verplaatsing gaat geen open signaal naar een ander werkbakje." in html
    assert "data-confirm=" not in html
    assert names(town.municipality) == DEFAULT_NAMES and tray_events() == []
    # Its one button moves it: no second question.
    done = post_move(client, jongeren, "omhoog", bevestigd=asked.context["confirmation"])
    assert done.status_code == 302
    assert names(town.municipality)[:2] == ["Jongeren (< 27)", "Crisis"]
    assert tray_of(household) == "Meervoudig"
    assert [purpose for _action, purpose, _details in tray_events()] == ["werkbakje verplaatst"]


def test_the_crisis_tray_moved_down_asks_on_its_page_too(town, client, verified_client):
    verified_client(town.coordinator)
    asked = post_move(client, tray(town, "Crisis"), "omlaag")
    assert asked.status_code == 200
    assert ABOVE_CRISIS in main_html(asked)
    assert names(town.municipality) == DEFAULT_NAMES


def test_a_move_above_the_crisis_tray_that_resorts_signals_asks_once_with_both(
    town, client, verified_client
):
    crisis, other = multiple(town, crisis=True), multiple(town)
    evaluate(town)
    alles = services.create_tray(town.municipality, {"name": "Alles"}, actor=town.coordinator).tray
    services.move_tray(alles, -4, actor=town.coordinator)  # place 2: takes all but crisis signals
    verified_client(town.coordinator)
    asked = post_move(client, alles, "omhoog")
    assert asked.status_code == 200
    html = main_html(asked)
    assert "Werkbakje ‘Alles’ boven werkbakje ‘Crisis’ zetten?" in html
    assert "Door deze verplaatsing gaat 1 open signaal naar een ander werkbakje." in html
    assert "1 crisissignaal gaat naar werkbakje ‘Alles’." in html
    done = post_move(client, alles, "omhoog", bevestigd=asked.context["confirmation"])
    assert done.status_code == 302
    assert (tray_of(crisis), tray_of(other)) == ("Alles", "Alles")


def test_a_move_that_passes_no_crisis_tray_and_resorts_nothing_happens_at_once(
    town, client, verified_client
):
    verified_client(town.coordinator)
    response = post_move(client, tray(town, "Schuldverschuiving"), "omhoog")
    assert response.status_code == 302
    assert names(town.municipality)[2] == "Schuldverschuiving"


def test_two_trays_that_both_take_crisis_signals_pass_each_other_at_once(
    town, client, verified_client
):
    second = services.create_tray(
        town.municipality, {"name": "Crisis jong", "crisis": True}, actor=town.coordinator
    ).tray
    services.move_tray(second, -10, actor=town.coordinator)
    services.move_tray(second, 1, actor=town.coordinator)  # place 2, right below Crisis
    verified_client(town.coordinator)
    response = post_move(client, second, "omhoog")
    assert response.status_code == 302
    assert names(town.municipality)[:2] == ["Crisis jong", "Crisis"]


def test_a_tray_holding_crisis_signals_without_the_condition_counts_as_a_crisis_tray(town):
    multiple(town, crisis=True)
    evaluate(town)
    alles = services.create_tray(town.municipality, {"name": "Alles"}, actor=town.coordinator).tray
    services.move_tray(alles, -10, actor=town.coordinator)  # first
    services.delete_tray(tray(town, "Crisis"), actor=town.coordinator)  # its crisis signal: Alles
    order = [tray(town, name) for name in names(town.municipality)]
    assert [t.name for t in order][:2] == ["Alles", "Jongeren (< 27)"]
    assert [preview_tray_move(t, -1).above_crisis for t in order[1:]] == [True, False, False, False]
    assert preview_tray_move(order[0], 1).above_crisis


# -- 2. the change and delete previews say how many are picked up ---------------------------------------


def edit(client, tray_obj, **values):
    return client.post(reverse("signals:tray_edit", args=[tray_obj.pk]), form_data(**values))


def test_the_change_preview_says_how_many_of_the_moving_signals_are_picked_up(
    town, client, verified_client
):
    households = [multiple(town), multiple(town), multiple(town)]
    evaluate(town)
    picked_up(*households[:2])
    verified_client(town.coordinator)
    # Jongeren without conditions takes every signal below it: the three in Meervoudig.
    response = edit(client, tray(town, "Jongeren (< 27)"), name="Jongeren (< 27)")
    assert response.status_code == 200
    html = main_html(response)
    assert "3 open signalen komen in een ander werkbakje, waarvan 2 al opgepakt." in html
    assert KEEPS_CASE in html
    assert [tray_of(h) for h in households] == ["Meervoudig"] * 3  # nothing saved yet


def test_the_change_preview_says_it_of_one_signal_in_the_singular(town, client, verified_client):
    household = multiple(town)
    evaluate(town)
    picked_up(household)
    verified_client(town.coordinator)
    html = main_html(edit(client, tray(town, "Jongeren (< 27)"), name="Jongeren (< 27)"))
    assert "1 open signaal komt in een ander werkbakje; het is al opgepakt." in html
    assert KEEPS_CASE in html


def test_the_change_preview_says_nothing_of_picking_up_when_none_is(town, client, verified_client):
    multiple(town), multiple(town)
    evaluate(town)
    verified_client(town.coordinator)
    html = main_html(edit(client, tray(town, "Jongeren (< 27)"), name="Jongeren (< 27)"))
    assert "2 open signalen komen in een ander werkbakje." in html
    assert "opgepakt" not in html


@pytest.mark.parametrize(
    ("preview", "lines"),
    [
        (TrayPreview(moved=2, unplaced=0, picked_up=1),
         ["2 open signalen komen in een ander werkbakje, waarvan 1 al opgepakt.", KEEPS_CASE]),
        (TrayPreview(moved=3, unplaced=1, picked_up=2),
         ["2 open signalen komen in een ander werkbakje.",
          "1 open signaal staat daarna in geen werkbakje: het past dan bij geen enkel werkbakje, "
          "en de lijsten bij Werkbakjes tonen het niet.",
          "2 van deze open signalen zijn al opgepakt.", KEEPS_CASE]),
        (TrayPreview(moved=1, unplaced=1, picked_up=1),
         ["1 open signaal staat daarna in geen werkbakje: het past dan bij geen enkel werkbakje, "
          "en de lijsten bij Werkbakjes tonen het niet.",
          "1 van deze open signalen is al opgepakt.", KEEPS_CASE]),
    ],
)  # fmt: skip
def test_the_change_preview_counts_picked_up_signals_apart_when_some_go_to_no_tray(preview, lines):
    assert forms.change_resort_lines(preview) == lines


def test_the_delete_page_says_how_many_of_its_open_signals_are_picked_up(
    town, client, verified_client
):
    households = [multiple(town), multiple(town), single(town)]
    evaluate(town)
    picked_up(*households[:2])
    verified_client(town.coordinator)
    html = main_html(client.get(reverse("signals:tray_delete", args=[tray(town, "Meervoudig").pk])))
    assert f"2 van deze open signalen zijn al opgepakt. {KEEPS_CASE}" in html


def test_the_delete_page_says_it_of_one_in_the_singular_and_nothing_without(
    town, client, verified_client
):
    picked, other = multiple(town), single(town)
    evaluate(town)
    picked_up(picked)
    verified_client(town.coordinator)
    html = main_html(client.get(reverse("signals:tray_delete", args=[tray(town, "Meervoudig").pk])))
    assert f"1 van deze open signalen is al opgepakt. {KEEPS_CASE}" in html
    assert tray_of(other) == "Enkelvoudig"
    html = main_html(
        client.get(reverse("signals:tray_delete", args=[tray(town, "Enkelvoudig").pk]))
    )
    assert "opgepakt." not in html

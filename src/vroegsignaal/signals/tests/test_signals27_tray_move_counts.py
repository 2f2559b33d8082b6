"""Review 27: moving a tray says first how many open signals it would put in another tray.

A move sorts the open signals again (``nieuw`` and ``opgepakt``, as a change or a deletion of a
tray does). Before, "Omhoog" and "Omlaag" moved at once, and only the move above a crisis tray
asked first (the browser's question, without counts). Now a move that would put open signals in
another tray shows first how many, how many of those are already picked up, and where crisis
signals would go, on a page that needs no script (a POST with ``bevestigd``); a move that puts
none elsewhere happens at once. The confirmation carries a fingerprint of the trays it was
computed for: when they changed meanwhile, nothing moves and the page asks again.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.english import main_html
from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal
from vroegsignaal.signals.tray_management import TrayMoveUnconfirmed, preview_tray_move

from .conftest import PEILDATUM
from .test_tray_management import (
    DEFAULT_NAMES,
    URL,
    evaluate,
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

YOUNG = PEILDATUM.replace(year=PEILDATUM.year - 20) - dt.timedelta(days=1)  # 20 on the peildatum
ORDER = ["Crisis", "Jongeren (< 27)", "Meervoudig", "Alles", "Schuldverschuiving", "Enkelvoudig"]


def post_move(client, tray_obj, direction, **extra):
    return client.post(
        reverse("signals:tray_move", args=[tray_obj.pk]), {"richting": direction, **extra}
    )


def confirm(client, tray_obj, direction, asked):
    """Press the confirmation page's button: the same move with the fingerprint it carries."""
    return post_move(client, tray_obj, direction, bevestigd=asked.context["confirmation"])


def said(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def catch_all_below_meervoudig(world):
    """Three multiple signals in Meervoudig (the third, of € 4.000, picked up), a single one,
    and a tray 'Alles' without conditions right below Meervoudig (it takes the single signal)."""
    households = [multiple(world), multiple(world), multiple(world, amount=200_000), single(world)]
    evaluate(world)
    services.pick_up_signal(Signal.objects.get(household=households[2]))
    alles = services.create_tray(
        world.municipality, {"name": "Alles"}, actor=world.coordinator
    ).tray
    services.move_tray(alles, -2, actor=world.coordinator)
    assert names(world.municipality) == ORDER
    assert [tray_of(h) for h in households] == ["Meervoudig"] * 3 + ["Alles"]
    return households, tray(world, "Alles")


# -- a move that would put open signals in another tray asks first, with the counts ----------------


def test_a_move_that_resorts_signals_asks_first_with_the_counts(town, client, verified_client):
    households, alles = catch_all_below_meervoudig(town)
    events = len(tray_events())
    verified_client(town.coordinator)
    response = post_move(client, alles, "omhoog")
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "signals/tray_move.html"
    question = response.context["question"]
    assert (question.place, question.target, question.passed.name) == (4, 3, "Meervoudig")
    preview = question.preview
    assert (preview.moved, preview.elsewhere, preview.unplaced, preview.picked_up) == (3, 3, 0, 1)
    html = main_html(response)
    assert (
        "Door deze verplaatsing gaan 3 open signalen naar een ander werkbakje, waarvan 1 al opgepakt."
        in html
    )
    assert (
        "Werkbakje ‘Alles’ gaat van plaats 4 naar plaats 3, boven werkbakje ‘Meervoudig’." in html
    )
    # Asking moves, sorts and audits nothing.
    assert names(town.municipality) == ORDER
    assert [tray_of(h) for h in households] == ["Meervoudig"] * 3 + ["Alles"]
    assert len(tray_events()) == events


def test_the_confirmation_page_works_without_a_script(town, client, verified_client):
    _households, alles = catch_all_below_meervoudig(town)
    verified_client(town.coordinator)
    response = post_move(client, alles, "omhoog")
    html = main_html(response)
    action = reverse("signals:tray_move", args=[alles.pk])
    assert f'<form method="post" action="{action}"' in html
    assert '<input type="hidden" name="richting" value="omhoog">' in html
    assert (
        f'<input type="hidden" name="bevestigd" value="{response.context["confirmation"]}">' in html
    )
    assert "Toch verplaatsen</button>" in html
    assert f'href="{URL}#werkbakje-{alles.pk}">Annuleren</a>' in html
    assert "data-confirm=" not in html  # the page itself asks: no second question


def test_one_signal_that_is_picked_up_is_said_so(town, client, verified_client):
    household = multiple(town)
    evaluate(town)
    services.pick_up_signal(Signal.objects.get(household=household))
    services.update_tray(
        tray(town, "Schuldverschuiving"),
        {"name": "Schuldverschuiving", "kind": "meervoudig"},
        actor=town.coordinator,
    )
    verified_client(town.coordinator)
    response = post_move(client, tray(town, "Schuldverschuiving"), "omhoog")
    html = main_html(response)
    assert (
        "Door deze verplaatsing gaat 1 open signaal naar een ander werkbakje; het is al opgepakt."
        in html
    )
    assert "Een opgepakt signaal blijft bij zijn zaak" in html


def test_a_move_above_the_crisis_tray_keeps_its_warning_and_says_where_crisis_signals_go(
    town, client, verified_client
):
    crisis, other = multiple(town, crisis=True), multiple(town)
    evaluate(town)
    alles = services.create_tray(town.municipality, {"name": "Alles"}, actor=town.coordinator).tray
    services.move_tray(alles, -4, actor=town.coordinator)  # place 2: takes all but crisis signals
    assert (tray_of(crisis), tray_of(other)) == ("Crisis", "Alles")
    verified_client(town.coordinator)
    response = post_move(client, alles, "omhoog")
    assert response.status_code == 200
    html = main_html(response)
    assert (
        "Werkbakje ‘Alles’ boven werkbakje ‘Crisis’ zetten? ‘Crisis’ neemt crisissignalen: "
        "een crisissignaal dat ook aan de voorwaarden van ‘Alles’ voldoet, komt dan in ‘Alles’. "
        "Een crisissignaal vraagt contact binnen 3 werkdagen (Wgs artikel 4, tweede lid)."
    ) in html
    assert "Door deze verplaatsing gaat 1 open signaal naar een ander werkbakje." in html
    assert "1 crisissignaal gaat naar werkbakje ‘Alles’." in html
    assert response.context["question"].preview.crisis_destinations == (("Alles", 1),)


def test_the_crisis_tray_moved_down_says_where_its_crisis_signals_go(town, client, verified_client):
    young = multiple(town, crisis=True, born=YOUNG)
    evaluate(town)
    assert tray_of(young) == "Crisis"
    verified_client(town.coordinator)
    response = post_move(client, tray(town, "Crisis"), "omlaag")
    assert response.status_code == 200
    html = main_html(response)
    assert (
        "Werkbakje ‘Crisis’ gaat van plaats 1 naar plaats 2, onder werkbakje ‘Jongeren (&lt; 27)’."
        in html
    )
    assert "Werkbakje ‘Jongeren (&lt; 27)’ boven werkbakje ‘Crisis’ zetten?" in html
    assert "1 crisissignaal gaat naar werkbakje ‘Jongeren (&lt; 27)’." in html


# -- a move that puts no open signal elsewhere happens at once ---------------------------------------


def test_a_move_that_resorts_no_signal_happens_at_once(town, client, verified_client):
    household = multiple(town)
    evaluate(town)
    verified_client(town.coordinator)
    response = post_move(client, tray(town, "Schuldverschuiving"), "omhoog")
    assert response.status_code == 302
    assert response["Location"] == f"{URL}#werkbakje-{tray(town, 'Schuldverschuiving').pk}"
    assert names(town.municipality) == [
        "Crisis", "Jongeren (< 27)", "Schuldverschuiving", "Meervoudig", "Enkelvoudig",
    ]  # fmt: skip
    assert tray_of(household) == "Meervoudig"
    assert said(response) == [
        (
            "success",
            "Werkbakje ‘Schuldverschuiving’ staat nu op plaats 3. Geen open signaal kwam in een ander werkbakje.",
        )
    ]
    ((action, purpose, details),) = tray_events()
    assert (action, purpose) == ("update", "werkbakje verplaatst")
    assert details == {
        "naam": "Schuldverschuiving", "van_plaats": 4, "naar_plaats": 3,
        "open_signalen_naar_ander_werkbakje": 0, "open_signalen_naar_geen_werkbakje": 0,
        "waarvan_opgepakt": 0,
    }  # fmt: skip


def test_the_top_tray_moved_up_stays_put_without_asking(town, client, verified_client):
    multiple(town, crisis=True)
    evaluate(town)
    verified_client(town.coordinator)
    response = post_move(client, tray(town, "Crisis"), "omhoog")
    assert response.status_code == 302
    assert said(response) == [("info", "Werkbakje ‘Crisis’ staat al op plaats 1.")]
    assert names(town.municipality) == DEFAULT_NAMES and tray_events() == []


# -- confirming performs it, and the audit event has the counts ---------------------------------------


def test_confirming_performs_the_move_and_the_audit_event_records_the_counts(
    town, client, verified_client
):
    households, alles = catch_all_below_meervoudig(town)
    events = len(tray_events())
    verified_client(town.coordinator)
    asked = post_move(client, alles, "omhoog")
    response = confirm(client, alles, "omhoog", asked)
    assert response.status_code == 302 and response["Location"] == f"{URL}#werkbakje-{alles.pk}"
    assert names(town.municipality) == [
        "Crisis", "Jongeren (< 27)", "Alles", "Meervoudig", "Schuldverschuiving", "Enkelvoudig",
    ]  # fmt: skip
    # The picked-up signal is sorted again too, as a change or a deletion of a tray does.
    assert [tray_of(h) for h in households] == ["Alles"] * 4
    assert said(response) == [
        ("success", "Werkbakje ‘Alles’ staat nu op plaats 3. 3 open signalen kwamen in een ander werkbakje.")
    ]  # fmt: skip
    moves = tray_events()[events:]
    assert [(action, purpose) for action, purpose, _ in moves] == [
        ("update", "werkbakje verplaatst")
    ]
    assert moves[0][2] == {
        "naam": "Alles", "van_plaats": 4, "naar_plaats": 3,
        "open_signalen_naar_ander_werkbakje": 3, "open_signalen_naar_geen_werkbakje": 0,
        "waarvan_opgepakt": 1,
    }  # fmt: skip


def test_the_counts_asked_are_what_the_move_does(town):
    households, alles = catch_all_below_meervoudig(town)
    with pytest.raises(TrayMoveUnconfirmed) as asked:
        services.move_tray(alles, -1, actor=town.coordinator, ask=True)
    preview = asked.value.question.preview
    assert names(town.municipality) == ORDER  # nothing moved
    assert preview_tray_move(alles, -1) == preview  # the same, read without the lock
    assert (
        preview_tray_move(tray(town, "Crisis"), -1)
        == preview_tray_move(alles, 0)
        == type(preview)()
    )
    change = services.move_tray(
        alles, -1, actor=town.coordinator, ask=True, confirmed=asked.value.question.fingerprint
    )
    assert (change.moved_signals, change.unplaced_signals) == (preview.moved, preview.unplaced)
    assert [tray_of(h) for h in households] == ["Alles"] * 4


# -- a stale confirmation: the trays changed meanwhile ---------------------------------------------------


def test_a_stale_confirmation_moves_nothing_and_asks_again_with_the_counts_of_now(
    town, client, verified_client
):
    households, alles = catch_all_below_meervoudig(town)
    verified_client(town.coordinator)
    asked = post_move(client, alles, "omhoog")
    # Meanwhile a colleague lets 'Alles' take signals from € 1.000 only: the single signal leaves
    # it, and of the three multiple ones only the picked-up one (€ 4.000) would come in.
    services.update_tray(alles, {"name": "Alles", "amount_min_eur": 1000}, actor=town.coordinator)
    assert tray_of(households[3]) == "Enkelvoudig"
    events = len(tray_events())
    response = confirm(client, alles, "omhoog", asked)
    assert response.status_code == 200
    question = response.context["question"]
    assert question.stale and (question.preview.moved, question.preview.picked_up) == (1, 1)
    assert response.context["confirmation"] != asked.context["confirmation"]
    html = main_html(response)
    assert "De werkbakjes zijn gewijzigd nadat u deze vraag kreeg" in html
    assert "Er is niets verplaatst." in html
    assert (
        "Door deze verplaatsing gaat 1 open signaal naar een ander werkbakje; het is al opgepakt."
        in html
    )
    assert names(town.municipality) == ORDER and len(tray_events()) == events
    assert [tray_of(h) for h in households] == ["Meervoudig"] * 3 + ["Enkelvoudig"]
    # Confirmed again, with what the page now shows, it moves.
    response = confirm(client, alles, "omhoog", response)
    assert response.status_code == 302
    assert names(town.municipality)[2] == "Alles"
    assert [tray_of(h) for h in households] == ["Meervoudig", "Meervoudig", "Alles", "Enkelvoudig"]


def test_a_stale_confirmation_asks_again_even_when_now_no_signal_would_move(
    town, client, verified_client
):
    households, alles = catch_all_below_meervoudig(town)
    verified_client(town.coordinator)
    asked = post_move(client, alles, "omhoog")
    # Meanwhile 'Alles' takes only single signals: above Meervoudig it would take none of its own.
    services.update_tray(alles, {"name": "Alles", "kind": "enkelvoudig"}, actor=town.coordinator)
    response = confirm(client, alles, "omhoog", asked)
    assert response.status_code == 200
    question = response.context["question"]
    assert question.stale and question.preview.moved == 0
    assert "Door deze verplaatsing gaat geen open signaal naar een ander werkbakje." in main_html(
        response
    )
    assert names(town.municipality) == ORDER
    assert [tray_of(h) for h in households] == ["Meervoudig"] * 3 + ["Alles"]


def test_a_stale_confirmation_of_a_tray_now_at_the_top_moves_nothing(town, client, verified_client):
    _households, alles = catch_all_below_meervoudig(town)
    verified_client(town.coordinator)
    asked = post_move(client, alles, "omhoog")
    services.move_tray(alles, -10, actor=town.coordinator)  # a colleague put it first
    events = len(tray_events())
    response = confirm(client, alles, "omhoog", asked)
    assert response.status_code == 302
    assert said(response) == [("info", "Werkbakje ‘Alles’ staat al op plaats 1.")]
    assert len(tray_events()) == events


def test_the_service_checks_the_confirmation_under_the_lock(town):
    households, alles = catch_all_below_meervoudig(town)
    with pytest.raises(TrayMoveUnconfirmed) as asked:
        services.move_tray(alles, -1, actor=town.coordinator, ask=True, confirmed="verouderd")
    assert asked.value.question.stale
    assert names(town.municipality) == ORDER
    assert [tray_of(h) for h in households] == ["Meervoudig"] * 3 + ["Alles"]


def test_a_tray_deleted_meanwhile_is_not_found(town, client, verified_client):
    _households, alles = catch_all_below_meervoudig(town)
    verified_client(town.coordinator)
    asked = post_move(client, alles, "omhoog")
    services.delete_tray(alles, actor=town.coordinator)
    assert confirm(client, alles, "omhoog", asked).status_code == 404


def test_the_services_move_at_once_when_not_asked_to_ask(town):
    """Callers that do not ask (load_config, scripts, the tests of the order) move as before."""
    households, alles = catch_all_below_meervoudig(town)
    change = services.move_tray(alles, -1, actor=town.coordinator)
    assert change.changed and change.moved_signals == 3
    assert [tray_of(h) for h in households] == ["Alles"] * 4

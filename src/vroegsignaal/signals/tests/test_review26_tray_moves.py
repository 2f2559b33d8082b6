"""Review 26, defects 2 and 5: what a tray change does to the open signals is said as it is.

Signals that fit no tray any more are "in geen werkbakje", not "in een ander werkbakje"; the
change of a tray shows first how many open signals would go to another tray and to none; the
crisis tray (contact within 3 working days) is not deleted or passed without a word about its
crisis signals."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.english import main_html
from vroegsignaal.privacy.models import AuditEvent
from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal, Tray

from .test_tray_management import (
    DEFAULT_NAMES,
    URL,
    evaluate,
    form_data,
    multiple,
    single,
    town,
    tray,
    tray_of,
)

__all__ = ["town"]  # the fixture, imported for these tests

UNPLACED_ONE = (
    "1 open signaal staat nu in geen werkbakje: het past bij geen enkel werkbakje, en de lijsten bij "
    "Werkbakjes tonen het niet. Verruim de voorwaarden, of voeg onderaan een werkbakje zonder "
    "voorwaarden toe, zodat het weer in een werkbakje komt."
)


def edit(client, tray_obj, **values):
    return client.post(reverse("signals:tray_edit", args=[tray_obj.pk]), form_data(**values))


def confirmed(client, tray_obj, response, **values):
    """Send the values again with the confirmation the preview page carries."""
    data = form_data(**values, bevestigd=response.context["confirmation"])
    return client.post(reverse("signals:tray_edit", args=[tray_obj.pk]), data)


def said(response) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]


def tray_events() -> int:
    return AuditEvent.objects.filter(object_type="signals.tray").count()


# -- defect 2: the message after the change --------------------------------------------------------


def test_signals_that_fit_no_tray_after_a_change_are_said_to_be_in_no_tray_not_moved(
    town, client, verified_client
):
    household = multiple(town)  # € 250 in total: in Meervoudig
    evaluate(town)
    verified_client(town.coordinator)
    meervoudig = tray(town, "Meervoudig")
    values = {"name": "Meervoudig", "kind": "meervoudig", "amount_min_eur": "1.000"}
    response = confirmed(client, meervoudig, edit(client, meervoudig, **values), **values)
    assert response.status_code == 302 and tray_of(household) is None
    assert said(response) == [
        (
            "success",
            "Werkbakje ‘Meervoudig’ is gewijzigd. Geen open signaal kwam in een ander werkbakje.",
        ),
        ("warning", UNPLACED_ONE),
    ]


def test_signals_moved_to_another_tray_and_to_none_are_counted_apart(town):
    to_none, to_other = multiple(town), single(town)  # Meervoudig, Enkelvoudig
    evaluate(town)
    change = services.update_tray(
        tray(town, "Meervoudig"),
        {"name": "Meervoudig", "kind": "enkelvoudig"},
        actor=town.coordinator,
    )
    assert (tray_of(to_none), tray_of(to_other)) == (None, "Meervoudig")
    assert (change.moved_signals, change.unplaced_signals) == (2, 1)


def test_a_change_that_moves_signals_to_another_tray_only_gives_no_warning(
    town, client, verified_client
):
    single(town)
    evaluate(town)
    verified_client(town.coordinator)
    meervoudig = tray(town, "Meervoudig")
    values = {"name": "Meervoudig", "kind": ""}  # now takes the single signal too
    response = confirmed(client, meervoudig, edit(client, meervoudig, **values), **values)
    assert said(response) == [
        (
            "success",
            "Werkbakje ‘Meervoudig’ is gewijzigd. 1 open signaal kwam in een ander werkbakje.",
        )
    ]


def test_deleting_a_tray_whose_signals_fit_no_other_says_they_are_in_no_tray(
    town, client, verified_client
):
    multiple(town)
    evaluate(town)
    verified_client(town.coordinator)
    response = client.post(reverse("signals:tray_delete", args=[tray(town, "Meervoudig").pk]))
    assert said(response) == [
        (
            "success",
            "Werkbakje ‘Meervoudig’ is verwijderd. Geen open signaal kwam in een ander werkbakje.",
        ),
        ("warning", UNPLACED_ONE),
    ]


# -- defect 2: the confirmation before saving ------------------------------------------------------


def test_a_tray_change_first_shows_how_many_signals_would_go_to_another_tray_and_to_none(
    town, client, verified_client
):
    to_none, to_other = multiple(town), single(town)
    evaluate(town)
    verified_client(town.coordinator)
    meervoudig = tray(town, "Meervoudig")
    response = edit(client, meervoudig, name="Meervoudig", kind="enkelvoudig")
    assert response.status_code == 200
    preview = response.context["preview"]
    assert (preview.moved, preview.elsewhere, preview.unplaced) == (2, 1, 1)
    html = main_html(response)
    assert "1 open signaal komt in een ander werkbakje." in html
    assert "1 open signaal staat daarna in geen werkbakje" in html
    assert f'name="bevestigd" value="{response.context["confirmation"]}"' in html
    assert "data-confirm=" not in html  # the page itself asks: no second question
    # Nothing saved, moved or audited yet.
    assert tray(town, "Meervoudig").kind == "meervoudig"
    assert (tray_of(to_none), tray_of(to_other)) == ("Meervoudig", "Enkelvoudig")
    assert tray_events() == 0

    response = confirmed(client, meervoudig, response, name="Meervoudig", kind="enkelvoudig")
    assert response.status_code == 302
    assert (tray_of(to_none), tray_of(to_other)) == (None, "Meervoudig")


def test_values_changed_after_the_preview_are_shown_again_before_they_are_saved(
    town, client, verified_client
):
    multiple(town), single(town)
    evaluate(town)
    verified_client(town.coordinator)
    meervoudig = tray(town, "Meervoudig")
    first = edit(client, meervoudig, name="Meervoudig", kind="enkelvoudig")
    response = confirmed(
        client, meervoudig, first, name="Meervoudig", kind="", amount_min_eur="1000"
    )
    assert response.status_code == 200
    assert (response.context["preview"].moved, response.context["preview"].unplaced) == (1, 1)
    assert tray(town, "Meervoudig").kind == "meervoudig"


def test_a_tray_change_that_moves_no_signal_is_saved_at_once(town, client, verified_client):
    household = multiple(town)
    evaluate(town)
    verified_client(town.coordinator)
    response = edit(
        client, tray(town, "Meervoudig"), name="Meervoudige signalen", kind="meervoudig"
    )
    assert response.status_code == 302 and tray_of(household) == "Meervoudige signalen"


def test_the_preview_is_what_saving_does(town):
    households = [
        multiple(town),
        multiple(town, crisis=True),
        single(town),
        single(town, "WATERNET"),
    ]
    evaluate(town)
    values = {"name": "Enkelvoudig", "kind": "enkelvoudig", "creditor_types": ["Water"]}
    preview = services.preview_tray_update(tray(town, "Enkelvoudig"), values)
    before = [tray_of(h) for h in households]
    change = services.update_tray(tray(town, "Enkelvoudig"), values, actor=town.coordinator)
    after = [tray_of(h) for h in households]
    assert (
        (preview.moved, preview.unplaced)
        == (change.moved_signals, change.unplaced_signals)
        == (1, 1)
    )
    assert sum(b != a for b, a in zip(before, after, strict=True)) == 1


def test_the_edit_page_asks_once_on_the_servers_page_not_in_the_browser_as_well(
    town, client, verified_client
):
    """The edit form's browser question said a preview would follow, which it then showed: two
    questions for one change. The preview (above) is the one question, with the counts; a change
    that moves no signal is saved at once, as a move that re-sorts nothing is."""
    verified_client(town.coordinator)
    html = main_html(client.get(reverse("signals:tray_edit", args=[tray(town, "Meervoudig").pk])))
    assert "data-confirm=" not in html
    add = main_html(client.get(reverse("signals:tray_add")))
    assert "data-confirm=" in add  # a new tray has no preview: the browser asks


# -- defect 5: the crisis tray ---------------------------------------------------------------------


def test_deleting_the_crisis_tray_says_where_its_crisis_signals_go_and_their_deadline(
    town, client, verified_client
):
    multiple(town, crisis=True)
    evaluate(town)
    verified_client(town.coordinator)
    html = main_html(client.get(reverse("signals:tray_delete", args=[tray(town, "Crisis").pk])))
    assert (
        "Dit werkbakje neemt crisissignalen. Een crisissignaal vraagt contact binnen 3 werkdagen"
        in html
    )
    assert "1 crisissignaal gaat naar werkbakje ‘Meervoudig’." in html
    assert "Na het verwijderen heeft geen werkbakje meer de voorwaarde ‘crisissignaal’" in html


def test_deleting_the_crisis_tray_warns_when_its_crisis_signals_would_be_in_no_tray(
    town, client, verified_client
):
    crisis = town.household()  # a single arrear, a crisis: Crisis, else Enkelvoudig
    town.arrear(crisis, "WOONBRUG", crisis=True, reason="ontruiming")
    evaluate(town)
    assert tray_of(crisis) == "Crisis"
    services.delete_tray(tray(town, "Enkelvoudig"), actor=town.coordinator)
    verified_client(town.coordinator)
    html = main_html(client.get(reverse("signals:tray_delete", args=[tray(town, "Crisis").pk])))
    assert (
        "1 crisissignaal staat daarna in geen werkbakje, terwijl het contact binnen 3 werkdagen vraagt."
        in html
    )
    assert "1 daarvan past bij geen ander werkbakje en staat daarna in geen werkbakje" in html


def test_deleting_an_empty_crisis_tray_still_warns_about_new_crisis_signals(
    town, client, verified_client
):
    verified_client(town.coordinator)
    html = main_html(client.get(reverse("signals:tray_delete", args=[tray(town, "Crisis").pk])))
    assert "Er staan nu geen open crisissignalen in dit werkbakje." in html
    assert "een nieuw crisissignaal komt dan in het eerste werkbakje" in html


def test_deleting_a_tray_without_crisis_signals_says_nothing_of_them(town, client, verified_client):
    multiple(town)
    evaluate(town)
    verified_client(town.coordinator)
    html = main_html(client.get(reverse("signals:tray_delete", args=[tray(town, "Meervoudig").pk])))
    assert "crisissignaal" not in html


def test_moving_a_tray_above_the_crisis_tray_asks_first(town, client, verified_client):
    """Asked on the move's page (review 28: one question, with or without script), not by the button."""
    verified_client(town.coordinator)
    assert "data-confirm=" not in main_html(client.get(URL))
    jongeren = tray(town, "Jongeren (< 27)")
    response = client.post(reverse("signals:tray_move", args=[jongeren.pk]), {"richting": "omhoog"})
    question = (
        "Werkbakje ‘Jongeren (&lt; 27)’ boven werkbakje ‘Crisis’ zetten? ‘Crisis’ neemt crisissignalen: "
        "een crisissignaal dat ook aan de voorwaarden van ‘Jongeren (&lt; 27)’ voldoet, komt dan in "
        "‘Jongeren (&lt; 27)’. Een crisissignaal vraagt contact binnen 3 werkdagen (Wgs artikel 4, tweede lid)."
    )
    assert question in main_html(response)
    order = [tray(town, name) for name in DEFAULT_NAMES]
    assert [services.preview_tray_move(t, -1).above_crisis for t in order[1:]] == [
        True, False, False, False,
    ]  # fmt: skip
    assert [services.preview_tray_move(t, 1).above_crisis for t in order[:-1]] == [
        True, False, False, False,
    ]  # fmt: skip


def test_a_tray_holding_crisis_signals_asks_too_though_it_has_no_crisis_condition(
    town, client, verified_client
):
    multiple(town, crisis=True)
    evaluate(town)
    catch_all = services.create_tray(
        town.municipality, {"name": "Alles"}, actor=town.coordinator
    ).tray
    services.move_tray(catch_all, -10, actor=town.coordinator)  # first
    services.delete_tray(
        tray(town, "Crisis"), actor=town.coordinator
    )  # its crisis signal: to Alles
    verified_client(town.coordinator)
    rows = client.get(URL).context["rows"]
    assert [r["tray"].name for r in rows][:2] == ["Alles", "Jongeren (< 27)"]
    assert [services.preview_tray_move(r["tray"], -1).above_crisis for r in rows] == [
        False, True, False, False, False,
    ]  # fmt: skip


def test_the_column_with_change_and_delete_is_called_actions(town, client, verified_client):
    verified_client(town.coordinator)
    html = main_html(client.get(URL))
    assert '<th class="utrecht-table__header-cell" scope="col">Acties</th>' in html
    assert 'scope="col">Wijzigen</th>' not in html


@pytest.mark.parametrize("name", ["Crisis", "Meervoudig"])
def test_the_delete_preview_changes_nothing(name, town, client, verified_client):
    multiple(town, crisis=True), multiple(town)
    evaluate(town)
    before = list(Signal.objects.order_by("pk").values_list("tray_id", flat=True))
    verified_client(town.coordinator)
    client.get(reverse("signals:tray_delete", args=[tray(town, name).pk]))
    assert list(Signal.objects.order_by("pk").values_list("tray_id", flat=True)) == before
    assert Tray.objects.filter(municipality=town.municipality).count() == 5

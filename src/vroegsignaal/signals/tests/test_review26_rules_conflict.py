"""Review 26, defect 4: a save from an older rules page (another tab, a colleague) is refused,
and the page then shows the rules in force with only the user's own changes kept and marked, so
that saving again does not silently undo the newer version. The message says who changed the
rules meanwhile: a colleague, the user in another tab, or the configuration."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from tests.english import main_html
from tests.factories import UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals import services
from vroegsignaal.signals.rules import RuleValues

from .rules_support import URL, rules_form

pytestmark = pytest.mark.django_db

MARK = "Door u gewijzigd, nog niet opgeslagen. Nu geldt:"


def sent_again(response) -> dict:
    """What the refused page sends when saved again untouched: its fields and the version it shows."""
    data: QueryDict = response.context["form"].data
    sent = {name: data.getlist(name) for name in data}
    sent["version"] = [str(response.context["current"].version)]
    return sent


def test_after_a_refusal_untouched_rules_show_the_values_in_force_and_changed_ones_the_users(
    municipality, coordinator, colleague, client, verified_client
):
    services.change_rules(municipality, {"min_creditors": 3, "max_age_days": 90}, actor=colleague)
    verified_client(coordinator)
    response = client.post(URL, rules_form(min_amount_eur="80"))
    form = response.context["form"]
    assert (form["min_creditors"].value(), form["max_age_days"].value()) == ("3", "90")  # in force
    assert form["min_amount_eur"].value() == "80"  # the user's own
    assert form.own_changes == ["min_amount_eur"]
    html = main_html(response)
    assert f"{MARK} €\u00a050." in html and html.count(MARK) == 1


def test_saving_the_refused_page_again_applies_only_the_users_own_change(
    municipality, coordinator, colleague, client, verified_client
):
    """The refused page kept the stale values of the fields the user never touched: saving it
    again silently undid the colleague's version."""
    services.change_rules(municipality, {"min_creditors": 3}, actor=colleague)
    verified_client(coordinator)
    refused = client.post(URL, rules_form(min_amount_eur="80"))
    assert client.post(URL, sent_again(refused)).status_code == 302
    current = services.current_rules(municipality)
    assert (current.version, current.min_creditors, current.min_amount_eur) == (3, 3, 80)


def test_excluded_types_the_user_ticked_are_kept_and_a_colleagues_count_follows(
    municipality, coordinator, colleague, client, verified_client
):
    services.change_rules(municipality, {"count_distinct": "type"}, actor=colleague)
    verified_client(coordinator)
    refused = client.post(URL, rules_form(single_signal_excluded_types=["Zorg", "Water"]))
    form = refused.context["form"]
    assert form["count_distinct"].value() == "type"
    assert sorted(form["single_signal_excluded_types"].value()) == ["Water", "Zorg"]
    client.post(URL, sent_again(refused))
    current = services.current_rules(municipality)
    assert (current.count_distinct, sorted(current.single_signal_excluded_types)) == (
        "type", ["Water", "Zorg"],
    )  # fmt: skip


def test_a_value_the_user_set_as_the_colleague_did_is_kept_but_not_marked(
    municipality, coordinator, colleague, client, verified_client
):
    services.change_rules(municipality, {"min_amount_eur": 80}, actor=colleague)
    verified_client(coordinator)
    response = client.post(URL, rules_form(min_amount_eur="80"))
    assert response.context["form"]["min_amount_eur"].value() == "80"
    html = main_html(response)
    assert MARK not in html
    assert (
        "Uw wijziging is niet opgeslagen. In het formulier staan nu de regels zoals ze gelden."
        in html
    )


def test_a_value_the_user_typed_wrong_is_kept_with_its_error_and_marked(
    municipality, coordinator, colleague, client, verified_client
):
    services.change_rules(municipality, {"min_creditors": 3}, actor=colleague)
    verified_client(coordinator)
    response = client.post(URL, rules_form(max_age_days="60.0"))
    form = response.context["form"]
    assert (form["max_age_days"].value(), form["min_creditors"].value()) == ("60.0", "3")
    assert "max_age_days" in form.errors and f"{MARK} 100 dagen." in main_html(response)


def test_the_refusal_names_the_colleague_who_changed_the_rules(
    municipality, coordinator, colleague, client, verified_client
):
    services.change_rules(municipality, {"min_creditors": 3}, actor=colleague)
    verified_client(coordinator)
    html = main_html(client.post(URL, rules_form(min_amount_eur="80")))
    assert (
        "Piet Jansen heeft de regels intussen gewijzigd (nu versie 2). Uw wijziging is niet opgeslagen. "
        "In het formulier staan nu de regels zoals ze gelden, met wat u zelf had gewijzigd gemarkeerd."
    ) in html
    assert "Iemand anders" not in html


def test_the_refusal_of_a_save_from_the_users_other_tab_says_it_was_the_user(
    municipality, coordinator, client, verified_client
):
    verified_client(coordinator)
    client.post(URL, rules_form(min_amount_eur="80"))  # tab A
    html = main_html(client.post(URL, rules_form(min_creditors="3")))  # tab B, version 1
    assert (
        "U heeft de regels intussen zelf gewijzigd, in een ander tabblad of venster (nu versie 2)."
        in html
    )
    assert "Iemand anders" not in html


def test_two_colleagues_are_both_named(
    municipality, coordinator, colleague, client, verified_client
):
    other = UserFactory(
        role=Role.COORDINATOR, municipality=municipality, first_name="Ans", last_name="Smit"
    )
    services.change_rules(municipality, {"min_creditors": 3}, actor=colleague)
    services.change_rules(municipality, {"max_age_days": 90}, actor=other)
    verified_client(coordinator)
    html = main_html(client.post(URL, rules_form(min_amount_eur="80")))
    assert "Piet Jansen en Ans Smit hebben de regels intussen gewijzigd (nu versie 3)." in html


def test_a_new_version_without_a_user_is_named_the_systems(
    municipality, coordinator, client, verified_client
):
    services.set_rules(municipality, RuleValues(min_amount_eur=50, min_creditors=3))  # load_config
    verified_client(coordinator)
    html = main_html(client.post(URL, rules_form(min_amount_eur="80")))
    assert (
        "De regels zijn intussen door het systeem gewijzigd, via het configuratiebestand of de eerste "
        "beoordeling (nu versie 2)."
    ) in html


def test_a_refusal_where_the_user_changed_nothing_shows_the_rules_in_force(
    municipality, coordinator, colleague, client, verified_client
):
    services.change_rules(municipality, {"min_creditors": 3}, actor=colleague)
    verified_client(coordinator)
    response = client.post(URL, rules_form())
    assert response.context["form"]["min_creditors"].value() == "3"
    html = main_html(response)
    assert (
        "Uw wijziging is niet opgeslagen. In het formulier staan nu de regels zoals ze gelden."
        in html
    )
    assert MARK not in html


@pytest.mark.parametrize("version", ["0", "-3", "99"])
def test_a_version_that_never_was_names_nobody_and_keeps_what_was_sent(
    version, municipality, coordinator, client, verified_client
):
    verified_client(coordinator)
    response = client.post(URL, rules_form(version=version, min_amount_eur="80"))
    assert response.context["form"].errors["__all__"] == [
        "De regels zijn intussen gewijzigd (nu versie 1). Uw wijziging is niet opgeslagen. Hierboven staan "
        "de regels zoals ze nu gelden; kijk uw wijzigingen na en sla opnieuw op."
    ]
    assert response.context["form"]["min_amount_eur"].value() == "80"

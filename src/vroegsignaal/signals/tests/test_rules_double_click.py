"""A double-clicked save of the rules page: the second request is the same save sent twice.

Its page showed the version before the first request's: the version check took the user's
own new version for a colleague's and said "Iemand anders heeft de regels intussen
gewijzigd". The same user's save of the same values within ``SENT_TWICE_WITHIN`` is now
answered as the first was; a colleague's, another change or a later one is still refused.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.english import main_html
from vroegsignaal.privacy.models import AuditEvent
from vroegsignaal.signals import forms, services
from vroegsignaal.signals.models import RuleSet
from vroegsignaal.signals.workflow import SENT_TWICE_WITHIN

from .rules_support import URL, rules_form, versions

pytestmark = pytest.mark.django_db

SAVED = "De signaalregels zijn opgeslagen als versie 2."
SOMEONE_ELSE = "Iemand anders heeft de regels"


def test_a_double_clicked_save_of_the_rules_saves_once_and_says_saved_twice(
    municipality, coordinator, client, verified_client
):
    verified_client(coordinator)
    data = rules_form(min_amount_eur="80", single_signal_excluded_types=["Zorg", "Energie"])
    for _ in range(2):
        html = main_html(client.post(URL, data, follow=True))
        assert SAVED in html and SOMEONE_ELSE not in html
    assert versions(municipality) == [1, 2]
    assert AuditEvent.objects.filter(purpose="signaalregels gewijzigd").count() == 1


def test_a_double_click_that_waited_for_the_first_save_gets_its_answer(
    monkeypatch, municipality, coordinator, client, verified_client
):
    """The second request passed the page's version check before the first committed, and
    meets the new version only in the service, under the municipality's lock."""
    clean = forms.RulesForm.clean

    def clean_then_the_first_request_commits(form):
        cleaned = clean(form)
        services.change_rules(
            municipality, form.changes(), actor=coordinator, shown_version=1
        )  # the first click
        return cleaned

    monkeypatch.setattr(forms.RulesForm, "clean", clean_then_the_first_request_commits)
    verified_client(coordinator)
    html = main_html(client.post(URL, rules_form(min_amount_eur="80"), follow=True))
    assert SAVED in html and SOMEONE_ELSE not in html
    assert versions(municipality) == [1, 2]


def test_change_rules_sent_twice_returns_the_first_ones_version(municipality, coordinator):
    first = services.change_rules(
        municipality, {"min_amount_eur": 80}, actor=coordinator, shown_version=1
    )
    again = services.change_rules(
        municipality, {"min_amount_eur": 80}, actor=coordinator, shown_version=1
    )
    assert again == first == (RuleSet.objects.get(municipality=municipality, version=2), True)


def test_the_same_save_by_a_colleague_is_still_refused(municipality, coordinator, colleague):
    services.change_rules(municipality, {"min_amount_eur": 80}, actor=coordinator, shown_version=1)
    with pytest.raises(ValueError, match="zojuist gewijzigd"):
        services.change_rules(
            municipality, {"min_amount_eur": 80}, actor=colleague, shown_version=1
        )


def test_another_change_from_an_older_page_of_the_same_user_is_still_refused(
    municipality, coordinator, client, verified_client
):
    """A second tab with the old version: saving other values would undo the user's own."""
    verified_client(coordinator)
    client.post(URL, rules_form(min_amount_eur="80"))
    html = main_html(client.post(URL, rules_form(min_creditors="3")))
    assert (
        "U heeft de regels intussen zelf gewijzigd, in een ander tabblad of venster (nu versie 2)."
        in html
    )
    assert versions(municipality) == [1, 2]


def test_the_same_save_sent_again_later_is_refused(municipality, coordinator):
    services.change_rules(municipality, {"min_amount_eur": 80}, actor=coordinator, shown_version=1)
    RuleSet.objects.filter(municipality=municipality, version=2).update(
        created_at=RuleSet.objects.get(municipality=municipality, version=2).created_at
        - SENT_TWICE_WITHIN
        - dt.timedelta(seconds=1)
    )
    with pytest.raises(ValueError, match="zojuist gewijzigd"):
        services.change_rules(
            municipality, {"min_amount_eur": 80}, actor=coordinator, shown_version=1
        )


def test_a_first_save_sent_twice_before_any_version_existed_is_one_save(coordinator):
    municipality = coordinator.municipality
    RuleSet.objects.filter(municipality=municipality).delete()
    for _ in range(2):
        rule_set, created = services.change_rules(
            municipality, {"min_amount_eur": 80}, actor=coordinator, shown_version=None
        )
        assert (rule_set.version, created) == (1, True)
    assert versions(municipality) == [1]

"""Two coordinators saving the rules page at the same moment.

Both pages showed version 1, so both forms pass the page's own version check; the first save
makes version 2. The second must then be refused — under the municipality's lock, where the
version is decided — and not become version 3 with its page's values, which would silently
undo the colleague's change. Deterministic: the colleague's save is slipped in between the
form's check and the service, where a real second request can land.
"""

from __future__ import annotations

import pytest

from tests.english import main_html
from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals import forms, services
from vroegsignaal.signals.models import RuleSet
from vroegsignaal.signals.rules import RuleValues

pytestmark = pytest.mark.django_db

URL = "/signalen/regels/"
PAGE = {
    "version": "1", "max_age_days": "100", "min_amount_eur": "50", "min_creditors": "2",
    "count_distinct": "creditor", "single_signals": "ja", "repeat_window_days": "183",
    "debt_swap_window_days": "60",
}  # fmt: skip


@pytest.fixture
def municipality():
    municipality = MunicipalityFactory(code="0363", name="Voorbeeldstad")
    services.set_rules(municipality, RuleValues(min_amount_eur=50))
    return municipality


def colleague_saves_after_the_form_check(monkeypatch, municipality) -> None:
    """The colleague's save commits after this request's form checked the version it showed
    (once: a later check of a form sees it)."""
    colleague = UserFactory(role=Role.COORDINATOR, municipality=municipality, first_name="Piet",
                            last_name="Jansen")  # fmt: skip
    clean = forms.RulesForm.clean
    saved = []

    def clean_then_colleague(form):
        cleaned = clean(form)
        if not saved:
            saved.append(services.change_rules(municipality, {"min_creditors": 3}, actor=colleague))
        return cleaned

    monkeypatch.setattr(forms.RulesForm, "clean", clean_then_colleague)


def test_a_rules_change_saved_at_the_same_moment_as_a_colleagues_does_not_undo_it(
    monkeypatch, municipality, client, verified_client
):
    coordinator = UserFactory(role=Role.COORDINATOR, municipality=municipality)
    colleague_saves_after_the_form_check(monkeypatch, municipality)
    verified_client(coordinator)
    response = client.post(URL, {**PAGE, "min_amount_eur": "80"})  # the page showed version 1
    assert response.status_code == 200
    assert "Piet Jansen heeft de regels intussen gewijzigd (nu versie 2)" in main_html(response)
    rule_sets = RuleSet.objects.filter(municipality=municipality).order_by("version")
    assert [r.version for r in rule_sets] == [1, 2]
    current = services.current_rules(municipality)
    assert (current.min_creditors, current.min_amount_eur) == (3, 50)  # the colleague's, whole


def test_a_page_refused_by_the_service_shows_the_colleagues_version_so_saving_again_goes_through(
    monkeypatch, municipality, client, verified_client
):
    """The refused page once showed the rules and the version read before the save: its next
    save was refused again, for a version the user had never been shown."""
    coordinator = UserFactory(role=Role.COORDINATOR, municipality=municipality)
    colleague_saves_after_the_form_check(monkeypatch, municipality)
    verified_client(coordinator)
    html = main_html(client.post(URL, {**PAGE, "min_amount_eur": "80"}))
    assert "Nu geldt versie 2," in html and 'name="version" value="2"' in html
    assert (
        "In het formulier staan nu de regels zoals ze gelden" in html
    )  # not "open de pagina opnieuw"
    assert 'name="min_amount_eur" value="80"' in html  # what the user typed, to look at again
    assert 'name="min_creditors" value="3"' in html  # the colleague's, which the user did not touch

    response = client.post(
        URL, {**PAGE, "version": "2", "min_amount_eur": "80", "min_creditors": "3"}
    )
    assert response.status_code == 302
    current = services.current_rules(municipality)
    assert (current.version, current.min_creditors, current.min_amount_eur) == (3, 3, 80)


def test_change_rules_refuses_a_version_other_than_the_one_shown(municipality):
    coordinator = UserFactory(role=Role.COORDINATOR, municipality=municipality)
    services.change_rules(municipality, {"min_creditors": 3}, actor=coordinator)
    with pytest.raises(ValueError, match="zojuist gewijzigd"):
        services.change_rules(
            municipality, {"min_amount_eur": 80}, actor=coordinator, shown_version=1
        )
    assert services.current_rules(municipality).version == 2
    rule_set, created = services.change_rules(
        municipality, {"min_amount_eur": 80}, actor=coordinator, shown_version=2
    )
    assert (rule_set.version, created, rule_set.min_creditors) == (3, True, 3)

"""The coordinator's rules page (Signaalregels): values, changes as versions, refusals, the audit log."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.english import in_english, main_html
from tests.factories import CreditorFactory, MunicipalityFactory, TeamFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.models import AuditEvent
from vroegsignaal.signals import services

from .rules_support import URL, rules_form, versions

pytestmark = pytest.mark.django_db


def test_url_and_name():
    assert reverse("signals:rules") == URL


def test_page_shows_the_current_values_next_to_the_defaults(coordinator, client, verified_client):
    verified_client(coordinator)
    response = client.get(URL)
    html = main_html(response)
    assert "Minimumbedrag per achterstand (euro)" in html
    rows = {row["label"]: (row["current"], row["default"]) for row in response.context["rows"]}
    assert rows["Minimumbedrag per achterstand (euro)"] == (
        "€\u00a050",
        "€\u00a00",
    )  # no line break after €
    assert rows["Een achterstand telt mee tot … dagen na ontstaan"] == ("100 dagen", "100 dagen")
    assert rows["Meervoudig signaal vanaf … schuldeisers"] == ("2 schuldeisers", "2 schuldeisers")
    assert rows["Enkelvoudige signalen"] == ("aan", "aan")
    assert (
        rows["Tellen per schuldeiser of per soort schuldeiser"]
        == ("per schuldeiser (organisatie)",) * 2
    )
    assert rows["Geen enkelvoudig signaal bij deze soorten schuldeisers"] == ("geen", "geen")
    assert "Een geheel getal van 0 tot en met 1.000.000." in html  # the range as help text
    assert 'value="50"' in html and 'name="version" value="1"' in html
    assert "data-confirm=" in html and "ook die met een open signaal" in html
    assert '<div class="table-scroll">' in html
    assert "Nu geldt versie 1" in html


def test_menu_shows_signaalregels_to_the_coordinator(coordinator, client, verified_client):
    verified_client(coordinator)
    html = client.get("/").content.decode()
    assert f'href="{URL}"' in html and "Signaalregels" in html


def test_a_valid_change_makes_a_new_version_and_redirects_with_a_message(
    municipality, coordinator, client, verified_client
):
    verified_client(coordinator)
    response = client.post(
        URL, rules_form(min_amount_eur="75", single_signal_excluded_types=["Zorg", "Water"])
    )
    assert response.status_code == 302 and response["Location"] == URL
    current = services.current_rules(municipality)
    assert (current.version, current.min_amount_eur, current.created_by) == (2, 75, coordinator)
    assert sorted(current.single_signal_excluded_types) == ["Water", "Zorg"]
    page = client.get(URL)
    html = main_html(page)
    assert "De signaalregels zijn opgeslagen als versie 2." in page.content.decode()
    assert "Minimumbedrag per achterstand: €\u00a050 → €\u00a075" in html
    assert "Carla Coördinator" in html
    history = page.context["history"]
    assert [entry["version"] for entry in history] == [2, 1]
    assert history[1]["changes"] == [
        "Minimumbedrag per achterstand: €\u00a00 → €\u00a050"
    ]  # the first against the defaults


def test_an_invalid_value_shows_the_dutch_error_and_changes_nothing(
    municipality, coordinator, client, verified_client
):
    verified_client(coordinator)
    for field, value in (
        ("max_age_days", "0"),
        ("max_age_days", "veel"),
        ("min_creditors", "21"),
        ("min_amount_eur", ""),
    ):
        response = client.post(URL, rules_form(**{field: value, "repeat_window_days": "90"}))
        assert response.status_code == 200
        low, high = {
            "max_age_days": (1, "3.650"),
            "min_creditors": (1, 20),
            "min_amount_eur": (0, "1.000.000"),
        }[field]
        assert response.context["form"].errors == {
            field: [f"Vul een geheel getal in van {low} tot en met {high}."]
        }
        assert "utrecht-form-field--invalid" in main_html(response)
    response = client.post(
        URL, rules_form(count_distinct="huishouden", single_signal_excluded_types=["Casino"])
    )
    assert set(response.context["form"].errors) == {
        "count_distinct",
        "single_signal_excluded_types",
    }
    assert versions(municipality) == [1]
    assert not AuditEvent.objects.filter(object_type="signals.ruleset").exists()


@pytest.mark.parametrize("version", ["²", "9" * 5000, "<script>", "1.5"])
def test_a_version_that_is_no_number_is_refused_with_a_message_on_the_page(
    version, municipality, coordinator, client, verified_client
):
    """The version is a hidden field: its own error showed nowhere, and the form came back unexplained."""
    verified_client(coordinator)
    response = client.post(URL, rules_form(version=version, min_amount_eur="75"))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "__all__": [
            "Het formulier is niet volledig verstuurd. Open de pagina opnieuw en sla uw wijzigingen nog eens op."
        ]
    }
    assert "Het formulier is niet volledig verstuurd." in main_html(response)
    assert versions(municipality) == [1]


def test_unchanged_values_make_no_new_version(municipality, coordinator, client, verified_client):
    verified_client(coordinator)
    response = client.post(URL, rules_form(), follow=True)
    assert "Er is niets gewijzigd: versie 1 blijft gelden." in response.content.decode()
    assert versions(municipality) == [1]


def test_the_same_excluded_types_in_another_order_make_no_new_version(
    municipality, coordinator, client, verified_client
):
    services.change_rules(
        municipality, {"single_signal_excluded_types": ["Zorg", "Energie"]}, actor=coordinator
    )
    verified_client(coordinator)
    client.post(URL, rules_form(version="2", single_signal_excluded_types=["Energie", "Zorg"]))
    assert versions(municipality) == [1, 2]


def test_a_change_made_meanwhile_is_not_overwritten(
    municipality, coordinator, colleague, client, verified_client
):
    """The form carries the version it showed: a colleague's newer version is not silently undone."""
    services.change_rules(municipality, {"min_creditors": 3}, actor=colleague)
    verified_client(coordinator)
    response = client.post(URL, rules_form(min_amount_eur="80"))  # based on version 1
    assert response.status_code == 200
    assert "Piet Jansen heeft de regels intussen gewijzigd (nu versie 2)." in main_html(response)
    assert (
        versions(municipality) == [1, 2] and services.current_rules(municipality).min_creditors == 3
    )
    assert 'name="version" value="2"' in main_html(
        response
    )  # having seen theirs, saving again goes through
    client.post(URL, rules_form(version="2", min_amount_eur="80", min_creditors="3"))
    assert (
        services.current_rules(municipality).version,
        services.current_rules(municipality).min_amount_eur,
    ) == (3, 80)


@pytest.mark.parametrize("role", ["hulpverlener", "schuldeiser", "privacy_officer", "beheerder"])
def test_other_roles_cannot_open_or_change_the_rules(role, municipality, client, verified_client):
    user = {
        "hulpverlener": lambda: UserFactory(role=Role.HULPVERLENER, team=TeamFactory(municipality=municipality),
                                            municipality=municipality),
        "schuldeiser": lambda: UserFactory(role=Role.SCHULDEISER, creditor=CreditorFactory(), municipality=None),
        "privacy_officer": lambda: UserFactory(role=Role.PRIVACY_OFFICER, municipality=municipality),
        "beheerder": lambda: UserFactory(role=Role.BEHEERDER, municipality=None),
    }[role]()  # fmt: skip
    verified_client(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, rules_form(min_amount_eur="75")).status_code == 403
    assert versions(municipality) == [1]


def test_anonymous_visitor_neither_sees_nor_changes_the_rules(municipality, client):
    assert client.get(URL).status_code in (302, 403)
    assert client.post(URL, rules_form(min_amount_eur="75")).status_code in (302, 403)
    assert versions(municipality) == [1]


def test_a_coordinator_of_another_municipality_changes_only_their_own(
    municipality, client, verified_client
):
    other = MunicipalityFactory(code="0777", name="Andersdorp")
    stranger = UserFactory(role=Role.COORDINATOR, municipality=other)
    verified_client(stranger)
    page = main_html(client.get(URL))
    assert (
        "Andersdorp" in page and "Voorbeeldstad" not in page and "€\u00a050" not in page
    )  # another's rules never show
    client.post(URL, rules_form(version="", min_amount_eur="75"))
    assert (
        versions(municipality) == [1] and services.current_rules(municipality).min_amount_eur == 50
    )
    assert (
        services.current_rules(other).min_amount_eur == 75
    )  # their own municipality's first version


def test_the_change_is_in_the_audit_log(municipality, coordinator, client, verified_client):
    verified_client(coordinator)
    client.post(URL, rules_form(min_amount_eur="75", max_age_days="90"))
    event = AuditEvent.objects.get(object_type="signals.ruleset")
    rule_set = services.current_rules(municipality)
    assert (event.action, event.object_id, event.actor_username) == (
        "update",
        str(rule_set.pk),
        "coordinator",
    )
    assert event.details == {"versie": 2, "gewijzigd": ["max_age_days", "min_amount_eur"]}


def test_page_in_english(coordinator, client, verified_client):
    verified_client(coordinator)
    in_english(client)
    html = main_html(client.get(URL))
    assert "Signal rules" in html and "Minimum amount per arrear (euros)" in html
    response = client.post(URL, rules_form(min_creditors="0"))
    assert response.context["form"].errors == {
        "min_creditors": ["Enter a whole number from 1 to 20."]
    }


def test_invalid_input_gets_a_focused_summary_at_the_top_of_the_form_linking_to_the_fields(
    coordinator, client, verified_client
):
    """'1,5' and '-5' reload the page: a summary at the form's top, focused on load, each error a link to its field."""
    verified_client(coordinator)
    response = client.post(
        URL, rules_form(min_amount_eur="1,5", max_age_days="-5", count_distinct="huishouden")
    )
    html = main_html(response)
    form = html[html.index('<form method="post" action="/signalen/regels/"') :]
    summary = form[form.index('id="foutmeldingen"') : form.index("</div>")]
    assert form.index('id="foutmeldingen"') < form.index('name="max_age_days"')  # above the fields
    assert 'tabindex="-1" autofocus' in summary and 'role="alert"' in form[: form.index("</div>")]
    assert "De signaalregels zijn niet opgeslagen." in summary
    # In the order of the form; a group of radio buttons links to its first one.
    assert [(a, t) for a, t in re.findall(r'<a class="utrecht-link" href="#([^"]+)">([^<]+)</a>', summary)] == [
        ("id_max_age_days", "Een achterstand telt mee tot … dagen na ontstaan: Vul een geheel getal in van 1 tot en met 3.650."),
        ("id_min_amount_eur", "Minimumbedrag per achterstand (euro): Vul een heel bedrag in euro in, zonder centen, "
                              "bijvoorbeeld 1000 of 1.000."),
        ("id_count_distinct_0", "Tellen per schuldeiser of per soort schuldeiser: Kies per schuldeiser of per soort schuldeiser."),
    ]  # fmt: skip
    for anchor in ("id_max_age_days", "id_min_amount_eur", "id_count_distinct_0"):
        assert f'id="{anchor}"' in form  # every link has its field


def test_a_refusal_without_field_errors_is_summarised_too_and_a_valid_page_has_no_summary(
    municipality, coordinator, colleague, client, verified_client
):
    services.change_rules(municipality, {"min_creditors": 3}, actor=colleague)
    verified_client(coordinator)
    html = main_html(client.post(URL, rules_form(min_amount_eur="80")))
    summary = html[html.index('id="foutmeldingen"') :]
    summary = summary[: summary.index("</div>")]
    assert "Piet Jansen heeft de regels intussen gewijzigd (nu versie 2)." in summary
    assert (
        "<ul" not in summary and "Verbeter wat bij deze velden staat" not in summary
    )  # no fields to link to
    assert "foutmeldingen" not in main_html(client.get(URL)) and "autofocus" not in main_html(
        client.get(URL)
    )


def test_amounts_read_as_in_english_elsewhere(municipality, coordinator, client, verified_client):
    services.change_rules(municipality, {"min_amount_eur": 1250}, actor=coordinator)
    verified_client(coordinator)
    in_english(client)
    html = main_html(client.get(URL))
    assert '€1,250 <span class="rules-differs">(differs)</span>' in html
    assert (
        "Minimum amount per arrear: €50 → €1,250" in html
        and "Minimum amount per arrear: €0 → €50" in html
    )
    assert "€ " not in html and "€\u00a0" not in html


def test_a_minimum_amount_written_with_a_thousands_dot_is_a_thousand_euros(
    municipality, coordinator, client, verified_client
):
    """'1.000' was saved as € 1: Django's IntegerField reads the dot as a decimal point."""
    verified_client(coordinator)
    assert client.post(URL, rules_form(min_amount_eur="€ 1.000")).status_code == 302
    assert services.current_rules(municipality).min_amount_eur == 1000


def test_a_minimum_amount_with_cents_is_refused_with_an_example_not_rounded(
    municipality, coordinator, client, verified_client
):
    verified_client(coordinator)
    response = client.post(URL, rules_form(min_amount_eur="2.50"))
    assert response.context["form"].errors == {
        "min_amount_eur": [
            "Vul een heel bedrag in euro in, zonder centen, bijvoorbeeld 1000 of 1.000."
        ]
    }
    assert versions(municipality) == [1]

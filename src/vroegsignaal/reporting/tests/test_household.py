"""The household view: what it shows, who may open it, and that every opening is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.services import AuditAction, AuditEvent

from .conftest import Town

pytestmark = pytest.mark.django_db


def _views_of(household):
    return AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="households.household", object_id=str(household.pk)
    )


def test_opening_the_household_view_writes_an_audit_event_with_the_purpose(town, client, verified_client):
    household = town.household()
    verified_client(town.coordinator)
    client.get(reverse("reporting:household", args=[household.pk]))
    client.get(reverse("reporting:household", args=[household.pk]), {"doel": "kwaliteitscontrole"})
    assert sorted(_views_of(household).values_list("purpose", flat=True)) == [
        "kwaliteitscontrole", "signaalbehandeling",
    ]  # fmt: skip


def test_unknown_purpose_falls_back_to_signaalbehandeling(town, client, verified_client):
    household = town.household()
    verified_client(town.coordinator)
    client.get(reverse("reporting:household", args=[household.pk]), {"doel": "<script>"})
    assert _views_of(household).get().purpose == "signaalbehandeling"


def test_coordinator_sees_the_persons_decrypted(town, client, verified_client):
    household = town.household(surname="Bakkerswaard")
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:household", args=[household.pk]))
    assert "Bakkerswaard" in response.content.decode()


def test_household_view_shows_each_arrears_amounts_per_month(town, client, verified_client):
    household = town.household()
    town.arrear(household, town.energie, {dt.date(2026, 1, 1): 12_000, dt.date(2026, 2, 1): 18_050})
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:household", args=[household.pk]))
    timelines = response.context["timelines"]
    assert [[c["amount_cents"] for c in row["cells"]] for row in timelines["rows"]] == [[12_000, 18_050]]
    assert "€ 180,50" in response.content.decode()


def test_household_view_shows_the_explanation_and_earlier_signals(town, client, verified_client):
    household = town.household()
    town.signal(household, status="afgesloten", signal_date=dt.date(2025, 6, 1), explanation="Eerder.")
    town.signal(household, explanation="Drie schuldeisers binnen 100 dagen.")
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:household", args=[household.pk]))
    assert "Drie schuldeisers binnen 100 dagen." in response.content.decode()
    assert [s.signal_date for s in response.context["earlier_signals"]] == [dt.date(2025, 6, 1)]


def test_household_view_shows_who_looked(town, client, verified_client):
    household = town.household()
    verified_client(town.coordinator)
    client.get(reverse("reporting:household", args=[household.pk]))
    response = client.get(reverse("reporting:household", args=[household.pk]))
    assert [e.actor_username for e in response.context["trail"]] == [town.coordinator.username] * 2
    assert "Hier staan de laatste" not in response.content.decode()
    # The purpose by its label, as the user chose it, not the key the audit log keeps.
    trail = response.content.decode().split("Wie keek in dit huishouden", 1)[1]
    assert trail.count(">Signaalbehandeling</td>") == 2 and ">signaalbehandeling<" not in trail


def test_household_view_says_when_it_shows_only_the_latest_views(town, client, verified_client, monkeypatch):
    from vroegsignaal.reporting import selectors

    monkeypatch.setattr(selectors, "TRAIL_LIMIT", 2)
    household = town.household()
    verified_client(town.coordinator)
    client.get(reverse("reporting:household", args=[household.pk]))
    client.get(reverse("reporting:household", args=[household.pk]))
    response = client.get(reverse("reporting:household", args=[household.pk]))
    assert len(response.context["trail"]) == 2
    assert "Hier staan de laatste 2 inzagen" in response.content.decode()


def test_coordinator_of_a_gets_404_for_bs_household(town, client, verified_client):
    other = Town(code="0888", name="Andere gemeente")
    household_b = other.household()
    verified_client(town.coordinator)
    assert client.get(reverse("reporting:household", args=[household_b.pk])).status_code == 404
    assert not _views_of(household_b).exists()


def test_creditor_staff_may_not_open_a_household(town, client, verified_client):
    household = town.household()
    verified_client(UserFactory(role=Role.SCHULDEISER, creditor=town.energie, municipality=None))
    assert client.get(reverse("reporting:household", args=[household.pk])).status_code == 403


def test_household_url_holds_no_personal_data(town):
    household = town.household()
    url = reverse("reporting:household", args=[household.pk])
    assert url == f"/signalen/huishoudens/{household.pk}/"


def test_household_view_query_count_is_bounded(town, client, verified_client, django_assert_max_num_queries):
    household = town.household()
    for creditor in (town.energie, town.huur):
        town.arrear(household, creditor, {dt.date(2026, m, 1): 10_000 * m for m in range(1, 7)})
    town.signal(household)
    verified_client(town.coordinator)
    client.get(reverse("reporting:household", args=[household.pk]))
    with django_assert_max_num_queries(20):
        client.get(reverse("reporting:household", args=[household.pk]))


def test_household_view_lists_the_households_cases(town, client, verified_client):
    from vroegsignaal.cases.services import pick_up_signal

    household = town.household()
    case = pick_up_signal(town.signal(household), town.coordinator, team=town.team)
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:household", args=[household.pk]))
    assert [c.pk for c in response.context["cases"]] == [case.pk]
    assert reverse("cases:detail", args=[case.pk]) in response.content.decode()


# --- hulpverleners: the households of their own team's cases, nothing else ------------------


def _worker(town, team=None):
    team = team or town.team
    return UserFactory(username=f"werker-{team.code}", role=Role.HULPVERLENER, team=team, municipality=town.municipality)


def _case_of(town, household, team):
    from vroegsignaal.cases.services import pick_up_signal

    return pick_up_signal(town.signal(household), town.coordinator, team=team)


def test_worker_opens_the_household_of_a_case_of_own_team(town, client, verified_client):
    household = town.household(surname="Bakker")
    _case_of(town, household, town.team)
    verified_client(_worker(town))
    response = client.get(reverse("reporting:household", args=[household.pk]))
    assert response.status_code == 200
    assert "Bakker" in response.content.decode()


def test_worker_gets_404_for_the_household_of_another_teams_case(town, client, verified_client):
    from tests.factories import TeamFactory

    household = town.household()
    _case_of(town, household, TeamFactory(municipality=town.municipality, code="ZUID", name="Wijkteam Zuid"))
    verified_client(_worker(town))
    assert client.get(reverse("reporting:household", args=[household.pk])).status_code == 404


def test_worker_gets_404_for_a_household_without_a_case(town, client, verified_client):
    household = town.household()
    town.signal(household)
    verified_client(_worker(town))
    assert client.get(reverse("reporting:household", args=[household.pk])).status_code == 404


def test_worker_sees_each_household_of_the_team_once(town):
    from vroegsignaal.households.models import Household
    from vroegsignaal.organisations.scoping import scoped

    households = [town.household() for _ in range(3)]
    for household in households[:2]:
        _case_of(town, household, town.team)
    assert sorted(scoped(_worker(town), Household).values_list("pk", flat=True)) == sorted(h.pk for h in households[:2])


def test_case_page_links_to_its_household(town, client, verified_client):
    household = town.household()
    case = _case_of(town, household, town.team)
    verified_client(_worker(town))
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert reverse("reporting:household", args=[household.pk]) in body


def test_household_view_writes_dates_and_months_in_full_dutch_not_capitalised_abbreviations(
    town, client, verified_client
):
    household = town.household()
    town.arrear(household, town.energie, {dt.date(2026, 3, 1): 12_000}, start=dt.date(2026, 2, 5))
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:household", args=[household.pk])).content.decode()
    assert ">5 februari 2026</td>" in body
    assert ">maart 2026</th>" in body
    assert "Feb 2026" not in body and "Mrt 2026" not in body

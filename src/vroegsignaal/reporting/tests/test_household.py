"""The household view: what it shows, who may open it, and that every opening is audited."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.template.defaultfilters import date
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from vroegsignaal.cases.models import Case
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.services import AuditAction, AuditEvent

from .conftest import Town

pytestmark = pytest.mark.django_db


def _opened(household, purpose: str = "signaalbehandeling") -> str:
    """The household's URL as a link with a purpose carries it (the tray's, the case page's)."""
    return f"{reverse('reporting:household', args=[household.pk])}?doel={purpose}"


def _views_of(household):
    return AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="households.household", object_id=str(household.pk)
    )


def test_opening_the_household_view_writes_an_audit_event_with_the_purpose(
    town, client, verified_client
):
    household = town.household()
    verified_client(town.coordinator)
    client.get(_opened(household, "kwaliteitscontrole"))
    assert _views_of(household).get().purpose == "kwaliteitscontrole"


def test_a_household_opened_without_a_purpose_asks_for_one_before_showing_anything(
    town, client, verified_client
):
    """The persons were shown and the view logged as signaalbehandeling before the user chose."""
    household = town.household(surname="Bakkerswaard")
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:household", args=[household.pk]))
    body = response.content.decode()
    assert "Bakkerswaard" not in body and "Dorpsweg" not in body
    assert not _views_of(household).exists()
    assert '<option value="signaalbehandeling" selected>' in body  # the role's usual work first


def test_choosing_another_purpose_records_one_view_with_that_purpose(town, client, verified_client):
    """ "Kwaliteitscontrole" chosen on the page added a second view: "Wie keek" listed two."""
    household = town.household()
    verified_client(town.coordinator)
    client.get(reverse("reporting:household", args=[household.pk]))  # the choice
    response = client.get(_opened(household, "kwaliteitscontrole"))  # opened with it
    assert list(_views_of(household).values_list("purpose", flat=True)) == ["kwaliteitscontrole"]
    trail = response.content.decode().split("Wie keek in dit huishouden", 1)[1]
    assert trail.count(">Kwaliteitscontrole</td>") == 1 and "Signaalbehandeling" not in trail


def test_the_household_page_states_the_purpose_it_was_opened_for(town, client, verified_client):
    household = town.household()
    verified_client(town.coordinator)
    body = client.get(_opened(household)).content.decode()
    assert "Doel van deze inzage: <strong>Signaalbehandeling</strong>." in body
    assert '<select class="utrecht-select" id="doel"' not in body  # no choice after the fact


def test_an_unknown_purpose_asks_for_one_and_records_nothing(town, client, verified_client):
    household = town.household()
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:household", args=[household.pk]), {"doel": "<script>"})
    assert response.templates[0].name == "reporting/household_purpose.html"
    assert not _views_of(household).exists()


def test_a_tray_row_opens_its_household_for_signal_handling(town, client, verified_client):
    household = town.household()
    town.signal(household)
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert f'href="{_opened(household)}"' in body


def test_coordinator_sees_the_persons_decrypted(town, client, verified_client):
    household = town.household(surname="Bakkerswaard")
    verified_client(town.coordinator)
    response = client.get(_opened(household))
    assert "Bakkerswaard" in response.content.decode()


def test_household_view_shows_each_arrears_amounts_per_month(town, client, verified_client):
    household = town.household()
    town.arrear(household, town.energie, {dt.date(2026, 1, 1): 12_000, dt.date(2026, 2, 1): 18_050})
    verified_client(town.coordinator)
    response = client.get(_opened(household))
    timelines = response.context["timelines"]
    assert [[c["amount_cents"] for c in row["cells"]] for row in timelines["rows"]] == [
        [12_000, 18_050]
    ]
    assert "€\u00a0180,50" in response.content.decode()


def test_household_view_shows_the_explanation_and_earlier_signals(town, client, verified_client):
    household = town.household()
    town.signal(
        household, status="afgesloten", signal_date=dt.date(2025, 6, 1), explanation="Eerder."
    )
    town.signal(household, explanation="Drie schuldeisers binnen 100 dagen.")
    verified_client(town.coordinator)
    response = client.get(_opened(household))
    assert "Drie schuldeisers binnen 100 dagen." in response.content.decode()
    assert [s.signal_date for s in response.context["earlier_signals"]] == [dt.date(2025, 6, 1)]


def test_household_view_shows_who_looked(town, client, verified_client):
    household = town.household()
    verified_client(town.coordinator)
    client.get(_opened(household))
    response = client.get(_opened(household))
    assert [e.actor_username for e in response.context["trail"]] == [town.coordinator.username] * 2
    assert "Hier staan de laatste" not in response.content.decode()
    # The purpose by its label, as the user chose it, not the key the audit log keeps.
    trail = response.content.decode().split("Wie keek in dit huishouden", 1)[1]
    assert trail.count(">Signaalbehandeling</td>") == 2 and ">signaalbehandeling<" not in trail


def test_household_view_says_when_it_shows_only_the_latest_views(
    town, client, verified_client, monkeypatch
):
    from vroegsignaal.reporting import selectors

    monkeypatch.setattr(selectors, "TRAIL_LIMIT", 2)
    household = town.household()
    verified_client(town.coordinator)
    client.get(_opened(household))
    client.get(_opened(household))
    response = client.get(_opened(household))
    assert len(response.context["trail"]) == 2
    assert "Hier staan de laatste 2 inzagen" in response.content.decode()


def test_coordinator_of_a_gets_404_for_bs_household(town, client, verified_client):
    other = Town(code="0888", name="Andere gemeente")
    household_b = other.household()
    verified_client(town.coordinator)
    assert client.get(_opened(household_b)).status_code == 404
    assert not _views_of(household_b).exists()


def test_creditor_staff_may_not_open_a_household(town, client, verified_client):
    household = town.household()
    verified_client(UserFactory(role=Role.SCHULDEISER, creditor=town.energie, municipality=None))
    assert client.get(_opened(household)).status_code == 403


def test_household_url_holds_no_personal_data(town):
    household = town.household()
    url = reverse("reporting:household", args=[household.pk])
    assert url == f"/signalen/huishoudens/{household.pk}/"


def test_household_view_query_count_is_bounded(
    town, client, verified_client, django_assert_max_num_queries
):
    household = town.household()
    for creditor in (town.energie, town.huur):
        town.arrear(household, creditor, {dt.date(2026, m, 1): 10_000 * m for m in range(1, 7)})
    town.signal(household)
    verified_client(town.coordinator)
    client.get(_opened(household))
    with django_assert_max_num_queries(20):
        client.get(_opened(household))


def test_household_view_lists_the_households_cases(town, client, verified_client):
    from vroegsignaal.cases.services import pick_up_signal

    household = town.household()
    case = pick_up_signal(town.signal(household), town.coordinator, team=town.team)
    verified_client(town.coordinator)
    response = client.get(_opened(household))
    assert [c.pk for c in response.context["cases"]] == [case.pk]
    assert reverse("cases:detail", args=[case.pk]) in response.content.decode()


# --- hulpverleners: the households of their own team's cases, nothing else ------------------


def _worker(town, team=None):
    team = team or town.team
    return UserFactory(
        username=f"werker-{team.code}",
        role=Role.HULPVERLENER,
        team=team,
        municipality=town.municipality,
    )


def _case_of(town, household, team):
    from vroegsignaal.cases.services import pick_up_signal

    return pick_up_signal(town.signal(household), town.coordinator, team=team)


def test_worker_opens_the_household_of_a_case_of_own_team(town, client, verified_client):
    household = town.household(surname="Bakker")
    _case_of(town, household, town.team)
    verified_client(_worker(town))
    response = client.get(_opened(household))
    assert response.status_code == 200
    assert "Bakker" in response.content.decode()


def test_the_signal_links_to_its_tray_for_a_coordinator_and_not_for_a_worker(
    town, client, verified_client
):
    """The way back to the tray (its filter stays put); a worker has no trays (403)."""
    household = town.household()
    _case_of(town, household, town.team)
    tray = reverse("reporting:tray", args=[town.tray.pk])
    verified_client(town.coordinator)
    assert f'href="{tray}">Meervoudig</a>' in client.get(_opened(household)).content.decode()
    verified_client(_worker(town))
    body = client.get(_opened(household, "hulpverlening")).content.decode()
    assert "werkbakje Meervoudig" in body and f'href="{tray}"' not in body


def test_worker_is_told_that_earlier_signals_of_other_teams_are_not_shown(
    town, client, verified_client
):
    """The explanation may say "herhaald"; "Geen eerdere signalen" would then be untrue."""
    household = town.household()
    town.signal(household, status="vervallen", signal_date=dt.date(2025, 6, 1))
    _case_of(town, household, town.team)
    verified_client(_worker(town))
    body = client.get(_opened(household)).content.decode()
    assert "Geen eerdere signalen." not in body
    assert "Eerdere signalen die niet aan uw wijkteam waren toegewezen, ziet alleen de" in body
    assert "1 juni 2025" not in body

    verified_client(town.coordinator)
    body = client.get(_opened(household)).content.decode()
    assert "1 juni 2025" in body and "ziet alleen de coördinator" not in body


def test_worker_gets_404_for_the_household_of_another_teams_case(town, client, verified_client):
    from tests.factories import TeamFactory

    household = town.household()
    _case_of(
        town,
        household,
        TeamFactory(municipality=town.municipality, code="ZUID", name="Wijkteam Zuid"),
    )
    verified_client(_worker(town))
    assert client.get(_opened(household)).status_code == 404


def test_worker_gets_404_for_a_household_without_a_case(town, client, verified_client):
    household = town.household()
    town.signal(household)
    verified_client(_worker(town))
    assert client.get(_opened(household)).status_code == 404


def test_worker_sees_each_household_of_the_team_once(town):
    from vroegsignaal.households.models import Household
    from vroegsignaal.organisations.scoping import scoped

    households = [town.household() for _ in range(3)]
    for household in households[:2]:
        _case_of(town, household, town.team)
    assert sorted(scoped(_worker(town), Household).values_list("pk", flat=True)) == sorted(
        h.pk for h in households[:2]
    )


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
    body = client.get(_opened(household)).content.decode()
    assert ">5 februari 2026</td>" in body
    assert ">maart 2026</th>" in body
    assert "Feb 2026" not in body and "Mrt 2026" not in body


# --- the purpose a view is logged with before the user chooses one -----------------------------


def test_hulpverlener_is_offered_case_work_as_the_purpose(town, client, verified_client):
    household = town.household()
    _case_of(town, household, town.team)
    verified_client(_worker(town))
    body = client.get(reverse("reporting:household", args=[household.pk])).content.decode()
    assert '<option value="hulpverlening" selected>' in body
    assert not _views_of(household).exists()


def test_hulpverlener_from_the_case_page_is_logged_as_case_work(town, client, verified_client):
    household = town.household()
    _case_of(town, household, town.team)
    verified_client(_worker(town))
    response = client.get(_opened(household, "hulpverlening"))  # the case page's link
    assert _views_of(household).get().purpose == "hulpverlening"
    assert response.context["purpose"] == "hulpverlening"


# --- picking a signal up (or not) from the household page ------------------------------------


class _Forms(HTMLParser):
    """The page's forms: action, data-confirm, and each field's value (a select's selected option)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action"),
                    "confirm": a.get("data-confirm"),
                    "fields": {},
                    "required": set(),
                    "options": {},
                }
            )
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            self.forms[-1]["fields"].setdefault(self._select, "")
            self.forms[-1]["options"][self._select] = []
            if "required" in a:
                self.forms[-1]["required"].add(self._select)
        elif tag == "option" and self._select:
            self.forms[-1]["options"][self._select].append(a.get("value", ""))
            if "selected" in a:
                self.forms[-1]["fields"][self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _forms(response, action: str) -> list[dict]:
    parser = _Forms()
    parser.feed(response.content.decode())
    return [f for f in parser.forms if f["action"] == action]


def test_coordinator_can_pick_up_a_new_signal_from_the_household_page_with_its_team_chosen(
    town, client, verified_client
):
    from tests.factories import TeamFactory

    TeamFactory(municipality=town.municipality, code="ZUID", name="Wijkteam Zuid")
    household = town.household()
    signal = town.signal(household, team=town.team)
    verified_client(town.coordinator)
    page = client.get(_opened(household))
    [form] = _forms(page, reverse("cases:pick_up"))
    assert form["fields"] == {
        "csrfmiddlewaretoken": form["fields"]["csrfmiddlewaretoken"],
        "signal": str(signal.pk),
        "team": str(town.team.pk),
    }
    assert (
        "oppakken" in form["confirm"] and "niet ongedaan" in form["confirm"]
    )  # the portal asks before it posts

    response = client.post(form["action"], form["fields"], follow=True)
    case = Case.objects.get(signal=signal)
    assert case.team_id == town.team.pk
    assert response.redirect_chain[-1][0] == reverse(
        "cases:detail", args=[case.pk]
    )  # the new case, with
    assert "Het signaal is opgepakt." in [str(m) for m in response.context["messages"]]


def test_coordinator_can_decline_a_new_signal_from_the_household_page_with_a_reason(
    town, client, verified_client
):
    household = town.household()
    signal = town.signal(household)
    verified_client(town.coordinator)
    page = client.get(_opened(household))
    [form] = _forms(page, reverse("cases:not_picked_up"))
    assert form["fields"]["signal"] == str(signal.pk)
    assert (
        "reason" in form["required"] and form["fields"]["reason"] == ""
    )  # the browser asks for a reason first
    assert "Niet opgepakt: onterecht signaal" in form["options"]["reason"]
    assert "niet ongedaan" in form["confirm"]

    response = client.post(
        form["action"],
        {**form["fields"], "reason": "Niet opgepakt: onterecht signaal"},
        follow=True,
    )
    signal.refresh_from_db()
    assert signal.status == "niet_opgepakt"
    assert "Het signaal is als niet opgepakt gemarkeerd." in [
        str(m) for m in response.context["messages"]
    ]
    # Back in the tray the coordinator was working through, not on the case list.
    assert response.redirect_chain[0][0] == reverse("reporting:tray", args=[town.tray.pk])


def test_declining_without_a_reason_returns_to_the_household_page_with_the_message(
    town, client, verified_client
):
    household = town.household()
    signal = town.signal(household)
    verified_client(town.coordinator)
    response = client.post(
        reverse("cases:not_picked_up"), {"signal": signal.pk, "reason": ""}, follow=True
    )
    assert response.redirect_chain == [
        (reverse("reporting:household", args=[household.pk]) + "?doel=signaalbehandeling", 302)
    ]
    assert "Kies een reden waarom het signaal niet wordt opgepakt." in response.content.decode()


def test_household_page_offers_no_pick_up_for_a_signal_already_picked_up(
    town, client, verified_client
):
    household = town.household()
    _case_of(town, household, town.team)
    verified_client(town.coordinator)
    page = client.get(_opened(household))
    assert (
        _forms(page, reverse("cases:pick_up")) == []
        and _forms(page, reverse("cases:not_picked_up")) == []
    )


def test_only_a_coordinator_is_offered_to_pick_up_or_decline(town):
    from vroegsignaal.reporting.services import signals_to_pick_up

    new, picked_up = town.signal(), town.signal(status="opgepakt")
    assert signals_to_pick_up(town.coordinator, [new, picked_up]) == [new]
    assert signals_to_pick_up(_worker(town), [new, picked_up]) == []


# --- one crisis deadline per signal: its case's once it has one -------------------------------------


RECEIVED = dt.date(2026, 11, 27)  # a Friday: three working days end on Wednesday 2 December


def _crisis_signal(town, household, signal_date=RECEIVED):
    """A crisis signal received on RECEIVED, with the explanation and reasons evaluation writes."""
    from vroegsignaal.signals.deadlines import crisis_contact_deadline
    from vroegsignaal.signals.explanations import explain
    from vroegsignaal.signals.rules import RuleValues

    deadline = crisis_contact_deadline(RECEIVED)
    text, reasons = explain(
        kind="meervoudig", distinct=1, swaps=[], deadline=deadline, repeat=None, rules=RuleValues(),
        reference_date=RECEIVED,
        arrears=[{
            "arrear_id": 1, "creditor_code": town.huur.code, "creditor_name": town.huur.name, "creditor_type": "Huur",
            "amount_cents": 65_000, "start_date": dt.date(2026, 10, 1), "crisis": True, "crisis_reason": "ontruiming",
        }],
    )  # fmt: skip
    signal = town.signal(household, crisis=True, explanation=text, signal_date=signal_date)
    signal.deadline, signal.reasons = deadline, reasons
    signal.save(update_fields=["deadline", "reasons"])
    return signal


def test_household_page_shows_the_signals_own_crisis_deadline_before_pick_up(
    town, client, verified_client
):
    household = town.household()
    _crisis_signal(town, household)
    verified_client(town.coordinator)
    page = client.get(_opened(household))
    assert page.context["deadline"] == dt.date(2026, 12, 2)
    assert "contact uiterlijk 2 december 2026" in page.content.decode()


def test_household_page_shows_the_cases_crisis_deadline_once_picked_up(
    town, client, verified_client
):
    from vroegsignaal.cases.services import pick_up_signal

    household = town.household()
    # Its peildatum a week before it was received, and picked up on that day (as the demo's cases
    # are backdated): the case's deadline falls before the signal's own.
    signal = _crisis_signal(town, household, signal_date=RECEIVED - dt.timedelta(days=7))
    case = pick_up_signal(
        signal, town.coordinator, team=town.team, on=RECEIVED - dt.timedelta(days=7)
    )
    assert (case.contact_due, signal.deadline) == (dt.date(2026, 11, 25), dt.date(2026, 12, 2))
    verified_client(town.coordinator)
    body = client.get(_opened(household)).content.decode()
    assert (
        '<strong class="deadline--overdue">contacttermijn verstreken: 25 november 2026</strong>'
        in body
    )  # it is past (the tests run after it), and no contact was recorded
    assert (
        "contact uiterlijk 25 november 2026 (3 werkdagen)" in body
    )  # the explanation names the same date
    assert "2 december" not in body


def _crisis_case(town, household, *, days_ago: int):
    from vroegsignaal.cases.services import pick_up_signal

    today = timezone.localdate()
    signal = town.signal(household, crisis=True)
    return pick_up_signal(signal, town.coordinator, on=today - dt.timedelta(days=days_ago))


def test_household_page_shows_a_contact_deadline_still_to_be_met(town, client, verified_client):
    household = town.household()
    case = _crisis_case(town, household, days_ago=0)
    verified_client(town.coordinator)
    body = client.get(_opened(household)).content.decode()
    assert f"<strong>contact uiterlijk {date(case.contact_due, 'j F Y')}</strong>" in body


def test_household_page_does_not_ask_for_a_contact_already_made(town, client, verified_client):
    """It said "contact uiterlijk …" after the contact was recorded, unlike the tray and case list."""
    from vroegsignaal.cases.services import log_contact_attempt

    household = town.household()
    case = _crisis_case(town, household, days_ago=14)
    log_contact_attempt(
        case, town.coordinator, kind="Telefoon", reached=True,
        on=timezone.localdate() - dt.timedelta(days=13),
    )  # fmt: skip
    verified_client(town.coordinator)
    response = client.get(_opened(household))
    assert response.context["deadline_mark"] is None
    assert "<strong>contact uiterlijk" not in response.content.decode()


def test_household_page_says_a_contact_made_after_the_deadline_was_late(
    town, client, verified_client
):
    """It said nothing once contact was recorded, also after the deadline (the case page: "te laat")."""
    from vroegsignaal.cases.services import log_contact_attempt

    household = town.household()
    case = _crisis_case(town, household, days_ago=14)
    contacted = timezone.localdate() - dt.timedelta(days=2)
    log_contact_attempt(case, town.coordinator, kind="Telefoon", reached=True, on=contacted)
    verified_client(town.coordinator)
    body = client.get(_opened(household)).content.decode()
    assert (
        f'<strong class="deadline--late">contact gelegd op {date(contacted, "j F Y")}, te laat</strong>'
        in body
    )
    assert "<strong>contact uiterlijk" not in body


def test_household_page_says_a_first_conversation_held_after_its_deadline_was_late(
    town, client, verified_client
):
    """The signal's line shares the tray's mark: a late first conversation is no late contact."""
    from .test_trays import _first_conversation_held_late

    household = town.household()
    _case, held = _first_conversation_held_late(town, household)
    verified_client(town.coordinator)
    body = client.get(_opened(household)).content.decode()
    assert (
        f'<strong class="deadline--late">eerste gesprek gevoerd op {date(held, "j F Y")}, te laat'
        "</strong>" in body
    )
    assert "contact gelegd op" not in body


def test_household_page_marks_a_missed_contact_deadline_red_as_the_case_list_does(
    town, client, verified_client
):
    """It said "contact uiterlijk …" in plain bold while the case list said the term had passed."""
    from vroegsignaal.cases.selectors import urgency

    household = town.household()
    case = _crisis_case(town, household, days_ago=14)
    assert urgency(case, timezone.localdate()) == "overdue"
    verified_client(town.coordinator)
    body = client.get(_opened(household)).content.decode()
    assert (
        f'<strong class="deadline--overdue">contacttermijn verstreken: {date(case.contact_due, "j F Y")}</strong>'
        in body
    )
    assert "<strong>contact uiterlijk" not in body


def test_household_page_in_english_names_the_cases_crisis_deadline_in_the_explanation(
    town, client, verified_client
):
    from tests.english import in_english
    from vroegsignaal.cases.services import pick_up_signal

    household = town.household()
    earlier = RECEIVED - dt.timedelta(days=7)
    pick_up_signal(
        _crisis_signal(town, household, signal_date=earlier), town.coordinator, on=earlier
    )
    verified_client(town.coordinator)
    body = in_english(client).get(_opened(household)).content.decode()
    assert "contact by 25 November 2026 (3 working days)" in body
    assert "2 December" not in body

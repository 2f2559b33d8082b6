"""The case screens: team scoping with audited refusals, audited openings, home page order."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from vroegsignaal.cases import services
from vroegsignaal.cases.models import Case, ContactAttempt, Outcome
from vroegsignaal.privacy.models import AuditEvent

from .conftest import make_signal


@pytest.fixture
def case_of_other_team(world, coordinator, other_team, signal):
    return services.pick_up_signal(signal, coordinator, team=other_team, on=dt.date(2026, 3, 2))


def test_worker_of_team_a_cannot_open_case_of_team_b(
    client, verified_client, worker, case_of_other_team
):
    verified_client(worker)
    response = client.get(reverse("cases:detail", kwargs={"case_id": case_of_other_team.pk}))
    assert response.status_code == 404


def test_refused_case_opening_is_in_the_audit_log(
    client, verified_client, worker, case_of_other_team
):
    verified_client(worker)
    client.get(reverse("cases:detail", kwargs={"case_id": case_of_other_team.pk}))
    event = AuditEvent.objects.get(action="access_denied", object_type="cases.case")
    assert (event.object_id, event.actor_username) == (str(case_of_other_team.pk), worker.username)


def test_worker_of_team_a_cannot_post_to_case_of_team_b(
    client, verified_client, worker, case_of_other_team
):
    verified_client(worker)
    url = reverse("cases:contact_attempt", kwargs={"case_id": case_of_other_team.pk})
    response = client.post(
        url, {"poging-kind": "Telefoon", "poging-reached": "ja", "poging-on": "2026-03-03"}
    )
    assert response.status_code == 404 and not ContactAttempt.objects.exists()


def test_opening_a_case_is_audited_with_a_purpose(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    response = client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    event = AuditEvent.objects.filter(
        action="view", object_type="cases.case", object_id=str(case.pk)
    ).get()
    assert response.status_code == 200 and event.purpose == "zaak behandelen"


def test_case_page_shows_the_persons_to_the_teams_worker(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    response = client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    assert signal.household.persons.first().surname in response.content.decode()


def test_worker_logs_a_home_visit_from_the_case_page(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    client.post(
        reverse("cases:contact_attempt", kwargs={"case_id": case.pk}),
        {
            "poging-kind": "Huisbezoek",
            "poging-reached": "ja",
            "poging-on": "2026-03-03",
            "poging-part_of_day": "Ochtend",
            "poging-note": "thuis",
        },
    )
    assert Case.objects.get(pk=case.pk).status == "in_contact"


def test_worker_list_shows_only_own_teams_cases(
    client, verified_client, world, worker, team, coordinator, case_of_other_team
):
    own = services.pick_up_signal(
        make_signal(world), coordinator, team=team, on=dt.date(2026, 3, 2)
    )
    verified_client(worker)
    response = client.get(reverse("cases:list"))
    assert [case.pk for case, _ in response.context["rows"]] == [own.pk]


def test_case_list_names_the_buurt_of_an_open_case_only(
    client, verified_client, world, worker, team, coordinator
):
    open_case = services.pick_up_signal(
        make_signal(world), coordinator, team=team, on=dt.date(2026, 3, 2)
    )
    closed = services.pick_up_signal(
        make_signal(world), coordinator, team=team, on=dt.date(2026, 3, 2)
    )
    services.close_case(closed, worker, Outcome.GEEN_REACTIE, on=dt.date(2026, 3, 20))
    verified_client(worker)

    def buurt_cell(case) -> str:
        body = client.get(reverse("cases:list"), {"toon": "alle"}).content.decode()
        row = body[body.index(reverse("cases:detail", kwargs={"case_id": case.pk})) :]
        return re.search(r'<td class="utrecht-table__cell"[^>]*>(.*?)</td>', row).group(1)

    assert buurt_cell(open_case) == "Oude Dorp"  # where the worker will go
    assert buurt_cell(closed) == "—"  # a closed case no longer says where the household lives


def test_overdue_cases_come_first_on_the_home_page(
    client, verified_client, world, worker, team, coordinator
):
    today = timezone.localdate()
    due_soon = services.pick_up_signal(
        make_signal(world), coordinator, team=team, on=dt.date(2026, 3, 2)
    )
    overdue = services.pick_up_signal(
        make_signal(world), coordinator, team=team, on=dt.date(2026, 3, 2)
    )
    # The deadlines themselves are pinned in test_deadlines; here only their order on the page.
    Case.objects.filter(pk=due_soon.pk).update(due_on=today)
    Case.objects.filter(pk=overdue.pk).update(due_on=today - dt.timedelta(days=3))
    verified_client(worker)
    body = client.get(reverse("portal:home")).content.decode()
    overdue_at = body.index(reverse("cases:detail", kwargs={"case_id": overdue.pk}))
    due_soon_at = body.index(reverse("cases:detail", kwargs={"case_id": due_soon.pk}))
    assert overdue_at < due_soon_at


def test_creditor_staff_cannot_reach_the_case_list(client, verified_client, world):
    from tests.factories import CreditorFactory, UserFactory
    from vroegsignaal.organisations.models import Role

    user = UserFactory(
        role=Role.SCHULDEISER, creditor=CreditorFactory(code="SEQ"), municipality=None
    )
    verified_client(user)
    assert client.get(reverse("cases:list")).status_code == 403


def test_coordinator_picks_up_a_signal_and_lands_on_its_case(
    client, verified_client, coordinator, team, signal
):
    verified_client(coordinator)
    response = client.post(reverse("cases:pick_up"), {"signal": signal.pk, "team": team.pk})
    case = Case.objects.get(signal=signal)
    assert response.headers["Location"] == reverse("cases:detail", kwargs={"case_id": case.pk})


def _pick_up_many(world, coordinator, team, n):
    return [
        services.pick_up_signal(make_signal(world), coordinator, team=team, on=dt.date(2026, 3, 2))
        for _ in range(n)
    ]


def _queries(client, url) -> int:
    """How many queries one GET of ``url`` takes (after one before it: the session's last-seen
    time is then fresh and not written again, whichever call this is)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_case_list_queries_do_not_grow_with_the_number_of_cases(
    client, verified_client, world, worker, team, coordinator
):
    _pick_up_many(world, coordinator, team, 2)
    verified_client(worker)
    few = _queries(client, reverse("cases:list"))
    _pick_up_many(world, coordinator, team, 5)
    assert _queries(client, reverse("cases:list")) == few


def test_home_page_queries_do_not_grow_with_the_number_of_cases(
    client, verified_client, world, worker, team, coordinator
):
    first = _pick_up_many(world, coordinator, team, 2)
    Case.objects.filter(pk__in=[c.pk for c in first]).update(due_on=dt.date(2026, 3, 3))
    verified_client(worker)
    few = _queries(client, reverse("portal:home"))
    more = _pick_up_many(world, coordinator, team, 5)
    Case.objects.filter(pk__in=[c.pk for c in more]).update(due_on=dt.date(2026, 3, 3))
    assert _queries(client, reverse("portal:home")) == few


def test_case_page_queries_do_not_grow_with_its_attempts_and_notes(
    client, verified_client, world, worker, team, coordinator, signal
):
    from vroegsignaal.cases.models import ContactKind

    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    services.log_contact_attempt(
        case, worker, kind=ContactKind.BRIEF, reached=False, on=dt.date(2026, 3, 3)
    )
    services.add_note(case, worker, "een")
    verified_client(worker)
    url = reverse("cases:detail", kwargs={"case_id": case.pk})
    few = _queries(client, url)
    for day in (4, 5, 6):
        services.log_contact_attempt(
            case, worker, kind=ContactKind.TELEFOON, reached=False, on=dt.date(2026, 3, day)
        )
        services.add_note(case, worker, f"notitie {day}")
    assert _queries(client, url) == few


def test_my_cases_keeps_only_the_cases_assigned_to_me(
    client, verified_client, world, worker, team, coordinator
):
    mine = services.pick_up_signal(
        make_signal(world), coordinator, worker=worker, on=dt.date(2026, 3, 2)
    )
    services.pick_up_signal(make_signal(world), coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    response = client.get(reverse("cases:list"), {"van": "mij"})
    assert [case.pk for case, _ in response.context["rows"]] == [mine.pk]


def test_coordinator_filters_the_case_list_on_a_team(
    client, verified_client, world, team, other_team, coordinator
):
    north = _pick_up_many(world, coordinator, team, 2)
    _pick_up_many(world, coordinator, other_team, 1)
    verified_client(coordinator)
    response = client.get(reverse("cases:list"), {"team": team.pk})
    assert sorted(case.pk for case, _ in response.context["rows"]) == sorted(
        case.pk for case in north
    )
    assert f"team={team.pk}" in response.content.decode()  # the sort and page links keep the filter


def test_unknown_team_on_the_case_list_is_ignored(
    client, verified_client, world, team, coordinator
):
    _pick_up_many(world, coordinator, team, 2)
    verified_client(coordinator)
    response = client.get(reverse("cases:list"), {"team": "999999"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2


def test_case_list_pages_keep_the_filter_and_the_sort(
    client, verified_client, world, team, coordinator, monkeypatch
):
    from vroegsignaal.cases import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    _pick_up_many(world, coordinator, team, 3)
    verified_client(coordinator)
    body = client.get(
        reverse("cases:list"), {"team": team.pk, "sorteer": "status"}
    ).content.decode()
    assert (
        f'href="?toon=open&amp;team={team.pk}&amp;sorteer=status&amp;pagina=2" rel="next"' in body
    )


def test_case_list_columns_sort_and_keep_the_filter(
    client, verified_client, world, team, coordinator
):
    _pick_up_many(world, coordinator, team, 1)
    verified_client(coordinator)
    body = client.get(reverse("cases:list"), {"team": team.pk}).content.decode()
    assert f'href="?toon=open&amp;team={team.pk}&amp;sorteer=opgepakt">Opgepakt</a>' in body


def test_case_list_without_matches_offers_to_clear_the_filters(
    client, verified_client, world, team, coordinator
):
    _pick_up_many(world, coordinator, team, 1)
    verified_client(coordinator)
    body = client.get(reverse("cases:list"), {"toon": "gesloten"}).content.decode()
    assert "Geen zaken die aan deze filters voldoen." in body
    assert 'href="?wissen=1">Filters wissen</a>' in body


def test_case_list_filter_stays_put_when_the_list_is_opened_again(
    client, verified_client, world, team, coordinator
):
    verified_client(coordinator)
    client.get(reverse("cases:list"), {"team": team.pk, "sorteer": "status"})
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert (
        response["Location"] == f"{reverse('cases:list')}?toon=open&team={team.pk}&sorteer=status"
    )


def test_clearing_the_case_list_filters_forgets_them(
    client, verified_client, world, team, coordinator
):
    verified_client(coordinator)
    client.get(reverse("cases:list"), {"team": team.pk})
    assert client.get(reverse("cases:list"), {"wissen": "1"})["Location"] == reverse("cases:list")
    assert client.get(reverse("cases:list")).status_code == 200


FILTERS_ON = "Uw filters van de vorige keer staan nog aan; ‘Filters wissen’ toont alles."


@pytest.mark.parametrize("role", ["coordinator", "worker"])
def test_case_list_opened_again_after_sorting_does_not_say_filters_are_on(
    client, verified_client, world, team, coordinator, worker, role
):
    """A sort header or "Open" remembers ``toon=open``: that filters nothing away."""
    verified_client({"coordinator": coordinator, "worker": worker}[role])
    client.get(reverse("cases:list"), {"toon": "open", "sorteer": "status"})
    page = client.get(reverse("cases:list"), follow=True)
    assert FILTERS_ON not in [str(m) for m in page.context["messages"]]


@pytest.mark.parametrize("role", ["coordinator", "worker"])
def test_case_list_saying_filters_are_on_offers_to_clear_them(
    client, verified_client, world, team, coordinator, worker, role
):
    verified_client({"coordinator": coordinator, "worker": worker}[role])
    client.get(reverse("cases:list"), {"toon": "gesloten", "sorteer": "status"})
    page = client.get(reverse("cases:list"), follow=True)
    assert [str(m) for m in page.context["messages"]] == [FILTERS_ON]
    assert 'href="?wissen=1">Filters wissen</a>' in page.content.decode()


def test_empty_case_list_says_how_cases_arise(client, verified_client, world, coordinator):
    verified_client(coordinator)
    body = client.get(reverse("cases:list")).content.decode()
    assert "Een zaak ontstaat zodra een signaal in een werkbakje wordt opgepakt." in body
    assert "Filters wissen" not in body


def test_case_list_status_links_say_which_cases_they_show(
    client, verified_client, world, coordinator
):
    verified_client(coordinator)
    body = client.get(reverse("cases:list"), {"toon": "alle"}).content.decode()
    assert 'aria-current="page">Open en afgesloten</a>' in body


def test_menu_marks_zaken_as_current_on_a_case_page(
    client, verified_client, world, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    body = client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    assert f'href="{reverse("cases:list")}" aria-current="true">Zaken</a>' in body


def test_case_page_writes_the_dates_the_same_dutch_way_as_the_household_view(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    services.log_contact_attempt(
        case, worker, kind="Telefoon", reached=False, on=dt.date(2026, 3, 4)
    )
    verified_client(worker)
    body = client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    birth_date = signal.household.persons.first().birth_date
    assert f">{birth_date.day} " in body and f"-{birth_date.month}-{birth_date.year}<" not in body
    # (the attempt was recorded later: the day it was recorded follows below the date)
    assert '<td class="utrecht-table__cell" data-label="Datum">4 maart 2026\n' in body
    assert "4-3-2026" not in body


def test_case_page_offers_no_letter_while_the_team_has_no_contact_details(
    client, verified_client, other_worker, other_team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=other_team, on=dt.date(2026, 3, 2))
    verified_client(other_worker)
    url = reverse("cases:detail", kwargs={"case_id": case.pk})
    body = client.get(url).content.decode()
    assert "Wijkteam Zuid heeft nog geen telefoonnummer, e-mailadres of bezoekadres" in body
    assert reverse("cases:letter", kwargs={"case_id": case.pk}) not in body
    other_team.phone = "14 0999"
    other_team.save()
    body = client.get(url).content.decode()
    assert (
        "heeft nog geen telefoonnummer" not in body
        and reverse("cases:letter", kwargs={"case_id": case.pk}) in body
    )


def test_case_page_without_a_team_says_to_assign_it_before_a_letter(
    client, verified_client, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, on=dt.date(2026, 3, 2))
    verified_client(coordinator)
    body = client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    assert "Deze zaak heeft nog geen wijkteam. Wijs de zaak eerst toe aan een wijkteam" in body
    assert "> heeft nog geen" not in body  # no sentence without its subject
    assert reverse("cases:letter", kwargs={"case_id": case.pk}) not in body


def test_household_link_on_the_case_page_records_the_view_as_hulpverlening(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    household_url = reverse("reporting:household", kwargs={"household_id": case.household_id})
    body = client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    assert f'href="{household_url}?doel=hulpverlening"' in body
    client.get(f"{household_url}?doel=hulpverlening")
    view = AuditEvent.objects.filter(object_type="households.household", action="view").latest(
        "seq"
    )
    assert view.purpose == "hulpverlening"


def _close(client, case, **data):
    return client.post(
        reverse("cases:close", kwargs={"case_id": case.pk}),
        {
            "afsluiten-outcome": data.get("outcome", ""),
            "afsluiten-on": data.get("on", "2026-03-20"),
        },
        follow=True,
    )


def test_close_form_starts_without_an_outcome(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    response = client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    field = response.context["close_form"]["outcome"]
    assert field.value() is None and str(field).count("selected") == 1
    assert '<option value="" selected>Kies een eindresultaat</option>' in str(field)


def test_closing_without_choosing_an_outcome_is_refused(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    body = _close(client, case).content.decode()
    summary = body[body.index('id="foutmeldingen"') :]
    assert "Niet opgeslagen." in summary and "Verbeter wat bij deze velden staat:" in summary
    assert 'tabindex="-1" autofocus' in body  # the summary takes the focus
    assert "Eindresultaat: Kies het eindresultaat waarmee u de zaak afsluit." in body
    assert Case.objects.get(pk=case.pk).status == "opgepakt"


def test_closing_on_a_date_in_the_future_is_refused_on_the_case_page(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    next_year = (timezone.localdate() + dt.timedelta(days=365)).isoformat()
    body = _close(
        client, case, outcome="Geen reactie na eerder contact", on=next_year
    ).content.decode()
    assert (
        "De datum ligt in de toekomst." in body
        and Case.objects.get(pk=case.pk).status == "opgepakt"
    )


def test_contact_attempt_dated_next_year_is_refused_on_the_case_page(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    next_year = (timezone.localdate() + dt.timedelta(days=365)).isoformat()
    response = client.post(
        reverse("cases:contact_attempt", kwargs={"case_id": case.pk}),
        {"poging-kind": "Mail", "poging-reached": "nee", "poging-on": next_year},
        follow=True,
    )
    assert "De datum ligt in de toekomst." in response.content.decode()
    assert not ContactAttempt.objects.filter(case=case).exists()


def test_case_page_date_pickers_offer_no_day_after_today(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    body = client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    today = timezone.localdate().isoformat()
    for name in ("poging-on", "aanbod-made_on", "aanbod-answered_on", "afsluiten-on"):
        tag = body[body.index(f'name="{name}"') - 200 : body.index(f'name="{name}"') + 200]
        assert f'max="{today}"' in tag, name


def test_not_picking_up_without_a_reason_keeps_the_signal_and_says_why(
    client, verified_client, coordinator, signal
):
    from vroegsignaal.signals.models import Signal

    verified_client(coordinator)
    response = client.post(
        reverse("cases:not_picked_up"), {"signal": signal.pk, "reason": ""}, follow=True
    )
    assert "Kies een reden waarom het signaal niet wordt opgepakt." in response.content.decode()
    assert Signal.objects.get(pk=signal.pk).status == "nieuw"
    # Back on the household, opened for the purpose the coordinator was at: not asked again.
    household = reverse("reporting:household", kwargs={"household_id": signal.household_id})
    assert response.redirect_chain == [(f"{household}?doel=signaalbehandeling", 302)]


def test_worker_takes_an_unassigned_case_of_their_team_from_the_case_page(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    url = reverse("cases:detail", kwargs={"case_id": case.pk})
    assert "Aan mij toewijzen" in client.get(url).content.decode()
    response = client.post(reverse("cases:take", kwargs={"case_id": case.pk}), follow=True)
    body = response.content.decode()
    assert "De zaak is aan u toegewezen." in body and "Aan mij toewijzen" not in body
    assert Case.objects.get(pk=case.pk).worker == worker
    assert AuditEvent.objects.filter(
        object_id=str(case.pk), action="update", purpose="zaak toegewezen"
    ).exists()
    mine = client.get(reverse("cases:list"), {"van": "mij"})
    assert [c.pk for c, _ in mine.context["rows"]] == [case.pk]


def test_take_button_is_only_for_the_teams_worker_on_an_unassigned_case(
    client, verified_client, worker, team, coordinator, world
):
    from tests.factories import UserFactory
    from vroegsignaal.organisations.models import Role

    colleague = UserFactory(
        username="collega-noord", role=Role.HULPVERLENER, team=team, municipality=team.municipality
    )
    taken = services.pick_up_signal(
        make_signal(world), coordinator, worker=colleague, on=dt.date(2026, 3, 2)
    )
    open_one = services.pick_up_signal(
        make_signal(world), coordinator, team=team, on=dt.date(2026, 3, 2)
    )
    verified_client(worker)
    assert (
        "Aan mij toewijzen"
        not in client.get(reverse("cases:detail", kwargs={"case_id": taken.pk})).content.decode()
    )
    verified_client(coordinator)
    assert (
        "Aan mij toewijzen"
        not in client.get(reverse("cases:detail", kwargs={"case_id": open_one.pk})).content.decode()
    )


def test_worker_cannot_take_a_case_of_another_team(
    client, verified_client, worker, case_of_other_team
):
    verified_client(worker)
    response = client.post(reverse("cases:take", kwargs={"case_id": case_of_other_team.pk}))
    assert response.status_code == 404 and Case.objects.get(pk=case_of_other_team.pk).worker is None


def test_taking_a_case_is_a_post(client, verified_client, worker, team, coordinator, signal):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    assert client.get(reverse("cases:take", kwargs={"case_id": case.pk})).status_code == 405


class _Tables(HTMLParser):
    """Records, for every table, whether it sits inside a ``div.table-scroll``."""

    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, str]] = []
        self.tables: list[bool] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(
                any(t == "div" and "table-scroll" in c.split() for t, c in self.open)
            )
        if tag not in self.VOID:
            self.open.append((tag, dict(attrs).get("class") or ""))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass


def _tables_scroll(html: str) -> list[bool]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def test_every_table_on_the_case_pages_scrolls_within_itself_on_a_phone(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    Case.objects.filter(pk=case.pk).update(due_on=timezone.localdate())  # on the home page too
    verified_client(worker)
    for url in (
        reverse("cases:detail", kwargs={"case_id": case.pk}),
        reverse("cases:list"),
        reverse("portal:home"),
    ):
        tables = _tables_scroll(client.get(url).content.decode())
        assert tables and all(tables), url


def test_every_table_in_the_case_templates_is_wrapped_to_scroll():
    from pathlib import Path

    import vroegsignaal.cases

    templates = Path(vroegsignaal.cases.__file__).parent / "templates" / "cases"
    for template in templates.glob("*.html"):
        assert all(_tables_scroll(template.read_text())), template.name


def test_case_page_names_one_contact_deadline_the_cases(
    world, coordinator, team, worker, verified_client, client
):
    from vroegsignaal.signals.explanations import dutch_date

    signal = make_signal(world, crisis=True)
    case = services.pick_up_signal(signal, coordinator, team=team, on=signal.signal_date)
    own = signal.deadline - dt.timedelta(days=1)
    Case.objects.filter(pk=case.pk).update(contact_due=own)
    verified_client(worker)
    html = client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    assert f"contact uiterlijk {dutch_date(own)}" in html
    assert f"contact uiterlijk {dutch_date(signal.deadline)}" not in html


NEXT_YEAR = (dt.date.today() + dt.timedelta(days=366)).isoformat()

# (url name, form prefix, data the service or the form refuses, the field the error is about, the error)
REFUSALS = [
    ("cases:contact_attempt", "poging", {"poging-kind": "Telefoon", "poging-reached": "nee", "poging-on": NEXT_YEAR},
     "on", "De datum ligt in de toekomst."),
    ("cases:offer", "aanbod", {"aanbod-made_on": "2026-03-05", "aanbod-answer": "aanvaard", "aanbod-answered_on": "2026-03-04"},
     "answered_on", "Het antwoord kan niet vóór het hulpaanbod liggen."),
    ("cases:close", "afsluiten", {"afsluiten-outcome": "Geen reactie na eerder contact", "afsluiten-on": NEXT_YEAR},
     "on", "De datum ligt in de toekomst."),
    ("cases:note", "notitie", {"notitie-text": "   "}, "text", "Dit veld is vereist."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("url", "prefix", "data", "field", "error"), REFUSALS, ids=[r[1] for r in REFUSALS]
)
def test_a_refused_case_form_comes_back_in_view_with_the_error_at_its_field(
    client, verified_client, worker, team, coordinator, signal, url, prefix, data, field, error
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    response = client.post(reverse(url, kwargs={"case_id": case.pk}), data)
    body = response.content.decode()
    assert response.status_code == 200  # the page itself, not a redirect that forgets the input
    field_error = body[body.index(f'id="id_{prefix}-{field}_error"') :]
    assert field_error[: field_error.index("</div>")].endswith(f"<p>{error}</p>")
    # The form is scrolled into view, and a summary above it links to the field. Sent again, it
    # goes to the case page itself (test_forms_stay_on_the_case_page.py), not to this address.
    assert (
        f'<section id="{prefix}"' in body
        and f'action="{reverse("cases:detail", kwargs={"case_id": case.pk})}#{prefix}"' in body
    )
    assert f'<a class="utrecht-link" href="#id_{prefix}-{field}">' in body
    assert body.count("utrecht-alert--error") == 1  # only the form that was sent
    fresh = Case.objects.get(pk=case.pk)
    assert (
        fresh.status,
        fresh.offer_made_on,
        fresh.contact_attempts.count(),
        fresh.notes.count(),
    ) == ("opgepakt", None, 0, 0)


def test_a_refused_contact_attempt_keeps_what_the_user_chose(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    response = client.post(
        reverse("cases:contact_attempt", kwargs={"case_id": case.pk}),
        {
            "poging-kind": "Telefoon",
            "poging-reached": "nee",
            "poging-on": NEXT_YEAR,
            "poging-note": "voicemail",
        },
    )
    form = response.context["attempt_form"]
    assert form.errors == {"on": ["De datum ligt in de toekomst."]}
    html = str(form["kind"]) + str(form["reached"]) + str(form["note"])
    assert '<option value="Telefoon" selected>' in html and "voicemail" in html
    assert re.search(r'<input type="radio" name="poging-reached" value="nee"[^>]* checked', html)


def test_a_contact_attempts_explanation_is_as_long_as_a_note_may_be(
    client, verified_client, worker, team, coordinator, signal
):
    """It had no limit: 100,000 characters were stored as sent."""
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    response = client.post(
        reverse("cases:contact_attempt", kwargs={"case_id": case.pk}),
        {
            "poging-kind": "Telefoon",
            "poging-reached": "nee",
            "poging-on": "2026-03-03",
            "poging-note": "x" * 100_000,
        },
    )
    assert response.status_code == 200
    assert response.context["attempt_form"].errors == {
        "note": ["Zorg dat deze waarde niet meer dan 5000 tekens bevat (het zijn er nu 100000)."]
    }
    assert not ContactAttempt.objects.exists() and Case.objects.get(pk=case.pk).status == "opgepakt"


def test_a_contact_attempt_without_an_answer_to_bereikt_links_to_its_first_option(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    body = client.post(
        reverse("cases:contact_attempt", kwargs={"case_id": case.pk}),
        {"poging-kind": "Mail", "poging-on": "2026-03-03"},
    ).content.decode()
    assert (
        'href="#id_poging-reached_0">Bereikt: Dit veld is vereist.</a>' in body
        and 'id="id_poging-reached_0"' in body
    )


def test_a_saved_case_form_goes_back_to_the_page_with_its_message(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    response = client.post(
        reverse("cases:note", kwargs={"case_id": case.pk}), {"notitie-text": "gebeld"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", kwargs={"case_id": case.pk}) + "#main"


def test_a_form_sent_to_a_closed_case_says_why_nothing_changed(
    client, verified_client, worker, team, coordinator, signal
):
    """The closed case's page no longer holds the form: a message, not errors nobody sees."""
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    services.close_case(
        case, coordinator, "Geen reactie na eerder contact", on=dt.date(2026, 3, 20)
    )
    verified_client(worker)
    response = client.post(
        reverse("cases:contact_attempt", kwargs={"case_id": case.pk}),
        {"poging-kind": "Mail"},
        follow=True,
    )
    assert (
        "kan niet meer veranderen" in response.content.decode()
        and not ContactAttempt.objects.exists()
    )


def test_a_closed_case_says_which_deadline_was_not_met_instead_of_leaving_a_bare_date(
    client, verified_client, coordinator, crisis_signal
):
    """Once closed, the page is a record: a deadline date alone read as a task still to do."""
    from vroegsignaal.cases.models import OfferAnswer

    case = services.pick_up_signal(crisis_signal, coordinator, on=dt.date(2026, 3, 2))
    services.record_offer(
        case,
        coordinator,
        made_on=dt.date(2026, 3, 2),
        answer=OfferAnswer.AANVAARD,
        answered_on=dt.date(2026, 3, 3),
    )
    page = lambda: re.sub(  # noqa: E731
        r"\s+",
        " ",
        client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode(),
    )
    verified_client(coordinator)
    assert "niet gevoerd" not in page() and "geen contact gelegd" not in page()

    services.close_case(case, coordinator, Outcome.GEEN_CONTACT, on=dt.date(2026, 3, 20))
    text = re.search(r'<dl class="case-facts">.*?</dl>', page()).group(0)
    assert "31 maart 2026 — niet gevoerd" in text
    assert "4 maart 2026 — geen contact gelegd" in text


def test_assigning_and_taking_a_case_are_in_its_history_once_each(
    client, verified_client, worker, team, coordinator, signal
):
    """The history showed only status changes: who the case went to, and when, was nowhere."""
    from vroegsignaal.cases.models import CaseStatusChange

    case = services.pick_up_signal(signal, coordinator, on=dt.date(2026, 3, 2))
    services.assign(case, coordinator, team=team)
    services.assign(case, coordinator, team=team)  # the same again: nothing new happened
    services.take_case(case, worker)
    notes = list(
        CaseStatusChange.objects.filter(case=case).order_by("id").values_list("note", flat=True)
    )
    name = worker.get_full_name() or worker.get_username()
    assert notes[1:] == ["Toegewezen aan Wijkteam Noord", f"Toegewezen aan {name}"]

    verified_client(coordinator)
    body = re.sub(r"\s+", " ", client.get(reverse("cases:detail", args=[case.pk])).content.decode())
    assert "Toegewezen aan Wijkteam Noord (" in body
    assert "Opgepakt → Opgepakt" not in body


def test_an_open_case_without_an_accepted_offer_says_when_the_first_conversation_is_due(
    client, verified_client, coordinator, signal
):
    """ "Eerstvolgende termijn —" alone left the worker wondering whether there was one."""
    case = services.pick_up_signal(signal, coordinator, on=dt.date(2026, 3, 2))
    verified_client(coordinator)
    body = re.sub(r"\s+", " ", client.get(reverse("cases:detail", args=[case.pk])).content.decode())
    assert (
        "<dt>Eerste gesprek uiterlijk</dt><dd>vier weken nadat het hulpaanbod is aanvaard" in body
    )


class _Selects(HTMLParser):
    """The options of the page's selects, as (select id, optgroup label or None, label)."""

    def __init__(self):
        super().__init__()
        self.options, self._select, self._group, self._option = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._select = attrs.get("id")
        elif tag == "optgroup":
            self._group = attrs.get("label")
        elif tag == "option" and self._select:
            self._option = ""

    def handle_endtag(self, tag):
        if tag == "optgroup":
            self._group = None
        elif tag == "option" and self._option is not None:
            self.options.append((self._select, self._group, self._option.strip()))
            self._option = None

    def handle_data(self, data):
        if self._option is not None:
            self._option += data


def _assign_options(client, case) -> list[tuple[str, str | None, str]]:
    parser = _Selects()
    parser.feed(client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode())
    return [o for o in parser.options if o[0] in ("id_toewijzen-team", "id_toewijzen-worker")]


def test_assign_form_asks_to_choose_instead_of_showing_dashes(
    client, verified_client, coordinator, team, worker, signal
):
    case = services.pick_up_signal(signal, coordinator, on=dt.date(2026, 3, 2))
    verified_client(coordinator)
    options = _assign_options(client, case)
    assert options[0] == ("id_toewijzen-team", None, "Kies een wijkteam")
    assert ("id_toewijzen-worker", None, "Kies een hulpverlener") in options
    assert not [o for o in options if "---" in o[2]]


def test_assign_form_lists_hulpverleners_by_name_under_their_wijkteam(
    client, verified_client, coordinator, team, other_team, worker, other_worker, signal
):
    worker.first_name, worker.last_name = "Jan", "Jansen"
    worker.save()
    case = services.pick_up_signal(signal, coordinator, on=dt.date(2026, 3, 2))
    verified_client(coordinator)
    workers = [o[1:] for o in _assign_options(client, case) if o[0] == "id_toewijzen-worker"]
    # No full name: the login name.
    assert workers[1:] == [("Wijkteam Noord", "Jan Jansen"), ("Wijkteam Zuid", "werker-zuid")]


def test_assigning_a_hulpverlener_of_another_wijkteam_is_still_refused_at_the_field(
    client, verified_client, coordinator, team, other_worker, signal
):
    case = services.pick_up_signal(signal, coordinator, on=dt.date(2026, 3, 2))
    verified_client(coordinator)
    response = client.post(
        reverse("cases:assign", kwargs={"case_id": case.pk}),
        {"toewijzen-team": team.pk, "toewijzen-worker": other_worker.pk},
    )
    assert response.context["assign_form"].errors == {
        "worker": ["Die hulpverlener hoort niet bij dat wijkteam."]
    }


def test_close_form_keeps_onterecht_signaal_and_says_when_it_fits_a_picked_up_case(
    client, verified_client, coordinator, team, signal
):
    """Only closing a case tells the creditors ``onterecht_signaal``; its DDAS name reads
    "Niet opgepakt", so the form says why it is there."""
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(coordinator)
    body = client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    assert '<option value="Niet opgepakt: onterecht signaal">' in body
    assert (
        'id="id_afsluiten-outcome_helptext">‘Niet opgepakt: onterecht signaal’ past ook bij een '
        "opgepakte zaak" in body
    )
    assert 'aria-describedby="id_afsluiten-outcome_helptext"' in body


def _case_in_each_status(world, coordinator, team) -> dict[str, Case]:
    """One case of each status, picked up in an order that is neither the workflow's nor the
    alphabet's (the newest-first tie-break does not put them in either by chance)."""
    from vroegsignaal.cases.models import ContactKind, OfferAnswer

    on = dt.date(2026, 3, 2)
    cases = dict(zip(
        ("in_contact", "afgesloten", "opgepakt", "hulp_aanvaard", "contact_gezocht"),
        _pick_up_many(world, coordinator, team, 5),
        strict=True,
    ))  # fmt: skip
    services.log_contact_attempt(
        cases["contact_gezocht"], coordinator, kind=ContactKind.MAIL, reached=False, on=on
    )
    services.log_contact_attempt(
        cases["in_contact"], coordinator, kind=ContactKind.TELEFOON, reached=True, on=on
    )
    services.record_offer(
        cases["hulp_aanvaard"], coordinator, made_on=on, answer=OfferAnswer.AANVAARD, answered_on=on
    )
    services.close_case(cases["afgesloten"], coordinator, Outcome.GEEN_CONTACT, on=on)
    return cases


WORKFLOW_ORDER = ["opgepakt", "contact_gezocht", "in_contact", "hulp_aanvaard", "afgesloten"]


def test_case_list_sorted_on_status_follows_the_workflow_not_the_alphabet(
    client, verified_client, world, team, coordinator
):
    """It read "Afgesloten, Contact gezocht, Hulp aanvaard, In contact, Opgepakt"."""
    _case_in_each_status(world, coordinator, team)
    verified_client(coordinator)
    response = client.get(reverse("cases:list"), {"toon": "alle", "sorteer": "status"})
    assert [case.status for case, _ in response.context["rows"]] == WORKFLOW_ORDER


def test_case_list_status_order_is_the_workflow_both_ways(world, team, coordinator):
    from vroegsignaal.cases import selectors

    _case_in_each_status(world, coordinator, team)
    cases = selectors.case_list(coordinator, sort="status", show="alle")
    assert [case.status for case in cases] == WORKFLOW_ORDER
    assert [case.status for case in cases.reverse()] == WORKFLOW_ORDER[::-1]

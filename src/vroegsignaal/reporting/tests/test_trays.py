"""The coordinator's trays: counts, filters that stay put, sorting, empty states, bounded queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals.models import Signal

from .conftest import Town

pytestmark = pytest.mark.django_db


def test_tray_index_shows_each_tray_with_its_open_count(town, client, verified_client):
    town.signal()
    town.signal()
    town.signal(status="vervallen")
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:trays"))
    assert response.status_code == 200
    assert [(r["tray"].name, r["open"]) for r in response.context["rows"]] == [("Meervoudig", 2)]


def test_tray_index_from_the_map_counts_every_open_signal_of_the_buurt(
    town, client, verified_client
):
    """The filter sorts its signals; grouped with that order, each signal made a group of its own
    and every tray showed 1."""
    for amount in (10_000, 20_000, 30_000):
        town.signal(town.household(buurt=town.buurt), amount=amount)
    town.signal(town.household(buurt=town.other_buurt))
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:trays"), {"buurt": town.buurt.code})
    assert [(r["tray"].name, r["open"]) for r in response.context["rows"]] == [("Meervoudig", 3)]


def test_hulpverlener_may_not_open_the_trays(town, client, verified_client):
    worker = UserFactory(role=Role.HULPVERLENER, team=town.team, municipality=town.municipality)
    verified_client(worker)
    assert client.get(reverse("reporting:trays")).status_code == 403


def test_filter_on_buurt_keeps_only_that_buurts_signals(town, client, verified_client):
    inside = town.signal(town.household(buurt=town.buurt))
    town.signal(town.household(buurt=town.other_buurt))
    verified_client(town.coordinator)
    response = client.get(
        reverse("reporting:tray", args=[town.tray.pk]), {"buurt": town.buurt.code}
    )
    assert [s.pk for s in response.context["page"].object_list] == [inside.pk]


def test_filter_on_wijk_includes_its_buurten(town, client, verified_client):
    town.signal(town.household(buurt=town.buurt))
    town.signal(town.household(buurt=town.other_buurt))
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]), {"buurt": town.wijk.code})
    assert response.context["page"].paginator.count == 2


def test_filters_on_amount_flags_creditor_type_age_and_team_combine(town, client, verified_client):
    household = town.household()
    energy = town.arrear(household, town.energie, {dt.date(2026, 2, 1): 10_000})
    wanted = town.signal(
        household,
        amount=90_000,
        crisis=True,
        oldest=dt.date(2025, 10, 1),
        team=town.team,
        arrears=[energy],
    )
    town.signal(
        amount=90_000, crisis=True, oldest=dt.date(2025, 10, 1), team=town.team
    )  # no energy arrear
    town.signal(amount=10_000, crisis=True, oldest=dt.date(2025, 10, 1), team=town.team)
    verified_client(town.coordinator)
    response = client.get(
        reverse("reporting:tray", args=[town.tray.pk]),
        {
            "soort": "Energie",
            "bedrag_van": "500",
            "crisis": "1",
            "ouderdom_van": "30",
            "team": town.team.pk,
        },
    )
    assert [s.pk for s in response.context["page"].object_list] == [wanted.pk]


def test_sorting_by_amount_puts_the_largest_first(town, client, verified_client):
    small = town.signal(amount=10_000, priority=900)
    large = town.signal(amount=90_000, priority=100)
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]), {"sorteer": "bedrag"})
    assert [s.pk for s in response.context["page"].object_list] == [large.pk, small.pk]


def test_filters_stay_put_across_pagination(town, client, verified_client):
    for _ in range(55):
        town.signal(crisis=True)
    town.signal(crisis=False)
    verified_client(town.coordinator)
    url = reverse("reporting:tray", args=[town.tray.pk])
    first = client.get(url, {"crisis": "1", "sorteer": "bedrag"})
    body = first.content.decode()
    assert "crisis=1" in body and "pagina=2" in body and "sorteer=bedrag" in body
    second = client.get(url, {"crisis": "1", "sorteer": "bedrag", "pagina": "2"})
    assert second.context["page"].paginator.count == 55
    assert len(second.context["page"].object_list) == 5


def test_filters_are_remembered_per_tray_in_the_session(town, client, verified_client):
    verified_client(town.coordinator)
    url = reverse("reporting:tray", args=[town.tray.pk])
    client.get(url, {"buurt": town.buurt.code, "crisis": "1"})
    response = client.get(url)
    assert response.status_code == 302
    assert f"buurt={town.buurt.code}" in response["Location"] and "crisis=1" in response["Location"]


def test_remembered_filters_are_announced_but_a_remembered_sort_order_is_not(
    town, client, verified_client
):
    """Back on a list through the menu, it showed fewer signals without saying why."""
    verified_client(town.coordinator)
    url = reverse("reporting:tray", args=[town.tray.pk])
    note = "Uw filters van de vorige keer staan nog aan; ‘Filters wissen’ toont alles."
    client.get(url, {"sorteer": "bedrag"})
    page = client.get(url, follow=True)
    assert note not in [str(m) for m in page.context["messages"]]
    client.get(url, {"crisis": "1"})
    page = client.get(url, follow=True)
    assert [str(m) for m in page.context["messages"]] == [note]


def test_clearing_filters_forgets_them(town, client, verified_client):
    verified_client(town.coordinator)
    url = reverse("reporting:tray", args=[town.tray.pk])
    client.get(url, {"crisis": "1"})
    client.get(url, {"wissen": "1"})
    assert client.get(url).status_code == 200


def test_empty_tray_says_what_to_do(town, client, verified_client):
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]))
    assert "Dit werkbakje is leeg" in response.content.decode()


def test_no_match_for_the_filters_offers_to_clear_them(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]), {"bedrag_van": "999999"})
    body = response.content.decode()
    assert "Geen signalen die aan deze filters voldoen." in body and "Filters wissen</a>" in body


def test_coordinator_of_a_gets_404_for_the_tray_of_b(town, client, verified_client):
    other = Town(code="0888", name="Andere gemeente")
    verified_client(town.coordinator)
    assert client.get(reverse("reporting:tray", args=[other.tray.pk])).status_code == 404


def test_tray_page_query_count_is_bounded(
    town, client, verified_client, django_assert_max_num_queries
):
    for i in range(60):
        town.signal(town.household(buurt=town.buurt if i % 2 else town.other_buurt), team=town.team)
    verified_client(town.coordinator)
    url = reverse("reporting:tray", args=[town.tray.pk])
    client.get(url)  # warm the session
    with django_assert_max_num_queries(20):  # 5 of them write the page view to the audit log
        response = client.get(url, {"crisis": "", "status": "open", "sorteer": "prioriteit"})
    assert len(response.context["page"].object_list) == 50


def test_tray_index_query_count_does_not_grow_with_trays(
    town, client, verified_client, django_assert_max_num_queries
):
    from vroegsignaal.signals.models import Tray

    for i in range(10):
        tray = Tray.objects.create(
            municipality=town.municipality, name=f"Bakje {i}", position=10 + i
        )
        town.signal(tray=tray)
    verified_client(town.coordinator)
    client.get(reverse("reporting:trays"))
    with django_assert_max_num_queries(12):
        client.get(reverse("reporting:trays"))


def test_buurt_filter_uses_the_register_files_buurtcode_while_that_buurt_is_not_imported(
    town, client, verified_client
):
    from vroegsignaal.registry.models import Address

    household = town.household()
    Address.objects.filter(pk=household.address_id).update(buurt=None, buurtcode="BU09999999")
    signal = town.signal(household)
    town.signal(town.household())  # in an imported buurt
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]), {"buurt": "BU09999999"})
    assert [s.pk for s in response.context["page"].object_list] == [signal.pk]


def test_tray_writes_the_dates_in_full_dutch_not_capitalised_abbreviations(
    town, client, verified_client
):
    town.signal(oldest=dt.date(2026, 3, 5), signal_date=dt.date(2026, 10, 1))
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert ">5 maart 2026</td>" in body and ">1 oktober 2026</td>" in body
    assert "Mrt 2026" not in body and "Okt 2026" not in body


def test_tray_amount_column_shows_cents_on_every_row(town, client, verified_client):
    town.signal(amount=57_000)
    town.signal(amount=226_320)
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert (
        ">€\u00a0570,00</td>" in body and ">€\u00a02.263,20</td>" in body
    )  # the euro sign never ends a line


def test_tray_page_title_names_it_a_werkbakje_like_its_heading(town, client, verified_client):
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert f"<title>Werkbakje {town.tray.name} · Vroegsignaal</title>" in body


# --- sorting both ways, and saying which way -------------------------------------------------


def _header(body: str, label: str) -> str:
    """The ``<th …>…</th>`` of the column whose header reads ``label``."""
    thead = body[body.index("<thead") : body.index("</thead>")]
    [header] = [f"<th{cell}" for cell in thead.split("<th")[1:] if f">{label}<" in cell]
    return header[: header.index("</th>")]


def test_clicking_the_sorted_column_again_reverses_it(town, client, verified_client):
    low, high = town.signal(priority=100), town.signal(priority=900)
    verified_client(town.coordinator)
    url = reverse("reporting:tray", args=[town.tray.pk])
    body = client.get(url, {"sorteer": "prioriteit"}).content.decode()
    assert "sorteer=-prioriteit" in _header(
        body, "Prioriteit"
    )  # the sorted column links to its reverse
    assert "sorteer=bedrag" in _header(
        body, "Totaalbedrag"
    )  # another column starts in its own direction
    reversed_page = client.get(url, {"sorteer": "-prioriteit"})
    assert [s.pk for s in reversed_page.context["page"].object_list] == [low.pk, high.pk]
    assert "sorteer=prioriteit" in _header(
        reversed_page.content.decode(), "Prioriteit"
    )  # and back again


def test_reversing_the_amount_sort_puts_the_smallest_first(town, client, verified_client):
    small, large = town.signal(amount=10_000), town.signal(amount=90_000)
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]), {"sorteer": "-bedrag"})
    assert [s.pk for s in response.context["page"].object_list] == [small.pk, large.pk]


@pytest.mark.parametrize(
    ("sort", "label", "direction", "arrow"),
    [
        ("prioriteit", "Prioriteit", "descending", "▼"),
        ("-prioriteit", "Prioriteit", "ascending", "▲"),
        ("ouderdom", "Oudste achterstand", "ascending", "▲"),  # the oldest date first
        ("-signaaldatum", "Signaal sinds", "ascending", "▲"),
    ],
)
def test_sorted_column_shows_its_direction(
    sort, label, direction, arrow, town, client, verified_client
):
    town.signal()
    verified_client(town.coordinator)
    body = client.get(
        reverse("reporting:tray", args=[town.tray.pk]), {"sorteer": sort}
    ).content.decode()
    header = _header(body, label)
    assert f'aria-sort="{direction}"' in header
    assert f'<span class="sort-arrow" aria-hidden="true">{arrow}</span>' in header
    assert (
        body.count("aria-sort=") == 1 and body.count('class="sort-arrow"') == 1
    )  # on that column only


def test_tray_without_a_sort_shows_the_default_priority_order(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert 'aria-sort="descending"' in _header(body, "Prioriteit")


# --- the bulk form: tick them all, or be told to tick some -----------------------------------


def test_tray_offers_a_labelled_box_to_tick_every_signal_of_the_page(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert '<input type="checkbox" class="utrecht-checkbox" id="bulk-all">' in body
    assert (
        '<label class="visually-hidden" for="bulk-all">Alle signalen op deze pagina kiezen</label>'
        in body
    )
    assert "reporting/tray.js" in body  # the script that makes it work (hidden without it)


def test_bulk_form_carries_what_to_say_when_nothing_is_ticked(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert 'data-none-ticked="Vink eerst een of meer signalen aan."' in body
    assert 'id="bulk-none" role="alert"' in body


def test_bulk_action_without_ticked_signals_asks_to_tick_them(town, client, verified_client):
    town.signal()
    verified_client(town.coordinator)
    response = client.post(
        reverse("reporting:tray_bulk_action", args=[town.tray.pk]),
        {"actie": "oppakken"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "Vink eerst een of meer signalen aan."
    ]


# --- what the priority means ------------------------------------------------------------------


def test_tray_explains_what_the_priority_number_means(town, client, verified_client):
    town.signal(priority=2353)
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    help_text = (
        "Hoe hoger, hoe eerder aan de beurt. Een crisissignaal krijgt 2000 punten en gaat daardoor altijd voor; "
        "daarbij 100 punten per schuldeiser (hoogstens 5), 1 punt per €\u00a010 achterstand (hoogstens €\u00a05.000) en "
        "tot 100 punten voor de ouderdom van de oudste achterstand (het volle aantal vanaf 365 dagen)."
    )
    assert (
        f'<p class="utrecht-paragraph muted" id="priority-help"><strong>Prioriteit:</strong> {help_text}</p>'
        in body
    )
    header = _header(body, "Prioriteit")
    assert f'title="{help_text}"' in header and 'aria-describedby="priority-description"' in header
    assert f'<span id="priority-description">{help_text}</span>' in body


def test_tray_says_a_signal_can_be_older_than_its_oldest_arrear(town, client, verified_client):
    # Earlier arrears cleared and later ones joined: "Signaal sinds" before "Oudste achterstand".
    town.signal()
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert (
        '<p class="utrecht-paragraph muted" id="dates-help"><strong>Signaal sinds:</strong> '
        "de peildatum waarop het signaal ontstond. <strong>Oudste achterstand:</strong> het begin "
        "van de oudste achterstand die nu meetelt. Die kan na het signaal liggen: eerdere "
        "achterstanden kunnen intussen zijn opgelost en nieuwe zijn erbij gekomen.</p>"
    ) in body
    assert 'aria-describedby="signal-date-description"' in _header(body, "Signaal sinds")
    assert (
        '<span id="signal-date-description">de peildatum waarop het signaal ontstond.</span>'
    ) in body
    assert 'aria-describedby="age-description"' in _header(body, "Oudste achterstand")
    assert (
        '<span id="age-description">het begin van de oudste achterstand die nu meetelt. Die kan na '
        "het signaal liggen: eerdere achterstanden kunnen intussen zijn opgelost en nieuwe zijn "
        "erbij gekomen.</span>"
    ) in body


def test_the_sort_links_are_described_by_text_outside_the_folded_explanation(
    town, client, verified_client
):
    """On a phone the explanation is a closed <details>, from which a browser computes no
    description: the sort links' descriptions are hidden copies outside it."""
    town.signal()
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    described_by = re.findall(r'aria-describedby="([^"]+)"', body)
    assert described_by == ["priority-description", "age-description", "signal-date-description"]
    for folds in re.findall(r'<details class="fold".*?</details>', body, re.S):
        assert not set(re.findall(r'id="([^"]+)"', folds)) & set(described_by)
    hidden = re.search(r"<div hidden>(.*?)</div>", body, re.S).group(1)
    assert set(re.findall(r'id="([^"]+)"', hidden)) == set(described_by)


def test_priority_explanation_follows_the_formula(town):
    from vroegsignaal.reporting.selectors import priority_points
    from vroegsignaal.signals.trays import priority

    p = priority_points()
    top = priority(crisis=True, creditor_count=9, total_amount_cents=10**9, oldest_age_days=9999)
    assert (
        top
        == p["crisis"]
        + p["per_creditor"] * p["creditors_capped"]
        + p["amount_cap_cents"] // p["euros_per_point_cents"]
        + p["age_points"]
    )
    assert (
        priority(
            crisis=False,
            creditor_count=0,
            total_amount_cents=p["euros_per_point_cents"],
            oldest_age_days=p["age_cap_days"],
        )
        == 1 + p["age_points"]
    )


# --- the crisis deadline: the case's once the signal has one --------------------------------


def test_tray_shows_a_new_crisis_signals_own_deadline(town, client, verified_client):
    signal = town.signal(crisis=True)
    signal.deadline = dt.date(2026, 12, 2)
    signal.save(update_fields=["deadline"])
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert "contact uiterlijk 2 december</span>" in body


def test_tray_shows_the_cases_deadline_for_a_picked_up_crisis_signal(town, client, verified_client):
    from vroegsignaal.cases.services import pick_up_signal

    today = timezone.localdate()
    signal = town.signal(crisis=True)
    signal.deadline = today + dt.timedelta(
        days=20
    )  # counted from a receipt; the pick-up's is earlier
    signal.save(update_fields=["deadline"])
    case = pick_up_signal(signal, town.coordinator, on=today)
    assert case.contact_due < signal.deadline
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert f'<span class="muted">contact uiterlijk {_day(case.contact_due)}</span>' in body
    assert _day(signal.deadline) not in body


def _day(day: dt.date) -> str:
    """``25 november``, as the tray writes a deadline."""
    from django.template.defaultfilters import date
    from django.utils import translation

    with translation.override("nl"):
        return date(day, "j F")


def test_a_picked_up_signal_whose_case_missed_the_contact_deadline_is_red_as_in_the_case_list(
    town, client, verified_client
):
    """It stood in grey ("contact uiterlijk 25 november") while the case list said "Termijn verstreken"."""
    from vroegsignaal.cases.selectors import urgency
    from vroegsignaal.cases.services import pick_up_signal

    today = timezone.localdate()
    case = pick_up_signal(
        town.signal(crisis=True), town.coordinator, on=today - dt.timedelta(days=14)
    )
    assert urgency(case, today) == "overdue"  # how the case list and the home page mark it
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert (
        f'<span class="deadline--overdue">contacttermijn verstreken: {_day(case.contact_due)}</span>'
        in body
    )
    assert "contact uiterlijk" not in body


def test_a_contact_made_before_the_deadline_is_not_shown_as_still_to_make(
    town, client, verified_client
):
    """As the case list, which shows only the deadlines still to be met."""
    from vroegsignaal.cases.services import log_contact_attempt, pick_up_signal

    today = timezone.localdate()
    case = pick_up_signal(
        town.signal(crisis=True), town.coordinator, on=today - dt.timedelta(days=14)
    )
    log_contact_attempt(
        case, town.coordinator, kind="Telefoon", reached=True, on=today - dt.timedelta(days=13)
    )
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert "contact uiterlijk" not in body and "verstreken" not in body


def test_the_tray_marks_a_case_overdue_exactly_when_the_case_list_does():
    """Pure: the row's mark against ``cases.selectors.urgency`` for the cases a list meets."""
    from vroegsignaal.cases.models import Case, CaseStatus
    from vroegsignaal.cases.selectors import urgency
    from vroegsignaal.reporting.selectors import deadline_mark

    today = dt.date(2026, 11, 30)
    before, after = today - dt.timedelta(days=3), today + dt.timedelta(days=3)
    signal = Signal(status="opgepakt", crisis=True, deadline=before)
    cases = [
        Case(status=CaseStatus.OPGEPAKT, contact_due=before, due_on=before),  # contact missed
        Case(status=CaseStatus.OPGEPAKT, contact_due=after, due_on=after),  # contact still to make
        Case(status=CaseStatus.IN_CONTACT, contact_due=before, contacted_on=before - dt.timedelta(days=1),
             first_conversation_due=before, due_on=before),  # contact made, first conversation missed
        Case(status=CaseStatus.IN_CONTACT, contact_due=before, contacted_on=before, due_on=None),  # all met
        Case(status=CaseStatus.AFGESLOTEN, contact_due=before, due_on=None),  # closed
    ]  # fmt: skip
    marks = [deadline_mark(signal, case, today) for case in cases]
    assert [bool(m and m.overdue) for m in marks] == [urgency(c, today) == "overdue" for c in cases]
    assert [m and m.kind for m in marks] == [
        "contact_overdue",
        "contact_due",
        "overdue",
        None,
        None,
    ]


def test_a_contact_made_after_the_crisis_deadline_says_te_laat_in_the_tray(
    town, client, verified_client
):
    """The mark went away once contact was recorded, also when it came after the three working
    days: the tray looked as if the legal deadline had been met (the case page says "te laat")."""
    from vroegsignaal.cases.services import log_contact_attempt, pick_up_signal

    today = timezone.localdate()
    case = pick_up_signal(
        town.signal(crisis=True), town.coordinator, on=today - dt.timedelta(days=14)
    )
    contacted = today - dt.timedelta(days=2)
    log_contact_attempt(case, town.coordinator, kind="Telefoon", reached=True, on=contacted)
    case.refresh_from_db()
    assert case.contacted_late
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert (
        f'<span class="deadline--late">contact gelegd op {_day(contacted)}, te laat</span>' in body
    )
    assert "contact uiterlijk" not in body and "verstreken" not in body


def test_a_late_contact_stays_marked_open_or_closed_unless_a_deadline_is_overdue_now():
    """Pure: "te laat" is history, not a deadline to act on (never ``overdue``, as the case list
    says nothing of it); a first conversation overdue now goes first."""
    from vroegsignaal.cases.models import Case, CaseStatus
    from vroegsignaal.cases.selectors import urgency
    from vroegsignaal.reporting.selectors import deadline_mark

    today = dt.date(2026, 11, 30)
    due, late, later = (
        today - dt.timedelta(days=10),
        today - dt.timedelta(days=8),
        today + dt.timedelta(days=9),
    )
    signal = Signal(status="opgepakt", crisis=True, deadline=due)
    cases = [
        Case(status=CaseStatus.IN_CONTACT, contact_due=due, contacted_on=late, due_on=None),
        Case(status=CaseStatus.IN_CONTACT, contact_due=due, contacted_on=late, first_conversation_due=later,
             due_on=later),  # first conversation still to hold, in time
        Case(status=CaseStatus.AFGESLOTEN, contact_due=due, contacted_on=late, due_on=None),  # closed
        Case(status=CaseStatus.IN_CONTACT, contact_due=due, contacted_on=late, first_conversation_due=due,
             due_on=due),  # first conversation overdue now
        Case(status=CaseStatus.IN_CONTACT, contact_due=due, contacted_on=due, due_on=None),  # on its last day
    ]  # fmt: skip
    marks = [deadline_mark(signal, case, today) for case in cases]
    assert [(m.kind, m.on) if m else None for m in marks] == [
        ("contact_late", late),
        ("contact_late", late),
        ("contact_late", late),
        ("overdue", due),
        None,
    ]
    assert [bool(m and m.overdue) for m in marks] == [urgency(c, today) == "overdue" for c in cases]


def _first_conversation_held_late(town, household=None):
    """A case whose first conversation after the accepted offer (Wgs art. 4(1)(b)) was held
    after its four weeks, its contact (no crisis) in time: the case and the day it was held."""
    from vroegsignaal.cases.models import OfferAnswer
    from vroegsignaal.cases.services import log_contact_attempt, pick_up_signal, record_offer

    today = timezone.localdate()
    case = pick_up_signal(
        town.signal(household), town.coordinator, on=today - dt.timedelta(days=60)
    )
    accepted, held = today - dt.timedelta(days=50), today - dt.timedelta(days=5)
    record_offer(
        case, town.coordinator, made_on=accepted, answer=OfferAnswer.AANVAARD, answered_on=accepted
    )
    log_contact_attempt(case, town.coordinator, kind="Telefoon", reached=True, on=held)
    case.refresh_from_db()
    assert case.first_conversation_late and not case.contacted_late and case.due_on is None
    return case, held


def test_a_first_conversation_held_after_its_deadline_says_te_laat_in_the_tray(
    town, client, verified_client
):
    """The tray said "termijn verstreken" while the first conversation was overdue, and nothing
    once it was held, also when that was after the four weeks (the case page says "te laat")."""
    _case, held = _first_conversation_held_late(town)
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert (
        f'<span class="deadline--late">eerste gesprek gevoerd op {_day(held)}, te laat</span>'
        in body
    )
    assert "contact gelegd op" not in body and "verstreken" not in body


def test_a_late_first_conversation_stays_marked_open_or_closed_never_overdue():
    """Pure: as a late contact, history and not a deadline to act on; a late contact (the crisis
    deadline) goes first, and a deadline overdue now before either."""
    from vroegsignaal.cases.models import Case, CaseStatus
    from vroegsignaal.cases.selectors import urgency
    from vroegsignaal.reporting.selectors import deadline_mark

    today = dt.date(2026, 11, 30)
    due, late, later = (
        today - dt.timedelta(days=10),
        today - dt.timedelta(days=8),
        today + dt.timedelta(days=9),
    )
    signal = Signal(status="opgepakt", crisis=False)
    cases = [
        Case(status=CaseStatus.IN_CONTACT, first_conversation_due=due, first_conversation_on=late,
             due_on=None),
        Case(status=CaseStatus.AFGESLOTEN, first_conversation_due=due, first_conversation_on=late,
             due_on=None),  # closed
        Case(status=CaseStatus.IN_CONTACT, contact_due=due - dt.timedelta(days=5), contacted_on=due,
             first_conversation_due=due, first_conversation_on=late, due_on=None),  # both late
        Case(status=CaseStatus.IN_CONTACT, contact_due=due, first_conversation_due=later,
             first_conversation_on=late, due_on=due),  # held in time, contact overdue now
        Case(status=CaseStatus.IN_CONTACT, first_conversation_due=due, first_conversation_on=due,
             due_on=None),  # on its last day
    ]  # fmt: skip
    marks = [deadline_mark(signal, case, today) for case in cases]
    assert [(m.kind, m.on) if m else None for m in marks] == [
        ("first_conversation_late", late),
        ("first_conversation_late", late),
        ("contact_late", due),
        ("contact_overdue", due),
        None,
    ]
    assert [bool(m and m.overdue) for m in marks] == [urgency(c, today) == "overdue" for c in cases]
    assert marks[0].late and not marks[0].overdue


# --- tables a keyboard can scroll ------------------------------------------------------------


def test_tray_table_box_is_no_tab_stop_until_the_browser_finds_it_scrolls(
    town, client, verified_client
):
    """portal.js makes the box a named region in the tab order while it scrolls: its table's caption
    is the name (tests/browser/test_keyboard_only.py)."""
    town.signal()
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert (
        '<div class="table-scroll">\n<table class="utrecht-table data-table data-table--compact '
        'stack-table tray-table">\n  <caption class="visually-hidden">Signalen in dit werkbakje</caption>'
    ) in body


def test_the_neighbourhood_filter_lists_the_wijken_before_their_buurten(
    town, client, verified_client
):
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert body.index(f'<option value="{town.wijk.code}"') < body.index(
        f'<option value="{town.buurt.code}"'
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [("ouderdom_van", "9" * 40), ("ouderdom_van", "999999999"), ("team", "9" * 40), ("bedrag_van", "9" * 3000),
     ("buurt", "BU\x00"), ("team", "²"), ("bedrag_tot", "-5")],
)  # fmt: skip
def test_a_filter_value_no_one_means_is_ignored_not_a_crash(
    town, client, verified_client, key, value
):
    """Ages of 40 digits overflowed timedelta, team ids a database column; a NUL byte fails on PostgreSQL."""
    town.signal()
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]), {key: value})
    assert response.status_code == 200 and len(response.context["page"].object_list) <= 1
    # A typed value that could not be read is not exported without it: back to the page, which says so.
    assert client.get(
        reverse("reporting:tray_export", args=[town.tray.pk]), {key: value, "formaat": "csv"}
    ).status_code in (200, 302)
    assert client.get(reverse("reporting:trays"), {"buurt": value}).status_code == 200


def test_the_audit_log_and_the_links_keep_the_filter_as_read_not_what_was_typed(
    town, client, verified_client
):
    """A value the filter ignores (a name where a code belongs) stayed in the audit event's filter."""
    from vroegsignaal.privacy.models import AuditEvent

    verified_client(town.coordinator)
    query = {
        "buurt": "Jansen",
        "soort": "Huur",
        "crisis": "Jansen",
        "bedrag_van": "Jansen",
        "status": "Jansen",
        "sorteer": "-bedrag",
    }
    response = client.get(reverse("reporting:tray", args=[town.tray.pk]), query)
    assert (
        response.status_code == 200
        and response.context["query"] == "soort=Huur&crisis=1&status=open&sorteer=-bedrag"
    )
    event = AuditEvent.objects.filter(purpose="werkbakje bekeken").latest("seq")
    assert event.details["filter"] == "soort=Huur&crisis=1&status=open&sorteer=-bedrag"
    assert "Jansen" not in str(event.details)


def test_a_crisis_signal_not_picked_up_past_its_deadline_says_so_in_the_tray(
    town, client, verified_client
):
    """The deadline stood there in grey, passed or not: nothing showed the tray's most urgent row."""
    today = timezone.localdate()
    late = town.signal(crisis=True)
    soon = town.signal(crisis=True)
    Signal.objects.filter(pk=late.pk).update(deadline=today - dt.timedelta(days=1))
    Signal.objects.filter(pk=soon.pk).update(deadline=today + dt.timedelta(days=2))
    verified_client(town.coordinator)
    body = client.get(reverse("reporting:tray", args=[town.tray.pk])).content.decode()
    assert body.count("contacttermijn verstreken:") == 1
    assert body.count("contact uiterlijk") == 1


# --- typed filters: Dutch amounts, and what could not be read is said -------------------------


def _tray(client, town, **query):
    return client.get(reverse("reporting:tray", args=[town.tray.pk]), query)


def test_an_amount_filter_written_with_thousands_dots_filters_on_that_many_euros(
    town, client, verified_client
):
    """'1.000' filtered on € 1 (or not at all): the dot groups thousands in Dutch."""
    town.signal(amount=50_000)  # € 500
    large = town.signal(amount=200_000)  # € 2.000
    verified_client(town.coordinator)
    response = _tray(client, town, bedrag_van="€ 1.000", bedrag_tot="1.000.000")
    assert [s.pk for s in response.context["page"].object_list] == [large.pk]
    assert response.context["problems"] == []


@pytest.mark.parametrize("typed", ["2.50", "1,5", "abc", "-5"])
def test_an_amount_filter_that_cannot_be_read_is_left_out_and_the_page_says_so(
    town, client, verified_client, typed
):
    town.signal()
    verified_client(town.coordinator)
    response = _tray(client, town, bedrag_van=typed)
    assert len(response.context["page"].object_list) == 1
    assert response.context["problems"] == [
        "„Totaalbedrag vanaf (€)” is geen bedrag in hele euro’s (zoals 1000 of 1.000); dat filter is weggelaten."
    ]
    html = response.content.decode()
    assert (
        '<p class="utrecht-alert utrecht-alert--warning" role="status">„Totaalbedrag vanaf' in html
    )
    assert "Downloaden kan zodra de filters kloppen." in html


def test_an_age_filter_that_cannot_be_read_is_left_out_and_the_page_says_so(
    town, client, verified_client
):
    verified_client(town.coordinator)
    response = _tray(client, town, ouderdom_van="een maand")
    assert response.context["problems"] == [
        "„Oudste achterstand ten minste (dagen)” is geen heel aantal dagen (zoals 30); dat filter is weggelaten."
    ]


def test_a_reversed_amount_range_says_so_instead_of_a_bare_nought(town, client, verified_client):
    """'vanaf 500 / tot en met 100' showed '0 signalen' and nothing else."""
    town.signal(amount=30_000)
    verified_client(town.coordinator)
    response = _tray(client, town, bedrag_van="500", bedrag_tot="100")
    assert response.context["page"].paginator.count == 0
    assert response.context["problems"] == [
        "Het totaalbedrag vanaf (€\u00a0500) is hoger dan het totaalbedrag tot en met (€\u00a0100): "
        "geen signaal voldoet aan beide. Draai de bedragen om."
    ]


def test_a_download_with_a_filter_that_cannot_be_read_is_refused_not_made_wider(
    town, client, verified_client
):
    from vroegsignaal.privacy.models import AuditAction, AuditEvent

    town.signal()
    verified_client(town.coordinator)
    url = reverse("reporting:tray_export", args=[town.tray.pk])
    response = client.get(url, {"bedrag_van": "2.50", "formaat": "csv"})
    assert response.status_code == 302
    assert (
        response["Location"] == f"{reverse('reporting:tray', args=[town.tray.pk])}?bedrag_van=2.50"
    )
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Niet gedownload: de filters kloppen niet. Pas ze aan en download opnieuw." in page

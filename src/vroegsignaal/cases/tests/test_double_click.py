"""A double-click on a form of the case work: two identical requests a moment apart.

The second request is the same act sent twice: it records nothing more (no second contact
attempt or note in the case's history) and tells the user it is done — not that it failed.
A colleague's request, or the same one again later, is not a twin. The requests that really
run at the same moment are in ``test_concurrent_case_work_postgresql.py``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.english import main_html
from tests.factories import UserFactory
from vroegsignaal.cases import services
from vroegsignaal.cases.models import (
    Case,
    CaseNote,
    CaseStatus,
    CaseStatusChange,
    ContactAttempt,
    NotPickedUpReason,
    Outcome,
)
from vroegsignaal.cases.shared import SENT_TWICE_WITHIN
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals.models import SignalStatus, SignalStatusChange
from vroegsignaal.signals.workflow import InvalidTransition as SignalTransition

PICKED_UP = dt.date(2026, 3, 2)
ATTEMPT = {
    "poging-kind": "Telefoon", "poging-reached": "nee", "poging-on": "2026-03-03",
    "poging-part_of_day": "", "poging-note": "Voicemail ingesproken",
}  # fmt: skip


@pytest.fixture
def case(signal, coordinator, team):
    return services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)


def twice(client, url: str, data: dict) -> list:
    return [client.post(url, data, follow=True) for _ in range(2)]


def test_a_double_clicked_contact_attempt_is_recorded_once(client, verified_client, worker, case):
    verified_client(worker)
    url = reverse("cases:contact_attempt", kwargs={"case_id": case.pk})
    for response in twice(client, url, ATTEMPT):
        assert "De contactpoging is vastgelegd." in main_html(response)
    assert ContactAttempt.objects.filter(case=case).count() == 1
    assert (
        CaseStatusChange.objects.filter(case=case, to_status=CaseStatus.CONTACT_GEZOCHT).count()
        == 1
    )


def test_the_same_attempt_recorded_again_later_or_by_a_colleague_counts(worker, case, team):
    kwargs = {
        "kind": "Telefoon",
        "reached": False,
        "on": dt.date(2026, 3, 3),
        "note": "Geen gehoor",
    }
    first = services.log_contact_attempt(case, worker, **kwargs)
    ContactAttempt.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - SENT_TWICE_WITHIN - dt.timedelta(seconds=1)
    )
    services.log_contact_attempt(case, worker, **kwargs)  # called again, a while later
    colleague = UserFactory(role=Role.HULPVERLENER, team=team, municipality=team.municipality)
    services.log_contact_attempt(case, colleague, **kwargs)
    services.log_contact_attempt(case, worker, **{**kwargs, "note": "Weer geen gehoor"})
    assert ContactAttempt.objects.filter(case=case).count() == 4


def test_a_double_clicked_note_is_saved_once(client, verified_client, worker, case):
    verified_client(worker)
    url = reverse("cases:note", kwargs={"case_id": case.pk})
    for response in twice(client, url, {"notitie-text": "Gebeld met de verhuurder."}):
        assert "De notitie is opgeslagen." in main_html(response)
    assert CaseNote.objects.filter(case=case).count() == 1


def test_a_double_clicked_pick_up_opens_one_case_and_says_it_is_picked_up(
    client, verified_client, coordinator, team, signal
):
    verified_client(coordinator)
    data = {"signal": signal.pk, "team": team.pk}
    for response in twice(client, reverse("cases:pick_up"), data):
        assert "Het signaal is opgepakt." in main_html(response)
    case = Case.objects.get(signal=signal)
    assert response.redirect_chain[-1][0] == reverse("cases:detail", kwargs={"case_id": case.pk})


def test_a_colleagues_pick_up_of_the_same_signal_is_still_refused(coordinator, team, signal):
    services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)
    colleague = UserFactory(role=Role.COORDINATOR, municipality=signal.municipality)
    with pytest.raises(SignalTransition, match="Dit signaal is al opgepakt."):
        services.pick_up_signal(signal, colleague, team=team, on=PICKED_UP)
    assert Case.objects.filter(signal=signal).count() == 1


def test_a_double_clicked_decline_is_done_once_and_says_so(
    client, verified_client, coordinator, signal
):
    verified_client(coordinator)
    data = {"signal": signal.pk, "reason": NotPickedUpReason.ANDERS.value}
    for response in twice(client, reverse("cases:not_picked_up"), data):
        assert "Het signaal is als niet opgepakt gemarkeerd." in main_html(response)
    signal.refresh_from_db()
    assert signal.status == SignalStatus.NIET_OPGEPAKT
    assert SignalStatusChange.objects.filter(signal=signal, to_status=signal.status).count() == 1


def test_a_case_closed_twice_by_its_worker_at_once_is_closed_once(worker, case):
    """The case page checks first whether the case is closed; a second request already past
    that check waits for the case lock and then finds its twin's closing."""
    services.close_case(case, worker, Outcome.ZELF_BETAALD, on=dt.date(2026, 3, 20))
    again = services.close_case(case, worker, Outcome.ZELF_BETAALD, on=dt.date(2026, 3, 20))
    assert again.status == CaseStatus.AFGESLOTEN
    assert CaseStatusChange.objects.filter(case=case, to_status=CaseStatus.AFGESLOTEN).count() == 1
    with pytest.raises(Exception, match="eindstatus"):  # another result is not a twin
        services.close_case(case, worker, Outcome.OVERLEDEN, on=dt.date(2026, 3, 20))


CLOSE = {"afsluiten-outcome": Outcome.ZELF_BETAALD.value, "afsluiten-on": "2026-03-20"}
CLOSED_ALREADY = "Deze zaak heeft al de eindstatus &#x27;afgesloten&#x27;"


def test_a_double_clicked_close_arriving_after_the_first_committed_says_it_is_closed(
    client, verified_client, worker, case
):
    """The second request finds the case closed before it reaches the service: it is the first
    one's twin all the same, and gets its answer — not the page's "already closed"."""
    verified_client(worker)
    url = reverse("cases:close", kwargs={"case_id": case.pk})
    for response in twice(client, url, CLOSE):
        html = main_html(response)
        assert "De zaak is afgesloten." in html and CLOSED_ALREADY not in html
    assert CaseStatusChange.objects.filter(case=case, to_status=CaseStatus.AFGESLOTEN).count() == 1


def test_a_close_sent_again_by_a_colleague_or_with_another_result_says_it_was_closed_already(
    client, verified_client, worker, case, team
):
    services.close_case(case, worker, Outcome.ZELF_BETAALD, on=dt.date(2026, 3, 20))
    url = reverse("cases:close", kwargs={"case_id": case.pk})
    other_result = {**CLOSE, "afsluiten-outcome": Outcome.OVERLEDEN.value}
    colleague = UserFactory(role=Role.HULPVERLENER, team=team, municipality=team.municipality)
    for user, data in ((worker, other_result), (colleague, CLOSE)):
        verified_client(user)
        html = main_html(client.post(url, data, follow=True))
        assert CLOSED_ALREADY in html and "De zaak is afgesloten." not in html
    assert Case.objects.get(pk=case.pk).outcome == Outcome.ZELF_BETAALD


def test_the_same_close_sent_again_later_says_it_was_closed_already(
    client, verified_client, worker, case
):
    services.close_case(case, worker, Outcome.ZELF_BETAALD, on=dt.date(2026, 3, 20))
    # The history is append-only: the base manager moves the closing back in time.
    CaseStatusChange._base_manager.filter(case=case, to_status=CaseStatus.AFGESLOTEN).update(
        changed_at=timezone.now() - SENT_TWICE_WITHIN - dt.timedelta(seconds=1)
    )
    verified_client(worker)
    url = reverse("cases:close", kwargs={"case_id": case.pk})
    assert CLOSED_ALREADY in main_html(client.post(url, CLOSE, follow=True))


def test_an_incomplete_form_sent_to_a_closed_case_says_it_is_closed(
    client, verified_client, worker, case
):
    services.close_case(case, worker, Outcome.ZELF_BETAALD, on=dt.date(2026, 3, 20))
    verified_client(worker)
    url = reverse("cases:close", kwargs={"case_id": case.pk})
    html = main_html(client.post(url, {"afsluiten-outcome": ""}, follow=True))
    assert CLOSED_ALREADY in html


def test_a_double_clicked_take_says_the_case_is_yours(client, verified_client, worker, case):
    verified_client(worker)
    url = reverse("cases:take", kwargs={"case_id": case.pk})
    for response in twice(client, url, {}):
        assert "De zaak is aan u toegewezen." in main_html(response)
    case.refresh_from_db()
    assert case.worker == worker
    assert (
        CaseStatusChange.objects.filter(case=case, note__startswith="Toegewezen aan").count() == 1
    )

"""Picking up, assigning, offers, closing: what the services do to cases and signals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import MunicipalityFactory, TeamFactory
from vroegsignaal.cases import services
from vroegsignaal.cases.models import (
    Case,
    CaseNote,
    ContactKind,
    NotPickedUpReason,
    OfferAnswer,
    Outcome,
)
from vroegsignaal.privacy.models import AuditEvent
from vroegsignaal.signals.models import Signal, SignalStatusChange

PICKED_UP = dt.date(2026, 3, 2)  # a Monday


def test_pick_up_opens_a_case_and_marks_the_signal_opgepakt(signal, coordinator, team):
    case = services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)
    signal.refresh_from_db()
    assert (case.picked_up_on, case.team, signal.status, signal.team) == (
        PICKED_UP,
        team,
        "opgepakt",
        team,
    )


def test_pick_up_runs_the_picked_up_hook_in_its_transaction(signal, coordinator, monkeypatch):
    seen = []
    monkeypatch.setattr(services, "on_case_picked_up", seen.append)
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    assert seen == [case.pk]


def test_crisis_case_gets_a_contact_deadline_of_three_working_days(crisis_signal, coordinator):
    case = services.pick_up_signal(crisis_signal, coordinator, on=dt.date(2026, 4, 23))
    assert case.contact_due <= dt.date(2026, 4, 29)
    assert case.due_on == case.contact_due


def test_reaching_the_household_meets_the_contact_deadline(crisis_signal, coordinator):
    case = services.pick_up_signal(crisis_signal, coordinator, on=PICKED_UP)
    services.log_contact_attempt(
        case,
        coordinator,
        kind=ContactKind.HUISBEZOEK,
        reached=True,
        on=PICKED_UP,
        part_of_day="Middag",
    )
    case.refresh_from_db()
    assert (case.contacted_on, case.due_on) == (PICKED_UP, None)


def test_accepted_offer_sets_a_first_conversation_deadline_four_weeks_later(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    case = services.record_offer(
        case,
        coordinator,
        made_on=dt.date(2026, 3, 3),
        answer=OfferAnswer.AANVAARD,
        answered_on=dt.date(2026, 3, 4),
    )
    assert (case.status, case.first_conversation_due, case.due_on) == (
        "hulp_aanvaard",
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 1),
    )


def test_a_phone_call_after_acceptance_is_the_first_conversation(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.record_offer(
        case, coordinator, made_on=PICKED_UP, answer=OfferAnswer.AANVAARD, answered_on=PICKED_UP
    )
    services.log_contact_attempt(
        case, coordinator, kind=ContactKind.TELEFOON, reached=True, on=dt.date(2026, 3, 10)
    )
    case.refresh_from_db()
    assert (case.first_conversation_on, case.due_on) == (dt.date(2026, 3, 10), None)


def test_refused_offer_sets_no_deadline(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    case = services.record_offer(
        case, coordinator, made_on=PICKED_UP, answer=OfferAnswer.GEWEIGERD, answered_on=PICKED_UP
    )
    assert (case.status, case.first_conversation_due) == ("opgepakt", None)


def test_closing_a_case_closes_its_signal_with_the_outcome(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.record_offer(case, coordinator, made_on=PICKED_UP)  # help comes after the offer
    case = services.close_case(case, coordinator, Outcome.ADVIES_QUICK_FIX, on=dt.date(2026, 3, 20))
    signal.refresh_from_db()
    assert (case.status, case.outcome, signal.status, signal.closed_on) == (
        "afgesloten",
        Outcome.ADVIES_QUICK_FIX,
        "afgesloten",
        dt.date(2026, 3, 20),
    )


def test_a_case_cannot_close_with_a_not_picked_up_outcome(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    with pytest.raises(ValidationError):
        services.close_case(
            case, coordinator, Outcome.NIET_OPGEPAKT_ANDERS, on=dt.date(2026, 3, 20)
        )


def test_mark_not_picked_up_records_the_ddas_reason(signal, coordinator):
    services.mark_not_picked_up(signal, coordinator, NotPickedUpReason.OVERLEDEN, on=PICKED_UP)
    change = SignalStatusChange.objects.filter(signal=signal).last()
    assert (Signal.objects.get(pk=signal.pk).status, change.note) == (
        "niet_opgepakt",
        "Inwoner is overleden",
    )


def test_assigning_a_team_of_another_municipality_is_refused(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    with pytest.raises(PermissionDenied):
        services.assign(
            case, coordinator, team=TeamFactory(municipality=MunicipalityFactory(code="0777"))
        )


def test_assigning_a_worker_brings_their_team(signal, coordinator, worker, team):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    case = services.assign(case, coordinator, worker=worker)
    assert (case.team, case.worker) == (team, worker)


def test_notes_are_encrypted_at_rest(signal, coordinator):
    from django.db import connection

    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    note = services.add_note(case, coordinator, "Mevrouw belt terug na de vakantie")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text FROM {CaseNote._meta.db_table} WHERE id = %s", [note.pk])  # noqa: S608
        stored = cursor.fetchone()[0]
    assert "vakantie" not in stored and CaseNote.objects.get(pk=note.pk).text.endswith("vakantie")


def test_every_change_is_audited(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.log_contact_attempt(
        case, coordinator, kind=ContactKind.MAIL, reached=False, on=PICKED_UP
    )
    actions = list(
        AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == ["create", "create"]


def test_an_accepted_offer_cannot_be_turned_into_a_refusal(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.record_offer(
        case, coordinator, made_on=PICKED_UP, answer=OfferAnswer.AANVAARD, answered_on=PICKED_UP
    )
    with pytest.raises(ValidationError):
        services.record_offer(
            case,
            coordinator,
            made_on=PICKED_UP,
            answer=OfferAnswer.GEWEIGERD,
            answered_on=PICKED_UP,
        )


def test_a_contact_attempt_before_the_pick_up_is_refused(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    with pytest.raises(ValidationError):
        services.log_contact_attempt(
            case, coordinator, kind=ContactKind.BRIEF, reached=False, on=dt.date(2026, 3, 1)
        )


def test_closing_before_the_pick_up_is_refused_with_a_clear_reason(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    with pytest.raises(
        ValidationError, match="niet worden afgesloten vóór de datum waarop ze is opgepakt"
    ):
        services.close_case(case, coordinator, Outcome.GEEN_CONTACT, on=dt.date(2026, 3, 1))


def _tomorrow() -> dt.date:
    from django.utils import timezone

    return timezone.localdate() + dt.timedelta(days=1)


def test_a_contact_attempt_dated_in_the_future_is_refused(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    with pytest.raises(ValidationError, match="De datum ligt in de toekomst."):
        services.log_contact_attempt(
            case, coordinator, kind=ContactKind.MAIL, reached=False, on=_tomorrow()
        )
    case.refresh_from_db()
    assert (case.status, case.contact_attempts.count()) == ("opgepakt", 0)


def test_a_contact_attempt_dated_today_is_recorded(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    attempt = services.log_contact_attempt(
        case,
        coordinator,
        kind=ContactKind.MAIL,
        reached=False,
        on=_tomorrow() - dt.timedelta(days=1),
    )
    assert attempt.pk is not None


def test_closing_a_case_on_a_date_in_the_future_is_refused(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    with pytest.raises(ValidationError, match="De datum ligt in de toekomst."):
        services.close_case(case, coordinator, Outcome.GEEN_CONTACT, on=_tomorrow())
    case.refresh_from_db()
    signal.refresh_from_db()
    assert (case.status, case.closed_on, signal.status) == ("opgepakt", None, "opgepakt")


def test_an_offer_dated_in_the_future_is_refused(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    with pytest.raises(ValidationError, match="De datum ligt in de toekomst."):
        services.record_offer(case, coordinator, made_on=_tomorrow())
    with pytest.raises(ValidationError, match="De datum ligt in de toekomst."):
        services.record_offer(
            case,
            coordinator,
            made_on=PICKED_UP,
            answer=OfferAnswer.AANVAARD,
            answered_on=_tomorrow(),
        )
    case.refresh_from_db()
    assert (case.offer_made_on, case.offer_answer) == (None, "")


def test_a_case_cannot_close_without_an_outcome(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    with pytest.raises(ValidationError):
        services.close_case(case, coordinator, "", on=dt.date(2026, 3, 20))


def test_not_picking_up_without_a_reason_is_refused(signal, coordinator):
    with pytest.raises(
        ValidationError, match="Kies een reden waarom het signaal niet wordt opgepakt."
    ):
        services.mark_not_picked_up(signal, coordinator, "", on=PICKED_UP)
    assert Signal.objects.get(pk=signal.pk).status == "nieuw"


def test_worker_takes_an_unassigned_case_of_their_own_team(signal, coordinator, worker, team):
    case = services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)
    assert services.may_take(case, worker)
    case = services.take_case(case, worker)
    event = AuditEvent.objects.filter(
        object_type="cases.case", object_id=str(case.pk), action="update"
    ).get()
    assert (case.team, case.worker) == (team, worker)
    assert (event.purpose, event.actor_username, event.details["hulpverlener"]) == (
        "zaak toegewezen",
        worker.username,
        worker.pk,
    )


def test_worker_cannot_take_a_case_of_another_team(signal, coordinator, worker, other_team):
    case = services.pick_up_signal(signal, coordinator, team=other_team, on=PICKED_UP)
    assert not services.may_take(case, worker)
    with pytest.raises(PermissionDenied):
        services.take_case(case, worker)
    case.refresh_from_db()
    assert case.worker is None


def test_worker_cannot_take_a_case_without_a_team(signal, coordinator, worker):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    assert not services.may_take(case, worker)
    with pytest.raises(PermissionDenied):
        services.take_case(case, worker)


def test_worker_cannot_take_a_case_that_already_has_a_worker(signal, coordinator, worker, team):
    from tests.factories import UserFactory
    from vroegsignaal.organisations.models import Role

    colleague = UserFactory(
        username="collega-noord", role=Role.HULPVERLENER, team=team, municipality=team.municipality
    )
    case = services.pick_up_signal(signal, coordinator, worker=colleague, on=PICKED_UP)
    assert not services.may_take(case, worker)
    with pytest.raises(ValidationError, match="Deze zaak heeft al een hulpverlener."):
        services.take_case(case, worker)
    case.refresh_from_db()
    assert case.worker == colleague


def test_a_coordinator_assigns_rather_than_takes_a_case(signal, coordinator, team):
    case = services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)
    assert not services.may_take(case, coordinator)
    with pytest.raises(PermissionDenied):
        services.take_case(case, coordinator)


def test_a_closed_case_cannot_be_taken(signal, coordinator, worker, team):
    from vroegsignaal.cases import workflow

    case = services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)
    case = services.close_case(case, coordinator, Outcome.GEEN_CONTACT, on=dt.date(2026, 3, 20))
    assert not services.may_take(case, worker)
    with pytest.raises(workflow.InvalidTransition):
        services.take_case(case, worker)


def test_a_signal_that_becomes_a_crisis_after_the_pick_up_gives_its_case_the_crisis_deadline(
    world, coordinator, team
):
    from vroegsignaal.households.models import Arrear
    from vroegsignaal.signals import services as signal_services

    from .conftest import PEILDATUM, make_signal

    signal = make_signal(world)
    case = services.pick_up_signal(signal, coordinator, team=team, on=PEILDATUM)
    assert (case.crisis, case.contact_due, case.due_on) == (False, None, None)
    Arrear.objects.filter(household_id=signal.household_id, creditor__code="WOONBRUG").update(
        crisis=True, crisis_reason="ontruiming"
    )
    signal_services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM)
    signal.refresh_from_db()
    case.refresh_from_db()
    assert signal.crisis and signal.deadline is not None
    assert (case.crisis, case.contact_due, case.due_on) == (True, signal.deadline, signal.deadline)
    assert (
        AuditEvent.objects.filter(
            purpose="crisissignaal na oppakken", object_id=str(case.pk)
        ).count()
        == 1
    )
    signal_services.evaluate(
        world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM
    )  # again: no change
    assert AuditEvent.objects.filter(purpose="crisissignaal na oppakken").count() == 1


def test_a_pick_up_dated_in_the_future_is_refused(signal, coordinator, team):
    """The backdated pick-up took any day: a case opened tomorrow, its deadlines counted from it."""
    with pytest.raises(ValidationError, match="De datum ligt in de toekomst.") as refused:
        services.pick_up_signal(signal, coordinator, team=team, on=_tomorrow())
    assert list(refused.value.message_dict) == ["on"]
    signal.refresh_from_db()
    assert (signal.status, signal.team_id) == ("nieuw", None)
    assert not Case.objects.exists()


def test_a_pick_up_dated_today_is_recorded(signal, coordinator):
    from django.utils import timezone

    case = services.pick_up_signal(signal, coordinator, on=timezone.localdate())
    assert case.picked_up_on == timezone.localdate()


def test_not_picking_up_dated_in_the_future_is_refused(signal, coordinator):
    with pytest.raises(ValidationError, match="De datum ligt in de toekomst."):
        services.mark_not_picked_up(
            signal, coordinator, NotPickedUpReason.OVERLEDEN, on=_tomorrow()
        )
    signal.refresh_from_db()
    assert (signal.status, signal.closed_on) == ("nieuw", None)

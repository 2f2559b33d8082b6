"""What creditors are told when a signal is picked up, closed or not picked up (spec 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction

from vroegsignaal.cases import services as case_services
from vroegsignaal.cases.models import CASE_OUTCOMES, Case, NotPickedUpReason, Outcome
from vroegsignaal.feedback import notices, services
from vroegsignaal.feedback.models import FeedbackEvent, FeedbackResult, FeedbackStream
from vroegsignaal.signals import services as signal_services
from vroegsignaal.signals.models import Signal

from .conftest import PEILDATUM, PICKED_UP, make_signal

CLOSED = dt.date(2026, 4, 20)


def events(kind=None):
    qs = FeedbackEvent.objects.select_related("creditor").order_by("creditor__code", "id")
    return list(qs.filter(kind=kind) if kind else qs)


# --- opgepakt ----------------------------------------------------------------


def test_pick_up_tells_each_creditor_of_the_signal_with_its_covenants_pause(signal, coordinator):
    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    got = [(e.creditor.code, e.kind, e.date, e.collection_pause_until, e.result) for e in events()]
    assert got == [
        ("ENERGIENOORD", "opgepakt", PICKED_UP, PICKED_UP + dt.timedelta(days=45), ""),
        ("WOONBRUG", "opgepakt", PICKED_UP, PICKED_UP + dt.timedelta(days=30), ""),
    ]


def test_pick_up_tells_nothing_to_creditors_whose_arrears_are_not_in_the_signal(
    world, signal, coordinator
):
    elsewhere = world.household()
    world.arrear(
        elsewhere, "ZORGZUID"
    )  # a single arrear in another household: no part of this signal
    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    assert {e.creditor.code for e in events()} == {"WOONBRUG", "ENERGIENOORD"}


def test_opgepakt_event_carries_klantnummer_signaal_id_and_municipality(world, signal, coordinator):
    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    event = FeedbackEvent.objects.get(creditor__code="WOONBRUG")
    arrear = world.creditors["WOONBRUG"].arrears.get()
    assert (event.klantnummer, event.signal_reference, event.municipality.code, event.signal_id) == (
        arrear.klantnummer, "WB-2026-0001", "0999", signal.pk,
    )  # fmt: skip


def test_klantnummer_is_encrypted_at_rest(signal, coordinator):
    from django.db import connection

    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    with connection.cursor() as cursor:
        cursor.execute("SELECT klantnummer FROM feedback_feedbackevent")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and all(value.startswith("v1:") for value in stored)


def test_without_a_covenant_the_pause_is_thirty_days(world, coordinator):
    signal = make_signal(world, ("ZORGZUID", "WATERNET"))
    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    assert {e.collection_pause_until for e in events()} == {dt.date(2026, 4, 1)}


def test_two_customers_of_one_creditor_in_a_household_get_an_event_each(
    world, covenants, coordinator
):
    household = world.household(also_born=(dt.date(1982, 1, 1),))
    world.arrear(household, "WOONBRUG")
    second = world.arrear(household, "WOONBRUG")
    second.person = household.persons.order_by("pk").last()
    second.save()
    world.arrear(household, "ENERGIENOORD")
    from vroegsignaal.signals import services as signal_services

    signal_services.evaluate(
        world.municipality, reference_date=dt.date(2026, 3, 1), received_on=dt.date(2026, 3, 1)
    )
    case_services.pick_up_signal(Signal.objects.get(household=household), coordinator, on=PICKED_UP)
    assert sorted(e.creditor.code for e in events()) == ["ENERGIENOORD", "WOONBRUG", "WOONBRUG"]


def test_recording_twice_writes_nothing_twice(signal, coordinator):
    case = case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    assert services.record_picked_up(case) == []
    assert FeedbackEvent.objects.count() == 2


def test_feedback_is_written_in_the_pick_up_transaction(signal, coordinator, monkeypatch):
    """No case without its feedback: when the feedback fails, the pick-up is undone."""

    def broken(case_id):
        raise RuntimeError("feedback kapot")

    monkeypatch.setattr(services, "record_picked_up", broken)
    with pytest.raises(RuntimeError):
        case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    signal.refresh_from_db()
    assert (signal.status, Case.objects.count()) == ("nieuw", 0)


def test_a_rolled_back_pick_up_leaves_no_feedback(signal, coordinator):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
        assert FeedbackEvent.objects.count() == 2
        raise Undo
    assert FeedbackEvent.objects.count() == 0


# --- afgesloten --------------------------------------------------------------


def test_every_ddas_outcome_has_a_spec_4_result():
    assert set(services.RESULT_FOR_OUTCOME) == set(Outcome.values)
    assert set(services.RESULT_FOR_OUTCOME.values()) <= set(FeedbackResult.values)


EXPECTED_RESULT = {
    Outcome.NIET_OPGEPAKT_ONTERECHT: "onterecht_signaal",
    Outcome.OVERLEDEN: "overleden",
    Outcome.GEEN_INWONER: "verhuisd",
    Outcome.AL_BEKEND: "hulp_in_gang_gezet",
    Outcome.ANDER_TRAJECT: "hulp_in_gang_gezet",
    Outcome.GEEN_CONTACT: "geen_contact",
    Outcome.GEEN_REACTIE: "geen_contact",
    Outcome.GEEN_HULP_NODIG: "geen_hulp_gewenst",
    Outcome.ZELF_BETAALD: "zelf_opgelost",
    Outcome.ADVIES_QUICK_FIX: "hulp_in_gang_gezet",
    Outcome.VERVOLG_FINANCIEEL: "hulp_in_gang_gezet",
    Outcome.VERWIJZING_ZONDER_CONTACT: "hulp_in_gang_gezet",
    Outcome.VERVOLG_NIET_FINANCIEEL: "hulp_in_gang_gezet",
}


def test_the_not_picked_up_outcomes_map_to_niet_opgepakt_or_onterecht_signaal():
    assert [services.result_for(o) for o in Outcome if o.value.startswith("Niet opgepakt")] == [
        "niet_opgepakt", "onterecht_signaal", "niet_opgepakt",
    ]  # fmt: skip


def test_a_case_closes_as_onterecht_signaal_but_not_as_another_not_picked_up_result():
    assert [o for o in Outcome if o.value.startswith("Niet opgepakt") and o in CASE_OUTCOMES] == [
        Outcome.NIET_OPGEPAKT_ONTERECHT
    ]


@pytest.mark.parametrize("outcome", CASE_OUTCOMES, ids=lambda o: o.name)
def test_closing_tells_each_creditor_the_result_mapped_from_the_outcome(
    signal, coordinator, outcome
):
    case = case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    # An outcome saying the case helped needs the offer of help recorded first.
    case_services.record_offer(case, coordinator, made_on=PICKED_UP)
    case_services.close_case(case, coordinator, outcome, on=CLOSED)
    got = [
        (e.creditor.code, e.date, e.result, e.collection_pause_until) for e in events("afgesloten")
    ]
    expected = EXPECTED_RESULT[outcome]
    assert got == [("ENERGIENOORD", CLOSED, expected, None), ("WOONBRUG", CLOSED, expected, None)]


def test_closing_also_tells_a_creditor_whose_arrear_was_cleared_after_the_pick_up(
    world, signal, coordinator
):
    case = case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    signal.signal_arrears.filter(arrear__creditor__code="WOONBRUG").update(counts=False)
    case_services.close_case(case, coordinator, Outcome.ZELF_BETAALD, on=CLOSED)
    assert [e.creditor.code for e in events("afgesloten")] == ["ENERGIENOORD", "WOONBRUG"]


def test_afgesloten_event_shows_nothing_of_the_case(signal, coordinator):
    case = case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    case_services.close_case(
        case, coordinator, Outcome.OVERLEDEN, on=CLOSED, note="geheime notitie"
    )
    rows = [services.as_row(e) for e in events("afgesloten")]
    assert set(rows[0]) == {
        "id", "signaal_id", "klantnummer", "gemeentecode", "gebeurtenis", "datum", "incasso_uitstel_tot", "resultaat",
    }  # fmt: skip
    assert "geheime notitie" not in repr(rows)


# --- niet opgepakt -----------------------------------------------------------


@pytest.mark.parametrize("reason", NotPickedUpReason.values)
def test_not_picked_up_gives_niet_opgepakt_and_nothing_more(signal, coordinator, reason):
    case_services.mark_not_picked_up(signal, coordinator, reason, on=PICKED_UP)
    got = [(e.creditor.code, e.kind, e.date, e.collection_pause_until, e.result) for e in events()]
    assert got == [
        ("ENERGIENOORD", "niet_opgepakt", PICKED_UP, None, ""),
        ("WOONBRUG", "niet_opgepakt", PICKED_UP, None, ""),
    ]


def test_tray_bulk_action_not_picked_up_gives_niet_opgepakt(world, covenants, coordinator):
    from vroegsignaal.reporting.services import NOT_PICKED_UP, bulk_action

    signals = [make_signal(world), make_signal(world)]
    result = bulk_action(coordinator, signals, NOT_PICKED_UP, reason=NotPickedUpReason.HERHAALD)
    assert len(result.done) == 2
    assert {e.kind for e in events()} == {"niet_opgepakt"} and len(events()) == 4


# --- e-mail notice -----------------------------------------------------------


def test_creditor_with_a_contact_address_gets_a_notice_after_commit_without_personal_data(
    world, signal, coordinator, django_capture_on_commit_callbacks
):
    world.creditors["WOONBRUG"].contact_email = "incasso@debrug.example"
    world.creditors["WOONBRUG"].save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["incasso@debrug.example"]]
    body = mail.outbox[0].subject + mail.outbox[0].body
    event = FeedbackEvent.objects.get(creditor__code="WOONBRUG")
    assert (
        event.klantnummer not in body and "WB-2026-0001" not in body and "Voorbeeldstad" not in body
    )
    assert "http://127.0.0.1:8000/terugkoppeling/" in body


def test_notice_goes_at_most_once_a_day(
    world, covenants, coordinator, django_capture_on_commit_callbacks
):
    world.creditors["WOONBRUG"].contact_email = "incasso@debrug.example"
    world.creditors["WOONBRUG"].save()
    with django_capture_on_commit_callbacks(execute=True):
        case_services.pick_up_signal(make_signal(world), coordinator, on=PICKED_UP)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.pick_up_signal(make_signal(world), coordinator, on=PICKED_UP)
    assert len(mail.outbox) == 1
    stream = FeedbackStream.objects.get(creditor=world.creditors["WOONBRUG"])
    stream.notified_on = stream.notified_on - dt.timedelta(days=1)
    stream.save()
    assert services.notify_creditor(stream.creditor_id) is True
    assert len(mail.outbox) == 2


def test_a_failed_notice_is_tried_again_later_and_mailed_when_the_server_is_back(
    world, covenants, coordinator, django_capture_on_commit_callbacks, monkeypatch, caplog, settings
):
    from django.utils import timezone
    from django_tasks import default_task_backend

    from vroegsignaal.portal.retry import RETRY_AFTER_MINUTES

    world.creditors["WOONBRUG"].contact_email = "incasso@debrug.example"
    world.creditors["WOONBRUG"].save()
    with django_capture_on_commit_callbacks(
        execute=False
    ):  # feedback recorded, notice not yet sent
        case_services.pick_up_signal(make_signal(world), coordinator, on=PICKED_UP)
    creditor_id = world.creditors["WOONBRUG"].pk

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp weg")

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    monkeypatch.setattr(notices, "send_mail", broken)  # where notify_creditor reads it
    before = timezone.now()
    assert services.notify_creditor(creditor_id) is False
    (queued,) = default_task_backend.results
    assert queued.args == [creditor_id, 2]
    assert dt.timedelta(minutes=5) <= queued.task.run_after - before < dt.timedelta(minutes=6)
    assert (
        "Melding aan schuldeiser WOONBRUG wordt over 5 minuten opnieuw verstuurd (poging 2)."
        in caplog.text
    )
    assert FeedbackStream.objects.get(creditor_id=creditor_id).notified_on is None

    default_task_backend.clear()
    last = len(RETRY_AFTER_MINUTES) + 1
    assert services.notify_creditor(creditor_id, attempt=last) is False
    assert default_task_backend.results == []
    assert f"Melding aan schuldeiser WOONBRUG ook na {last} pogingen niet verstuurd" in caplog.text
    assert "incasso@debrug.example" not in caplog.text

    monkeypatch.undo()  # the mail server is back: the retried task sends it
    assert services.notify_creditor(creditor_id, attempt=3) is True
    assert [m.to for m in mail.outbox] == [["incasso@debrug.example"]]


def test_no_contact_address_no_notice(signal, coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    assert mail.outbox == []


def test_recording_takes_the_same_few_queries_however_many_creditors(world, covenants, coordinator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for creditors in (
        ("WOONBRUG", "ENERGIENOORD"),
        ("WOONBRUG", "ENERGIENOORD", "ZORGZUID", "WATERNET"),
    ):
        case = case_services.pick_up_signal(
            make_signal(world, creditors), coordinator, on=PICKED_UP
        )
        FeedbackEvent.objects.filter(case=case).delete()
        with CaptureQueriesContext(connection) as queries:
            assert len(services.record_picked_up(case)) == len(creditors)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 8


def test_purge_deletes_only_the_municipalitys_events_older_than_the_closed_case_period(
    world, signal, coordinator
):
    from vroegsignaal.privacy import services as privacy_services

    case = case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    case_services.close_case(case, coordinator, Outcome.ZELF_BETAALD, on=dt.date(2026, 5, 1))
    assert FeedbackEvent.objects.count() == 4  # opgepakt and afgesloten for both creditors

    privacy_services.purge(today=dt.date(2027, 3, 2))  # exactly 12 months after the pick-up: kept
    assert FeedbackEvent.objects.count() == 4
    report = privacy_services.purge(today=dt.date(2027, 3, 3))
    assert report.counts["0999"]["terugkoppelingen"] == 2
    assert set(FeedbackEvent.objects.values_list("kind", flat=True)) == {"afgesloten"}


def test_a_creditor_whose_arrears_join_a_picked_up_signal_hears_opgepakt_with_its_own_pause(
    world, signal, coordinator
):
    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    later = world.arrear(signal.household, "ZORGZUID", amount=30_000)
    joined_on = dt.date(2026, 3, 9)
    signal_services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=joined_on)

    events = FeedbackEvent.objects.filter(kind="opgepakt").order_by("pk")
    assert sorted((e.creditor.code, e.date) for e in events) == [
        ("ENERGIENOORD", PICKED_UP), ("WOONBRUG", PICKED_UP), ("ZORGZUID", joined_on),
    ]  # fmt: skip
    zorg = events.get(creditor__code="ZORGZUID")
    assert zorg.klantnummer == later.klantnummer
    assert zorg.collection_pause_until == joined_on + dt.timedelta(
        days=services.DEFAULT_COLLECTION_PAUSE_DAYS
    )

    signal_services.evaluate(
        world.municipality, reference_date=PEILDATUM, received_on=dt.date(2026, 3, 16)
    )
    assert FeedbackEvent.objects.filter(kind="opgepakt").count() == 3  # told once

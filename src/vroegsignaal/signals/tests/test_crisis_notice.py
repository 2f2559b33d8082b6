"""New crisis signals are mailed to the municipality's coordinators after the evaluation commits."""

from __future__ import annotations

import datetime as dt

from django.core import mail

from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.portal.retry import RETRY_AFTER_MINUTES
from vroegsignaal.signals import services

from .conftest import PEILDATUM

RECEIVED = dt.date(2026, 3, 3)


def evaluate(world, capture):
    with capture(execute=True):
        return services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=RECEIVED)


def test_new_crisis_signals_are_mailed_to_the_coordinators_without_personal_data(
    world, django_capture_on_commit_callbacks, settings
):
    settings.PORTAL_URL = "https://vroegsignaal.example.nl"
    first = UserFactory(
        role=Role.COORDINATOR, municipality=world.municipality, email="a@gemeente.example"
    )
    UserFactory(role=Role.COORDINATOR, municipality=world.municipality, email="b@gemeente.example")
    UserFactory(role=Role.COORDINATOR, municipality=world.municipality, email="")  # no address
    UserFactory(
        role=Role.COORDINATOR, municipality=world.municipality, email="c@x.example", is_active=False
    )
    UserFactory(
        role=Role.COORDINATOR, municipality=MunicipalityFactory(), email="andere@gemeente.example"
    )
    for _ in range(2):
        h = world.household()
        world.arrear(h, "WOONBRUG", crisis=True, reason="ontruiming", amount=98_765)
    world.arrear(world.household(), "WOONBRUG")  # not a crisis

    report = evaluate(world, django_capture_on_commit_callbacks)

    assert report.new_crises == 2 and "Nieuw als crisissignaal: 2" in report.summary()
    assert sorted(m.to[0] for m in mail.outbox) == ["a@gemeente.example", "b@gemeente.example"]
    assert all(len(m.to) == 1 for m in mail.outbox)  # nobody sees another's address
    message = mail.outbox[0]
    assert message.subject == f"Vroegsignaal: nieuwe crisissignalen in {world.municipality.name}"
    assert "2 signalen met een crisissignaal" in message.body
    assert "(https://vroegsignaal.example.nl/signalen/werkbakjes/)" in message.body
    # No tray by name: a coordinator may rename the Crisis tray, or move another above it.
    assert "werkbakje Crisis" not in message.body
    assert "987" not in message.body and "Woonstichting" not in message.body
    assert first.email in [m.to[0] for m in mail.outbox]


def test_a_signal_that_stays_a_crisis_is_not_mailed_again_but_one_that_becomes_one_is(
    world, django_capture_on_commit_callbacks
):
    UserFactory(role=Role.COORDINATOR, municipality=world.municipality, email="a@gemeente.example")
    crisis = world.household()
    world.arrear(crisis, "WOONBRUG", crisis=True, reason="ontruiming")
    later = world.household()
    world.arrear(later, "WOONBRUG")
    evaluate(world, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1

    mail.outbox.clear()
    assert evaluate(world, django_capture_on_commit_callbacks).new_crises == 0
    assert mail.outbox == []

    world.arrear(later, "ENERGIENOORD", crisis=True, reason="afsluiting_energie")
    report = evaluate(world, django_capture_on_commit_callbacks)
    assert report.new_crises == 1
    assert "1 signaal met een crisissignaal" in mail.outbox[0].body
    assert "U vindt het in het portaal" in mail.outbox[0].body


def test_no_coordinator_address_means_no_mail_and_the_evaluation_stands(
    world, django_capture_on_commit_callbacks, caplog
):
    """Nobody to mail is not silent: the log says that the crisis signals reached nobody and
    what to do (the operator's only sign; the task itself succeeds)."""
    world.arrear(world.household(), "WOONBRUG", crisis=True, reason="ontruiming")
    report = evaluate(world, django_capture_on_commit_callbacks)
    assert report.new_crises == 1 and mail.outbox == []
    [warning] = [r for r in caplog.records if "niet verstuurd" in r.getMessage()]
    assert warning.levelname == "WARNING"
    assert warning.getMessage() == (
        f"Melding van 1 nieuwe crisissignalen aan gemeente {world.municipality.code} niet "
        "verstuurd: geen actieve coördinator van de gemeente heeft een e-mailadres. Geef ten minste "
        "één coördinator een e-mailadres in het beheer (Gebruikers)."
    )


def test_a_mail_that_fails_is_logged_and_changes_nothing(
    world, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from vroegsignaal.signals import notices
    from vroegsignaal.signals.models import Signal

    UserFactory(role=Role.COORDINATOR, municipality=world.municipality, email="a@gemeente.example")
    world.arrear(world.household(), "WOONBRUG", crisis=True, reason="ontruiming")

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp weg")

    monkeypatch.setattr(notices, "send_mass_mail", broken)
    evaluate(world, django_capture_on_commit_callbacks)
    assert Signal.objects.filter(crisis=True).count() == 1
    assert "kon niet worden verstuurd" in caplog.text


def test_a_failed_notice_is_tried_again_later_and_given_up_after_the_last_wait(
    world, monkeypatch, caplog, settings
):
    from django.utils import timezone
    from django_tasks import default_task_backend

    from vroegsignaal.signals import notices

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    UserFactory(role=Role.COORDINATOR, municipality=world.municipality, email="a@gemeente.example")

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp weg")

    monkeypatch.setattr(notices, "send_mass_mail", broken)
    default_task_backend.clear()
    before = timezone.now()
    assert notices.notify_crisis_signals(world.municipality.pk, 2) == 0
    (queued,) = default_task_backend.results
    assert queued.args == [world.municipality.pk, 2, 2]
    assert queued.task.run_after - before >= dt.timedelta(minutes=5)
    assert queued.task.run_after - before < dt.timedelta(minutes=6)
    assert "over 5 minuten opnieuw verstuurd (poging 2)" in caplog.text

    default_task_backend.clear()
    last = len(RETRY_AFTER_MINUTES) + 1
    assert notices.notify_crisis_signals(world.municipality.pk, 2, attempt=last) == 0
    assert default_task_backend.results == []
    assert f"ook na {last} pogingen niet verstuurd" in caplog.text
    assert "a@gemeente.example" not in caplog.text


def test_a_retried_notice_that_gets_through_mails_the_coordinators(world):
    from vroegsignaal.signals import notices

    UserFactory(role=Role.COORDINATOR, municipality=world.municipality, email="a@gemeente.example")
    assert notices.notify_crisis_signals(world.municipality.pk, 1, attempt=3) == 1
    assert len(mail.outbox) == 1 and "1 signaal met een crisissignaal" in mail.outbox[0].body

"""The creditor's notice says in the log whether it was sent (operator review 27).

The worker logged only ``Task … notify_creditor_task state=SUCCEEDED``, sent or not. Now one line
of ``vroegsignaal.feedback.services`` says it went and to how many recipients, or why not; by the
creditor's code, never an address or a name.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core import mail

from vroegsignaal.cases import services as case_services
from vroegsignaal.feedback import services
from vroegsignaal.feedback.models import FeedbackStream
from vroegsignaal.feedback.tasks import notify_creditor_task

from .conftest import PICKED_UP, make_signal

pytestmark = pytest.mark.django_db
ADDRESS = "incasso@debrug.example"
LOGGER = "vroegsignaal.feedback.services"


@pytest.fixture
def feedback_waiting(world, covenants, coordinator, django_capture_on_commit_callbacks):
    """WOONBRUG has new feedback; its notice not yet sent."""
    with django_capture_on_commit_callbacks(execute=False):
        case_services.pick_up_signal(make_signal(world), coordinator, on=PICKED_UP)
    return world.creditors["WOONBRUG"]


def notice_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def test_a_sent_notice_is_logged_with_its_number_of_recipients_and_no_address(
    feedback_waiting, caplog
):
    creditor = feedback_waiting
    creditor.contact_email = ADDRESS
    creditor.save()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert notify_creditor_task.call(creditor.pk) is True  # as the worker runs it
    assert len(mail.outbox) == 1
    assert notice_lines(caplog) == ["Melding aan schuldeiser WOONBRUG verstuurd aan 1 ontvanger."]
    assert ADDRESS not in caplog.text and creditor.name not in caplog.text


def test_a_notice_to_a_creditor_without_an_address_is_logged_as_not_sent_and_why(
    feedback_waiting, caplog
):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert services.notify_creditor(feedback_waiting.pk) is False
    assert notice_lines(caplog) == [
        "Melding aan schuldeiser WOONBRUG niet verstuurd: de schuldeiser heeft geen e-mailadres "
        "voor meldingen (contact_email in het beheer of in load_config); de terugkoppeling staat "
        "in het portaal en in de API."
    ]


def test_a_second_notice_on_one_day_is_logged_as_not_sent_and_why(feedback_waiting, caplog):
    creditor = feedback_waiting
    creditor.contact_email = ADDRESS
    creditor.save()
    today = dt.date(2026, 3, 2)
    FeedbackStream.objects.filter(creditor=creditor).update(notified_on=today)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert services.notify_creditor(creditor.pk, today=today) is False
    assert mail.outbox == []
    assert notice_lines(caplog) == [
        "Melding aan schuldeiser WOONBRUG niet verstuurd: vandaag is er al een verstuurd "
        "(hooguit één per dag)."
    ]
    assert ADDRESS not in caplog.text


def test_a_notice_to_a_creditor_without_feedback_is_logged_as_not_sent_and_why(world, caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert services.notify_creditor(world.creditors["ZORGZUID"].pk) is False
    assert notice_lines(caplog) == [
        "Melding aan schuldeiser ZORGZUID niet verstuurd: er is geen terugkoppeling voor deze schuldeiser."
    ]

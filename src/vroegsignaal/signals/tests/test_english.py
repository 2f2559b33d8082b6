"""Refusals speak the portal's language; explanations, exports and e-mail notices stay Dutch."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import translation

from tests.factories import MunicipalityFactory, TeamFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals import notices, services
from vroegsignaal.signals.exports import COLUMNS, export_signals
from vroegsignaal.signals.models import Signal, SignalStatus
from vroegsignaal.signals.workflow import InvalidTransition

from .conftest import PEILDATUM, make_signal


def test_refusals_of_a_signal_are_explained_in_english_when_chosen():
    with translation.override("en"):
        final = str(InvalidTransition(SignalStatus.NIET_OPGEPAKT, SignalStatus.OPGEPAKT))
        step = str(InvalidTransition(SignalStatus.OPGEPAKT, SignalStatus.NIET_OPGEPAKT))
        again = str(InvalidTransition(SignalStatus.OPGEPAKT, SignalStatus.OPGEPAKT))
    assert (
        final
        == "This signal already has the final status 'not picked up' and can no longer change."
    )
    assert step == "A signal with the status 'picked up' cannot move to 'not picked up'."
    assert again == "This signal is already picked up."


def test_refusals_of_a_signal_stay_dutch_by_default():
    assert (
        str(InvalidTransition(SignalStatus.OPGEPAKT, SignalStatus.OPGEPAKT))
        == "Dit signaal is al opgepakt."
    )


def test_a_team_of_another_municipality_is_refused_in_english_when_chosen(world):
    signal = make_signal(world)
    stranger = TeamFactory(municipality=MunicipalityFactory())
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        services.assign_team(signal, stranger)
    assert (
        str(refused.value)
        == "That neighbourhood team does not belong to this signal's municipality."
    )


def test_explanation_stays_dutch_when_evaluated_while_english_is_active(world):
    household = world.household()
    world.arrear(household, "WOONBRUG")
    world.arrear(household, "ENERGIENOORD")
    with translation.override("en"):
        services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM)
    explanation = Signal.objects.get(household=household).explanation
    assert explanation.startswith("meervoudig: 2 schuldeisers binnen 100 dagen")
    assert "Achterstand bij Woonstichting De Brug" in explanation and "januari" in explanation


def test_export_stays_dutch_when_english_is_active(world):
    make_signal(world, crisis=True)
    output = io.BytesIO()
    with translation.override("en"):
        export_signals(output, municipality=world.municipality)
    header, row = output.getvalue().decode("utf-8").splitlines()[:2]
    assert header.split(";") == list(COLUMNS)
    values = dict(zip(COLUMNS, row.split(";"), strict=True))
    assert (values["soort"], values["crisis"], values["herhaald"], values["status"]) == (
        "meervoudig",
        "ja",
        "nee",
        "nieuw",
    )
    assert values["werkbakje"] == "Crisis"


def test_crisis_notice_stays_dutch_when_english_is_active(
    world, django_capture_on_commit_callbacks
):
    UserFactory(role=Role.COORDINATOR, municipality=world.municipality, email="a@gemeente.example")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        make_signal(world, crisis=True)
    (message,) = mail.outbox
    assert message.subject == f"Vroegsignaal: nieuwe crisissignalen in {world.municipality.name}"
    assert (
        message.body.startswith("Beste coördinator,")
        and "1 signaal met een crisissignaal" in message.body
    )


def test_crisis_notice_text_is_dutch_whatever_language_is_active():
    with translation.override("en"):
        subject, body = notices.crisis_notice("Voorbeeldstad", 2)
    assert subject == "Vroegsignaal: nieuwe crisissignalen in Voorbeeldstad"
    assert "In Vroegsignaal zijn voor Voorbeeldstad 2 signalen met een crisissignaal" in body

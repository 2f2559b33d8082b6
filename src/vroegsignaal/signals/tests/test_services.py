"""Status changes by people, rule changes by coordinators, trays created with the rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import MunicipalityFactory, TeamFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.services import load_config
from vroegsignaal.privacy.models import AuditEvent
from vroegsignaal.signals import services
from vroegsignaal.signals.models import RuleSet, Signal, SignalArrear, SignalStatusChange, Tray
from vroegsignaal.signals.rules import RuleValues
from vroegsignaal.signals.workflow import InvalidTransition

from .conftest import PEILDATUM


@pytest.fixture
def signal(world):
    h = world.household()
    world.arrear(h, "WOONBRUG")
    services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM)
    return Signal.objects.get(household=h)


def test_pick_up_moves_nieuw_to_opgepakt_with_history_and_audit(signal):
    user = UserFactory(role=Role.COORDINATOR, municipality=signal.municipality)
    services.pick_up_signal(signal, actor=user)
    change = SignalStatusChange.objects.filter(signal=signal).last()
    assert (change.from_status, change.to_status, change.actor) == ("nieuw", "opgepakt", user)
    assert AuditEvent.objects.filter(action="update", object_id=str(signal.pk)).exists()


def test_closing_a_signal_not_picked_up_is_refused(signal):
    with pytest.raises(InvalidTransition):
        services.close_signal(signal)


def test_a_closed_signal_cannot_be_picked_up_again(signal):
    services.pick_up_signal(signal)
    services.close_signal(signal, on=dt.date(2026, 3, 10))
    with pytest.raises(InvalidTransition):
        services.pick_up_signal(signal)


def test_closing_remembers_the_households_open_arrears(world, signal):
    other = world.arrear(signal.household, "ENERGIENOORD", age=150)  # too old to count, still open
    services.pick_up_signal(signal)
    closed = services.close_signal(signal, on=dt.date(2026, 3, 10))
    known = SignalArrear.objects.filter(signal=signal, role="known").values_list(
        "arrear_id", flat=True
    )
    assert (closed.status, closed.closed_on, list(known)) == (
        "afgesloten",
        dt.date(2026, 3, 10),
        [other.pk],
    )


def test_assigning_a_team_of_another_municipality_is_refused(signal):
    with pytest.raises(PermissionDenied):
        services.assign_team(signal, TeamFactory(municipality=MunicipalityFactory(code="0777")))


def test_coordinator_changes_a_rule_as_a_new_version(world):
    user = UserFactory(role=Role.COORDINATOR, municipality=world.municipality)
    services.set_rules(world.municipality, RuleValues())
    rule_set, created = services.change_rules(
        world.municipality, {"min_amount_eur": 50}, actor=user
    )
    assert (created, rule_set.version, rule_set.min_amount_eur, rule_set.max_age_days) == (
        True,
        2,
        50,
        100,
    )
    assert AuditEvent.objects.filter(action="update", object_type="signals.ruleset").exists()


def test_changed_rules_evaluate_every_household_again_in_the_background(
    world, django_capture_on_commit_callbacks
):
    user = UserFactory(role=Role.COORDINATOR, municipality=world.municipality)
    services.set_rules(world.municipality, RuleValues(min_creditors=3))
    household = world.household()
    world.arrear(household, "WOONBRUG")
    world.arrear(household, "ENERGIENOORD")
    services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM)
    assert not Signal.objects.filter(household=household, kind="meervoudig").exists()
    with django_capture_on_commit_callbacks() as callbacks:
        services.change_rules(world.municipality, {"min_creditors": 2}, actor=user)
    assert not Signal.objects.filter(
        household=household, kind="meervoudig"
    ).exists()  # not before the commit
    for callback in callbacks:
        callback()  # enqueues the evaluation; the tests' task backend runs it at once
    assert Signal.objects.filter(household=household, kind="meervoudig").exists()
    with django_capture_on_commit_callbacks() as callbacks:
        services.change_rules(world.municipality, {"min_creditors": 2}, actor=user)  # unchanged
    assert callbacks == []


def test_unchanged_rules_make_no_new_version(world):
    user = UserFactory(role=Role.COORDINATOR, municipality=world.municipality)
    services.change_rules(world.municipality, {"min_amount_eur": 50}, actor=user)
    _, created = services.change_rules(world.municipality, {"min_amount_eur": 50}, actor=user)
    assert (created, RuleSet.objects.filter(municipality=world.municipality).count()) == (False, 1)


def test_invalid_rule_value_is_refused_with_a_dutch_message(world):
    user = UserFactory(role=Role.COORDINATOR, municipality=world.municipality)
    with pytest.raises(ValueError, match="verwacht een geheel getal"):
        services.change_rules(world.municipality, {"max_age_days": 0}, actor=user)


def test_coordinator_of_another_municipality_cannot_change_the_rules(world):
    user = UserFactory(role=Role.COORDINATOR, municipality=MunicipalityFactory(code="0777"))
    with pytest.raises(PermissionDenied):
        services.change_rules(world.municipality, {"min_amount_eur": 50}, actor=user)


def test_hulpverlener_cannot_change_the_rules(world):
    team = TeamFactory(municipality=world.municipality)
    user = UserFactory(role=Role.HULPVERLENER, team=team, municipality=world.municipality)
    with pytest.raises(PermissionDenied):
        services.change_rules(world.municipality, {"min_amount_eur": 50}, actor=user)


def test_load_config_gives_a_municipality_its_rules_and_default_trays(db):
    load_config(
        {
            "municipalities": [
                {"code": "0999", "name": "Voorbeeldstad", "rules": {"min_amount_eur": 50}}
            ]
        }
    )
    rule_set = RuleSet.objects.get(municipality__code="0999")
    trays = Tray.objects.filter(municipality__code="0999").count()
    assert (rule_set.min_amount_eur, trays) == (50, 5)

"""`make run`'s demo set-up: a generated world, loaded once, with working log-ins."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from vroegsignaal.demo import setup
from vroegsignaal.intake.models import Delivery, DeliveryStatus
from vroegsignaal.organisations.models import Municipality, User
from vroegsignaal.registry.models import Address, Neighbourhood
from vroegsignaal.signals.models import Signal

pytestmark = pytest.mark.django_db


def test_setup_demo_loads_world_register_and_logins_once(tmp_path):
    out = StringIO()
    call_command("setup_demo", world=tmp_path / "wereld", households=600, months=2, stdout=out)
    assert Municipality.objects.filter(code="0999").exists()
    assert Neighbourhood.objects.filter(kind="buurt").count() > 0
    addresses = Address.objects.count()
    assert addresses > 0
    assert Address.objects.filter(buurt__isnull=False).count() == addresses
    coordinator = User.objects.get(username="coordinator")
    assert coordinator.municipality.code == "0999"
    assert coordinator.check_password(setup.DEMO_PASSWORD)
    assert Delivery.objects.filter(status=DeliveryStatus.VERWERKT).exists()
    assert Signal.objects.exists()
    again = StringIO()
    call_command("setup_demo", world=tmp_path / "wereld", stdout=again)
    assert "al ingericht" in again.getvalue()
    assert Address.objects.count() == addresses


def test_demo_totp_code_is_accepted_by_the_device(tmp_path):
    setup.set_up_demo(tmp_path / "wereld", households=300, months=1)
    device = User.objects.get(username="hulpverlener").totpdevice_set.get()
    assert device.verify_token(setup.current_code("hulpverlener"))


def test_demo_has_picked_up_cases_with_contact_attempts_for_the_demo_team(tmp_path):
    from vroegsignaal.cases.models import Case, ContactAttempt

    setup.set_up_demo(tmp_path / "wereld", households=2_000, months=3)
    worker = User.objects.get(username="hulpverlener")
    cases = Case.objects.filter(municipality__code="0999")
    assert cases.count() == len(setup.DEMO_CASES)
    # Six go to the demo hulpverlener's team; the rest to the other teams (a small world has one).
    from vroegsignaal.organisations.models import Team

    several = (
        Team.objects.filter(municipality=worker.municipality).exclude(pk=worker.team_id).exists()
    )
    own = sum(1 for c in setup.DEMO_CASES if c[1]) if several else len(setup.DEMO_CASES)
    assert cases.filter(team=worker.team).count() == own
    assert ContactAttempt.objects.filter(case__team=worker.team, reached=True).exists()
    assert {c.status for c in cases} >= {
        "opgepakt",
        "contact_gezocht",
        "in_contact",
        "hulp_aanvaard",
        "afgesloten",
    }
    assert setup.create_demo_cases() == []  # once


def test_demo_case_history_happens_on_the_days_the_case_says(tmp_path):
    """The demo backdates its case work ("picked up 40 days ago"): the history showed every
    step on the day the demo was set up, next to an older "Datum opgepakt"."""
    from vroegsignaal.cases import selectors
    from vroegsignaal.cases.models import Case

    setup.set_up_demo(tmp_path / "wereld", households=2_000, months=3)
    for case in Case.objects.filter(municipality__code="0999"):
        days = {
            entry.change.to_status: entry.change.occurred_on
            for entry in selectors.case_history(case)
            if entry.change.from_status != entry.change.to_status
        }
        attempts = set(case.contact_attempts.values_list("date", flat=True))
        assert days.pop("opgepakt") == case.picked_up_on
        assert days.pop("afgesloten", None) == case.closed_on
        assert days.pop("hulp_aanvaard", case.offer_answered_on) == case.offer_answered_on
        assert set(days.values()) <= attempts, case


def test_demo_set_up_just_after_the_worlds_last_peildatum_makes_all_its_cases(tmp_path):
    """The demo's case work counts back from today (picked up 40 days ago) while the world's
    peildata are fixed: a day before its signal was raised is refused, so each step is put on
    the signal date at the earliest."""
    import datetime as dt
    from unittest import mock

    from vroegsignaal.cases.models import Case
    from vroegsignaal.demo.world import LAST_PEILDATUM

    today = LAST_PEILDATUM + dt.timedelta(days=2)
    with mock.patch("django.utils.timezone.localdate", return_value=today):
        setup.set_up_demo(tmp_path / "wereld", households=2_000, months=3)
    cases = Case.objects.filter(municipality__code="0999").select_related("signal")
    assert cases.count() == len(setup.DEMO_CASES)
    assert all(c.signal.signal_date <= c.picked_up_on <= today for c in cases)

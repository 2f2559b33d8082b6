"""Roles and creditor types read in the portal's language; their stored values stay the specification's."""

from __future__ import annotations

from django.utils import translation

from vroegsignaal.organisations.models import CreditorType, Role, Team


def test_role_and_creditor_type_labels_speak_english_when_chosen():
    with translation.override("en"):
        assert str(Role.COORDINATOR.label) == "Early detection coordinator"
        assert str(Role.PRIVACY_OFFICER.label) == "Privacy officer"
        assert str(CreditorType.HUUR.label) == "Rent"
        assert str(Team._meta.verbose_name) == "neighbourhood team"
    assert (
        CreditorType.HUUR.value == "Huur"
        and CreditorType.DIENST_TOESLAGEN.value == "Dienst Toeslagen"
    )


def test_role_and_creditor_type_labels_stay_dutch_by_default():
    assert str(Role.COORDINATOR.label) == "Coördinator vroegsignalering"
    assert [str(label) for _, label in CreditorType.choices] == CreditorType.values

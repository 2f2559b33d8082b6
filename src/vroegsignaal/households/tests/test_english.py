"""English by the switch: the names the household page and the admin show for households and arrears."""

from __future__ import annotations

from django.utils import translation

from vroegsignaal.households.models import (
    Arrear,
    ArrearEvent,
    ArrearEventKind,
    ArrearStatus,
    Household,
    Person,
)


def test_arrear_statuses_and_events_are_named_in_english_when_chosen():
    with translation.override("en"):
        assert [str(label) for label in ArrearStatus.labels] == ["Open", "Cleared", "Moved"]
        assert [str(label) for label in ArrearEventKind.labels] == [
            "New",
            "Changed",
            "Cleared",
            "Reopened",
            "Moved",
        ]


def test_arrear_statuses_and_events_stay_dutch_by_default():
    assert [str(label) for label in ArrearStatus.labels] == ["Open", "Afgemeld", "Verhuisd"]
    assert [str(label) for label in ArrearEventKind.labels] == [
        "Nieuw",
        "Gewijzigd",
        "Afgemeld",
        "Opnieuw",
        "Verhuisd",
    ]


def test_models_and_fields_are_named_in_english_when_chosen():
    with translation.override("en"):
        names = [str(m._meta.verbose_name_plural) for m in (Household, Person, Arrear, ArrearEvent)]
        assert names == ["households", "persons", "arrears", "events of arrears"]
        assert str(Arrear._meta.get_field("start_date").verbose_name) == "start date"
        assert str(ArrearEvent._meta.get_field("reference_date").verbose_name) == "reference date"
        assert str(Person._meta.get_field("tussenvoegsel").verbose_name) == "surname prefix"
    assert str(Arrear._meta.get_field("start_date").verbose_name) == "ontstaansdatum"


def test_a_persons_own_text_never_carries_a_name_or_a_language():
    """``str()`` of a person ends up in logs: no name, and not translated."""
    with translation.override("en"):
        assert str(Person(pk=7)) == "Persoon 7"

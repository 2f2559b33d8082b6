"""The case workflow: the transitions table is enforced, history is append-only."""

from __future__ import annotations

import datetime as dt

import pytest

from vroegsignaal.cases import services, workflow
from vroegsignaal.cases.models import Case, CaseStatus, CaseStatusChange, ContactKind, Outcome

PICKED_UP = dt.date(2026, 3, 2)


def test_every_status_has_a_row_in_the_transitions_table():
    assert set(workflow.TRANSITIONS) == set(CaseStatus.values)


def test_a_closed_case_cannot_be_reopened():
    with pytest.raises(workflow.InvalidTransition):
        workflow.check(CaseStatus.AFGESLOTEN, CaseStatus.IN_CONTACT)


def test_refusal_of_a_closed_case_says_in_words_that_it_is_closed():
    error = workflow.InvalidTransition(CaseStatus.AFGESLOTEN, CaseStatus.AFGESLOTEN)
    assert (
        str(error) == "Deze zaak heeft al de eindstatus 'afgesloten' en kan niet meer veranderen."
    )


def test_refused_transition_names_the_statuses_as_users_read_them():
    error = workflow.InvalidTransition(CaseStatus.HULP_AANVAARD, CaseStatus.CONTACT_GEZOCHT)
    assert str(error) == "Een zaak met status 'hulp aanvaard' kan niet naar 'contact gezocht'."


def test_an_accepted_offer_does_not_go_back_to_contact_sought():
    with pytest.raises(workflow.InvalidTransition):
        workflow.check(CaseStatus.HULP_AANVAARD, CaseStatus.CONTACT_GEZOCHT)


def test_illegal_transition_is_refused_by_the_services(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.close_case(case, coordinator, Outcome.GEEN_CONTACT, on=dt.date(2026, 3, 20))
    with pytest.raises(workflow.InvalidTransition):
        services.close_case(case, coordinator, Outcome.GEEN_CONTACT, on=dt.date(2026, 3, 21))
    assert CaseStatusChange.objects.filter(case=case).count() == 2


def test_contact_attempt_on_a_closed_case_is_refused(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.close_case(case, coordinator, Outcome.GEEN_CONTACT, on=dt.date(2026, 3, 20))
    with pytest.raises(workflow.InvalidTransition):
        services.log_contact_attempt(
            case, coordinator, kind=ContactKind.TELEFOON, reached=True, on=dt.date(2026, 3, 21)
        )


def test_history_rows_cannot_be_changed(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    change = CaseStatusChange.objects.get(case=case)
    change.note = "herschreven"
    with pytest.raises(PermissionError):
        change.save()


def test_history_rows_cannot_be_updated_or_deleted_in_bulk(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    with pytest.raises(PermissionError):
        CaseStatusChange.objects.filter(case=case).update(note="x")
    with pytest.raises(PermissionError):
        CaseStatusChange.objects.filter(case=case).delete()
    with pytest.raises(PermissionError):
        CaseStatusChange.objects.get(case=case).delete()


def test_each_status_change_appends_a_history_row(signal, coordinator):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.log_contact_attempt(
        case, coordinator, kind=ContactKind.BRIEF, reached=False, on=dt.date(2026, 3, 3)
    )
    services.log_contact_attempt(
        case, coordinator, kind=ContactKind.TELEFOON, reached=True, on=dt.date(2026, 3, 4)
    )
    steps = list(CaseStatusChange.objects.filter(case=case).values_list("from_status", "to_status"))
    assert steps == [
        ("", "opgepakt"),
        ("opgepakt", "contact_gezocht"),
        ("contact_gezocht", "in_contact"),
    ]
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_CONTACT

"""A case closes with a result that says the resident was helped only once the offer of help
is recorded.

"(Budget)advies en/of quick fix" and "Vervolghulp en/of verwijzing (niet) financieel" say this
case helped the resident, and the creditors are told ``hulp_in_gang_gezet``; help comes after
the offer of help (Wgs art. 4(1)). A case closed so without any offer recorded told the
creditors help was under way while the case itself said none was offered.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from vroegsignaal.cases import services
from vroegsignaal.cases.models import OUTCOMES_AFTER_OFFER, Case, OfferAnswer, Outcome
from vroegsignaal.feedback import services as feedback
from vroegsignaal.feedback.models import FeedbackEvent

PICKED_UP = dt.date(2026, 3, 2)
CLOSED = dt.date(2026, 3, 20)
HELPED = sorted(OUTCOMES_AFTER_OFFER)


@pytest.mark.parametrize("outcome", HELPED, ids=lambda o: o.name)
def test_closing_as_helped_without_an_offer_of_help_is_refused(signal, coordinator, outcome):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    with pytest.raises(ValidationError) as refused:
        services.close_case(case, coordinator, outcome, on=CLOSED)
    assert list(refused.value.message_dict) == ["outcome"]
    assert "Er is nog geen hulpaanbod vastgelegd." in refused.value.message_dict["outcome"][0]
    assert Case.objects.get(pk=case.pk).status == "opgepakt"
    assert not FeedbackEvent.objects.filter(kind="afgesloten").exists()


def test_closing_as_helped_is_refused_naming_the_outcome_and_what_the_creditors_hear(
    signal, coordinator
):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    with pytest.raises(ValidationError) as refused:
        services.close_case(case, coordinator, Outcome.ADVIES_QUICK_FIX, on=CLOSED)
    assert refused.value.message_dict["outcome"] == [
        "Er is nog geen hulpaanbod vastgelegd. Het eindresultaat ‘(Budget)advies en/of quick "
        "fix’ zegt dat de inwoner hulp kreeg, en de schuldeisers horen dan ‘hulp in gang "
        "gezet’. Leg eerst onder ‘Hulpaanbod’ vast wanneer het hulpaanbod is gedaan, of kies "
        "een ander eindresultaat."
    ]


@pytest.mark.parametrize("answer", ["", OfferAnswer.AANVAARD], ids=["open", "aanvaard"])
def test_closing_as_helped_goes_through_once_the_offer_is_recorded(signal, coordinator, answer):
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    services.record_offer(
        case,
        coordinator,
        made_on=PICKED_UP,
        answer=answer,
        answered_on=PICKED_UP if answer else None,
    )
    case = services.close_case(case, coordinator, Outcome.VERVOLG_FINANCIEEL, on=CLOSED)
    assert (case.status, case.outcome) == ("afgesloten", Outcome.VERVOLG_FINANCIEEL)


def test_the_letter_with_the_offer_of_help_counts_as_the_offer(signal, coordinator, team):
    case = services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)
    services.make_letter(case, coordinator, on=dt.date(2026, 3, 3))
    case = services.close_case(case, coordinator, Outcome.ADVIES_QUICK_FIX, on=CLOSED)
    assert case.status == "afgesloten"


@pytest.mark.parametrize(
    "outcome",
    [Outcome.AL_BEKEND, Outcome.ANDER_TRAJECT, Outcome.VERWIJZING_ZONDER_CONTACT,
     Outcome.GEEN_HULP_NODIG, Outcome.GEEN_CONTACT],
    ids=lambda o: o.name,
)  # fmt: skip
def test_a_case_closes_without_an_offer_when_this_case_gave_no_help(signal, coordinator, outcome):
    """Help elsewhere already (schuldhulpverlening, another traject), a referral made without
    contact, or no help at all: no offer of this case to record."""
    case = services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    assert services.close_case(case, coordinator, outcome, on=CLOSED).status == "afgesloten"


def test_every_outcome_that_needs_an_offer_tells_the_creditors_help_was_set_in_motion():
    assert {feedback.result_for(o) for o in OUTCOMES_AFTER_OFFER} == {"hulp_in_gang_gezet"}


def test_the_close_form_shows_the_refusal_next_to_the_outcome(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)
    verified_client(worker)
    response = client.post(
        reverse("cases:close", kwargs={"case_id": case.pk}),
        {"afsluiten-outcome": Outcome.ADVIES_QUICK_FIX.value, "afsluiten-on": CLOSED.isoformat()},
    )
    assert response.status_code == 200
    errors = response.context["close_form"].errors
    assert (
        list(errors) == ["outcome"]
        and "Er is nog geen hulpaanbod vastgelegd." in errors["outcome"][0]
    )
    assert Case.objects.get(pk=case.pk).status == "opgepakt"

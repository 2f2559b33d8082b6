"""Bulk actions on the tray: pick up, assign to a team, mark not picked up (through the cases services)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from vroegsignaal.cases.models import Case, NotPickedUpReason
from vroegsignaal.signals.models import Signal

from .conftest import Town

pytestmark = pytest.mark.django_db


def _post(client, town, **data):
    return client.post(reverse("reporting:tray_bulk_action", args=[town.tray.pk]), data)


def test_picking_up_ticked_signals_opens_a_case_for_each(town, client, verified_client):
    first, second, untouched = town.signal(), town.signal(), town.signal()
    verified_client(town.coordinator)
    _post(client, town, signaal=[first.pk, second.pk], actie="oppakken", team=town.team.pk)
    assert sorted(Case.objects.values_list("signal_id", "team_id")) == [
        (first.pk, town.team.pk), (second.pk, town.team.pk),
    ]  # fmt: skip
    assert Signal.objects.get(pk=untouched.pk).status == "nieuw"


def test_assigning_a_picked_up_signal_moves_its_case_to_the_team(town, client, verified_client):
    signal = town.signal()
    verified_client(town.coordinator)
    _post(client, town, signaal=[signal.pk], actie="oppakken")
    _post(client, town, signaal=[signal.pk], actie="toewijzen", team=town.team.pk)
    assert Case.objects.get(signal=signal).team_id == town.team.pk


def test_marking_not_picked_up_needs_a_ddas_reason(town, client, verified_client):
    signal = town.signal()
    verified_client(town.coordinator)
    _post(client, town, signaal=[signal.pk], actie="niet_opgepakt", reden="")
    assert Signal.objects.get(pk=signal.pk).status == "nieuw"
    _post(
        client,
        town,
        signaal=[signal.pk],
        actie="niet_opgepakt",
        reden=NotPickedUpReason.OVERLEDEN.value,
    )
    assert Signal.objects.get(pk=signal.pk).status == "niet_opgepakt"


def test_bulk_action_returns_to_the_same_filter(town, client, verified_client):
    signal = town.signal()
    verified_client(town.coordinator)
    response = _post(
        client, town, signaal=[signal.pk], actie="oppakken", filter="crisis=1&sorteer=bedrag"
    )
    assert response["Location"].endswith("?crisis=1&sorteer=bedrag")


def test_an_unfit_signal_is_skipped_and_the_others_go_ahead(town, client, verified_client):
    declined = town.signal(status="niet_opgepakt")
    fresh = town.signal()
    verified_client(town.coordinator)
    _post(client, town, signaal=[declined.pk, fresh.pk], actie="oppakken")
    assert list(Case.objects.values_list("signal_id", flat=True)) == [fresh.pk]


def test_bulk_action_ignores_signals_of_another_municipality(town, client, verified_client):
    other = Town(code="0888", name="Andere gemeente")
    foreign = other.signal()
    verified_client(town.coordinator)
    _post(client, town, signaal=[foreign.pk], actie="oppakken")
    assert Signal.objects.get(pk=foreign.pk).status == "nieuw"
    assert not Case.objects.exists()


def test_bulk_action_refuses_a_team_of_another_municipality(town, client, verified_client):
    other = Town(code="0888", name="Andere gemeente")
    signal = town.signal()
    verified_client(town.coordinator)
    assert (
        _post(client, town, signaal=[signal.pk], actie="oppakken", team=other.team.pk).status_code
        == 404
    )
    assert not Case.objects.exists()


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def test_bulk_action_reports_one_signal_in_the_singular_with_its_case(
    town, client, verified_client
):
    signal = town.signal()
    verified_client(town.coordinator)
    messages = _messages(
        _post(client, town, signaal=[signal.pk], actie="oppakken", team=town.team.pk)
    )
    assert messages == [f"1 signaal opgepakt voor {town.team.name} (zaak {Case.objects.get().pk})."]


def test_bulk_action_reports_more_signals_in_the_plural_and_cases_without_a_team(
    town, client, verified_client
):
    signals = [town.signal(), town.signal()]
    verified_client(town.coordinator)
    response = _post(client, town, signaal=[s.pk for s in signals], actie="oppakken")
    first, second = Case.objects.order_by("pk").values_list("pk", flat=True)
    assert _messages(response) == [
        f"2 signalen opgepakt (zaken {first}, {second}).",
        f"Zaken {first}, {second} hebben geen wijkteam: wijs er een toe, anders ziet geen hulpverlener ze.",
    ]


def test_bulk_assign_and_decline_say_what_they_did(town, client, verified_client):
    assigned, declined = town.signal(), town.signal()
    verified_client(town.coordinator)
    response = _post(client, town, signaal=[assigned.pk], actie="toewijzen", team=town.team.pk)
    assert _messages(response) == [
        f"1 signaal toegewezen aan {town.team.name} (zaak {Case.objects.get().pk}); een nieuw signaal is daarbij opgepakt."
    ]
    response = _post(
        client, town, signaal=[declined.pk], actie="niet_opgepakt", reden="Inwoner is overleden"
    )
    assert _messages(response)[-1:] == [
        "1 signaal niet opgepakt."
    ]  # after the first, not yet shown


@pytest.mark.parametrize("hostile", ["²", "9" * 40, "9" * 5000, "-1", "1e3", " 1"])
def test_ticked_values_that_are_no_signal_id_are_left_out_not_a_crash(
    town, client, verified_client, hostile
):
    """``str.isdigit()`` takes ``²`` (``int()`` does not); 40 digits pass no database column and
    5000 pass ``int()``'s own limit: each was a server error. Such a value names no signal."""
    signal = town.signal()
    verified_client(town.coordinator)
    response = _post(client, town, signaal=[hostile, signal.pk], actie="oppakken")
    assert response.status_code == 302
    assert list(Case.objects.values_list("signal_id", flat=True)) == [signal.pk]
    response = _post(client, town, signaal=[hostile], actie="oppakken")
    assert (
        response.status_code == 302
        and _messages(response)[-1] == "Vink eerst een of meer signalen aan."
    )


def test_a_signal_refused_for_its_date_is_reported_in_words_not_as_a_dict(
    town, client, verified_client
):
    """A ValidationError's str() is its repr ("{'on': [...]}"); the coordinator reads its text."""
    import datetime as dt

    signal = town.signal(signal_date=dt.date.today() + dt.timedelta(days=3))
    verified_client(town.coordinator)
    response = _post(client, town, signaal=[signal.pk], actie="oppakken")
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any("vóór de signaaldatum" in m for m in shown), shown
    assert not any("{" in m or "['" in m for m in shown), shown
    assert not Case.objects.filter(signal=signal).exists()

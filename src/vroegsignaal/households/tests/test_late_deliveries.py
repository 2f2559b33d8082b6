"""A delivery applied after one with a later peildatum leaves alone what that one said (.later)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vroegsignaal.households.models import AppliedStand, Arrear, ArrearStatus, ClosedKey
from vroegsignaal.households.selectors import integrity_problems

from .conftest import PEILDATUM

LATE = dt.date(2026, 11, 30)  # the late delivery's peildatum
LATER = dt.date(2026, 12, 2)  # applied before it
LATER_STILL = dt.date(2026, 12, 9)
PEILDATUM_NEXT = dt.date(2026, 11, 10)


def arrear(klantnummer: str) -> Arrear:
    """The key's latest arrear."""
    return Arrear.objects.filter(klantnummer=klantnummer).latest("id")


def test_a_late_stand_does_not_clear_or_set_back_what_a_later_mutatie_opened_or_changed(world):
    world.apply(world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"))
    world.apply(
        world.at(0, klantnummer="K1", status="gewijzigd", bedrag_cents=20_000),
        world.at(2, klantnummer="K3", status="nieuw", achternaam="Smit"),
        kind="mutatie",
        day=LATER,
    )
    counts = world.apply(world.at(0, klantnummer="K1", bedrag_cents=12_500), day=LATE)

    assert (counts.new, counts.changed, counts.cleared, counts.unchanged) == (0, 0, 1, 0)
    assert counts.outdated == 1  # K1's row: the mutatie of a later peildatum changed it
    k1, k2, k3 = arrear("K1"), arrear("K2"), arrear("K3")
    assert (k1.status, k1.amount_cents, k1.last_seen_on) == (ArrearStatus.OPEN, 20_000, LATER)
    assert k1.last_delivery.reference_date == LATER
    assert (k3.status, k3.opened_on) == (ArrearStatus.OPEN, LATER)
    # K2 is absent from the late stand: gone on its peildatum. The mutatie's silence had
    # marked it seen on the later date; it was last delivered on the first peildatum.
    assert (k2.status, k2.cleared_on, k2.last_seen_on) == (ArrearStatus.CLEARED, LATE, PEILDATUM)
    assert Arrear.objects.count() == 3


def test_a_late_stand_does_not_reopen_what_a_later_mutatie_cleared(world):
    world.apply(world.at(0, klantnummer="K1"))
    world.apply(world.at(0, klantnummer="K1", status="afgemeld"), kind="mutatie", day=LATER)
    counts = world.apply(world.at(0, klantnummer="K1"), day=LATE)

    assert (counts.new, counts.outdated) == (0, 1)
    assert Arrear.objects.count() == 1
    assert (arrear("K1").status, arrear("K1").cleared_on) == (ArrearStatus.CLEARED, LATER)


def test_a_late_stand_does_not_open_what_a_later_mutatie_said_was_afgemeld_without_an_arrear(
    world,
):
    world.apply(world.at(1, klantnummer="K2", achternaam="Bakker"))
    mutatie = world.apply(
        world.at(0, klantnummer="K1", status="afgemeld"), kind="mutatie", day=LATER
    )
    assert (mutatie.cleared, mutatie.ignored) == (0, 1)  # no open arrear: nothing to clear
    counts = world.apply(
        world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"), day=LATE
    )

    assert (counts.new, counts.unchanged, counts.outdated) == (0, 1, 1)
    assert not Arrear.objects.filter(klantnummer="K1").exists()
    assert arrear("K2").status == ArrearStatus.OPEN


def test_the_integrity_check_finds_a_closed_key_or_applied_stand_pointing_at_no_delivery(world):
    world.apply(world.at(1, klantnummer="K2", achternaam="Bakker"))
    world.apply(world.at(0, klantnummer="K1", status="afgemeld"), kind="mutatie", day=LATER)
    assert integrity_problems() == {}
    ClosedKey.objects.update(delivery_id=10**9)
    AppliedStand.objects.update(delivery_id=10**9)
    assert integrity_problems() == {"closedkey.delivery": 1, "appliedstand.delivery": 1}


def test_a_late_mutatie_does_not_open_what_a_later_mutatie_said_was_afgemeld(world):
    world.apply(world.at(0, klantnummer="K1"))
    world.apply(world.at(0, klantnummer="K1", status="afgemeld"), kind="mutatie", day=LATER)
    # Afgemeld again, with no open arrear: the key's arrear was cleared on LATER.
    assert (
        world.apply(
            world.at(0, klantnummer="K1", status="afgemeld"), kind="mutatie", day=LATER_STILL
        ).ignored
        == 1
    )
    counts = world.apply(
        world.at(0, klantnummer="K1", status="nieuw"), kind="mutatie", day=dt.date(2026, 12, 5)
    )

    assert (counts.new, counts.outdated) == (0, 1)
    assert Arrear.objects.filter(klantnummer="K1").count() == 1
    assert arrear("K1").status == ArrearStatus.CLEARED


def test_an_afgemeld_row_without_an_arrear_changes_nothing_in_peildatum_order(world):
    world.apply(world.at(0, klantnummer="K1"), day=LATE)  # opens K1
    counts = world.apply(
        world.at(0, klantnummer="K1", status="afgemeld"),
        world.at(1, klantnummer="K2", status="afgemeld", achternaam="Bakker"),
        kind="mutatie",
        day=LATER,
    )

    assert (counts.cleared, counts.ignored, counts.outdated) == (1, 1, 0)
    assert (arrear("K1").status, arrear("K1").cleared_on) == (ArrearStatus.CLEARED, LATER)
    assert not Arrear.objects.filter(klantnummer="K2").exists()


def test_a_stand_with_a_later_peildatum_opens_a_key_an_earlier_mutatie_said_was_afgemeld(world):
    world.apply(world.at(0, klantnummer="K1", status="afgemeld"), kind="mutatie", day=LATE)
    counts = world.apply(world.at(0, klantnummer="K1"), day=LATER)

    assert (counts.new, counts.outdated) == (1, 0)
    assert (arrear("K1").status, arrear("K1").opened_on) == (ArrearStatus.OPEN, LATER)


def test_a_late_delivery_opens_a_key_afgemeld_on_an_earlier_peildatum_than_its_own(world):
    world.apply(world.at(1, klantnummer="K2", achternaam="Bakker"))
    world.apply(
        world.at(0, klantnummer="K1", status="afgemeld"), kind="mutatie", day=PEILDATUM_NEXT
    )
    world.apply(
        world.at(1, klantnummer="K2", status="gewijzigd", achternaam="Bakker", bedrag_cents=5_000),
        kind="mutatie",
        day=LATER,
    )
    # Late, but later than the afgemeld: K1 came back after it.
    counts = world.apply(world.at(0, klantnummer="K1", status="nieuw"), kind="mutatie", day=LATE)

    assert (counts.new, counts.outdated) == (1, 0)
    assert (arrear("K1").status, arrear("K1").opened_on) == (ArrearStatus.OPEN, LATE)


def test_a_later_stand_holds_back_new_keys_when_no_arrear_shows_it_any_more(world):
    world.apply(world.at(0, klantnummer="K1"), day=LATER)
    # Delivers K1 again: its arrear no longer says that the stand of LATER had it.
    world.apply(
        world.at(0, klantnummer="K1", status="gewijzigd", bedrag_cents=5_000),
        kind="mutatie",
        day=LATER_STILL,
    )
    counts = world.apply(
        world.at(1, klantnummer="K2", status="nieuw", achternaam="Bakker"), kind="mutatie", day=LATE
    )

    assert (counts.new, counts.outdated) == (0, 1)  # the stand of LATER did not have K2
    assert not Arrear.objects.filter(klantnummer="K2").exists()


def test_a_late_stand_marks_the_arrears_it_delivers_without_moving_last_seen_back(world):
    world.apply(world.at(0, klantnummer="K1"))
    world.apply(
        world.at(1, klantnummer="K2", status="nieuw", achternaam="Bakker"),
        kind="mutatie",
        day=LATER,
    )
    assert arrear("K1").last_seen_on == LATER  # the mutatie speaks for what it does not mention
    counts = world.apply(world.at(0, klantnummer="K1"), day=LATE)

    assert (counts.unchanged, counts.cleared, counts.outdated) == (1, 0, 0)
    k1 = arrear("K1")
    assert (k1.status, k1.last_seen_on, k1.last_delivery.reference_date) == (
        ArrearStatus.OPEN,
        LATER,
        LATE,
    )
    assert arrear("K2").status == ArrearStatus.OPEN  # opened on a later peildatum: not cleared


def test_a_late_mutatie_after_a_later_stand_changes_nothing_that_stand_settled(world):
    world.apply(world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"))
    world.apply(world.at(0, klantnummer="K1"), day=LATER)  # K2 cleared on the later peildatum
    counts = world.apply(
        world.at(0, klantnummer="K1", status="afgemeld"),
        world.at(1, klantnummer="K2", status="gewijzigd", achternaam="Bakker", bedrag_cents=5_000),
        world.at(2, klantnummer="K3", status="nieuw", achternaam="Smit"),
        kind="mutatie",
        day=LATE,
    )

    assert (counts.new, counts.changed, counts.cleared, counts.ignored, counts.outdated) == (
        0,
        0,
        0,
        0,
        3,
    )
    assert (arrear("K1").status, arrear("K1").last_seen_on) == (ArrearStatus.OPEN, LATER)
    assert (arrear("K2").status, arrear("K2").cleared_on) == (ArrearStatus.CLEARED, LATER)
    assert not Arrear.objects.filter(klantnummer="K3").exists()  # the later stand does not have it


def test_a_late_mutatie_after_a_later_mutatie_still_opens_new_keys(world):
    world.apply(world.at(0, klantnummer="K1"))
    world.apply(
        world.at(1, klantnummer="K2", status="nieuw", achternaam="Bakker"),
        kind="mutatie",
        day=LATER,
    )
    counts = world.apply(
        world.at(2, klantnummer="K3", status="nieuw", achternaam="Smit"), kind="mutatie", day=LATE
    )

    assert (counts.new, counts.outdated) == (1, 0)
    assert (arrear("K3").status, arrear("K3").opened_on) == (ArrearStatus.OPEN, LATE)


def test_a_later_delivery_that_changed_nothing_yet_does_not_hold_back_an_older_one(world):
    world.apply(world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"))
    world.delivery(day=LATER)  # received (held, refused or still waiting): not applied
    counts = world.apply(world.at(0, klantnummer="K1", bedrag_cents=9_900), day=LATE)

    assert (counts.changed, counts.cleared, counts.outdated) == (1, 1, 0)
    assert arrear("K1").amount_cents == 9_900
    assert arrear("K2").status == ArrearStatus.CLEARED


def test_applying_deliveries_late_ends_where_applying_them_in_order_does(world):
    """The creditor's stand of the 30th and its mutatie of the 2nd, in both orders."""
    first = (world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"))
    stand = (world.at(0, klantnummer="K1", bedrag_cents=15_000),)
    mutatie = (
        world.at(0, klantnummer="K1", status="gewijzigd", bedrag_cents=20_000),
        world.at(2, klantnummer="K3", status="nieuw", achternaam="Smit"),
    )

    def state(*deliveries):
        """The arrears after applying ``deliveries``; rolled back afterwards."""
        with transaction.atomic():
            world.apply(*first)
            for rows, kind, day in deliveries:
                world.apply(*rows, kind=kind, day=day)
            arrears = sorted(
                Arrear.objects.values_list("klantnummer", "status", "amount_cents", "cleared_on")
            )
            transaction.set_rollback(True)
            return arrears

    in_order = state((stand, "stand", LATE), (mutatie, "mutatie", LATER))
    assert state((mutatie, "mutatie", LATER), (stand, "stand", LATE)) == in_order


def test_the_safety_check_does_not_count_what_a_late_stand_leaves_alone(world):
    from vroegsignaal.households.services import count_cleared_by_stand

    from .conftest import frame

    world.apply(world.at(0, klantnummer="K1"))
    world.apply(
        world.at(1, klantnummer="K2", status="nieuw", achternaam="Bakker"),
        world.at(2, klantnummer="K3", status="nieuw", achternaam="Smit"),
        kind="mutatie",
        day=LATER,
    )
    late = frame(world.at(0, klantnummer="K1"))
    assert count_cleared_by_stand(world.creditor, late) == 2  # without its peildatum
    assert count_cleared_by_stand(world.creditor, late, reference_date=LATE) == 0
    assert count_cleared_by_stand(world.creditor, frame(), reference_date=LATE) == 1


def test_retention_deletes_the_afgemeld_keys_with_the_closed_arrears_of_their_age(world):
    from tests.factories import MunicipalityFactory
    from vroegsignaal.households.services import purge_unsignalled_arrears

    world.apply(world.at(0, klantnummer="K1", status="afgemeld"), kind="mutatie", day=LATE)
    world.apply(
        world.at(1, klantnummer="K2", status="afgemeld", achternaam="Bakker"),
        kind="mutatie",
        day=LATER,
    )
    elsewhere = ClosedKey.objects.get(klantnummer="K1")
    elsewhere.pk, elsewhere.municipality = None, MunicipalityFactory(code="0998")
    elsewhere.save()
    counts = Counter()
    purge_unsignalled_arrears(
        world.municipality,
        open_started_before=PEILDATUM,
        closed_cleared_before=LATER,
        counts=counts,
    )

    assert sorted(ClosedKey.objects.values_list("klantnummer", "municipality__code")) == [
        ("K1", "0998"),
        ("K2", "0999"),
    ]
    assert counts == {"households.closedkey": 1}  # a category of their own in retention


# --- property: a late delivery ends where the same deliveries in order end -------------

KEYS = ["K1", "K2", "K3", "K4"]


@st.composite
def histories(draw):
    """A first stand, then two to three deliveries (stands and mutaties) on later
    peildata, and which of those arrives last (late)."""
    amounts = st.sampled_from([10_000, 12_500, 20_000])

    def stand():
        keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=4))
        return "stand", {k: (None, draw(amounts)) for k in keys}

    def mutatie():
        keys = draw(st.lists(st.sampled_from(KEYS), unique=True, min_size=1, max_size=3))
        statuses = st.sampled_from(["nieuw", "gewijzigd", "afgemeld"])
        return "mutatie", {k: (draw(statuses), draw(amounts)) for k in keys}

    first = ("stand", dict.fromkeys(KEYS[:2], (None, 10_000)))
    later = [draw(st.sampled_from([stand, mutatie]))() for _ in range(draw(st.integers(2, 3)))]
    late = draw(st.integers(0, len(later) - 2))  # not the last one: that is in order anyway
    return [first, *later], late + 1


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories())
def test_a_late_delivery_leaves_the_open_arrears_as_the_deliveries_in_order_do(world, history):
    deliveries, late = history
    days = [PEILDATUM + dt.timedelta(days=10 * i) for i in range(len(deliveries))]
    address = {k: i for i, k in enumerate(KEYS)}

    def run(order):
        with transaction.atomic():
            for i in order:
                kind, rows = deliveries[i]
                world.apply(
                    *(
                        world.at(address[k], klantnummer=k, achternaam=f"Naam{k}",
                                 status=status, bedrag_cents=amount)
                        for k, (status, amount) in sorted(rows.items())
                    ),
                    kind=kind,
                    day=days[i],
                )  # fmt: skip
            result = set(
                Arrear.objects.filter(status=ArrearStatus.OPEN).values_list(
                    "klantnummer", "amount_cents"
                )
            )
            transaction.set_rollback(True)
        return result

    in_order = run(range(len(deliveries)))
    late_last = [i for i in range(len(deliveries)) if i != late] + [late]
    assert run(late_last) == in_order


def test_the_integrity_check_finds_an_arrear_following_one_that_is_gone(world):
    world.apply(world.at(0, klantnummer="K1"), world.at(1, klantnummer="K2", achternaam="Bakker"))
    assert integrity_problems() == {}
    Arrear.objects.filter(klantnummer="K2").update(previous_id=10**9)
    assert integrity_problems() == {"arrear.previous": 1}


def test_closing_or_updating_an_arrear_that_is_gone_fails_the_delivery_instead_of_passing_over_it(
    world,
):
    """The apply's lock keeps the purge out; should another writer ever delete an arrear a
    delivery read, its update must not pass over it silently (and write history for it)."""
    import polars as pl
    import pytest

    from vroegsignaal.households import timeline

    world.apply(world.at(0, klantnummer="K1"))
    kept = arrear("K1")
    gone = pl.Series("arrear_id", [kept.pk, 10**9], dtype=pl.Int64)
    with pytest.raises(RuntimeError, match="1 arrears closed, expected 2"):
        timeline._close(gone, ArrearStatus.CLEARED, kept.last_delivery_id, LATER)
    with pytest.raises(RuntimeError, match="0 arrears updated, expected 1"):
        timeline._update_attributes(
            pl.DataFrame({"arrear_id": [10**9]}).join(
                pl.DataFrame(
                    {c: [getattr(kept, c)] for c in (*timeline.MATERIAL, *timeline.DETAILS)}
                ),
                how="cross",
            ),
            kept.last_delivery_id,
            LATER,
        )

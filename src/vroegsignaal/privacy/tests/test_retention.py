"""Retention: each category at its limit, dry runs, records, isolation and atomicity."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

import pytest
from django.core.management import call_command

from tests.factories import MunicipalityFactory, TeamFactory
from vroegsignaal.cases.models import Case, CaseNote, CaseStatusChange, ContactAttempt
from vroegsignaal.households import addresses as household_addresses
from vroegsignaal.households import services as household_services
from vroegsignaal.households.models import Arrear, ArrearEvent, ClosedKey, Household, Person
from vroegsignaal.households.selectors import integrity_problems as household_integrity
from vroegsignaal.intake.models import Delivery, DeliveryRowIssue
from vroegsignaal.privacy import retention
from vroegsignaal.privacy.models import AnonymisedCase, AuditEvent, RetentionPolicy, RetentionRun
from vroegsignaal.privacy.services import purge
from vroegsignaal.signals.models import RuleSet, Signal, SignalArrear, SignalStatusChange
from vroegsignaal.signals.tests.conftest import World

TODAY = dt.date(2026, 9, 1)
_n = itertools.count(1)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def snapshots(monkeypatch):
    """The monitor snapshot, replaced: records what the data looked like when it was taken."""
    from vroegsignaal.reporting import services as reporting

    taken = []

    def fake(municipality, **kwargs):
        taken.append(
            {
                "municipality": municipality.code,
                "signals": Signal.objects.filter(municipality=municipality).count(),
                "arrears": Arrear.objects.filter(municipality=municipality).count(),
                "through": kwargs.get("through"),
            }
        )
        return 0

    monkeypatch.setattr(reporting, "snapshot_monitor_figures", fake, raising=False)
    return taken


@pytest.fixture
def limits(world):
    return retention.limits_for(world.municipality, TODAY)


def rule_set(municipality) -> RuleSet:
    return RuleSet.objects.get_or_create(municipality=municipality, version=1)[0]


def make_signal(
    household, *, status="nieuw", closed_on=None, last_signalled_on=TODAY, **extra
) -> Signal:
    return Signal.objects.create(
        municipality=household.municipality, household=household, status=status, kind="meervoudig",
        creditor_count=2, total_amount_cents=25_000, oldest_start_date=dt.date(2025, 1, 1),
        signal_date=dt.date(2025, 1, 1), last_signalled_on=last_signalled_on, closed_on=closed_on,
        rule_set=rule_set(household.municipality), explanation="Twee schuldeisers.",
        buurt_id=household.address.buurt_id if household.address_id else None,  # as evaluation writes it
        **extra,
    )  # fmt: skip


def make_closed_case(world: World, closed_on: dt.date) -> Case:
    household = world.household()
    arrears = [
        world.arrear(household, "WOONBRUG", start=dt.date(2025, 1, 1)),
        world.arrear(household, "ENERGIENOORD", start=dt.date(2025, 1, 1)),
    ]
    signal = make_signal(household, status="afgesloten", closed_on=closed_on)
    for arrear in arrears:
        SignalArrear.objects.create(
            signal=signal, arrear=arrear, counts=True, joined_on=dt.date(2025, 1, 1)
        )
    SignalStatusChange.objects.create(
        signal=signal, from_status="opgepakt", to_status="afgesloten", changed_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC),
        note="Vervolghulp en/of verwijzing financieel",
    )  # fmt: skip
    team = TeamFactory(municipality=household.municipality)
    case = Case.objects.create(
        municipality=household.municipality, signal=signal, household=household, team=team, status="afgesloten",
        picked_up_on=dt.date(2025, 1, 10), offer_made_on=dt.date(2025, 1, 12), offer_answer="aanvaard",
        outcome="Vervolghulp en/of verwijzing financieel", closed_on=closed_on,
    )  # fmt: skip
    CaseNote.objects.create(case=case, text="Mevrouw Jansen wil hulp met de huur.")
    ContactAttempt.objects.create(
        case=case,
        kind="Huisbezoek",
        reached=True,
        date=dt.date(2025, 1, 11),
        note="Buurvrouw deed open.",
    )
    CaseStatusChange.objects.create(
        case=case, from_status="in_contact", to_status="afgesloten", changed_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC),
        note="Doorverwezen naar de schuldhulp van de gemeente, zie gesprek met meneer.",
    )  # fmt: skip
    return case


def run(**kwargs):
    return purge(today=TODAY, **kwargs)


# --- arrears that never joined a signal ----------------------------------------


def test_open_unsignalled_arrear_goes_the_day_after_it_leaves_the_age_window(world, limits):
    household = world.household()
    last_day = world.arrear(household, "WOONBRUG", start=TODAY - days(100))
    past = world.arrear(household, "ENERGIENOORD", start=TODAY - days(101))
    ArrearEvent.objects.create(
        arrear=past,
        delivery=past.last_delivery,
        reference_date=TODAY,
        kind="opened",
        amount_cents=1,
    )

    report = run()

    assert list(Arrear.objects.values_list("pk", flat=True)) == [last_day.pk]
    assert not ArrearEvent.objects.filter(arrear_id=past.pk).exists()
    assert report.counts["0999"]["achterstanden"] == 1
    assert report.counts["0999"]["achterstandsgeschiedenis"] == 1
    assert household_integrity() == {}


def test_cleared_unsignalled_arrear_stays_while_the_rules_could_still_see_a_debt_swap(
    world, limits
):
    household = world.household()
    assert limits.closed_arrears_cleared_before == TODAY - days(160)
    kept = world.arrear(
        household, "WOONBRUG", start=dt.date(2025, 1, 1), cleared_on=TODAY - days(160)
    )
    world.arrear(household, "ENERGIENOORD", start=dt.date(2025, 1, 1), cleared_on=TODAY - days(161))

    run()

    assert list(Arrear.objects.values_list("pk", flat=True)) == [kept.pk]


def test_afmeldingen_zonder_achterstand_go_with_the_closed_arrears_in_a_category_of_their_own(
    world, limits
):
    def closed_key(klantnummer: str, on: dt.date) -> ClosedKey:
        return ClosedKey.objects.create(
            creditor=world.creditors["WOONBRUG"], municipality=world.municipality,
            klantnummer=klantnummer, delivery=world.delivery("WOONBRUG"), reference_date=on,
        )  # fmt: skip

    kept = closed_key("K1", limits.closed_arrears_cleared_before)
    closed_key("K2", limits.closed_arrears_cleared_before - days(1))
    world.arrear(
        world.household(), "ENERGIENOORD", start=dt.date(2025, 1, 1), cleared_on=TODAY - days(161)
    )

    report = run()

    assert list(ClosedKey.objects.values_list("pk", flat=True)) == [kept.pk]
    counts = report.counts["0999"]
    assert counts["afmeldingen_zonder_achterstand"] == 1
    assert counts["achterstanden"] == 1 and counts["achterstandsgeschiedenis"] == 0
    assert RetentionRun.objects.get(municipality=world.municipality).counts == counts
    assert "gemeente 0999: 1 afmeldingen zonder achterstand" in report.lines()


def test_old_arrear_of_a_signal_is_kept(world):
    household = world.household()
    arrear = world.arrear(household, "WOONBRUG", start=dt.date(2024, 1, 1))
    signal = make_signal(household)
    SignalArrear.objects.create(
        signal=signal, arrear=arrear, counts=True, joined_on=dt.date(2024, 2, 1)
    )

    run()

    assert Arrear.objects.filter(pk=arrear.pk).exists()


# --- signals never picked up ----------------------------------------------------


def test_unpicked_signal_limit_is_six_months_after_its_last_day(limits):
    assert limits.signals_before == dt.date(2026, 3, 1)


@pytest.mark.parametrize("status", ["niet_opgepakt", "vervallen"])
def test_closed_unpicked_signal_goes_the_day_after_six_months(world, limits, status):
    kept = make_signal(world.household(), status=status, closed_on=limits.signals_before)
    make_signal(world.household(), status=status, closed_on=limits.signals_before - days(1))

    report = run()

    assert list(Signal.objects.values_list("pk", flat=True)) == [kept.pk]
    assert report.counts["0999"]["signalen"] == 1


def test_new_signal_counts_from_the_last_peildatum_its_arrears_counted(world, limits):
    kept = make_signal(world.household(), last_signalled_on=limits.signals_before)
    gone = make_signal(world.household(), last_signalled_on=limits.signals_before - days(1))
    SignalStatusChange.objects.create(
        signal=gone, to_status="nieuw", changed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    )

    report = run()

    assert list(Signal.objects.values_list("pk", flat=True)) == [kept.pk]
    assert report.counts["0999"]["signaalgeschiedenis"] == 1


def test_unpicked_signal_is_kept_while_a_new_signal_could_repeat_it(world):
    RuleSet.objects.create(municipality=world.municipality, version=1, repeat_window_days=200)
    limits = retention.limits_for(world.municipality, TODAY)
    assert limits.signals_before == TODAY - days(200)
    kept = make_signal(world.household(), status="niet_opgepakt", closed_on=TODAY - days(200))
    make_signal(world.household(), status="niet_opgepakt", closed_on=TODAY - days(201))

    run()

    assert list(Signal.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_policy_of_the_municipality_sets_the_period(world):
    RetentionPolicy.objects.create(
        municipality=world.municipality, unpicked_signal_months=9, closed_case_months=24
    )
    limits = retention.limits_for(world.municipality, TODAY)
    assert (limits.signals_before, limits.cases_closed_before) == (
        dt.date(2025, 12, 1),
        dt.date(2024, 9, 1),
    )


def test_months_before_clips_to_the_end_of_a_shorter_month():
    assert retention.months_before(dt.date(2026, 8, 31), 6) == dt.date(2026, 2, 28)
    assert retention.months_before(dt.date(2026, 1, 15), 12) == dt.date(2025, 1, 15)


# --- closed cases -----------------------------------------------------------------


def test_closed_case_is_anonymised_the_day_after_its_period(world, limits):
    assert limits.cases_closed_before == dt.date(2025, 9, 1)
    kept = make_closed_case(world, closed_on=limits.cases_closed_before)
    gone = make_closed_case(world, closed_on=limits.cases_closed_before - days(1))

    report = run()

    assert list(AnonymisedCase.objects.values_list("case_id", flat=True)) == [gone.pk]
    assert report.counts["0999"]["zaken_geanonimiseerd"] == 1
    assert CaseNote.objects.filter(case=kept).count() == 1
    assert Household.objects.filter(pk=kept.household_id).exists()


def test_anonymised_case_keeps_its_aggregate_fields_and_loses_the_household(world, limits):
    case = make_closed_case(world, closed_on=dt.date(2025, 3, 1))
    original_household = case.household_id
    person_ids = list(
        Person.objects.filter(household_id=original_household).values_list("pk", flat=True)
    )
    before = Case.objects.values(
        "municipality_id",
        "team_id",
        "status",
        "outcome",
        "picked_up_on",
        "closed_on",
        "offer_answer",
        "offer_made_on",
    ).get(pk=case.pk)
    signal_before = Signal.objects.values("kind", "creditor_count", "total_amount_cents", "status", "signal_date", "closed_on").get(
        pk=case.signal_id
    )  # fmt: skip

    report = run()

    case.refresh_from_db()
    assert Case.objects.values(*before).get(pk=case.pk) == before
    assert Signal.objects.values(*signal_before).get(pk=case.signal_id) == signal_before
    anonymous = household_services.anonymous_household(world.municipality)
    assert case.household_id == anonymous.pk
    assert Signal.objects.get(pk=case.signal_id).household_id == anonymous.pk
    assert (
        Signal.objects.get(pk=case.signal_id).buurt_id is None
    )  # the copy of the address's buurt goes too
    assert anonymous.address_id is None and not anonymous.persons.exists()
    # The household, its persons and the case's arrears are gone.
    assert not Household.objects.filter(pk=original_household).exists()
    assert not Person.objects.filter(pk__in=person_ids).exists()
    assert not Arrear.objects.filter(household_id=original_household).exists()
    assert not SignalArrear.objects.filter(signal_id=case.signal_id).exists()
    # Free text: notes deleted, texts emptied; the contact attempt itself stays (DDAS, figures).
    assert not CaseNote.objects.filter(case=case).exists()
    attempt = ContactAttempt.objects.get(case=case)
    assert (attempt.kind, attempt.reached, attempt.date, attempt.note) == (
        "Huisbezoek",
        True,
        dt.date(2025, 1, 11),
        "",
    )
    assert set(CaseStatusChange.objects.filter(case=case).values_list("note", flat=True)) == {""}
    # The area stays for figures per wijk.
    area = AnonymisedCase.objects.get(case=case)
    assert (area.wijk_code, area.buurt_code, area.anonymised_on) == (
        "WK099901",
        "BU09990101",
        TODAY,
    )
    assert report.counts["0999"]["notities"] == 1
    # The attempt, the case's status change and the signal's status change.
    assert report.counts["0999"]["toelichtingen"] == 3
    assert report.counts["0999"]["personen"] == 1
    assert report.counts["0999"]["huishoudens"] == 1
    assert household_integrity() == {}


def test_anonymising_twice_changes_nothing_more(world):
    make_closed_case(world, closed_on=dt.date(2025, 3, 1))
    run()

    second = run()

    assert second.total("0999") == 0


def test_household_with_a_live_signal_keeps_its_persons_when_an_old_case_is_anonymised(world):
    case = make_closed_case(world, closed_on=dt.date(2025, 3, 1))
    household = Household.objects.get(pk=case.household_id)
    fresh = world.arrear(household, "ZORGZUID", start=TODAY - days(10))
    live = make_signal(household, last_signalled_on=TODAY)
    SignalArrear.objects.create(signal=live, arrear=fresh, counts=True, joined_on=TODAY)

    run()

    assert Household.objects.filter(pk=household.pk).exists()
    assert Person.objects.filter(household=household).count() == 1
    assert Case.objects.get(pk=case.pk).household_id != household.pk


def test_anonymous_households_do_not_slow_down_matching(world):
    make_closed_case(world, closed_on=dt.date(2025, 3, 1))
    run()
    assert Household.objects.filter(unregistered_address__startswith="anoniem:").count() == 1

    assert household_addresses._any_unregistered() is False


# --- persons and households --------------------------------------------------------


def test_person_without_arrears_in_a_household_without_signals_is_deleted(world):
    household = world.household(also_born=(dt.date(1990, 1, 1),))
    keeper = household.persons.order_by("pk").first()
    world.arrear(household, "WOONBRUG", start=TODAY - days(10))  # the first person's, counting

    report = run()

    assert list(Person.objects.filter(household=household).values_list("pk", flat=True)) == [
        keeper.pk
    ]
    assert report.counts["0999"]["personen"] == 1
    assert report.counts["0999"]["huishoudens"] == 0


def test_household_left_without_anything_is_deleted_with_its_persons(world):
    household = world.household()
    world.arrear(household, "WOONBRUG", start=TODAY - days(200))

    run()

    assert not Household.objects.filter(pk=household.pk).exists()
    assert household_integrity() == {}


def test_persons_of_a_household_with_a_signal_are_kept(world):
    household = world.household()
    make_signal(household, status="niet_opgepakt", closed_on=TODAY - days(10))

    run()

    assert Person.objects.filter(household=household).count() == 1


# --- intake -------------------------------------------------------------------------


def test_rejected_rows_go_after_92_days(world):
    def delivery_received(day: dt.date) -> Delivery:
        delivery = Delivery.objects.create(
            creditor=world.creditors["WOONBRUG"], kind="stand", reference_date=day, via="cli", status="verwerkt",
            sha256=hashlib.sha256(f"x{next(_n)}".encode()).hexdigest(),
        )  # fmt: skip
        Delivery.objects.filter(pk=delivery.pk).update(
            received_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        )
        DeliveryRowIssue.objects.create(
            delivery=delivery, row=2, klantnummer="K1", code="ADRES_ONBEKEND", message="x"
        )
        return delivery

    kept = delivery_received(TODAY - days(92))
    delivery_received(TODAY - days(93))

    report = run()

    assert list(DeliveryRowIssue.objects.values_list("delivery_id", flat=True)) == [kept.pk]
    assert report.counts[""] == {"afgewezen_regels": 1, "wachtende_leveringen": 0}


# --- runs: dry, recorded, isolated, atomic ---------------------------------------------


def old_data(world: World, municipality=None) -> None:
    household = world.household(municipality=municipality)
    world.arrear(household, "WOONBRUG", start=TODAY - days(300))
    make_signal(
        world.household(municipality=municipality), status="vervallen", closed_on=TODAY - days(300)
    )


def test_dry_run_changes_nothing_and_counts_what_a_real_run_removes(world, snapshots):
    old_data(world)
    make_closed_case(world, closed_on=dt.date(2025, 3, 1))
    tables = (
        Signal,
        Arrear,
        ArrearEvent,
        Person,
        Household,
        Case,
        CaseNote,
        AnonymisedCase,
        RetentionRun,
    )
    before = {m: m.objects.count() for m in tables}
    audit_before = AuditEvent.objects.count()

    dry = run(dry_run=True)

    assert {m: m.objects.count() for m in tables} == before
    assert AuditEvent.objects.count() == audit_before
    assert snapshots == []
    real = run()
    assert dry.counts == real.counts
    assert dry.total() > 0


def test_a_run_records_its_counts_in_a_retention_run_and_one_audit_event(world, snapshots):
    old_data(world)
    audit_before = AuditEvent.objects.count()

    report = run()

    municipal = RetentionRun.objects.get(municipality=world.municipality)
    assert municipal.counts == report.counts["0999"]
    assert municipal.counts["signalen"] == 1 and municipal.counts["achterstanden"] == 1
    assert municipal.today == TODAY
    assert municipal.limits["signalen_voor"] == "2026-03-01"
    events = AuditEvent.objects.filter(seq__gt=audit_before, action="purge")
    assert events.count() == 2  # the municipality and the platform's intake data
    event = events.get(municipality=world.municipality)
    assert (event.object_type, event.object_id) == ("privacy.retentionrun", str(municipal.pk))
    assert event.details["aantallen"] == municipal.counts
    assert AuditEvent.objects.filter(seq__gt=audit_before).count() == 2
    assert RetentionRun.objects.get(municipality=None).counts == {
        "afgewezen_regels": 0,
        "wachtende_leveringen": 0,
    }


def test_snapshot_is_taken_before_anything_is_deleted(world, snapshots):
    old_data(world)

    run()

    assert snapshots == [{"municipality": "0999", "signals": 1, "arrears": 1, "through": TODAY}]


def test_nothing_of_another_municipality_is_touched(world):
    other = MunicipalityFactory(code="0888", name="Andere stad")
    old_data(world)
    old_data(world, municipality=other)
    other_counts = (
        Signal.objects.filter(municipality=other).count(),
        Arrear.objects.filter(municipality=other).count(),
    )

    report = run(municipalities=[world.municipality], intake=False)

    assert (
        Signal.objects.filter(municipality=other).count(),
        Arrear.objects.filter(municipality=other).count(),
    ) == other_counts
    assert Household.objects.filter(municipality=other).count() == 2
    assert list(report.counts) == ["0999"]
    assert not RetentionRun.objects.filter(municipality=other).exists()


def test_purge_is_atomic_per_municipality(world, monkeypatch):
    old_data(world)
    make_closed_case(world, closed_on=dt.date(2025, 3, 1))
    counts = {
        m: m.objects.count() for m in (Signal, Arrear, Person, Household, CaseNote, AnonymisedCase)
    }

    def fail(*args, **kwargs):
        raise RuntimeError("stroomstoring")

    monkeypatch.setattr(household_services, "purge_unused_persons_and_households", fail)
    with pytest.raises(RuntimeError):
        run()

    assert {m: m.objects.count() for m in counts} == counts
    assert Case.objects.filter(household__unregistered_address__startswith="anoniem:").count() == 0
    assert not RetentionRun.objects.exists()


# --- the command ----------------------------------------------------------------------


def test_command_dry_run_lists_counts_and_changes_nothing(world, capsys):
    old_data(world)

    call_command("purge", "--dry-run", "--today", TODAY.isoformat())

    out = capsys.readouterr().out
    assert "Proefdraai op 2026-09-01: er is niets gewijzigd." in out
    assert "gemeente 0999: 1 niet opgepakte signalen" in out
    assert "gemeente 0999: 1 achterstanden" in out
    assert Signal.objects.count() == 1 and not RetentionRun.objects.exists()


def test_command_real_run_says_what_it_did_for_one_municipality(world, capsys):
    old_data(world)
    other = MunicipalityFactory(code="0888", name="Andere stad")
    old_data(world, municipality=other)

    call_command("purge", "--municipality", "0999", "--today", TODAY.isoformat())

    out = capsys.readouterr().out
    assert "Verwijderd of geanonimiseerd op 2026-09-01:" in out
    assert "gemeente 0999: 1 niet opgepakte signalen" in out
    assert "0888" not in out
    assert Signal.objects.filter(municipality=other).count() == 1


def test_command_refuses_an_unknown_municipality(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Onbekende gemeentecode"):
        call_command("purge", "--municipality", "1234")


def test_monitor_figures_are_the_same_before_and_after_the_purge(world, monkeypatch):
    """With the real snapshot: what the purge removes never changes the stored monitor figures."""
    monkeypatch.undo()  # the real reporting.services.snapshot_monitor_figures
    from vroegsignaal.reporting.models import MonitorFigure
    from vroegsignaal.reporting.services import snapshot_monitor_figures

    def figures() -> dict:
        return {
            (f.monitor_month.month, f.wijk_code, f.figure, f.category): f.value
            for f in MonitorFigure.objects.select_related("monitor_month")
        }

    old_data(world)
    make_closed_case(world, closed_on=dt.date(2025, 3, 1))
    snapshot_monitor_figures(world.municipality, through=TODAY)
    before = figures()

    report = run()
    snapshot_monitor_figures(world.municipality, through=TODAY)  # recomputed from what is left

    assert report.counts["0999"]["zaken_geanonimiseerd"] == 1
    assert report.counts["0999"]["signalen"] == 1
    assert before and figures() == before


def test_references_without_a_reverse_name_are_emptied_when_their_target_goes(world):
    """Feedback events, ``repeat_of`` and ``previous`` use related_name="+": still unlinked, not left dangling."""
    from vroegsignaal.feedback.models import FeedbackEvent

    household = world.household()
    declined = make_signal(household, status="niet_opgepakt", closed_on=TODAY - days(300))
    later = make_signal(world.household(), repeat_of=declined, repeat=True)
    event = FeedbackEvent.objects.create(
        creditor=world.creditors["WOONBRUG"], municipality=world.municipality, signal=declined,
        klantnummer="K1", klantnummer_index="k1", kind="niet_opgepakt", date=TODAY - days(300),
    )  # fmt: skip
    old = world.arrear(household, "WOONBRUG", start=TODAY - days(400), cleared_on=TODAY - days(300))
    successor = world.arrear(world.household(), "WOONBRUG", start=TODAY - days(10))
    Arrear.objects.filter(pk=successor.pk).update(previous=old)

    run()

    event.refresh_from_db()
    later.refresh_from_db()
    successor.refresh_from_db()
    assert not Signal.objects.filter(pk=declined.pk).exists()
    assert (event.signal_id, later.repeat_of_id, later.repeat) == (None, None, True)
    assert not Arrear.objects.filter(pk=old.pk).exists() and successor.previous_id is None


def held_delivery(world, received: dt.date, name: str) -> Delivery:
    from vroegsignaal.intake.services import incoming_dir

    delivery = Delivery.objects.create(
        creditor=world.creditors["WOONBRUG"], kind="stand", reference_date=received, via="cli",
        status="wacht_op_bevestiging", staged_name=name,
        sha256=hashlib.sha256(name.encode()).hexdigest(),
    )  # fmt: skip
    Delivery.objects.filter(pk=delivery.pk).update(
        received_at=dt.datetime.combine(received, dt.time(12), tzinfo=dt.UTC)
    )
    for path in (incoming_dir() / name, incoming_dir() / f"{name}.rows"):
        path.write_bytes(b"versleutelde regels")
    return delivery


def test_a_held_stand_nobody_confirmed_is_refused_after_30_days_and_its_rows_go(
    world, django_capture_on_commit_callbacks
):
    from vroegsignaal.intake.services import incoming_dir

    kept = held_delivery(world, TODAY - days(30), "retention-kept")
    expired = held_delivery(world, TODAY - days(31), "retention-expired")

    with django_capture_on_commit_callbacks(execute=True):
        report = run()

    kept.refresh_from_db()
    expired.refresh_from_db()
    assert report.counts[""]["wachtende_leveringen"] == 1
    assert (kept.status, expired.status) == ("wacht_op_bevestiging", "afgewezen")
    assert (
        expired.staged_name == ""
        and "Niet op tijd bevestigd" in expired.report["weigering"]["melding"]
    )
    assert not (incoming_dir() / "retention-expired.rows").exists()
    assert (incoming_dir() / "retention-kept.rows").exists()


def test_a_dry_run_keeps_the_files_of_a_held_stand(world, django_capture_on_commit_callbacks):
    from vroegsignaal.intake.services import incoming_dir

    delivery = held_delivery(world, TODAY - days(60), "retention-dry")

    with django_capture_on_commit_callbacks(execute=True):
        report = run(dry_run=True)

    delivery.refresh_from_db()
    assert report.counts[""]["wachtende_leveringen"] == 1
    assert delivery.status == "wacht_op_bevestiging"
    assert (incoming_dir() / "retention-dry.rows").exists()


def test_an_open_case_is_never_anonymised_however_old(world):
    case = make_closed_case(world, closed_on=dt.date(2024, 1, 1))
    Case.objects.filter(pk=case.pk).update(status="in_contact", closed_on=None, outcome="")
    Signal.objects.filter(pk=case.signal_id).update(status="opgepakt", closed_on=None)

    report = run()

    case.refresh_from_db()
    assert report.counts["0999"]["zaken_geanonimiseerd"] == 0
    assert CaseNote.objects.filter(case=case).exists()
    assert Person.objects.filter(household_id=case.household_id).exists()

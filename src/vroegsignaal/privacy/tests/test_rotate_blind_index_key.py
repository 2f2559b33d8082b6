"""``vroegsignaal rotate_blind_index_key``: a new blind-index key, and the data behaves as before.

The world is made the way deliveries make it (``apply_rows``, intake, signal
evaluation, a picked-up case and its feedback), under the key the tests run with;
the rotation makes every stored index again with :data:`NEW`. Then, with
:data:`NEW` configured, everything must find what it found before.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings

from tests.factories import CreditorFactory, MunicipalityFactory
from vroegsignaal.feedback import services as feedback
from vroegsignaal.feedback.models import FeedbackEvent
from vroegsignaal.households import services as households
from vroegsignaal.households.models import Arrear, Household, Person
from vroegsignaal.households.tests import test_repeated_rows as repeated_rows
from vroegsignaal.households.tests.conftest import World
from vroegsignaal.intake import services as intake
from vroegsignaal.intake.models import Delivery, DeliveryStatus, Via
from vroegsignaal.intake.tests.support import build_world, csv_bytes
from vroegsignaal.organisations.models import Covenant
from vroegsignaal.privacy import crypto, subject_access
from vroegsignaal.privacy.models import AuditAction, AuditEvent
from vroegsignaal.registry.models import Address

from . import test_subject_access as inzageverzoek
from .test_subject_access import BORN, BSN_A, BSN_B

pytestmark = pytest.mark.django_db

NEW = base64.b64encode(os.urandom(32)).decode()
ANOTHER = base64.b64encode(os.urandom(32)).decode()
# The inzageverzoek's world (a fixture): two persons of the same name, a co-resident, a case.
sar = inzageverzoek.sar


@pytest.fixture
def incoming(tmp_path):
    """check_keys also opens the waiting delivery files: none here."""
    with override_settings(INCOMING_DIR=str(tmp_path / "incoming")):
        yield


def rotate(*args: str, new_key: str | None = NEW) -> tuple[int, str, str]:
    """``vroegsignaal rotate_blind_index_key`` with ``new_key`` in VROEGSIGNAAL_NEW_BLIND_INDEX_KEY:
    (exit status, stdout, the error)."""
    out = StringIO()
    with override_settings(NEW_BLIND_INDEX_KEY=new_key or ""):
        try:
            call_command("rotate_blind_index_key", *args, stdout=out)
        except CommandError as error:
            return 1, out.getvalue(), str(error)
    return 0, out.getvalue(), ""


def check_keys() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("check_keys", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, err.getvalue()
    return 0, err.getvalue()


def stored() -> dict:
    """Every stored value the blind-index key made, by table and id."""
    return {
        "persons": sorted(
            Person.objects.values_list(
                "pk",
                "birth_date_index",
                "surname_index",
                "identity_index",
                "bsn_index",
                "details_digest",
            )
        ),
        "feedback": sorted(FeedbackEvent.objects.values_list("pk", "klantnummer_index")),
        "link digests": sorted(Arrear.objects.values_list("pk", "link_digest")),
    }


def rotations() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.KEY_ROTATION).order_by("seq"))


# --- after the rotation, with the new key --------------------------------------------------


def test_check_keys_fails_with_the_new_key_before_the_rotation_and_passes_after(sar, incoming):
    with override_settings(BLIND_INDEX_KEY=NEW):
        status, err = check_keys()
        assert status == 1 and "VROEGSIGNAAL_BLIND_INDEX_KEY past niet bij de gegevens" in err
    assert check_keys()[0] == 0

    assert rotate()[0] == 0

    with override_settings(BLIND_INDEX_KEY=NEW):
        assert check_keys() == (0, "")
    status, err = check_keys()  # the old key no longer fits
    assert (
        status == 1
        and "VROEGSIGNAAL_BLIND_INDEX_KEY past niet bij de gegevens: bij 3 van 3 personen" in err
    )


def test_the_inzageverzoek_finds_the_person_again_by_bsn_and_by_surname_and_birth_date(sar):
    by_bsn = subject_access.SubjectQuery(bsn=BSN_A)
    by_name = subject_access.SubjectQuery(surname="van Dijk", birth_date=BORN)
    with override_settings(BLIND_INDEX_KEY=NEW):
        assert subject_access.find_persons(sar.officer, by_bsn) == []  # not yet rotated

    assert rotate()[0] == 0

    with override_settings(BLIND_INDEX_KEY=NEW):
        assert [p.pk for p in subject_access.find_persons(sar.officer, by_bsn)] == [sar.person_a.pk]
        assert [p.pk for p in subject_access.find_persons(sar.officer, by_name)] == [
            sar.person_a.pk
        ]
        everywhere = subject_access.find_persons(sar.platform_officer, by_name)
        assert sorted(p.pk for p in everywhere) == sorted([sar.person_a.pk, sar.person_b.pk])
        assert [
            p.pk
            for p in subject_access.find_persons(
                sar.platform_officer, subject_access.SubjectQuery(bsn=BSN_B)
            )
        ] == [sar.person_b.pk]
    assert subject_access.find_persons(sar.officer, by_bsn) == []  # the old key finds nobody


def test_feedback_events_are_still_found_by_customer_number(sar):
    before = FeedbackEvent.objects.count()
    assert before == 3  # "opgepakt": the rent, the energy and the co-resident's water arrear
    assert rotate()[0] == 0

    with override_settings(BLIND_INDEX_KEY=NEW):
        # The inzageverzoek's download finds the creditors' events by the customer number...
        _name, body = subject_access.export(
            sar.officer, subject_access.SubjectQuery(bsn=BSN_A), [sar.person_a.pk]
        )
        [entry] = json.loads(body)["personen"]
        told = {
            (f["klantnummer"], f["gebeurtenis"]) for f in entry["terugkoppelingen_aan_schuldeisers"]
        }
        assert told == {("HUUR-A-1", "Opgepakt"), ("ENERGIE-A-1", "Opgepakt")}
        # ... and feedback knows whom it told already: writing the pick-up again adds nothing.
        with transaction.atomic():
            assert feedback.record_picked_up(sar.case) == []
    assert FeedbackEvent.objects.count() == before


def test_the_next_delivery_of_the_same_people_links_to_the_same_persons_and_households(
    settings, tmp_path
):
    """Through intake: the file is read, normalised, routed and applied with the new key."""
    settings.DATA_DIR = tmp_path / "data"
    town = build_world()
    Covenant.objects.filter(creditor=town.creditor).update(bsn_allowed=True)
    header = [
        "klantnummer", "voorletters", "voornamen", "tussenvoegsel", "achternaam", "geboortedatum",
        "postcode", "huisnummer", "bedrag_achterstand", "ontstaansdatum", "telefoonnummer", "email", "bsn",
    ]  # fmt: skip
    people = [
        {"voorletters": "J.", "tussenvoegsel": "van", "achternaam": "Dijk", "bsn": "111222333"},
        {
            "voorletters": "M.",
            "tussenvoegsel": "van",
            "achternaam": "Dijk",
            "telefoonnummer": "0612345678",
        },
        {"voornamen": "Ëlla Marie", "achternaam": "Jánssen-de Bruijn", "email": "ella@example.org"},
        {"voorletters": "P.J.", "achternaam": "IJzerman", "bsn": "123456782"},
        {"voorletters": "K", "achternaam": "O'Neill"},
    ]

    def stand(amount: str, peildatum: dt.date) -> Delivery:
        rows = [
            {
                "klantnummer": f"K-{n}",
                "geboortedatum": f"19{70 + n}-05-17",
                "postcode": "1234AB",
                "huisnummer": str(1 + n // 2),
                "bedrag_achterstand": amount,
                "ontstaansdatum": "2026-09-01",
                **person,
            }  # fmt: skip
            for n, person in enumerate(people)
        ]
        return intake.receive_delivery(
            town.creditor,
            csv_bytes(rows, header),
            filename="stand.csv",
            reference_date=peildatum,
            via=Via.CLI,
        )

    first = stand("150,00", dt.date(2026, 10, 1))
    assert first.status == DeliveryStatus.VERWERKT and first.arrears_new == 5
    linked = dict(Arrear.objects.values_list("klantnummer", "person_id"))
    persons = dict(Person.objects.values_list("pk", "updated_at"))
    households_before = sorted(Household.objects.values_list("pk", flat=True))
    assert len(persons) == 5 and len(households_before) == 3

    assert rotate()[0] == 0

    with override_settings(BLIND_INDEX_KEY=NEW):
        second = stand("175,00", dt.date(2026, 11, 1))
    assert second.status == DeliveryStatus.VERWERKT, second.report
    assert (second.arrears_new, second.arrears_changed) == (0, 5)
    assert (
        dict(Arrear.objects.filter(status="open").values_list("klantnummer", "person_id")) == linked
    )
    assert sorted(Household.objects.values_list("pk", flat=True)) == households_before
    # Nobody's details were written again: their digests are the ones the new key gives.
    assert dict(Person.objects.values_list("pk", "updated_at")) == persons
    # Every row found its person at the first step, by the identity index: so it stores a
    # link digest again (rows matched by BSN or by likeness get none).
    assert not Arrear.objects.filter(status="open", link_digest__isnull=True).exists()


def test_a_rotated_database_holds_what_the_new_key_would_have_made_from_the_start(db):
    """The stronger statement: stored indexes and digests, and the outcome of the next stand,
    are those of a world that used the new key all along (natural keys: ids differ)."""
    town = _town()
    first = [
        town.at(0, klantnummer="A1", achternaam="Dijk", tussenvoegsel="van", bsn="111222333", telefoonnummer="0611111111"),
        town.at(0, klantnummer="A2", achternaam="Dijk", tussenvoegsel="van", voorletters="M.", geboortedatum=dt.date(1983, 2, 1)),
        town.at(1, klantnummer="B1", achternaam="Jánssen-de Bruijn", voorletters=None, voornamen="Ëlla Marie", email="e@x.nl"),
        town.at(1, klantnummer="B2", achternaam="Janssen-de Bruyn", voorletters="E.", geboortedatum=dt.date(1980, 5, 17)),
        town.at(2, klantnummer="C1", achternaam="IJzerman", voorletters="P.J.", bsn="123456782", geslacht="V"),
    ]  # fmt: skip
    # A month later the phone number is left empty (the stored one stays; the digest is of the
    # empty one), an e-mail address changes and a BSN is delivered for the first time.
    later = [
        {**first[0], "telefoonnummer": None},
        first[1],
        {**first[2], "email": "ella@example.org"},
        {**first[3], "bsn": "012345672"},
        first[4],
    ]
    other = [town.at(2, klantnummer="E1", achternaam="Ijzerman", voorletters="P.", bsn="123456782")]
    months = [dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1)]

    def history(*, rotated: bool) -> tuple:
        """Apply the stands, rotating after the second (or using the new key all along)."""
        with transaction.atomic():
            with override_settings(BLIND_INDEX_KEY=_current_key() if rotated else NEW):
                town.apply(*first, day=months[0])
                town.apply(*other, creditor=town.other_creditor, day=months[0])
                town.apply(*later, day=months[1])
                if rotated:
                    Delivery.objects.update(status=DeliveryStatus.VERWERKT)  # (apply_rows alone)
                    assert rotate()[0] == 0
            with override_settings(BLIND_INDEX_KEY=NEW):
                at_rotation = _by_natural_key()
                town.apply(*later, day=months[2])
                after_next_stand = _by_natural_key(digests_of=town.creditor.code)
            transaction.set_rollback(True)
        return at_rotation, after_next_stand

    made_new = history(rotated=False)
    rotated = history(rotated=True)
    assert rotated[0]["persons"] == made_new[0]["persons"]
    assert rotated[0]["feedback"] == made_new[0]["feedback"]
    _assert_same_but_link_digests(rotated, made_new)
    assert any(digest is not None for *_key, digest in made_new[0]["link digests"])


@pytest.fixture
def town(db) -> World:
    return _town()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(repeated_rows.histories())
def test_whatever_the_deliveries_rotating_gives_what_the_new_key_would_have_made(town, history):
    """Stands with moves, typos, twins, BSNs and changed contact details (the repeated-rows
    property's histories), a rotation after the second month, and the third month's stand."""
    rotated = _history(town, history, rotated=True)
    made_new = _history(town, history, rotated=False)
    _assert_same_but_link_digests(rotated, made_new)


def _assert_same_but_link_digests(rotated: tuple, made_new: tuple) -> None:
    """Equal at the rotation but for the link digests, which it cleared; equal after the next
    stand, which stored the digests again: at least those the new key's world has.

    (That world kept some repeated rows of a household whose persons changed without a
    digest; linking every row, as after the rotation, may store one: a missing digest only
    means "link this row fully next time".)"""
    (at_rotation, after), (new_at_rotation, new_after) = rotated, made_new
    assert {**at_rotation, "link digests": None} == {**new_at_rotation, "link digests": None}
    assert all(digest is None for *_key, digest in at_rotation["link digests"])
    assert {**after, "link digests": None} == {**new_after, "link digests": None}
    digests = {tuple(key): digest for *key, digest in after["link digests"]}
    assert digests.keys() == {tuple(key) for *key, _digest in new_after["link digests"]}
    for *key, digest in new_after["link digests"]:
        assert digest is None or digests[tuple(key)] == digest


def _history(town: World, history, *, rotated: bool) -> tuple:
    stands, other, mutatie = history
    months = repeated_rows.MONTHS

    def rows(stand, prefix="K"):
        return [
            repeated_rows._row(town, f"{prefix}{i}", pick) for i, pick in enumerate(stand) if pick
        ]

    with transaction.atomic():
        with override_settings(BLIND_INDEX_KEY=_current_key() if rotated else NEW):
            town.apply(*rows(stands[0]), day=months[0])
            town.apply(*rows(other, "L"), creditor=town.other_creditor, day=months[0])
            town.apply(*rows(stands[1]), day=months[1])
            if mutatie and stands[1] and stands[1][0]:
                changed = repeated_rows._row(town, "K0", (*stands[1][0][:3], 1, 0, stands[1][0][5]))
                town.apply({**changed, "status": "gewijzigd"}, kind="mutatie", day=months[1])
            if rotated:
                Delivery.objects.update(status=DeliveryStatus.VERWERKT)  # (apply_rows alone)
                assert rotate()[0] == 0
        with override_settings(BLIND_INDEX_KEY=NEW):
            at_rotation = _by_natural_key()
            town.apply(*rows(stands[2]), day=months[2])
            # (the other creditor's arrears get digests again at its own next stand)
            after_next_stand = _by_natural_key(digests_of=town.creditor.code)
        transaction.set_rollback(True)
    return at_rotation, after_next_stand


# --- what it does not do ---------------------------------------------------------------------


def test_a_dry_run_counts_and_changes_nothing(sar):
    before = stored()
    status, out, _err = rotate("--dry-run")
    assert status == 0
    assert "3 personen: zoekindexen te maken." in out
    assert "3 terugkoppelingen: klantnummer-index te maken." in out
    digests = Arrear.objects.filter(link_digest__isnull=False).count()
    assert (
        digests > 0
        and f"{digests} achterstanden: koppelsamenvatting (herhaalde regels) te wissen" in out
    )
    assert "Proefdraai: er is niets gewijzigd." in out
    assert stored() == before
    assert rotations() == []


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (KeyboardInterrupt(), "Onderbroken. De rotatie is teruggedraaid: er is niets gewijzigd"),
        (OperationalError("schijf vol"), "De database gaf een fout (OperationalError). De rotatie is teruggedraaid"),
        (crypto.DecryptionError("Versleutelde waarde met sleutel-id 'x' is beschadigd (te kort)."),
         "is beschadigd (te kort). De rotatie is teruggedraaid: er is niets gewijzigd"),
    ],
)  # fmt: skip
def test_a_failure_midway_leaves_every_index_as_it_was(sar, monkeypatch, failure, message):
    before = stored()
    written = []
    real = households.store_person_indexes

    def store_then_fail(indexes):
        if len(written) == 2:
            raise failure
        written.append(indexes.height)
        real(indexes)

    monkeypatch.setattr(households, "store_person_indexes", store_then_fail)
    status, out, err = rotate("--batch-size", "1")
    assert status == 1
    assert message in err
    assert written == [1, 1]  # two persons were rewritten before it failed
    assert stored() == before
    assert rotations() == []
    with override_settings(BLIND_INDEX_KEY=NEW):  # the new key still finds nobody
        assert (
            subject_access.find_persons(sar.officer, subject_access.SubjectQuery(bsn=BSN_A)) == []
        )


@pytest.mark.parametrize("status", [DeliveryStatus.ONTVANGEN, DeliveryStatus.IN_BEHANDELING])
def test_it_refuses_while_a_delivery_is_processed_or_queued(sar, status):
    before = stored()
    waiting = _delivery(status)
    code, out, err = rotate()
    assert code == 1
    assert f"1 levering wordt verwerkt of staat in de wachtrij (id {waiting.pk})" in err
    assert "stop dan de webserver en de worker en draai dit opnieuw. Er is niets gewijzigd." in err
    assert stored() == before and rotations() == []
    # A dry run goes ahead and warns.
    code, out, _err = rotate("--dry-run")
    assert code == 0 and "Let op: 1 levering wordt verwerkt of wacht op de worker" in out


def test_a_delivery_held_for_confirmation_does_not_stop_it(sar):
    """Its routed rows are kept encrypted, without indexes: they get them when it is applied."""
    _delivery(DeliveryStatus.WACHT_OP_BEVESTIGING)
    assert rotate()[0] == 0


@pytest.mark.parametrize(
    ("new_key", "message"),
    [
        (None, "VROEGSIGNAAL_NEW_BLIND_INDEX_KEY ontbreekt. Maak een sleutel van 32 willekeurige bytes"),
        ("geen base64!", "VROEGSIGNAAL_NEW_BLIND_INDEX_KEY is geen geldige base64."),
        (base64.b64encode(b"te kort").decode(), "VROEGSIGNAAL_NEW_BLIND_INDEX_KEY is 7 bytes; gebruik ten minste 32"),
        ("same", "VROEGSIGNAAL_NEW_BLIND_INDEX_KEY is dezelfde sleutel als VROEGSIGNAAL_BLIND_INDEX_KEY"),
    ],
)  # fmt: skip
def test_a_missing_malformed_or_unchanged_new_key_is_refused_without_showing_it(
    sar, new_key, message
):
    from django.conf import settings

    if new_key == "same":
        new_key = settings.BLIND_INDEX_KEY
    before = stored()
    status, out, err = rotate(new_key=new_key)
    assert status == 1 and message in err
    assert not new_key or new_key not in out + err
    assert stored() == before and rotations() == []


def test_it_refuses_when_the_current_key_does_not_fit_the_data(sar):
    before = stored()
    with override_settings(BLIND_INDEX_KEY=ANOTHER):
        status, _out, err = rotate()
    assert status == 1
    assert (
        "VROEGSIGNAAL_BLIND_INDEX_KEY past niet bij de gegevens (bij 3 van 3 personen in de steekproef)"
        in err
    )
    assert stored() == before


# --- the record and the operator -------------------------------------------------------------


def test_the_rotation_is_in_the_audit_log_with_its_counts_and_no_key(sar):
    digests = Arrear.objects.filter(link_digest__isnull=False).count()
    status, out, _err = rotate()
    assert status == 0
    [event] = rotations()
    assert (event.purpose, event.actor_id, event.actor_username) == ("sleutelrotatie", None, "")
    assert event.details == {
        "key": "VROEGSIGNAAL_BLIND_INDEX_KEY",
        "counts": {
            "households.person": 3,
            "feedback.feedbackevent": 3,
            "households.arrear": digests,
        },
        "deviating": {},
        "details_digests_cleared": 0,
    }
    from django.conf import settings

    text = out + json.dumps(event.details)
    for secret in (NEW, settings.BLIND_INDEX_KEY):
        assert secret not in text
    for personal in (BSN_A, "Dijk", "HUUR-A-1", BORN.isoformat()):
        assert personal not in text


def test_the_output_says_what_was_done_and_the_next_steps(sar):
    status, out, _err = rotate()
    assert status == 0
    assert "3 personen: zoekindexen opnieuw gemaakt." in out
    assert "3 terugkoppelingen: klantnummer-index opnieuw gemaakt." in out
    assert "de volgende stand koppelt die regels volledig" in out
    assert (
        "1. Zet de nieuwe sleutel in VROEGSIGNAAL_BLIND_INDEX_KEY en verwijder VROEGSIGNAAL_NEW_BLIND_INDEX_KEY"
        in out
    )
    assert "2. Controleer met 'vroegsignaal check_keys'" in out
    assert "3. Start de webserver en de worker." in out


def test_an_index_the_current_key_does_not_give_is_counted_and_made_from_the_stored_values(sar):
    Person.objects.filter(pk=sar.co_resident.pk).update(surname_index="x" * 32)
    status, out, _err = rotate()
    assert status == 0
    assert (
        "Let op: households_person.surname_index: bij 1 rij gaf de huidige sleutel een andere index"
        in out
    )
    with override_settings(BLIND_INDEX_KEY=NEW):
        assert Person.objects.get(pk=sar.co_resident.pk).surname_index == crypto.blind_index(
            "dyk",
            context=households.SURNAME_CONTEXT,  # "Dijk", normalised
        )
    assert rotations()[0].details["deviating"] == {"households_person.surname_index": 1}


def test_the_new_key_makes_the_indexes_only_in_the_rotations_own_thread():
    """The rotation computes with the new key in its thread; any other thread keeps the configured one."""
    new = base64.b64decode(NEW)
    seen = {}
    with crypto.blind_index_key_in_use(new):
        here = crypto.blind_index("1980-05-17", context="birth_date")
        other = threading.Thread(target=lambda: seen.update(key=crypto.blind_index_key()))
        other.start()
        other.join()
    assert seen["key"] != new and crypto.blind_index_key() != new
    with override_settings(BLIND_INDEX_KEY=NEW):
        assert crypto.blind_index("1980-05-17", context="birth_date") == here


# --- helpers ---------------------------------------------------------------------------------


def _delivery(status: str) -> Delivery:
    return Delivery.objects.create(
        creditor=CreditorFactory(), kind="stand", reference_date=dt.date(2026, 12, 1), status=status,
        via=Via.CLI, sha256=hashlib.sha256(status.encode()).hexdigest(),
    )  # fmt: skip


def _current_key() -> str:
    from django.conf import settings

    return settings.BLIND_INDEX_KEY


def _town() -> World:
    municipality = MunicipalityFactory(code="0999", name="Voorbeeldstad")
    addresses = [
        Address.objects.create(postcode="1234AB", huisnummer=n, municipality=municipality)
        for n in range(1, 6)
    ]
    return World(
        municipality=municipality,
        creditor=CreditorFactory(code="WOONBRUG", name="Woonstichting De Brug"),
        other_creditor=CreditorFactory(code="ENERGIENOORD", name="Energie Noord"),
        addresses=addresses,
    )


def _by_natural_key(*, digests_of: str | None = None) -> dict:
    """Persons, their arrears and the link digests (of ``digests_of``'s arrears, or of all)
    by what they are, not by id."""

    def person_key(p: Person) -> tuple:
        return (p.household.address_id, p.surname, p.initials, p.birth_date)

    persons = {p.pk: p for p in Person.objects.select_related("household")}
    arrears = Arrear.objects.all()
    if digests_of is not None:
        arrears = arrears.filter(creditor__code=digests_of)
    return {
        "persons": sorted(
            (
                person_key(p),
                (p.first_names, p.phone, p.email, p.bsn),
                (p.birth_date_index, p.surname_index, p.identity_index, p.bsn_index),
                p.details_digest,
            )
            for p in persons.values()
        ),
        "arrears": sorted(
            (creditor, klantnummer, status, amount, person_key(persons[person_id]))
            for creditor, klantnummer, status, amount, person_id in Arrear.objects.values_list(
                "creditor__code", "klantnummer", "status", "amount_cents", "person_id"
            )
        ),
        "feedback": sorted(FeedbackEvent.objects.values_list("klantnummer", "klantnummer_index")),
        "link digests": sorted(
            arrears.values_list("creditor__code", "klantnummer", "opened_on", "link_digest"),
            key=repr,
        ),
    }

"""``vroegsignaal check_keys``: after a restore or a rotation, do the configured keys fit the data?"""

from __future__ import annotations

import base64
import datetime as dt
import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.factories import MunicipalityFactory
from vroegsignaal.households.models import Household, Person
from vroegsignaal.households.services import BIRTH_DATE_CONTEXT
from vroegsignaal.intake.sealing import SealedWriter
from vroegsignaal.privacy import crypto, keys
from vroegsignaal.privacy.models import AuditEvent
from vroegsignaal.registry.models import Address

from .conftest import make_key

OLD = make_key("oud")
NEW = make_key("nieuw")
OTHER_BLIND = base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def incoming(tmp_path):
    folder = tmp_path / "incoming"
    with override_settings(INCOMING_DIR=str(folder)):
        yield folder


@pytest.fixture
def only_sample_model(monkeypatch, sample_model):
    monkeypatch.setattr(keys, "installed_models", lambda: [sample_model])
    return sample_model


@pytest.fixture
def rows_under_old_key(only_sample_model):
    with override_settings(ENCRYPTION_KEYS=OLD):
        only_sample_model.objects.bulk_create(
            [
                only_sample_model(name=f"naam {i}", birth_date=dt.date(1980, 1, 1 + i))
                for i in range(5)
            ]
        )
    return only_sample_model


def run(*args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("check_keys", *args, stdout=out, stderr=err)
    except SystemExit as exit:
        return exit.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_keys_that_fit_pass_and_name_the_old_key_that_may_go(rows_under_old_key, incoming):
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        keys.rotate_keys()
        status, out, err = run()
    assert status == 0, err
    assert "Sleutels in VROEGSIGNAAL_ENCRYPTION_KEYS: nieuw (huidige), oud" in out
    assert "  nieuw: 10 waarden in de database" in out
    assert "  oud: 0 waarden in de database" in out
    assert "Steekproef: 10 waarden ontsleuteld." in out
    assert "De sleutels passen bij de gegevens." in out
    assert "Sleutel oud wordt niet meer gebruikt: hij mag uit VROEGSIGNAAL_ENCRYPTION_KEYS." in out


def test_a_key_id_that_is_not_configured_fails_naming_it(rows_under_old_key, incoming):
    with override_settings(ENCRYPTION_KEYS=NEW):
        status, out, err = run()
    assert status == 1
    assert "niet ingesteld (oud): 10 waarden in de database" in out
    assert (
        "FOUT: 10 waarden in privacy_tests_sample.name, privacy_tests_sample.birth_date gebruiken "
        "sleutel-id 'oud', die niet in VROEGSIGNAAL_ENCRYPTION_KEYS staat" in err
    )
    assert "De sleutels passen niet bij de gegevens." in err


def test_another_key_under_the_same_id_fails_without_showing_a_key(rows_under_old_key, incoming):
    wrong = "oud:" + base64.b64encode(os.urandom(32)).decode()
    with override_settings(ENCRYPTION_KEYS=wrong):
        status, out, err = run()
    assert status == 1
    assert "Steekproef: 0 waarden ontsleuteld." in out
    assert (
        "Waarden met sleutel-id 'oud' in privacy_tests_sample.name, privacy_tests_sample.birth_date "
        in err
    )
    assert "andere sleutel met hetzelfde id" in err
    for key in (wrong, OLD):
        assert key.partition(":")[2] not in out + err


def test_a_wrong_blind_index_key_is_found_through_the_persons_birth_dates(
    only_sample_model, incoming
):
    person = _person(dt.date(1970, 5, 4))
    assert person.birth_date_index == crypto.blind_index("1970-05-04", context=BIRTH_DATE_CONTEXT)
    assert run()[0] == 0
    with override_settings(BLIND_INDEX_KEY=OTHER_BLIND):
        status, out, err = run()
    assert status == 1
    assert "Zoekindex (VROEGSIGNAAL_BLIND_INDEX_KEY): bij 1 persoon opnieuw berekend." in out
    assert "VROEGSIGNAAL_BLIND_INDEX_KEY past niet bij de gegevens: bij 1 van 1 personen" in err


def test_waiting_delivery_files_count_for_their_key(only_sample_model, incoming):
    incoming.mkdir()
    with override_settings(ENCRYPTION_KEYS=OLD), open(incoming / "levering", "wb") as out:
        writer = SealedWriter(out)
        writer.write(b"klantnummer;bedrag\n")
        writer.close()
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        status, out, err = run()
    assert status == 0, err
    assert "  oud: 0 waarden in de database; 1 bestand in de wachtrij voor verwerking" in out
    assert "Sleutel oud wordt niet meer gebruikt" not in out  # the waiting file still needs it
    with override_settings(ENCRYPTION_KEYS=NEW):
        status, out, err = run()
    assert status == 1
    assert (
        "is versleuteld met sleutel-id 'oud', die niet in VROEGSIGNAAL_ENCRYPTION_KEYS staat" in err
    )


def test_check_keys_changes_and_records_nothing(rows_under_old_key, incoming):
    before = AuditEvent.objects.count()
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        run()
        assert keys.rotate_keys(dry_run=True).total == 10  # still under the old key
    assert AuditEvent.objects.count() == before


def _person(birth_date: dt.date) -> Person:
    """A person whose birth-date index is made as the intake makes it (households.services)."""
    municipality = MunicipalityFactory(code="0999")
    address = Address.objects.create(postcode="1011AA", huisnummer=1, municipality=municipality)
    household = Household.objects.create(address=address, municipality=municipality)
    return Person.objects.create(
        household=household, surname="Jansen", initials="J.", birth_date=birth_date,
        birth_date_index=crypto.blind_index(birth_date.isoformat(), context=BIRTH_DATE_CONTEXT),
        surname_index="s", identity_index="i",
    )  # fmt: skip


def test_the_start_check_passes_when_the_keys_open_the_data(rows_under_old_key):
    with override_settings(ENCRYPTION_KEYS=f"{NEW},{OLD}"):
        assert keys.start_problem() is None


def test_the_start_check_passes_on_an_empty_database(only_sample_model):
    assert keys.start_problem() is None


def test_the_start_check_names_the_columns_the_keys_do_not_open(rows_under_old_key):
    with override_settings(ENCRYPTION_KEYS=NEW):
        problem = keys.start_problem()
    table = rows_under_old_key._meta.db_table
    assert problem is not None and problem.startswith(
        "De sleutels in VROEGSIGNAAL_ENCRYPTION_KEYS openen"
    )
    assert (
        f"{table}.name" in problem
        and f"{table}.birth_date" in problem
        and "vroegsignaal check_keys" in problem
    )


def test_the_start_check_refuses_a_blind_index_key_that_does_not_fit(only_sample_model):
    _person(dt.date(1980, 2, 1))
    assert keys.start_problem() is None
    with override_settings(BLIND_INDEX_KEY=OTHER_BLIND):
        problem = keys.start_problem()
    assert problem == keys.BLIND_INDEX_MISMATCH
    assert problem.startswith(
        "VROEGSIGNAAL_BLIND_INDEX_KEY past niet bij de opgeslagen zoekindexen"
    )

"""A stalled delivery that fails each time it is processed again (its staged file sealed with a
key that is gone) stayed ``in_behandeling`` for good, and ``/health/`` reported a backlog for
good: ``--weiger`` answered that it did not wait for confirmation. The operator now closes it
off (``services.abandon_delivery``): refused, nothing applied, its staged file deleted, audited,
and the creditor can deliver the file again."""

from __future__ import annotations

import logging

import pytest

from vroegsignaal.households.models import Arrear
from vroegsignaal.intake import services
from vroegsignaal.intake.models import Delivery, DeliveryStatus, Via
from vroegsignaal.intake.staging import incoming_dir
from vroegsignaal.privacy.models import AuditEvent

from .support import PEILDATUM, stand
from .support import run_deliver as run
from .test_stalled_delivery import killed_mid_processing

S = DeliveryStatus


def test_a_stalled_delivery_is_closed_off_as_refused_and_its_file_deleted(
    world,
    households,
    queued,
    caplog,
):
    delivery = killed_mid_processing(world, minutes_ago=60)
    assert services.processing_backlog() == 1
    staged = incoming_dir() / delivery.staged_name
    assert staged.exists()
    with caplog.at_level(logging.WARNING):
        abandoned = services.abandon_delivery(delivery)
    assert abandoned.status == S.AFGEWEZEN
    assert abandoned.report["weigering"] == {"codes": [], "melding": services.ABANDONED_MESSAGE}
    assert "storing" not in abandoned.report
    assert not staged.exists() and abandoned.staged_name == ""
    assert Arrear.objects.count() == 0
    assert AuditEvent.objects.filter(
        purpose="levering afgebroken", object_id=str(delivery.pk)
    ).exists()
    assert f"Levering {delivery.pk}: verwerking afgebroken door de beheerder" in caplog.text
    assert services.processing_backlog() == 0  # /health/ no longer reports it

    # The creditor delivers the same file again: not LEVERING_DUBBEL.
    again = services.receive_delivery(
        world.creditor, stand(range(1, 6)), filename="levering.csv", reference_date=PEILDATUM,
        via=Via.API, background=True,
    )  # fmt: skip
    assert again.status != S.AFGEWEZEN


def test_a_delivery_that_is_still_running_is_not_closed_off_unless_forced(
    world,
    households,
    queued,
):
    delivery = killed_mid_processing(world, minutes_ago=0)
    with pytest.raises(services.DeliveryError, match="wordt nog verwerkt"):
        services.abandon_delivery(delivery)
    assert Delivery.objects.get(pk=delivery.pk).status == S.IN_BEHANDELING
    assert services.abandon_delivery(delivery, force=True).status == S.AFGEWEZEN


def test_a_finished_delivery_is_not_closed_off(world, households, queued):
    delivery = killed_mid_processing(world, minutes_ago=60)
    services.abandon_delivery(delivery)
    with pytest.raises(services.DeliveryError, match="er is niets af te breken"):
        services.abandon_delivery(delivery)


def test_deliver_weiger_closes_off_a_stalled_delivery_and_says_so(world, households, queued):
    delivery = killed_mid_processing(world, minutes_ago=60)
    code, out, err = run("--weiger", str(delivery.pk))
    assert code == 0, err
    assert (
        f"De verwerking van levering {delivery.pk} is afgebroken; er is niets verwerkt en het "
        "tijdelijke bestand is verwijderd." in out
    )
    assert Delivery.objects.get(pk=delivery.pk).status == S.AFGEWEZEN


def test_deliver_weiger_on_a_running_delivery_asks_for_forceer(world, households, queued):
    delivery = killed_mid_processing(world, minutes_ago=0)
    code, _, err = run("--weiger", str(delivery.pk))
    assert code == 2 and "--forceer" in err
    code, out, err = run("--weiger", str(delivery.pk), "--forceer")
    assert code == 0, err
    assert Delivery.objects.get(pk=delivery.pk).status == S.AFGEWEZEN


def test_a_broken_off_processing_logs_its_reason_and_the_way_out(world, households, caplog):
    """The log line named neither why nor what to do: now the operator's reason (here the class,
    which says nothing of the data) and the two commands."""
    from vroegsignaal.intake.processing import _note_failure

    delivery = killed_mid_processing(world, minutes_ago=0)
    with caplog.at_level(logging.ERROR):
        _note_failure(delivery.pk, RuntimeError("K-123 Jansen"))
    [line] = [r.getMessage() for r in caplog.records if "verwerking afgebroken" in r.getMessage()]
    assert line == (
        f"Levering {delivery.pk}: verwerking afgebroken (RuntimeError); er is niets gewijzigd. "
        f"Opnieuw: vroegsignaal deliver --opnieuw {delivery.pk}; lukt dat steeds niet, dan "
        f"afbreken met --weiger {delivery.pk}"
    )


def test_deliver_refuses_keys_that_do_not_open_the_stored_data_before_sealing(world, tmp_path):
    """The command sealed a new file with keys that did not open the stored data; with the right
    keys back, that delivery failed for good. It now checks the keys first, as the web server
    does (``privacy.keys.start_problem``), and delivers nothing."""
    import base64
    import os

    from django.test import override_settings

    services.receive_delivery(
        world.creditor, stand(range(1, 4)), filename="eerste.csv", reference_date=PEILDATUM,
        via=Via.CLI,
    )  # fmt: skip
    from vroegsignaal.households.models import Person

    assert Person.objects.exists(), Delivery.objects.values_list("status", flat=True)
    before = Delivery.objects.count()
    path = tmp_path / "tweede.csv"
    path.write_bytes(stand(range(1, 6)))
    other = f"ander:{base64.b64encode(os.urandom(32)).decode()}"
    with override_settings(ENCRYPTION_KEYS=other):
        code, _, err = run(
            str(path), "--creditor", world.creditor.code, "--peildatum", PEILDATUM.isoformat()
        )
    assert code == 2
    assert "openen de gegevens in de database niet" in err and "Er is niets aangeleverd." in err
    assert Delivery.objects.count() == before
    assert not any(incoming_dir().iterdir()) if incoming_dir().exists() else True

"""A creditor sees that a delivery's processing stalled and starts it again in a real browser."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from vroegsignaal.intake import services
from vroegsignaal.intake.models import Delivery, DeliveryStatus
from vroegsignaal.intake.tests.support import build_world, stand

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "een-lang-wachtwoord-123"


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def log_in(page, live_server, user, device: TOTPDevice) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Volgende").click()
    page.get_by_label("Verificatiecode").fill(code_for(device))
    page.get_by_role("button", name="Volgende").click()


def test_creditor_sees_a_stalled_delivery_and_processes_it_again(
    page, live_server, settings, tmp_path, screenshot
):
    settings.DATA_DIR = tmp_path / "data"
    world = build_world()
    device = TOTPDevice.objects.create(user=world.user, name="default", confirmed=True)
    with mock.patch.object(services, "_enqueue", lambda pk: None):  # the worker that dies
        delivery = services.receive_delivery(
            world.creditor,
            stand(range(1, 6)),
            filename="stand.csv",
            reference_date="2026-11-01",
            via="upload",
            background=True,
        )
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.IN_BEHANDELING,
        progress=45,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=40),
    )

    log_in(page, live_server, world.user, device)

    page.goto(f"{live_server.url}/leveringen/")
    assert page.get_by_text("De verwerking staat stil sinds").is_visible()
    page.get_by_role("link", name=f"Levering {delivery.pk}").click()
    page.get_by_role("heading", name="Status").wait_for()
    assert page.get_by_text("De verwerking staat stil sinds").is_visible()
    screenshot("intake-stalled")

    dialogs: list[str] = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="Opnieuw verwerken").click()
    page.get_by_text("De levering wordt opnieuw verwerkt.").wait_for()
    assert dialogs and dialogs[0].startswith("De levering opnieuw verwerken?")
    # The test settings' task backend runs the task at once: the worker's turn is over.
    page.get_by_role("heading", name="Verslag").wait_for()
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.VERWERKT


def test_creditor_sees_that_a_delivery_waits_for_a_worker(
    page, live_server, settings, tmp_path, screenshot
):
    settings.DATA_DIR = tmp_path / "data"
    world = build_world()
    device = TOTPDevice.objects.create(user=world.user, name="default", confirmed=True)
    with mock.patch.object(services, "_enqueue", lambda pk: None):  # no worker takes it up
        delivery = services.receive_delivery(
            world.creditor,
            stand(range(1, 6)),
            filename="stand.csv",
            reference_date="2026-11-01",
            via="upload",
            background=True,
        )
    Delivery.objects.filter(pk=delivery.pk).update(
        received_at=timezone.now() - dt.timedelta(minutes=40)
    )

    log_in(page, live_server, world.user, device)

    page.goto(f"{live_server.url}/leveringen/")
    assert page.get_by_text("Wacht sinds").is_visible()
    page.get_by_role("link", name=f"Levering {delivery.pk}").click()
    page.get_by_role("heading", name="Status").wait_for()
    notice = page.get_by_text("op verwerking; dat duurt langer dan normaal")
    assert notice.is_visible()
    assert page.get_by_role("button", name="Opnieuw verwerken").count() == 0
    screenshot("intake-waiting")

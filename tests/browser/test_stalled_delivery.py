"""A creditor sees that a delivery's processing stalled and starts it again in a real browser."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import log_in
from vroegsignaal.intake import services
from vroegsignaal.intake.models import Delivery, DeliveryStatus
from vroegsignaal.intake.tests.support import build_world, stand

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def delivery_no_worker_runs(settings, tmp_path):
    """The creditor's world, its user's TOTP device, and a delivery received for a worker that never comes."""
    settings.DATA_DIR = tmp_path / "data"
    world = build_world()
    device = TOTPDevice.objects.create(user=world.user, name="default", confirmed=True)
    with mock.patch.object(services, "_enqueue", lambda pk: None):
        delivery = services.receive_delivery(
            world.creditor,
            stand(range(1, 6)),
            filename="stand.csv",
            reference_date="2026-11-01",
            via="upload",
            background=True,
        )
    return world, device, delivery


def test_creditor_sees_a_stalled_delivery_and_processes_it_again(
    page, live_server, settings, tmp_path, screenshot
):
    world, device, delivery = delivery_no_worker_runs(settings, tmp_path)  # the worker that dies
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
    world, device, delivery = delivery_no_worker_runs(settings, tmp_path)  # no worker takes it up
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

"""A delivery whose processing stopped (a killed worker) is shown as stalled and can be processed again."""

from __future__ import annotations

import datetime as dt
import logging
from unittest import mock

import pytest
from django.utils import timezone

from tests.factories import UserFactory
from vroegsignaal.intake import services
from vroegsignaal.intake.models import Delivery, DeliveryStatus, Via
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.models import AuditEvent

from .support import PEILDATUM, stand
from .support import run_deliver as run

S = DeliveryStatus


def killed_mid_processing(world, *, minutes_ago: float, creditor=None) -> Delivery:
    """A delivery that a worker took up and then died on, ``minutes_ago`` after its last progress."""
    with mock.patch.object(services, "_enqueue", lambda pk: None):  # the worker that will die
        delivery = services.receive_delivery(
            creditor or world.creditor,
            stand(range(1, 6)),
            filename="levering.csv",
            reference_date=PEILDATUM,
            via=Via.API,
            background=True,
        )
    last = timezone.now() - dt.timedelta(minutes=minutes_ago)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=S.IN_BEHANDELING, progress=45, heartbeat_at=last
    )
    return Delivery.objects.get(pk=delivery.pk)


def queued_delivery(world) -> Delivery:
    """A delivery received through the API that no worker has taken up (see ``queued``)."""
    return services.receive_delivery(
        world.creditor,
        stand(range(1, 4)),
        filename="levering.csv",
        reference_date=PEILDATUM,
        via=Via.API,
        background=True,
    )


def test_in_behandeling_without_progress_for_the_threshold_is_stalled(
    world, households, queued, settings
):
    settings.DELIVERY_STALLED_AFTER = 15 * 60
    quiet = killed_mid_processing(world, minutes_ago=16)
    assert quiet.stalled_since() == quiet.heartbeat_at
    assert quiet.is_stalled
    Delivery.objects.filter(pk=quiet.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(minutes=14)
    )
    quiet.refresh_from_db()
    assert quiet.stalled_since() is None


def test_a_noted_failure_is_stalled_at_once_and_a_final_delivery_never(world, households, queued):
    delivery = killed_mid_processing(world, minutes_ago=0)
    assert not delivery.is_stalled
    delivery.report = {"storing": services.FAILURE_NOTE}
    assert delivery.is_stalled
    delivery.status = S.VERWERKT
    Delivery.objects.filter(pk=delivery.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(days=1)
    )
    assert not delivery.is_stalled


def test_progress_writes_the_heartbeat(world, households, queued):
    delivery = killed_mid_processing(world, minutes_ago=60)
    before = timezone.now()
    services.set_progress(delivery.pk, 65)
    delivery.refresh_from_db()
    assert delivery.progress == 65 and delivery.heartbeat_at >= before
    assert not delivery.is_stalled


def test_processing_records_a_heartbeat_from_its_start(world, households, queued):
    delivery = services.process_delivery(killed_mid_processing(world, minutes_ago=60).pk)
    assert delivery.status == S.VERWERKT
    assert timezone.now() - delivery.heartbeat_at < dt.timedelta(minutes=1)


def test_a_stalled_delivery_is_queued_again_logged_and_audited(world, households, queued, caplog):
    delivery = killed_mid_processing(world, minutes_ago=20)
    with caplog.at_level(logging.WARNING, logger="vroegsignaal.intake.services"):
        again = services.reprocess_delivery(delivery, world.user, background=True)
    assert queued == [delivery.pk]
    assert again.status == S.IN_BEHANDELING and not again.is_stalled
    [record] = [r for r in caplog.records if "opnieuw" in r.getMessage()]
    assert record.getMessage().startswith(f"Levering {delivery.pk}: verwerking stond stil (12")
    assert "Jansen" not in record.getMessage() and "K-000" not in record.getMessage()
    event = AuditEvent.objects.get(purpose="levering opnieuw verwerkt")
    assert event.object_id == str(delivery.pk)
    assert event.details["via"] == "portaal" and event.details["geforceerd"] is False

    assert services.process_delivery(delivery.pk).status == S.VERWERKT  # the worker's turn


def test_a_second_request_right_after_is_refused_so_two_workers_do_not_run(
    world, households, queued
):
    delivery = killed_mid_processing(world, minutes_ago=20)
    services.reprocess_delivery(delivery, world.user)
    with pytest.raises(
        services.DeliveryError, match=rf"^Levering {delivery.pk} wordt nog verwerkt"
    ):
        services.reprocess_delivery(delivery, world.user)
    assert queued == [delivery.pk]


def test_a_running_or_finished_delivery_is_not_processed_again(world, households, queued, settings):
    settings.DELIVERY_STALLED_AFTER = 15 * 60
    running = killed_mid_processing(world, minutes_ago=3)
    with pytest.raises(services.DeliveryError) as raised:
        services.reprocess_delivery(running, world.user)
    assert "wordt nog verwerkt" in str(raised.value)
    assert "kan pas als de verwerking 15 minuten stilstaat" in str(raised.value)
    finished = services.process_delivery(running.pk)
    with pytest.raises(services.DeliveryError, match="status: verwerkt"):
        services.reprocess_delivery(finished, world.user)
    assert not AuditEvent.objects.filter(purpose="levering opnieuw verwerkt").exists()


def test_processing_again_in_this_process_gives_the_outcome(world, households, queued):
    delivery = killed_mid_processing(world, minutes_ago=20)
    done = services.reprocess_delivery(delivery.pk, None, background=False, via="opdrachtregel")
    assert done.status == S.VERWERKT and done.rows_accepted == 5 and done.arrears_new == 5
    assert queued == []


# --- the pages ---------------------------------------------------------------------


def test_the_delivery_page_and_list_show_the_stall_with_a_button(
    world, households, queued, verified_client
):
    delivery = killed_mid_processing(world, minutes_ago=20)
    since = timezone.localtime(delivery.heartbeat_at)
    client = verified_client(world.user)
    page = client.get(f"/leveringen/{delivery.pk}/").content.decode()
    assert f"De verwerking staat stil sinds {since.day} " in page
    assert f'action="/leveringen/{delivery.pk}/opnieuw-verwerken/"' in page
    assert "data-confirm=" in page and "Opnieuw verwerken" in page
    assert 'hx-trigger="every 1s"' not in page  # no polling of a stalled delivery
    listing = client.get("/leveringen/").content.decode()
    assert "De verwerking staat stil sinds" in listing
    assert f'action="/leveringen/{delivery.pk}/opnieuw-verwerken/"' in listing


def test_a_running_delivery_shows_no_button(world, households, queued, verified_client):
    delivery = killed_mid_processing(world, minutes_ago=1)
    page = verified_client(world.user).get(f"/leveringen/{delivery.pk}/").content.decode()
    assert "staat stil" not in page and "opnieuw-verwerken" not in page
    assert 'hx-trigger="every 1s"' in page


def test_the_button_queues_the_delivery_and_the_worker_finishes_it(
    world, households, verified_client, settings
):
    delivery = killed_mid_processing(
        world, minutes_ago=20
    )  # the immediate task backend is the worker
    client = verified_client(world.user)
    response = client.post(f"/leveringen/{delivery.pk}/opnieuw-verwerken/", follow=True)
    assert response.redirect_chain == [(f"/leveringen/{delivery.pk}/", 302)]
    assert "De levering wordt opnieuw verwerkt." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == S.VERWERKT and delivery.arrears_new == 5


def test_the_button_on_a_running_delivery_says_why_not(world, households, queued, verified_client):
    delivery = killed_mid_processing(world, minutes_ago=1)
    response = verified_client(world.user).post(
        f"/leveringen/{delivery.pk}/opnieuw-verwerken/", follow=True
    )
    assert f"Levering {delivery.pk} wordt nog verwerkt" in response.content.decode()
    assert queued == []


def test_only_the_delivering_creditor_may_press_it(world, households, queued, verified_client):
    delivery = killed_mid_processing(world, minutes_ago=20)
    other = UserFactory(
        username="ander", role=Role.SCHULDEISER, creditor=world.other_creditor, municipality=None
    )
    assert (
        verified_client(other).post(f"/leveringen/{delivery.pk}/opnieuw-verwerken/").status_code
        == 404
    )
    coordinator = UserFactory(
        username="coord", role=Role.COORDINATOR, municipality=world.voorbeeldstad
    )
    assert (
        verified_client(coordinator)
        .post(f"/leveringen/{delivery.pk}/opnieuw-verwerken/")
        .status_code
        == 403
    )
    assert queued == []


def test_the_button_is_post_only(world, households, queued, verified_client):
    delivery = killed_mid_processing(world, minutes_ago=20)
    assert (
        verified_client(world.user).get(f"/leveringen/{delivery.pk}/opnieuw-verwerken/").status_code
        == 405
    )


def test_the_button_needs_the_csrf_token(world, households, queued):
    from django.test import Client

    from conftest import login_verified

    delivery = killed_mid_processing(world, minutes_ago=20)
    client = login_verified(Client(enforce_csrf_checks=True), world.user)
    assert client.post(f"/leveringen/{delivery.pk}/opnieuw-verwerken/").status_code == 403
    assert queued == []


def test_the_beheerder_processes_stalled_deliveries_again_from_the_admin(
    world, households, verified_client
):
    stalled = killed_mid_processing(world, minutes_ago=20)
    running = killed_mid_processing(world, minutes_ago=1, creditor=world.other_creditor)
    beheerder = UserFactory(
        username="beheer", role=Role.BEHEERDER, municipality=None
    )  # the role grants
    client = verified_client(beheerder)
    listing = client.get("/beheer/intake/delivery/").content.decode()
    assert "Staat stil sinds" in listing
    ask = client.post(
        "/beheer/intake/delivery/",
        {"action": "reprocess_stalled", "_selected_action": [stalled.pk, running.pk]},
    )
    html = ask.content.decode()
    assert ask.status_code == 200 and f"Levering {stalled.pk} (WOONBRUG), stil sinds" in html
    assert "staan niet stil en worden niet opnieuw verwerkt" in html
    stalled.refresh_from_db()
    assert stalled.status == S.IN_BEHANDELING  # nothing happens before the confirmation
    done = client.post(
        "/beheer/intake/delivery/",
        {"action": "reprocess_stalled", "_selected_action": [stalled.pk], "bevestigd": "ja"},
        follow=True,
    )
    assert "1 levering wordt opnieuw verwerkt." in done.content.decode()
    stalled.refresh_from_db()
    running.refresh_from_db()
    assert stalled.status == S.VERWERKT and running.status == S.IN_BEHANDELING


# --- the command -------------------------------------------------------------------


def test_deliver_opnieuw_takes_a_stalled_delivery(world, households, queued):
    delivery = killed_mid_processing(world, minutes_ago=20)
    code, out, err = run("--opnieuw", str(delivery.pk))
    assert code == 0, err
    assert "Status: verwerkt" in out
    assert (
        AuditEvent.objects.get(purpose="levering opnieuw verwerkt").details["via"]
        == "opdrachtregel"
    )


def test_deliver_opnieuw_refuses_a_running_delivery_unless_forced(world, households, queued):
    delivery = killed_mid_processing(world, minutes_ago=1)
    code, _, err = run("--opnieuw", str(delivery.pk))
    assert code == 2
    assert f"Levering {delivery.pk} wordt nog verwerkt" in err and "--forceer" in err
    code, out, _ = run("--opnieuw", str(delivery.pk), "--forceer")
    assert code == 0 and "Status: verwerkt" in out
    assert AuditEvent.objects.get(purpose="levering opnieuw verwerkt").details["geforceerd"] is True


def test_the_api_tells_a_creditor_system_that_its_delivery_stalled(
    world, households, queued, settings
):
    from rest_framework.test import APIClient

    settings.DELIVERY_STALLED_AFTER = 15 * 60
    stalled = killed_mid_processing(world, minutes_ago=20)
    _key, text = services.create_api_key(world.creditor, "Incassosysteem", world.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")

    body = client.get(f"/api/v1/deliveries/{stalled.pk}/").json()
    assert body["status"] == "in_behandeling"
    assert dt.datetime.fromisoformat(body["stilgevallen_sinds"]) == stalled.heartbeat_at

    Delivery.objects.filter(pk=stalled.pk).update(heartbeat_at=timezone.now())
    assert client.get(f"/api/v1/deliveries/{stalled.pk}/").json()["stilgevallen_sinds"] is None


def test_the_health_check_says_when_deliveries_wait_too_long_for_a_worker(
    world, households, queued, settings, client
):
    settings.DELIVERY_STALLED_AFTER = 15 * 60
    assert client.get("/health/").json()["verwerking"] == "ok"
    recent = killed_mid_processing(world, minutes_ago=5)  # still within the threshold
    assert services.processing_backlog() == 0
    Delivery.objects.filter(pk=recent.pk).update(report={"storing": "afgebroken"})
    assert services.processing_backlog() == 1  # the process said it broke off
    Delivery.objects.filter(pk=recent.pk).update(status=S.VERWERKT, report={})
    waiting = queued_delivery(world)
    assert waiting.status == S.ONTVANGEN and services.processing_backlog() == 0
    Delivery.objects.filter(pk=waiting.pk).update(
        received_at=timezone.now() - dt.timedelta(minutes=16)
    )
    response = client.get("/health/")
    assert response.status_code == 200  # the web server itself is fine
    assert response.json() == {"status": "ok", "database": "ok", "verwerking": "achterstand"}


def test_a_delivery_no_worker_takes_up_says_so_on_its_page_and_in_the_list(
    world, households, queued, settings, verified_client
):
    settings.DELIVERY_STALLED_AFTER = 15 * 60
    waiting = queued_delivery(world)
    client = verified_client(world.user)
    page = client.get(f"/leveringen/{waiting.pk}/").content.decode()
    assert "wacht sinds" not in page and 'hx-trigger="every 1s"' in page
    Delivery.objects.filter(pk=waiting.pk).update(
        received_at=timezone.now() - dt.timedelta(minutes=20)
    )
    page = client.get(f"/leveringen/{waiting.pk}/").content.decode()
    assert "op verwerking; dat duurt langer dan normaal" in page
    assert "Opnieuw verwerken" not in page  # the creditor cannot start a worker
    assert 'hx-trigger="every 30s"' in page  # and its page asks less often
    assert "Wacht sinds" in client.get("/leveringen/").content.decode()


def test_the_api_tells_a_creditor_system_that_its_delivery_waits_for_a_worker(
    world, households, queued, settings
):
    from rest_framework.test import APIClient

    settings.DELIVERY_STALLED_AFTER = 15 * 60
    _key, text = services.create_api_key(world.creditor, "Incassosysteem", world.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    waiting = queued_delivery(world)
    assert client.get(f"/api/v1/deliveries/{waiting.pk}/").json()["wacht_sinds"] is None
    received = timezone.now() - dt.timedelta(minutes=20)
    Delivery.objects.filter(pk=waiting.pk).update(received_at=received)
    body = client.get(f"/api/v1/deliveries/{waiting.pk}/").json()
    assert (body["status"], body["stilgevallen_sinds"]) == ("ontvangen", None)
    assert dt.datetime.fromisoformat(body["wacht_sinds"]) == received


def test_the_overdue_filter_selects_exactly_what_the_per_delivery_methods_say(
    world, households, queued, settings
):
    settings.DELIVERY_STALLED_AFTER = 15 * 60
    now = timezone.now()
    cases = [  # status, minutes since received, minutes since heartbeat, failure noted
        (S.ONTVANGEN, 14, None, False),
        (S.ONTVANGEN, 15, None, False),  # exactly at the threshold
        (S.IN_BEHANDELING, 30, 14, False),
        (S.IN_BEHANDELING, 30, 15, False),
        (S.IN_BEHANDELING, 30, None, False),
        (S.IN_BEHANDELING, 1, 1, True),
        (S.VERWERKT, 60, 60, False),
    ]
    for n, (status, received, beat, failed) in enumerate(cases, start=1):
        delivery = services.receive_delivery(
            world.creditor,
            stand(range(1, n + 1)),
            filename=f"levering-{n}.csv",
            reference_date=PEILDATUM,
            via=Via.API,
            background=True,
        )
        Delivery.objects.filter(pk=delivery.pk).update(
            status=status,
            received_at=now - dt.timedelta(minutes=received),
            heartbeat_at=None if beat is None else now - dt.timedelta(minutes=beat),
            report={"storing": "afgebroken"} if failed else {},
        )
    by_method = {
        d.pk for d in Delivery.objects.all() if d.stalled_since(now) or d.waiting_since(now)
    }
    assert (
        set(Delivery.objects.filter(Delivery.overdue(now)).values_list("pk", flat=True))
        == by_method
    )
    assert len(by_method) == 4  # at 15, at 15, without heartbeat, failure noted

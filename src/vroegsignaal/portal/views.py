"""The portal shell: home page per role and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import busy, services


@never_cache
def home(request):
    return render(request, "portal/home.html", services.home_for(request.user))


@require_safe  # GET, and HEAD: a load balancer's check asks with HEAD
@never_cache
def health(request):
    """Liveness, database reachability and whether the worker keeps up — without any data.

    ``verwerking`` is ``achterstand`` when deliveries wait for a worker (or stopped in
    one) longer than ``DELIVERY_STALLED_AFTER``: the web server is fine (200), but the
    operator should look at ``vroegsignaal db_worker``. No counts: the check is public.

    ``database`` is ``bezet`` while another process holds SQLite's write lock (a large delivery
    being applied, :func:`.busy.write_lock_held_elsewhere`): still 200, because the web server
    is up and pages that only read are answered, while a request that writes waits and may get
    the 503 of :mod:`.busy`. Taking the only web server out of a load balancer for it would
    refuse every request instead of some. The check waits at most 0.1 s for the lock and
    gives it back at once.
    """
    from vroegsignaal.intake.services import processing_backlog

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "bezet" if busy.write_lock_held_elsewhere() else "ok"
        processing = "achterstand" if processing_backlog() else "ok"
    except Exception:  # noqa: BLE001 - the health check reports, it does not raise
        database = processing = "fout"
    status = 503 if database == "fout" else 200
    return JsonResponse(
        {
            "status": "ok" if status == 200 else "fout",
            "database": database,
            "verwerking": processing,
        },
        status=status,
    )

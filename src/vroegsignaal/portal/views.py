"""The portal shell: home page per role and the health check."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import services


@never_cache
def home(request):
    return render(request, "portal/home.html", services.home_for(request.user))


@require_GET
@never_cache
def health(request):
    """Liveness and database reachability, without any data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # noqa: BLE001 - the health check reports, it does not raise
        database = "fout"
    status = 200 if database == "ok" else 503
    return JsonResponse({"status": "ok" if status == 200 else "fout", "database": database}, status=status)

"""The feedback API of spec 1.1 / section 4: ``GET /api/v1/feedback/?sinds=``.

A creditor's API key reads that creditor's events only (the scoping layer), in
id order. ``sinds`` is the id of the last event the caller saw (the cursor,
``volgende`` of the previous answer); a first call may give an ISO date or
date-time instead, or nothing (from the beginning).
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from vroegsignaal.intake.api import COMMON_ERRORS, IsCreditor
from vroegsignaal.portal.forms import parse_id

from . import services
from .serializers import FeedbackErrorSerializer, FeedbackPageSerializer


class BadCursor(ValueError):
    pass


class MomentOutOfRange(BadCursor):
    """A date or date-time ``sinds`` outside :data:`EARLIEST` … :data:`LATEST`."""


# The dates ``sinds`` may name: wide enough for any real first poll (1970-01-01 included), narrow
# enough that the moment fits the database's time zone conversion (0001-01-01 and
# 9999-12-31T23:59:59-05:00 overflowed it: a 500).
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)


# ISO 8601 basic format: 20260101, 20260101T120000, 20260101T120000Z, 20260101T120000+0100.
_BASIC_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_BASIC_MOMENT = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z|[+-]\d{2}:?\d{2})?$")


# A date-time whose offset's "+" arrived as a space: an unencoded "+" in a query string is a
# space (``?sinds=2026-11-01T09:00:00+01:00`` typed into curl or a browser).
_PLUS_AS_SPACE = re.compile(r"^([0-9]{4}-?[0-9]{2}-?[0-9]{2}T[0-9:.]+) ([0-9]{2}:?[0-9]{2})$")


def _extended(value: str) -> str:
    """An ISO 8601 basic-format date or date-time in the extended form Django parses; else as is."""
    if match := _PLUS_AS_SPACE.match(value):
        value = f"{match.group(1)}+{match.group(2)}"
    if match := _BASIC_DATE.match(value):
        year, month, day = match.groups()
        if 1990 <= int(year) <= 2100 and 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            return f"{year}-{month}-{day}"
    if match := _BASIC_MOMENT.match(value):
        y, mo, d, h, mi, se, zone = match.groups()
        if zone and zone != "Z" and ":" not in zone:
            zone = f"{zone[:3]}:{zone[3:]}"
        return f"{y}-{mo}-{d}T{h}:{mi}:{se}{zone or ''}"
    return value


def parse_since(value: str) -> tuple[int, dt.datetime | None]:
    """``sinds`` → (cursor id, moment): a whole number is a cursor, else an ISO date or date-time.

    The spec names an ISO date-time; ISO 8601's basic format (``20260101``) is
    one too, so eight digits that make a date (years 1990–2100) are read as
    that date, not as cursor 20,260,101 (which would silently give nothing).
    A date or date-time outside 1900-01-01 … 2999-12-31 is refused
    (:class:`MomentOutOfRange`).
    """
    value = _extended((value or "").strip(" \t\r\n"))
    if not value:
        return 0, None
    if value.isascii() and value.isdigit():  # isdigit() alone also takes "²", which int() does not
        cursor = parse_id(value)
        if cursor is None:  # past any id there is
            raise BadCursor(value)
        return cursor, None
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = dt.datetime.combine(day, dt.time.min) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise BadCursor(value)
    if not EARLIEST <= moment.date() <= LATEST:
        raise MomentOutOfRange(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return 0, moment


class FeedbackView(APIView):
    permission_classes = [IsAuthenticated, IsCreditor]

    @extend_schema(
        operation_id="feedback_list",
        summary="Terugkoppeling over uw klanten (spec 4), in volgorde",
        description=(
            "De gebeurtenissen `opgepakt` (met `incasso_uitstel_tot`), `afgesloten` (met `resultaat`) "
            "en `niet_opgepakt` over uw klanten, oplopend op `id`. Geef bij elke vraag het `volgende` "
            "van het vorige antwoord mee als `sinds`: zo mist of herhaalt u geen gebeurtenis, ook niet "
            "als er tussen twee vragen nieuwe bijkomen. Zolang `meer` waar is, staan er nog klaar. "
            "Bij de eerste vraag mag `sinds` ook een datum of tijdstip (ISO 8601) zijn."
        ),
        parameters=[
            OpenApiParameter(
                "sinds",
                OpenApiTypes.STR,
                required=False,
                description="Het `id` van de laatst ontvangen gebeurtenis (de cursor), of bij de eerste vraag "
                "een ISO-datum of -tijdstip (`2026-11-01`, `2026-11-01T09:00:00%2B01:00`; een `+` die als "
                "spatie aankomt, wordt als `+` gelezen) van 1900-01-01 tot en met 2999-12-31. Leeg: vanaf het begin.",
            ),  # fmt: skip
            OpenApiParameter(
                "limiet",
                OpenApiTypes.INT,
                required=False,
                description=f"Hoogstens zoveel gebeurtenissen per antwoord (standaard 500, hoogstens {services.MAX_PAGE}).",
            ),  # fmt: skip
        ],
        responses={
            200: FeedbackPageSerializer,
            400: OpenApiResponse(
                FeedbackErrorSerializer, description="`sinds` of `limiet` is onjuist."
            ),
            **COMMON_ERRORS,
        },
        tags=["terugkoppeling"],
    )
    def get(self, request):
        try:
            cursor, since = parse_since(request.query_params.get("sinds", ""))
        except MomentOutOfRange:
            return Response(
                {
                    "melding": f"De datum bij 'sinds' moet tussen {EARLIEST.isoformat()} en {LATEST.isoformat()} "
                    "liggen. Geef een datum of tijdstip in ISO 8601, zoals 2026-11-01 of "
                    "2026-11-01T09:00:00%2B01:00 (een + schrijft u in een URL als %2B), of het id van de "
                    "laatst ontvangen gebeurtenis (het 'volgende' van het vorige antwoord)."
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        except BadCursor:
            return Response(
                {
                    "melding": "Geef bij 'sinds' het id van de laatst ontvangen gebeurtenis (het 'volgende' van "
                    "het vorige antwoord), of een datum of tijdstip in ISO 8601, zoals 2026-11-01 of "
                    "2026-11-01T09:00:00%2B01:00 (een + schrijft u in een URL als %2B)."
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        limit_text = request.query_params.get("limiet", "") or "500"
        if not (limit_text.isascii() and limit_text.isdigit()) or not limit_text.strip("0"):
            return Response(
                {"melding": "Geef bij 'limiet' een geheel getal van 1 of meer."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        limit = (
            parse_id(limit_text) or services.MAX_PAGE
        )  # past a database column: the most there are
        page = services.events_after(request.user, cursor, limit=limit, since=since)
        services.record_read(request.user, page.events, how="api", request=request)
        body = {
            "terugkoppeling": [services.as_row(e) for e in page.events],
            "volgende": page.next_cursor,
            "meer": page.more,
        }
        return Response(FeedbackPageSerializer(body).data)

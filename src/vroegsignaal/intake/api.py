"""The delivery API of spec 1.1: thin views over :mod:`.services`.

Authentication is an API key (``Authorization: Token <prefix>.<secret>``),
which acts as a user of the key's creditor; every object is fetched through
the scoping layer, so a key of creditor X gets 404 for the deliveries of Y.
"""

from __future__ import annotations

from django.conf import settings
from django.http import StreamingHttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.scoping import get_scoped_or_404_audited

from . import services
from .codes import Code, message
from .models import Delivery, DeliveryStatus, Via
from .serializers import (
    DeliveryJsonSerializer,
    DeliverySerializer,
    DeliveryUploadSerializer,
    ErrorSerializer,
    RejectedRowPageSerializer,
    RejectedRowSerializer,
)

# The largest ``offset`` of the rejected rows: past every row a delivery can have, within every
# database's integer (PostgreSQL refused 99999999999999999999999 with a 500).
MAX_OFFSET = 1_000_000_000
# Room for the multipart envelope around a file of the largest allowed size.
MULTIPART_OVERHEAD = 1024 * 1024
JSON_STREAM = "__json_stream__"

# The error answers every operation can give (intake/errors.py: one ``Error`` shape).
UNAUTHORIZED = OpenApiResponse(
    ErrorSerializer,
    description="Geen, een onjuist geschreven, een onbekende of een ingetrokken API-sleutel "
    "(`Authorization: Token <sleutel>`).",
)
TOO_MANY = OpenApiResponse(
    ErrorSerializer,
    description="Te veel verzoeken met deze sleutel, of te veel mislukte pogingen vanaf dit adres; "
    "de kop `Retry-After` zegt na hoeveel seconden het weer kan.",
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="Er is geen levering met dit nummer voor uw organisatie."
)
BUSY = OpenApiResponse(
    ErrorSerializer,
    description="De database is bezet met een grote verwerking (op SQLite: het verwerken van een "
    "grote levering); er is niets opgeslagen. De kop `Retry-After` zegt na hoeveel seconden het "
    "opnieuw kan.",
)
COMMON_ERRORS = {401: UNAUTHORIZED, 429: TOO_MANY, 503: BUSY}


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "BESTAND_TE_GROOT"


def _too_large_body() -> dict:
    return {
        "codes": [str(Code.BESTAND_TE_GROOT)],
        "melding": message(
            Code.BESTAND_TE_GROOT, maximum=services._human_size(settings.MAX_DELIVERY_BYTES)
        ),
    }


def _refused_as_too_large(delivery: Delivery) -> bool:
    refusal = (delivery.report or {}).get("weigering") or {}
    return delivery.status == DeliveryStatus.AFGEWEZEN and refusal.get("codes") == [
        str(Code.BESTAND_TE_GROOT)
    ]


class IsCreditor(BasePermission):
    """Only keys of a creditor (and so users with the schuldeiser role) use this API."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.role == Role.SCHULDEISER and user.creditor_id)


# Django reads the headers of each part of a multipart body (Content-Disposition with the field
# and file name, Content-Type) only within this many bytes (django.http.multipartparser).
MULTIPART_PART_HEADER_BYTES = 1024


class DeliveryMultiPartParser(MultiPartParser):
    """DRF's multipart parser, saying in Dutch that a file name is too long where Django gives up.

    Django refuses a part whose headers pass :data:`MULTIPART_PART_HEADER_BYTES`
    (a guard against huge headers) with an error DRF passes on as an unreadable
    body; almost always the headers are long because of a file name of about a
    thousand characters. The file name is only shown on the creditor's pages, so
    any name that fits is taken (a longer one than 255 characters is cut, as
    Django does); one that does not fit is refused naming the file name.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as error:
            cause = error.__context__
            if isinstance(cause, MultiPartParserError) and "header size" in str(cause):
                raise ParseError(
                    {
                        "melding": "De bestandsnaam is te lang: de kopregels van een deel van het "
                        f"multipart-verzoek (met de veldnaam en de bestandsnaam) mogen samen hoogstens "
                        f"{MULTIPART_PART_HEADER_BYTES} bytes zijn. Geef het bestand een kortere naam, "
                        "zoals levering.csv.",
                        "velden": {
                            "file": [
                                f"De bestandsnaam is te lang (hoogstens {MULTIPART_PART_HEADER_BYTES} "
                                "bytes met de andere kopregels van het deel)."
                            ]
                        },
                    }
                ) from cause
            raise


class StreamedJsonParser(BaseParser):
    """``application/json`` for a delivery body (spec 1.4), handed on unread.

    The service stages it to disk with its size limit and hash; the parsing
    module reads it. So a large body never sits in memory, and Django's
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (meant for forms) does not apply.
    """

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return {JSON_STREAM: stream}


class CsvRenderer(BaseRenderer):
    """``text/csv`` for the rejected rows; other answers (errors) as one line of text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):
            return str(data.get("melding") or data.get("detail") or "").encode("utf-8")
        return str(data or "").encode("utf-8")


def _check_request_size(request) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.MAX_DELIVERY_BYTES + MULTIPART_OVERHEAD:
        raise RequestTooLarge(_too_large_body())


class DeliveryCollectionView(APIView):
    permission_classes = [IsAuthenticated, IsCreditor]
    parser_classes = [DeliveryMultiPartParser, StreamedJsonParser]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        _check_request_size(request)

    @extend_schema(
        operation_id="deliveries_create",
        summary="Een levering aanleveren",
        description=(
            "Een bestand (multipart: `file`, `peildatum`, `soort`) of een JSON-body (spec 1.4). "
            "Antwoordt `202 Accepted` met het id en de status-URL; grote leveringen worden op de "
            "achtergrond verwerkt: volg dan `status_url` tot de status `verwerkt`, `afgewezen` of "
            "`wacht_op_bevestiging` is. Een levering die bij ontvangst al wordt geweigerd "
            "(`PEILDATUM_ONGELDIG`, `LEVERING_DUBBEL`) krijgt ook 202, met status `afgewezen` en de code "
            "in `verslag.weigering`; zo ook later een leeg of onleesbaar bestand (`BESTAND_LEEG`, "
            "`BESTAND_ONLEESBAAR`, `KOLOM_ONTBREEKT`, `TE_VEEL_FOUTEN`). Alleen een te groot bestand "
            "(`BESTAND_TE_GROOT`) is altijd 413."
        ),
        request={
            "multipart/form-data": DeliveryUploadSerializer,
            "application/json": DeliveryJsonSerializer,
        },
        responses={
            202: DeliverySerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Het verzoek mist het bestand, een veld is onjuist of de bestandsnaam is te "
                "lang (`velden` zegt welk).",
            ),
            413: OpenApiResponse(
                ErrorSerializer,
                description="`BESTAND_TE_GROOT`: het bestand is groter dan toegestaan; er is niets bewaard.",
            ),
            415: OpenApiResponse(
                ErrorSerializer,
                description="Een ander Content-Type dan `multipart/form-data` of `application/json`.",
            ),
            **COMMON_ERRORS,
        },
        tags=["leveringen"],
    )
    def post(self, request):
        data = request.data
        if JSON_STREAM in data:
            source, filename, kind, peildatum = data[JSON_STREAM], "levering.json", None, None
        elif request.content_type.split(";")[0].strip().lower() == StreamedJsonParser.media_type:
            # An empty JSON body (DRF parses nothing): BESTAND_LEEG, as an empty file.
            source, filename, kind, peildatum = b"", "levering.json", None, None
        else:
            upload = DeliveryUploadSerializer(data=data)
            if not upload.is_valid():
                raise ValidationError(upload.errors)
            values = upload.validated_data
            source = values["file"]
            filename = values["file"].name or "levering"
            kind = values.get("soort") or None
            peildatum = values.get("peildatum") or None
            if kind is None and not filename.lower().endswith(".json"):
                kind = "stand"
        delivery = services.receive_delivery(
            request.user.creditor,
            source,
            filename=filename,
            kind=kind,
            reference_date=peildatum,
            via=Via.API,
            user=request.user,
            api_key=request.auth,
            background=True,
        )
        if _refused_as_too_large(delivery):
            # A body that passed the limit while it was stored (a JSON body, or one sent without
            # Content-Length): the same 413 as one refused before it was read.
            raise RequestTooLarge(_too_large_body())
        body = DeliverySerializer(delivery, context={"request": request}).data
        location = request.build_absolute_uri(
            reverse("intake_api:delivery-detail", kwargs={"delivery_id": delivery.pk})
        )
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class DeliveryDetailView(APIView):
    permission_classes = [IsAuthenticated, IsCreditor]

    @extend_schema(
        operation_id="deliveries_retrieve",
        summary="Status, tellingen en verslag van een levering",
        responses={200: DeliverySerializer, 404: NOT_FOUND, **COMMON_ERRORS},
        tags=["leveringen"],
    )
    def get(self, request, delivery_id: int):
        delivery = get_scoped_or_404_audited(
            request,
            Delivery.objects.select_related("creditor"),
            delivery_id,
            purpose="levering openen buiten eigen bereik",
        )
        return Response(DeliverySerializer(delivery, context={"request": request}).data)


class RejectedRowsPagination(LimitOffsetPagination):
    """``limit``/``offset`` of the rejected rows, checked: a wrong value is a 400, never ignored.

    DRF's own pagination falls back to its defaults for ``limit=-5``, ``limit=abc`` or
    ``offset=1e3`` (the client gets another page than it asked for, without a word),
    and passes an offset past a database column to the query (a 500 on PostgreSQL).
    ``limit`` is a whole number of 1 or more, where more than :attr:`max_limit` gives
    :attr:`max_limit` rows (as DRF does); ``offset`` is a whole number of 0 up to
    :data:`MAX_OFFSET`.
    """

    default_limit = 1000
    max_limit = 10000

    def get_limit(self, request) -> int:
        text = request.query_params.get(self.limit_query_param)
        if text is None or text == "":
            return self.default_limit
        if not (text.isascii() and text.isdigit()) or not text.strip("0"):
            raise ValidationError(
                {
                    self.limit_query_param: [
                        f"Geef bij '{self.limit_query_param}' een geheel getal van 1 of meer: de regels "
                        f"per pagina (standaard {self.default_limit}; meer dan {self.max_limit} geeft er "
                        f"{self.max_limit})."
                    ]
                }
            )
        # Past max_limit (however many digits, so no int() of thousands of them): max_limit.
        return self.max_limit if len(text) > 9 else min(int(text), self.max_limit)

    def get_offset(self, request) -> int:
        text = request.query_params.get(self.offset_query_param)
        if text is None or text == "":
            return 0
        if not (text.isascii() and text.isdigit()) or len(text) > 12 or int(text) > MAX_OFFSET:
            raise ValidationError(
                {
                    self.offset_query_param: [
                        f"Geef bij '{self.offset_query_param}' een geheel getal van 0 tot en met "
                        f"{MAX_OFFSET}: het aantal regels dat u overslaat."
                    ]
                }
            )
        return int(text)


# ``waarschuwingen`` of the rejected rows, in any case; empty or absent is "no".
WARNINGS_PARAM = "waarschuwingen"
WARNINGS_YES = ("ja", "1", "true")
WARNINGS_NO = ("nee", "0", "false", "")


def _with_warnings(request) -> bool:
    """``waarschuwingen`` as a yes or no; another value is a 400 naming the accepted ones.

    It used to mean "no" for anything but a yes (``yes``, ``j``, ``on``): a client that asked
    for the warnings was told, without a word, that there were none.
    """
    value = request.query_params.get(WARNINGS_PARAM, "").lower()
    if value in WARNINGS_YES:
        return True
    if value in WARNINGS_NO:
        return False
    raise ValidationError(
        {
            WARNINGS_PARAM: [
                f"Geef bij '{WARNINGS_PARAM}' ja (ook de waarschuwingen: regels die wel zijn "
                "verwerkt) of nee (alleen de afgewezen regels, standaard); 1 en 0 of true en "
                "false mogen ook."
            ]
        }
    )


class DeliveryRejectedRowsView(APIView):
    permission_classes = [IsAuthenticated, IsCreditor]
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="deliveries_rejected_rows",
        summary="De afgewezen regels van een levering",
        description=(
            "JSON (gepagineerd met `limit`/`offset`), of met `Accept: text/csv` een CSV met de "
            "kolommen `rij;klantnummer;veld;code;melding`: UTF-8 zonder BOM, CRLF; het bestand "
            "van de download in het portaal, die met een BOM begint (voor Excel). Met `waarschuwingen=ja` ook de "
            "waarschuwingen (regels die wel zijn verwerkt)."
        ),
        parameters=[
            OpenApiParameter(
                WARNINGS_PARAM,
                OpenApiTypes.STR,
                enum=["ja", "nee"],
                required=False,
                description="`ja`: ook de waarschuwingen (regels die wel zijn verwerkt); `nee` "
                "(standaard): alleen de afgewezen regels. Ook `1`/`0` en `true`/`false`, in "
                "hoofd- of kleine letters. Een andere waarde: 400.",
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                required=False,
                description="Regels per pagina (JSON): een geheel getal van 1 of meer, standaard "
                f"{RejectedRowsPagination.default_limit}; meer dan {RejectedRowsPagination.max_limit} "
                f"geeft er {RejectedRowsPagination.max_limit}. Een ander getal of tekst: 400.",
            ),
            OpenApiParameter(
                "offset",
                OpenApiTypes.INT,
                required=False,
                description=f"Het aantal regels dat u overslaat (JSON): 0 tot en met {MAX_OFFSET}, "
                "standaard 0. Een ander getal of tekst: 400.",
            ),
        ],
        responses={
            (200, "application/json"): RejectedRowPageSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            # One description per status code in OpenAPI: the CSV (no pages, so no ``limit`` or
            # ``offset``) is refused only for ``waarschuwingen``.
            **{
                (400, media): OpenApiResponse(
                    ErrorSerializer if media == "application/json" else OpenApiTypes.STR,
                    description="`limit` of `offset` is geen geheel getal in het toegestane "
                    "bereik, of `waarschuwingen` is geen ja of nee (in JSON zegt `velden` welk).",
                )
                for media in ("application/json", "text/csv")
            },
            # With ``Accept: text/csv`` an error is its melding as one line of text.
            **{
                (code, media): OpenApiResponse(
                    ErrorSerializer if media == "application/json" else OpenApiTypes.STR,
                    description=answer.description,
                )
                for code, answer in {404: NOT_FOUND, **COMMON_ERRORS}.items()
                for media in ("application/json", "text/csv")
            },
            (406, "application/json"): OpenApiResponse(
                ErrorSerializer,
                description="Een kop `Accept` die noch JSON noch `text/csv` toelaat.",
            ),
        },
        tags=["leveringen"],
    )
    def get(self, request, delivery_id: int):
        delivery = get_scoped_or_404_audited(
            request, Delivery, delivery_id, purpose="levering openen buiten eigen bereik"
        )
        warnings = _with_warnings(request)
        if isinstance(request.accepted_renderer, CsvRenderer):
            services.record_rejected_rows_read(delivery, request.user, request=request, how="csv")
            response = StreamingHttpResponse(
                services.rejected_rows_csv_lines(delivery, warnings=warnings),
                content_type="text/csv; charset=utf-8",
            )
            filename = services.rejected_rows_csv_filename(delivery, warnings=warnings)
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        paginator = RejectedRowsPagination()
        page = paginator.paginate_queryset(
            services.rejected_rows(delivery, warnings=warnings), request, view=self
        )
        services.record_rejected_rows_read(
            delivery, request.user, request=request, how="json", count=len(page)
        )
        return paginator.get_paginated_response(RejectedRowSerializer(page, many=True).data)


class DeliveryConfirmView(APIView):
    permission_classes = [IsAuthenticated, IsCreditor]

    @extend_schema(
        operation_id="deliveries_confirm",
        summary="Een door de veiligheidscontrole tegengehouden stand bevestigen",
        request=None,
        responses={
            202: DeliverySerializer,
            404: NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer, description="De levering wacht niet op bevestiging."
            ),
            **COMMON_ERRORS,
        },
        tags=["leveringen"],
    )
    def post(self, request, delivery_id: int):
        delivery = get_scoped_or_404_audited(
            request, Delivery, delivery_id, purpose="levering openen buiten eigen bereik"
        )
        try:
            delivery = services.confirm_delivery(delivery, request.user, background=True)
        except services.DeliveryError as error:
            return Response({"melding": str(error)}, status=status.HTTP_409_CONFLICT)
        delivery.refresh_from_db()
        return Response(
            DeliverySerializer(delivery, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )

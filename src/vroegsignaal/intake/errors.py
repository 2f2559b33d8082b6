"""The API's error answers: one shape, in Dutch, saying what to change.

Every error of ``/api/v1/`` is ``{"melding": "<Dutch sentence>"}``, with
``codes`` when a contract code (spec 1.6) applies (``BESTAND_TE_GROOT``) and
``velden`` (field → messages) when fields of the request are wrong. That is
the ``Error`` schema of ``docs/openapi.yaml``: a creditor's system reads
``melding`` whatever went wrong, instead of DRF's own ``detail`` or a bare
field dictionary. Messages name what the request should carry; they never
repeat a key or anything from a delivered file.

:func:`api_exception_handler` is DRF's ``EXCEPTION_HANDLER`` (through
:func:`vroegsignaal.intake.throttling.api_exception_handler`, the name the
settings use).

Errors outside DRF's views have the same shape under ``/api/`` (the
project's ``handler400``/``403``/``404``/``500`` in ``conf/urls.py``, which
give the portal's pages everywhere else): a path the API does not have is a
404, a crash a 500 — in JSON, never with a stack trace or anything of the
request. A database held by a large delivery (SQLite's write lock) is a 503
with ``Retry-After``, here and in the portal (:mod:`vroegsignaal.portal.busy`;
``handler400`` and ``handler500`` ask it first, for a session that could not
be saved).

A path of the API written without its final ``/`` (``POST /api/v1/deliveries``)
is answered by the view of the path with it (:func:`page_not_found`): Django's
``APPEND_SLASH`` would answer 301, and a client that follows a 301 of a POST
sends a GET (a 405).
"""

from __future__ import annotations

import sys

from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.views import defaults
from rest_framework import exceptions

API_KEY_HELP = "Een API-sleutel maakt u aan op de portaalpagina API-sleutels."
DELIVERY_BODY_HELP = (
    "Stuur een levering als multipart/form-data (velden file, peildatum en soort) "
    "of als JSON-body met Content-Type: application/json (spec 1.4)"
)


def _flatten(detail) -> list[str]:
    """DRF's error detail (a string, list or dict of them) as a flat list of texts."""
    if isinstance(detail, dict):
        return [text for value in detail.values() for text in _flatten(value)]
    if isinstance(detail, list | tuple):
        return [text for value in detail for text in _flatten(value)]
    return [str(detail)]


def _fields(detail) -> dict[str, list[str]]:
    if not isinstance(detail, dict):
        return {"": _flatten(detail)}
    return {str(name): _flatten(value) for name, value in detail.items()}


def _throttled(exc: exceptions.Throttled) -> str:
    from vroegsignaal.organisations.scoping import TooManyRefusals

    from .throttling import TooManyKeyFailures

    seconds = int(exc.wait or 1)
    wait = f"probeer het over {seconds} {'seconde' if seconds == 1 else 'seconden'} opnieuw."
    if isinstance(exc, TooManyKeyFailures):
        return f"Te veel mislukte pogingen met een API-sleutel vanaf dit adres; {wait}"
    if isinstance(exc, TooManyRefusals):
        return f"Te veel opvragingen van leveringen die niet bestaan of niet van uw organisatie zijn; {wait}"
    return f"Te veel verzoeken met deze API-sleutel; {wait}"


def _not_authenticated(request) -> str:
    header = (request.META.get("HTTP_AUTHORIZATION", "") if request is not None else "").strip()
    if header:
        # Only the scheme is named (Bearer, Basic, …), never what follows it.
        scheme = header.split()[0][:20]
        return (
            f"De kop Authorization gebruikt '{scheme}'; geef de API-sleutel op als "
            "'Authorization: Token <sleutel>'."
        )
    return f"Geen API-sleutel: geef de kop 'Authorization: Token <sleutel>' mee. {API_KEY_HELP}"


def _media_types(view) -> list[str]:
    return [renderer.media_type for renderer in getattr(view, "renderer_classes", [])]


def error_body(exc: Exception, data, *, request=None, view=None) -> dict:
    """The body of an API error response for ``exc`` (DRF's ``data`` for it as a fallback)."""
    if isinstance(data, dict) and "melding" in data:
        return data  # already ours (BESTAND_TE_GROOT, a refused confirmation)
    if isinstance(exc, exceptions.Throttled):
        return {"melding": _throttled(exc)}
    if isinstance(exc, exceptions.NotAuthenticated):
        return {"melding": _not_authenticated(request)}
    if isinstance(exc, exceptions.AuthenticationFailed):
        return {"melding": f"{' '.join(_flatten(exc.detail))} {API_KEY_HELP}"}
    if isinstance(exc, exceptions.PermissionDenied):
        return {"melding": "Deze API-sleutel geeft geen toegang tot dit onderdeel van de API."}
    if isinstance(exc, exceptions.NotFound | Http404):
        return {"melding": "Niet gevonden: er is geen levering met dit nummer voor uw organisatie."}
    if isinstance(exc, exceptions.MethodNotAllowed):
        method = getattr(request, "method", "") or ""
        allowed = " of ".join(
            m for m in getattr(view, "allowed_methods", ()) if m not in ("HEAD", "OPTIONS")
        )
        return {
            "melding": f"De methode {method} kan hier niet; gebruik {allowed or 'een andere methode'}."
        }
    if isinstance(exc, exceptions.NotAcceptable):
        types = " of ".join(_media_types(view)) or "application/json"
        return {"melding": f"Dit antwoord is er alleen als {types}; pas de kop Accept daarop aan."}
    if isinstance(exc, exceptions.UnsupportedMediaType):
        given = (
            (request.META.get("CONTENT_TYPE", "") if request is not None else "")
            .split(";")[0]
            .strip()
        )
        return {
            "melding": f"{DELIVERY_BODY_HELP}; dit verzoek had Content-Type '{given[:60] or 'geen'}'."
        }
    if isinstance(exc, exceptions.ParseError):
        # DRF's own text is English (and may quote the body): say in Dutch what to send instead.
        return {"melding": f"Het verzoek kan niet worden gelezen. {DELIVERY_BODY_HELP}."}
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        parts = [
            f"{name}: {' '.join(texts)}" if name else " ".join(texts)
            for name, texts in fields.items()
        ]
        body: dict = {"melding": f"Het verzoek is onjuist. {' '.join(parts)}".strip()}
        if any(fields):
            body["velden"] = {name: texts for name, texts in fields.items() if name}
        return body
    return {
        "melding": " ".join(_flatten(data.get("detail", data) if isinstance(data, dict) else data))
    }


def api_exception_handler(exc, context):
    """DRF's handler, with every error answer in the ``Error`` shape (see the module)."""
    # Imported here: rest_framework.views imports the throttling module (DEFAULT_THROTTLE_CLASSES).
    from rest_framework.views import exception_handler

    response = exception_handler(exc, context)
    if response is None:
        return None
    response.data = error_body(
        exc,
        response.data,
        request=context.get("request"),
        view=context.get("view"),
    )
    return response


# --- errors outside DRF's views ------------------------------------------------

API_PREFIX = "/api/"

SERVER_ERROR = (
    "Er ging bij Vroegsignaal iets mis met dit verzoek. Probeer het later opnieuw; gaat het dan "
    "weer mis, neem dan contact op met de beheerder van Vroegsignaal."
)
BAD_REQUEST = "Het verzoek is onjuist en kan niet worden behandeld."
BUSY = (
    "Vroegsignaal verwerkt op dit moment een grote levering en kan dit verzoek nu niet "
    "uitvoeren; er is niets opgeslagen. Probeer het over {seconds} seconden opnieuw (de kop "
    "Retry-After)."
)
FORBIDDEN = "Geen toegang tot dit onderdeel van de API."


def is_api_request(request) -> bool:
    return request is not None and (getattr(request, "path_info", "") or "").startswith(API_PREFIX)


def _json_error(body: dict, status: int) -> JsonResponse:
    return JsonResponse(
        body, status=status, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")}
    )


def _not_found_body() -> dict:
    return {
        "melding": "Niet gevonden: dit adres bestaat niet in de API. De adressen staan in het "
        f"OpenAPI-document, {reverse('api-schema')}."
    }


def _with_final_slash(request, exception):
    """The answer of the API's view of this path with its final ``/``, or ``None`` when there is none.

    Only for a path no pattern matched (``Resolver404``), under ``/api/``.
    ``request.resolver_match`` becomes that view's (the upload handler asks it
    which view a file is for); nothing is redirected.
    """
    path = request.path_info
    if not isinstance(exception, Resolver404) or path.endswith("/"):
        return None
    try:
        match = resolve(f"{path}/")
    except Resolver404:
        return None
    request.resolver_match = match
    return match.func(request, *match.args, **match.kwargs)


def service_unavailable(seconds: int) -> JsonResponse:
    """503 with ``Retry-After``: the database is busy (:mod:`vroegsignaal.portal.busy`); nothing
    of the request was saved."""
    response = _json_error({"melding": BUSY.format(seconds=seconds)}, 503)
    response["Retry-After"] = str(seconds)
    return response


def _busy(request, exception):
    """The 503 when ``exception`` is a busy database (a session that could not be saved), else ``None``."""
    from vroegsignaal.portal.busy import busy_response  # it imports this module

    return busy_response(request, exception)


def bad_request(request, exception):
    """``handler400``: JSON under ``/api/``, the portal's page elsewhere; 503 for a session that
    could not be saved because the database is busy."""
    if (busy := _busy(request, exception)) is not None:
        return busy
    if is_api_request(request):
        return _json_error({"melding": BAD_REQUEST}, 400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    """``handler403``: JSON under ``/api/``, the portal's page elsewhere."""
    if is_api_request(request):
        return _json_error({"melding": FORBIDDEN}, 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    """``handler404``: under ``/api/`` the view of the path with its final ``/``, else JSON; the
    portal's page elsewhere."""
    if is_api_request(request):
        answer = _with_final_slash(request, exception)
        return answer if answer is not None else _json_error(_not_found_body(), 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """``handler500``: JSON under ``/api/`` (no stack trace, nothing of the request), the portal's
    page elsewhere; 503 for a busy database (Django calls it while it handles the exception)."""
    if (busy := _busy(request, sys.exc_info()[1])) is not None:
        return busy
    if is_api_request(request):
        return _json_error({"melding": SERVER_ERROR}, 500)
    return defaults.server_error(request)

"""The creditor's feedback page under /terugkoppeling/: thin views over :mod:`.services`.

Only creditor staff (role ``schuldeiser``) use it, and they see their own
creditor's events only (the scoping layer). The filter is in the query string
(codes and dates, never personal data) and is remembered in the session, so
the page opens with the last filter; the CSV download takes the same filter.
Every page of rows shown and every download is audited.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from vroegsignaal.intake.views import creditor_required
from vroegsignaal.portal import filters

from . import services
from .forms import FeedbackFilterForm
from .models import FeedbackKind

SESSION_FILTER = "feedback_filter"
FILTER_KEYS = ("gebeurtenis", "gemeente", "van", "tot", "sorteer")
PAGE_SIZE = 50


def _filter_query(params: QueryDict) -> str:
    """The filter part of a query string (no page number), without empty values."""
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        value = params.get(key, "").strip()
        if value:
            kept[key] = value
    return kept.urlencode()


def _form(request, params: QueryDict) -> FeedbackFilterForm:
    form = FeedbackFilterForm(params, municipalities=services.municipalities_of(request.user))
    form.is_valid()
    return form


AUDIT_NAMES = {
    "kind": "gebeurtenis",
    "municipality_code": "gemeente",
    "date_from": "van",
    "date_to": "tot",
}


def _audit_filters(values: dict) -> dict:
    """The filter in the audit event: codes and dates only."""
    return {
        AUDIT_NAMES[key]: str(value)
        for key, value in values.items()
        if value and key in AUDIT_NAMES
    }


@creditor_required
def feedback_list(request):
    if back := filters.back_to_remembered(request, SESSION_FILTER, reverse("feedback:list")):
        return back
    query = _filter_query(request.GET)
    filters.remember(request, SESSION_FILTER, query)
    form = _form(request, request.GET)
    values = form.values()
    events = services.events_for(request.user)
    has_any = events.exists()
    page = Paginator(services.filter_events(events, **values), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    rows = list(page.object_list)
    services.record_read(
        request.user, rows, how="pagina", request=request, filters=_audit_filters(values)
    )
    sort_query = QueryDict(query, mutable=True)
    sort_query.pop("sorteer", None)
    return render(
        request,
        "feedback/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            # A creditor that delivers no signaal_id would see a column of dashes.
            "with_references": any(e.signal_reference for e in rows),
            "has_any": has_any,
            "query": query,
            # "Filters wissen" only when a filter narrows the list (not for the sort or the
            # page): the same test as the notice on the way back, as the case list does.
            "filtered": filters.narrows(query),
            "sort": values["sort"],
            "sort_query": sort_query.urlencode(),
            "kinds": FeedbackKind,
            "api_url": request.build_absolute_uri(reverse("feedback_api:feedback-list")),
        },
    )


@creditor_required
def feedback_csv(request):
    """The events of the current filter as ``;``-separated CSV (spec 4 columns)."""
    params = request.GET if request.GET else QueryDict(request.session.get(SESSION_FILTER, ""))
    values = _form(request, params).values()
    events = services.filter_events(services.events_for(request.user), **values)
    services.record_read(
        request.user, events, how="csv", request=request, filters=_audit_filters(values)
    )
    response = StreamingHttpResponse(
        services.csv_lines(events), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="terugkoppeling-{timezone.localdate().isoformat()}.csv"'
    )
    return response

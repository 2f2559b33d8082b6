"""The coordinator's pages: trays (werkbakjes), the household view and the tray export.

Thin views: parse the request, fetch through the scoping layer, call
:mod:`.services` / :mod:`.selectors`, render. URLs carry ids only, never
personal data.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vroegsignaal.cases.selectors import cases_of_household
from vroegsignaal.households.models import Household
from vroegsignaal.organisations.models import CreditorType, Role, Team
from vroegsignaal.organisations.scoping import get_scoped_or_404, scoped
from vroegsignaal.registry.models import Neighbourhood
from vroegsignaal.signals.models import Signal, SignalStatus, Tray

from . import selectors, services

SESSION_FILTERS = "reporting_tray_filters"  # {tray_id: query string}


def roles_required(*roles):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated or request.user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return never_cache(wrapper)

    return decorator


coordinator_required = roles_required(Role.COORDINATOR)


@coordinator_required
def tray_index(request):
    """The trays with their open counts; ``?buurt=`` (from the map) narrows the counts and the links."""
    trays = scoped(request.user, Tray).select_related("team").order_by("position", "id")
    signals = scoped(request.user, Signal)
    neighbourhood = None
    if request.GET.get("buurt"):
        neighbourhood = scoped(request.user, Neighbourhood).filter(code=request.GET["buurt"]).first()
    query = ""
    if neighbourhood is not None:
        signals = selectors.TrayFilter(neighbourhood=neighbourhood.code).apply(signals, today=timezone.localdate())
        query = selectors.remembered_query(QueryDict(f"buurt={neighbourhood.code}"))
    rows = selectors.trays_with_counts(trays, signals)
    return render(
        request, "reporting/tray_index.html", {"rows": rows, "neighbourhood": neighbourhood, "query": query}
    )


def _filters_for(request, tray_id: int):
    """The GET filter, or the one remembered for this tray when the page is opened bare."""
    remembered = request.session.get(SESSION_FILTERS, {})
    if request.GET.get("wissen"):
        remembered.pop(str(tray_id), None)
        request.session[SESSION_FILTERS] = remembered
        return None, ""
    query = selectors.remembered_query(request.GET)
    if not request.GET and remembered.get(str(tray_id)):
        return remembered[str(tray_id)], None  # redirect so that the links show it
    if remembered.get(str(tray_id)) != query:
        remembered[str(tray_id)] = query
        request.session[SESSION_FILTERS] = remembered
    return None, query


@coordinator_required
def tray_detail(request, tray_id: int):
    tray = get_scoped_or_404(request.user, Tray, pk=tray_id)
    redirect_to, query = _filters_for(request, tray.pk)
    if redirect_to:
        return redirect(f"{reverse('reporting:tray', args=[tray.pk])}?{redirect_to}")
    tray_filter = selectors.TrayFilter.from_query(request.GET)
    signals = tray_filter.apply(scoped(request.user, Signal).filter(tray=tray), today=timezone.localdate())
    page = selectors.tray_page(signals, request.GET.get("pagina"))
    context = {
        "tray": tray,
        "page": page,
        "filter": tray_filter,
        "query": query,
        "sort_query": selectors.remembered_query(_without(request.GET, "sorteer")),
        "neighbourhoods": scoped(request.user, Neighbourhood).order_by("kind", "code").only("code", "name", "kind"),
        "creditor_types": CreditorType.choices,
        "statuses": [("open", "Open (nieuw en opgepakt)"), *SignalStatus.choices, ("alle", "Alle")],
        "teams": scoped(request.user, Team).only("id", "name"),
        "flags": [("crisis", "Crisis"), ("herhaald", "Herhaald"), ("schuldverschuiving", "Schuldverschuiving")],
        "sorts": selectors.SORTS,
        "may_export_personal_data": services.may_export_personal_data(request.user),
        "bulk_actions": services.BULK_ACTIONS,
        "not_picked_up_reasons": services.not_picked_up_reasons(),
    }
    return render(request, "reporting/tray_detail.html", context)


def _without(query, key):
    copy = query.copy()
    copy.pop(key, None)
    return copy


@coordinator_required
def tray_export(request, tray_id: int):
    tray = get_scoped_or_404(request.user, Tray, pk=tray_id)
    tray_filter = selectors.TrayFilter.from_query(request.GET)
    signals = tray_filter.apply(scoped(request.user, Signal).filter(tray=tray), today=timezone.localdate())
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="werkbakje-{tray.pk}-{stamp}.xlsx"'
    services.export_tray(
        request.user, tray, signals, response, query=selectors.remembered_query(request.GET), request=request
    )
    return response


@roles_required(Role.COORDINATOR, Role.HULPVERLENER)
def household_detail(request, household_id: int):
    household = get_scoped_or_404(
        request.user, Household.objects.select_related("address__buurt__wijk"), pk=household_id
    )
    purpose = services.purpose_of(request.GET.get("doel"))
    persons = services.open_household(request.user, household, purpose=purpose, request=request)
    signals = list(
        scoped(request.user, Signal).filter(household=household).select_related("tray", "team").order_by("-signal_date", "-id")
    )
    context = {
        "household": household,
        "persons": persons,
        "shows_persons": request.user.role in services.ROLES_SEEING_PERSONS,
        "signal": signals[0] if signals and signals[0].is_open else None,
        "earlier_signals": signals[1:] if signals and signals[0].is_open else signals,
        "cases": list(cases_of_household(request.user, household)),
        "timelines": selectors.arrear_timelines(household),
        "trail": selectors.household_view_trail(household),
        "purpose": purpose,
        "purposes": services.PURPOSES,
        "today": timezone.localdate(),
    }
    return render(request, "reporting/household_detail.html", context)


def _map_kind(request) -> str:
    return "wijk" if request.GET.get("niveau") == "wijk" else "buurt"


@coordinator_required
def neighbourhood_map(request):
    kind = _map_kind(request)
    neighbourhoods = scoped(request.user, Neighbourhood).filter(kind=kind).order_by("code").defer("geometry")
    rates = selectors.neighbourhood_rates(neighbourhoods, scoped(request.user, Signal), kind)
    context = {"kind": kind, "rates": rates, "geojson_url": f"{reverse('reporting:map_geojson')}?niveau={kind}"}
    return render(request, "reporting/map.html", context)


@coordinator_required
def neighbourhood_map_geojson(request):
    """The map's shapes with their figures (no personal data: counts per neighbourhood)."""
    kind = _map_kind(request)
    neighbourhoods = list(scoped(request.user, Neighbourhood).filter(kind=kind).order_by("code"))
    rates = selectors.neighbourhood_rates(neighbourhoods, scoped(request.user, Signal), kind)
    trays = reverse("reporting:trays")
    collection = selectors.rates_feature_collection(
        neighbourhoods, rates, url_for=lambda code: f"{trays}?{QueryDict(f'buurt={code}').urlencode()}"
    )
    return JsonResponse(collection)


@coordinator_required
def dashboard(request):
    trends = selectors.monthly_trends(scoped(request.user, Signal))
    return render(request, "reporting/dashboard.html", {"trends": trends})


@require_POST
@coordinator_required
def tray_bulk_action(request, tray_id: int):
    """Pick up, assign or decline the signals ticked on the tray page; back to the same filter."""
    tray = get_scoped_or_404(request.user, Tray, pk=tray_id)
    back = f"{reverse('reporting:tray', args=[tray.pk])}?{selectors.remembered_query(QueryDict(request.POST.get('filter', '')))}"
    ids = [int(v) for v in request.POST.getlist("signaal") if v.isdigit()]
    signals = list(scoped(request.user, Signal).filter(tray=tray, pk__in=ids).order_by("id"))
    if not signals:
        messages.warning(request, _("Kies eerst een of meer signalen."))
        return redirect(back)
    team = None
    if request.POST.get("team"):
        team = get_scoped_or_404(request.user, Team, pk=request.POST["team"])
    try:
        result = services.bulk_action(
            request.user, signals, request.POST.get("actie", ""), team=team, reason=request.POST.get("reden", "")
        )
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(back)
    if result.done:
        messages.success(request, _("%(n)d signalen verwerkt.") % {"n": len(result.done)})
    for signal_id, why in result.skipped:
        messages.warning(request, _("Signaal %(id)d niet verwerkt: %(why)s") % {"id": signal_id, "why": why})
    return redirect(back)

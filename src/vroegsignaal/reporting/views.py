"""The coordinator's pages: trays (werkbakjes), the household view and the tray export.

Thin views: parse the request, fetch through the scoping layer, call
:mod:`.services` / :mod:`.selectors`, render. URLs carry ids only, never
personal data.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vroegsignaal.cases.selectors import cases_of_household
from vroegsignaal.households.models import Household
from vroegsignaal.organisations.models import CreditorType, Municipality, Role, Team
from vroegsignaal.organisations.scoping import get_scoped_or_404, get_scoped_or_404_audited, scoped
from vroegsignaal.portal import filters
from vroegsignaal.portal.forms import parse_id, parse_ids
from vroegsignaal.registry.models import Neighbourhood
from vroegsignaal.signals.exports import (
    SLEEPING_CHOICES,
    SLEEPING_HIDE,
    SLEEPING_ONLY,
    status_choices,
)
from vroegsignaal.signals.models import Signal, SignalStatus, Tray
from vroegsignaal.signals.services import shown_explanation

from . import search as address_search
from . import selectors, services

SESSION_FILTERS = "reporting_tray_filter"  # + ":<tray id>" → its query string (and page)
# The tray's parameters at the value it has without them: no filter (portal.filters.narrows).
TRAY_DEFAULTS = {"status": selectors.OPEN, "slapend": selectors.DORMANT_HIDE}
# The address last searched for (postcode and number, never in a URL): see .search.
SESSION_SEARCH = "reporting_search"


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
    if code := selectors.neighbourhood_code(request.GET.get("buurt")):
        neighbourhood = scoped(request.user, Neighbourhood).filter(code=code).first()
    query = ""
    if neighbourhood is not None:
        # Awake and sleeping signals alike: the counts tell them apart.
        area = selectors.TrayFilter(
            neighbourhood=neighbourhood.code, dormant=selectors.DORMANT_SHOW
        )
        signals = area.apply(signals, today=timezone.localdate())
        query = selectors.remembered_query(QueryDict(f"buurt={neighbourhood.code}"))
    rows = selectors.trays_with_counts(trays, signals)
    context = {
        "rows": rows, "neighbourhood": neighbourhood, "query": query,
        "without_tray": selectors.open_without_tray(signals),
        "problems": selectors.tray_index_problems(request.GET.get("buurt"), neighbourhood),
        "export_statuses": [("open", _("Open (nieuw en opgepakt)")), *SignalStatus.choices, ("", _("Alle"))],
        # The tray filter's words for the two choices a file can be true to (no "Tonen, gemarkeerd":
        # the spec's columns cannot mark a sleeping signal).
        "export_sleeping": [(SLEEPING_HIDE, _("Niet tonen")), (SLEEPING_ONLY, _("Alleen slapende"))],
        "may_export_personal_data": services.may_export_personal_data(request.user),
    }  # fmt: skip
    return render(request, "reporting/tray_index.html", context)


@coordinator_required
def tray_detail(request, tray_id: int):
    tray = get_scoped_or_404_audited(
        request, Tray, tray_id, purpose="werkbakje openen buiten eigen bereik"
    )
    key = f"{SESSION_FILTERS}:{tray.pk}"  # each tray its own filter
    url = reverse("reporting:tray", args=[tray.pk])
    if back := filters.back_to_remembered(request, key, url, defaults=TRAY_DEFAULTS):
        return back
    teams = list(scoped(request.user, Team).only("id", "name"))
    team_ids = {t.pk for t in teams}
    query = selectors.remembered_query(request.GET, team_ids=team_ids)
    tray_filter = selectors.TrayFilter.from_query(request.GET, team_ids=team_ids)
    in_tray = scoped(request.user, Signal).filter(tray=tray)
    signals = tray_filter.apply(in_tray, today=timezone.localdate())
    counts = selectors.tray_counts(tray_filter, in_tray, today=timezone.localdate())
    # A page past the last (its signals handled meanwhile) shows the last one (Paginator.get_page).
    page = selectors.tray_page(
        signals, request.GET.get("pagina"), today=timezone.localdate(), count=counts.shown
    )
    # With the page shown: a signal declined from its household page (cases:not_picked_up goes
    # back to the bare tray) brings the coordinator back to the page they were working on.
    filters.remember(request, key, _with_page(query, page.number))
    services.record_tray_view(request.user, tray, page, query=query, request=request)
    context = {
        "tray": tray,
        "page": page,
        "filter": tray_filter,
        "active_filters": selectors.active_filter_count(tray_filter),
        # The same test as the notice on the way back: when it says filters are on, the link is there.
        "filtered": filters.narrows(query, TRAY_DEFAULTS),
        "problems": selectors.tray_filter_problems(request.GET, tray_filter),
        # How many sleeping signals the filter hides (the page offers to show them).
        "hidden_dormant": counts.hidden_dormant,
        "dormant_query": selectors.with_dormant(query, selectors.DORMANT_SHOW),
        "query": query,
        "sort_query": selectors.remembered_query(
            _without(request.GET, "sorteer"), team_ids=team_ids
        ),
        # Wijken first, then buurten (each by code): the filter reads from the larger area down.
        "neighbourhoods": scoped(request.user, Neighbourhood)
        .order_by("-kind", "code")
        .only("code", "name", "kind"),
        "creditor_types": CreditorType.choices,
        "statuses": [
            ("open", _("Open (nieuw en opgepakt)")),
            *SignalStatus.choices,
            ("alle", _("Alle")),
        ],
        "teams": teams,
        "dormant_choices": selectors.dormant_choices(),
        "flags": [
            ("crisis", _("Crisis")),
            ("herhaald", _("Herhaald")),
            ("schuldverschuiving", _("Schuldverschuiving")),
        ],
        "sort_headers": selectors.sort_headers(tray_filter),
        "priority_points": selectors.priority_points(),
        "may_export_personal_data": services.may_export_personal_data(request.user),
        "bulk_actions": services.BULK_ACTIONS,
        "tray_purpose": services.TRAY_PURPOSE,  # the purpose the row's household link carries
        "not_picked_up_reasons": services.not_picked_up_reasons(),
    }
    return render(request, "reporting/tray_detail.html", context)


def _with_page(query: str, number) -> str:
    """``query`` (the tray's filter) and ``pagina`` when it is a page after the first."""
    number = parse_id(str(number or ""))
    if not number or number == 1:
        return query
    params = QueryDict(query, mutable=True)
    params["pagina"] = str(number)
    return params.urlencode()


def _without(query, key):
    copy = query.copy()
    copy.pop(key, None)
    return copy


@coordinator_required
def tray_export(request, tray_id: int):
    tray = get_scoped_or_404_audited(
        request, Tray, tray_id, purpose="werkbakje openen buiten eigen bereik"
    )
    team_ids = set(scoped(request.user, Team).values_list("pk", flat=True))
    tray_filter = selectors.TrayFilter.from_query(request.GET, team_ids=team_ids)
    if selectors.tray_filter_problems(request.GET, tray_filter):
        # A filter that could not be read is left out on the page; a download would then hold
        # more than was asked. Back to the tray, which says what is wrong; nothing exported.
        messages.error(
            request,
            _("Niet gedownload: de filters kloppen niet. Pas ze aan en download opnieuw."),
        )
        return redirect(
            f"{reverse('reporting:tray', args=[tray.pk])}?{_without(request.GET, 'formaat').urlencode()}"
        )
    signals = tray_filter.apply(
        scoped(request.user, Signal).filter(tray=tray), today=timezone.localdate()
    )
    fmt = _export_format(request)
    response = _download(services.tray_export_name(tray, timezone.localdate()), fmt)
    services.export_tray(
        request.user, tray, signals, response, fmt=fmt,
        query=selectors.remembered_query(_without(request.GET, "formaat"), team_ids=team_ids), request=request,
    )  # fmt: skip
    return response


@coordinator_required
def signals_export(request):
    """All the municipality's signals (a status, or all), as ``vroegsignaal export_signals`` writes
    them: without the sleeping ones, as the trays list them, or (``slapend=alleen``) only those."""
    status = request.GET.get("status") or None
    if status not in (None, *status_choices()):
        raise Http404
    sleeping = request.GET.get("slapend") or SLEEPING_HIDE
    if sleeping not in SLEEPING_CHOICES:
        raise Http404
    fmt = _export_format(request)
    municipality = request.user.municipality
    which = f"{status or 'alle'}{'-slapend' if sleeping == SLEEPING_ONLY else ''}"
    response = _download(
        f"signalen-{municipality.code}-{which}-{timezone.localdate().isoformat()}", fmt
    )
    services.export_municipality(
        request.user, response, status=status, fmt=fmt, request=request, sleeping=sleeping
    )
    return response


DOWNLOAD_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _export_format(request) -> str:
    fmt = request.GET.get("formaat") or "xlsx"
    if fmt not in DOWNLOAD_TYPES:
        raise Http404
    return fmt


def _download(name: str, fmt: str) -> HttpResponse:
    response = HttpResponse(content_type=DOWNLOAD_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@roles_required(Role.COORDINATOR, Role.HULPVERLENER)
def household_detail(request, household_id: int):
    household = get_scoped_or_404_audited(
        request,
        Household.objects.select_related("address__buurt__wijk"),
        household_id,
        purpose="huishouden openen buiten eigen bereik",
    )
    purpose = services.chosen_purpose(request.GET.get("doel"))
    if purpose is None:
        # The purpose is chosen before anything personal is shown (and nothing is recorded yet):
        # the audit log gets one view, with the purpose the user had.
        context = {
            "household": household,
            "purposes": services.PURPOSES,
            "suggested": services.default_purpose(request.user),
        }
        return render(request, "reporting/household_purpose.html", context)
    persons = services.open_household(request.user, household, purpose=purpose, request=request)
    signals = list(
        scoped(request.user, Signal)
        .filter(household=household)
        .select_related("tray", "team")
        .order_by("-signal_date", "-id")
    )
    signal = signals[0] if signals and signals[0].is_open else None
    cases = list(cases_of_household(request.user, household))
    today = timezone.localdate()
    deadline = selectors.contact_deadline(signal, cases) if signal else None
    to_pick_up = services.signals_to_pick_up(request.user, signals)
    context = {
        "household": household,
        "persons": persons,
        "shows_persons": request.user.role in services.ROLES_SEEING_PERSONS,
        "signal": signal,
        "deadline": deadline,
        # What the signal's line says of the deadline, as the tray and the case list decide it.
        "deadline_mark": selectors.signal_deadline_mark(signal, cases, today) if signal else None,
        "explanation": shown_explanation(signal, deadline=deadline) if signal else "",
        "earlier_signals": signals[1:] if signal else signals,
        # A wijkteam sees the signals given to it (its scope); the list is not all there was.
        "sees_all_signals": request.user.role == Role.COORDINATOR,
        "to_pick_up": to_pick_up,
        "teams": list(scoped(request.user, Team).only("id", "name")) if to_pick_up else [],
        "not_picked_up_reasons": services.not_picked_up_reasons() if to_pick_up else [],
        "cases": cases,
        "timelines": selectors.arrear_timelines(household),
        "trail": list(selectors.household_view_trail(household, limit=selectors.TRAIL_LIMIT)),
        "trail_limit": selectors.TRAIL_LIMIT,
        "purpose": purpose,
        "purpose_label": services.PURPOSES[purpose],
        "today": today,
    }
    return render(request, "reporting/household_detail.html", context)


@roles_required(Role.COORDINATOR, Role.HULPVERLENER)
def search(request):
    """Find a household by postcode and house number, or a case by its number.

    The address form posts and redirects here (post/redirect/get); the criteria wait in the
    session, so the address is in no URL, browser history or access log, and reloading the
    results does not post again. Each showing of results is in the audit log."""
    address_form = address_search.AddressSearchForm(prefix="adres")
    case_form = address_search.CaseSearchForm(prefix="zaak")
    if request.method == "POST":
        if request.POST.get("zoek") == "zaak":
            case_form = address_search.CaseSearchForm(request.POST, prefix="zaak")
            if case_form.is_valid():
                number = case_form.cleaned_data["zaaknummer"]
                case = services.find_case(request.user, number, request=request)
                if case is not None:
                    return redirect("cases:detail", case_id=case.pk)
                # Not the number again: someone may have typed a BSN into the field.
                case_form.add_error(
                    "zaaknummer", _("Er is geen zaak met dit nummer die u kunt inzien.")
                )
        else:
            address_form = address_search.AddressSearchForm(request.POST, prefix="adres")
            if address_form.is_valid():
                request.session[SESSION_SEARCH] = address_form.criteria()
                return redirect("reporting:search")
        request.session.pop(SESSION_SEARCH, None)
        return render(
            request,
            "reporting/search.html",
            {"address_form": address_form, "case_form": case_form},
            status=400,
        )
    if request.GET.get("wissen"):
        request.session.pop(SESSION_SEARCH, None)
        return redirect("reporting:search")
    context = {"address_form": address_form, "case_form": case_form}
    criteria = request.session.get(SESSION_SEARCH)
    if criteria:
        found, more = services.search_households(request.user, criteria, request=request)
        shown = address_search.shown_address(criteria)
        context |= {"criteria": criteria, "shown": shown, "found": found, "more": more}
        context["address_form"] = address_search.AddressSearchForm(
            prefix="adres",
            initial={"postcode": shown[:7], "huisnummer": shown[8:]},
        )
    return render(request, "reporting/search.html", context)


def _map_kind(request) -> str:
    return "wijk" if request.GET.get("niveau") == "wijk" else "buurt"


@coordinator_required
def neighbourhood_map(request):
    kind = _map_kind(request)
    neighbourhoods = (
        scoped(request.user, Neighbourhood).filter(kind=kind).order_by("code").defer("geometry")
    )
    rates = selectors.cached_figures(
        f"reporting:rates:{kind}:{request.user.municipality_id}",
        lambda: selectors.neighbourhood_rates(neighbourhoods, scoped(request.user, Signal), kind),
    )
    rows, sort, sort_headers = selectors.sorted_rates(rates, request.GET.get("sorteer"))
    context = {
        "kind": kind,
        "rates": rows,
        "sort": sort,
        "sort_headers": sort_headers,
        "geojson_url": f"{reverse('reporting:map_geojson')}?niveau={kind}",
        "decimal_separator": get_format("DECIMAL_SEPARATOR"),
    }
    return render(request, "reporting/map.html", context)


@coordinator_required
def neighbourhood_map_geojson(request):
    """The map's shapes with their figures (no personal data: counts per neighbourhood)."""
    kind = _map_kind(request)
    neighbourhoods = list(scoped(request.user, Neighbourhood).filter(kind=kind).order_by("code"))
    rates = selectors.cached_figures(
        f"reporting:rates:{kind}:{request.user.municipality_id}",
        lambda: selectors.neighbourhood_rates(neighbourhoods, scoped(request.user, Signal), kind),
    )
    trays = reverse("reporting:trays")
    collection = selectors.rates_feature_collection(
        neighbourhoods,
        rates,
        url_for=lambda code: f"{trays}?{QueryDict(f'buurt={code}').urlencode()}",
    )
    return JsonResponse(collection)


@coordinator_required
def dashboard(request):
    trends = selectors.cached_figures(  # the labels and month names are in the page's language
        f"reporting:trends:{request.user.municipality_id}:{get_language()}",
        lambda: selectors.monthly_trends(scoped(request.user, Signal)),
    )
    return render(request, "reporting/dashboard.html", {"trends": trends})


@require_POST
@coordinator_required
def tray_bulk_action(request, tray_id: int):
    """Pick up, assign or decline the signals ticked on the tray page; back to the same filter,
    sort and page (past the last page, when its signals were handled: the tray shows the last)."""
    tray = get_scoped_or_404_audited(
        request, Tray, tray_id, purpose="werkbakje openen buiten eigen bereik"
    )
    query = selectors.remembered_query(QueryDict(request.POST.get("filter", "")))
    back = f"{reverse('reporting:tray', args=[tray.pk])}?{_with_page(query, request.POST.get('pagina'))}"
    ids = parse_ids(request.POST.getlist("signaal"))
    signals = list(scoped(request.user, Signal).filter(tray=tray, pk__in=ids).order_by("id"))
    if not signals:
        messages.warning(request, _("Vink eerst een of meer signalen aan."))
        return redirect(back)
    team = None
    if request.POST.get("team"):
        team = get_scoped_or_404(request.user, Team, pk=request.POST["team"])
    try:
        result = services.bulk_action(
            request.user,
            signals,
            request.POST.get("actie", ""),
            team=team,
            reason=request.POST.get("reden", ""),
        )
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(back)
    for level, line in result.messages(request.POST.get("actie", ""), team=team):
        (messages.warning if level == "warning" else messages.success)(request, line)
    for signal_id, why in result.skipped:
        messages.warning(
            request, _("Signaal %(id)d niet verwerkt: %(why)s") % {"id": signal_id, "why": why}
        )
    return redirect(back)


# ---------------------------------------------------------------------------
# Monitor figures (coordinator and privacy officer: counts only) and the DDAS export
# ---------------------------------------------------------------------------

monitor_roles = roles_required(Role.COORDINATOR, Role.PRIVACY_OFFICER)


def _monitor_municipality(request):
    """The municipality whose figures are shown (``?gemeente=CODE`` among those the user may see)."""
    municipalities = list(scoped(request.user, Municipality).order_by("name"))
    code = request.GET.get("gemeente")
    if code:
        chosen = next((m for m in municipalities if m.code == code), None)
        if chosen is None:
            raise Http404
        return chosen, municipalities
    own = next((m for m in municipalities if m.pk == request.user.municipality_id), None)
    return own or (municipalities[0] if municipalities else None), municipalities


def _previous_month() -> tuple[dt.date, dt.date]:
    first_of_this = timezone.localdate().replace(day=1)
    end = first_of_this - dt.timedelta(days=1)
    return end.replace(day=1), end


@monitor_roles
def monitor(request):
    """The Divosa monitor figures per month: per wijk, creditor type, status and outcome."""
    municipality, municipalities = _monitor_municipality(request)
    start, end = _previous_month()
    context = {
        "municipality": municipality,
        "municipalities": municipalities if len(municipalities) > 1 else [],
        "may_export_ddas": request.user.role == Role.COORDINATOR,
        # The dates as typed when a download was refused (back here with them), else last month.
        "ddas_start": _date(request.GET.get("van")) or start,
        "ddas_end": _date(request.GET.get("tot")) or end,
        "ddas_refusal": request.session.pop(SESSION_DDAS_REFUSAL, ""),
    }
    if municipality is None:
        return render(request, "reporting/monitor.html", context)
    services.refresh_monitor_figures(municipality)
    months = selectors.monitor_months(municipality)
    selected, month_problem = selectors.chosen_month(months, request.GET.get("maand"))
    trend = selectors.monitor_trend(months)
    context.update(
        {
            "months": months,
            "selected": selected,
            "month_problem": month_problem,
            "tables": selectors.monitor_month_tables(selected) if selected else None,
            "frozen_reason": selectors.frozen_reason(selected) if selected else "",
            "trend": trend,
            "kind_table": selectors.monitor_kind_table(trend),
            "query": QueryDict(f"gemeente={municipality.code}").urlencode(),
        }
    )
    return render(request, "reporting/monitor.html", context)


def _monitor_download(request, fmt: str):
    municipality, _municipalities = _monitor_municipality(request)
    if municipality is None:
        raise Http404
    services.refresh_monitor_figures(municipality)
    response = _download(f"monitor-{municipality.code}-{timezone.localdate().isoformat()}", fmt)
    services.export_monitor_figures(request.user, municipality, response, fmt=fmt, request=request)
    return response


@monitor_roles
def monitor_csv(request):
    return _monitor_download(request, "csv")


@monitor_roles
def monitor_xlsx(request):
    return _monitor_download(request, "xlsx")


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")  # ?maand=JJJJ-MM
SESSION_DDAS_REFUSAL = (
    "reporting_ddas_refusal"  # why the last DDAS download was refused, shown once
)


@coordinator_required
def ddas_export(request):
    """The DDAS-vroegsignalering v0.9 export of ``?van=`` … ``?tot=`` (signal dates), validated and audited.

    Refused, the coordinator is back on the monitor as they left it (``maand``) with the dates as
    typed, and the reason next to the DDAS form.
    """
    municipality = get_scoped_or_404(request.user, Municipality, pk=request.user.municipality_id)
    start, end = _date(request.GET.get("van")), _date(request.GET.get("tot"))
    try:
        if start is None or end is None:
            raise services.DdasDownloadRefused(
                _("Vul een begin- en einddatum in (JJJJ-MM-DD) voor de DDAS-export.")
            )
        response = HttpResponse(content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="ddas-{municipality.code}-{start.isoformat()}-{end.isoformat()}.json"'
        )
        services.download_ddas(
            municipality, start, end, response, user=request.user, request=request
        )
    except services.DdasDownloadRefused as refusal:
        request.session[SESSION_DDAS_REFUSAL] = str(refusal)
        # Back with the month and the dates, only when they are a month and dates: whatever else
        # was typed could be a name, and stays out of the URL.
        back = QueryDict(mutable=True)
        if MONTH.fullmatch(month := request.GET.get("maand", "")):
            back["maand"] = month
        back.update({key: day.isoformat() for key, day in (("van", start), ("tot", end)) if day})
        return redirect(f"{reverse('reporting:monitor')}?{back.urlencode()}#ddas")
    return response

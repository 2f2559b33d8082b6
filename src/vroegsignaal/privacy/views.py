"""The privacy officer's screens: thin views over :mod:`.selectors`, :mod:`.officer` and
:mod:`.services` (the inzageverzoek)."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from vroegsignaal.portal import filters
from vroegsignaal.portal.forms import parse_id, parse_ids

from . import officer, selectors, services
from .forms import SubjectSearchForm
from .models import AuditAction, VerificationScope
from .retention import CATEGORIES, policy_for
from .subject_access import MAX_HITS, NothingToExport

RUNS_PAGE_SIZE = 25
# The audit log's filter (names, codes, dates of the search; no personal data of citizens),
# kept for the next bare visit as the other lists keep theirs.
SESSION_FILTER = "privacy_audit_filter"


def privacy_officer_required(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.is_privacy_officer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


@privacy_officer_required
def audit_log(request):
    if back := filters.back_to_remembered(request, SESSION_FILTER, reverse("privacy:audit_log")):
        return back
    query, problems = selectors.read_audit_query(request.user, request.GET)
    filters.remember(request, SESSION_FILTER, query.urlencode())
    page = selectors.audit_page(
        selectors.audit_events(request.user, query),
        before=parse_id(request.GET.get("voor")),
        after=parse_id(request.GET.get("na")),
    )
    officer.record_audit_read(request.user, query, page.events, request=request)
    labels = selectors.object_type_labels()
    for event in page.events:
        event.object_label = labels.get(event.object_type, event.object_type)
        event.organisation_label = selectors.organisation_label(event.organisation)
    return render(
        request,
        "privacy/audit_log.html",
        {
            "query": query,
            "query_string": query.urlencode(),
            "problems": problems,
            "page": page,
            "filtered": bool(query.as_params()),
            "actions": AuditAction.choices,
            "organisations": selectors.organisation_choices(request.user, query.organisatie),
            "object_types": selectors.object_type_choices(query.soort),
        },
    )


@privacy_officer_required
def audit_export(request):
    query, problems = selectors.read_audit_query(request.user, request.GET)
    if problems:
        # A filter that could not be read is dropped on the page; a download would then hold
        # more than was asked. Back to the log, which says what is wrong; nothing exported.
        messages.error(
            request,
            _("Niet gedownload: de zoekopdracht klopt niet. Pas haar aan en download opnieuw."),
        )
        return redirect(f"{reverse('privacy:audit_log')}?{request.GET.urlencode()}")
    lines = officer.export_audit_csv(request.user, query, request=request)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="auditlog-{stamp}.csv"'
    return response


@privacy_officer_required
def verification(request):
    rows = list(selectors.verifications(request.user)[:10])
    running = any(v.is_running for v in rows)
    latest = rows[0] if rows else None
    # Only the whole chain proves that nothing was deleted: its last verdict stays in view
    # when the last check was another (a municipality's, or one that broke off).
    chain = selectors.latest_chain_verdict(request.user) if latest else None
    return render(
        request,
        "privacy/verification.html",
        {
            "rows": rows,
            "latest": latest,
            "latest_chain": chain if chain is not None and chain != latest else None,
            "chain_unchecked": latest is not None
            and latest.scope_kind == VerificationScope.MUNICIPALITY
            and chain is None,
            "running": running,
            "may_check_municipality": request.user.municipality_id is not None,
            "scopes": VerificationScope,
        },
    )


@require_POST
@privacy_officer_required
def verification_start(request):
    scope = request.POST.get("omvang", VerificationScope.CHAIN)
    if scope not in VerificationScope.values:
        scope = VerificationScope.CHAIN
    try:
        officer.start_verification(request.user, scope, request=request)
    except officer.AlreadyRunning as running:
        messages.info(request, str(running))
    except ValueError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("De controle is gestart. Deze pagina toont de voortgang en de uitkomst.")
        )
    return redirect("privacy:verification")


@privacy_officer_required
def retention_runs(request):
    page = Paginator(selectors.retention_runs(request.user), RUNS_PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    rows = [(run, [(CATEGORIES.get(c, c), n) for c, n in run.counts.items() if n]) for run in page]
    policy = policy_for(request.user.municipality) if request.user.municipality_id else None
    return render(
        request,
        "privacy/retention_runs.html",
        {"page": page, "rows": rows, "policy": policy},
    )


# The inzageverzoek's search values are personal data: POST only, hidden from error reports.
SEARCH_FIELDS = ("bsn", "achternaam", "geboortedatum", "postcode")


@sensitive_post_parameters(*SEARCH_FIELDS)
@require_http_methods(["GET", "POST"])
@privacy_officer_required
def subject_access(request):
    form = SubjectSearchForm(request.POST if request.method == "POST" else None)
    result = None
    if form.is_valid():
        result = services.subject_access_search(request.user, form.query(), request=request)
        labels = selectors.object_type_labels()
        for report in result.reports:
            for event in report.audit_trail:
                event.object_label = labels.get(event.object_type, event.object_type)
                event.organisation_label = selectors.organisation_label(event.organisation)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "privacy/subject_access.html",
        {
            "form": form,
            "query": form.query() if result is not None else None,
            "result": result,
            "max_hits": MAX_HITS,
        },
        status=status,
    )


@sensitive_post_parameters(*SEARCH_FIELDS)
@require_POST
@privacy_officer_required
def subject_access_download(request):
    form = SubjectSearchForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "privacy/subject_access.html",
            {"form": form, "query": None, "result": None, "max_hits": MAX_HITS},
            status=400,
        )
    person_ids = parse_ids(request.POST.getlist("persoon"))
    try:
        if request.POST.get("vorm") == "document":
            data = services.subject_access_document(
                request.user, form.query(), person_ids, request=request
            )
            with translation.override("nl"):  # as the download: the requester's language
                return render(request, "privacy/subject_document.html", {"data": data})
        filename, content = services.subject_access_export(
            request.user, form.query(), person_ids, request=request
        )
    except NothingToExport:
        raise Http404
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

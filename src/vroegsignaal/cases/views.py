"""Case screens: thin views over :mod:`.services` and :mod:`.selectors`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from vroegsignaal.households.selectors import household_persons, open_arrears
from vroegsignaal.organisations.models import Role, Team
from vroegsignaal.organisations.scoping import get_scoped_or_404_audited, scoped
from vroegsignaal.portal import filters
from vroegsignaal.portal.forms import parse_id, refusal_text
from vroegsignaal.privacy.services import AuditAction, record
from vroegsignaal.signals.explanations_english import shown_euros
from vroegsignaal.signals.models import Signal
from vroegsignaal.signals.workflow import InvalidTransition as SignalTransitionError

from . import letters, selectors, services, workflow
from .forms import (
    AssignForm,
    CloseForm,
    ContactAttemptForm,
    LetterTemplateForm,
    NoteForm,
    NotPickedUpForm,
    OfferForm,
    PickUpForm,
)
from .models import Case, ContactAttempt

PAGE_SIZE = 25
SESSION_FILTER = "cases_list_filter"
# What the case list shows without being asked: its links carry ``toon=open`` all the same,
# and remembering it filters nothing away.
LIST_DEFAULTS = {"toon": "open"}
# The letter just made ("Brief maken"): the case page's next view offers its download, once.
LETTER_READY = "cases_letter_ready"
# The hidden field that names which of the case page's forms was sent to the page (PAGE_FORMS).
FORM_FIELD = "formulier"


def case_worker_required(view):
    """Coordinators and hulpverleners only; everyone else gets 403."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.may_work_cases(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def coordinator_required(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or request.user.role != Role.COORDINATOR:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def _case_or_404(request, case_id: int) -> Case:
    """The case if the user may see it; otherwise 404, and the attempt is audited."""
    return get_scoped_or_404_audited(
        request,
        Case.objects.select_related("team", "worker", "signal", "household", "municipality"),
        case_id,
        purpose="zaak openen buiten eigen bereik",
    )


@case_worker_required
def case_list(request):
    # The list's filter and sort stay put in the session (ids and codes only), like the trays'.
    if back := filters.back_to_remembered(
        request, SESSION_FILTER, reverse("cases:list"), defaults=LIST_DEFAULTS
    ):
        return back
    sort = request.GET.get("sorteer", selectors.DEFAULT_SORT)
    sort = sort if sort in selectors.SORTS else selectors.DEFAULT_SORT
    show = request.GET.get("toon", "open")
    show = show if show in ("open", "gesloten", "alle") else "open"
    mine = request.GET.get("van") == "mij"
    # Coordinators may narrow the list to one wijkteam; an unknown team is ignored.
    teams = (
        list(scoped(request.user, Team).only("id", "name"))
        if request.user.role == Role.COORDINATOR
        else []
    )
    wanted = request.GET.get("team", "")
    team = next((t for t in teams if str(t.pk) == wanted), None)
    cases = selectors.case_list(request.user, sort=sort, show=show, mine=mine, team=team)
    page = selectors.case_page(cases, request.GET.get("pagina"), PAGE_SIZE)
    today = timezone.localdate()
    rows = [(case, selectors.urgency(case, today)) for case in page]
    # The list's state for its sort, filter and page links.
    query = QueryDict(mutable=True)
    query["toon"] = show
    if mine:
        query["van"] = "mij"
    if team is not None:
        query["team"] = team.pk
    query["sorteer"] = sort
    if request.GET:
        filters.remember(request, SESSION_FILTER, query.urlencode())
    context = {
        "page": page, "rows": rows, "sort": sort, "show": show, "mine": mine, "today": today,
        "teams": teams, "team": team, "query": query.urlencode(),
        # The same test as the notice on the way back: when it says filters are on, the link is there.
        "filtered": filters.narrows(query.urlencode(), LIST_DEFAULTS),
    }  # fmt: skip
    return render(request, "cases/list.html", context)


@case_worker_required
def case_detail(request, case_id: int):
    """The case page. Its forms post here too, named by the hidden field ``formulier`` (their
    prefix): a refused form comes back at the case's own address, with what the user typed
    and the error, so reloading, bookmarking or sharing the address gives the case page. Nothing
    of a form waits in the session (a contact attempt's explanation may hold personal data)."""
    if request.method == "POST":
        return _case_form(request, case_id, request.POST.get(FORM_FIELD, ""))
    return _case_page(request, _case_or_404(request, case_id))


def _case_page(request, case: Case, *, refused=None):
    """The case page; ``refused`` is a form it comes back with, bound to what the user typed
    and with its errors (the others start afresh)."""
    # A team keeps its closed case's history, not the household: who lives there now and what
    # they owe is no longer its business (another team may have a new case there).
    household_hidden = case.is_closed and request.user.role == Role.HULPVERLENER
    persons = [] if household_hidden else household_persons(case.household_id)
    record(
        request.user,
        AuditAction.VIEW,
        case,
        purpose="zaak behandelen",
        request=request,
        details={"personen": len(persons)},
    )
    today = timezone.localdate()
    is_coordinator = request.user.role == Role.COORDINATOR
    context = {
        "case": case,
        "urgency": selectors.urgency(case, today),
        "persons": persons,
        "arrears": []
        if household_hidden
        else [
            (arrear, shown_euros(arrear.amount_cents, always_cents=True))
            for arrear in open_arrears(case.household_id)
        ],
        "address": None if household_hidden else getattr(case.household, "address", None),
        "household_hidden": household_hidden,
        "history": selectors.case_history(case),
        "attempts": selectors.contact_attempts(case),
        "notes": case.notes.select_related("author"),
        "attempt_form": ContactAttemptForm(initial={"on": today}),
        "offer_form": OfferForm(
            initial={
                "made_on": case.offer_made_on or today,
                "answer": case.offer_answer,
                "answered_on": case.offer_answered_on,
            }
        ),
        "close_form": CloseForm(initial={"on": today}),
        "note_form": NoteForm(),
        "letter_refusal": services.letter_refusal(case),
        "letter_today": None if case.is_closed else services.letter_attempt(case, today),
        "letter_ready": _letter_ready(request, case),
        "may_take": services.may_take(case, request.user),
        "assign_form": AssignForm(
            user=request.user, initial={"team": case.team, "worker": case.worker}
        )
        if is_coordinator
        else None,
    }
    if refused is not None:
        context[PAGE_FORMS[refused.prefix].context_name] = refused
    return render(request, "cases/detail.html", context)


def _letter_ready(request, case: Case) -> int | None:
    """The contact attempt whose letter was just made for this case (its download starts once)."""
    ready = request.session.get(LETTER_READY)
    if not ready or ready.get("zaak") != case.pk:
        return None
    del request.session[LETTER_READY]
    return None if case.is_closed else ready.get("poging")


def _case_form_action(request, case: Case, form_class, action, success: str, **form_kwargs):
    """A form of the case page. Done: back to the page with what happened. Refused by the form
    or by the service: the page again with the form as the user filled it in, the errors
    next to their fields, and the form scrolled into view (its action ends in ``#<prefix>``)."""
    back = reverse("cases:detail", kwargs={"case_id": case.pk}) + "#main"
    # A closed case's page holds only the note form: a refusal of another form is a message
    # that says why nothing changed. The service still gets a valid form: the same close sent
    # twice (a double-click arriving after the first committed) is its twin, answered as done.
    closed = case.is_closed and form_class is not NoteForm
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            action(case, form.cleaned_data)
        except workflow.InvalidTransition as error:
            # Closed meanwhile: the page no longer holds the form, so a message says why.
            messages.error(request, str(error))
            return redirect(back)
        except (ValidationError, PermissionDenied) as error:
            if closed:
                messages.error(request, str(workflow.InvalidTransition(case.status, case.status)))
                return redirect(back)
            form.refuse(error)
        else:
            messages.success(request, success)
            # #main: the message opens the page's content, not the form the user came from.
            return redirect(back)
    elif closed:
        messages.error(request, str(workflow.InvalidTransition(case.status, case.status)))
        return redirect(back)
    return _case_page(request, case, refused=form)


def _post_action(request, case_id: int, form_class, action, success: str, **form_kwargs):
    """A button on the case page without fields: done or refused, back to the page with a message."""
    case = _case_or_404(request, case_id)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            action(case, form.cleaned_data)
        except (ValidationError, workflow.InvalidTransition, PermissionDenied) as error:
            messages.error(request, refusal_text(error))
        else:
            messages.success(request, success)
    return redirect("cases:detail", case_id=case.pk)


def _log_contact_attempt(request, case: Case, d: dict):
    return services.log_contact_attempt(
        case,
        request.user,
        kind=d["kind"],
        reached=d["reached"],
        on=d["on"],
        part_of_day=d["part_of_day"],
        note=d["note"],
    )


def _record_offer(request, case: Case, d: dict):
    return services.record_offer(
        case,
        request.user,
        made_on=d["made_on"],
        answer=d["answer"],
        answered_on=d["answered_on"],
    )


@dataclass(frozen=True)
class _PageForm:
    """A form of the case page: what it is, what it does, what the page says when it is done."""

    form_class: type[forms.Form]
    context_name: str  # the page's template knows it by this name
    act: Callable[[HttpRequest, Case, dict], object]
    success: str
    coordinator_only: bool = False
    with_user: bool = False  # the form offers what the user may choose (their teams)


# The case page's forms by their prefix, which they send in the hidden field FORM_FIELD.
PAGE_FORMS: dict[str, _PageForm] = {
    ContactAttemptForm.prefix: _PageForm(
        ContactAttemptForm,
        "attempt_form",
        _log_contact_attempt,
        gettext_lazy("De contactpoging is vastgelegd."),
    ),
    OfferForm.prefix: _PageForm(
        OfferForm, "offer_form", _record_offer, gettext_lazy("Het hulpaanbod is vastgelegd.")
    ),
    CloseForm.prefix: _PageForm(
        CloseForm,
        "close_form",
        lambda request, case, d: services.close_case(case, request.user, d["outcome"], on=d["on"]),
        gettext_lazy("De zaak is afgesloten."),
    ),
    NoteForm.prefix: _PageForm(
        NoteForm,
        "note_form",
        lambda request, case, d: services.add_note(case, request.user, d["text"]),
        gettext_lazy("De notitie is opgeslagen."),
    ),
    AssignForm.prefix: _PageForm(
        AssignForm,
        "assign_form",
        lambda request, case, d: services.assign(
            case, request.user, team=d["team"], worker=d["worker"]
        ),
        gettext_lazy("De zaak is toegewezen."),
        coordinator_only=True,
        with_user=True,
    ),
}


def _case_form(request, case_id: int, name: str):
    """A form of the case page, by its name (prefix); an unknown one is a bad request."""
    page_form = PAGE_FORMS.get(name)
    if page_form is None:
        raise BadRequest("no such form on the case page")
    if page_form.coordinator_only and request.user.role != Role.COORDINATOR:
        raise PermissionDenied
    form_kwargs = {"user": request.user} if page_form.with_user else {}
    return _case_form_action(
        request,
        _case_or_404(request, case_id),
        page_form.form_class,
        lambda case, d: page_form.act(request, case, d),
        str(page_form.success),
        **form_kwargs,
    )


# The forms' own addresses (POST only), as before the page posted them to itself: for scripts
# and a page opened before then. A refusal there is the case page at that address.


@case_worker_required
@require_POST
def contact_attempt(request, case_id: int):
    return _case_form(request, case_id, ContactAttemptForm.prefix)


@case_worker_required
@require_POST
def offer(request, case_id: int):
    return _case_form(request, case_id, OfferForm.prefix)


@case_worker_required
@require_POST
def close(request, case_id: int):
    return _case_form(request, case_id, CloseForm.prefix)


@case_worker_required
@require_POST
def note(request, case_id: int):
    return _case_form(request, case_id, NoteForm.prefix)


@coordinator_required
@require_POST
def assign(request, case_id: int):
    return _case_form(request, case_id, AssignForm.prefix)


@case_worker_required
@require_POST
def take(request, case_id: int):
    """A hulpverlener takes an open case of their team that has no worker yet."""
    return _post_action(
        request,
        case_id,
        forms.Form,
        lambda case, d: services.take_case(case, request.user),
        _("De zaak is aan u toegewezen."),
    )


def _household_for_signal_handling(signal: Signal) -> str:
    """Back to the household page, opened for the purpose the coordinator was working on it
    (without one the page first asks for a purpose)."""
    path = reverse("reporting:household", kwargs={"household_id": signal.household_id})
    return f"{path}?doel=signaalbehandeling"


@coordinator_required
@require_POST
def pick_up(request):
    """Pick a signal up (the signal id comes in the form) and open its case."""
    form = PickUpForm(request.POST, user=request.user)
    if not form.is_valid():
        raise Http404
    signal = get_scoped_or_404_audited(
        request, Signal, form.cleaned_data["signal"], purpose="signaal openen buiten eigen bereik"
    )
    try:
        case = services.pick_up_signal(signal, request.user, team=form.cleaned_data["team"])
    except (ValidationError, PermissionDenied, SignalTransitionError) as error:
        messages.error(request, refusal_text(error))
        return redirect(_household_for_signal_handling(signal))
    messages.success(request, _("Het signaal is opgepakt."))
    return redirect("cases:detail", case_id=case.pk)


@coordinator_required
@require_POST
def not_picked_up(request):
    """Mark a signal as not picked up, with a DDAS reason."""
    form = NotPickedUpForm(request.POST)
    if not form.is_valid() and "signal" in form.errors:
        raise Http404
    signal = get_scoped_or_404_audited(
        request, Signal, form.cleaned_data["signal"], purpose="signaal openen buiten eigen bereik"
    )
    # Back where the coordinator was working: the signal's tray (its filters are remembered),
    # or the household page when something stopped it there.
    household = _household_for_signal_handling(signal)
    if "reason" in form.errors:
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect(household)
    tray_id = signal.tray_id
    try:
        services.mark_not_picked_up(signal, request.user, form.cleaned_data["reason"])
    except (SignalTransitionError, ValidationError) as error:
        messages.error(request, refusal_text(error))
        return redirect(household)
    messages.success(request, _("Het signaal is als niet opgepakt gemarkeerd."))
    return redirect(reverse("reporting:tray", args=[tray_id]) if tray_id else household)


@case_worker_required
@require_http_methods(["GET", "POST"])
def letter(request, case_id: int):
    """POST ("Brief maken"): record the letter as a contact attempt (or find today's) and go back
    to the case page, which shows the attempt and starts the download. GET ``?poging=<id>``: the
    letter of that attempt as PDF, recording nothing. Only ids travel in the address."""
    if request.method == "GET":
        attempt_id = parse_id(request.GET.get("poging"))
        if attempt_id is None:
            return HttpResponseNotAllowed(["POST"])  # which letter? Making one is a POST
        case = _case_or_404(request, case_id)
        try:
            pdf = services.letter_pdf(case, attempt_id, request.user, request=request)
        except ContactAttempt.DoesNotExist:
            raise Http404 from None
        except (workflow.InvalidTransition, ValidationError) as error:
            messages.error(request, refusal_text(error))
            return redirect("cases:detail", case_id=case.pk)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="brief-zaak-{case.pk}.pdf"'
        return response
    case = _case_or_404(request, case_id)
    try:
        attempt, new = services.make_letter(case, request.user)
    except (workflow.InvalidTransition, ValidationError) as error:
        messages.error(request, refusal_text(error))
        return redirect("cases:detail", case_id=case.pk)
    if new:
        messages.success(request, _("Brief gemaakt en als contactpoging vastgelegd."))
    else:
        messages.info(
            request,
            _(
                "Vandaag is voor deze zaak al een brief gemaakt; er is geen nieuwe contactpoging "
                "vastgelegd. De brief van vandaag staat klaar om te downloaden."
            ),
        )
    # Once: the next view of this case offers the letter and starts its download.
    request.session[LETTER_READY] = {"zaak": case.pk, "poging": attempt.pk}
    return redirect(reverse("cases:detail", kwargs={"case_id": case.pk}) + "#main")


@coordinator_required
def letter_template(request):
    """The coordinator edits the municipality's letter text."""
    municipality = request.user.municipality
    if request.method == "POST":
        form = LetterTemplateForm(request.POST)
        if form.is_valid():
            try:
                services.save_letter_template(municipality, request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)  # per field: subject, body
            else:
                messages.success(request, _("De brieftekst is opgeslagen."))
                return redirect("cases:letter_template")
    else:
        subject, body = services.letter_text(municipality)
        form = LetterTemplateForm(initial={"subject": subject, "body": body})
        if errors := services.letter_text_errors(subject=subject, body=body):
            # A text saved before placeholders were checked: show what to correct.
            form = LetterTemplateForm({"subject": subject, "body": body})
            form.is_valid()
            form.add_error(None, ValidationError(errors))
    return render(
        request, "cases/letter_template.html", {"form": form, "placeholders": letters.PLACEHOLDERS}
    )

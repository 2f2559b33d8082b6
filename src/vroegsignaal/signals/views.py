"""The coordinator's rules page (Signaalregels) and tray management (Werkbakjes beheren):
thin, over :func:`.services.change_rules` and the tray services of :mod:`.services`."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.scoping import get_scoped_or_404_audited, scoped
from vroegsignaal.registry.models import Neighbourhood

from . import forms, selectors, services
from .models import OPEN_STATUSES, RuleSet, Signal, Tray
from .rules import RuleValues


def coordinator_required(view):
    """A coordinator of a municipality; everyone else gets 403, as on the other coordinator pages."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if (
            not user.is_authenticated
            or user.role != Role.COORDINATOR
            or user.municipality_id is None
        ):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


@coordinator_required
def rules(request):
    """The municipality's rules next to the defaults, the form to change them and every version."""
    municipality = request.user.municipality
    current = services.current_rules(municipality)
    if request.method == "POST":
        form = forms.RulesForm(request.POST, current=current, actor=request.user)
        if form.is_valid():
            try:
                rule_set, created = services.change_rules(
                    municipality,
                    form.changes(),
                    actor=request.user,
                    shown_version=form.cleaned_data["version"],
                )
            except ValueError as error:  # the form checks the same ranges; this is the last word
                # Checked again against the rules in force now, which the page then shows with
                # their version: a colleague's save that came in between the form's check and the
                # service reads as one made before (the page says it shows their version), and
                # saving again goes through. Any other refusal keeps the service's words.
                current = services.current_rules(municipality)
                form = forms.RulesForm(request.POST, current=current, actor=request.user)
                if form.is_valid():
                    form.add_error(None, str(error))
            else:
                if created:
                    messages.success(
                        request, forms.rules_saved_text(rule_set, services.previous_rules(rule_set))
                    )
                else:
                    messages.info(request, _("Er is niets gewijzigd: versie %(version)s blijft gelden.") % {
                        "version": rule_set.version
                    })  # fmt: skip
                return redirect("signals:rules")
    else:
        form = forms.RulesForm(current=current)
    history = (
        scoped(request.user, RuleSet).filter(municipality=municipality).select_related("created_by")
    )
    values = current.values() if current else RuleValues()
    context = {
        "form": form,
        "current": current,
        "rows": forms.rule_rows(values),
        "history": forms.rule_history(history),
        "confirm": forms.rules_confirm_text(),
        "confirm_data": forms.rules_confirm_data(values),
    }
    return render(request, "signals/rules.html", context)


# ---------------------------------------------------------------------------
# Trays (werkbakjes): the list in order, add, change, move, delete
# ---------------------------------------------------------------------------


def _trays_url(tray_id: int | None = None) -> str:
    url = reverse("signals:trays_manage")
    return f"{url}#werkbakje-{tray_id}" if tray_id else url


def _moved_text(change) -> str:
    """The open signals a tray change put in another tray (those now in no tray: :func:`_say_unplaced`)."""
    moved = change.moved_signals - change.unplaced_signals
    if not moved:
        return _("Geen open signaal kwam in een ander werkbakje.")
    return ngettext(
        "%(n)s open signaal kwam in een ander werkbakje.",
        "%(n)s open signalen kwamen in een ander werkbakje.",
        moved,
    ) % {"n": moved}


def _say_unplaced(request, change) -> None:
    """A warning next to the success: open signals that fit no tray any more are in no tray's list."""
    if change.unplaced_signals:
        messages.warning(request, forms.unplaced_text(change.unplaced_signals))


def _tray_rows(request) -> tuple[list[dict], dict]:
    """The rows of Werkbakjes beheren (:func:`.forms.tray_rows`) and the open signals per tray."""
    trays = list(scoped(request.user, Tray).select_related("team").order_by("position", "id"))
    counts = selectors.open_per_tray(scoped(request.user, Signal))
    codes = {code for tray in trays for code in tray.neighbourhood_codes or []}
    places = dict(
        scoped(request.user, Neighbourhood).filter(code__in=codes).values_list("code", "name")
    )
    return forms.tray_rows(trays, counts, places), counts


@coordinator_required
@require_GET
def trays_manage(request):
    """The municipality's trays in order: conditions in words, open signals (awake and sleeping
    apart, as the trays overview counts them), and the changes."""
    rows, counts = _tray_rows(request)
    unplaced = counts.get(None, selectors.OpenInTray()).total
    return render(request, "signals/trays.html", {"rows": rows, "unplaced": unplaced})


def _tray_form_page(request, form, tray=None, preview=None):
    context = {"form": form, "tray": tray, "preview": preview}
    if preview is not None:
        context["preview_lines"] = forms.change_resort_lines(preview)
        context["confirmation"] = form.values_digest()
        context["confirmation_field"] = forms.CONFIRMATION
    return render(request, "signals/tray_form.html", context)


@coordinator_required
@require_http_methods(["GET", "POST"])
def tray_add(request):
    municipality = request.user.municipality
    if request.method != "POST":
        return _tray_form_page(request, forms.TrayForm(municipality=municipality))
    form = forms.TrayForm(request.POST, municipality=municipality)
    if form.is_valid():
        try:
            change = services.create_tray(municipality, form.values(), actor=request.user)
        except ValidationError as error:  # the form checks the same; this is the last word
            form.add_error(None, error)
        else:
            messages.success(request, _(
                "Werkbakje ‘%(name)s’ is toegevoegd op plaats %(place)s. %(moved)s"
            ) % {"name": change.tray.name, "place": change.place, "moved": _moved_text(change)})  # fmt: skip
            _say_unplaced(request, change)
            return redirect(_trays_url(change.tray.pk))
    return _tray_form_page(request, form)


@coordinator_required
@require_http_methods(["GET", "POST"])
def tray_edit(request, tray_id: int):
    tray = get_scoped_or_404_audited(
        request,
        Tray.objects.select_related("team"),
        tray_id,
        purpose="werkbakje openen buiten eigen bereik",
    )
    municipality = request.user.municipality
    if request.method != "POST":
        return _tray_form_page(request, forms.TrayForm(municipality=municipality, tray=tray), tray)
    form = forms.TrayForm(request.POST, municipality=municipality, tray=tray)
    if form.is_valid():
        # What saving would do to the open signals, shown first when any would change tray.
        if (preview := form.unconfirmed_preview()) is not None:
            return _tray_form_page(request, form, tray, preview)
        try:
            change = services.update_tray(tray, form.values(), actor=request.user)
        except Tray.DoesNotExist:
            raise Http404 from None
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if change.changed:
                messages.success(request, _("Werkbakje ‘%(name)s’ is gewijzigd. %(moved)s") % {
                    "name": change.tray.name, "moved": _moved_text(change)})  # fmt: skip
                _say_unplaced(request, change)
            else:
                messages.info(
                    request,
                    _("Er is niets gewijzigd aan werkbakje ‘%(name)s’.")
                    % {"name": change.tray.name},
                )
            return redirect(_trays_url(change.tray.pk))
    return _tray_form_page(request, form, tray)


def _tray_move_page(request, question: services.TrayMoveQuestion, direction: str):
    """What the move would do to the open signals, and the button that does it anyway."""
    context = {
        "tray": question.tray,
        "question": question,
        "direction": direction,
        "lines": forms.move_resort_lines(question.preview),
        # A tray above a crisis tray: the warning is here, the move's one question (no script).
        "crisis_question": forms.move_crisis_question(question),
        "confirmation": question.fingerprint,
        "confirmation_field": forms.CONFIRMATION,
    }
    return render(request, "signals/tray_move.html", context)


@coordinator_required
@require_POST
def tray_move(request, tray_id: int):
    """One place up (``richting=omhoog``) or down (``omlaag``): at once when no open signal
    would change tray and no tray goes above a crisis tray; otherwise first a page with how
    many, and the crisis warning (confirmed: ``bevestigd``, the fingerprint of the trays that
    page was computed for; stale, it asks again)."""
    tray = get_scoped_or_404_audited(
        request, Tray, tray_id, purpose="werkbakje openen buiten eigen bereik"
    )
    direction = request.POST.get("richting", "")
    offset = {"omhoog": -1, "omlaag": 1}.get(direction)
    if offset is None:
        messages.error(request, _("Kies omhoog of omlaag."))
        return redirect(_trays_url(tray.pk))
    confirmed = request.POST.get(forms.CONFIRMATION) or None
    try:
        change = services.move_tray(tray, offset, actor=request.user, ask=True, confirmed=confirmed)
    except Tray.DoesNotExist:
        messages.error(request, _("Dat werkbakje bestaat niet meer."))
        return redirect(_trays_url())
    except services.TrayMoveUnconfirmed as unconfirmed:
        return _tray_move_page(request, unconfirmed.question, direction)
    if change.changed:
        messages.success(request, _("Werkbakje ‘%(name)s’ staat nu op plaats %(place)s. %(moved)s") % {
            "name": change.tray.name, "place": change.place, "moved": _moved_text(change)})  # fmt: skip
        _say_unplaced(request, change)
    else:
        messages.info(request, _("Werkbakje ‘%(name)s’ staat al op plaats %(place)s.") % {
            "name": change.tray.name, "place": change.place})  # fmt: skip
    return redirect(_trays_url(tray.pk))


@coordinator_required
@require_http_methods(["GET", "POST"])
def tray_delete(request, tray_id: int):
    """GET: what deleting would do, and the button; POST: delete."""
    tray = get_scoped_or_404_audited(
        request,
        Tray.objects.select_related("team"),
        tray_id,
        purpose="werkbakje openen buiten eigen bereik",
    )
    if request.method == "POST":
        try:
            change = services.delete_tray(tray, actor=request.user)
        except Tray.DoesNotExist:
            messages.error(request, _("Dat werkbakje bestaat niet meer."))
        except ValueError as error:
            messages.error(request, str(error))
            return redirect(_trays_url(tray.pk))
        else:
            messages.success(request, _("Werkbakje ‘%(name)s’ is verwijderd. %(moved)s") % {
                "name": change.tray.name, "moved": _moved_text(change)})  # fmt: skip
            _say_unplaced(request, change)
        return redirect(_trays_url())
    signals = scoped(request.user, Signal).filter(tray=tray)
    codes = tray.neighbourhood_codes or []
    places = dict(
        scoped(request.user, Neighbourhood).filter(code__in=codes).values_list("code", "name")
    )
    last = not scoped(request.user, Tray).exclude(pk=tray.pk).exists()
    context = {
        "tray": tray,
        "conditions": forms.tray_summary(tray, places),
        "open": signals.filter(status__in=OPEN_STATUSES).count(),
        "closed": signals.exclude(status__in=OPEN_STATUSES).count(),
        "last": last,
        # Where its open signals, its crisis signals above all, would go (nothing is deleted).
        "preview": None if last else services.preview_tray_delete(tray),
    }
    return render(request, "signals/tray_delete.html", context)

"""The coordinator's rules page (Signaalregels): thin, over :func:`.services.change_rules`."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.scoping import scoped

from . import forms, services
from .models import RuleSet
from .rules import RuleValues


def coordinator_required(view):
    """A coordinator of a municipality; everyone else gets 403, as on the other coordinator pages."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated or user.role != Role.COORDINATOR or user.municipality_id is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


@coordinator_required
def rules(request):
    """The municipality's rules next to the defaults, the form to change them and every version."""
    municipality = request.user.municipality
    current = services.current_rules(municipality)
    if request.method == "POST":
        form = forms.RulesForm(request.POST, current=current)
        if form.is_valid():
            try:
                rule_set, created = services.change_rules(municipality, form.changes(), actor=request.user)
            except ValueError as error:  # the form checks the same ranges; this is the last word
                form.add_error(None, str(error))
            else:
                if created:
                    messages.success(request, _(
                        "De signaalregels zijn opgeslagen als versie %(version)s. Alle huishoudens van uw gemeente "
                        "worden nu op de achtergrond opnieuw beoordeeld; bestaande signalen houden de versie "
                        "waarmee ze zijn ontstaan."
                    ) % {"version": rule_set.version})  # fmt: skip
                else:
                    messages.info(request, _("Er is niets gewijzigd: versie %(version)s blijft gelden.") % {
                        "version": rule_set.version
                    })  # fmt: skip
                return redirect("signals:rules")
    else:
        form = forms.RulesForm(current=current)
    history = scoped(request.user, RuleSet).filter(municipality=municipality).select_related("created_by")
    context = {
        "form": form,
        "current": current,
        "rows": forms.rule_rows(current.values() if current else RuleValues()),
        "history": forms.rule_history(history),
    }
    return render(request, "signals/rules.html", context)

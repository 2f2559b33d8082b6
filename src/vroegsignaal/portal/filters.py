"""Filters that stay put: a list page remembers its filter in the session.

Only the filter's query string is kept (codes, ids, dates and the sort; never
personal data). ``?wissen=1`` forgets it; opening the page bare goes back to
it, by a redirect, so that the page's links and the address show the filter.
The way back says so when the remembered query narrows the list: not for the
sort or the page, nor for a parameter at the value the list has without it
(the case list's ``toon=open``).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# Parameters that order or page a list: keeping them filters nothing away.
NOT_A_FILTER = frozenset({"sorteer", "pagina"})


def narrows(query: str, defaults: Mapping[str, str] | None = None) -> bool:
    """Whether a remembered query string filters anything away: a parameter that only orders
    or pages the list does not, nor one at the value the list shows without it (``defaults``)."""
    defaults = defaults or {}
    return any(
        name not in NOT_A_FILTER and defaults.get(name) != value for name, value in parse_qsl(query)
    )


def back_to_remembered(
    request: HttpRequest, key: str, url: str, *, defaults: Mapping[str, str] | None = None
) -> HttpResponse | None:
    """The redirect that ``?wissen=1`` or a bare visit needs; ``None``: show the page as asked.
    ``defaults``: the list's parameters at the value it has without them (no filter)."""
    if request.GET.get("wissen"):
        request.session.pop(key, None)
        return redirect(url)
    remembered = request.session.get(key, "")
    if not request.GET and remembered:
        if narrows(remembered, defaults):
            # Said once, on the way back: the list shows less than everything.
            messages.info(
                request,
                _("Uw filters van de vorige keer staan nog aan; ‘Filters wissen’ toont alles."),
            )
        return redirect(f"{url}?{remembered}")
    return None


def remember(request: HttpRequest, key: str, query: str) -> None:
    """Keep ``query`` (the page's filter as a query string) for the next bare visit."""
    if request.session.get(key) != query:
        request.session[key] = query

"""Filters that stay put: a list page remembers its filter in the session.

Only the filter's query string is kept (codes, ids, dates and the sort; never
personal data). ``?wissen=1`` forgets it; opening the page bare goes back to
it, by a redirect, so that the page's links and the address show the filter.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# Parameters that order or page a list: keeping them filters nothing away.
NOT_A_FILTER = frozenset({"sorteer", "pagina"})


def back_to_remembered(request: HttpRequest, key: str, url: str) -> HttpResponse | None:
    """The redirect that ``?wissen=1`` or a bare visit needs; ``None``: show the page as asked."""
    if request.GET.get("wissen"):
        request.session.pop(key, None)
        return redirect(url)
    remembered = request.session.get(key, "")
    if not request.GET and remembered:
        if any(name not in NOT_A_FILTER for name, _value in parse_qsl(remembered)):
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

"""Filters that stay put: the way back to a remembered filter says so only when it narrows the list."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from vroegsignaal.portal import filters

NOTICE = "Uw filters van de vorige keer staan nog aan; ‘Filters wissen’ toont alles."


def _bare_visit(remembered: str):
    request = RequestFactory().get("/lijst/")
    request.session = SessionStore()
    request.session["lijst"] = remembered
    request._messages = FallbackStorage(request)
    response = filters.back_to_remembered(request, "lijst", "/lijst/", defaults={"toon": "open"})
    return response, [str(m) for m in get_messages(request)]


@pytest.mark.parametrize("query", ["sorteer=status", "pagina=2", "toon=open&sorteer=termijn"])
def test_a_remembered_sort_page_or_default_value_is_not_announced_as_a_filter(query):
    response, said = _bare_visit(query)
    assert response["Location"] == f"/lijst/?{query}" and said == []


@pytest.mark.parametrize("query", ["toon=gesloten", "toon=open&team=3", "van=mij&sorteer=status"])
def test_a_remembered_filter_is_announced_on_the_way_back(query):
    _response, said = _bare_visit(query)
    assert said == [NOTICE]


def test_without_defaults_every_parameter_but_sort_and_page_narrows():
    assert filters.narrows("toon=open") and not filters.narrows("sorteer=bedrag&pagina=3")

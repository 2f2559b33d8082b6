"""After working a tray the coordinator is back where they were: the same filter, sort and page;
and "Filters wissen" is offered only when a filter narrows the tray."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from vroegsignaal.cases.models import NotPickedUpReason
from vroegsignaal.signals.models import Signal

from .conftest import Town

pytestmark = pytest.mark.django_db

CLEAR_LINK = 'href="?wissen=1"'


def _tray_url(town: Town) -> str:
    return reverse("reporting:tray", args=[town.tray.pk])


def _bulk_form_fields(body: str) -> dict[str, str]:
    """The hidden fields of the tray's bulk form, as the browser sends them."""
    form = body[body.index('id="bulk"') : body.index("</form>", body.index('id="bulk"'))]
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
        if name != "csrfmiddlewaretoken"
    }


def _signals(town: Town, count: int) -> list[Signal]:
    # Distinct amounts: sorted on bedrag, each page holds known signals.
    return [town.signal(amount=100_000 - n) for n in range(count)]


def test_a_bulk_action_returns_to_the_page_it_was_done_on(town, client, verified_client):
    """It went back to page 1 with the filter and sort: the coordinator lost their place."""
    _signals(town, 120)
    verified_client(town.coordinator)
    page = client.get(_tray_url(town), {"status": "open", "sorteer": "bedrag", "pagina": "2"})
    ticked = page.context["page"].object_list[0]
    for data in (
        {"actie": "niet_opgepakt", "reden": NotPickedUpReason.OVERLEDEN.value},
        {"actie": "oppakken", "team": town.team.pk},
    ):
        response = client.post(
            reverse("reporting:tray_bulk_action", args=[town.tray.pk]),
            {**_bulk_form_fields(page.content.decode()), "signaal": [ticked.pk], **data},
        )
        assert response["Location"] == f"{_tray_url(town)}?status=open&sorteer=bedrag&pagina=2"
        back = client.get(response["Location"])
        assert back.context["page"].number == 2
        ticked = back.context["page"].object_list[0]
    assert Signal.objects.filter(status="niet_opgepakt").count() == 1
    assert Signal.objects.filter(status="opgepakt").count() == 1


def test_a_bulk_action_refused_returns_to_the_page_too(town, client, verified_client):
    _signals(town, 60)
    verified_client(town.coordinator)
    page = client.get(_tray_url(town), {"sorteer": "bedrag", "pagina": "2"})
    response = client.post(
        reverse("reporting:tray_bulk_action", args=[town.tray.pk]),
        {**_bulk_form_fields(page.content.decode()), "actie": "oppakken"},  # nothing ticked
    )
    assert response["Location"] == f"{_tray_url(town)}?sorteer=bedrag&pagina=2"


def test_a_bulk_action_that_empties_the_last_page_returns_to_the_last_page_left(
    town, client, verified_client
):
    _signals(town, 105)
    verified_client(town.coordinator)
    page = client.get(_tray_url(town), {"status": "open", "sorteer": "bedrag", "pagina": "3"})
    assert page.context["page"].paginator.num_pages == 3
    response = client.post(
        reverse("reporting:tray_bulk_action", args=[town.tray.pk]),
        {
            **_bulk_form_fields(page.content.decode()),
            "signaal": [s.pk for s in page.context["page"].object_list],
            "actie": "niet_opgepakt",
            "reden": NotPickedUpReason.OVERLEDEN.value,
        },
        follow=True,
    )
    shown = response.context["page"]
    assert (shown.number, shown.paginator.num_pages, len(shown.object_list)) == (2, 2, 50)


def test_declining_one_signal_from_its_household_returns_to_the_tray_page_it_came_from(
    town, client, verified_client
):
    """The single decline (cases:not_picked_up) goes back to the bare tray, which redirected to
    the remembered filter without its page."""
    _signals(town, 120)
    verified_client(town.coordinator)
    page = client.get(_tray_url(town), {"status": "open", "sorteer": "bedrag", "pagina": "2"})
    signal = page.context["page"].object_list[3]
    response = client.post(
        reverse("cases:not_picked_up"),
        {"signal": signal.pk, "reason": NotPickedUpReason.OVERLEDEN.value},
        follow=True,
    )
    assert Signal.objects.get(pk=signal.pk).status == "niet_opgepakt"
    assert response.redirect_chain[-1][0] == (
        f"{_tray_url(town)}?status=open&sorteer=bedrag&pagina=2"
    )
    assert response.context["page"].number == 2
    # The page is the place to come back to, not a filter: nothing to announce.
    assert not [str(m) for m in response.context["messages"] if "Filters wissen" in str(m)]


def test_a_new_filter_or_sort_starts_on_page_one_again(town, client, verified_client):
    _signals(town, 120)
    verified_client(town.coordinator)
    client.get(_tray_url(town), {"sorteer": "bedrag", "pagina": "2"})
    client.get(_tray_url(town), {"sorteer": "-bedrag"})
    back = client.get(_tray_url(town))
    assert back["Location"] == f"{_tray_url(town)}?sorteer=-bedrag"


# --- "Filters wissen": only when a filter narrows the tray ------------------------------------


def test_filters_wissen_is_not_offered_after_the_filters_were_cleared(
    town, client, verified_client
):
    town.signal()
    verified_client(town.coordinator)
    client.get(_tray_url(town), {"crisis": "1"})
    response = client.get(_tray_url(town), {"wissen": "1"}, follow=True)
    assert response.context["page"].paginator.count == 1
    assert CLEAR_LINK not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [{}, {"status": "open"}, {"sorteer": "bedrag"}, {"status": "open", "sorteer": "-bedrag"}],
)
def test_filters_wissen_is_not_offered_for_the_default_status_or_a_sort_order(
    town, client, verified_client, query
):
    town.signal()
    verified_client(town.coordinator)
    body = client.get(_tray_url(town), query).content.decode()
    assert CLEAR_LINK not in body
    assert "Filters (1 actief)" not in body


@pytest.mark.parametrize(
    "query", [{"crisis": "1"}, {"status": "alle"}, {"team": "<town.team>"}, {"bedrag_van": "10"}]
)
def test_filters_wissen_is_offered_when_a_filter_narrows_or_changes_the_tray(
    town, client, verified_client, query
):
    town.signal()
    verified_client(town.coordinator)
    # A team of the municipality (another id is not read, and said so; ids differ per database).
    query = {k: str(town.team.pk) if v == "<town.team>" else v for k, v in query.items()}
    assert CLEAR_LINK in client.get(_tray_url(town), query).content.decode()


def test_a_remembered_default_status_and_sort_are_not_announced_as_filters(
    town, client, verified_client
):
    """The way back said "Uw filters ... staan nog aan; ‘Filters wissen’ toont alles" for the
    default status, on a page that then offers no "Filters wissen"."""
    verified_client(town.coordinator)
    client.get(_tray_url(town), {"status": "open", "sorteer": "bedrag"})
    response = client.get(_tray_url(town), follow=True)
    assert response.redirect_chain[-1][0] == f"{_tray_url(town)}?status=open&sorteer=bedrag"
    assert [str(m) for m in response.context["messages"]] == []


def test_an_empty_tray_with_only_a_sort_order_says_it_is_empty_not_that_filters_hide_signals(
    town, client, verified_client
):
    verified_client(town.coordinator)
    body = client.get(_tray_url(town), {"status": "open", "sorteer": "bedrag"}).content.decode()
    assert "Dit werkbakje is leeg" in body
    assert "Geen signalen die aan deze filters voldoen." not in body
    assert CLEAR_LINK not in body

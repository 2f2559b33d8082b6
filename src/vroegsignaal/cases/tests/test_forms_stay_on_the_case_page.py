"""The case page's forms post to the case page itself.

A refused form came back rendered at the address it was posted to (``/zaken/<id>/toewijzen/``,
``…/afsluiten/``, ``…/hulpaanbod/``, ``…/contactpoging/``, ``…/notitie/``): reloading sent the
form again to that address, and a bookmark or a shared link of it gave a 405. The forms now
post to ``/zaken/<id>/`` with their name in a hidden field (``formulier``); a refusal is the
case page at its own address, with the error and what the user typed, and nothing is kept
in the session (a contact attempt's explanation may hold personal data).
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from vroegsignaal.cases import services
from vroegsignaal.cases.models import Case, Outcome
from vroegsignaal.privacy.models import AuditEvent

PICKED_UP = dt.date(2026, 3, 2)
NEXT_YEAR = (dt.date.today() + dt.timedelta(days=366)).isoformat()


class _Forms(HTMLParser):
    """The page's POST forms: (action, the value of their hidden ``formulier`` or None)."""

    def __init__(self):
        super().__init__()
        self.forms: list[list] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self.forms.append([attrs["action"], None])
        elif tag == "input" and attrs.get("name") == "formulier" and self.forms:
            self.forms[-1][1] = attrs.get("value")


def _forms(html: str) -> list[tuple[str, str | None]]:
    parser = _Forms()
    parser.feed(html)
    return [tuple(form) for form in parser.forms]


def _detail(case) -> str:
    return reverse("cases:detail", kwargs={"case_id": case.pk})


@pytest.fixture
def case(coordinator, team, signal):
    return services.pick_up_signal(signal, coordinator, team=team, on=PICKED_UP)


def test_every_form_of_the_case_page_with_fields_posts_to_the_case_page_itself(
    client, verified_client, coordinator, case
):
    verified_client(coordinator)
    forms = _forms(client.get(_detail(case)).content.decode())
    detail = _detail(case)
    with_fields = [(a, name) for a, name in forms if name is not None]
    assert with_fields == [
        (f"{detail}#{name}", name)
        for name in ("poging", "aanbod", "toewijzen", "afsluiten", "notitie")
    ]
    # The case's buttons without fields ("Brief maken") go back to the case page whatever happens.
    buttons = [a for a, name in forms if name is None and a.startswith(detail)]
    assert buttons == [reverse("cases:letter", args=[case.pk])]


def test_a_refused_assignment_is_shown_at_the_case_address_with_what_was_chosen(
    client, verified_client, coordinator, case, other_team, worker
):
    """Wijkteam Zuid with a hulpverlener of Wijkteam Noord: refused at the field, on the page."""
    verified_client(coordinator)
    response = client.post(
        _detail(case),
        {"formulier": "toewijzen", "toewijzen-team": other_team.pk, "toewijzen-worker": worker.pk},
    )
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == _detail(case)
    form = response.context["assign_form"]
    assert form.errors == {"worker": ["Die hulpverlener hoort niet bij dat wijkteam."]}
    body = response.content.decode()
    assert re.search(rf'<option value="{other_team.pk}" selected>Wijkteam Zuid</option>', body)
    assert re.search(rf'<option value="{worker.pk}" selected>', body)
    assert f'action="{_detail(case)}#toewijzen"' in body
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.team.name, fresh.worker) == ("Wijkteam Noord", None)


def test_closing_as_helped_before_an_offer_is_refused_at_the_case_address(
    client, verified_client, worker, case
):
    verified_client(worker)
    response = client.post(
        _detail(case),
        {
            "formulier": "afsluiten",
            "afsluiten-outcome": Outcome.ADVIES_QUICK_FIX,
            "afsluiten-on": "2026-03-20",
        },
    )
    assert (response.status_code, response.request["PATH_INFO"]) == (200, _detail(case))
    errors = response.context["close_form"].errors
    assert errors["outcome"][0].startswith("Er is nog geen hulpaanbod vastgelegd.")
    body = response.content.decode()
    assert f'<option value="{Outcome.ADVIES_QUICK_FIX}" selected>' in body
    assert 'value="2026-03-20"' in body
    assert Case.objects.get(pk=case.pk).status == "opgepakt"


# (form, data the service or the form refuses, the field the error is about, the error)
REFUSALS = [
    ("poging", {"poging-kind": "Telefoon", "poging-reached": "nee", "poging-on": NEXT_YEAR,
                "poging-note": "voicemail ingesproken"}, "on", "De datum ligt in de toekomst."),
    ("aanbod", {"aanbod-made_on": "2026-03-05", "aanbod-answer": "aanvaard",
                "aanbod-answered_on": "2026-03-04"},
     "answered_on", "Het antwoord kan niet vóór het hulpaanbod liggen."),
    ("afsluiten", {"afsluiten-outcome": "Geen reactie na eerder contact", "afsluiten-on": NEXT_YEAR},
     "on", "De datum ligt in de toekomst."),
    ("notitie", {"notitie-text": "   "}, "text", "Dit veld is vereist."),
    ("toewijzen", {"toewijzen-team": ""}, "team", "Dit veld is vereist."),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "field", "error"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_refused_case_form_is_the_case_page_at_its_own_address(
    client, verified_client, coordinator, case, name, data, field, error
):
    verified_client(coordinator)
    response = client.post(_detail(case), {"formulier": name, **data})
    body = response.content.decode()
    assert (response.status_code, response.request["PATH_INFO"]) == (200, _detail(case))
    field_error = body[body.index(f'id="id_{name}-{field}_error"') :]
    assert field_error[: field_error.index("</div>")].endswith(f"<p>{error}</p>")
    # In view again, with the summary linking to the field; only the form that was sent.
    assert f'<section id="{name}"' in body and f'action="{_detail(case)}#{name}"' in body
    assert f'<a class="utrecht-link" href="#id_{name}-{field}">' in body
    assert body.count("utrecht-alert--error") == 1
    if name == "poging":
        assert "voicemail ingesproken" in body  # what was typed is kept
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.status, fresh.offer_made_on, fresh.contact_attempts.count()) == (
        "opgepakt",
        None,
        0,
    )
    # Nothing of the form waits in the session: the page was rendered from the POST itself.
    session = dict(client.session.items())
    assert not any(key.startswith("cases_") for key in session)
    assert not any(str(value) in repr(session) for value in data.values() if value.strip())


def test_a_case_form_saved_at_the_case_address_goes_back_to_the_page_with_its_message(
    client, verified_client, worker, case
):
    verified_client(worker)
    response = client.post(_detail(case), {"formulier": "notitie", "notitie-text": "gebeld"})
    assert (response.status_code, response["Location"]) == (302, f"{_detail(case)}#main")
    assert case.notes.get().text == "gebeld"
    assert "De notitie is opgeslagen." in client.get(response["Location"]).content.decode()


def test_a_case_form_sent_to_a_closed_case_at_its_address_says_why_nothing_changed(
    client, verified_client, worker, coordinator, case
):
    services.close_case(case, coordinator, Outcome.GEEN_CONTACT, on=dt.date(2026, 3, 20))
    verified_client(worker)
    response = client.post(
        _detail(case), {"formulier": "poging", "poging-kind": "Mail"}, follow=True
    )
    assert "kan niet meer veranderen" in response.content.decode()
    assert not case.contact_attempts.exists()


def test_assigning_at_the_case_address_is_for_coordinators_only(
    client, verified_client, worker, other_team, case
):
    verified_client(worker)
    response = client.post(
        _detail(case), {"formulier": "toewijzen", "toewijzen-team": other_team.pk}
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).team.name == "Wijkteam Noord"


@pytest.mark.parametrize("sent", [{}, {"formulier": "onbekend"}], ids=["zonder", "onbekend"])
def test_a_post_to_the_case_page_without_a_known_form_is_refused(
    client, verified_client, worker, case, sent
):
    verified_client(worker)
    response = client.post(_detail(case), {**sent, "notitie-text": "gebeld"})
    assert response.status_code == 400
    assert 'lang="nl"' in response.content.decode()
    assert not case.notes.exists()


def test_a_case_form_posted_to_another_teams_case_is_a_404_and_audited(
    client, verified_client, other_worker, case
):
    verified_client(other_worker)
    response = client.post(_detail(case), {"formulier": "notitie", "notitie-text": "gebeld"})
    assert response.status_code == 404
    assert not case.notes.exists()
    assert AuditEvent.objects.filter(action="access_denied", object_id=str(case.pk)).exists()

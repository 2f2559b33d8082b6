"""The idle time-out warns before and explains after (WCAG 2.2.1): asking how long is left is no
activity, one POST keeps the session, and the log-in page leads back to the page the user was on."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from conftest import login_verified
from tests.factories import UserFactory
from vroegsignaal.portal.middleware import LAST_SEEN_EVERY
from vroegsignaal.portal.session import LAST_SEEN, STATUS_PATH

pytestmark = pytest.mark.django_db

TIMEOUT = 15 * 60


def _idle_for(client, seconds: int) -> None:
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def _last_seen(client) -> int:
    return client.session[LAST_SEEN]


@pytest.fixture
def user_in(client, verified_client):
    verified_client(UserFactory())
    assert client.get("/").status_code == 200
    return client


def test_asking_how_long_is_left_is_no_activity(user_in):
    _idle_for(user_in, 600)
    before = _last_seen(user_in)
    answer = user_in.get(STATUS_PATH).json()
    assert TIMEOUT - 600 - 2 <= answer["seconden"] <= TIMEOUT - 600
    assert answer["totaal"] == TIMEOUT
    assert _last_seen(user_in) == before  # a page left open does not keep itself logged in


def test_one_post_keeps_the_session(user_in):
    _idle_for(user_in, 800)
    answer = user_in.post(STATUS_PATH).json()
    assert answer["seconden"] == TIMEOUT
    assert abs(_last_seen(user_in) - time.time()) <= 2
    assert user_in.get(STATUS_PATH).json()["seconden"] >= TIMEOUT - 2


def test_keeping_the_session_needs_the_page_s_csrf_token(db):
    strict = Client(enforce_csrf_checks=True)
    login_verified(strict, UserFactory())
    _idle_for(strict, 800)
    assert strict.post(STATUS_PATH).status_code == 403


def test_after_the_time_out_the_answer_is_zero_and_the_user_is_logged_out(user_in):
    _idle_for(user_in, TIMEOUT + 5)
    assert user_in.get(STATUS_PATH).json()["seconden"] == 0
    assert user_in.post(STATUS_PATH).status_code == 403  # too late to keep
    assert user_in.get("/").status_code == 302


def test_nobody_logged_in_has_no_time_left(client):
    assert client.get(STATUS_PATH).json()["seconden"] == 0
    assert client.post(STATUS_PATH).status_code == 403


def _login_query(response) -> dict[str, list[str]]:
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/account/login/"
    return parse_qs(location.query)


def test_a_page_asked_for_after_the_time_out_is_where_the_log_in_leads_back(user_in):
    _idle_for(user_in, TIMEOUT + 5)
    query = _login_query(user_in.get("/zaken/?toon=open&sorteer=termijn"))
    assert query == {"verlopen": ["1"], "next": ["/zaken/?toon=open&sorteer=termijn"]}


def test_a_form_posted_after_the_time_out_leads_back_to_the_page_it_came_from(user_in):
    _idle_for(user_in, TIMEOUT + 5)
    response = user_in.post(
        "/zaken/12/contactpoging/", {"notitie": "x"}, HTTP_REFERER="http://testserver/zaken/12/"
    )
    assert _login_query(response) == {"verlopen": ["1"], "next": ["/zaken/12/"]}


def test_a_form_posted_from_elsewhere_leads_back_nowhere(user_in):
    _idle_for(user_in, TIMEOUT + 5)
    response = user_in.post("/zaken/12/", HTTP_REFERER="https://elders.example/zaken/12/")
    assert _login_query(response) == {"verlopen": ["1"]}


def test_the_log_in_page_says_why_and_that_it_leads_back(client):
    page = client.get("/account/login/?verlopen=1&next=/zaken/").content.decode()
    assert "U bent uitgelogd omdat Vroegsignaal 15 minuten niets van u ontving." in page
    assert "daarna komt u terug op de pagina waar u was" in page
    plain = client.get("/account/login/").content.decode()
    assert "U bent uitgelogd" not in plain


def test_every_portal_page_carries_the_warning_for_a_user_and_none_for_a_visitor(user_in, client):
    page = user_in.get("/").content.decode()
    assert 'id="sessie"' in page and "portal/session" in page and "Blijft u ingelogd?" in page
    user_in.logout()
    login = Client().get("/account/login/").content.decode()
    assert 'id="sessie"' not in login and "portal/session" not in login


def test_a_user_still_setting_up_the_second_factor_has_time_left_too(client):
    """The time-out logs them out as well; a 0 opened "U bent uitgelogd" on the enrolment page."""
    client.force_login(UserFactory())  # a password, no second factor yet
    assert client.get(STATUS_PATH).json()["seconden"] > TIMEOUT - 5


def test_a_page_polling_by_itself_is_no_activity(user_in):
    """A delivery page polls its progress every second (every 30 while it waits for a worker):
    left open, it kept the session for ever."""
    _idle_for(user_in, 600)
    before = _last_seen(user_in)
    user_in.get("/", HTTP_X_VROEGSIGNAAL_POLL="1", HTTP_HX_REQUEST="true")
    assert _last_seen(user_in) == before
    user_in.get("/", HTTP_HX_REQUEST="true")  # htmx on a user's click is activity
    assert _last_seen(user_in) > before


def test_an_htmx_request_after_the_time_out_takes_the_whole_page_to_the_log_in(user_in):
    """Not the log-in page in the place of the fragment: HX-Redirect, back to the page itself."""
    _idle_for(user_in, TIMEOUT + 5)
    response = user_in.get(
        "/leveringen/12/status/",
        HTTP_X_VROEGSIGNAAL_POLL="1",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/leveringen/12/",
    )
    assert response.status_code == 204
    location = urlsplit(response["HX-Redirect"])
    assert location.path == "/account/login/"
    assert parse_qs(location.query) == {"verlopen": ["1"], "next": ["/leveringen/12/"]}


def test_the_second_the_time_left_is_zero_the_session_has_ended(user_in):
    """At exactly the time-out the answer was 0 while the session still held for a second: the
    log-in page the dialog led to then logged the user out itself, without the way back."""
    _idle_for(user_in, TIMEOUT)
    assert user_in.get(STATUS_PATH).json()["seconden"] == 0
    assert user_in.get("/").status_code == 302


def test_a_page_read_within_a_minute_of_the_last_keeps_the_stored_time(user_in):
    """Not every read writes the session (on SQLite a write waits for a delivery being applied):
    the time-out counts from the stored time, and so does the page's warning."""
    _idle_for(user_in, LAST_SEEN_EVERY - 10)
    before = _last_seen(user_in)
    assert user_in.get("/").status_code == 200
    assert _last_seen(user_in) == before
    assert user_in.get(STATUS_PATH).json()["seconden"] <= TIMEOUT - (LAST_SEEN_EVERY - 10)


def test_a_page_read_after_a_minute_keeps_the_session(user_in):
    _idle_for(user_in, LAST_SEEN_EVERY)
    assert user_in.get("/").status_code == 200
    assert abs(_last_seen(user_in) - time.time()) <= 2


def test_a_form_sent_always_keeps_the_session(user_in):
    _idle_for(user_in, 5)
    user_in.post(STATUS_PATH)
    assert abs(_last_seen(user_in) - time.time()) <= 2

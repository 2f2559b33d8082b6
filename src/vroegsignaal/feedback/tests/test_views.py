"""The creditor's feedback page /terugkoppeling/ and its CSV download."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from tests.factories import MunicipalityFactory, UserFactory
from vroegsignaal.cases import services as case_services
from vroegsignaal.feedback import views
from vroegsignaal.feedback.models import FeedbackEvent
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.models import AuditEvent

from .conftest import PICKED_UP, creditor_user, make_signal

URL = "/terugkoppeling/"
CSV_URL = "/terugkoppeling/terugkoppeling.csv"


@pytest.fixture
def woonbrug(history, client, verified_client):
    verified_client(creditor_user(history, "WOONBRUG"))
    return client


def klantnummers(response) -> list[str]:
    return [e.klantnummer for e in response.context["rows"]]


def test_page_lists_the_creditors_own_events_newest_first(woonbrug, history):
    response = woonbrug.get(URL)
    own = FeedbackEvent.objects.filter(creditor__code="WOONBRUG").order_by("-id")
    assert response.status_code == 200
    assert klantnummers(response) == [e.klantnummer for e in own]
    assert len(own) == 4


def test_page_states_the_csvs_one_quote_rule(woonbrug, history):
    body = woonbrug.get(URL).content.decode()
    assert "Haal die weg als u het bestand in uw eigen systeem inleest" in body


def test_the_signaal_id_column_shows_only_when_an_event_on_the_page_has_one(woonbrug, history):
    response = woonbrug.get(URL)  # no signal of the history was delivered with a signaal_id
    assert response.context["rows"] and "Signaal-id" not in response.content.decode()
    coordinator = UserFactory(
        username="coord-ref", role=Role.COORDINATOR, municipality=history.municipality
    )
    signal = make_signal(history, references={"WOONBRUG": "WB-2026-0001"})
    case_services.pick_up_signal(signal, coordinator, on=PICKED_UP)
    body = woonbrug.get(URL).content.decode()
    assert "Signaal-id" in body and "WB-2026-0001" in body


def test_page_never_shows_another_creditors_customers(woonbrug, history):
    body = woonbrug.get(URL).content.decode()
    for event in FeedbackEvent.objects.filter(creditor__code="ENERGIENOORD"):
        assert event.klantnummer not in body


def test_filter_on_event_and_period(woonbrug, history):
    response = woonbrug.get(
        URL, {"gebeurtenis": "opgepakt", "van": "2026-03-05", "tot": "2026-03-31"}
    )
    assert [(e.kind, e.date) for e in response.context["rows"]] == [
        ("opgepakt", dt.date(2026, 3, 10))
    ]


def test_filter_on_municipality(woonbrug, history):
    FeedbackEvent.objects.create(
        creditor=history.creditors["WOONBRUG"], municipality=MunicipalityFactory(code="0888", name="Elders"),
        klantnummer="K-ELDERS", klantnummer_index="x", kind="niet_opgepakt", date=dt.date(2026, 3, 1),
    )  # fmt: skip
    assert klantnummers(woonbrug.get(URL, {"gemeente": "0888"})) == ["K-ELDERS"]
    assert len(klantnummers(woonbrug.get(URL, {"gemeente": "0999"}))) == 4


def test_an_unknown_municipality_is_reported_and_ignored(woonbrug, history):
    response = woonbrug.get(URL, {"gemeente": "0000"})
    assert response.context["form"].errors["gemeente"] and len(klantnummers(response)) == 4


def test_an_invalid_choice_marks_its_select_for_screen_readers(woonbrug, history):
    body = woonbrug.get(URL, {"gebeurtenis": "onzin"}).content.decode()
    assert 'name="gebeurtenis" aria-invalid="true" aria-describedby="id_gebeurtenis-fout"' in body
    assert 'id="id_gebeurtenis-fout"' in body


def test_filter_stays_put_when_the_page_is_opened_again(woonbrug, history):
    woonbrug.get(URL, {"gebeurtenis": "afgesloten"})
    response = woonbrug.get(URL)
    assert response.status_code == 302 and response["Location"] == f"{URL}?gebeurtenis=afgesloten"
    assert woonbrug.get(URL, {"wissen": "1"})["Location"] == URL
    assert woonbrug.get(URL).status_code == 200


def test_sorting_by_pause_end_date(woonbrug, history):
    rows = woonbrug.get(URL, {"sorteer": "uitstel", "gebeurtenis": "opgepakt"}).context["rows"]
    assert [e.collection_pause_until for e in rows] == [dt.date(2026, 4, 1), dt.date(2026, 4, 9)]


@pytest.mark.parametrize("sort", ["onbekend", "", "a\x00b", "<script>"])
def test_an_unknown_sort_is_the_default_one_without_an_error_no_one_sees(woonbrug, history, sort):
    """The sort is a hidden field: its error ("not one of the choices") showed nowhere."""
    response = woonbrug.get(URL, {"sorteer": sort})
    assert response.status_code == 200
    assert not response.context["form"].errors and response.context["sort"] == "nieuwste"
    assert klantnummers(response) == klantnummers(woonbrug.get(URL, {"sorteer": "nieuwste"}))


def test_pagination(woonbrug, history, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    first, second = woonbrug.get(URL), woonbrug.get(URL, {"pagina": 2})
    assert (len(first.context["rows"]), len(second.context["rows"])) == (3, 1)
    assert "pagina=2" in first.content.decode()


def test_empty_state_says_when_feedback_will_appear(world, client, verified_client):
    verified_client(creditor_user(world, "WATERNET"))
    body = client.get(URL).content.decode()
    assert "Er is nog geen terugkoppeling over uw klanten" in body


def test_a_filter_without_results_offers_to_clear_it(woonbrug, history):
    body = woonbrug.get(URL, {"van": "2030-01-01"}).content.decode()
    assert "Geen terugkoppeling die aan deze filters voldoet." in body and "?wissen=1" in body


def test_clear_filters_shows_only_when_a_filter_narrows_the_list(woonbrug, history):
    """As on /zaken/ and /privacy/auditlog/: no "Filters wissen" with nothing to clear."""
    woonbrug.get(URL, {"wissen": "1"})
    for params in ({}, {"sorteer": "oudste"}, {"pagina": "1"}, {"gebeurtenis": "", "van": ""}):
        response = woonbrug.get(URL, params)
        assert response.status_code == 200 and len(klantnummers(response)) == 4, params
        assert "Filters wissen" not in response.content.decode(), params
    for params in ({"gebeurtenis": "opgepakt"}, {"gemeente": "0999"}, {"van": "2026-03-05"}):
        assert "Filters wissen" in woonbrug.get(URL, params).content.decode(), params


def test_the_pause_column_says_its_last_day_is_included(woonbrug, history):
    """The model's "incasso-uitstel tot en met", as the inzageverzoek heads the same date."""
    body = woonbrug.get(URL).content.decode()
    assert "Incasso-uitstel tot en met" in body
    assert not re.search(r"(?i)uitstel tot(?! en met)", body)


def test_showing_rows_is_audited_without_klantnummers(woonbrug, history):
    before = AuditEvent.objects.count()
    woonbrug.get(URL, {"gebeurtenis": "opgepakt"})
    audit = AuditEvent.objects.order_by("seq")[before:].get()
    assert (audit.action, audit.object_type, audit.details) == (
        "view", "feedback.feedbackevent", {"vorm": "pagina", "aantal": 2, "filter": {"gebeurtenis": "opgepakt"}},
    )  # fmt: skip


def test_what_a_creditor_read_is_in_the_municipality_privacy_officers_log(woonbrug, history):
    from vroegsignaal.organisations.scoping import scoped

    before = AuditEvent.objects.count()
    woonbrug.get(URL)
    b"".join(woonbrug.get(CSV_URL).streaming_content)
    reads = list(AuditEvent.objects.order_by("seq")[before:])
    officer = UserFactory(role=Role.PRIVACY_OFFICER, municipality=history.municipality)
    assert [(a.action, a.municipality_code) for a in reads] == [
        ("view", history.municipality.code),
        ("export", history.municipality.code),
    ]
    assert scoped(officer, AuditEvent).filter(seq__in=[a.seq for a in reads]).count() == 2


def test_a_read_across_municipalities_is_audited_once_for_each(db):
    from vroegsignaal.feedback.services import record_read

    north, south = MunicipalityFactory(code="0901"), MunicipalityFactory(code="0902")
    events = [
        FeedbackEvent(pk=pk, municipality_id=m.pk)
        for pk, m in [(7, south), (3, north), (9, south), (4, north), (5, north)]
    ]
    record_read(None, events, how="api")
    audit = AuditEvent.objects.order_by("seq")
    assert [(a.municipality_code, a.object_id, a.details["aantal"]) for a in audit] == [
        ("0901", "3-5", 3),
        ("0902", "7-9", 2),
    ]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.PRIVACY_OFFICER, Role.HULPVERLENER])
def test_only_creditor_staff_open_the_page(world, client, verified_client, role):
    from tests.factories import TeamFactory

    kwargs = {"municipality": world.municipality}
    if role == Role.HULPVERLENER:
        kwargs["team"] = TeamFactory(municipality=world.municipality)
    verified_client(UserFactory(role=role, **kwargs))
    assert client.get(URL).status_code == 403
    assert client.get(CSV_URL).status_code == 403


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_csv_download_of_the_current_filter(woonbrug, history):
    response = woonbrug.get(CSV_URL, {"gebeurtenis": "afgesloten"})
    event = FeedbackEvent.objects.get(creditor__code="WOONBRUG", kind="afgesloten")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert read_csv(response) == [
        [
            "id",
            "signaal_id",
            "klantnummer",
            "gemeentecode",
            "gebeurtenis",
            "datum",
            "incasso_uitstel_tot",
            "resultaat",
        ],
        [
            str(event.pk),
            "",
            event.klantnummer,
            "0999",
            "afgesloten",
            "2026-03-20",
            "",
            "zelf_opgelost",
        ],
    ]


def test_csv_download_without_a_filter_in_the_link_uses_the_remembered_one(woonbrug, history):
    woonbrug.get(URL, {"gebeurtenis": "niet_opgepakt"})
    rows = read_csv(woonbrug.get(CSV_URL))
    assert [r[4] for r in rows[1:]] == ["niet_opgepakt"]


def test_csv_cells_cannot_become_formulas(woonbrug, history):
    FeedbackEvent.objects.filter(creditor__code="WOONBRUG").update(signal_reference="=HYPERLINK(1)")
    rows = read_csv(woonbrug.get(CSV_URL))
    assert {r[1] for r in rows[1:]} == {"'=HYPERLINK(1)"}


def test_csv_download_is_audited_as_an_export(woonbrug, history):
    before = AuditEvent.objects.count()
    read_csv(woonbrug.get(CSV_URL, {"gebeurtenis": "opgepakt"}))
    audit = AuditEvent.objects.order_by("seq")[before:].get()
    assert (audit.action, audit.details["vorm"], audit.details["aantal"]) == ("export", "csv", 2)


def test_csv_of_creditor_x_holds_nothing_of_creditor_y(history, client, verified_client):
    verified_client(creditor_user(history, "ZORGZUID"))
    assert read_csv(client.get(CSV_URL)) == [list(views.services.CSV_COLUMNS)]

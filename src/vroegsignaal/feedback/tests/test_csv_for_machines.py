"""The feedback CSV is loaded back into the creditor's own systems as well as opened in a
spreadsheet: klantnummer and signaal_id are exact unless a spreadsheet could run them, and then
one documented rule gives the exact value back — the same as the API's."""

from __future__ import annotations

import csv
import io

import pytest

from vroegsignaal.feedback.models import FeedbackEvent
from vroegsignaal.intake.spreadsheet_safety import FORMULA_TRIGGERS

from .conftest import creditor_user

CSV_URL = "/terugkoppeling/terugkoppeling.csv"

# (delivered klantnummer, as the CSV writes it)
KLANTNUMMERS = [
    ("-123", "-123"),  # a number to a spreadsheet, never a formula
    ("+31612345678", "+31612345678"),
    ("0012345", "0012345"),
    ("-2+3", "'-2+3"),  # a formula: protected
    ("=1+1", "'=1+1"),
    ("@SUM(1;1)", "'@SUM(1;1)"),
    ("+A1", "'+A1"),
    ("\uff1d1+1", "'\uff1d1+1"),  # full-width '='
    ('K;"1"', 'K;"1"'),  # quoted by the CSV writer, read back exactly
]


@pytest.fixture
def woonbrug(history, client, verified_client):
    verified_client(creditor_user(history, "WOONBRUG"))
    return client


def download(client) -> list[dict[str, str]]:
    text = b"".join(client.get(CSV_URL).streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def loaded(value: str) -> str:
    """What docs/feedback.md tells a system that loads the CSV to do with an identifier."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_TRIGGERS else value


@pytest.mark.parametrize(("delivered", "written"), KLANTNUMMERS)
def test_a_klantnummer_is_exact_unless_a_spreadsheet_could_run_it(
    woonbrug, history, delivered, written
):
    events = FeedbackEvent.objects.filter(creditor__code="WOONBRUG")
    for event in events:  # through the model: the klantnummer is encrypted at rest
        event.klantnummer = delivered
        event.save(update_fields=["klantnummer"])
    rows = download(woonbrug)
    assert len(rows) == events.count() == 4
    assert {r["klantnummer"] for r in rows} == {written}
    assert {loaded(r["klantnummer"]) for r in rows} == {delivered}


def test_signaal_id_follows_the_same_rule_and_the_api_gives_the_exact_values(
    woonbrug, history, api
):
    FeedbackEvent.objects.filter(creditor__code="WOONBRUG").update(signal_reference="-42")
    assert {r["signaal_id"] for r in download(woonbrug)} == {"-42"}
    FeedbackEvent.objects.filter(creditor__code="WOONBRUG").update(signal_reference="=HYPERLINK(1)")
    rows = download(woonbrug)
    assert {r["signaal_id"] for r in rows} == {"'=HYPERLINK(1)"}
    events = api("WOONBRUG").get("/api/v1/feedback/").json()["terugkoppeling"]
    assert (
        {e["signaal_id"] for e in events}
        == {"=HYPERLINK(1)"}
        == {loaded(r["signaal_id"]) for r in rows}
    )
    assert sorted(e["klantnummer"] for e in events) == sorted(
        loaded(r["klantnummer"]) for r in rows
    )

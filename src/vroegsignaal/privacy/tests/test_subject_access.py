"""The inzageverzoek (AVG art. 15): a privacy officer finds everything held about one person.

The world is built the way deliveries build it: routed rows applied by
``households.services.apply_rows`` (so persons carry real blind indexes), signals
evaluated, a case picked up and worked through the cases services (so feedback
events and audit events are the real ones).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import logging
import re
from dataclasses import dataclass

import pytest
from django.utils import formats, timezone

from tests.english import in_english, main_html
from tests.factories import CreditorFactory, MunicipalityFactory, TeamFactory, UserFactory
from vroegsignaal.cases import services as cases
from vroegsignaal.households.models import ClosedKey, Person
from vroegsignaal.households.selectors import birth_date_index
from vroegsignaal.households.services import apply_rows
from vroegsignaal.households.tests.conftest import frame, row
from vroegsignaal.intake.models import Delivery
from vroegsignaal.organisations.models import CreditorType, Role
from vroegsignaal.privacy import audit, services, subject_access
from vroegsignaal.privacy.models import AuditAction, AuditEvent
from vroegsignaal.registry.models import Address
from vroegsignaal.signals import services as signals
from vroegsignaal.signals.models import Signal

pytestmark = pytest.mark.django_db

PAGE = "/privacy/inzageverzoek/"
DOWNLOAD = "/privacy/inzageverzoek/download/"
PEILDATUM = dt.date(2026, 11, 1)
BSN_A = "111222333"  # passes the elfproef
BSN_B = "123456782"
BSN_ELSEWHERE = "012345672"  # valid, but nobody has it
BORN = dt.date(1980, 5, 17)
NOTE = "Notitie-tekst-die-geheim-blijft"
ATTEMPT_NOTE = "Toelichting-bij-poging-geheim"
_numbers = itertools.count(1)


@dataclass
class Sar:
    a: object
    b: object
    person_a: Person
    co_resident: Person
    person_b: Person
    signal: Signal
    case: object
    coordinator: object
    officer: object
    platform_officer: object


def _deliver(creditor, *rows):
    n = next(_numbers)
    delivery = Delivery.objects.create(
        creditor=creditor, kind="stand", reference_date=PEILDATUM, status="verwerkt", via="cli",
        sha256=hashlib.sha256(f"sar-{n}".encode()).hexdigest(),
    )  # fmt: skip
    apply_rows(delivery, frame(*rows), kind="stand", creditor=creditor, reference_date=PEILDATUM)
    return delivery


def _at(address, **values):
    return row(
        postcode=address.postcode, huisnummer=address.huisnummer, address_id=address.pk,
        municipality_id=address.municipality_id, ontstaansdatum=dt.date(2026, 10, 1), **values,
    )  # fmt: skip


@pytest.fixture
def sar() -> Sar:
    a = MunicipalityFactory(code="0101", name="Gemeente A")
    b = MunicipalityFactory(code="0202", name="Gemeente B")
    home_a = Address.objects.create(
        postcode="1234AB", huisnummer=7, straatnaam="Dorpsweg", woonplaats="Adorp", municipality=a
    )
    home_b = Address.objects.create(
        postcode="9876ZX", huisnummer=3, straatnaam="Kerkstraat", woonplaats="Bstad", municipality=b
    )
    woonbrug = CreditorFactory(
        code="WOONBRUG", name="Woonstichting De Brug", type=CreditorType.HUUR
    )
    energie = CreditorFactory(code="ENERGIENOORD", name="Energie Noord", type=CreditorType.ENERGIE)
    water = CreditorFactory(code="WATERNET", name="Waterbedrijf", type=CreditorType.WATER)
    person = {
        "achternaam": "Dijk",
        "tussenvoegsel": "van",
        "voorletters": "J.",
        "geboortedatum": BORN,
    }
    _deliver(
        woonbrug,
        _at(home_a, klantnummer="HUUR-A-1", bsn=BSN_A, bedrag_cents=84_250, **person),
        _at(home_b, klantnummer="HUUR-B-1", bsn=BSN_B, **person),
    )
    _deliver(energie, _at(home_a, klantnummer="ENERGIE-A-1", bedrag_cents=23_175, **person))
    # A co-resident: same household, their own arrear; not part of the person's report.
    _deliver(
        water,
        _at(home_a, klantnummer="WATER-HUISGENOOT", achternaam="Dijk", tussenvoegsel="van",
            voorletters="M.", geboortedatum=dt.date(1983, 2, 1)),
    )  # fmt: skip
    signals.evaluate(a, reference_date=PEILDATUM, received_on=PEILDATUM)
    person_a = Person.objects.get(household__municipality=a, birth_date_index=_birth_index(BORN))
    co_resident = (
        Person.objects.filter(household=person_a.household_id).exclude(pk=person_a.pk).get()
    )
    person_b = Person.objects.get(household__municipality=b)
    signal = Signal.objects.get(household=person_a.household_id)
    coordinator = UserFactory(username="coord-a", role=Role.COORDINATOR, municipality=a)
    team = TeamFactory(municipality=a, code="NOORD", name="Wijkteam Noord")
    case = cases.pick_up_signal(signal, coordinator, team=team)
    cases.log_contact_attempt(
        case, coordinator, kind="Telefoon", reached=True, on=timezone.localdate(), note=ATTEMPT_NOTE
    )
    cases.add_note(case, coordinator, NOTE)
    audit.record(coordinator, AuditAction.VIEW, person_a.household, purpose="signaalbehandeling")
    return Sar(
        a=a, b=b, person_a=person_a, co_resident=co_resident, person_b=person_b, signal=signal,
        case=case, coordinator=coordinator,
        officer=UserFactory(username="fg-a", role=Role.PRIVACY_OFFICER, municipality=a),
        platform_officer=UserFactory(username="fg", role=Role.PRIVACY_OFFICER, municipality=None),
    )  # fmt: skip


def _birth_index(day):
    return birth_date_index(day)


def _search(client, **values):
    data = {"bsn": "", "achternaam": "", "geboortedatum": "", "postcode": "", **values}
    return client.post(PAGE, data)


def _found(response) -> list[int]:
    return [r.person.pk for r in response.context["result"].reports]


def _searches():
    return AuditEvent.objects.filter(
        action=AuditAction.VIEW, object_type="households.person", purpose="inzageverzoek"
    ).order_by("seq")


# --- finding the person ----------------------------------------------------------------------


def test_officer_finds_the_person_by_bsn_and_sees_what_is_held(sar, verified_client):
    response = _search(verified_client(sar.officer), bsn="1112.22.333")  # typed with dots

    assert response.status_code == 200
    assert _found(response) == [sar.person_a.pk]
    html = response.content.decode()
    for shown in (
        "J. van Dijk", BSN_A, "Dorpsweg 7", "1234AB", "Gemeente A",
        "Woonstichting De Brug", "HUUR-A-1", "€ 842,50", "Energie Noord", "ENERGIE-A-1",
        "Wijkteam Noord", "Telefoon", "coord-a", "Signaalbehandeling", "Signaal opgepakt",
    ):  # fmt: skip
        assert shown in html, shown
    assert sar.signal.explanation.splitlines()[0] in html
    assert "1 notitie" in html
    # Not the co-resident nor their arrear, nor the workers' free text.
    for hidden in ("WATER-HUISGENOOT", NOTE, ATTEMPT_NOTE, "M. van Dijk", "1 februari 1983"):
        assert hidden not in html, hidden
    # The household's signal counted the co-resident's arrear too: the officer sees the whole
    # explanation, marked as one that does not go into the download.
    assert "Waterbedrijf" in html and "gaan daarom niet mee in de download" in html


def test_officer_finds_the_person_by_surname_and_birth_date(sar, verified_client):
    client = verified_client(sar.officer)

    for surname in ("van Dijk", "Dijk", "DIJK", "Dijk, van"):
        response = _search(client, achternaam=surname, geboortedatum=BORN.isoformat())
        assert _found(response) == [sar.person_a.pk], surname
    assert _found(_search(client, achternaam="Dijk", geboortedatum="17-05-1980")) == [
        sar.person_a.pk
    ]
    # The postcode narrows; another postcode finds nobody.
    found = _search(
        client, achternaam="van Dijk", geboortedatum=BORN.isoformat(), postcode="1234 ab"
    )
    assert _found(found) == [sar.person_a.pk]
    assert (
        _found(
            _search(client, achternaam="Dijk", geboortedatum=BORN.isoformat(), postcode="1111AA")
        )
        == []
    )
    assert _found(_search(client, achternaam="Dijk", geboortedatum="1980-05-18")) == []


def test_the_search_uses_blind_indexes_and_decrypts_only_the_hits(sar, monkeypatch):
    from vroegsignaal.privacy import crypto

    decrypted = []
    real = crypto.decrypt
    monkeypatch.setattr(crypto, "decrypt", lambda token: decrypted.append(token) or real(token))
    hits = subject_access.find_persons(sar.officer, subject_access.SubjectQuery(bsn=BSN_A))
    assert [p.pk for p in hits] == [sar.person_a.pk]
    stored = set(Person.objects.filter(pk=sar.co_resident.pk).values_list("surname", flat=True))
    assert decrypted and not set(decrypted) & {str(s) for s in stored}
    # Nine encrypted fields of the one person found, nothing of anyone else.
    assert len(decrypted) <= 9


def test_a_municipal_officer_does_not_find_a_person_of_another_municipality(sar, verified_client):
    response = _search(verified_client(sar.officer), bsn=BSN_B)
    assert response.status_code == 200
    assert _found(response) == []
    assert (
        "HUUR-B-1" not in response.content.decode()
        and "Kerkstraat" not in response.content.decode()
    )
    # By name: the same name and birth date in B stay out of A's officer's reach.
    by_name = _search(
        verified_client(sar.officer), achternaam="Dijk", geboortedatum=BORN.isoformat()
    )
    assert _found(by_name) == [sar.person_a.pk]


def test_a_platform_wide_officer_finds_persons_of_every_municipality(sar, verified_client):
    client = verified_client(sar.platform_officer)
    assert _found(_search(client, bsn=BSN_B)) == [sar.person_b.pk]
    both = _search(client, achternaam="van Dijk", geboortedatum=BORN.isoformat())
    assert sorted(_found(both)) == sorted([sar.person_a.pk, sar.person_b.pk])
    assert "Kerkstraat 3" in both.content.decode()


def test_more_hits_than_shown_asks_for_the_postcode(sar, verified_client, monkeypatch):
    monkeypatch.setattr(subject_access, "MAX_HITS", 1)
    response = _search(
        verified_client(sar.platform_officer), achternaam="Dijk", geboortedatum=BORN.isoformat()
    )
    assert response.context["result"].too_many and _found(response) == []
    assert _searches().last().details["treffers"] == 2


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"bsn": "123456789"}, "Dit is geen geldig BSN"),
        ({}, "Vul een BSN in, of een achternaam en een geboortedatum."),
        ({"achternaam": "Dijk"}, "Vul bij zoeken op naam de geboortedatum in."),
        ({"bsn": BSN_A, "achternaam": "Dijk"}, "niet op allebei"),
        (
            {"achternaam": "Dijk", "geboortedatum": "1980-05-17", "postcode": "12"},
            "geen geldige postcode",
        ),
    ],
)
def test_an_incomplete_or_invalid_search_is_refused_and_not_searched(
    sar, verified_client, values, message
):
    response = _search(verified_client(sar.officer), **values)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not _searches().exists()


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.COORDINATOR, Role.HULPVERLENER, Role.SCHULDEISER, Role.BEHEERDER]
)
def test_other_roles_may_not_search_or_download(sar, verified_client, role):
    kwargs = {"municipality": sar.a}
    if role == Role.HULPVERLENER:
        kwargs["team"] = TeamFactory(municipality=sar.a)
    if role == Role.SCHULDEISER:
        kwargs = {"municipality": None, "creditor": CreditorFactory()}
    if role == Role.BEHEERDER:
        kwargs = {"municipality": None}
    client = verified_client(UserFactory(role=role, **kwargs))
    assert client.get(PAGE).status_code == 403
    assert _search(client, bsn=BSN_A).status_code == 403
    assert client.post(DOWNLOAD, {"bsn": BSN_A}).status_code == 403
    assert not _searches().exists()


def test_the_services_refuse_anyone_but_a_privacy_officer(sar):
    query = subject_access.SubjectQuery(bsn=BSN_A)
    with pytest.raises(PermissionError):
        services.subject_access_search(sar.coordinator, query)
    with pytest.raises(PermissionError):
        services.subject_access_export(sar.coordinator, query)
    assert subject_access.find_persons(sar.coordinator, query) == []
    assert not _searches().exists()


def test_the_query_does_not_show_its_values():
    query = subject_access.SubjectQuery(
        bsn=BSN_A, surname="Dijk", birth_date=BORN, postcode="1234AB"
    )
    assert BSN_A not in repr(query) and "Dijk" not in repr(query) and "1980" not in repr(query)


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.post(PAGE, {"bsn": BSN_A})
    assert response.status_code in (302, 403)
    assert BSN_A not in response.get("Location", "")


def test_the_page_is_in_the_officers_menu_and_the_privacy_subnavigation(sar, verified_client):
    html = verified_client(sar.officer).get(PAGE).content.decode()
    assert f'href="{PAGE}" aria-current="page">Inzageverzoek</a>' in html
    assert html.count(f'href="{PAGE}"') == 2  # the main navigation and the privacy pages' own
    assert 'method="post"' in html and "Zoeken" in html


def test_the_page_speaks_english_when_chosen(sar, client, verified_client):
    verified_client(sar.officer)
    html = in_english(client).post(PAGE, {"bsn": BSN_A}).content.decode()
    assert "Subject access request" in html and "Personal data" in html
    assert "Inzageverzoek" not in html.split("<main", 1)[1]


def _crisis_with_a_later_case_deadline(sar):
    """The signal became a crisis signal (contact by 5 November); its case's deadline is later."""
    reasons = dict(sar.signal.reasons)
    reasons["arrears"] = [{**a, "crisis": a["creditor"] == "WOONBRUG", "crisis_reason": ""}
                          for a in reasons["arrears"]]  # fmt: skip
    reasons["crisis"] = {"deadline": "2026-11-05", "working_days": 3}
    explanation = sar.signal.explanation + (
        "\ncrisis: crisissignaal bij Woonstichting De Brug; contact uiterlijk 5 november 2026 (3 werkdagen)"
    )
    Signal.objects.filter(pk=sar.signal.pk).update(
        crisis=True, deadline=dt.date(2026, 11, 5), reasons=reasons, explanation=explanation
    )
    type(sar.case).objects.filter(pk=sar.case.pk).update(contact_due=dt.date(2026, 11, 10))


def test_the_page_names_the_cases_contact_deadline_not_the_signals(sar, verified_client):
    _crisis_with_a_later_case_deadline(sar)
    html = _search(verified_client(sar.officer), bsn=BSN_A).content.decode()
    assert "contact uiterlijk 10 november 2026" in html
    assert "5 november 2026" not in html


def test_the_download_gives_the_cases_contact_deadline_for_a_signal_with_a_case(
    sar, verified_client
):
    _crisis_with_a_later_case_deadline(sar)
    response = verified_client(sar.officer).post(DOWNLOAD, {"bsn": BSN_A})
    entry = json.loads(response.content)["personen"][0]
    [signal] = entry["vroegsignalen"]
    [case] = entry["vroegsignaalzaken"]
    assert signal["contact_uiterlijk"] == case["contact_uiterlijk"] == "2026-11-10"
    assert signal["zaak"] == case["id"] == sar.case.pk


def test_the_page_in_english_reads_the_explanation_organisations_gender_and_dates_in_english(
    sar, client, verified_client
):
    _crisis_with_a_later_case_deadline(sar)
    Person.objects.filter(pk=sar.person_a.pk).update(gender="V")
    verified_client(sar.officer)
    html = main_html(in_english(client).post(PAGE, {"bsn": BSN_A}))

    # The explanation rebuilt in English, with the case's deadline.
    assert "Arrears at Woonstichting De Brug of €842.50 since 1 October 2026" in html
    assert "contact by 10 November 2026" in html and "5 November 2026" not in html
    assert "Achterstand bij" not in html and "contact uiterlijk" not in html
    # The audit trail's organisation and known purposes in English; other purposes as recorded.
    assert f'<td class="utrecht-table__cell">municipality {sar.a.code}</td>' in html
    assert f">gemeente {sar.a.code}<" not in html
    assert '<td class="utrecht-table__cell">Handling the signal</td>' in html
    assert "<dt>Gender</dt><dd>Female</dd>" in html
    # Dates in words, never 1-11-2026 (read as 11 January in English).
    assert "1 November 2026" in html
    assert not re.search(r"\b\d{1,2}-\d{1,2}-\d{4}\b", html)
    # The form says up front how to search.
    assert "Search by BSN, or by surname and date of birth." in html


def test_the_page_names_the_gender_and_says_how_to_search(sar, verified_client):
    Person.objects.filter(pk=sar.person_a.pk).update(gender="V")
    html = main_html(_search(verified_client(sar.officer), bsn=BSN_A))
    assert "<dt>Geslacht</dt><dd>Vrouw</dd>" in html
    assert "Zoek op BSN, of op achternaam en geboortedatum." in html
    assert html.index("Zoek op BSN, of op") < html.index('name="bsn"')
    assert not re.search(r"\b\d{1,2}-\d{1,2}-\d{4}\b", html)


# --- nothing of the search values outside the POST body -------------------------------------


def test_the_search_values_never_reach_the_url_the_audit_log_or_the_log(
    sar, verified_client, caplog
):
    caplog.set_level(logging.DEBUG)
    client = verified_client(sar.officer)
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    values = [
        {"bsn": BSN_A},
        {"achternaam": "van Dijk", "geboortedatum": "1980-05-17", "postcode": "1234AB"},
        {"bsn": BSN_ELSEWHERE},  # no hits: recorded too
        {"achternaam": "Onvindbaar", "geboortedatum": "1999-12-31"},
    ]
    responses = [_search(client, **v) for v in values]
    person_id = sar.person_a.pk
    download = client.post(DOWNLOAD, {"bsn": BSN_A, "persoon": person_id})

    secrets = [BSN_A, BSN_ELSEWHERE, "Dijk", "dijk", "Onvindbaar", "1980-05-17", "17-05-1980",
               "1999-12-31", "1234AB", "1234 AB"]  # fmt: skip
    for response in [*responses, download]:
        assert response.status_code == 200 and not response.has_header("Location")
        assert response.request["PATH_INFO"] in (PAGE, DOWNLOAD)
        assert response.request["QUERY_STRING"] == ""
    for response in responses:
        html = response.content.decode()
        # Every form posts to a bare URL; no link carries a value.
        for attribute in ('href="', 'action="'):
            for part in html.split(attribute)[1:]:
                url = part.split('"', 1)[0]
                assert not any(s in url for s in secrets), url
    new = list(AuditEvent.objects.filter(seq__gt=before or 0).order_by("seq"))
    assert new, "searching is audited"
    for event in new:
        text = json.dumps(
            [event.object_type, event.object_id, event.purpose, event.details, event.organisation]
        )
        assert not any(s in text for s in secrets), text
    log = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert not any(s in log for s in secrets), log


def test_every_search_is_audited_with_its_number_of_hits_also_without_hits(sar, verified_client):
    client = verified_client(sar.officer)
    _search(client, bsn=BSN_A)
    _search(client, bsn=BSN_ELSEWHERE)
    _search(client, achternaam="Dijk", geboortedatum=BORN.isoformat(), postcode="1234AB")

    searches = list(_searches())
    assert [e.details for e in searches] == [
        {
            "zoekwijze": "bsn",
            "met_postcode": False,
            "treffers": 1,
            "getoond": 1,
            "personen": [sar.person_a.pk],
        },
        {"zoekwijze": "bsn", "met_postcode": False, "treffers": 0, "getoond": 0, "personen": []},
        {
            "zoekwijze": "naam",
            "met_postcode": True,
            "treffers": 1,
            "getoond": 1,
            "personen": [sar.person_a.pk],
        },
    ]
    assert {e.actor_username for e in searches} == {"fg-a"}
    assert {e.municipality_code for e in searches} == {"0101"}
    # The household shown is a view of that household, with the person's id.
    shown = AuditEvent.objects.filter(
        object_type="households.household",
        object_id=str(sar.person_a.household_id),
        purpose="inzageverzoek",
    )
    assert shown.count() == 2 and {e.details["persoon"] for e in shown} == {sar.person_a.pk}


def test_a_platform_officers_search_shows_in_the_municipalitys_trail(sar, verified_client):
    _search(verified_client(sar.platform_officer), bsn=BSN_A)
    event = AuditEvent.objects.get(
        object_type="households.household",
        object_id=str(sar.person_a.household_id),
        purpose="inzageverzoek",
    )
    assert event.municipality_id == sar.a.pk  # so A's officer sees it
    later = subject_access.build_report(sar.officer, sar.person_a)
    assert event.seq in [e.seq for e in later.audit_trail]


# --- the download ----------------------------------------------------------------------------


def test_the_json_download_holds_the_arrears_their_lineage_and_the_audit_trail(
    sar, verified_client
):
    client = verified_client(sar.officer)
    response = client.post(DOWNLOAD, {"bsn": BSN_A, "persoon": sar.person_a.pk})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="inzageverzoek-') and disposition.endswith(
        '.json"'
    )
    assert "no-store" in response.get("Cache-Control", "")
    data = json.loads(response.content)
    [entry] = data["personen"]
    assert entry["persoon"]["bsn"] == BSN_A and entry["persoon"]["achternaam"] == "Dijk"
    assert entry["persoon"]["geboortedatum"] == "1980-05-17"
    assert entry["huishouden"]["adres"]["postcode"] == "1234AB"
    assert entry["huishouden"]["gemeente"] == {"code": "0101", "naam": "Gemeente A"}
    arrears = {a["klantnummer"]: a for a in entry["achterstanden"]}
    assert set(arrears) == {"HUUR-A-1", "ENERGIE-A-1"}
    rent = arrears["HUUR-A-1"]
    assert rent["bedrag_in_centen"] == 84_250 and rent["ontstaansdatum"] == "2026-10-01"
    assert rent["status"] == "Open" and rent["schuldeiser"]["naam"] == "Woonstichting De Brug"
    assert rent["leveringen"]["geopend_door"]["peildatum"] == "2026-11-01"
    assert rent["leveringen"]["geopend_door"]["schuldeiser"] == "Woonstichting De Brug"
    assert [h["gebeurtenis"] for h in rent["geschiedenis"]] == ["Nieuw"]
    assert rent["geschiedenis"][0]["levering"]["id"] == rent["leveringen"]["geopend_door"]["id"]
    [signal] = entry["vroegsignalen"]
    assert signal["id"] == sar.signal.pk and signal["status"] == "Opgepakt"
    assert signal["eigen_achterstanden_in_dit_signaal"] == sorted(a["id"] for a in arrears.values())
    # It counted the co-resident's arrear too: its explanation and totals stay out of the file.
    assert signal["toelichting"] is None and "huisgenoten" in signal["weggelaten"]
    assert "totaalbedrag_in_centen" not in signal
    [case] = entry["vroegsignaalzaken"]
    assert (
        case["wijkteam"] == "Wijkteam Noord" and case["contactpogingen"][0]["soort"] == "Telefoon"
    )
    assert case["notities"]["aantal"] == 1
    # Each step on the day it happened, besides when it was recorded.
    picked_up = next(h for h in case["statusgeschiedenis"] if h["naar"] == "Opgepakt")
    assert picked_up["datum"] == sar.case.picked_up_on.isoformat()
    feedback = entry["terugkoppelingen_aan_schuldeisers"]
    assert {(f["schuldeiser"]["code"], f["klantnummer"], f["gebeurtenis"]) for f in feedback} == {
        ("WOONBRUG", "HUUR-A-1", "Opgepakt"), ("ENERGIENOORD", "ENERGIE-A-1", "Opgepakt"),
    }  # fmt: skip
    trail = entry["inzage_en_wijzigingen"]
    purposes = [e["doel"] for e in trail]
    assert "vroegsignaal opgepakt" in purposes and "signaalbehandeling" in purposes
    assert {e["organisatie"] for e in trail} >= {"gemeente 0101"}
    # The person learns which organisation, not which employee; and nothing the workers wrote.
    text = response.content.decode()
    for hidden in ("coord-a", NOTE, ATTEMPT_NOTE, "WATER-HUISGENOOT", "Waterbedrijf", "1983-02-01"):
        assert hidden not in text, hidden


def test_a_customer_number_afgemeld_while_no_arrear_was_open_is_shown_and_downloaded(
    sar, verified_client
):
    """Kept for late deliveries (households.ClosedKey): data about the person's customer number."""
    rent = sar.person_a.arrears.get(klantnummer="HUUR-A-1")
    for klantnummer in ("HUUR-A-1", "WATER-HUISGENOOT", "HUUR-IEMAND-ANDERS"):
        creditor = (
            rent.creditor
            if klantnummer != "WATER-HUISGENOOT"
            else sar.co_resident.arrears.get().creditor
        )
        ClosedKey.objects.create(
            creditor=creditor, municipality=sar.a, klantnummer=klantnummer, contractnummer="C-9",
            delivery=rent.opened_by_delivery, reference_date=dt.date(2026, 11, 20),
        )  # fmt: skip
    client = verified_client(sar.officer)
    page = _search(client, bsn=BSN_A).content.decode()
    assert "Afgemeld zonder openstaande achterstand" in page and "20 november 2026" in page
    assert "HUUR-IEMAND-ANDERS" not in page and "WATER-HUISGENOOT" not in page

    data = json.loads(client.post(DOWNLOAD, {"bsn": BSN_A, "persoon": sar.person_a.pk}).content)
    [entry] = data["personen"]
    assert entry["afgemeld_zonder_openstaande_achterstand"] == [
        {
            "schuldeiser": {"code": "WOONBRUG", "naam": "Woonstichting De Brug"},
            "klantnummer": "HUUR-A-1",
            "contractnummer": "C-9",
            "peildatum": "2026-11-20",
            "levering": rent.opened_by_delivery_id,
        }
    ]


def test_without_such_afmeldingen_the_page_has_no_section_for_them(sar, verified_client):
    page = _search(verified_client(sar.officer), bsn=BSN_A).content.decode()
    assert "Afgemeld zonder openstaande achterstand" not in page


def test_a_signal_of_the_person_alone_keeps_its_explanation_in_the_download(sar, verified_client):
    signals.evaluate(sar.b, reference_date=PEILDATUM, received_on=PEILDATUM)
    response = verified_client(sar.platform_officer).post(DOWNLOAD, {"bsn": BSN_B})
    entry = json.loads(response.content)["personen"][0]
    assert entry["vroegsignalen"], "a single signal for B's one arrear"
    for signal in entry["vroegsignalen"]:
        assert signal["toelichting"] == Signal.objects.get(pk=signal["id"]).explanation
        assert signal["totaalbedrag_in_centen"] > 0


def _backdated_case_of_b(sar):
    """B's signal picked up and closed days before they were recorded (today), as a
    hulpverlener catching up does: the case keeps the days the steps happened."""
    signals.evaluate(sar.b, reference_date=PEILDATUM, received_on=PEILDATUM)
    today = timezone.localdate()
    picked_up_on, closed_on = today - dt.timedelta(days=10), today - dt.timedelta(days=3)
    coordinator = UserFactory(username="coord-b", role=Role.COORDINATOR, municipality=sar.b)
    signal = Signal.objects.get(household=sar.person_b.household_id)
    case = cases.pick_up_signal(signal, coordinator, on=picked_up_on)
    cases.close_case(case, coordinator, "Inwoner is overleden", on=closed_on)
    return signal, picked_up_on, closed_on, today


def _day_text(day: dt.date) -> str:
    return formats.date_format(day, "j F Y")


def test_a_signals_steps_are_on_the_days_they_took_effect_as_its_case_says(sar, verified_client):
    """A backdated pick-up: the answer said "Opgepakt op <day>" for the case but put the
    signal's "Opgepakt" on the day it was recorded; each step now has its own day (the one the
    case page shows) and, recorded later, says when it was recorded."""
    signal, picked_up_on, closed_on, today = _backdated_case_of_b(sar)
    client = verified_client(sar.platform_officer)
    response = _search(client, bsn=BSN_B)
    [report] = response.context["result"].reports
    [item] = [s for s in report.signals if s.signal.pk == signal.pk]
    assert [(h["to_status"], h["occurred_on"]) for h in item.history] == [
        ("nieuw", PEILDATUM), ("opgepakt", picked_up_on), ("afgesloten", closed_on),
    ]  # fmt: skip
    html = response.content.decode()
    [verloop] = re.findall(
        r'<ul class="counts-list">(<li>[^<]*: Nieuw.*?)</ul>', html, flags=re.DOTALL
    )
    steps = re.findall(r"<li>(.*?)</li>", verloop, flags=re.DOTALL)
    recorded = f"Vastgelegd op {_day_text(today)} om "
    assert [step.split("<br>")[0] for step in steps] == [
        f"{_day_text(PEILDATUM)}: Nieuw",
        f"{_day_text(picked_up_on)}: Opgepakt",
        f"{_day_text(closed_on)}: Afgesloten",
    ]
    assert all(recorded in step for step in steps), steps
    assert f'<td class="utrecht-table__cell">{_day_text(picked_up_on)}</td>' in html  # Opgepakt op

    data = json.loads(client.post(DOWNLOAD, {"bsn": BSN_B}).content)
    [downloaded] = [s for s in data["personen"][0]["vroegsignalen"] if s["id"] == signal.pk]
    assert [(h["naar"], h["datum"], h["tijdstip"][:10]) for h in downloaded["statusgeschiedenis"]] == [
        ("Nieuw", PEILDATUM.isoformat(), today.isoformat()),
        ("Opgepakt", picked_up_on.isoformat(), today.isoformat()),
        ("Afgesloten", closed_on.isoformat(), today.isoformat()),
    ]  # fmt: skip
    [case] = data["personen"][0]["vroegsignaalzaken"]
    assert case["opgepakt_op"] == picked_up_on.isoformat()
    assert case["afgesloten_op"] == closed_on.isoformat()

    text = client.post(DOWNLOAD, {"bsn": BSN_B, "vorm": "document"}).content.decode()
    assert (
        f"<li>{_day_text(picked_up_on)}: Opgepakt (vastgelegd op {_day_text(today)})</li>" in text
    )
    assert f"<li>{_day_text(closed_on)}: Afgesloten (vastgelegd op {_day_text(today)})</li>" in text


def test_a_step_recorded_on_its_own_day_does_not_say_when_it_was_recorded(sar, verified_client):
    """The sar world's pick-up is today: its day, without "vastgelegd op"."""
    html = _search(verified_client(sar.officer), bsn=BSN_A).content.decode()
    assert f"<li>{_day_text(timezone.localdate())}: Opgepakt</li>" in html


def test_the_document_for_the_requester_reads_as_dutch_text_and_holds_what_the_download_holds(
    sar, verified_client
):
    client = verified_client(sar.officer)
    client.post("/i18n/taal/", {"language": "en"})  # the officer reads English; the citizen Dutch
    response = client.post(DOWNLOAD, {"bsn": BSN_A, "persoon": sar.person_a.pk, "vorm": "document"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "no-store" in response.get("Cache-Control", "")
    text = response.content.decode()
    assert '<html lang="nl">' in text and "Overzicht van uw gegevens in Vroegsignaal" in text
    assert "17 mei 1980" in text and "1234AB" in text and BSN_A in text
    assert "Woonstichting De Brug" in text and "€\u00a0842,50" in text and "1 oktober 2026" in text
    assert "Wijkteam Noord" in text and "Telefoon" in text.title()
    assert "gemeente Gemeente A" in text  # the organisation by its name, not "gemeente 0101"
    assert "gemeente 0101" not in text and "bedrag_in_centen" not in text
    # As in the download: no employee, nothing the workers wrote, nothing of the co-resident.
    for hidden in ("coord-a", NOTE, ATTEMPT_NOTE, "WATER-HUISGENOOT", "Waterbedrijf", "1983-02-01"):
        assert hidden not in text, hidden
    export = AuditEvent.objects.get(action=AuditAction.EXPORT, purpose="inzageverzoek")
    assert export.details == {"persoon": sar.person_a.pk, "formaat": "document"}


def test_the_page_offers_the_document_and_the_json_for_each_person(sar, verified_client):
    page = _search(verified_client(sar.officer), bsn=BSN_A).content.decode()
    assert 'name="vorm" value="document"' in page and "Downloaden (JSON)" in page


def test_the_download_is_audited_as_an_export_of_the_household(sar, verified_client):
    verified_client(sar.officer).post(DOWNLOAD, {"bsn": BSN_A, "persoon": sar.person_a.pk})
    export = AuditEvent.objects.get(action=AuditAction.EXPORT, purpose="inzageverzoek")
    assert export.object_type == "households.household"
    assert export.object_id == str(sar.person_a.household_id)
    assert export.details == {"persoon": sar.person_a.pk, "formaat": "json"}


def test_the_download_gives_only_persons_the_search_finds_in_scope(sar, verified_client):
    client = verified_client(sar.officer)
    # Another municipality's person id with a search that finds someone else: nothing.
    assert client.post(DOWNLOAD, {"bsn": BSN_A, "persoon": sar.person_b.pk}).status_code == 404
    assert client.post(DOWNLOAD, {"bsn": BSN_B}).status_code == 404
    assert client.get(DOWNLOAD).status_code == 405
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("hostile", ["9" * 5000, "9" * 40, "²"])
def test_a_person_id_that_is_no_id_downloads_the_persons_found_not_a_crash(
    sar, verified_client, hostile
):
    """5000 digits passed ``isdigit()`` but not ``int()``: a server error. Now it names no one,
    so the download holds whom the search finds, as without a ``persoon``."""
    response = verified_client(sar.officer).post(DOWNLOAD, {"bsn": BSN_A, "persoon": hostile})
    assert response.status_code == 200
    assert [entry["persoon"]["bsn"] for entry in json.loads(response.content)["personen"]] == [
        BSN_A
    ]


def test_a_cases_steps_without_a_status_change_are_named_not_shown_as_an_arrow(
    sar, verified_client
):
    """Making an offer and its refusal leave the case's status as it is: the answer showed such a
    step as "Opgepakt → Opgepakt" in the download and the case had no history on the page. Each
    step is now named by what the services wrote ("Hulpaanbod gedaan"); a worker's own words
    and the names of staff stay out."""
    today = timezone.localdate()
    cases.record_offer(
        sar.case, sar.coordinator, made_on=today, answer="geweigerd", answered_on=today
    )
    client = verified_client(sar.officer)
    html = _search(client, bsn=BSN_A).content.decode()
    day = _day_text(today)
    for line in ("Opgepakt", "In contact (telefoon)", "Hulpaanbod gedaan", "Hulpaanbod geweigerd"):
        assert f"<li>{day}: {line}</li>" in html, line

    data = json.loads(client.post(DOWNLOAD, {"bsn": BSN_A, "persoon": sar.person_a.pk}).content)
    [case] = data["personen"][0]["vroegsignaalzaken"]
    steps = [(h["van"], h["naar"], h.get("stap")) for h in case["statusgeschiedenis"]]
    assert steps[-2:] == [
        ("In contact", "In contact", "Hulpaanbod gedaan"),
        ("In contact", "In contact", "Hulpaanbod geweigerd"),
    ], steps
    assert ("Opgepakt", "In contact", "Telefoon") in steps
    for hidden in ("coord-a", NOTE, ATTEMPT_NOTE, "Toegewezen"):
        assert hidden not in json.dumps(data, ensure_ascii=False), hidden

    text = client.post(
        DOWNLOAD, {"bsn": BSN_A, "persoon": sar.person_a.pk, "vorm": "document"}
    ).content.decode()
    assert f"<li>{day}: Hulpaanbod geweigerd</li>" in text
    assert f"<li>{day}: In contact (telefoon)</li>" in text

    client.post("/i18n/taal/", {"language": "en"})  # the officer reads English; the file is Dutch
    data = json.loads(client.post(DOWNLOAD, {"bsn": BSN_A, "persoon": sar.person_a.pk}).content)
    [case] = data["personen"][0]["vroegsignaalzaken"]
    assert [h.get("stap") for h in case["statusgeschiedenis"]][-1] == "Hulpaanbod geweigerd"


def test_a_person_with_many_customer_numbers_is_found_not_an_error(sar):
    """The afmeldingen and feedback of a person's customer numbers were asked with one OR clause
    a number: SQLite refused a person with a few hundred ("Expression tree is too large") and the
    page answered 500. They are asked by IN lists now, and still only the creditor's own."""
    from vroegsignaal.privacy.subject_records import _about_customers

    rent = sar.person_a.arrears.get(klantnummer="HUUR-A-1")
    other_creditor = sar.person_a.arrears.get(klantnummer="ENERGIE-A-1").creditor
    for creditor, municipality in (
        (rent.creditor, sar.a),
        (other_creditor, sar.a),
        (rent.creditor, sar.b),
    ):
        ClosedKey.objects.create(
            creditor=creditor, municipality=municipality, klantnummer="K-7", contractnummer="",
            delivery=rent.opened_by_delivery, reference_date=dt.date(2026, 11, 20),
        )  # fmt: skip
    customers = {(rent.creditor_id, f"K-{n}") for n in range(1, 1501)}
    [found] = _about_customers(ClosedKey, customers, "klantnummer", "reference_date", [sar.a])
    assert (found.creditor_id, found.klantnummer, found.municipality_id) == (
        rent.creditor_id, "K-7", sar.a.pk,
    )  # fmt: skip


def test_the_download_says_since_when_a_signal_is_herhaald(sar, verified_client):
    signals.evaluate(sar.b, reference_date=PEILDATUM, received_on=PEILDATUM)
    signal = Signal.objects.get(household=sar.person_b.household_id)
    Signal.objects.filter(pk=signal.pk).update(repeat=True, repeat_since=PEILDATUM)
    response = verified_client(sar.platform_officer).post(DOWNLOAD, {"bsn": BSN_B})
    [shown] = json.loads(response.content)["personen"][0]["vroegsignalen"]
    assert (shown["herhaald"], shown["herhaald_sinds"]) == (True, PEILDATUM.isoformat())

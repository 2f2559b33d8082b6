"""Audit completeness, for every URL the project has.

The URL list is read from the resolver (as in ``test_tenant_isolation.py``), so a new page or
endpoint is walked the moment it exists. Each viewer — coordinator, hulpverlener of the team
working the case, creditor staff, privacy officer, beheerder, and a creditor's API key — gets a
world of their *own* data whose residents carry marker values (a distinctive surname, first
names, phone, e-mail, BSN, birth date and klantnummer). The walk requests every URL with the
ids of that data, and the forms and downloads listed in ``ASKS``, and holds each response to
these rules (docs/security.md; STYLE.md, "One call to audit"):

1. a response that shows a marker (in its page, or in a download's content) records a read or
   export in the audit log during that request, naming the viewer;
2. no marker is ever in an address: a redirect's ``Location``, a link, source or form action of
   the page, a field of a form that submits by GET, a download's file name;
3. no marker is in what the request logged (every logger at DEBUG), nor in the audit events it
   recorded (they name ids and counts);
4. every audit event it recorded has a purpose that ``privacy/purposes.py`` labels (else the
   privacy officer reads raw text);
5. no marker is in any e-mail the project sent (subject, text and HTML bodies, headers,
   attachments): mail leaves the system unencrypted. The world's set-up sends every mail the
   project has, about the marker residents (``MAIL_SENDERS``), with an error logged everywhere
   as a server error would be (``log_errors_with_markers``: error mails); the walk fails when a
   notice expected is not sent, so the check cannot go vacuous, and a module that starts sending
   mail fails until ``MAIL_SENDERS`` says how the set-up sends it.

What a request itself sent does not count for rule 1 (a form shown again with what was typed
reads nothing stored); it does for rules 2 and 3.

Each URL says whether it shows residents' personal data (``SHOWS_PERSONS``, with the viewers who
see it there: the walk fails when it no longer does, so the world cannot go stale) or why not
(``SHOWS_NO_PERSONS``: the walk fails when it does). A new URL fails until it is in one of them;
a URL keyword argument the walk does not know fails until ``OWN_IDS`` says what fills it.
"""

from __future__ import annotations

import codecs
import copy
import csv
import datetime as dt
import html
import io
import json
import logging
import logging.handlers
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote_plus, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, get_resolver, resolve, reverse
from django.utils import timezone
from rest_framework.test import APIClient

import vroegsignaal
from conftest import login_verified
from tests.factories import UserFactory
from tests.test_tenant_isolation import iter_patterns

# --- the residents and their markers -------------------------------------------------------------


@dataclass(frozen=True)
class Resident:
    code: str  # the distinctive part of the klantnummer (KN-<creditor>-<code>)
    initials: str
    first_names: str
    surname: str
    born: dt.date
    phone: str
    email: str
    bsn: str  # passes the elfproef
    house_number: int


# The household whose signal is picked up and worked as a case by wijkteam A1.
CASE_RESIDENT = Resident(
    "QV31415", "W.X.", "Wendeline Xaviera", "Quaadvliegh", dt.date(1961, 7, 23), "06-12939147",
    "kwartelkoning77@example.org", "736415920", 7,
)  # fmt: skip
# The household of a new signal, waiting in its tray.
TRAY_RESIDENT = Resident(
    "ZW27182", "B.", "Bartholda", "Zwaantjesdijk", dt.date(1958, 11, 4), "06-48151623",
    "bartholda.z@example.org", "582193746", 9,
)  # fmt: skip
# A row every delivery rejects (no such birth date): its klantnummer is kept, as a rejected row.
REJECTED_CODE = "VR16180"

MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december",
    "January February March April May June July August September October November December",
)


def _date_forms(day: dt.date) -> set[str]:
    forms = {day.isoformat(), day.strftime("%Y%m%d")}
    forms |= {day.strftime(f"%d{sep}%m{sep}%Y") for sep in "-/."}
    for names in MONTHS:
        month = names.split()[day.month - 1]
        for d in (str(day.day), f"{day.day:02d}"):
            forms |= {f"{d} {month} {day.year}", f"{d} {month[:3]} {day.year}"}
    return forms


def marker_forms() -> dict[str, str]:
    """Each marker as it may be written (lower case) → what it is, for the message."""
    forms: dict[str, str] = {}
    for r in (CASE_RESIDENT, TRAY_RESIDENT):
        forms[r.surname.lower()] = f"achternaam {r.surname}"
        forms |= {name.lower(): f"voornaam {name}" for name in r.first_names.split()}
        forms[re.sub(r"\D", "", r.phone)[2:]] = f"telefoonnummer {r.phone}"  # 06-…, +316…
        forms[r.email.split("@")[0].lower()] = f"e-mailadres {r.email}"
        forms[r.bsn] = forms[f"{r.bsn[:4]}.{r.bsn[4:6]}.{r.bsn[6:]}"] = f"BSN {r.bsn}"
        forms |= {form.lower(): f"geboortedatum {r.born}" for form in _date_forms(r.born)}
        forms[r.code.lower()] = f"klantnummer KN-…-{r.code}"
    forms[REJECTED_CODE.lower()] = f"klantnummer KN-…-{REJECTED_CODE} (afgewezen regel)"
    return forms


MARKERS = marker_forms()


def markers_in(text: str) -> set[str]:
    low = text.lower()
    return {label for form, label in MARKERS.items() if form in low}


# --- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    objects: dict[str, object] = field(default_factory=dict)
    viewers: dict[str, object] = field(default_factory=dict)
    api_key_text: str = ""


HEADER = ["klantnummer", "voorletters", "voornamen", "achternaam", "geboortedatum",
          "telefoonnummer", "email", "bsn", "postcode", "huisnummer", "bedrag_achterstand",
          "ontstaansdatum"]  # fmt: skip


def delivery_file(
    creditor_code: str, residents, start: dt.date, *, rejected: bool, crisis: Resident | None = None
) -> bytes:
    """A CSV stand of the residents at 1234AB (and, with ``rejected``, a row to reject; with
    ``crisis``, a column ``crisis_reden`` that names a threatened eviction for that resident)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADER + (["crisis_reden"] if crisis else []))
    reason = (lambda r: ["ontruiming" if r == crisis else ""]) if crisis else (lambda r: [])
    for r in residents:
        writer.writerow([
            f"KN-{creditor_code}-{r.code}", r.initials, r.first_names, r.surname,
            r.born.strftime("%d-%m-%Y"), r.phone, r.email, r.bsn, "1234AB", str(r.house_number),
            "650,00", start.strftime("%d-%m-%Y"), *reason(r),
        ])  # fmt: skip
    if rejected:
        writer.writerow([f"KN-{creditor_code}-{REJECTED_CODE}", "R.", "", "Anders", "31-02-1980",
                         "", "", "", "1234AB", "11", "99,00", start.strftime("%d-%m-%Y"),
                         *reason(None)])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def json_entry(creditor_code: str, r: Resident, start: dt.date) -> dict:
    return {
        "klantnummer": f"KN-{creditor_code}-{r.code}", "voorletters": r.initials,
        "voornamen": r.first_names, "achternaam": r.surname, "geboortedatum": r.born.isoformat(),
        "telefoonnummer": r.phone, "email": r.email, "bsn": r.bsn, "postcode": "1234AB",
        "huisnummer": str(r.house_number), "bedrag_achterstand": "650.00",
        "ontstaansdatum": start.isoformat(),
    }  # fmt: skip


def json_body(peildatum: dt.date, entries: list) -> bytes:
    """A delivery as a JSON body (spec 1.4)."""
    body = {"peildatum": peildatum.isoformat(), "soort": "stand", "achterstanden": entries}
    return json.dumps(body).encode("utf-8")


# The creditors' addresses for the notice that feedback is ready (rule 5).
CREDITOR_EMAILS = {
    "SEX": "meldingen@schuldeiser-x.example",
    "SEZ": "meldingen@schuldeiser-z.example",
}
CONFIG = {
    "municipalities": [{"code": "0101", "name": "Gemeente A",
                        "teams": [{"name": "Wijkteam A1", "neighbourhoods": ["WK010101"]}]}],
    "creditors": [{"code": "SEX", "name": "Schuldeiser X", "type": "Huur",
                   "contact_email": CREDITOR_EMAILS["SEX"]},
                  {"code": "SEZ", "name": "Schuldeiser Z", "type": "Energie",
                   "contact_email": CREDITOR_EMAILS["SEZ"]}],
    "covenants": [{"creditor": "SEX", "municipality": "0101", "valid_from": "2020-01-01"},
                  {"creditor": "SEZ", "municipality": "0101", "valid_from": "2020-01-01"}],
}  # fmt: skip


COORDINATOR_EMAIL = "coordinator@gemeente-a.example"


def build_world(settings, tmp_path) -> World:
    """Municipality A with wijkteam A1 and creditors X and Z, who both deliver the two residents
    (and a row to reject): two meervoudig signals, one picked up for A1 with a letter and a note,
    feedback to X and Z; three refused deliveries of X; and the viewers, whose data it all is.

    X names a threatened eviction for the case resident, so that signal is a crisis signal. Run
    it inside ``django_capture_on_commit_callbacks(execute=True)``: the notices then go out as
    after a commit, to the coordinator (new crisis signals) and to X and Z (feedback)."""
    from vroegsignaal.cases import services as case_services
    from vroegsignaal.households.models import Person
    from vroegsignaal.intake import services as intake_services
    from vroegsignaal.intake.models import Delivery
    from vroegsignaal.organisations import services as organisation_services
    from vroegsignaal.organisations.models import Creditor, Municipality, Role, Team
    from vroegsignaal.registry.models import Address, Neighbourhood
    from vroegsignaal.signals.models import Signal

    settings.DATA_DIR = tmp_path / "data"
    world = World()
    peildatum = timezone.localdate() - dt.timedelta(days=3)
    start = peildatum - dt.timedelta(days=45)
    organisation_services.load_config(CONFIG)
    a = Municipality.objects.get(code="0101")
    team = Team.objects.get(municipality=a)
    team.phone = "020 123 4567"  # a letter needs a way to reach the team
    team.save()
    wijk = Neighbourhood.objects.create(
        code="WK010101", name="Noord", kind="wijk", municipality=a, inhabitants=2000
    )
    buurt = Neighbourhood.objects.create(
        code="BU01010101", name="Oude Dorp", kind="buurt", wijk=wijk, municipality=a,
        inhabitants=2000,
    )  # fmt: skip
    Address.objects.bulk_create(
        Address(postcode="1234AB", huisnummer=n, straatnaam="Dorpsweg", woonplaats="Adorp",
                municipality=a, buurt=buurt)
        for n in range(1, 21)
    )  # fmt: skip
    x, z = Creditor.objects.get(code="SEX"), Creditor.objects.get(code="SEZ")
    api_key, world.api_key_text = intake_services.create_api_key(x, "Incassosysteem")
    for creditor in (x, z):
        delivery = intake_services.receive_delivery(
            creditor,
            delivery_file(
                creditor.code,
                (CASE_RESIDENT, TRAY_RESIDENT),
                start,
                rejected=True,
                crisis=CASE_RESIDENT if creditor == x else None,
            ),
            filename="levering.csv",
            reference_date=peildatum,
        )
        assert delivery.status == "verwerkt" and delivery.rows_rejected == 1, delivery.report
    # Refused: a file without column names (a resident's row is read as the headers), a cut-off
    # file (a quote opened in a name, never closed) and a JSON body whose second entry is a bare
    # name. Their reports and messages must not quote what they hold.
    one = delivery_file("SEX", (CASE_RESIDENT,), start, rejected=False)
    surname = CASE_RESIDENT.surname.encode()
    refused = [
        intake_services.receive_delivery(x, content, filename=name, reference_date=peildatum)
        for name, content in (
            ("zonder-kolomnamen.csv", one.split(b"\n", 1)[1]),
            ("afgekapt.csv", one.replace(surname, b'"' + surname)),
        )
    ]
    refused.append(
        intake_services.receive_delivery(
            x,
            json_body(peildatum, [json_entry("SEX", CASE_RESIDENT, start), CASE_RESIDENT.surname]),
            filename="levering.json",
            kind=None,
            reference_date=None,
        )  # fmt: skip
    )
    assert [d.status for d in refused] == ["afgewezen"] * 3, [d.report for d in refused]
    world.viewers = viewers = {
        # With an address: the notice of new crisis signals goes to it (rule 5).
        "coordinator": UserFactory(
            username="coordinator-a", role=Role.COORDINATOR, municipality=a, email=COORDINATOR_EMAIL
        ),
        "hulpverlener": UserFactory(
            username="hulpverlener-a1", role=Role.HULPVERLENER, team=team, municipality=a
        ),
        "schuldeiser": UserFactory(
            username="schuldeiser-x", role=Role.SCHULDEISER, creditor=x, municipality=None
        ),
        "privacy_officer": UserFactory(username="fg-a", role=Role.PRIVACY_OFFICER, municipality=a),
        "beheerder": UserFactory(username="beheerder", role=Role.BEHEERDER, municipality=None),
    }
    # The coordinator may export names and contact details: the exports then hold them all.
    viewers["coordinator"].user_permissions.add(
        Permission.objects.get(codename="export_personal_data")
    )
    signals = {
        s.household.persons.get().surname: s
        for s in Signal.objects.filter(municipality=a).select_related("household")
    }
    case_signal, tray_signal = signals[CASE_RESIDENT.surname], signals[TRAY_RESIDENT.surname]
    case = case_services.pick_up_signal(case_signal, viewers["coordinator"], team=team)
    attempt, _new = case_services.make_letter(case, viewers["hulpverlener"])
    case_services.add_note(case, viewers["hulpverlener"], "Gesprek gepland.")
    world.objects.update(
        case=case,
        case_household=case_signal.household,
        case_persons=list(Person.objects.filter(household=case_signal.household)),
        letter_attempt=attempt,
        tray=tray_signal.tray,
        tray_household=tray_signal.household,
        deliveries=[Delivery.objects.get(creditor=x, status="verwerkt"), *refused],
        api_key=api_key,
    )
    return world


# --- which of the viewer's own objects fills each URL keyword argument ---------------------------

ADMIN_ROUTE = re.compile(r"^beheer/(\w+)/(\w+)/<path:object_id>/")
ADMIN_OBJECTS = 6  # per model: enough for the world's deliveries, users and keys


def _admin_object_ids(world: World, route: str) -> list[str]:
    """The objects of the model the admin route is about (ids are no one's secret)."""
    match = ADMIN_ROUTE.match(route)
    if not match:  # the admin's "view on site": the beheerder's own user
        return [str(world.viewers["beheerder"].pk)]
    pks = apps.get_model(*match.groups())._default_manager.order_by("pk")
    return [str(pk) for pk in pks.values_list("pk", flat=True)[:ADMIN_OBJECTS]] or ["0"]


# kwarg → (world, route) → a value, or a list of values (one request each).
OWN_IDS: dict[str, Callable[[World, str], object]] = {
    "household_id": lambda w, r: w.objects["case_household"].pk,
    "case_id": lambda w, r: w.objects["case"].pk,
    "tray_id": lambda w, r: w.objects["tray"].pk,
    "delivery_id": lambda w, r: [d.pk for d in w.objects["deliveries"]],
    "api_key_id": lambda w, r: w.objects["api_key"].pk,
    # The beheerder's admin.
    "object_id": _admin_object_ids,
    "app_label": lambda w, r: sorted({m._meta.app_label for m in admin.site._registry}),
    "content_type_id": lambda w, r: (
        apps.get_model("contenttypes", "ContentType")
        .objects.get_for_model(w.viewers["beheerder"])
        .pk
    ),
    "pk": lambda w, r: getattr(w.viewers["beheerder"].totpdevice_set.first(), "pk", 0),  # TOTP
    "id": lambda w, r: w.viewers["beheerder"].pk,  # the admin's password change of a user
    "url": lambda w, r: "x",
    "path": lambda w, r: "x",
}


# --- what each URL shows -------------------------------------------------------------------------

CASE_WORKERS = ("coordinator", "hulpverlener")
CASE_PAGE_AGAIN = "a refused form shows the case page again: view ('zaak behandelen')"

# URL name → (the viewers who see residents' personal data there, how it is audited).
SHOWS_PERSONS: dict[str, tuple[tuple[str, ...], str]] = {
    "reporting:household": (CASE_WORKERS, "view on the household, with the purpose chosen"),
    "reporting:tray_export": (("coordinator",), "export on the tray ('export werkbakje')"),
    "reporting:signals_export": (("coordinator",), "export ('export vroegsignalen')"),
    "cases:detail": (CASE_WORKERS, "view on the case ('zaak behandelen')"),
    "cases:contact_attempt": (CASE_WORKERS, CASE_PAGE_AGAIN),
    "cases:offer": (CASE_WORKERS, CASE_PAGE_AGAIN),
    "cases:close": (CASE_WORKERS, CASE_PAGE_AGAIN),
    "cases:note": (CASE_WORKERS, CASE_PAGE_AGAIN),
    "cases:assign": (("coordinator",), CASE_PAGE_AGAIN),
    "cases:letter": (CASE_WORKERS, "export on the case ('brief met hulpaanbod aangemaakt')"),
    "intake:rejected_rows": (("schuldeiser",), "export ('afgewezen regels inzien')"),
    "intake:preview": (("schuldeiser",), "not audited: see UNAUDITED_BY_DESIGN"),
    "feedback:list": (("schuldeiser",), "view per municipality ('terugkoppeling inzien')"),
    "feedback:csv": (("schuldeiser",), "export per municipality ('terugkoppeling downloaden')"),
    "privacy:subject_access": (("privacy_officer",), "view per person found ('inzageverzoek')"),
    "privacy:subject_access_download": (("privacy_officer",), "export ('inzageverzoek')"),
    "intake_api:delivery-rejected-rows": (("api",), "view or export ('afgewezen regels inzien')"),
    "feedback_api:feedback-list": (("api",), "view per municipality ('terugkoppeling inzien')"),
}

# Shown without an audit event, on purpose.
UNAUDITED_BY_DESIGN = {
    "intake:preview": (
        "the first rows of the file the creditor's user chose a moment ago, shown back to that "
        "user in their own session before it is handed in: the creditor's own data, not yet "
        "received (no municipality has it); handing it in is audited ('levering ontvangen')"
    ),
}

# URL name → why it never shows a resident's name, contact details, BSN, birth date or klantnummer.
SHOWS_NO_PERSONS: dict[str, str] = {
    "portal:home": "the role's pages, and a case worker's deadlines by case number and buurt",
    "portal:logout": "POST only; logs out",
    "portal:session": "the seconds left in the session",
    "portal:password_change": "the user's own password form",
    "two_factor:login": "the log-in form",
    "two_factor:setup": "the user's own second factor",
    "two_factor:qr": "the QR code of the user's own TOTP secret",
    "two_factor:setup_complete": "the user's own second factor",
    "two_factor:backup_tokens": "the user's own backup codes",
    "two_factor:profile": "the user's own second factor",
    "health": "the state of database and worker, without data",
    "set_language": "a redirect to the page in the other language",
    "favicon": "a redirect to the icon",
    "api-schema": "the OpenAPI document",
    "intake:list": "the creditor's deliveries: dates, counts and file names",
    "intake:upload": "the upload form (its POST stages the file for the preview)",
    "intake:column_mapping": "the creditor's column headers",
    "intake:api_keys": "the creditor's API keys by name and prefix",
    "intake:revoke_api_key": "one API key by name",
    "intake:detail": "the delivery report (spec 1.7): counts per code and municipality",
    "intake:status": "the delivery's status and report",
    "intake:confirm": "POST only; a redirect to the delivery page",
    "intake:decline": "POST only; a redirect to the delivery page",
    "intake:reprocess": "POST only; a redirect to the delivery page",
    "signals:rules": "the municipality's signal rules",
    "signals:trays_manage": "the trays and their conditions",
    "signals:tray_add": "the tray form",
    "signals:tray_edit": "the tray form",
    "signals:tray_move": "POST only",
    "signals:tray_delete": "the tray and its number of signals",
    "reporting:trays": "the trays with their counts",
    "reporting:tray": "signals by address, buurt, amount and flags; audited ('werkbakje bekeken')",
    "reporting:tray_bulk_action": "POST only; a redirect to the tray",
    "reporting:search": "households by address and buurt, cases by number; audited ('zoeken')",
    "reporting:map": "counts per wijk and buurt",
    "reporting:map_geojson": "counts per wijk and buurt",
    "reporting:dashboard": "counts per month",
    "reporting:monitor": "the monitor's counts per month",
    "reporting:monitor_csv": "the monitor's counts per month",
    "reporting:monitor_xlsx": "the monitor's counts per month",
    "reporting:ddas_export": "the DDAS figures, without persons (docs/ddas.md); audited",
    "cases:list": "cases by number, buurt, status, team and worker",
    "cases:pick_up": "POST only; a redirect to the case",
    "cases:not_picked_up": "POST only; a redirect to the tray",
    "cases:letter_template": "the municipality's letter text with its placeholders",
    "cases:take": "POST only (the walk does not take the case); a redirect to the case",
    "privacy:audit_log": "audit events: users, actions, object ids, counts and purposes",
    "privacy:audit_export": "the same events as CSV",
    "privacy:verification": "the audit chain's checks",
    "privacy:verification_start": "POST only",
    "privacy:retention_runs": "counts per category",
    "intake_api:delivery-list": "POST only (a delivery); answers the delivery's status",
    "intake_api:delivery-detail": "the delivery report (spec 1.7)",
    "intake_api:delivery-confirm": "POST only",
}
# Every page of the beheerder's admin (``admin:…``, however many models it gets): it holds
# organisations, users, API keys and delivery metadata; no household, person, signal or case,
# and not the rejected rows (organisations/backends.py, intake/admin.py).
ADMIN = "admin:"


def shows_no_persons(name: str) -> bool:
    return name in SHOWS_NO_PERSONS or name.startswith(ADMIN)


# --- the requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """A request besides the plain GET: a query or a form (``data``), a header, a JSON body
    (``content_type``); ``path`` instead of the URL with the viewer's ids."""

    method: str = "get"
    data: dict | bytes | None = None
    headers: dict = field(default_factory=dict)
    path: str | None = None
    note: str = ""
    content_type: str | None = None


def _upload(w: World) -> list[Ask]:
    start = timezone.localdate() - dt.timedelta(days=60)
    content = delivery_file("SEX", (CASE_RESIDENT,), start, rejected=False)
    form = {
        "file": SimpleUploadedFile("nieuw.csv", content, content_type="text/csv"),
        "peildatum": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "soort": "stand",
    }
    return [Ask("post", form, note="a file with a resident, on to the preview")]


def _api_deliveries(w: World) -> list[Ask]:
    start = timezone.localdate() - dt.timedelta(days=60)
    content = delivery_file("SEX", (CASE_RESIDENT, TRAY_RESIDENT), start, rejected=True)
    form = {
        "file": SimpleUploadedFile("api.csv", content, content_type="text/csv"),
        "peildatum": timezone.localdate().isoformat(),
        "soort": "stand",
    }
    body = json_body(timezone.localdate(), [json_entry("SEX", CASE_RESIDENT, start), "x"])
    return [
        Ask("post", form, note="a delivery: a file, processed in the request"),
        Ask("post", body, content_type="application/json", note="a JSON body, refused"),
    ]


def _subject_form(**values) -> dict:
    return {"bsn": "", "achternaam": "", "geboortedatum": "", "postcode": "", **values}


BY_BSN = _subject_form(bsn=CASE_RESIDENT.bsn)
BY_NAME = _subject_form(achternaam=CASE_RESIDENT.surname, geboortedatum=str(CASE_RESIDENT.born))
REFUSED_FORM = [Ask("post", {}, note="an empty form: refused, the case page again")]

# URL name → the requests besides the plain GET: queries and downloads, and the forms posted as
# the page posts them (a name or BSN typed where it does not belong too). A redirect after a POST
# is followed and checked as a request of its own.
ASKS: dict[str, Callable[[World], list[Ask]]] = {
    "reporting:household": lambda w: [
        Ask(data={"doel": "signaalbehandeling"}),
        Ask(data={"doel": "hulpverlening"}),
        Ask(
            data={"doel": "signaalbehandeling"},
            path=reverse("reporting:household", args=[w.objects["tray_household"].pk]),
            note="the household of the new signal",
        ),
    ],
    "reporting:tray_export": lambda w: [Ask(data={"formaat": f}) for f in ("csv", "xlsx")],
    "reporting:signals_export": lambda w: [
        Ask(data={"formaat": "csv", "status": "open"}),
        Ask(data={"formaat": "xlsx"}),
    ],
    "reporting:search": lambda w: [
        Ask("post", {"zoek": "adres", "adres-postcode": "1234 AB", "adres-huisnummer": "7"}),
        Ask("post", {"zoek": "zaak", "zaak-zaaknummer": str(w.objects["case"].pk)}),
        Ask(
            "post",
            {
                "zoek": "adres",
                "adres-postcode": CASE_RESIDENT.surname,
                "adres-huisnummer": CASE_RESIDENT.bsn,
            },
            note="a name and a BSN typed",
        ),
        Ask("post", {"zoek": "zaak", "zaak-zaaknummer": CASE_RESIDENT.bsn}, note="a BSN typed"),
    ],  # fmt: skip
    "cases:letter": lambda w: [
        Ask(data={"poging": str(w.objects["letter_attempt"].pk)}),
        Ask("post", {}, note="Brief maken: today's letter is there, the case page offers it"),
    ],
    "cases:contact_attempt": lambda w: REFUSED_FORM,
    "cases:offer": lambda w: REFUSED_FORM,
    "cases:close": lambda w: REFUSED_FORM,
    "cases:note": lambda w: REFUSED_FORM,
    "cases:assign": lambda w: REFUSED_FORM,
    "intake:rejected_rows": lambda w: [Ask(data={"waarschuwingen": "ja"})],
    "intake:upload": _upload,
    "intake:preview": lambda w: [Ask("post", {"actie": "indienen"}, note="hand the file in")],
    "privacy:subject_access": lambda w: [
        Ask("post", BY_BSN),
        Ask("post", BY_NAME),
        Ask("post", _subject_form(achternaam=CASE_RESIDENT.surname), note="refused: no birth date"),
    ],
    "privacy:subject_access_download": lambda w: [
        Ask("post", {**BY_BSN, "persoon": [p.pk for p in w.objects["case_persons"]], "vorm": vorm})
        for vorm in ("json", "document")
    ],
    "intake_api:delivery-list": _api_deliveries,
    "intake_api:delivery-rejected-rows": lambda w: [
        Ask(headers={"HTTP_ACCEPT": "text/csv"}),
        Ask(data={"waarschuwingen": "ja"}),
    ],
    "feedback_api:feedback-list": lambda w: [Ask(data={"sinds": "0", "limiet": "10"})],
}


@dataclass(frozen=True)
class Target:
    name: str  # the URL's name (namespace:name); an unnamed admin route as admin:<route>
    route: str
    url: str


def all_targets(world: World) -> list[Target]:
    """Every URL of the project, with the viewer's own ids filled in."""
    targets = []
    for route, pattern, namespace in iter_patterns(get_resolver()):
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        kwarg_names = list(pattern.pattern.regex.groupindex)
        missing = [k for k in kwarg_names if k not in OWN_IDS]
        if missing:
            raise AssertionError(
                f"URL '{route}' takes {missing}; add them to OWN_IDS in {__name__}: which of the "
                "viewer's own objects fills them (one that shows residents' personal data, if any)."
            )
        values = {k: OWN_IDS[k](world, route) for k in kwarg_names}
        each = [values]
        for key, value in values.items():
            if isinstance(value, list):
                each = [{**kwargs, key: item} for kwargs in each for item in value]
        for kwargs in each:
            if pattern.name is None:  # the admin's unnamed redirects: fill in the route
                url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
                if "^" in url or "(" in url:
                    continue
                name = f"{ADMIN}{route}"
            else:
                try:
                    url = reverse(name, kwargs=kwargs)
                except Exception:  # the admin's catch-all refuses our filler
                    continue
            targets.append(Target(name, route, url))
    return targets


# --- reading a response --------------------------------------------------------------------------


class _Addresses(HTMLParser):
    """Every address in a page: links, sources, form actions, htmx and data-…url attributes,
    and the fields of a form that submits by GET (they become the address)."""

    NAMES = {"href", "src", "action", "formaction", "poster", "srcset", "cite", "data", "ping"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_get_form = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.in_get_form = (attributes.get("method") or "get").lower() == "get"
        if self.in_get_form and tag in ("input", "button", "option") and attributes.get("value"):
            self.found.append(
                f"{attributes.get('name')}={attributes['value']} (a GET form's field)"
            )
        for name, value in attrs:
            is_address = name in self.NAMES or name.startswith("hx-") or (
                name.startswith("data-") and any(part in name for part in ("url", "href", "src"))
            )  # fmt: skip
            # mailto: and tel: links are how a worker mails or calls a resident: no request.
            if value and is_address and not value.strip().lower().startswith(("mailto:", "tel:")):
                self.found.append(value)
            if value and tag == "meta" and name == "content" and "url=" in value.lower():
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_get_form = False


ADDRESS_HEADERS = ("Location", "Content-Location", "Refresh", "Link", "HX-Redirect", "HX-Location",
                   "HX-Push-Url", "Content-Disposition")  # fmt: skip
URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>\\]+")


def _xlsx_text(content: bytes) -> str:
    import openpyxl

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            parts += [v.isoformat() if isinstance(v, dt.date) else str(v) for v in row if v]
    return "\n".join(parts)


def _pdf_text(content: bytes) -> str:
    if not shutil.which("pdftotext"):  # unreadable here: a PDF counts as showing personal data
        return CASE_RESIDENT.surname
    return subprocess.run(
        ["pdftotext", "-q", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode("utf-8", "replace")


@dataclass
class Seen:
    text: str  # the page, or the download's content, as text
    addresses: list[str]  # every address the response names


def read(response) -> Seen:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"PK\x03\x04"):
        text = _xlsx_text(content)
    elif content.startswith(b"%PDF"):
        text = _pdf_text(content)
    else:
        text = content.decode("utf-8", "replace")
    addresses = [f"{h}: {response[h]}" for h in ADDRESS_HEADERS if response.has_header(h)]
    if "html" in response.get("Content-Type", ""):
        parser = _Addresses()
        parser.feed(text)
        addresses += parser.found
        text = html.unescape(text)
    addresses += URL_IN_TEXT.findall(text)
    return Seen(text, addresses)


def _sent_markers(ask: Ask) -> set[str]:
    """What the request itself carried: a page that repeats what was typed reads nothing stored."""
    if not ask.data:
        return set()
    if isinstance(ask.data, bytes):
        return markers_in(ask.data.decode("utf-8", "replace"))
    sent = []
    for value in ask.data.values():
        if isinstance(value, SimpleUploadedFile):
            value.seek(0)
            sent.append(value.read().decode("utf-8", "replace"))
            value.seek(0)
        else:
            sent.append(str(value))
    return markers_in(" ".join(sent))


def _logged(records) -> str:
    """The request's log records: as the console handler writes them (an exception by its class
    only: conf/logsafety.py) and as logged, with django.request's request's path."""
    from vroegsignaal.conf.logsafety import ExceptionClassOnly

    lines = []
    for record in records:
        written = copy.copy(record)
        ExceptionClassOnly().filter(written)
        lines.append(f"{record.name} {written.getMessage()} {record.getMessage()}")
        if (request := getattr(record, "request", None)) is not None:
            lines.append(request.get_full_path())
    return "\n".join(lines)


# --- the mail ------------------------------------------------------------------------------------

OPERATOR_EMAIL = "beheer@vroegsignaal.example"
SOURCE = Path(vroegsignaal.__file__).parent

# A way to send mail named in a module of the project (its tests and migrations aside).
SENDS_MAIL = re.compile(
    r"send_mail|send_mass_mail|mail_admins|mail_managers|EmailMessage|EmailMultiAlternatives|"
    r"email_user|AdminEmailHandler|SMTPHandler|smtplib|BrokenLinkEmailsMiddleware|\bADMINS\b|"
    r"\bMANAGERS\b|PasswordReset|otp_email|plugins\.email|sendtestemail"
)

# Module (under src/vroegsignaal) that names a way to send mail → the mails the world's set-up
# has it send, by recipient (each must arrive, else rule 5 would check nothing of it), or why it
# sends none. A module that starts sending mail fails the walk until it is here.
MAIL_SENDERS: dict[str, dict[str, str] | str] = {
    "signals/notices.py": {
        COORDINATOR_EMAIL: "new crisis signals: X's delivery makes the case resident's signal one",
    },
    "feedback/notices.py": {
        CREDITOR_EMAILS["SEX"]: "feedback is ready: the case picked up writes feedback to X",
        CREDITOR_EMAILS["SEZ"]: "feedback is ready: the case picked up writes feedback to Z",
    },
    "portal/management/commands/sendtestemail.py": {
        OPERATOR_EMAIL: "the operator's test mail (vroegsignaal sendtestemail)",
    },
    "conf/settings.py": "LOGGING takes Django's error-mail handler off the django logger; no mail",
    "feedback/services.py": "names the notice of feedback/notices.py; sends none itself",
    "organisations/admin/users.py": (
        "its PasswordResetForm is the beheerder's form for a temporary password (Django's "
        "AdminPasswordChangeForm); no mail"
    ),
}
# Besides: Django's AdminEmailHandler (on the ``django`` logger in Django's default logging, which
# LOGGING takes off) would mail every error logged there to ADMINS; ``log_errors_with_markers``
# logs one on every logger. No password reset (no URL: the walk would meet it) and no second factor by
# mail (only TOTP and backup codes are installed).


def mail_senders() -> dict[str, list[str]]:
    """Each module of the project that names a way to send mail → the names it uses."""
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        module = path.relative_to(SOURCE).as_posix()
        if "/tests/" in f"/{module}" or "/migrations/" in module:
            continue
        if names := sorted(set(SENDS_MAIL.findall(path.read_text(encoding="utf-8")))):
            found[module] = names
    return found


def send_the_other_mail() -> None:
    """The mails besides the world's notices: the operator's test mail, and every error mail."""
    call_command("sendtestemail", OPERATOR_EMAIL, stdout=io.StringIO())
    log_errors_with_markers()


def log_errors_with_markers() -> None:
    """An error on every logger, as Django logs a server error: with the request (a BSN in its
    form) and the exception (whose text names a resident, as a unique violation's DETAIL names
    its key). Whatever mails errors (Django's AdminEmailHandler, with ADMINS) mails it now."""
    from django.db import IntegrityError
    from django.test import RequestFactory

    request = RequestFactory().post(reverse("privacy:subject_access"), BY_BSN)
    detail = f"Key (klantnummer)=(KN-SEX-{CASE_RESIDENT.code}) of {CASE_RESIDENT.surname} exists."
    try:
        raise IntegrityError(f"duplicate key value violates unique constraint\nDETAIL: {detail}")
    except IntegrityError as error:
        failure = error
    names = sorted(
        n for n, x in logging.root.manager.loggerDict.items() if isinstance(x, logging.Logger)
    )
    for logger in (logging.root, *map(logging.getLogger, names)):
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=failure,
            extra={"status_code": 500, "request": request},
        )


def _archive_text(content: bytes) -> str:
    try:
        return _xlsx_text(content)
    except Exception:  # noqa: BLE001 - a ZIP archive that is no workbook: its members as text
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            return "\n".join([*names, *(archive.read(n).decode("utf-8", "replace") for n in names)])


def mail_text(message) -> str:
    """Everything a mail carries, decoded: each header of each part (subject, addresses, file
    names), each part's content (text; HTML unescaped; attachments, a workbook or PDF as its
    text), and the Bcc, which is in no header."""
    texts = [f"Bcc: {', '.join(message.bcc)}"]
    for part in message.message().walk():
        texts += [
            f"{name}: {make_header(decode_header(str(value)))}" for name, value in part.items()
        ]
        if part.is_multipart():
            continue
        content = part.get_payload(decode=True) or b""
        if content.startswith(b"PK\x03\x04"):
            text = _archive_text(content)
        elif content.startswith(b"%PDF"):
            text = _pdf_text(content)
        elif content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = content.decode("utf-16", "replace")
        else:
            text = content.decode(part.get_content_charset() or "utf-8", "replace")
        texts.append(html.unescape(text) if part.get_content_type() == "text/html" else text)
    return "\n".join(texts)


def mail_problems(outbox) -> list[str]:
    """Rule 5 over every mail sent: no marker in it; and every mail the set-up sends was sent."""
    problems = [
        f"5. the mail to {message.to} '{message.subject[:80]}' holds {sorted(found)}"
        for message in outbox
        if (found := markers_in(mail_text(message)))
    ]
    if not outbox:
        problems.append("5. no mail was sent at all: the set-up no longer sends the notices")
    sent_to = {address for m in outbox for address in (*m.to, *m.cc, *m.bcc)}
    problems += [
        f"5. no mail to {address} ({module}: {what}): the set-up no longer sends it"
        for module, mails in MAIL_SENDERS.items()
        if isinstance(mails, dict)
        for address, what in mails.items()
        if address not in sent_to
    ]
    loggers = [logging.root, *logging.root.manager.loggerDict.values()]
    problems += [
        f"5. {handler!r} mails past Django's mail (the walk cannot read it)"
        for logger in loggers
        for handler in getattr(logger, "handlers", [])
        if isinstance(handler, logging.handlers.SMTPHandler)
    ]
    return problems


# --- the walk ------------------------------------------------------------------------------------

VIEWERS = ("coordinator", "hulpverlener", "schuldeiser", "privacy_officer", "beheerder", "api")


@dataclass
class Walk:
    requests: int = 0
    shown: set[tuple[str, str]] = field(default_factory=set)  # (URL name, viewer) with a marker
    problems: list[str] = field(default_factory=list)


def walk(viewer: str, world: World, client, caplog, login) -> Walk:
    """Request every URL as ``viewer`` (the admin only as the beheerder, only the API with the
    key), then each of its ``ASKS``; each response checked against the module's rules."""
    from vroegsignaal.privacy.models import AuditAction, AuditEvent
    from vroegsignaal.privacy.purposes import LABELS

    result = Walk()
    if viewer == "api":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.api_key_text}")
        user, actor = None, {"actor_username": f"api-{world.api_key_text.split('.')[0]}"}
    else:
        user = world.viewers[viewer]
        login(user)
        actor = {"actor_id": user.pk}

    def request(target: Target, ask: Ask, *, after: str = "") -> None:
        if user is not None and "_auth_user_id" not in client.session:
            login(user)  # a page logged the viewer out: the walk goes on logged in
        path = ask.path or target.url
        where = f"{target.name} {ask.method.upper()} {path}"
        where += f" {ask.data}" if ask.data and ask.method == "get" else ""
        where += f" ({ask.note})" if ask.note else ""
        where += f" [after {after}]" if after else ""
        sent = _sent_markers(ask)  # before the client reads (and closes) an uploaded file
        before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        caplog.clear()
        options = {"data": ask.data} if ask.data is not None else {}
        if ask.content_type:
            options["content_type"] = ask.content_type
        try:
            response = getattr(client, ask.method)(path, **options, **ask.headers)
        except Exception as error:  # noqa: BLE001 - every URL is walked; a crash is one problem
            result.problems.append(f"{where}: {viewer} gets {type(error).__name__}: {error}")
            return
        result.requests += 1
        if response.status_code >= 500:
            result.problems.append(f"{where}: server error {response.status_code} for {viewer}")
        seen = read(response)
        events = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
        shown = markers_in(seen.text) - sent
        if shown:
            result.shown.add((target.name, viewer))
            if shows_no_persons(target.name):
                result.problems.append(
                    f"1. {where}: shows {sorted(shown)} to {viewer}, where the walk says it shows "
                    "no residents' personal data"
                )
            reads = [
                e for e in events
                if e.action in (AuditAction.VIEW, AuditAction.EXPORT)
                and all(getattr(e, key) == value for key, value in actor.items())
            ]  # fmt: skip
            if not reads and target.name not in UNAUDITED_BY_DESIGN:
                result.problems.append(
                    f"1. {where}: shows {sorted(shown)} to {viewer} without a read or export in "
                    f"the audit log naming them (recorded: {[(e.action, e.purpose) for e in events]})"
                )
        for address in seen.addresses:
            if in_address := markers_in(unquote_plus(address)):
                result.problems.append(f"2. {where}: {sorted(in_address)} in {address[:200]!r}")
        logged = _logged(caplog.records)
        if in_log := markers_in(logged):
            result.problems.append(f"3. {where}: {sorted(in_log)} in the log:\n{logged[:500]}")
        for event in events:
            written = f"{event.actor_username} {event.object_id} {event.purpose} {event.details}"
            if in_event := markers_in(written):
                result.problems.append(
                    f"3. {where}: {sorted(in_event)} in audit event {event.seq}: {written[:300]}"
                )
            if event.purpose and event.purpose not in LABELS:
                result.problems.append(
                    f"4. {where}: audit purpose '{event.purpose}' ({event.action} "
                    f"{event.object_type}) has no label in privacy/purposes.py"
                )
        location = urlsplit(response.get("Location", ""))
        if ask.method == "post" and location.path and location.netloc in ("", "testserver"):
            try:
                match = resolve(location.path)
            except Resolver404:  # a static file: no page to follow
                return
            name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
            followed = location.path + (f"?{location.query}" if location.query else "")
            request(Target(name, match.route, followed), Ask(), after=target.name)

    for target in all_targets(world):
        is_admin, is_api = target.name.startswith(ADMIN), target.route.startswith("api/v1/")
        if (is_admin and viewer != "beheerder") or (viewer == "api" and not is_api):
            continue  # the admin is the beheerder's; an API key reaches only the API
        request(target, Ask())
        for ask in ASKS.get(target.name, lambda w: [])(world):
            request(target, ask)
    return result


@pytest.fixture
def debug_logging(caplog):
    """Every logger at DEBUG (the ones the settings quiet too), captured."""
    caplog.set_level(logging.DEBUG)
    for name in ("django.db.backends", "axes", "django_tasks", "django_tasks_db"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_url_audits_the_personal_data_it_shows_and_keeps_it_out_of_addresses_logs_and_mail(
    viewer,
    client,
    verified_client,
    debug_logging,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    # What waits for a commit runs (the notices go out), in the set-up and in every walk.
    after_commit = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731
    with after_commit():
        world = build_world(settings, tmp_path)
    send_the_other_mail()
    if viewer == "privacy_officer":
        # Everyone else first, so that the officer's audit log holds every event the walk makes
        # (their rules are checked in their own runs). The key first: the others' keyless API
        # requests would have its address refused (API_KEY_FAILURES_PER_ADDRESS).
        for other in ("api", "coordinator", "hulpverlener", "schuldeiser", "beheerder"):
            other_client = Client()
            login = lambda user, c=other_client: login_verified(c, user)  # noqa: E731
            with after_commit():
                walk(other, world, other_client, debug_logging, login)
    with after_commit():
        result = walk(viewer, world, client, debug_logging, verified_client)
    result.problems += mail_problems(mail.outbox)
    assert result.requests >= (10 if viewer == "api" else 100), "the walk made too few requests"
    stale = [
        f"{name}: the walk expected residents' personal data for {viewer} and saw none; "
        "the world or the walk no longer reaches it"
        for name, (roles, _how) in SHOWS_PERSONS.items()
        if viewer in roles and (name, viewer) not in result.shown
    ]
    assert not result.problems + stale, "\n".join(dict.fromkeys(result.problems + stale))


def test_every_url_says_whether_it_shows_residents_personal_data():
    """A new URL fails here until it is in SHOWS_PERSONS or SHOWS_NO_PERSONS, with its reason."""
    names = {
        f"{ns}:{p.name}" if ns else p.name
        for _route, p, ns in iter_patterns(get_resolver())
        if p.name is not None
    }
    unclassified = sorted(n for n in names if n not in SHOWS_PERSONS and not shows_no_persons(n))
    assert not unclassified, (
        f"add these URLs to SHOWS_PERSONS (who sees residents' personal data there, and how it is "
        f"audited) or to SHOWS_NO_PERSONS (why it shows none) in {__name__}: {unclassified}"
    )
    assert not set(SHOWS_PERSONS) & set(SHOWS_NO_PERSONS)
    assert set(UNAUDITED_BY_DESIGN) <= set(SHOWS_PERSONS)
    assert {*SHOWS_PERSONS, *SHOWS_NO_PERSONS} <= names, "an entry names a URL that is gone"


def test_every_module_that_sends_mail_is_in_mail_senders():
    """A module that starts naming a way to send mail fails here until MAIL_SENDERS says which
    mail the world's set-up has it send (and so rule 5 checks), or why it sends none."""
    found = mail_senders()
    unlisted = {module: names for module, names in found.items() if module not in MAIL_SENDERS}
    assert not unlisted, (
        f"add these modules to MAIL_SENDERS in {__name__}, with the mail the set-up has them send "
        f"(to an address of the world's, about its residents) or why they send none: {unlisted}"
    )
    assert set(MAIL_SENDERS) <= set(found), "an entry names a module that sends no mail (now)"

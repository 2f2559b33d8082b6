"""Hostile input in every form and endpoint: refused cleanly, in Dutch, and nothing changes.

The product's rule: bad input gets a clear Dutch error, and nothing is lost or half-applied;
personal data never appears in a log, a URL or an error message. This test holds every form of the
portal, the admin and the API to it, in a small world (the tenant isolation test's two
municipalities and creditors, with a tray, signals, cases, a delivery and an API key of the first)
and a log-in of every role.

* ``ENDPOINTS``: every URL that takes a POST. ``test_every_url_that_takes_input_is_here`` walks the
  URL conf and fails on a named URL that some role can POST to and that is neither here nor, with
  its reason, in ``NOT_FORMS``. Each role that may use an endpoint sends its valid form, then each
  field in turn replaced by the values of ``HOSTILE`` that fit it (``values_for``: empty, blanks,
  100,000 characters, NUL, a script, 5000 digits, ``²``, a fake surname in every field; negative,
  huge, NaN and 1e309 numbers, impossible and far-off dates, a spreadsheet formula, SQL, a fake BSN
  and other sites where they belong), left out, sent twice, sent as bytes that are no UTF-8, and the
  ids of another organisation's objects; the whole form as JSON, as text, as broken multipart; and,
  for a file, empty, binary, a path, a huge or NUL or script name. Every other role sends the valid
  form and is refused.
* ``FILTERS``: the GET parameters of the pages, downloads and API reads, the same way.
* The API's URLs with every method, without a key, with a portal session, with Accept and
  Authorization headers it does not take; bodies past the size limits; Hypothesis's text of every
  Unicode category (lone surrogates included) in any field.

Every answer is judged (:func:`judge`, :class:`Run`): never a server error (the test client raises
the view's exception, reported with where it happened); a refusal (400/403/404/405/409/413/415/422,
a form shown again with its errors, a redirect with an error message or to the log-in) says why in
Dutch — on the page, or as the API's ``{"melding": …}`` — and leaves every table as it was (the
audit log, the sessions and the log-in attempts record refusals on purpose); nothing is reflected
unescaped, also on the page an accepted form leads to; no redirect leaves the site; and the fake
surname and BSN reach no log record, audit event, redirect URL or error message. Each request is
rolled back afterwards (a savepoint, and the client's cookies), so every value meets the same
world. ``test_the_checks_find_what_they_look_for`` shows that each check can fail.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import html
import json
import logging
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pytest
from django.apps import apps
from django.contrib import messages as django_messages
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from conftest import login_verified
from tests import test_tenant_isolation as tenant
from tests.factories import UserFactory
from vroegsignaal.organisations.models import Role

# -- the values ----------------------------------------------------------------------------------

SURNAME = "Xyzzyqwerty"  # a fake surname: it must never reach a log, a URL or an audit event


def _elfproef(digits: str) -> bool:
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 == 0


BSN = "736160231"  # passes the elfproef; fake
assert _elfproef(BSN)
PERSONAL = (SURNAME, BSN)
SCRIPT = "<script>alert(1)</script>"

HOSTILE: dict[str, str] = {
    "leeg": "",
    "spaties": " \t \r\n ",
    "100.000 tekens": "x" * 100_000,
    "NUL": "ab\x00cd",
    "formule": "=cmd|' /C calc'!A0",
    "script": SCRIPT,
    "sql": "' OR 1=1 --",
    "negatief": "-1",
    "groot getal": "9" * 40,
    "5000 cijfers": "9" * 5000,  # past Python's limit for int("…")
    "NaN": "NaN",
    "1e309": "1e309",
    "superscript": "²",  # str.isdigit() says yes, int() says no
    "0000-00-00": "0000-00-00",
    "9999-99-99": "9999-99-99",
    "2026-02-30": "2026-02-30",
    "0001-01-01": "0001-01-01",
    "9999-12-31": "9999-12-31",
    "achternaam": SURNAME,
    "bsn": BSN,
    "ander domein": "https://evil.example/",
    "ander domein zonder schema": "//evil.example/%2F..",
}
# Which values go where: those of EVERY_FIELD into every field, the others into the fields whose
# valid value is of their kind (a number, a date, a text, a URL; a field left empty gets them all).
EVERY_FIELD = (
    "leeg",
    "spaties",
    "100.000 tekens",
    "NUL",
    "script",
    "5000 cijfers",
    "superscript",
    "achternaam",
)
BY_KIND = {
    "number": ("negatief", "groot getal", "NaN", "1e309"),
    "date": ("0000-00-00", "9999-99-99", "2026-02-30", "0001-01-01", "9999-12-31"),
    "text": ("formule", "sql", "bsn"),
    "url": ("ander domein", "ander domein zonder schema"),
}
assert set(EVERY_FIELD).union(*BY_KIND.values()) == set(HOSTILE)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}-\d{2}-\d{4}")


def kind_of(valid) -> str | None:
    """The kind of a field's valid value (None: empty, so any)."""
    value = valid[0] if isinstance(valid, list) and valid else valid
    if not isinstance(value, str) or value == "":
        return None
    if value.isdigit():
        return "number"
    if DATE.fullmatch(value):
        return "date"
    return "url" if value.startswith("/") else "text"


# gunicorn refuses a request line over 4094 bytes (limit_request_line): in a query string the long
# values are as long as gets through.
SHORTER_IN_A_URL = {"100.000 tekens": "x" * 3000, "5000 cijfers": "9" * 3000}


def values_for(valid, *, in_url: bool = False) -> dict[str, str]:
    kind = kind_of(valid)
    names = [*EVERY_FIELD, *(n for k, names in BY_KIND.items() if kind in (None, k) for n in names)]
    return {
        name: SHORTER_IN_A_URL.get(name, HOSTILE[name]) if in_url else HOSTILE[name]
        for name in names
    }


# Bytes that are no UTF-8 (a lone surrogate encoded, and two bytes that start nothing), sent raw.
NOT_UTF8 = b"\xed\xa0\x80\xff\xfe" + SURNAME.encode()

REFUSED_STATUSES = {400, 403, 404, 405, 409, 413, 415, 422}
ROLES = (
    "anoniem",
    "nieuw",
    "coordinator",
    "hulpverlener",
    "schuldeiser",
    "privacy_officer",
    "beheerder",
)
INVALID_CHOICE = re.compile(
    r"^Selecteer een geldige keuze\. .* is geen beschikbare keuze\.$", re.DOTALL
)
# English that a refusal would show if a text were not translated (Django's own messages).
ENGLISH = re.compile(
    r"\b(this field|enter a|select a|ensure this|please|is required|not allowed|characters|invalid|"
    r"must be|should be|does not exist|not a valid)\b",
    re.IGNORECASE,
)


# -- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    """The tenant isolation test's two municipalities and creditors, plus the objects of A and X
    that the forms work on, a log-in of every role and an API key of creditor X."""

    users: dict[str, object] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)
    foreign: dict[str, object] = field(default_factory=dict)  # another municipality's or creditor's
    api_key_text: str = ""

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


SURNAMES = {1: "Jansen", 2: "Bakker", 3: "Visser", 4: "Smit"}


def build_world() -> World:
    from vroegsignaal.cases.models import Case
    from vroegsignaal.households import selectors as persons_search
    from vroegsignaal.households.models import Household, Person
    from vroegsignaal.intake import services as intake
    from vroegsignaal.intake.models import Delivery
    from vroegsignaal.organisations.models import Covenant
    from vroegsignaal.privacy.models import RetentionPolicy
    from vroegsignaal.registry.models import Address, Neighbourhood
    from vroegsignaal.signals.models import RuleSet, Signal, Tray

    base = tenant.build_world()
    world = World(foreign=dict(base.objects))
    world.users.update(base.viewers)
    coordinator = world.users["coordinator"]
    a, team = coordinator.municipality, world.users["hulpverlener"].team
    team.phone = "020-1234567"  # a letter gives the resident the wijkteam's number
    team.save()
    creditor = world.users["schuldeiser"].creditor
    world.users["beheerder"] = UserFactory(
        username="beheerder", role=Role.BEHEERDER, municipality=None
    )
    world.users["nieuw"] = UserFactory(
        username="nieuw", role=Role.COORDINATOR, municipality=a, must_change_password=True
    )
    world.users["hulpverlener_2"] = UserFactory(
        username="hulpverlener-a1-b", role=Role.HULPVERLENER, team=team, municipality=a
    )
    world.foreign["hulpverlener_b"] = UserFactory(
        username="hulpverlener-b", role=Role.HULPVERLENER, team=world.foreign["team_b"], municipality=world.foreign["municipality_b"]
    )  # fmt: skip
    wijk = Neighbourhood.objects.create(code="WK010101", name="Noord", kind="wijk", municipality=a)
    buurt = Neighbourhood.objects.create(
        code="BU01010101", name="Oude Dorp", kind="buurt", wijk=wijk, municipality=a
    )
    rule_set = RuleSet.objects.create(municipality=a, version=2)
    tray = Tray.objects.create(municipality=a, name="Alle signalen", position=1)
    second_tray = Tray.objects.create(municipality=a, name="Crisis", position=2, crisis=True)
    today = timezone.localdate()

    def household(number: int):
        address = Address.objects.create(
            postcode="1111AB",
            huisnummer=number,
            straatnaam="Dorpsweg",
            woonplaats="A",
            municipality=a,
            buurt=buurt,
        )
        home = Household.objects.create(municipality=a, address=address)
        surname, born = SURNAMES[number], dt.date(1980, 5, 17)
        Person.objects.create(
            household=home, surname=surname, initials="J.", birth_date=born,
            birth_date_index=persons_search.birth_date_index(born), surname_index=persons_search.surname_indexes(surname)[0],
            identity_index=f"i{number}",
        )  # fmt: skip
        return home

    def signal(home, **extra):
        return Signal.objects.create(
            municipality=a, household=home, kind="meervoudig", creditor_count=2, total_amount_cents=25_000,
            oldest_start_date=today - dt.timedelta(days=60), signal_date=today - dt.timedelta(days=3),
            last_signalled_on=today - dt.timedelta(days=3), rule_set=rule_set, tray=tray, explanation="twee schuldeisers",
            **extra,
        )  # fmt: skip

    new_signals = [signal(household(n)) for n in (1, 2)]
    home = household(3)
    case = Case.objects.create(
        municipality=a, signal=signal(home, status="opgepakt", team=team), household=home, team=team,
        worker=world.users["hulpverlener"], picked_up_on=today - dt.timedelta(days=2),
    )  # fmt: skip
    home = household(4)
    unassigned = Case.objects.create(
        municipality=a, signal=signal(home, status="opgepakt", team=team), household=home, team=team,
        picked_up_on=today - dt.timedelta(days=2),
    )  # fmt: skip
    world.objects.update(
        municipality=a, team=team, creditor=creditor, wijk=wijk, buurt=buurt, tray=tray, second_tray=second_tray,
        covenant=Covenant.objects.get(creditor=creditor, municipality=a),
        retention_policy=RetentionPolicy.objects.create(municipality=a),
        signal=new_signals[0], other_signal=new_signals[1], case=case, unassigned_case=unassigned,
        person=Person.objects.get(household=new_signals[0].household),
    )  # fmt: skip
    b = world.foreign["municipality_b"]
    world.foreign["buurt_b"] = Neighbourhood.objects.create(
        code="BU02020101", name="Elders", kind="buurt", municipality=b
    )
    world.foreign["person_b"] = Person.objects.get(household=world.foreign["household_b"])
    # Creditor X: a processed delivery (nothing to confirm), and an API key.
    world.objects["delivery"] = Delivery.objects.create(
        creditor=creditor, kind="stand", reference_date=today - dt.timedelta(days=30), status="verwerkt",
        sha256="1" * 64, via="upload", filename="stand.csv",
    )  # fmt: skip
    world.objects["api_key"], world.api_key_text = intake.create_api_key(
        creditor, "Incassosysteem", world.users["schuldeiser"]
    )
    return world


def clients(world: World) -> dict[str, Client]:
    """A test client per role, signed in as that role would be (``nieuw``: password, no second factor)."""
    made = {}
    for role in ROLES:
        client = Client(raise_request_exception=True)
        if role == "nieuw":
            client.force_login(world.users[role])
        elif role != "anoniem":
            login_verified(client, world.users[role])
        made[role] = client
    api = Client(
        raise_request_exception=True, headers={"authorization": f"Token {world.api_key_text}"}
    )
    made["api"] = api  # creditor X's system
    made["api_zonder_sleutel"] = Client(raise_request_exception=True)
    return made


# -- the database's fingerprint ------------------------------------------------------------------

# Written on purpose while a request is refused: the audit log (a refused attempt is audited), the
# session (and the messages in it), the log-in attempts django-axes counts, and when a key or a
# second factor was last used or failed.
NOT_IN_FINGERPRINT = {"sessions.session", "privacy.auditevent", "privacy.auditchainhead", "axes.accessattempt",
                      "axes.accesslog", "axes.accessfailurelog", "axes.accessattemptexpiration"}  # fmt: skip
CHANGING_FIELDS = {"last_used_at", "last_login", "throttling_failure_count", "throttling_failure_timestamp",
                   "last_throttled_at"}  # fmt: skip


def _fingerprint_queries() -> list[tuple[str, str]]:
    """(label, SQL) per table: its rows in id order, without the columns that change on purpose."""
    from django.db import connection

    quote = connection.ops.quote_name
    queries = []
    for model in apps.get_models():
        meta = model._meta
        if meta.label_lower in NOT_IN_FINGERPRINT or meta.proxy or not meta.managed:
            continue
        columns = ", ".join(
            quote(f.column) for f in meta.concrete_fields if f.name not in CHANGING_FIELDS
        )
        queries.append(
            (
                meta.label,
                f"SELECT {columns} FROM {quote(meta.db_table)} ORDER BY {quote(meta.pk.column)}",
            )
        )  # noqa: S608
    return queries


def fingerprint() -> dict[str, str]:
    """Every row of every table that a refused request must leave alone, hashed per table (raw SQL:
    the stored bytes, as fast as a few hundred requests per test need)."""
    from django.db import connection

    prints = {}
    with connection.cursor() as cursor:
        for label, sql in _fingerprint_queries():
            cursor.execute(sql)
            prints[label] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
    return prints


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


# -- sending -------------------------------------------------------------------------------------

Value = (
    str | bytes | list | tuple | None
)  # a tuple (name, content) is a file; None leaves the field out


def _encode(value) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode(
        "utf-8", "surrogatepass"
    )  # a lone surrogate goes out as the bytes it would be


def urlencoded(data: dict[str, Value]) -> bytes:
    pairs = []
    for name, value in data.items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, _encode(item)))
    return urlencode(pairs).encode()


BOUNDARY = "HostileBoundary7MA4YWxkTrZu0gW"


def multipart(data: dict[str, Value]) -> bytes:
    """``multipart/form-data`` with each value's bytes as they are (Django's own encoder insists on UTF-8)."""
    lines = []
    for name, value in data.items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"--{BOUNDARY}".encode())
            if isinstance(item, tuple):
                filename, content = item
                lines.append(
                    b'Content-Disposition: form-data; name="%s"; filename="%s"'
                    % (name.encode(), _encode(filename))
                )
                lines.append(b"Content-Type: application/octet-stream")
                lines += [b"", _encode(content)]
            else:
                lines.append(b'Content-Disposition: form-data; name="%s"' % name.encode())
                lines += [b"", _encode(item)]
    lines += [f"--{BOUNDARY}--".encode(), b""]
    return b"\r\n".join(lines)


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
URLENCODED = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Sent:
    """One request: what is sent, and to which endpoint, for the report."""

    label: str
    method: str
    url: str
    body: bytes = b""
    content_type: str = URLENCODED
    query: str = ""
    personal: bool = True  # a fake surname or BSN sent must stay out of URLs and logs
    headers: tuple[tuple[str, str], ...] = ()
    may_write: tuple[
        str, ...
    ] = ()  # tables a refusal writes to on purpose (a refused delivery is recorded)


# -- judging -------------------------------------------------------------------------------------


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _forms_in(value) -> list:
    """The forms and formsets in a context value (the admin wraps its form in an ``AdminForm``)."""
    from django import forms

    found = []
    for item in value if isinstance(value, list | tuple) else [value]:
        wrapped = getattr(item, "form", None)
        if not isinstance(item, forms.BaseForm | forms.BaseFormSet) and isinstance(
            wrapped, forms.BaseForm
        ):
            item = wrapped  # the admin's AdminForm
        if isinstance(item, forms.BaseForm | forms.BaseFormSet):
            found.append(item)
    return found


def _texts_of_errors(response) -> list[str]:
    """The errors of the bound forms the page was rendered with."""
    from django import forms

    texts, seen = [], set()
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else []:
            for form in _forms_in(value):
                if id(form) in seen or not form.is_bound:
                    continue
                seen.add(id(form))
                if isinstance(form, forms.BaseFormSet):
                    texts += [str(e) for e in form.non_form_errors()]
                    texts += [
                        str(e) for row in form.errors for errors in row.values() for e in errors
                    ]
                else:
                    texts += [str(e) for errors in form.errors.values() for e in errors]
    return texts


def _queued_messages(response) -> list:
    storage = getattr(response.wsgi_request, "_messages", None)
    return list(getattr(storage, "_queued_messages", []))


def _json(response):
    """The API's answer as data: JSON, or YAML where the schema answers in YAML."""
    import yaml

    body = _body(response)
    try:
        if "yaml" in response.get("Content-Type", "") or "openapi" in response.get(
            "Content-Type", ""
        ):
            return yaml.safe_load(body)
        return json.loads(body)
    except (ValueError, yaml.YAMLError):
        return None


def judge(
    sent: Sent, response, *, expect: str | None = None, says_done: bool = False
) -> tuple[str, list[str]]:
    """``("refused" | "accepted", problems)`` of one answer (whether the database changed is :class:`Run`'s)."""
    problems = []
    status = response.status_code
    body = _body(response)
    is_api = sent.url.startswith("/api/")
    content_type = response.get("Content-Type", "")
    queued = _queued_messages(response)
    # Refused: an error, or a warning without a word of success (the admin warns with a one-time
    # password next to its success; the tray warns "tick a signal first" alone).
    errors = [m for m in queued if m.level >= django_messages.ERROR]
    if not any(m.level == django_messages.SUCCESS for m in queued):
        errors += [m for m in queued if m.level == django_messages.WARNING]
    location = response.get("Location", "")

    if status >= 500:
        problems.append(f"server error {status}")
    if is_api:
        verdict = "refused" if status >= 400 else "accepted"
        if status >= 400:
            data = _json(response)
            if not (
                isinstance(data, dict)
                and isinstance(data.get("melding"), str)
                and data["melding"].strip()
            ):
                problems.append(
                    f"{status} without the API's error shape {{'melding': …}}: {body[:200]!r}"
                )
            elif ENGLISH.search(data["melding"]):
                problems.append(f"{status}: melding not in Dutch: {data['melding'][:200]!r}")
    elif status in REFUSED_STATUSES:
        verdict = "refused"
        if (
            status != 405 and b'lang="nl"' not in body
        ):  # 405: Django's empty answer to a method the view does not take
            problems.append(f"{status}: the page is not in Dutch")
    elif status == 302:
        target = urlsplit(location)
        if target.netloc or target.scheme or location.startswith(("//", "/\\")):
            problems.append(f"redirects off the site: {location[:200]!r}")
        to_log_in = target.path in (
            reverse("two_factor:login"),
            reverse("two_factor:setup"),
            reverse("admin:login"),
        )
        verdict = "refused" if errors or to_log_in else "accepted"
        for message in errors:
            if not str(message).strip() or ENGLISH.search(str(message)):
                problems.append(f"error message not in Dutch: {str(message)[:200]!r}")
        if says_done and not queued and not to_log_in:
            problems.append("redirected without a word: neither done nor refused with a reason")
    elif status == 200:
        texts = _texts_of_errors(response) if "text/html" in content_type else []
        # No error message repeats a personal value, but Django's for a select's value that is no
        # choice: only a changed form sends one, and it goes back to whoever sent it.
        repeated = [t for t in [*texts, *map(str, queued)] if not INVALID_CHOICE.search(t)]
        for secret in PERSONAL if sent.personal else ():
            if any(secret in t for t in repeated):
                problems.append(f"an error message holds {secret!r}")
        verdict = "refused" if texts or errors else "accepted"
        for text in texts:
            if ENGLISH.search(text):
                problems.append(f"error not in Dutch: {text[:200]!r}")
        if texts and not any(html.escape(t).encode() in body or t.encode() in body for t in texts):
            problems.append(f"the form's errors are not on the page: {texts[:3]!r}")
        if "text/html" in content_type and b'lang="nl"' not in body:
            problems.append("the page is not in Dutch")
    else:
        verdict = "refused" if status >= 400 else "accepted"
        problems.append(f"unexpected status {status}")

    if expect and verdict != expect:
        problems.append(f"{verdict} ({status}), expected it {expect}")
    if "text/html" in content_type and SCRIPT.encode() in body:
        problems.append("reflects <script> unescaped")
    for secret in PERSONAL if sent.personal else ():
        if secret in location:
            problems.append(f"the redirect's URL holds {secret!r}")
    return verdict, problems


def personal_in_logs(records: list[logging.LogRecord]) -> list[str]:
    found = []
    for record in records:
        text = record.getMessage()
        for secret in PERSONAL:
            if secret in text:
                found.append(f"log record of {record.name} holds {secret!r}: {text[:200]!r}")
    return found


def personal_in_audit(after_id: int) -> list[str]:
    from vroegsignaal.privacy.models import AuditEvent

    found = []
    for event in AuditEvent.objects.filter(pk__gt=after_id):
        text = json.dumps(
            [str(getattr(event, f.attname)) for f in AuditEvent._meta.concrete_fields],
            ensure_ascii=False,
        )
        for secret in PERSONAL:
            if secret in text:
                found.append(f"audit event ({event.purpose}) holds {secret!r}")
    return found


class Run:
    """Sends requests as the roles, each in a savepoint that is rolled back (cookies too), and
    collects what :func:`judge` and the database, log and audit checks find."""

    def __init__(self, world: World, caplog):
        self.world = world
        self.clients = clients(world)
        self.caplog = caplog
        self.problems: list[str] = []
        self.count = 0

    def send(self, role: str, sent: Sent, *, expect: str | None = None, says_done: bool = False,
             before: dict | None = None) -> str | None:  # fmt: skip
        from vroegsignaal.privacy.models import AuditEvent

        client = self.clients[role]
        cookies = copy.deepcopy(client.cookies)
        self.count += 1
        verdict = None
        self.caplog.clear()
        try:
            with transaction.atomic():
                before = fingerprint() if before is None else before
                last_audit = (
                    AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                )
                path = f"{sent.url}?{sent.query}" if sent.query else sent.url
                response = client.generic(
                    sent.method,
                    path,
                    sent.body,
                    content_type=sent.content_type,
                    headers=dict(sent.headers),
                )
                verdict, problems = judge(sent, response, expect=expect, says_done=says_done)
                changed = (
                    [t for t in changed_tables(before, fingerprint()) if t not in sent.may_write]
                    if verdict == "refused"
                    else []
                )
                if changed:
                    problems.append(
                        f"refused ({response.status_code}), yet changed {', '.join(changed)}"
                    )
                if sent.personal:
                    problems += personal_in_audit(last_audit)
                if (
                    verdict == "accepted"
                    and response.status_code == 302
                    and SCRIPT.encode() in sent.body
                ):
                    # Stored as sent: the page it leads to (which shows it, if any) escapes it.
                    page = client.get(response["Location"])
                    if page.status_code >= 500:
                        problems.append(f"the page it leads to answers {page.status_code}")
                    if "text/html" in page.get("Content-Type", "") and SCRIPT.encode() in _body(
                        page
                    ):
                        problems.append("the page it leads to shows <script> unescaped")
                transaction.set_rollback(True)
        except Exception as error:  # noqa: BLE001 - every crash is reported, with where it happened
            frames = traceback.extract_tb(error.__traceback__)
            ours = [
                f for f in frames if "/vroegsignaal/" in f.filename and "/tests/" not in f.filename
            ] or frames
            where = f"{ours[-1].filename.split('/src/')[-1]}:{ours[-1].lineno}"
            problems = [f"crashed: {type(error).__name__}: {str(error)[:160]!r} (at {where})"]
        finally:
            client.cookies = cookies
        if sent.personal:
            problems += personal_in_logs(self.caplog.records)
        for problem in problems:
            self.problems.append(f"{role} {sent.method} {sent.url} [{sent.label}]: {problem}"[:400])
        return verdict

    def assert_no_problems(self):
        unique = list(dict.fromkeys(self.problems))
        assert not unique, f"{len(unique)} problems in {self.count} requests:\n" + "\n".join(
            unique[:300]
        )


# -- the endpoints -------------------------------------------------------------------------------

PASSWORD = "een-lang-wachtwoord-123"  # tests.factories.UserFactory's
CSV = b"klantnummer;voorletters;achternaam;geboortedatum;postcode;huisnummer;bedrag_achterstand;ontstaansdatum\nK-1;J.;Jansen;1980-05-17;1111AB;1;150,00;2026-01-01\n"


def _today(offset: int = 0) -> str:
    return (timezone.localdate() - dt.timedelta(days=offset)).isoformat()


def _pk(name: str) -> Callable[[World], str]:
    return lambda w: str(w.objects[name].pk)


def _foreign_pk(name: str) -> Callable[[World], str]:
    return lambda w: str(w.foreign[name].pk)


@dataclass(frozen=True)
class Endpoint:
    """A URL that takes input, the roles that may use it and a valid form for it.

    ``data`` is the form as the page would send it; each field's value is a text, a list of texts
    (a multiple choice), or ``(filename, bytes)`` for a file. ``accepted``: the valid form is
    accepted (otherwise it is refused even so: a delivery that waits for nothing cannot be
    confirmed). ``ids``: fields that name objects, with the ids of another organisation's objects
    to try. ``foreign``: the URL's arguments naming another organisation's object. ``prepare``:
    what the role does first (stage an upload, walk a wizard to its step). ``says_done``: an
    accepted form says so with a message (a redirect without one is a silent refusal).
    """

    url: str
    roles: tuple[str, ...]
    data: Callable[[World], dict] = lambda w: {}
    kwargs: Callable[[World], dict] = lambda w: {}
    foreign: Callable[[World], dict] | None = None
    ids: dict[str, Callable[[World], list[str]]] = field(default_factory=dict)
    accepted: bool | None = True
    prepare: Callable[[Client, World], None] | None = None
    says_done: bool = False
    method: str = "POST"
    others: str | None = (
        "refused"  # what the other roles get (None: what anyone gets, a public form)
    )
    may_write: tuple[str, ...] = ()  # tables a refusal writes to on purpose
    # The fields that get every value (None: all). A change form that is its add form with the same
    # checks gets them there; here only what differs.
    battery: tuple[str, ...] | None = None
    # Fields whose values are no personal data (a wizard's step, a redirect target, a tray's name): what
    # is sent there may show in a URL, a log or the audit log.
    not_personal: tuple[str, ...] = ()
    # Which of the URL's forms this is, where one URL takes several (the case page's ``formulier``):
    # the test's id says it.
    variant: str = ""

    @property
    def name(self) -> str:
        """The test's id: the URL's name, and the form where the URL takes several."""
        return f"{self.url}/{self.variant}" if self.variant else self.url

    @property
    def multipart(self) -> bool:
        return self.url in ("intake:upload", "intake_api:delivery-list")

    def path(self, world: World, kwargs: dict | None = None) -> str:
        return reverse(self.url, kwargs=self.kwargs(world) if kwargs is None else kwargs)


SIGNED_IN = ("coordinator", "hulpverlener", "schuldeiser", "privacy_officer", "beheerder")
EVERYONE = (*ROLES, "api", "api_zonder_sleutel")
CASE_WORKERS = ("coordinator", "hulpverlener")


def stage_upload(client: Client, world: World) -> None:
    response = client.post(
        reverse("intake:upload"),
        multipart(
            {
                "file": ("stand.csv", CSV.replace(b"klantnummer;", b"Debiteur;", 1)),
                "peildatum": _today(1),
                "soort": "stand",
            }
        ),
        content_type=MULTIPART,
    )
    assert response.status_code == 302, response.content[:500]


def setup_to_generator_step(client: Client, world: World) -> None:
    client.get(reverse("two_factor:setup"))
    response = client.post(reverse("two_factor:setup"), {"setup_view-current_step": "welcome"})
    assert response.status_code == 200 and b"generator-token" in response.content, response.content[
        :300
    ]


def _rules_form(world: World) -> dict:
    from vroegsignaal.signals import forms as signal_forms
    from vroegsignaal.signals import services as signal_services

    form = signal_forms.RulesForm(current=signal_services.current_rules(world.municipality))
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        data[name] = (
            [str(v) for v in value]
            if isinstance(value, list | tuple)
            else ("" if value is None else str(value))
        )
    return data


def _tray_form(name: str) -> Callable[[World], dict]:
    def data(world: World) -> dict:
        return {
            "name": name, "kind": "meervoudig", "crisis": "ja", "repeat": "nee", "debt_swap": "", "amount_min_eur": "100",
            "amount_max_eur": "50000", "creditor_types": ["Huur"], "youngest_age_min": "18", "youngest_age_max": "99",
            "oldest_age_min": "0", "oldest_age_max": "120", "neighbourhood_codes": [world.buurt.code], "team": "",
        }  # fmt: skip

    return data


def _letter(world: World) -> dict:
    from vroegsignaal.cases import services as case_services

    subject, body = case_services.letter_text(world.municipality)
    return {"subject": subject, "body": body}


def _search(world: World) -> dict:
    return {"bsn": "", "achternaam": "Jansen", "geboortedatum": "17-05-1980", "postcode": ""}


# The case page's forms with fields by their prefix, which the page sends in the hidden field
# ``formulier``: (the form's own address, the roles that use it, its valid form, the fields that
# name objects with another organisation's to try).
CASE_PAGE_FORMS: dict[str, tuple[str, tuple[str, ...], Callable[[World], dict], dict]] = {
    "poging": (
        "cases:contact_attempt",
        CASE_WORKERS,
        lambda w: {
            "poging-kind": "Telefoon",
            "poging-reached": "nee",
            "poging-on": _today(1),
            "poging-part_of_day": "Ochtend",
            "poging-note": "Voicemail ingesproken",
        },
        {},
    ),
    "aanbod": (
        "cases:offer",
        CASE_WORKERS,
        lambda w: {
            "aanbod-made_on": _today(1),
            "aanbod-answer": "aanvaard",
            "aanbod-answered_on": _today(),
        },
        {},
    ),
    "toewijzen": (
        "cases:assign",
        ("coordinator",),
        lambda w: {
            "toewijzen-team": str(w.team.pk),
            "toewijzen-worker": str(w.users["hulpverlener_2"].pk),
        },
        {
            "toewijzen-team": lambda w: [str(w.foreign["team_b"].pk)],
            "toewijzen-worker": lambda w: [
                str(w.foreign["hulpverlener_b"].pk),
                str(w.users["coordinator"].pk),
            ],
        },
    ),
    "afsluiten": (
        "cases:close",
        CASE_WORKERS,
        lambda w: {"afsluiten-outcome": "Geen reactie na eerder contact", "afsluiten-on": _today()},
        {},
    ),
    "notitie": ("cases:note", CASE_WORKERS, lambda w: {"notitie-text": "Gebeld, geen gehoor."}, {}),
}


def _on_the_case_page(prefix: str, data: Callable[[World], dict]) -> Callable[[World], dict]:
    """A case page form's valid form as the page sends it to itself: ``formulier`` names it."""
    return lambda w: {"formulier": prefix, **data(w)}


ENDPOINTS: list[Endpoint] = [
    # The portal's own forms: log in, the language, the account.
    Endpoint(
        "two_factor:login",
        ("anoniem",),
        lambda w: {
            "login_view-current_step": "auth",
            "auth-username": "coordinator-a",
            "auth-password": PASSWORD,
        },
        others=None,
        not_personal=("login_view-current_step",),  # a signed-in user may sign in again
    ),  # fmt: skip
    Endpoint(
        "two_factor:setup",
        ("nieuw",),
        lambda w: {"setup_view-current_step": "generator", "generator-token": "123456"},
        prepare=setup_to_generator_step,
        accepted=False,  # a code the app did not make
        others=None,
        not_personal=("setup_view-current_step",),  # signed in with a second factor: set up another
    ),  # fmt: skip
    Endpoint(
        "set_language",
        ("anoniem", "coordinator"),
        lambda w: {"language": "en", "next": "/signalen/werkbakjes/"},
        others=None,
        not_personal=("next",),  # everyone's: the battery for a visitor and one role is enough
    ),  # fmt: skip
    Endpoint("portal:logout", ("nieuw", *SIGNED_IN), accepted=None),  # to the log-in page
    Endpoint(
        "portal:password_change",
        ("coordinator",),
        lambda w: {
            "old_password": PASSWORD,
            "new_password1": "Ander-lang-wachtwoord-456",
            "new_password2": "Ander-lang-wachtwoord-456",
        },
        says_done=True,
        others=None,  # everyone's: one role is enough
    ),  # fmt: skip
    Endpoint("two_factor:backup_tokens", SIGNED_IN),
    # The creditor's delivery pages.
    Endpoint(
        "intake:upload",
        ("schuldeiser",),
        lambda w: {"file": ("stand.csv", CSV), "peildatum": _today(1), "soort": "stand"},
    ),
    Endpoint(
        "intake:preview",
        ("schuldeiser",),
        prepare=stage_upload,
        says_done=True,
        data=lambda w: {
            "actie": "kolommen",
            "kolom-TOTAL_FORMS": "1",
            "kolom-INITIAL_FORMS": "0",
            "kolom-0-header": "Debiteur",
            "kolom-0-field": "klantnummer",
        },
    ),  # fmt: skip
    Endpoint(
        "intake:column_mapping",
        ("schuldeiser",),
        says_done=True,
        data=lambda w: {
            "kolom-TOTAL_FORMS": "2",
            "kolom-INITIAL_FORMS": "0",
            "kolom-0-header": "Debiteur",
            "kolom-0-field": "klantnummer",
            "kolom-1-header": "Naam",
            "kolom-1-field": "achternaam",
            "kolom-1-remove": "",
        },
    ),  # fmt: skip
    Endpoint("intake:api_keys", ("schuldeiser",), lambda w: {"name": "Incassosysteem test"}),
    Endpoint(
        "intake:revoke_api_key",
        ("schuldeiser",),
        kwargs=lambda w: {"api_key_id": w.api_key.pk},
        foreign=lambda w: {"api_key_id": w.foreign["api_key_y"].pk},
        says_done=True,
    ),  # fmt: skip
    *(
        Endpoint(
            name,
            ("schuldeiser",),
            kwargs=lambda w: {"delivery_id": w.delivery.pk},
            foreign=lambda w: {"delivery_id": w.foreign["delivery_y"].pk},
            accepted=False,  # nothing to do: refused
        )  # fmt: skip
        for name in ("intake:confirm", "intake:decline", "intake:reprocess")
    ),
    # The coordinator's trays, rules and cases.
    Endpoint(
        "reporting:tray_bulk_action",
        ("coordinator",),
        kwargs=lambda w: {"tray_id": w.tray.pk},
        foreign=lambda w: {"tray_id": w.foreign["tray_b"].pk},
        says_done=True,
        data=lambda w: {
            "signaal": [str(w.signal.pk), str(w.other_signal.pk)],
            "actie": "toewijzen",
            "team": str(w.team.pk),
            "reden": "",
            "filter": "status=open&sorteer=-bedrag",
        },
        ids={
            "signaal": lambda w: [str(w.foreign["signal_b"].pk)],
            "team": lambda w: [str(w.foreign["team_b"].pk)],
        },
    ),  # fmt: skip
    Endpoint(
        "cases:pick_up",
        ("coordinator",),
        lambda w: {"signal": str(w.signal.pk), "team": str(w.team.pk)},
        says_done=True,
        ids={
            "signal": lambda w: [str(w.foreign["signal_b"].pk)],
            "team": lambda w: [str(w.foreign["team_b"].pk)],
        },
    ),  # fmt: skip
    Endpoint(
        "cases:not_picked_up",
        ("coordinator",),
        says_done=True,
        data=lambda w: {"signal": str(w.signal.pk), "reason": "Niet opgepakt: andere reden"},
        ids={"signal": lambda w: [str(w.foreign["signal_b"].pk)]},
    ),  # fmt: skip
    Endpoint("cases:letter_template", ("coordinator",), _letter, says_done=True),
    # The case page's forms with fields: at their own addresses, and at the case page itself,
    # which the page posts them to with the hidden field ``formulier`` naming the form.
    *(
        Endpoint(
            url,
            roles,
            data,
            kwargs=lambda w: {"case_id": w.case.pk},
            says_done=True,
            foreign=lambda w: {"case_id": w.foreign["case_b"].pk},
            ids=ids,
        )  # fmt: skip
        for url, roles, data, ids in CASE_PAGE_FORMS.values()
    ),
    *(
        Endpoint(
            "cases:detail",
            roles,
            _on_the_case_page(prefix, data),
            kwargs=lambda w: {"case_id": w.case.pk},
            says_done=True,
            foreign=lambda w: {"case_id": w.foreign["case_b"].pk},
            ids=ids,
            variant=prefix,
        )  # fmt: skip
        for prefix, (url, roles, data, ids) in CASE_PAGE_FORMS.items()
    ),
    Endpoint(
        "cases:take",
        ("hulpverlener",),
        kwargs=lambda w: {"case_id": w.unassigned_case.pk},
        says_done=True,
        foreign=lambda w: {"case_id": w.foreign["case_b"].pk},
    ),  # fmt: skip
    Endpoint(
        "cases:letter",
        CASE_WORKERS,
        kwargs=lambda w: {"case_id": w.case.pk},
        foreign=lambda w: {"case_id": w.foreign["case_b"].pk},
    ),
    Endpoint("signals:rules", ("coordinator",), _rules_form, says_done=True),
    Endpoint(
        "signals:tray_add",
        ("coordinator",),
        _tray_form("Hoge bedragen"),
        says_done=True,
        not_personal=("name",),
        ids={
            "team": lambda w: [str(w.foreign["team_b"].pk)],
            "neighbourhood_codes": lambda w: [w.foreign["buurt_b"].code],
        },
    ),  # fmt: skip
    Endpoint(
        "signals:tray_edit",
        ("coordinator",),
        _tray_form("Crisis"),
        kwargs=lambda w: {"tray_id": w.second_tray.pk},
        not_personal=("name",),
        battery=("name", "team"),  # the others: tray_add's form and checks
        foreign=lambda w: {"tray_id": w.foreign["tray_b"].pk},
        says_done=True,
        ids={
            "team": lambda w: [str(w.foreign["team_b"].pk)],
            "neighbourhood_codes": lambda w: [w.foreign["buurt_b"].code],
        },
    ),  # fmt: skip
    Endpoint(
        "signals:tray_move",
        ("coordinator",),
        lambda w: {"richting": "omhoog"},
        kwargs=lambda w: {"tray_id": w.second_tray.pk},
        foreign=lambda w: {"tray_id": w.foreign["tray_b"].pk},
        says_done=True,
    ),  # fmt: skip
    Endpoint(
        "signals:tray_delete",
        ("coordinator",),
        kwargs=lambda w: {"tray_id": w.second_tray.pk},
        foreign=lambda w: {"tray_id": w.foreign["tray_b"].pk},
        says_done=True,
    ),  # fmt: skip
    # The privacy officer's.
    Endpoint(
        "privacy:verification_start",
        ("privacy_officer",),
        lambda w: {"omvang": "gemeente"},
        says_done=True,
    ),
    Endpoint(
        "reporting:search",
        CASE_WORKERS,
        lambda w: {
            "zoek": "adres",
            "adres-postcode": w.case.household.address.postcode,
            "adres-huisnummer": str(w.case.household.address.huisnummer),
        },
    ),
    Endpoint(
        "reporting:search",
        CASE_WORKERS,
        lambda w: {"zoek": "zaak", "zaak-zaaknummer": str(w.case.pk)},
        ids={"zaak-zaaknummer": lambda w: [str(w.foreign["case_b"].pk)]},
        not_personal=("zoek",),
    ),
    Endpoint("privacy:subject_access", ("privacy_officer",), _search),
    Endpoint(
        "privacy:subject_access_download",
        ("privacy_officer",),
        lambda w: {**_search(w), "persoon": [str(w.person.pk)]},
        ids={"persoon": lambda w: [str(w.foreign["person_b"].pk)]},
    ),  # fmt: skip
    # The beheerder's admin: every add and change form the project's ModelAdmins offer, and their actions.
    Endpoint(
        "admin:organisations_municipality_add",
        ("beheerder",),
        lambda w: {"code": "0303", "name": "Gemeente C"},
    ),
    Endpoint(
        "admin:organisations_municipality_change",
        ("beheerder",),
        lambda w: {"code": w.municipality.code, "name": "Gemeente A"},
        kwargs=lambda w: {"object_id": w.municipality.pk},
        battery=(),  # the add form's
    ),  # fmt: skip
    Endpoint(
        "admin:organisations_creditor_add",
        ("beheerder",),
        lambda w: {
            "code": "SENIEUW",
            "name": "Nieuwe schuldeiser",
            "type": "Huur",
            "contact_email": "meldingen@example.nl",
        },
    ),  # fmt: skip
    Endpoint(
        "admin:organisations_creditor_change",
        ("beheerder",),
        kwargs=lambda w: {"object_id": w.creditor.pk},
        battery=(),
        data=lambda w: {
            "code": w.creditor.code,
            "name": "Schuldeiser X",
            "type": "Huur",
            "contact_email": "",
        },
    ),  # fmt: skip
    Endpoint(
        "admin:organisations_covenant_add",
        ("beheerder",),
        lambda w: {
            "creditor": str(w.creditor.pk),
            "municipality": str(w.foreign["municipality_b"].pk),
            "valid_from": "2026-01-01",
            "valid_until": "",
            "collection_pause_days": "30",
            "bsn_allowed": "on",
        },
    ),  # fmt: skip
    Endpoint(
        "admin:organisations_covenant_change",
        ("beheerder",),
        kwargs=lambda w: {"object_id": w.covenant.pk},
        battery=(),
        data=lambda w: {
            "creditor": str(w.creditor.pk),
            "municipality": str(w.municipality.pk),
            "valid_from": "2020-01-01",
            "valid_until": "2030-12-31",
            "collection_pause_days": "30",
        },
    ),  # fmt: skip
    Endpoint(
        "admin:organisations_team_add",
        ("beheerder",),
        lambda w: {
            "municipality": str(w.municipality.pk),
            "code": "TA9",
            "name": "Wijkteam Zuid",
            "neighbourhood_codes": '["BU01010101"]',
            "phone": "020-7654321",
            "email": "zuid@example.nl",
            "visiting_address": "Dorpsplein 2",
        },
    ),  # fmt: skip
    Endpoint(
        "admin:organisations_team_change",
        ("beheerder",),
        kwargs=lambda w: {"object_id": w.team.pk},
        battery=(),
        data=lambda w: {
            "municipality": str(w.municipality.pk),
            "code": w.team.code,
            "name": w.team.name,
            "neighbourhood_codes": "[]",
            "phone": "020-1234567",
            "email": "",
            "visiting_address": "",
        },
    ),  # fmt: skip
    Endpoint(
        "admin:organisations_user_add",
        ("beheerder",),
        lambda w: {
            "username": "nieuwe-coordinator",
            "email": "c@example.nl",
            "first_name": "Nieuwe",
            "last_name": "Collega",
            "role": "coordinator",
            "municipality": str(w.municipality.pk),
            "team": "",
            "creditor": "",
        },
    ),  # fmt: skip
    Endpoint(
        "admin:organisations_user_change",
        ("beheerder",),
        kwargs=lambda w: {"object_id": w.users["hulpverlener_2"].pk},
        battery=("role", "team", "is_active", "must_change_password"),  # the others: the add form's
        data=lambda w: {
            "username": "hulpverlener-a1-b",
            "email": "",
            "first_name": "",
            "last_name": "",
            "role": "hulpverlener",
            "municipality": str(w.municipality.pk),
            "team": str(w.team.pk),
            "creditor": "",
            "is_active": "on",
            "must_change_password": "",
        },
    ),  # fmt: skip
    Endpoint(
        "admin:auth_user_password_change",
        ("beheerder",),
        kwargs=lambda w: {"id": w.users["hulpverlener_2"].pk},
        data=lambda w: {
            "password1": "Tijdelijk-wachtwoord-789",
            "password2": "Tijdelijk-wachtwoord-789",
            "usable_password": "true",
        },
    ),  # fmt: skip
    Endpoint(
        "admin:privacy_retentionpolicy_change",
        ("beheerder",),
        kwargs=lambda w: {"object_id": w.retention_policy.pk},
        battery=(),
        data=lambda w: {
            "municipality": str(w.municipality.pk),
            "unpicked_signal_months": "6",
            "closed_case_months": "24",
        },
    ),  # fmt: skip
    # The admin's own log-in, log-out and password change (signed in through the portal, with a second factor).
    Endpoint(
        "admin:login",
        ("coordinator",),
        lambda w: {"username": "beheerder", "password": PASSWORD, "next": "/beheer/"},
        accepted=None,
        others=None,
        not_personal=("next",),  # signed in as the beheerder, without their second factor
    ),  # fmt: skip
    Endpoint("admin:logout", ("beheerder",), accepted=None, others=None),
    Endpoint(
        "admin:password_change",
        ("beheerder",),
        lambda w: {
            "old_password": PASSWORD,
            "new_password1": "Ander-lang-wachtwoord-456",
            "new_password2": "Ander-lang-wachtwoord-456",
        },
    ),  # fmt: skip
    Endpoint(
        "admin:intake_apikey_add",
        ("beheerder",),
        lambda w: {"creditor": str(w.creditor.pk), "name": "Beheerderssleutel"},
    ),
    Endpoint(
        "admin:intake_apikey_change",
        ("beheerder",),
        lambda w: {"name": "Incassosysteem"},
        kwargs=lambda w: {"object_id": w.api_key.pk},
        battery=(),
    ),  # fmt: skip
    Endpoint(
        "admin:privacy_retentionpolicy_add",
        ("beheerder",),
        lambda w: {
            "municipality": str(w.foreign["municipality_b"].pk),
            "unpicked_signal_months": "6",
            "closed_case_months": "12",
        },
    ),  # fmt: skip
    Endpoint(
        "admin:intake_apikey_changelist",
        ("beheerder",),
        says_done=True,
        data=lambda w: {
            "action": "revoke_keys",
            "_selected_action": [str(w.api_key.pk)],
            "index": "0",
            "bevestigd": "ja",
        },
    ),  # fmt: skip
    Endpoint(
        "admin:intake_delivery_changelist",
        ("beheerder",),
        accepted=False,  # nothing stalled: refused with a message
        data=lambda w: {
            "action": "reprocess_stalled",
            "_selected_action": [str(w.delivery.pk)],
            "index": "0",
            "bevestigd": "ja",
        },
    ),  # fmt: skip
    # The API: a delivery, and confirming one.
    Endpoint(
        "intake_api:delivery-list",
        ("api",),
        lambda w: {"file": ("stand.csv", CSV), "peildatum": _today(1), "soort": "stand"},
        may_write=(
            "intake.Delivery",
        ),  # a delivery refused for its size is recorded as refused (413)
    ),  # fmt: skip
    Endpoint(
        "intake_api:delivery-confirm",
        ("api",),
        kwargs=lambda w: {"delivery_id": w.delivery.pk},
        foreign=lambda w: {"delivery_id": w.foreign["delivery_y"].pk},
        accepted=False,
    ),  # fmt: skip
]


# The GET parameters of the pages, downloads and API reads: filters, sorting, paging. Nothing
# they say is stored (but the audit log and the remembered filter). A download that reads its
# filter as its page does gets only what it adds.
TRAY_FILTER = {"buurt": "BU01010101", "soort": "Huur", "bedrag_van": "100", "bedrag_tot": "5000", "ouderdom_van": "30",
               "crisis": "1", "herhaald": "1", "schuldverschuiving": "1", "status": "open", "team": "1", "sorteer": "-bedrag",
               "pagina": "1"}  # fmt: skip
AUDIT_FILTER = {"gebruiker": "coordinator-a", "organisatie": "gemeente 0101", "handeling": "view", "soort": "cases.case",
                "object": "1", "van": "2026-01-01", "tot": "2026-12-31", "voor": "1000", "na": "1"}  # fmt: skip
FEEDBACK_FILTER = {"gebeurtenis": "opgepakt", "gemeente": "0101", "van": "2026-01-01", "tot": "2026-12-31", "sorteer": "datum",
                   "pagina": "1"}  # fmt: skip


def _get(url: str, roles: tuple[str, ...], data: Callable[[World], dict], **extra) -> Endpoint:
    return Endpoint(url, roles, data, method="GET", accepted=None, **extra)


FILTERS: list[Endpoint] = [
    _get("two_factor:login", ("anoniem",), lambda w: {"next": "/zaken/"}, not_personal=("next",)),
    _get(
        "cases:list",
        CASE_WORKERS,
        lambda w: {
            "sorteer": "termijn",
            "toon": "alle",
            "van": "mij",
            "team": str(w.team.pk),
            "pagina": "1",
        },
    ),
    _get("reporting:trays", ("coordinator",), lambda w: {"buurt": w.buurt.code}),
    _get(
        "reporting:tray",
        ("coordinator",),
        lambda w: {**TRAY_FILTER, "team": str(w.team.pk)},
        kwargs=lambda w: {"tray_id": w.tray.pk},
    ),
    _get(
        "reporting:tray_export",
        ("coordinator",),
        lambda w: {**TRAY_FILTER, "formaat": "csv"},
        kwargs=lambda w: {"tray_id": w.tray.pk},
        battery=("formaat",),  # the filter: reporting:tray's
    ),  # fmt: skip
    _get(
        "reporting:signals_export",
        ("coordinator",),
        lambda w: {"status": "open", "slapend": "verbergen", "formaat": "csv"},
    ),
    _get(
        "reporting:household",
        CASE_WORKERS,
        lambda w: {"doel": "hulpverlening"},
        kwargs=lambda w: {"household_id": w.case.household_id},
    ),
    _get("reporting:map", ("coordinator",), lambda w: {"niveau": "wijk", "sorteer": "-per1000"}),
    _get("reporting:map_geojson", ("coordinator",), lambda w: {"niveau": "wijk"}),
    _get(
        "reporting:monitor",
        ("coordinator", "privacy_officer"),
        lambda w: {"gemeente": w.municipality.code, "maand": "2026-01"},
    ),
    _get(
        "reporting:monitor_csv",
        ("coordinator",),
        lambda w: {"gemeente": w.municipality.code},
        battery=(),
    ),  # monitor's
    _get(
        "reporting:ddas_export",
        ("coordinator",),
        lambda w: {"van": "2026-01-01", "tot": "2026-01-31"},
    ),
    _get("feedback:list", ("schuldeiser",), lambda w: FEEDBACK_FILTER),
    _get(
        "feedback:csv", ("schuldeiser",), lambda w: FEEDBACK_FILTER, battery=()
    ),  # feedback:list's form
    _get("intake:list", ("schuldeiser",), lambda w: {"pagina": "2"}),
    _get(
        "intake:rejected_rows",
        ("schuldeiser",),
        lambda w: {"waarschuwingen": "ja"},
        kwargs=lambda w: {"delivery_id": w.delivery.pk},
    ),
    _get("privacy:audit_log", ("privacy_officer",), lambda w: AUDIT_FILTER),
    _get(
        "privacy:audit_export", ("privacy_officer",), lambda w: AUDIT_FILTER, battery=()
    ),  # audit_log's query
    _get("privacy:retention_runs", ("privacy_officer",), lambda w: {"pagina": "2"}),
    *(
        _get(f"admin:{name}_changelist", ("beheerder",), lambda w: {"q": "1"})
        for name in (
            "intake_delivery",
            "intake_apikey",
            "organisations_user",
            "registry_address",
            "organisations_covenant",
        )
    ),
    # The API's reads.
    _get(
        "intake_api:delivery-rejected-rows",
        ("api",),
        lambda w: {"limit": "10", "offset": "0", "waarschuwingen": "ja"},
        kwargs=lambda w: {"delivery_id": w.delivery.pk},
        foreign=lambda w: {"delivery_id": w.foreign["delivery_y"].pk},
    ),  # fmt: skip
    _get(
        "intake_api:delivery-detail",
        ("api",),
        lambda w: {},
        kwargs=lambda w: {"delivery_id": w.delivery.pk},
        foreign=lambda w: {"delivery_id": w.foreign["delivery_y"].pk},
    ),  # fmt: skip
    _get("feedback_api:feedback-list", ("api",), lambda w: {"sinds": "0", "limiet": "10"}),
]


# -- sending an endpoint every value -------------------------------------------------------------


def _items(value) -> list:
    return list(value) if isinstance(value, list) else [value]


def request_for(endpoint: Endpoint, world: World, data: dict, label: str, *, path: str | None = None,
                raw: bool = False, personal: bool = True) -> Sent:  # fmt: skip
    """The request of ``data`` to ``endpoint``: multipart when it takes a file or a value is bytes."""
    url = path or endpoint.path(world)
    if endpoint.method == "GET":  # a filter: the values are the query string
        return Sent(label, "GET", url, query=urlencoded(data).decode(), personal=personal)
    as_multipart = endpoint.multipart or raw or any(isinstance(v, bytes) for v in data.values())
    body = multipart(data) if as_multipart else urlencoded(data)
    return Sent(label, endpoint.method, url, body, MULTIPART if as_multipart else URLENCODED, personal=personal,
                may_write=endpoint.may_write)  # fmt: skip


FILE_VALUES: dict[str, tuple[str | bytes, bytes]] = {
    "leeg bestand": ("stand.csv", b""),
    "binair": ("stand.csv", bytes(range(256)) * 8),
    "NUL-bytes": ("stand.csv", b"\x00" * 4096),
    "naam met NUL": ("st\x00and.csv", CSV),
    "naam met pad": ("../../../../etc/passwd", CSV),
    "naam met script": (f"{SCRIPT}.csv", CSV),
    "naam 100.000 tekens": ("x" * 100_000 + ".csv", CSV),
    "naam geen UTF-8": (NOT_UTF8 + b".csv", CSV),
    "naam persoonsgegevens": (f"{SURNAME}-{BSN}.csv", CSV),
    "inhoud persoonsgegevens": (
        "stand.csv",
        CSV.replace(b"Jansen", SURNAME.encode()).replace(b";1;150", f";1;150,00;{BSN}".encode())[
            :-1
        ],
    ),
    "XLSX dat geen XLSX is": ("stand.xlsx", b"PK\x03\x04" + b"\x00" * 100),
    "JSON-bom": ("stand.json", b"[" * 100_000),
}


def hostile_variants(endpoint: Endpoint, world: World, base: dict):
    """(field, label, data, expect) for every field: each hostile value, missing, twice, no UTF-8, another's ids."""
    for name, valid in base.items():
        if endpoint.battery is not None and name not in endpoint.battery:
            continue
        for label, value in values_for(valid, in_url=endpoint.method == "GET").items():
            yield (
                name,
                f"{name}={label}",
                {**base, name: [value] if isinstance(valid, list) else value},
                None,
            )
        if isinstance(valid, tuple):
            for label, value in FILE_VALUES.items():
                yield name, f"{name}: {label}", {**base, name: value}, None
        yield name, f"{name} ontbreekt", {**base, name: None}, None
        if isinstance(valid, list):
            yield name, f"{name} enkel", {**base, name: valid[0] if valid else "1"}, None
        else:
            yield (
                name,
                f"{name} twee keer",
                {**base, name: [valid, valid if isinstance(valid, tuple) else "1"]},
                None,
            )
        yield name, f"{name} geen UTF-8", {**base, name: NOT_UTF8}, None
        for foreign in endpoint.ids.get(name, lambda w: [])(world):
            value = [foreign] if isinstance(valid, list) else foreign
            yield name, f"{name} van een ander ({foreign})", {**base, name: value}, "refused"


def exercise(run: Run, endpoint: Endpoint, world: World) -> None:
    for role in EVERYONE:
        client = run.clients[role]
        if role not in endpoint.roles:
            if endpoint.method != "GET":  # who may read which page: tests/test_tenant_isolation.py
                run.send(
                    role,
                    request_for(endpoint, world, endpoint.data(world), "geen recht"),
                    expect=endpoint.others,
                )
            continue
        if endpoint.prepare is not None:
            endpoint.prepare(client, world)
        before = fingerprint()
        base = endpoint.data(world)
        run.send(
            role, request_for(endpoint, world, base, "geldig"),
            expect={True: "accepted", False: "refused", None: None}[endpoint.accepted],
            says_done=endpoint.says_done, before=before,
        )  # fmt: skip
        for name, label, data, expect in hostile_variants(endpoint, world, base):
            sent = request_for(
                endpoint, world, data, label, personal=name not in endpoint.not_personal
            )
            run.send(role, sent, expect=expect, says_done=endpoint.says_done, before=before)
        if endpoint.foreign is not None:
            path = endpoint.path(world, endpoint.foreign(world))
            run.send(
                role,
                request_for(endpoint, world, base, "object van een ander", path=path),
                expect="refused",
                before=before,
            )
        if endpoint.method == "GET":
            continue
        plain = {k: v if isinstance(v, str | list) else "x" for k, v in base.items()}
        for label, body, content_type in (
            ("als JSON", json.dumps(plain).encode(), "application/json"),
            ("als tekst", urlencoded(plain), "text/plain"),
            (
                "kapotte multipart",
                b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n',
                "multipart/form-data; boundary=x",
            ),
            ("multipart zonder grens", b"a=1", "multipart/form-data"),
        ):
            run.send(
                role,
                Sent(
                    label,
                    endpoint.method,
                    endpoint.path(world),
                    body,
                    content_type,
                    may_write=endpoint.may_write,
                ),
                before=before,
            )


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.DATA_DIR = tmp_path / "data"
    return build_world()


@pytest.fixture
def run(world, caplog) -> Run:
    caplog.set_level(logging.DEBUG)
    return Run(world, caplog)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_hostile_values_in_every_field(endpoint, world, run):
    exercise(run, endpoint, world)
    run.assert_no_problems()


# -- every URL that takes input is here ----------------------------------------------------------

# Named URLs that answer a POST (not 405) but take no form, each with the reason.
NOT_FORMS: dict[str, str] = {
    **dict.fromkeys(
        (
            "portal:home",
            "cases:list",
            "intake:list",
            "intake:detail",
            "intake:status",
            "feedback:list",
            "reporting:trays",
            "reporting:tray",
            "reporting:household",
            "reporting:map",
            "reporting:dashboard",
            "reporting:monitor",
            "signals:trays_manage",
            "privacy:audit_log",
            "privacy:verification",
            "privacy:retention_runs",
            "two_factor:profile",
            "two_factor:setup_complete",
        ),
        "a page: answers a POST as a GET and reads no body (its filters are GET parameters: FILTERS)",
    ),  # fmt: skip
    **dict.fromkeys(
        (
            "feedback:csv",
            "intake:rejected_rows",
            "privacy:audit_export",
            "reporting:tray_export",
            "reporting:signals_export",
            "reporting:monitor_csv",
            "reporting:monitor_xlsx",
            "reporting:ddas_export",
            "reporting:map_geojson",
            "two_factor:qr",
            "health",
        ),
        "a download: answers a POST as a GET and reads no body (its parameters: FILTERS)",
    ),  # fmt: skip
    "favicon": "a redirect to the icon",
    "portal:session": "keeps the session (the idle time-out's warning): reads no body; its tests are "
    "portal/tests/test_session_time_out.py",
    "admin:index": "the admin's start page: reads no body",
    "admin:app_list": "an app's page in the admin: reads no body",
    "admin:view_on_site": "a redirect to the object on the site",
    # Third-party admins in which the beheerder may only delete (a lost second factor, a lock-out).
    **dict.fromkeys(
        (
            "admin:otp_totp_totpdevice_changelist",
            "admin:otp_static_staticdevice_changelist",
            "admin:axes_accessattempt_changelist",
        ),
        "a third-party admin (django-otp, django-axes) with only Django's own delete action; a ticked value "
        "that is no id is refused as in ours (organisations/tests/test_admin.py)",
    ),  # fmt: skip
    **dict.fromkeys(
        (
            "admin:otp_totp_totpdevice_delete",
            "admin:otp_static_staticdevice_delete",
            "admin:axes_accessattempt_delete",
        ),
        "Django's confirmation of deleting one object: no fields, the id is in the URL",
    ),  # fmt: skip
}
# Admin URLs by the end of their name: the same for every model.
NOT_FORMS_OF_THE_ADMIN: dict[str, str] = {
    "_history": "an object's history: reads no body",
    "_changelist": "the list, without an action or an editable column: a POST is read as the list (its search is GET)",
}


def excused(name: str) -> str | None:
    if name in NOT_FORMS:
        return NOT_FORMS[name]
    if name.startswith("admin:"):
        return next(
            (why for end, why in NOT_FORMS_OF_THE_ADMIN.items() if name.endswith(end)), None
        )
    return None


# URL keyword arguments → the world's object (of the role's own organisation) that fills them.
KWARGS: dict[str, Callable[[World], object]] = {
    "case_id": lambda w: w.case.pk,
    "tray_id": lambda w: w.tray.pk,
    "delivery_id": lambda w: w.delivery.pk,
    "api_key_id": lambda w: w.api_key.pk,
    "household_id": lambda w: w.signal.household_id,
    "object_id": lambda w: w.municipality.pk,
    "id": lambda w: w.users["hulpverlener_2"].pk,
    "app_label": lambda w: "organisations",
    "content_type_id": lambda w: 1,
    "pk": lambda w: 1,
    "url": lambda w: "x",
    "path": lambda w: "x",
}


def named_urls(world: World) -> dict[str, str]:
    """Every named URL of the project (namespace:name → path, filled with the world's objects)."""
    found = {}
    for route, pattern, namespace in tenant.iter_patterns(get_resolver()):
        if pattern.name is None:
            continue
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        groups = list(pattern.pattern.regex.groupindex)
        missing = [g for g in groups if g not in KWARGS]
        assert not missing, (
            f"{name} takes {missing}: say in KWARGS which object of the world fills it"
        )
        try:
            found[name] = reverse(name, kwargs={g: KWARGS[g](world) for g in groups})
        except Exception:  # noqa: BLE001 - the admin's catch-all, which takes no filler
            continue
    return found


def test_every_url_that_takes_input_is_here(world, run):
    """A named URL that some role can POST to (anything but 405) is in ENDPOINTS or, with its
    reason, in NOT_FORMS; so is every URL of the API, whatever the method."""
    listed = {e.url for e in ENDPOINTS}
    assert not listed & set(NOT_FORMS), "a URL is both exercised and excused"
    urls = named_urls(world)
    assert not (listed | set(NOT_FORMS)) - set(urls), (
        "ENDPOINTS or NOT_FORMS name URLs that are gone"
    )
    log_in = {reverse("two_factor:login"), reverse("two_factor:setup"), reverse("admin:login")}
    unlisted = []
    for name, path in sorted(urls.items()):
        if name in listed or excused(name) or path.startswith("/api/"):
            continue
        taken_by = []
        for role in EVERYONE:
            client = run.clients[role]
            cookies = copy.deepcopy(client.cookies)
            with transaction.atomic():
                response = client.post(path)
                transaction.set_rollback(True)
            client.cookies = cookies
            refused = response.status_code in (401, 403, 404, 405)
            if not refused and urlsplit(response.get("Location", "")).path not in log_in:
                taken_by.append(f"{role}: {response.status_code}")
        if taken_by:
            unlisted.append(f"{name} ({path}): POST answers {', '.join(taken_by)}")
    assert not unlisted, (
        "URLs that take a POST but are not exercised; add them to ENDPOINTS (with a valid form and "
        "the roles that use it) or, if they take no input, to NOT_FORMS with the reason:\n"
        + "\n".join(unlisted)
    )


@pytest.mark.parametrize("endpoint", FILTERS, ids=[e.url for e in FILTERS])
def test_hostile_values_in_every_filter(endpoint, world, run):
    exercise(run, endpoint, world)
    run.assert_no_problems()


# -- the API, whatever the method ----------------------------------------------------------------

API_HEADERS: dict[str, tuple[tuple[str, str], ...]] = {
    "geen JSON": (("accept", "application/xml"),),
    "sleutel als Bearer": (("authorization", "Bearer geheim.dat-niet-terugkomt"),),
    "sleutel van 100.000 tekens": (("authorization", "Token " + "x" * 100_000),),
    "sleutel met NUL": (("authorization", "Token abc.de\x00f"),),
    "sleutel zonder punt": (("authorization", "Token " + SURNAME),),
}


def test_every_method_and_header_on_every_api_url(world, run):
    """Each URL of the API, with each method, as the creditor's system, without a key and with a
    session of the portal; and with an Accept or Authorization header that is not what it takes.
    The answer is the API's (``{"melding": …}`` in Dutch for an error), never a 500."""
    urls = {name: path for name, path in named_urls(world).items() if path.startswith("/api/")}
    exercised = {e.url for e in [*ENDPOINTS, *FILTERS] if e.url in urls}
    assert exercised == set(urls) - {"api-schema"}, "an API URL whose fields no test fills"
    body = json.dumps(
        {"peildatum": "9999-99-99", "achterstanden": [{"achternaam": SURNAME, "bsn": BSN}]}
    ).encode()
    for name, path in sorted(urls.items()):
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
            for role in ("api", "api_zonder_sleutel", "coordinator"):
                sent = Sent(
                    method, method, path, body, "application/json", may_write=("intake.Delivery",)
                )
                if name == "api-schema":  # public, GET only
                    expect = "accepted" if method in ("GET", "OPTIONS") else "refused"
                else:
                    expect = None if role == "api" else "refused"
                run.send(role, sent, expect=expect)
        for label, headers in API_HEADERS.items():
            sent = Sent(label, "GET", path, headers=headers)
            run.send("api_zonder_sleutel" if "sleutel" in label else "api", sent)
    assert not any("dat-niet-terugkomt" in p for p in run.problems)
    run.assert_no_problems()


# -- bodies too large ----------------------------------------------------------------------------


def test_bodies_too_large_are_refused_cleanly(world, run, settings):
    """A delivery past MAX_DELIVERY_BYTES (set low here) on both ways in, a form past Django's
    limits on size and number of fields: refused with a Dutch answer, nothing stored."""
    settings.MAX_DELIVERY_BYTES = 2_000
    big_csv = CSV + b"K-2;J.;Jansen;1980-05-17;1111AB;2;150,00;2026-01-01\n" * 100
    stage = {"file": ("stand.csv", big_csv), "peildatum": _today(1), "soort": "stand"}
    upload = next(e for e in ENDPOINTS if e.url == "intake:upload")
    api = next(e for e in ENDPOINTS if e.url == "intake_api:delivery-list")
    run.send("schuldeiser", request_for(upload, world, stage, "bestand te groot"), expect="refused")
    run.send("api", request_for(api, world, stage, "bestand te groot"), expect="refused")
    json_body = json.dumps(
        {"peildatum": _today(1), "achterstanden": [{"achternaam": "Jansen"}] * 200}
    ).encode()
    run.send("api", Sent("JSON te groot", "POST", reverse("intake_api:delivery-list"), json_body, "application/json",
                         may_write=("intake.Delivery",)), expect="refused")  # fmt: skip
    note = reverse("cases:note", kwargs={"case_id": world.case.pk})
    run.send(
        "coordinator",
        Sent("11 MB", "POST", note, urlencoded({"notitie-text": "x" * (11 * 1024 * 1024)})),
        expect="refused",
    )
    many = urlencode([("notitie-text", "x"), *((f"veld{i}", "1") for i in range(1_100))]).encode()
    run.send("coordinator", Sent("1.100 velden", "POST", note, many), expect="refused")
    files = multipart({"file": [("stand.csv", b"a")] * 120, "peildatum": _today(1)})
    run.send(
        "schuldeiser",
        Sent("120 bestanden", "POST", reverse("intake:upload"), files, MULTIPART),
        expect="refused",
    )
    run.assert_no_problems()


# -- any text in any field -----------------------------------------------------------------------

# Every Unicode category, lone surrogates and control characters included (sent as the bytes they
# would be: no UTF-8).
ANY_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=300),
    st.text(st.characters(categories=["Cs", "Cc", "Cf", "Zl", "Zp"]), max_size=20),
)


def test_any_text_in_any_field(world, run):
    """Hypothesis's text of every category into each field of each form (the role that uses it)."""
    targets = []
    for endpoint in [*ENDPOINTS, *FILTERS]:
        role = endpoint.roles[0]
        if endpoint.prepare is not None:
            endpoint.prepare(run.clients[role], world)
        base = endpoint.data(world)
        targets += [
            (endpoint, role, base, name)
            for name, valid in base.items()
            if not isinstance(valid, tuple)
        ]

    @hypothesis_settings(max_examples=150, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
    @given(target=st.sampled_from(targets), text=ANY_TEXT)
    def send(target, text):
        endpoint, role, base, name = target
        data = {**base, name: [text] if isinstance(base[name], list) else text}
        run.send(role, request_for(endpoint, world, data, f"{name}={text[:40]!r}", personal=False))

    send()
    run.assert_no_problems()


# -- the checks themselves -----------------------------------------------------------------------


def test_the_checks_find_what_they_look_for(world, run):
    """A view that half-applies, logs what was typed and then refuses, one that crashes, and one
    that shows a script unescaped: each is reported, so a green run means something."""
    from unittest import mock

    from django.core.exceptions import ValidationError

    from vroegsignaal.cases.models import CaseNote

    note = next(e for e in ENDPOINTS if e.url == "cases:note")

    def half_applied(case, user, text):
        CaseNote.objects.create(case=case, text="half")
        logging.getLogger("vroegsignaal.cases").warning("notitie: %s", text)
        raise ValidationError("Nee.")

    with mock.patch("vroegsignaal.cases.services.add_note", half_applied):
        run.send("coordinator", request_for(note, world, {"notitie-text": SURNAME}, "half"))
    with mock.patch("vroegsignaal.cases.services.add_note", side_effect=RuntimeError("kapot")):
        run.send("coordinator", request_for(note, world, {"notitie-text": "x"}, "kapot"))
    with mock.patch(
        "vroegsignaal.cases.views.render",
        return_value=HttpResponse(f'<html lang="nl">{SCRIPT}</html>'),
    ):
        run.send("coordinator", request_for(note, world, {"notitie-text": ""}, "script"))
    found = "\n".join(run.problems)
    assert "refused (200), yet changed cases.CaseNote" in found
    assert f"log record of vroegsignaal.cases holds '{SURNAME}'" in found
    assert "crashed: RuntimeError: 'kapot'" in found
    assert "reflects <script> unescaped" in found

"""Benchmark: the municipal portal under 20 coordinators at once (issue 6, performance).

    scripts/with-postgres.sh .venv/bin/python benchmarks/portal.py
    .venv/bin/python benchmarks/portal.py      # starts a throw-away PostgreSQL itself when
                                               # DATABASE_URL does not point to PostgreSQL

Options: ``--households 460000`` (about 55,000 signals), ``--cases 10000``,
``--users 20``, ``--duration 120`` (seconds of load after a warm-up),
``--think 1,3`` (seconds a coordinator reads a page: uniform between the two),
``--workers 3 --threads 4`` (gunicorn), ``--seed 1``.

Target: **p95 ≤ 300 ms for every kind of page and zero errors**; the
benchmark exits non-zero when that is missed.

The data (in a temporary database on the PostgreSQL server, dropped afterwards):
the world of ``benchmarks/evaluate.py`` (one municipality, 0999, of 10 wijken
of 10 buurten, eight creditors, a year of arrears, inserted in bulk), now with
460,000 households — a city the size of Amsterdam — and evaluated by the real
signal rules (``signals.services.evaluate``), which raises about 55,000 signals
into the default trays. The buurten get square outlines and CBS household
counts for the map. Six wijkteams; 10,000 of the new signals are picked up
into cases, inserted in bulk like the services write them (a case, its status
history, contact attempts, the signal ``opgepakt`` with its history): 80 % open
in every stage of the workflow, 20 % closed with an outcome. What remains is
at least 50,000 open signals (``nieuw`` + ``opgepakt``).

The server: gunicorn with the production settings (``VROEGSIGNAAL_MODE=production``,
``DEBUG=false``, fresh random keys; only HTTPS redirect and secure cookies are
off, as the benchmark speaks plain HTTP on 127.0.0.1). The middleware is
untouched: every simulated coordinator is a user of the municipality with a
confirmed TOTP device and a session that passed the second factor, created
the way django-otp records a verified log-in (the device's persistent id under
``otp_device_id`` in the session, with Django's own authentication keys).

The load: each coordinator is a thread with its own keep-alive connection and
cookies (``http.client``; no load-testing package needed), reading each page for
a random think time, then clicking on: the tray index, a tray (default order;
sorted; filtered on a wijk or buurt, creditor type, amount, age, flags or team;
a later page), a household, the case list (sorted, per team, paged), a case,
recording a contact attempt (POST with the CSRF token of the case page, then
the case page it redirects to, which must show the success message), giving a
case to another team (likewise), picking up a signal with a team, the dashboard and the map (page and GeoJSON). Every
answer other than the expected status, or a page with an error message,
counts as an error. Afterwards the database must hold exactly the contact
attempts and cases the coordinators were told were saved.

Printed: per kind of page the number of requests, p50, p95 and max in
milliseconds, the errors; and the totals.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.client
import http.cookies
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
P95_BUDGET_MS = 300.0
TEAMS = 6
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
ERROR_MESSAGE = b"utrecht-alert--error"


# --- the app's environment -------------------------------------------------------------------


def app_environment(database_url: str, data_dir: str) -> dict[str, str]:
    """Production settings with fresh keys; plain HTTP on 127.0.0.1 only."""

    def key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    return dict(
        os.environ,
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="vroegsignaal.conf.settings",
        VROEGSIGNAAL_MODE="production",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        VROEGSIGNAAL_ENCRYPTION_KEYS=f"bench1:{key()}",
        VROEGSIGNAAL_BLIND_INDEX_KEY=key(),
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        VROEGSIGNAAL_DATA_DIR=data_dir,
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(
            filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
        ),
    )


# --- building the data (in a child process with the app's environment) -----------------------


def build(out: str, households: int, cases: int, users: int, seed: int) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import django

    django.setup()
    import evaluate  # the bulk world of benchmarks/evaluate.py
    from django.core.management import call_command
    from django.db import connection, transaction

    from vroegsignaal.signals import services as signal_services

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    with transaction.atomic():
        world = evaluate.build_world(households, seed)
    municipality = world["municipality"]
    print(f"  world: {households:,} households, {world['episodes']:,} arrears "
          f"({time.perf_counter() - start:.0f} s)", flush=True)  # fmt: skip
    start = time.perf_counter()
    report = signal_services.evaluate(
        municipality, reference_date=evaluate.PEILDATA[-1], received_on=dt.date(2026, 11, 3)
    )
    print(
        f"  evaluation: {report.raised:,} signals raised ({time.perf_counter() - start:.0f} s)",
        flush=True,
    )
    start = time.perf_counter()
    with transaction.atomic():
        facts = _organisation_and_cases(municipality, cases, users, seed)
    with connection.cursor() as cursor:
        # What autovacuum does on a live system: statistics and the visibility map (index-only scans).
        cursor.execute("VACUUM ANALYZE")
    print(
        f"  teams, users, sessions, {cases:,} cases ({time.perf_counter() - start:.0f} s)",
        flush=True,
    )
    Path(out).write_text(json.dumps(facts))


def _square(lon: float, lat: float, size: float) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _organisation_and_cases(municipality, cases: int, users: int, seed: int) -> dict:
    import numpy as np
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count, Q
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from vroegsignaal.cases import deadlines
    from vroegsignaal.cases.models import (
        CASE_OUTCOMES,
        Case,
        CaseStatus,
        CaseStatusChange,
        ContactAttempt,
        ContactKind,
    )
    from vroegsignaal.organisations.models import Role, Team, User
    from vroegsignaal.registry.models import Address, Neighbourhood
    from vroegsignaal.signals.models import Signal, SignalStatusChange, Tray

    rng = np.random.default_rng(seed + 7)
    now = timezone.now()
    today = timezone.localdate()

    # The map: square buurten on a 10 x 10 grid (a wijk is a row), with CBS household counts.
    counts = dict(
        Address.objects.values("buurt_id").annotate(n=Count("id")).values_list("buurt_id", "n")
    )
    buurten = list(
        Neighbourhood.objects.filter(municipality=municipality, kind="buurt").order_by("code")
    )
    for i, buurt in enumerate(buurten):
        buurt.geometry = _square(4.80 + (i % 10) * 0.01, 52.30 + (i // 10) * 0.01, 0.01)
        buurt.households = counts.get(buurt.pk, 0)
    Neighbourhood.objects.bulk_update(buurten, ["geometry", "households"])
    wijken = list(
        Neighbourhood.objects.filter(municipality=municipality, kind="wijk").order_by("code")
    )
    for w, wijk in enumerate(wijken):
        wijk.geometry = {
            "type": "Polygon",
            "coordinates": [[[4.80, 52.30 + w * 0.01], [4.90, 52.30 + w * 0.01], [4.90, 52.31 + w * 0.01],
                             [4.80, 52.31 + w * 0.01], [4.80, 52.30 + w * 0.01]]],
        }  # fmt: skip
        wijk.households = sum(b.households for b in buurten if b.wijk_id == wijk.pk)
    Neighbourhood.objects.bulk_update(wijken, ["geometry", "households"])

    teams = [
        Team.objects.create(
            municipality=municipality,
            code=f"BENCH{t + 1}",
            name=f"Wijkteam {t + 1}",
            neighbourhood_codes=[w.code for w in wijken[t::TEAMS]],
            phone="020 123 45 67",
        )  # fmt: skip
        for t in range(TEAMS)
    ]
    coordinators, sessions = [], []
    for u in range(users):
        user = User.objects.create(
            username=f"coordinator{u + 1:02d}", role=Role.COORDINATOR, municipality=municipality,
            first_name="Coördinator", last_name=f"{u + 1}",
        )  # fmt: skip
        user.set_unusable_password()
        user.save(update_fields=["password"])
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
        # What django.contrib.auth.login and django_otp.login leave in a session after password + TOTP.
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.create()
        coordinators.append(user)
        sessions.append(session.session_key)

    # Cases: 10,000 of the new signals picked up, 80 % open in every stage, 20 % closed.
    new_ids = np.asarray(
        sorted(
            Signal.objects.filter(municipality=municipality, status="nieuw").values_list(
                "id", flat=True
            )
        )
    )
    chosen = np.sort(rng.choice(new_ids, min(cases, len(new_ids)), replace=False))
    signals = {
        s.pk: s
        for s in Signal.objects.filter(pk__in=chosen.tolist()).only(
            "id", "household_id", "crisis", "deadline"
        )
    }
    stages = rng.choice(
        [CaseStatus.OPGEPAKT, CaseStatus.CONTACT_GEZOCHT, CaseStatus.IN_CONTACT, CaseStatus.HULP_AANVAARD, CaseStatus.AFGESLOTEN],
        len(chosen), p=[0.25, 0.25, 0.20, 0.10, 0.20],
    )  # fmt: skip
    case_rows, plans = [], []
    for i, (signal_id, stage) in enumerate(zip(chosen.tolist(), stages.tolist(), strict=True)):
        signal = signals[signal_id]
        picked = today - dt.timedelta(days=int(rng.integers(1, 90)))
        case = Case(
            municipality=municipality, signal_id=signal_id, household_id=signal.household_id,
            team=teams[i % TEAMS], crisis=signal.crisis, picked_up_on=picked, picked_up_by=coordinators[i % users],
            status=stage,
        )  # fmt: skip
        if signal.crisis:
            case.contact_due = deadlines.crisis_contact_due(picked, signal.deadline)
        steps = [CaseStatus.OPGEPAKT]
        attempts = []
        if stage != CaseStatus.OPGEPAKT:
            attempts.append((ContactKind.BRIEF, False, picked + dt.timedelta(days=1)))
            steps.append(CaseStatus.CONTACT_GEZOCHT)
        if stage in (CaseStatus.IN_CONTACT, CaseStatus.HULP_AANVAARD, CaseStatus.AFGESLOTEN):
            attempts.append((ContactKind.HUISBEZOEK, True, picked + dt.timedelta(days=2)))
            steps.append(CaseStatus.IN_CONTACT)
            case.contacted_on = picked + dt.timedelta(days=2)
        if stage in (CaseStatus.HULP_AANVAARD, CaseStatus.AFGESLOTEN) and i % 2 == 0:
            case.offer_made_on = case.offer_answered_on = picked + dt.timedelta(days=2)
            case.offer_answer = "aanvaard"
            case.first_conversation_due = deadlines.first_conversation_due(case.offer_answered_on)
            steps.append(CaseStatus.HULP_AANVAARD)
        if stage == CaseStatus.AFGESLOTEN:
            case.outcome = CASE_OUTCOMES[i % len(CASE_OUTCOMES)].value
            case.closed_on = min(today, picked + dt.timedelta(days=20))
            steps.append(CaseStatus.AFGESLOTEN)
        case.due_on = deadlines.next_due(
            contact_due=case.contact_due, contacted_on=case.contacted_on,
            first_conversation_due=case.first_conversation_due, first_conversation_on=case.first_conversation_on,
            closed=stage == CaseStatus.AFGESLOTEN,
        )  # fmt: skip
        case_rows.append(case)
        plans.append((steps, attempts))
    Case.objects.bulk_create(case_rows, batch_size=2000)
    history, contact = [], []
    for case, (steps, attempts) in zip(case_rows, plans, strict=True):
        previous = ""
        for step in steps:
            history.append(
                CaseStatusChange(
                    case=case,
                    from_status=previous,
                    to_status=step,
                    changed_at=now,
                    actor=case.picked_up_by,
                )
            )
            previous = step
        contact += [
            ContactAttempt(case=case, kind=kind, reached=reached, date=day, actor=case.picked_up_by)
            for kind, reached, day in attempts
        ]
    CaseStatusChange.objects.bulk_create(history, batch_size=5000)
    ContactAttempt.objects.bulk_create(contact, batch_size=5000)
    open_cases = [c for c in case_rows if c.status != CaseStatus.AFGESLOTEN]
    closed_cases = [c for c in case_rows if c.status == CaseStatus.AFGESLOTEN]
    for team in teams:
        Signal.objects.filter(
            pk__in=[c.signal_id for c in open_cases if c.team_id == team.pk]
        ).update(status="opgepakt", team=team, updated_at=now)
        Signal.objects.filter(
            pk__in=[c.signal_id for c in closed_cases if c.team_id == team.pk]
        ).update(status="afgesloten", team=team, closed_on=today, updated_at=now)
    signal_history = [
        SignalStatusChange(signal_id=c.signal_id, from_status="nieuw", to_status="opgepakt", changed_at=now, actor=c.picked_up_by)
        for c in case_rows
    ] + [
        SignalStatusChange(signal_id=c.signal_id, from_status="opgepakt", to_status="afgesloten", changed_at=now, actor=c.picked_up_by)
        for c in closed_cases
    ]  # fmt: skip
    SignalStatusChange.objects.bulk_create(signal_history, batch_size=5000)

    # What the simulated coordinators click on.
    trays = [
        {"id": t.pk, "name": t.name, "open": t.n}
        for t in Tray.objects.filter(municipality=municipality)
        .annotate(n=Count("signals", filter=Q(signals__status__in=["nieuw", "opgepakt"])))
        .order_by("position")
    ]
    still_new = Signal.objects.filter(municipality=municipality, status="nieuw").values_list(
        "id", flat=True
    )
    open_signals = Signal.objects.filter(
        municipality=municipality, status__in=["nieuw", "opgepakt"]
    )
    households = open_signals.values_list("household_id", flat=True)

    def sample(values, n: int) -> list[int]:
        values = np.asarray(sorted(values))
        return rng.choice(values, min(n, len(values)), replace=False).tolist()

    return {
        "trays": trays,
        "wijken": [w.code for w in wijken],
        "buurten": [b.code for b in buurten],
        "teams": [t.pk for t in teams],
        "sessions": sessions,
        "open_cases": [c.pk for c in open_cases],
        "all_cases": [c.pk for c in case_rows],
        "pick_up": sample(still_new, 4000),
        "households": sample(households, 20000),
        "open_signals": open_signals.count(),
        "signals": Signal.objects.filter(municipality=municipality).count(),
        "cases": len(case_rows),
        "open_case_count": len(open_cases),
    }


# --- the simulated coordinators --------------------------------------------------------------


class Browser:
    """One coordinator's browser: a keep-alive connection and its cookies."""

    def __init__(self, port: int, session_key: str):
        self.port = port
        self.cookies = {"sessionid": session_key}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, form: dict | None = None):
        body = urllib.parse.urlencode(form).encode() if form is not None else None
        headers = {
            "Host": "127.0.0.1",
            "Accept": "text/html",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException):
                # The server closed the idle keep-alive connection: a browser opens a new one and
                # sends the request again (the time of both counts).
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    return 0, {}, b"", (time.perf_counter() - start) * 1000
        elapsed = (time.perf_counter() - start) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value in ("", '""') or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, data, elapsed


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.saved = {"contactpogingen": 0, "opgepakt": 0}
        self.recording = False

    def add(self, kind: str, ms: float, error: str = "") -> None:
        if not self.recording:
            return
        with self.lock:
            self.times[kind].append(ms)
            if error:
                self.errors[kind].append(error)

    def count_saved(self, what: str) -> None:
        with self.lock:
            self.saved[what] += 1


class Coordinator(threading.Thread):
    def __init__(
        self,
        number: int,
        port: int,
        facts: dict,
        results: Results,
        stop: threading.Event,
        think,
        seed: int,
    ):
        super().__init__(daemon=True, name=f"coordinator{number}")
        self.browser = Browser(port, facts["sessions"][number])
        self.facts, self.results, self.stop, self.think = facts, results, stop, think
        self.random = random.Random(seed * 1000 + number)
        users = len(facts["sessions"])
        self.my_cases = facts["open_cases"][number::users]
        self.my_pick_ups = list(facts["pick_up"][number::users])
        self.trays = facts["trays"]
        self.big_tray = max(self.trays, key=lambda t: t["open"])

    # One page: the time, and an error when the status or the page is not what a user expects.
    def get(self, kind: str, path: str, expect: int = 200, must_show: bytes = b"") -> bytes:
        status, _, data, ms = self.browser.request("GET", path)
        error = ""
        if status != expect:
            error = f"{path}: {status}"
        elif ERROR_MESSAGE in data or (must_show and must_show not in data):
            error = f"{path}: page shows an error message"
        self.results.add(kind, ms, error)
        return data

    def post(self, kind: str, path: str, form: dict, page: bytes) -> str | None:
        match = CSRF_FIELD.search(page)
        form = {**form, "csrfmiddlewaretoken": match.group(1).decode() if match else ""}
        status, headers, _, ms = self.browser.request("POST", path, form)
        location = headers.get("Location", "") if status == 302 else ""
        self.results.add(
            kind, ms, "" if location.startswith("/zaken/") else f"{path}: {status} {location}"
        )
        return location or None

    def tray_path(self, tray: dict, **params) -> str:
        return f"/signalen/werkbakjes/{tray['id']}/?{urllib.parse.urlencode(params)}"

    def run(self) -> None:
        actions = [
            (self.tray_index, 8), (self.tray, 14), (self.tray_sorted, 8), (self.tray_filtered, 14),
            (self.tray_paged, 8), (self.household, 14), (self.case_list, 10), (self.case, 8),
            (self.contact_attempt, 8), (self.pick_up, 3), (self.assign, 3), (self.dashboard, 3), (self.map, 2),
        ]  # fmt: skip
        functions, weights = zip(*actions, strict=True)
        while not self.stop.is_set():
            self.random.choices(functions, weights)[0]()
            self.stop.wait(self.random.uniform(*self.think))

    def pick_tray(self) -> dict:
        return self.random.choices(self.trays, [max(t["open"], 1) for t in self.trays])[0]

    def tray_index(self):
        if self.random.random() < 0.2:
            self.get(
                "werkbakjes (overzicht)",
                f"/signalen/werkbakjes/?buurt={self.random.choice(self.facts['buurten'])}",
            )
        else:
            self.get("werkbakjes (overzicht)", "/signalen/werkbakjes/")

    def tray(self):
        self.get("werkbakje", self.tray_path(self.pick_tray(), sorteer="prioriteit"))

    def tray_sorted(self):
        sort = self.random.choice(
            ["bedrag", "-bedrag", "ouderdom", "-ouderdom", "signaaldatum", "-prioriteit"]
        )
        self.get("werkbakje gesorteerd", self.tray_path(self.pick_tray(), sorteer=sort))

    def tray_filtered(self):
        r = self.random
        params = {"sorteer": r.choice(["prioriteit", "bedrag", "ouderdom"])}
        choice = r.randrange(7)
        if choice == 0:
            params["buurt"] = r.choice(self.facts["buurten"])
        elif choice == 1:
            params["buurt"] = r.choice(self.facts["wijken"])
        elif choice == 2:
            params["soort"] = r.choice(["Zorg", "Energie", "Huur", "Water"])
        elif choice == 3:
            params["bedrag_van"] = r.choice([100, 500, 1000])
            params["bedrag_tot"] = params["bedrag_van"] * 3
        elif choice == 4:
            params["ouderdom_van"] = r.choice([30, 60, 90])
        elif choice == 5:
            params[r.choice(["crisis", "herhaald", "schuldverschuiving"])] = "1"
        else:
            params["team"] = r.choice(self.facts["teams"])
            params["status"] = "opgepakt"
        if r.random() < 0.3:  # and a second filter on top
            params["buurt"] = r.choice(self.facts["wijken"])
        self.get("werkbakje gefilterd", self.tray_path(self.pick_tray(), **params))

    def tray_paged(self):
        tray = self.big_tray
        pages = max(1, math.ceil(tray["open"] / 50))
        page = (
            self.random.randint(2, min(10, pages))
            if self.random.random() < 0.8
            else self.random.randint(1, pages)
        )
        self.get("werkbakje bladeren", self.tray_path(tray, sorteer="prioriteit", pagina=page))

    def household(self):
        household = self.random.choice(self.facts["households"])
        self.get("huishouden", f"/signalen/huishoudens/{household}/?doel=signaalbehandeling")

    def case_list(self):
        r = self.random
        params = {
            "toon": r.choice(["open", "open", "alle", "gesloten"]),
            "sorteer": r.choice(["termijn", "opgepakt", "status", "zaak"]),
        }
        if r.random() < 0.4:
            params["team"] = r.choice(self.facts["teams"])
        if r.random() < 0.5:
            params["pagina"] = r.randint(2, 40)
        self.get("zaken", f"/zaken/?{urllib.parse.urlencode(params)}")

    def case(self):
        self.get("zaak", f"/zaken/{self.random.choice(self.facts['all_cases'])}/")

    def contact_attempt(self):
        case_id = self.random.choice(self.my_cases)
        page = self.get("zaak", f"/zaken/{case_id}/")
        form = {
            "poging-kind": self.random.choice(["Telefoon", "Huisbezoek", "Mail", "Brief"]),
            "poging-reached": self.random.choice(["ja", "nee"]),
            "poging-on": dt.date.today().isoformat(),
            "poging-part_of_day": self.random.choice(["", "Ochtend", "Middag", "Avond"]),
            "poging-note": "Benchmark: contactpoging.",
        }
        location = self.post(
            "contactpoging vastleggen", f"/zaken/{case_id}/contactpoging/", form, page
        )
        if location:
            page = self.get("zaak", location, must_show=b"De contactpoging is vastgelegd.")
            if b"De contactpoging is vastgelegd." in page:
                self.results.count_saved("contactpogingen")

    def assign(self):
        case_id = self.random.choice(self.my_cases)
        page = self.get("zaak", f"/zaken/{case_id}/")
        form = {"toewijzen-team": self.random.choice(self.facts["teams"]), "toewijzen-worker": ""}
        location = self.post("zaak toewijzen", f"/zaken/{case_id}/toewijzen/", form, page)
        if location:
            self.get("zaak", location, must_show=b"De zaak is toegewezen.")

    def pick_up(self):
        if not self.my_pick_ups:
            return
        signal_id = self.my_pick_ups.pop()
        tray = self.get("werkbakje", self.tray_path(self.pick_tray(), sorteer="prioriteit"))
        form = {"signal": signal_id, "team": self.random.choice(self.facts["teams"])}
        location = self.post("signaal oppakken", "/zaken/oppakken/", form, tray)
        if location:
            page = self.get("zaak", location, must_show=b"Het signaal is opgepakt.")
            if b"Het signaal is opgepakt." in page:
                self.results.count_saved("opgepakt")

    def dashboard(self):
        self.get("dashboard", "/signalen/dashboard/")

    def map(self):
        level = self.random.choice(["buurt", "wijk"])
        self.get("kaart", f"/signalen/kaart/?niveau={level}")
        self.get("kaart (geojson)", f"/signalen/kaart/gebieden.geojson?niveau={level}")


# --- running it ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped while starting")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health/", headers={"Host": "127.0.0.1"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer /health/ in time")


def cpu_seconds(wanted) -> float:
    """CPU time (user + system) of the processes for which ``wanted(pid, ppid, command line)`` holds."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if wanted(int(entry.name), int(fields[1]), command):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def load(port: int, facts: dict, args, server_cpu) -> Results:
    results = Results()
    think = tuple(float(x) for x in args.think.split(","))
    # Warm-up: every coordinator opens each kind of page once (connections, caches), not recorded.
    stop = threading.Event()
    for number in range(args.users):
        warm = Coordinator(number, port, facts, results, stop, think, args.seed + 99)
        for action in (
            warm.tray_index,
            warm.tray,
            warm.household,
            warm.case_list,
            warm.case,
            warm.dashboard,
            warm.map,
        ):
            action()
    results.recording = True
    cpu_before = server_cpu()
    coordinators = [
        Coordinator(n, port, facts, results, stop, think, args.seed) for n in range(args.users)
    ]
    start = time.perf_counter()
    for coordinator in coordinators:
        coordinator.start()
    time.sleep(args.duration)
    stop.set()
    for coordinator in coordinators:
        coordinator.join(timeout=120)
    results.seconds = time.perf_counter() - start
    cpu_after = server_cpu()
    results.cpu = (cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1])
    return results


def report(results: Results, facts: dict, verify: dict) -> bool:
    print(
        f"\n  {'page':<28} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}"
    )
    ok = True
    total = errors = 0
    for kind in sorted(results.times):
        times = results.times[kind]
        p95 = percentile(times, 95)
        n_errors = len(results.errors.get(kind, []))
        total += len(times)
        errors += n_errors
        verdict = "" if p95 <= P95_BUDGET_MS and not n_errors else "  <-- misses the target"
        ok &= not verdict
        print(
            f"  {kind:<28} {len(times):>8,} {statistics.median(times):>8.0f} {p95:>8.0f} {max(times):>8.0f} {n_errors:>7}{verdict}"
        )
    every = [t for times in results.times.values() for t in times]
    print(f"  {'all pages':<28} {total:>8,} {statistics.median(every):>8.0f} {percentile(every, 95):>8.0f} "
          f"{max(every):>8.0f} {errors:>7}")  # fmt: skip
    print(
        f"\n  {total:,} requests in {results.seconds:.0f} s ({total / results.seconds:.1f} per second), {errors} errors"
    )
    app, database = results.cpu
    print(
        f"  CPU per request: {1000 * app / total:.0f} ms in gunicorn, {1000 * database / total:.0f} ms in PostgreSQL "
        f"(of {os.cpu_count()} CPUs: {100 * (app + database) / results.seconds / os.cpu_count():.0f} % busy with the portal)"
    )
    for kind, messages in results.errors.items():
        for message in messages[:5]:
            print(f"    error ({kind}): {message}")
    for what, told in results.saved.items():
        stored = verify[what]
        same = "OK" if stored == told else "MISMATCH"
        ok &= stored == told
        print(f"  {what}: {told} confirmed to the coordinators, {stored} stored — {same}")
    return ok and errors == 0


def verify_counts(env: dict, facts: dict) -> dict:
    """What the load wrote: contact attempts since it started, and cases beyond those built."""
    code = (
        "import django, json, sys; django.setup()\n"
        "from vroegsignaal.cases.models import Case, ContactAttempt\n"
        "print(json.dumps({'contactpogingen': ContactAttempt.objects.filter(created_at__gte=sys.argv[1]).count(),"
        " 'opgepakt': Case.objects.count() - int(sys.argv[2])}))"
    )
    command = [sys.executable, "-c", code, facts["load_started"], str(facts["cases"])]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def with_database(url: str, args) -> int:
    import psycopg

    name = f"vroegsignaal_portal_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    folder = tempfile.mkdtemp(prefix="vroegsignaal-portal-")
    server = None
    try:
        env = app_environment(urlunsplit(urlsplit(url)._replace(path=f"/{name}")), folder)
        facts_file = Path(folder) / "facts.json"
        print("Building the data (not timed against the target):", flush=True)
        subprocess.run(
            [sys.executable, __file__, "--build", str(facts_file), "--households", str(args.households),
             "--cases", str(args.cases), "--users", str(args.users), "--seed", str(args.seed)],
            env=env, check=True,
        )  # fmt: skip
        facts = json.loads(facts_file.read_text())
        print(f"  {facts['signals']:,} signals of which {facts['open_signals']:,} open; {facts['cases']:,} cases "
              f"({facts['open_case_count']:,} open); trays: "
              + ", ".join(f"{t['name']} {t['open']:,}" for t in facts["trays"]), flush=True)  # fmt: skip
        if facts["open_signals"] < 50_000 or facts["cases"] < 10_000:
            print(
                "  (fewer than 50,000 open signals or 10,000 cases: raise --households / --cases)"
            )
        port = free_port()
        log = open(Path(folder) / "gunicorn.log", "w")  # noqa: SIM115 - closed below
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "vroegsignaal.conf.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.workers), "--threads", str(args.threads), "--timeout", "120"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(port, server)
        print(f"\ngunicorn ({args.workers} workers x {args.threads} threads) on 127.0.0.1:{port}, production settings; "
              f"{args.users} coordinators for {args.duration} s, thinking {args.think.replace(',', '-')} s per page",
              flush=True)  # fmt: skip
        facts["load_started"] = dt.datetime.now(dt.UTC).isoformat()
        before = os.getloadavg()[0]

        def server_cpu() -> tuple[float, float]:
            app = cpu_seconds(lambda pid, ppid, command: ppid == server.pid)
            database = cpu_seconds(lambda pid, ppid, command: f" {name} " in command)
            return app, database

        results = load(port, facts, args, server_cpu)
        print(f"\n  machine load average (1 min): {before:.1f} before, {os.getloadavg()[0]:.1f} after the run "
              f"({os.cpu_count()} CPUs; other work on the machine counts in every figure)")  # fmt: skip
        ok = report(results, facts, verify_counts(env, facts))
        print(
            f"\nTarget p95 <= {P95_BUDGET_MS:.0f} ms per page and no errors: {'MET' if ok else 'MISSED'}"
        )
        if not ok:
            print(
                "\nThe end of gunicorn's log:\n"
                + (Path(folder) / "gunicorn.log").read_text()[-4000:]
            )
        return 0 if ok else 1
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(folder, ignore_errors=True)
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=460_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=120)
    parser.add_argument("--think", default="1,3")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--build", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.build, args.households, args.cases, args.users, args.seed)
        return 0
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        if os.environ.get("VROEGSIGNAAL_PORTAL_BENCH_PG"):
            print(
                "scripts/with-postgres.sh did not give a PostgreSQL DATABASE_URL", file=sys.stderr
            )
            return 2
        print(
            "DATABASE_URL does not point to PostgreSQL: starting a throw-away cluster (scripts/with-postgres.sh)."
        )
        env = dict(os.environ, VROEGSIGNAAL_PORTAL_BENCH_PG="1")
        command = [
            str(ROOT / "scripts" / "with-postgres.sh"),
            sys.executable,
            __file__,
            *sys.argv[1:],
        ]
        return subprocess.run(command, env=env, check=False).returncode
    print(
        f"Portal load benchmark: {os.cpu_count()} CPUs; target p95 <= {P95_BUDGET_MS:.0f} ms, no errors.",
        flush=True,
    )
    return with_database(url, args)


if __name__ == "__main__":
    sys.exit(main())

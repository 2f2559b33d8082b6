"""WCAG 2.1 AA with axe-core on every page of the portal, for every role that can open it, in Dutch and English.

The world is the demo's (``vroegsignaal setup_demo``), small: one municipality, two months of
deliveries through the real intake, signals in trays, cases in every status and a log-in of every
role. Each role signs in, opens each page in ``PAGES`` — in the states that have markup of their
own: a form refused with its errors, the upload's preview, a new API key, an inzageverzoek with a
result — then switches to English with the portal's language switch and opens them all again.
axe must find nothing.

A page cannot escape: ``test_every_page_is_visited_by_a_role`` walks the URL conf and fails on a
named URL that answers GET but is neither in ``PAGES`` nor in ``NOT_PAGES`` (each with its reason),
and the walk fails on a template of the project that no page rendered (``NOT_PAGE_TEMPLATES``).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from django.test.signals import template_rendered
from django.urls import get_resolver, resolve, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

import vroegsignaal
from conftest import login_verified
from tests.browser.axe import violations
from tests.factories import CreditorFactory, MunicipalityFactory, TeamFactory, UserFactory
from tests.test_tenant_isolation import iter_patterns
from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.scoping import TooManyRefusals

LANGUAGES = ("nl", "en")
# The demo world, small: enough for trays, a map, the monitor and a case in every status.
WORLD = {"households": 800, "municipalities": 1, "months": 2, "seed": 1, "noise": "realistic"}
PHONE = {"width": 390, "height": 844}


@dataclass
class World:
    """The objects the pages are opened with."""

    dir: Path
    users: dict[str, object] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)
    cases: dict[str, object] = field(default_factory=dict)  # one per status

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


Steps = Callable[[object, World], None]


@dataclass(frozen=True)
class Page:
    """A page as a role opens it: a URL name (or a path), and what the user does there before axe looks."""

    url: str
    kwargs: Callable[[World], dict] = lambda w: {}
    query: str = ""
    state: str = ""  # which state of the page, for the report
    steps: Steps | None = None
    status: int = 200  # of the page axe looks at (after the steps, if any)
    wait_for: str = ""  # a selector the page shows once its scripts are done
    breaks: tuple[str, Exception] | None = (
        None  # an error page: what fails while the page is opened
    )
    ends_on: str = ""  # the URL name the steps lead to, if another page than ``url``
    also: Callable[[object], list[str]] | None = (
        None  # what else to check that axe cannot (problems found)
    )
    lang: str = ""  # the page's own language, whatever the user's (a document for a citizen)

    @property
    def label(self) -> str:
        return f"{self.url}{self.query}{f' [{self.state}]' if self.state else ''}"

    def path(self, world: World) -> str:
        base = (
            self.url if self.url.startswith("/") else reverse(self.url, kwargs=self.kwargs(world))
        )
        return f"{base}{self.query}"


def submit(selector: str) -> Steps:
    """Press the submit button ``selector`` and wait for the answer. The browser's own checks of
    required fields are off, as in a browser without them: the page's answer is what axe looks at."""

    def steps(page, world):
        button = page.locator(selector).first
        button.evaluate("button => { button.form.noValidate = true; }")
        with page.expect_navigation():
            button.click()

    return steps


def fill_and_submit(
    values: dict[str, str], button: str, files: dict[str, str] | None = None
) -> Steps:
    def steps(page, world):
        for selector, value in values.items():
            target = page.locator(selector)
            if target.evaluate("e => e.tagName") == "SELECT":
                target.select_option(value)
            else:
                target.fill(value(world) if callable(value) else value)
        for selector, path in (files or {}).items():
            page.locator(selector).set_input_files(str(path(world)))
        submit(button)(page, world)

    return steps


def then(*steps: Steps) -> Steps:
    """One step after the other."""

    def all_steps(page, world):
        for step in steps:
            step(page, world)

    return all_steps


def log_in_with(username: str, password: str) -> Steps:
    return fill_and_submit(
        {"#id_auth-username": username, "#id_auth-password": password},
        "main form button.utrecht-button--primary-action",
    )


def until_locked_out(page, world):
    """Wrong passwords until the account is locked (as many as axes allows)."""
    for _attempt in range(django_settings.AXES_FAILURE_LIMIT):
        log_in_with("geblokkeerd", "onjuist")(page, world)
        if _status_of(page) == 429:
            return


def without_csrf_cookie(page, world):
    """A form sent after its security code expired: the CSRF failure page."""
    page.context.clear_cookies(name=django_settings.CSRF_COOKIE_NAME)
    log_in_with("hulpverlener", "onjuist")(page, world)


def admin_action(action: str, pk: Callable[[World], int]) -> Steps:
    """Tick one row of an admin list and ask for ``action``: the page that asks to confirm it."""

    def steps(page, world):
        page.locator(f"input[name=_selected_action][value='{pk(world)}']").check()
        page.locator("select[name=action]").select_option(action)
        with page.expect_navigation():
            page.locator("button[name=index]").click()

    return steps


def case(status: str, state: str = "", **extra) -> Page:
    """The case page of the world's case in ``status``."""
    return Page(
        "cases:detail", lambda w: {"case_id": w.cases[status].pk}, state=state or status, **extra
    )


def in_dutch(*selectors: str) -> Callable[[object], list[str]]:
    """WCAG 3.1.2 (language of parts), which axe does not check: these fields hold Dutch text."""

    def check(page) -> list[str]:
        langs = {
            s: page.evaluate("s => document.querySelector(s).closest('[lang]').lang", s)
            for s in selectors
        }
        return [
            f"{s} holds Dutch but is marked {lang!r}" for s, lang in langs.items() if lang != "nl"
        ]

    return check


TRAY = Page("reporting:tray", lambda w: {"tray_id": w.tray.pk})
HOUSEHOLD = Page(
    "reporting:household",
    lambda w: {"household_id": w.household.pk},
    query="?doel=signaalbehandeling",
)
HELD_DELIVERY = Page(
    "intake:detail", lambda w: {"delivery_id": w.held.pk}, state="wacht op bevestiging"
)
SUBJECT_FOUND = Page(
    "privacy:subject_access", state="met resultaat",
    steps=fill_and_submit(
        {"#id_achternaam": lambda w: w.person.surname, "#id_geboortedatum": lambda w: w.person.birth_date.isoformat()},
        "main form.subject-search button[type=submit]",
    ),
)  # fmt: skip

SEARCH_FOUND = Page(
    "reporting:search",
    state="met resultaat",
    steps=fill_and_submit(
        {"#id_adres-postcode": lambda w: w.household.address.postcode,
         "#id_adres-huisnummer": lambda w: str(w.household.address.huisnummer)},
        "main form.search-form button[type=submit]",
    ),
    also=lambda page: [] if page.locator("table.search-results tbody tr").count() else ["no result"],
)  # fmt: skip


NEXT = "main form button.utrecht-button--primary-action"


def ask_to_move(page, world):
    """Press Omhoog or Omlaag of a tray whose move would put open signals in another tray: the
    page that asks first, with the counts."""
    tray, direction = world.tray_move
    action = reverse("signals:tray_move", args=[tray.pk])
    submit(f"main form[action='{action}']:has(input[name=richting][value={direction}]) button")(
        page, world
    )


def stale_confirmation(page, world):
    """The confirmation sent after the trays changed (here: its fingerprint made stale)."""
    page.locator("main input[name=bevestigd]").evaluate("input => { input.value = 'verouderd'; }")


# The pages every signed-in role has: its start page, its account security and the page not found.
ACCOUNT = [
    Page("portal:home"),
    Page("two_factor:profile"),
    Page("two_factor:backup_tokens"),
    Page("two_factor:setup_complete"),
    Page("portal:password_change"),
    Page("/bestaat-niet/", state="404", status=404),
]
# Their states after a form is sent differ between the roles only in the menu: checked once.
ACCOUNT_FORMS = [
    Page("two_factor:backup_tokens", state="reservecodes aangemaakt", steps=submit(NEXT)),
    Page(
        "portal:password_change", state="met fouten", steps=submit("main form button[type=submit]")
    ),
]

PAGES: dict[str, list[Page]] = {
    # Signed out: the log-in in its steps and the pages a visitor can get.
    "anoniem": [
        Page("two_factor:login"),
        Page("two_factor:login", query="?verlopen=1", state="sessie verlopen"),
        Page(
            "two_factor:login",
            state="onjuist wachtwoord",
            steps=log_in_with("beheerder", "onjuist"),
        ),
        Page(
            "two_factor:login",
            state="verificatiecode",
            steps=log_in_with("coordinator", "demo-wachtwoord-2026"),
        ),
        Page(
            "two_factor:login",
            state="reservecode",
            steps=then(
                log_in_with("privacy", "demo-wachtwoord-2026"),
                submit("button[name=wizard_goto_step][value=backup]"),
            ),
        ),
        Page("two_factor:login", state="geblokkeerd", steps=until_locked_out, status=429),
        Page(
            "two_factor:login",
            state="403 formulier verlopen",
            steps=without_csrf_cookie,
            status=403,
        ),
        Page("/account/bestaat-niet/", state="404", status=404),
    ],
    # Signed in with a password, no authenticator app yet: the set-up wizard.
    "nieuw": [
        Page("two_factor:setup"),
        Page("two_factor:setup", state="QR-code", steps=submit(NEXT)),
        Page(
            "two_factor:setup",
            state="onjuiste code",
            steps=then(submit(NEXT), fill_and_submit({"#id_generator-token": "000000"}, NEXT)),
        ),
    ],
    "coordinator": [
        *ACCOUNT,
        *ACCOUNT_FORMS,
        Page("reporting:trays"),
        TRAY,
        Page(
            "reporting:tray",
            lambda w: {"tray_id": w.tray.pk},
            query="?bedrag_van=100&sorteer=-bedrag",
            state="gefilterd",
        ),
        HOUSEHOLD,
        Page(
            "reporting:household", lambda w: {"household_id": w.household.pk}, state="doel kiezen"
        ),
        Page("reporting:search"),
        SEARCH_FOUND,
        Page(
            "reporting:search",
            state="met fouten",
            status=400,
            steps=fill_and_submit(
                {"#id_zaak-zaaknummer": "abc"}, "main form.search-form--zaak button[type=submit]"
            ),
        ),  # fmt: skip
        Page("reporting:map", wait_for="#vs-map path.leaflet-interactive"),
        Page("reporting:dashboard"),
        Page("reporting:monitor"),
        Page("signals:rules"),
        Page(
            "signals:rules",
            state="met fouten",
            steps=fill_and_submit(
                {"#id_max_age_days": ""}, "main form.rules-form button[type=submit]"
            ),
        ),
        Page("signals:trays_manage"),
        Page("signals:tray_add"),
        Page(
            "signals:tray_add",
            state="met fouten",
            steps=submit("main form.trays-form button[type=submit]"),
        ),
        Page("signals:tray_edit", lambda w: {"tray_id": w.tray.pk}),
        Page("signals:tray_delete", lambda w: {"tray_id": w.tray.pk}),
        Page(
            "signals:tray_delete",
            lambda w: {"tray_id": w.crisis_tray.pk},
            state="werkbakje met crisissignalen",
        ),
        Page(
            "signals:trays_manage",
            state="verplaatsen bevestigen",
            steps=ask_to_move,
            ends_on="signals:tray_move",
        ),
        Page(
            "signals:trays_manage",
            state="verplaatsen opnieuw bevestigen",
            steps=then(ask_to_move, stale_confirmation, submit(NEXT)),
            ends_on="signals:tray_move",
        ),
        Page("cases:list"),
        Page("cases:list", query="?toon=alle&sorteer=termijn", state="alle zaken"),
        *(
            case(status)
            for status in (
                "opgepakt",
                "contact_gezocht",
                "in_contact",
                "hulp_aanvaard",
                "afgesloten",
            )
        ),
        case(
            "opgepakt",
            state="contactpoging met fouten",
            steps=submit("#poging button[type=submit]"),
        ),
        Page(
            "cases:letter_template", also=in_dutch("#id_subject", "#id_body")
        ),  # the letter to a resident
        Page(
            "cases:letter_template",
            state="met fouten",
            steps=fill_and_submit({"#id_subject": ""}, "main form.case-form button[type=submit]"),
        ),
        Page("intake:list", state="403", status=403),
        Page(
            "portal:home",
            state="400",
            status=400,
            breaks=("vroegsignaal.portal.services.home_for", SuspiciousOperation("test")),
        ),
        # Without a request: the page is the same for every role.
        Page(
            "portal:home",
            state="500",
            status=500,
            breaks=("vroegsignaal.portal.services.home_for", RuntimeError("test")),
        ),
        # Past the limit of refused look-ups (organisations/scoping.py, portal/middleware.py).
        Page(
            "portal:home",
            state="429",
            status=429,
            breaks=("vroegsignaal.portal.services.home_for", TooManyRefusals(600)),
        ),
        # The database held by a large delivery (portal/busy.py); without a request too.
        Page(
            "portal:home",
            state="503",
            status=503,
            breaks=(
                "vroegsignaal.portal.services.home_for",
                sqlite3.OperationalError("database is locked"),
            ),
        ),
    ],
    "hulpverlener": [
        *ACCOUNT,
        Page("cases:list"),
        *(
            case(status)
            for status in (
                "opgepakt",
                "contact_gezocht",
                "in_contact",
                "hulp_aanvaard",
                "afgesloten",
            )
        ),
        case(
            "in_contact", state="notitie met fouten", steps=submit("#notitie button[type=submit]")
        ),
        Page(
            "cases:detail",
            lambda w: {"case_id": w.unassigned.pk},
            state="zonder hulpverlener: aan mij toewijzen",
        ),
        Page(
            "reporting:household",
            lambda w: {"household_id": w.cases["in_contact"].household_id},
            query="?doel=hulpverlening",
        ),
        Page("reporting:search"),
        Page("reporting:trays", state="403", status=403),
    ],
    "schuldeiser": [
        *ACCOUNT,
        Page("intake:list"),
        Page("intake:upload"),
        Page("intake:upload", state="met fouten", steps=submit("main form button[type=submit]")),
        Page(
            "intake:upload",
            state="voorbeeld",
            ends_on="intake:preview",
            steps=fill_and_submit(
                {"#id_peildatum": lambda w: timezone.localdate().isoformat()},
                "main form button[type=submit]",
                files={"#id_file": lambda w: w.upload},
            ),
        ),  # fmt: skip
        Page(
            "intake:upload",
            state="voorbeeld: ander bestand kiezen",
            ends_on="intake:preview",
            steps=fill_and_submit(
                {"#id_peildatum": lambda w: timezone.localdate().isoformat()},
                "main form button[type=submit]",
                files={"#id_file": lambda w: w.header_only_upload},
            ),
            also=lambda page: (
                [] if page.locator("button[value=ander_bestand]").count() else ["no other file"]
            ),
        ),  # fmt: skip
        Page("intake:column_mapping"),
        Page(
            "intake:column_mapping",
            state="opgeslagen",
            steps=submit("main form button[type=submit]"),
        ),
        Page("intake:api_keys"),
        Page(
            "intake:api_keys",
            state="nieuwe sleutel",
            steps=fill_and_submit({"#id_name": "Incassosysteem"}, "main form button[type=submit]"),
        ),
        Page("intake:revoke_api_key", lambda w: {"api_key_id": w.api_key.pk}),
        Page("intake:detail", lambda w: {"delivery_id": w.report.pk}, state="verslag"),
        HELD_DELIVERY,
        Page("intake:detail", lambda w: {"delivery_id": w.refused.pk}, state="afgewezen"),
        Page("intake:detail", lambda w: {"delivery_id": w.stalled.pk}, state="stilgevallen"),
        Page("intake:detail", lambda w: {"delivery_id": w.confirmed.pk}, state="bevestigd"),
        Page("feedback:list"),
        Page("feedback:list", query="?van=gisteren", state="met fouten"),
        Page("cases:list", state="403", status=403),
    ],
    "privacy": [
        *ACCOUNT,
        Page("privacy:audit_log"),
        Page("privacy:audit_log", query="?gebruiker=coordinator&handeling=view", state="gezocht"),
        Page("privacy:verification"),
        Page("privacy:retention_runs"),
        Page("privacy:subject_access"),
        SUBJECT_FOUND,
        Page(
            "privacy:subject_access",
            state="overzicht voor de aanvrager",
            steps=then(
                SUBJECT_FOUND.steps,
                # The button opens the document in a new tab; here in the same one.
                lambda page, world: page.locator("button[value=document]").first.evaluate(
                    "button => button.removeAttribute('formtarget')"
                ),
                submit("button[value=document]"),
            ),
            ends_on="privacy:subject_access_download",
            lang="nl",  # the requester's language, as the JSON download
        ),
        Page(
            "privacy:subject_access",
            state="met fouten",
            status=400,
            steps=fill_and_submit(
                {"#id_bsn": "123"}, "main form.subject-search button[type=submit]"
            ),
        ),  # fmt: skip
        Page("reporting:monitor"),
        Page("reporting:trays", state="403", status=403),
    ],
    # The Django admin: each kind of page it makes (start, list, add, change, an action's confirmation).
    "beheerder": [
        *ACCOUNT,
        Page("reporting:trays", state="403", status=403),
        Page("admin:index"),
        Page("admin:organisations_user_changelist"),
        Page("admin:organisations_user_add"),
        Page("admin:organisations_user_change", lambda w: {"object_id": w.users["coordinator"].pk}),
        Page("admin:privacy_retentionpolicy_changelist"),
        Page("admin:intake_delivery_change", lambda w: {"object_id": w.held.pk}),
        Page(
            "admin:intake_apikey_changelist",
            state="intrekken bevestigen",
            steps=admin_action("revoke_keys", lambda w: w.api_key.pk),
        ),
        Page(
            "admin:intake_delivery_changelist",
            state="opnieuw verwerken bevestigen",
            steps=admin_action("reprocess_stalled", lambda w: w.stalled.pk),
        ),  # fmt: skip
    ],
}

# The pages checked at a phone's width too: the case page, a tray and a household (the pages used
# on the road), the pages whose tables are widest, and the monitor (the longest heading).
ON_A_PHONE: dict[str, list[Page]] = {
    "coordinator": [
        TRAY,
        HOUSEHOLD,
        case("opgepakt"),
        Page("signals:rules"),
        Page("reporting:monitor"),
        SEARCH_FOUND,
    ],
    "schuldeiser": [HELD_DELIVERY],
    "privacy": [Page("privacy:retention_runs"), SUBJECT_FOUND],
}

# Named URLs that answer GET but are no page of their own, each with the reason. A POST-only URL
# (405 on GET) needs no entry. The Django admin's pages (namespace ``admin``, over a hundred) are
# made from a few templates of Django's, one page of each kind in the beheerder's list.
NOT_PAGES = {
    # JSON and API endpoints: no HTML.
    "health": "health check (JSON)",
    "api-schema": "OpenAPI schema (YAML)",
    "intake_api:delivery-list": "API",
    "intake_api:delivery-detail": "API",
    "intake_api:delivery-rejected-rows": "API",
    "intake_api:delivery-confirm": "API",
    "feedback_api:feedback-list": "API",
    "reporting:map_geojson": "the map's areas (GeoJSON), drawn on reporting:map",
    "intake:status": "htmx fragment of intake:detail, checked there",
    "portal:session": "the idle time-out's seconds left (JSON), asked by session.js on every page",
    # Downloads: files, not pages.
    "reporting:tray_export": "download (CSV/XLSX)",
    "reporting:signals_export": "download (CSV/XLSX)",
    "reporting:monitor_csv": "download (CSV)",
    "reporting:monitor_xlsx": "download (XLSX)",
    "reporting:ddas_export": "download (JSON)",
    "intake:rejected_rows": "download (CSV)",
    "feedback:csv": "download (CSV)",
    "privacy:audit_export": "download (CSV)",
    "two_factor:qr": "the set-up's QR code (SVG image), shown on two_factor:setup",
    # Redirects.
    "favicon": "redirect to the icon",
    "set_language": "the language switch's form target: redirects back",
}

# The project's templates that no page shows, with the reason. Every other template (a page, a
# partial, a page's state) must be rendered while the roles walk their pages: a new one is checked.
NOT_PAGE_TEMPLATES = {
    "cases/letter.html": "the letter with the offer of help, made into a PDF: a download",
}


def project_templates() -> set[str]:
    apps = Path(vroegsignaal.__file__).parent
    return {str(f.relative_to(d)) for d in apps.glob("*/templates") for f in d.rglob("*.html")}


# -- the world ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory):
    from vroegsignaal.demo.services import generate_world

    out = tmp_path_factory.mktemp("demo-wereld")
    generate_world(out, **WORLD)
    return out


@pytest.fixture
def world(demo_files, settings, tmp_path) -> World:
    settings.DATA_DIR = tmp_path / "data"
    return build_world(demo_files)


def build_world(files: Path) -> World:
    from vroegsignaal.cases.models import Case
    from vroegsignaal.demo import setup
    from vroegsignaal.households.models import Person
    from vroegsignaal.intake import services as intake
    from vroegsignaal.intake.models import Delivery, DeliveryStatus, Via
    from vroegsignaal.organisations.models import User
    from vroegsignaal.privacy import officer, retention
    from vroegsignaal.signals.models import Signal, Tray
    from vroegsignaal.signals.tray_management import create_tray, preview_tray_move

    setup.set_up_demo(files)
    retention.purge()  # a retention run for its page (and what it clears is not opened below)
    world = World(files)
    world.users = {
        login.username: User.objects.get(username=login.username) for login in setup.DEMO_LOGINS
    }
    world.users["nieuw"] = UserFactory(
        username="nieuw", role=Role.COORDINATOR, municipality=world.users["coordinator"].municipality,
        must_change_password=True,
    )  # fmt: skip
    UserFactory(
        username="geblokkeerd",
        role=Role.COORDINATOR,
        municipality=world.users["coordinator"].municipality,
    )
    world.cases = {case.status: case for case in Case.objects.order_by("-pk")}
    assert set(world.cases) == {
        "opgepakt",
        "contact_gezocht",
        "in_contact",
        "hulp_aanvaard",
        "afgesloten",
    }
    team_cases = Case.objects.filter(team=world.users["hulpverlener"].team).exclude(
        status="afgesloten"
    )
    world.objects["unassigned"] = team_cases.filter(worker=None).order_by("pk").first()
    open_signal = (
        Signal.objects.filter(status="nieuw", tray__isnull=False)
        .order_by("-priority", "pk")
        .first()
    )
    world.objects["tray"] = Tray.objects.get(pk=open_signal.tray_id)
    # A tray that takes crisis signals and holds one: its delete page says where they would go.
    # The demo's small world has none: the first tray (Crisis) gets a picked-up signal, made one.
    crisis_tray = (
        Tray.objects.filter(municipality=open_signal.municipality_id, crisis=True)
        .order_by("position")
        .first()
    )
    assert crisis_tray is not None, "the demo's municipality has no Crisis tray"
    Signal.objects.filter(
        pk=Signal.objects.filter(municipality=open_signal.municipality_id, status="opgepakt")
        .order_by("pk")
        .values("pk")[:1]
    ).update(crisis=True, tray=crisis_tray)
    world.objects["crisis_tray"] = crisis_tray
    # A move that would put open signals in another tray: its page asks first (nothing moves).
    # The demo's trays each take their own signals: a tray without conditions at the bottom
    # takes those of the tray above it when it moves up.
    create_tray(
        crisis_tray.municipality, {"name": "Overige signalen"}, actor=world.users["coordinator"]
    )
    trays = Tray.objects.filter(municipality=crisis_tray.municipality_id).order_by("position")
    world.objects["tray_move"] = next(
        (tray, direction)
        for tray in trays
        for offset, direction in ((-1, "omhoog"), (1, "omlaag"))
        if preview_tray_move(tray, offset).moved
    )
    world.objects["household"] = open_signal.household
    world.objects["person"] = Person.objects.filter(
        household=world.cases["in_contact"].household
    ).first()

    creditor_user = world.users["schuldeiser"]
    creditor = creditor_user.creditor
    stands = sorted((files / "leveringen" / creditor.code).iterdir())
    world.objects["upload"] = stands[-1]
    header_only = files / "alleen-kopregel.csv"  # refused in the preview: no mapping helps
    header_only.write_text(
        "klantnummer;voorletters;achternaam;geboortedatum;postcode;huisnummer;"
        "bedrag_achterstand;ontstaansdatum\n"
    )
    world.objects["header_only_upload"] = header_only
    world.objects["report"] = (
        Delivery.objects.filter(creditor=creditor, status=DeliveryStatus.VERWERKT)
        .order_by("-rows_rejected", "pk")
        .first()
    )
    # An older stand after a newer one: held by the safety check until the creditor confirms it.
    between = dt.date.fromisoformat(stands[0].stem) + dt.timedelta(days=14)
    world.objects["held"] = intake.receive_delivery(
        creditor,
        stands[0],
        filename=stands[0].name,
        reference_date=between,
        via=Via.UPLOAD,
        user=creditor_user,
    )
    assert world.held.status == DeliveryStatus.WACHT_OP_BEVESTIGING
    # Another older stand, held and then confirmed: applied late, it changes nothing of the
    # later stands; its page keeps the record of the hold and the confirmation.
    confirmed = intake.receive_delivery(
        creditor,
        stands[0],
        filename=stands[0].name,
        reference_date=dt.date.fromisoformat(stands[0].stem) + dt.timedelta(days=21),
        via=Via.UPLOAD,
        user=creditor_user,
    )
    world.objects["confirmed"] = intake.confirm_delivery(confirmed, creditor_user)
    assert world.confirmed.status == DeliveryStatus.VERWERKT and world.confirmed.confirmed_at
    # The latest stand again: refused as a duplicate.
    world.objects["refused"] = intake.receive_delivery(
        creditor, stands[-1], filename=stands[-1].name, reference_date=dt.date.fromisoformat(stands[-1].stem),
        via=Via.UPLOAD, user=creditor_user,
    )  # fmt: skip
    assert world.refused.status == DeliveryStatus.AFGEWEZEN
    world.objects["api_key"], _ = intake.create_api_key(
        creditor, "Incassosysteem productie", creditor_user
    )
    # A delivery whose worker died halfway: no sign of life for 40 minutes.
    with mock.patch.object(intake, "_enqueue"):
        stalled = intake.receive_delivery(
            creditor, stands[-1], filename="stand.xlsx", reference_date=timezone.localdate(), via=Via.UPLOAD,
            user=creditor_user, background=True,
        )  # fmt: skip
    Delivery.objects.filter(pk=stalled.pk).update(
        status=DeliveryStatus.IN_BEHANDELING,
        progress=45,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=40),
    )
    world.objects["stalled"] = Delivery.objects.get(pk=stalled.pk)
    assert world.stalled.stalled_since()

    officer.start_verification(world.users["privacy"], "keten")
    # Reserve codes, so that the log-in offers them.
    StaticDevice.objects.create(user=world.users["privacy"], name="backup").token_set.create(
        token="abcd1234"
    )
    return world


# -- signing in and looking --------------------------------------------------------------------


def sign_in(page, base_url: str, world: World, role: str) -> None:
    """Signed out, in Dutch; then signed in as ``role`` (a session made by the test client)."""
    # No page of the previous role stays open: an answer still on its way to it (its favicon)
    # would set that role's session cookie again, after the cookies below.
    page.goto("about:blank")
    page.context.clear_cookies()
    if role == "anoniem":
        return
    user = world.users[role]
    client = Client()
    if role == "nieuw":
        client.force_login(user)  # a password, no second factor yet
    else:
        login_verified(client, user)
    name = django_settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": base_url}])
    if role != "nieuw":  # whose pages these are: the header names the user
        home = page.request.get(f"{base_url}{reverse('portal:home')}")
        assert f"<span>{user.get_username()}" in home.text(), f"not signed in as {role}"


def switch_language(page, base_url: str, language: str) -> None:
    """The portal's own switch, in the footer of every page."""
    if page.evaluate("document.documentElement.lang") == language:
        return
    with page.expect_navigation():
        page.locator(f"form.language-switch button[value={language}]").click()
    assert page.evaluate("document.documentElement.lang") == language


# The element that makes the page wider than the window: hidden, the page fits; the deepest such.
WIDENED_BY = """() => {
  const root = document.documentElement, fits = () => root.scrollWidth <= root.clientWidth;
  let path = [], box = document.body;
  for (;;) {
    const culprit = [...box.children].find((child) => {
      const shown = child.style.display; child.style.display = 'none';
      const found = fits(); child.style.display = shown; return found;
    });
    if (!culprit) return path.join(' > ') || 'no single element';
    path.push(culprit.tagName.toLowerCase() + [...culprit.classList].map((c) => '.' + c).join(''));
    box = culprit;
  }
}"""


def look_at(
    page, base_url: str, world: World, spec: Page, language: str, *, sideways: bool = False
) -> list[str]:
    """Open the page as the user would, and what axe finds on it (or why it could not look);
    ``sideways``: also whether the page is wider than the window (a phone scrolls it sideways)."""
    with mock.patch(spec.breaks[0], side_effect=spec.breaks[1]) if spec.breaks else nullcontext():
        response = page.goto(f"{base_url}{spec.path(world)}")
        if spec.steps:
            spec.steps(page, world)
            response = None
    status = response.status if response is not None else _status_of(page)
    if status != spec.status:
        return [f"answered {status}, not {spec.status} ({page.url})"]
    if spec.ends_on and resolve(urlsplit(page.url).path).view_name != spec.ends_on:
        return [f"ended on {page.url}, not on {spec.ends_on}"]
    if spec.wait_for:
        page.locator(spec.wait_for).first.wait_for()
    lang = page.evaluate("document.documentElement.lang")
    if lang != (spec.lang or language):
        return [f"the page is in {lang!r}, not {spec.lang or language!r}"]
    problems = violations(page) + (spec.also(page) if spec.also else [])
    if sideways:
        wider = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if wider > 0:
            problems.append(
                f"the page is {wider} px wider than the window; it scrolls sideways "
                f"(widened by {page.evaluate(WIDENED_BY)})"
            )
    return problems


def _status_of(page) -> int:
    """The status of the page the browser shows now (after a form was sent)."""
    entries = page.evaluate("performance.getEntriesByType('navigation').map(e => e.responseStatus)")
    return entries[-1] if entries else 0


def look_at_all(
    page, base_url: str, world: World, role: str, pages: list[Page], *, sideways: bool = False
) -> list[str]:
    sign_in(page, base_url, world, role)
    problems = []
    for language in LANGUAGES:
        start = {"anoniem": "two_factor:login", "nieuw": "two_factor:setup"}.get(
            role, "portal:home"
        )
        page.goto(f"{base_url}{reverse(start)}")
        switch_language(page, base_url, language)
        for spec in pages:
            for found in look_at(page, base_url, world, spec, language, sideways=sideways):
                problems.append(f"{role} {language} {spec.label}: {found}")
    return problems


# -- the tests ---------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_page_meets_wcag_aa(axe_page, live_server, world):
    """Every role in turn, on one world (building it is the slow part); all that axe finds is
    reported at once."""
    axe_page.on(
        "dialog", lambda dialog: dialog.accept()
    )  # the portal's "are you sure?" before a form is sent
    rendered: set[str] = set()

    def record(sender, template, **kwargs):
        rendered.add(template.name)

    template_rendered.connect(record)
    try:
        problems = []
        for role, pages in PAGES.items():
            problems += look_at_all(axe_page, live_server.url, world, role, pages)
    finally:
        template_rendered.disconnect(record)
    problems += [
        f"{name}: no page in PAGES shows this template; add the page (or its state) that does"
        for name in sorted(project_templates() - rendered - set(NOT_PAGE_TEMPLATES))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_on_a_phone_meet_wcag_aa(axe_page, live_server, world):
    """At 390 px a wide table scrolls within its box, which the keyboard must reach, and
    nothing makes the page itself scroll sideways."""
    axe_page.set_viewport_size(PHONE)
    axe_page.on("dialog", lambda dialog: dialog.accept())
    problems = []
    for role, pages in ON_A_PHONE.items():
        problems += look_at_all(axe_page, live_server.url, world, role, pages, sideways=True)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_every_page_is_visited_by_a_role(client):
    """A named URL that answers GET is in PAGES or, with its reason, in NOT_PAGES."""
    visited = {
        name
        for pages in PAGES.values()
        for page in pages
        for name in (page.url, page.ends_on)
        if name
    }
    named = {}
    for route, pattern, namespace in iter_patterns(get_resolver()):
        if pattern.name is None or namespace == "admin":
            continue  # the Django admin: a page of each kind is in the beheerder's list
        named[f"{namespace}:{pattern.name}" if namespace else pattern.name] = pattern
    assert not set(NOT_PAGES) - set(named), "NOT_PAGES names URLs that are gone"
    assert not set(NOT_PAGES) & visited, "a URL is both visited and excluded"
    assert not {u for u in visited if not u.startswith(("/", "admin:"))} - set(named)

    municipality = MunicipalityFactory()
    team = TeamFactory(municipality=municipality)
    users = [
        UserFactory(role=Role.COORDINATOR, municipality=municipality),
        UserFactory(role=Role.HULPVERLENER, municipality=municipality, team=team),
        UserFactory(role=Role.SCHULDEISER, municipality=None, creditor=CreditorFactory()),
        UserFactory(role=Role.PRIVACY_OFFICER, municipality=municipality),
        UserFactory(role=Role.BEHEERDER, municipality=None),
    ]
    unvisited = []
    for name, pattern in sorted(named.items()):
        if name in visited or name in NOT_PAGES:
            continue
        url = reverse(name, kwargs=dict.fromkeys(pattern.pattern.regex.groupindex, 1))
        answers = set()
        for user in users:
            login_verified(client, user)
            answers.add(client.get(url).status_code)
        if 405 not in answers:  # the method is refused (for the role allowed past the role check)
            unvisited.append(f"{name} ({url}) answers GET with {sorted(answers)}")
    assert not unvisited, (
        "Pages no role opens in this test; add them to PAGES (with the objects they need), "
        "or, if they are no page, to NOT_PAGES with the reason:\n" + "\n".join(unvisited)
    )

"""Demo set-up for ``make run``: a generated world, its register and configuration,
and log-ins with known TOTP secrets.

Only in demo mode. The passwords and secrets are public on purpose: the demo
holds synthetic data only and says so on every page.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from vroegsignaal.organisations import services as organisation_services
from vroegsignaal.organisations.models import Role, User

DEMO_PASSWORD = "demo-wachtwoord-2026"
# The demo world: one municipality of about 20,000 households, a year of deliveries.
DEMO_WORLD = {
    "households": 20_000,
    "municipalities": 1,
    "months": 12,
    "seed": 1,
    "noise": "realistic",
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organisation: str | None


DEMO_LOGINS = [
    DemoLogin("coordinator", Role.COORDINATOR, "0999"),
    DemoLogin("hulpverlener", Role.HULPVERLENER, "T0999-NOORD"),
    DemoLogin("schuldeiser", Role.SCHULDEISER, "WOONBRUG"),
    DemoLogin("privacy", Role.PRIVACY_OFFICER, "0999"),
    DemoLogin("beheerder", Role.BEHEERDER, None),
]


class NotInDemoMode(RuntimeError):
    pass


def _require_demo() -> None:
    if not settings.DEMO_MODE:
        raise NotInDemoMode("Alleen beschikbaar met VROEGSIGNAAL_MODE=demo.")


def totp_key(username: str) -> str:
    """A fixed 20-byte TOTP key per demo user (hex, as django-otp stores it)."""
    return hashlib.sha256(f"vroegsignaal-demo-totp:{username}".encode()).hexdigest()[:40]


def totp_secret_base32(username: str) -> str:
    return base64.b32encode(bytes.fromhex(totp_key(username))).decode()


def is_set_up() -> bool:
    return User.objects.filter(username__in=[d.username for d in DEMO_LOGINS]).count() == len(
        DEMO_LOGINS
    )


# What set_up_demo reads of a world.
WORLD_FILES = ("config.yaml", "buurten.geojson", "adressen.csv", "ground_truth/deliveries.json")


def world_dir() -> Path:
    return Path(settings.DATA_DIR) / "demo-world"


def build_world(out: Path | None = None, **overrides) -> Path:
    """Generate the demo world (once; an existing one is reused)."""
    from vroegsignaal.demo.services import generate_world

    out = out or world_dir()
    if not (out / "config.yaml").exists():
        generate_world(out, **{**DEMO_WORLD, **overrides})
    return out


def set_up_demo(world: Path | None = None, **overrides) -> list[str]:
    """Build the demo world and load its configuration, register and log-ins, once.

    Returns what it did, in Dutch, for the operator.
    """
    from vroegsignaal.demo.services import WorldError
    from vroegsignaal.registry import services as registry_services

    _require_demo()
    if is_set_up():
        return ["Demo is al ingericht; niets gewijzigd."]
    world = build_world(world, **overrides)
    missing = [name for name in WORLD_FILES if not (world / name).is_file()]
    if missing:
        raise WorldError(
            f"{world} is geen volledige gegenereerde wereld ({', '.join(missing)} ontbreekt); er is niets geladen. "
            "Geef een map van 'vroegsignaal generate_world', of laat --world weg."
        )
    done = [f"Demowereld in {world}."]
    with transaction.atomic():  # configuration and register: all of it, or (refused) none
        result = organisation_services.load_config(
            organisation_services.read_config(world / "config.yaml")
        )
        buurten = registry_services.import_neighbourhoods(world / "buurten.geojson")
        addresses = registry_services.import_addresses(world / "adressen.csv")
    done.append(f"Configuratie geladen — {result.summary()}.")
    done.append(
        f"Wijken en buurten geladen: {buurten.wijken} {'wijk' if buurten.wijken == 1 else 'wijken'}, "
        f"{buurten.buurten} {'buurt' if buurten.buurten == 1 else 'buurten'}."
    )
    done.append(f"Adressen geladen: {addresses.rows} adressen.")
    done.append(deliver_world(world))
    done.extend(_create_logins())
    done.extend(create_demo_cases())
    return done


def deliver_world(world: Path) -> str:
    """Deliver every file of the world through the intake, in the generator's order.

    A stand held by the safety check is confirmed, as its creditor would; the
    hostile files of a hostile world are refused, as they should be.
    """
    import datetime as dt
    import json

    from vroegsignaal.intake import services as intake_services
    from vroegsignaal.intake.models import DeliveryStatus, Via
    from vroegsignaal.organisations.models import Creditor

    entries = json.loads((world / "ground_truth" / "deliveries.json").read_text(encoding="utf-8"))[
        "leveringen"
    ]
    creditors = {c.code: c for c in Creditor.objects.all()}
    outcome: dict[str, int] = {}
    for entry in sorted(entries, key=lambda item: item["volgorde"]):
        path = world / entry["bestand"]
        is_json = path.suffix == ".json"
        delivery = intake_services.receive_delivery(
            creditors[entry["schuldeiser"]],
            path,
            filename=path.name,
            kind=None if is_json else entry["soort"],
            reference_date=None if is_json else dt.date.fromisoformat(entry["peildatum"]),
            via=Via.CLI,
        )
        if delivery.status == DeliveryStatus.WACHT_OP_BEVESTIGING:
            delivery = intake_services.confirm_delivery(delivery)
        outcome[delivery.status] = outcome.get(delivery.status, 0) + 1
    summary = ", ".join(f"{count} {status}" for status, count in sorted(outcome.items()))
    return f"Leveringen verwerkt: {summary}."


@transaction.atomic
def _create_logins() -> list[str]:
    done: list[str] = []
    for login in DEMO_LOGINS:
        user = User.objects.filter(username=login.username).first()
        if user is None:
            user, _ = organisation_services.create_user(
                login.username, login.role, login.organisation, password=DEMO_PASSWORD
            )
            done.append(f"Gebruiker {login.username} aangemaakt.")
        TOTPDevice.objects.update_or_create(
            user=user, name="default", defaults={"key": totp_key(login.username), "confirmed": True}
        )
    return done


# The demo's case work: (days before today it was picked up, team of the demo hulpverlener?,
# contact attempts as (days ago, kind, reached, part of day), offer accepted days ago, outcome).
# Crisis signals first: one picked up a week ago and never reached (overdue), one today (due soon).
DEMO_CASES = [
    (7, True, [], None, ""),
    (0, True, [], None, ""),
    (10, True, [(9, "Brief", False, ""), (7, "Telefoon", False, "Ochtend")], None, ""),
    (14, True, [(12, "Huisbezoek", True, "Middag")], None, ""),
    (20, True, [(18, "Telefoon", True, "Ochtend")], 18, ""),
    (30, True, [(27, "Brief", False, ""), (26, "Huisbezoek", True, "Avond")], 26, ""),
    (40, False, [(38, "Telefoon", True, "Middag")], 36, "(Budget)advies en/of quick fix"),
    (5, False, [], None, ""),
    (12, False, [(11, "Kaartje", False, "")], None, ""),
    (16, False, [(15, "Telefoon", True, "Ochtend")], None, ""),
]


def create_demo_cases() -> list[str]:
    """A few picked-up cases with contact attempts, so that a new user sees case work.

    Deterministic: the municipality's two most urgent crisis signals, then its
    other open signals in tray order (priority, then id); the dates count back
    from today, so that the deadlines stand out as they would in real work. The
    demo hulpverlener's team gets six of them, the other teams the rest.
    """
    import datetime as dt

    from django.utils import timezone

    from vroegsignaal.cases import services as case_services
    from vroegsignaal.cases.models import Case
    from vroegsignaal.organisations.models import Team
    from vroegsignaal.signals.models import Signal

    coordinator = User.objects.get(username="coordinator")
    worker = User.objects.get(username="hulpverlener")
    municipality = coordinator.municipality
    if Case.objects.filter(municipality=municipality).exists():
        return []
    others = list(
        Team.objects.filter(municipality=municipality).exclude(pk=worker.team_id).order_by("code")
    )
    new = Signal.objects.filter(municipality=municipality, status="nieuw").order_by(
        "-priority", "id"
    )
    crisis = list(new.filter(crisis=True)[:2])
    rest = list(new.exclude(pk__in=[s.pk for s in crisis])[: len(DEMO_CASES) - len(crisis)])
    signals = crisis + rest if len(crisis) == 2 else rest + crisis
    today = timezone.localdate()
    made = 0
    for i, (signal, (ago, own_team, attempts, accepted_ago, outcome)) in enumerate(
        zip(signals, DEMO_CASES, strict=False)
    ):
        team = worker.team if own_team or not others else others[i % len(others)]
        # Counted back from today, but never before the signal was raised (its peildatum): the
        # signals service refuses such a day, and the world's peildata are fixed dates.
        picked_up_on = max(today - dt.timedelta(days=ago), signal.signal_date)

        def day(days_ago: int, after: dt.date = picked_up_on) -> dt.date:
            return max(today - dt.timedelta(days=days_ago), after)

        case = case_services.pick_up_signal(
            signal,
            coordinator,
            team=team,
            worker=worker if own_team and i % 2 else None,
            on=picked_up_on,
        )
        actor = worker if own_team else coordinator
        accepted = picked_up_on
        for days_ago, kind, reached, part_of_day in attempts:
            case_services.log_contact_attempt(
                case, actor, kind=kind, reached=reached, on=day(days_ago),
                part_of_day=part_of_day,
            )  # fmt: skip
        if accepted_ago is not None:
            accepted = day(accepted_ago)
            case_services.record_offer(
                case, actor, made_on=accepted, answer="aanvaard", answered_on=accepted
            )
        if outcome:
            last = max(day(days_ago) for days_ago, *_ in attempts) if attempts else picked_up_on
            case_services.close_case(case, actor, outcome, on=day(20, after=max(last, accepted)))
        made += 1
    return [f"Zaken aangemaakt: {made} opgepakte signalen met contactpogingen."] if made else []


def login_lines() -> list[str]:
    _require_demo()
    lines = [f"Demo-log-ins (wachtwoord voor allen: {DEMO_PASSWORD}):"]
    for login in DEMO_LOGINS:
        secret = totp_secret_base32(login.username)
        lines.append(
            f"  {login.username:<13} {login.role:<16} TOTP-geheim {secret}"
            f"  (huidige code: VROEGSIGNAAL_MODE=demo .venv/bin/vroegsignaal totp {login.username})"
        )
    return lines


class NoCode(Exception):
    """Why there is no current code for a user: a Dutch sentence for the command."""


def current_code(username: str) -> str:
    """The demo user's current TOTP code, so a demo can be tried without an authenticator app."""
    _require_demo()
    if not User.objects.filter(username=username).exists():
        raise NoCode(
            "Er is geen gebruiker met die naam; 'vroegsignaal demo_logins' noemt de demogebruikers."
        )
    device = TOTPDevice.objects.filter(user__username=username, name="default").first()
    if device is None:
        raise NoCode(
            "Die gebruiker heeft geen authenticator-app (TOTP) ingesteld: er is geen code."
        )
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"

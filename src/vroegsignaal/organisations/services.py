"""The organisations app's public face: configuration and users."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from vroegsignaal.paths import input_problem, reason, shown

from .models import (
    MAX_COLLECTION_PAUSE_DAYS,
    Covenant,
    Creditor,
    CreditorType,
    Municipality,
    Role,
    Team,
    User,
    foreign_neighbourhood_codes,
)


class ConfigError(ValueError):
    """A configuration file that cannot be applied; the message is Dutch and names the place."""


@dataclass
class ConfigResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    # Municipalities (codes) whose rules got a new version: their open signals keep the old
    # rules until evaluated again (``vroegsignaal evaluate``; the portal's change enqueues it).
    rules_changed: list[str] = field(default_factory=list)

    def count(self, kind: str, outcome: str) -> None:
        bucket = getattr(self, outcome)
        bucket[kind] = bucket.get(kind, 0) + 1

    def summary(self) -> str:
        labels = {
            "municipality": "gemeenten",
            "team": "wijkteams",
            "creditor": "schuldeisers",
            "covenant": "convenanten",
            "rules": "regelsets",
        }
        parts = []
        for kind, label in labels.items():
            c, u, n = (
                self.created.get(kind, 0),
                self.updated.get(kind, 0),
                self.unchanged.get(kind, 0),
            )
            if c or u or n:
                parts.append(f"{label}: {c} nieuw, {u} bijgewerkt, {n} ongewijzigd")
        return "; ".join(parts) or "niets te doen"


_MUNICIPALITY_CODE = re.compile(r"^\d{4}$")
_ORG_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


def _require(mapping: dict, key: str, where: str):
    value = mapping.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ConfigError(f"{where}.{key}: verplicht veld ontbreekt.")
    return value


def _date(value, where: str, *, optional: bool = False) -> dt.date | None:
    if value is None and optional:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"{where}: '{value}' is geen datum (JJJJ-MM-DD).")


def _int(value, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(
            f"{where}: verwacht een geheel getal van {low} tot en met {high}, niet {value!r}."
        )
    return value


# Control characters other than tab and line ends: a NUL (which PostgreSQL cannot store) or a stray escape.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _check_fields(obj, names: list[str], where: str) -> None:
    """The values of ``names`` as the model takes them (length, e-mail address, no control
    characters), or a ConfigError naming the first that does not fit."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, str) and _CONTROL.search(value):
            raise ConfigError(
                f"{where}.{name}: bevat een stuurteken (bijvoorbeeld NUL); haal het weg."
            )
    try:
        obj.clean_fields(exclude=[f.name for f in obj._meta.fields if f.name not in names])
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise ConfigError(f"{where}.{name}: {messages[0]}")


def _upsert(model, lookup: dict, values: dict, result: ConfigResult, kind: str, where: str):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        _check_fields(obj, [*lookup, *values], where)
        obj.save()
        result.count(kind, "created")
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        _check_fields(obj, changed, where)
        obj.save(update_fields=changed)
        result.count(kind, "updated")
    else:
        result.count(kind, "unchanged")
    return obj


class _ConfigLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so an impossible date gets our message, not a crash."""


_ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# A configuration of every Dutch municipality, creditor and covenant is well under a megabyte.
CONFIG_MAX_BYTES = 16 * 1024 * 1024


def read_config(path: str | Path) -> dict:
    """Read a YAML configuration file; refuse anything that is not a mapping."""
    path = Path(path)
    # Only a readable regular file (not /dev/zero, read without end), and a small one.
    if problem := input_problem(path, what="het YAML-bestand"):
        raise ConfigError(problem)
    try:
        if path.stat().st_size > CONFIG_MAX_BYTES:
            raise ConfigError(
                f"Het bestand {shown(path)} is groter dan {CONFIG_MAX_BYTES // (1024 * 1024)} MiB; "
                "dat is geen configuratiebestand. Geef het YAML-bestand met municipalities, "
                "creditors en covenants op."
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"Het bestand {shown(path)} is geen UTF-8; sla het op als UTF-8.")
    except OSError as exc:
        raise ConfigError(f"Het bestand {shown(path)} kan niet worden gelezen: {reason(exc)}.")
    try:
        data = yaml.load(text, Loader=_ConfigLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (regel {mark.line + 1})" if mark else ""
        raise ConfigError(f"Het bestand is geen geldige YAML{line}.")
    if data is None:  # an empty file (or only comments): the wrong file, or one cut off
        raise ConfigError(
            f"Het bestand {shown(path)} is leeg; geef het YAML-bestand met municipalities, creditors en covenants op."
        )
    if not isinstance(data, dict):
        raise ConfigError(
            "Het bestand moet een YAML-mapping zijn met municipalities, creditors en covenants."
        )
    unknown = sorted(set(data) - {"municipalities", "creditors", "covenants"})
    if unknown:
        raise ConfigError(f"Onbekende sectie(s): {', '.join(unknown)}.")
    return data


@transaction.atomic
def load_config(data: dict, *, actor=None) -> ConfigResult:
    """Create or update organisations, teams, covenants and rule sets. Idempotent and atomic."""
    from vroegsignaal.signals import services as signal_services
    from vroegsignaal.signals.rules import validate_rule_values

    result = ConfigResult()
    for section in ("municipalities", "creditors", "covenants"):
        if not isinstance(data.get(section) or [], list):
            raise ConfigError(f"{section}: verwacht een lijst.")

    for i, raw in enumerate(data.get("municipalities") or []):
        where = f"municipalities[{i}]"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: verwacht een mapping.")
        code = str(_require(raw, "code", where))
        if not _MUNICIPALITY_CODE.match(code):
            raise ConfigError(
                f"{where}.code: '{code}' is geen gemeentecode van vier cijfers (zet hem tussen aanhalingstekens)."
            )
        name = str(_require(raw, "name", where))
        municipality = _upsert(
            Municipality, {"code": code}, {"name": name}, result, "municipality", where
        )
        given = raw.get("rules")
        if given is not None and not isinstance(given, dict):
            raise ConfigError(f"{where}.rules: verwacht een mapping.")
        try:
            values = validate_rule_values(given, where=f"{where}.rules")
        except ValueError as exc:
            raise ConfigError(str(exc))
        # Only the rules the file names change: a rule left out keeps what a coordinator set in the
        # portal (a new municipality starts from the defaults).
        current = signal_services.current_rules(municipality)
        if current is not None:
            values = replace(
                current.values(), **{name: getattr(values, name) for name in given or {}}
            )
        _, changed = signal_services.set_rules(municipality, values, actor=actor)
        result.count("rules", "unchanged" if not changed else "updated" if current else "created")
        if changed and current is not None:
            result.rules_changed.append(code)
        for j, team in enumerate(raw.get("teams") or []):
            twhere = f"{where}.teams[{j}]"
            if not isinstance(team, dict):
                raise ConfigError(f"{twhere}: verwacht een mapping.")
            tname = str(_require(team, "name", twhere))
            tcode = str(team.get("code") or _team_code(code, tname))
            if not _ORG_CODE.match(tcode):
                raise ConfigError(f"{twhere}.code: '{tcode}' is geen geldige code.")
            codes = team.get("neighbourhoods") or []
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                raise ConfigError(
                    f"{twhere}.neighbourhoods: verwacht een lijst van wijk- of buurtcodes."
                )
            foreign = foreign_neighbourhood_codes(codes, code)
            if foreign:
                raise ConfigError(
                    f"{twhere}.neighbourhoods: {', '.join(foreign)} hoort niet bij gemeente {code}."
                )
            namesake = (
                Team.objects.filter(municipality=municipality, name=tname)
                .exclude(code=tcode)
                .first()
            )
            if namesake is not None:
                raise ConfigError(
                    f"{twhere}: gemeente {code} heeft al een wijkteam '{tname}', met code {namesake.code}; geef "
                    "dit team die code, of een andere naam."
                )
            _upsert(
                Team,
                {"code": tcode},
                {
                    "municipality": municipality,
                    "name": tname,
                    "neighbourhood_codes": codes,
                    "phone": str(team.get("phone") or ""),
                    "email": str(team.get("email") or ""),
                    "visiting_address": str(team.get("visiting_address") or ""),
                },
                result,
                "team",
                twhere,
            )

    for i, raw in enumerate(data.get("creditors") or []):
        where = f"creditors[{i}]"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: verwacht een mapping.")
        code = str(_require(raw, "code", where))
        if not _ORG_CODE.match(code):
            raise ConfigError(
                f"{where}.code: '{code}' is geen geldige code (hoofdletters, cijfers, '-' of '_')."
            )
        ctype = str(_require(raw, "type", where))
        if ctype not in CreditorType.values:
            raise ConfigError(
                f"{where}.type: '{ctype}' is onbekend; kies uit {', '.join(CreditorType.values)}."
            )
        _upsert(
            Creditor,
            {"code": code},
            {
                "name": str(_require(raw, "name", where)),
                "type": ctype,
                "contact_email": str(raw.get("contact_email") or ""),
            },
            result,
            "creditor",
            where,
        )

    pairs: dict[tuple[int, int], str] = {}
    for i, raw in enumerate(data.get("covenants") or []):
        where = f"covenants[{i}]"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: verwacht een mapping.")
        ccode = str(_require(raw, "creditor", where))
        mcode = str(_require(raw, "municipality", where))
        creditor = Creditor.objects.filter(code=ccode).first()
        if creditor is None:
            raise ConfigError(f"{where}.creditor: onbekende schuldeiser '{ccode}'.")
        municipality = Municipality.objects.filter(code=mcode).first()
        if municipality is None:
            raise ConfigError(f"{where}.municipality: onbekende gemeente '{mcode}'.")
        valid_from = _date(_require(raw, "valid_from", where), f"{where}.valid_from")
        valid_until = _date(raw.get("valid_until"), f"{where}.valid_until", optional=True)
        if valid_until and valid_until < valid_from:
            raise ConfigError(f"{where}.valid_until: ligt vóór valid_from.")
        bsn_allowed = raw.get("bsn_allowed", False)
        if not isinstance(bsn_allowed, bool):
            raise ConfigError(f"{where}.bsn_allowed: verwacht true of false.")
        pairs[(creditor.pk, municipality.pk)] = where
        _upsert(
            Covenant,
            {"creditor": creditor, "municipality": municipality, "valid_from": valid_from},
            {
                "valid_until": valid_until,
                "collection_pause_days": _int(
                    raw.get("collection_pause_days", 30),
                    f"{where}.collection_pause_days",
                    0,
                    MAX_COLLECTION_PAUSE_DAYS,
                ),
                "bsn_allowed": bsn_allowed,
            },
            result,
            "covenant",
            where,
        )
    for (creditor_pk, municipality_pk), where in pairs.items():
        _refuse_overlapping_covenants(creditor_pk, municipality_pk, where)
    return result


def _refuse_overlapping_covenants(creditor_pk: int, municipality_pk: int, where: str) -> None:
    """Two periods of one creditor × municipality may not overlap.

    Covenants are found by their ``valid_from``, so a changed date in the file
    would otherwise add a second, overlapping covenant beside the first.
    """
    covenants = list(
        Covenant.objects.filter(creditor_id=creditor_pk, municipality_id=municipality_pk)
        .select_related("creditor", "municipality")
        .order_by("valid_from")
    )
    for earlier, later in zip(covenants, covenants[1:], strict=False):
        if earlier.overlaps(later.valid_from, later.valid_until):
            until = earlier.valid_until.isoformat() if earlier.valid_until else "zonder einddatum"
            raise ConfigError(
                f"{where}: het convenant van {earlier.creditor.code} met {earlier.municipality.code} vanaf "
                f"{later.valid_from.isoformat()} overlapt met dat vanaf {earlier.valid_from.isoformat()} ({until}); "
                "geef het eerdere een valid_until vóór de nieuwe valid_from."
            )


def _team_code(municipality_code: str, name: str) -> str:
    slug = re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")
    return f"T{municipality_code}-{slug}"[:32].rstrip("-")


# --- users -----------------------------------------------------------------


class UserError(ValueError):
    """A user that cannot be created, or not be given a role; the message is Dutch."""


def resolve_organisation(code: str) -> Municipality | Team | Creditor:
    """Find the organisation with this code: a gemeentecode, a team code or a creditor code."""
    found = [
        obj
        for obj in (
            Municipality.objects.filter(code=code).first(),
            Team.objects.filter(code=code).first(),
            Creditor.objects.filter(code=code).first(),
        )
        if obj is not None
    ]
    if not found:
        raise UserError(f"Er is geen gemeente, wijkteam of schuldeiser met code '{code}'.")
    if len(found) > 1:
        raise UserError(f"De code '{code}' is niet eenduidig; gebruik een andere code.")
    return found[0]


def generate_one_time_password() -> str:
    return secrets.token_urlsafe(15)


@transaction.atomic
def create_user(
    username: str,
    role: str,
    organisation_code: str | None,
    *,
    email: str = "",
    password: str | None = None,
    by: User | None = None,
) -> tuple[User, str]:
    """Create a portal user; returns the user and its one-time password.

    The password must be changed at first log-in, after enrolling TOTP. The command line's
    ``create_user`` and the demo use it; the user is recorded as :func:`add_user` says, by ``by``
    (``None``: the system).
    """
    if role not in Role.values:
        raise UserError(f"Onbekende rol '{role}'; kies uit {', '.join(Role.values)}.")
    if role == Role.BEHEERDER and organisation_code:
        raise UserError(
            "Een beheerder hoort niet bij een gemeente, wijkteam of schuldeiser; geef geen organisatie op."
        )
    user = User(username=username, email=email, role=role)
    try:  # the user name and e-mail address as the admin's form checks them
        user.clean_fields(exclude=["password", "role", "municipality", "team", "creditor"])
    except ValidationError as exc:
        raise UserError(
            " ".join(
                f"{User._meta.get_field(name).verbose_name}: {message}"
                for name, messages in exc.message_dict.items()
                for message in messages
            )
        )
    if User.objects.filter(username=username).exists():
        raise UserError(f"Gebruiker '{username}' bestaat al.")
    organisation = resolve_organisation(organisation_code) if organisation_code else None
    if problem := _organisation_problem(role, organisation, organisation_code):
        raise UserError(problem)
    if isinstance(organisation, Municipality):
        user.municipality = organisation
    elif isinstance(organisation, Team):
        user.team = organisation
        user.municipality = organisation.municipality
    elif isinstance(organisation, Creditor):
        user.creditor = organisation
    try:
        user.clean()
    except ValidationError as exc:
        raise UserError(" ".join(m for messages in exc.message_dict.values() for m in messages))
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise UserError(" ".join(exc.messages))
    return user, add_user(user, by=by, password=password)


# The organisation each role belongs to, as ``User.clean`` requires it: its kind and what the
# command line says when another is given (the admin's form says which field to choose or clear).
_ROLE_ORGANISATION = {
    Role.COORDINATOR: (Municipality, "Een coördinator hoort bij een gemeente."),
    Role.HULPVERLENER: (Team, "Een hulpverlener hoort bij een wijkteam."),
    Role.SCHULDEISER: (Creditor, "Een medewerker van een schuldeiser hoort bij een schuldeiser."),
}
_KIND = {Municipality: "een gemeente", Team: "een wijkteam", Creditor: "een schuldeiser"}


def _organisation_problem(
    role: str, organisation: Municipality | Team | Creditor | None, code: str | None
) -> str | None:
    """Why ``organisation`` (given by ``code``) does not fit ``role``, in one Dutch sentence or
    two, or ``None``. A privacy officer belongs to a municipality, or to none (platform-wide)."""
    if role == Role.PRIVACY_OFFICER and isinstance(organisation, (Team, Creditor)):
        return (
            "Een privacy officer hoort bij een gemeente, of bij geen organisatie (voor het hele "
            f"platform); '{code}' is de code van {_KIND[type(organisation)]}."
        )
    if role not in _ROLE_ORGANISATION:
        return None
    kind, statement = _ROLE_ORGANISATION[role]
    if organisation is None:
        return statement
    if not isinstance(organisation, kind):
        return f"{statement} '{code}' is de code van {_KIND[type(organisation)]}."
    return None


@transaction.atomic
def add_user(user: User, *, by: User | None, request=None, password: str | None = None) -> str:
    """Save the new ``user`` (checked before: ``create_user``, the admin's form) with a password,
    and record it; returns the one-time password, or ``password`` when one is given.

    A one-time password must be changed at the first log-in, after enrolling TOTP. The audit
    event ("gebruiker aangemaakt", under the user) holds the user name, the role, the codes of
    the organisation and whether the user may enter the admin, for the privacy officer of the
    user's municipality (a creditor's user or a beheerder: the platform's only). ``by`` and
    ``request`` as for :func:`change_user`.
    """
    from vroegsignaal.privacy.services import AuditAction, record

    one_time = password or generate_one_time_password()
    user.set_password(one_time)
    user.must_change_password = password is None
    user.save()
    codes = _organisation_codes(user.municipality_id, user.team_id, user.creditor_id)
    record(
        by,
        AuditAction.CREATE,
        user,
        purpose="gebruiker aangemaakt",
        request=request,
        details={
            "rol": user.role,
            **{key: code for key, code in codes.items() if code is not None},
            "beheer": user.is_staff,
        },
        municipality=_municipality(user.municipality_id),
    )
    return one_time


_ORGANISATIONS = (("gemeente", Municipality), ("wijkteam", Team), ("schuldeiser", Creditor))


def _organisation_codes(
    municipality_id: int | None, team_id: int | None, creditor_id: int | None
) -> dict[str, str | None]:
    """The codes of a user's organisation, by the kind of each (``gemeente``, ``wijkteam``,
    ``schuldeiser``): what the audit log names, never a name."""
    ids = (municipality_id, team_id, creditor_id)
    return {
        key: model.objects.filter(pk=pk).values_list("code", flat=True).first() if pk else None
        for (key, model), pk in zip(_ORGANISATIONS, ids, strict=True)
    }


def _municipality(pk: int | None) -> Municipality | None:
    return Municipality.objects.filter(pk=pk).first() if pk else None


@transaction.atomic
def change_user(user: User, *, by: User | None, request=None) -> list[str]:
    """Save ``user`` (saved before), changed by the caller, and record what changed of its rights.

    The one way a user's rights change: the admin's user page saves through it, and so does
    ``vroegsignaal shell``. Compared with the stored user, each change is an audit event under
    the user (details by codes and booleans, never a name):

    * "rol gewijzigd": the old and new role and whether the user may enter the admin (``beheer``),
      also when only that changed (an ``is_staff`` that an ``update()`` of the role left behind);
    * "organisatie gewijzigd": the old and the new codes of the municipality, wijkteam or
      creditor (``gemeente_was``, ``gemeente``, …, the kinds either side has): what the user can
      see. The privacy officers of the municipality left and of the one joined each get an event;
    * "gebruiker gedeactiveerd" or "gebruiker geactiveerd": ``actief``;
    * "supergebruiker gewijzigd": the old and new flag, and ``beheer`` (a superuser keeps the
      admin it had; without the flag only a beheerder enters it);
    * "gebruikersnaam gewijzigd": the old and the new user name (``gebruikersnaam_was``,
      ``gebruikersnaam``). The audit log names each actor by the user name of the moment, so
      this event links a user's events before the change to those after it. A user name is an
      account's, checked by Django's validator (letters, digits and ``@.+-_``).

    The other events are for the privacy officer of the user's municipality, or of the one they
    leave when they have none now. ``by`` is who changes it: the beheerder in the admin (with
    their ``request``: the address), ``None`` for the system or, inside
    ``privacy.audit.at_the_command_line``, the operator.

    The organisation a new role needs is set on ``user`` with it (a coordinator needs a
    municipality, a hulpverlener a wijkteam, a schuldeiser a schuldeiser and a beheerder none)
    and checked as ``create_user`` checks it. The user is saved, also when nothing of its
    rights changed (an e-mail address); returns the purposes recorded, in order.
    """
    from vroegsignaal.privacy.services import AuditAction, record

    stored = (
        User.objects.select_for_update()
        .filter(pk=user.pk)
        .values(
            "username",
            "role",
            "is_staff",
            "is_superuser",
            "is_active",
            "municipality_id",
            "team_id",
            "creditor_id",
        )
        .first()
        if user.pk is not None
        else None
    )
    if stored is None:
        raise UserError("Deze gebruiker bestaat (nog) niet; maak hem met create_user.")
    if user.role != stored["role"] and user.role not in Role.values:
        raise UserError(f"Onbekende rol '{shown(user.role)}'; kies uit {', '.join(Role.values)}.")
    organisation_was = (stored["municipality_id"], stored["team_id"], stored["creditor_id"])
    if (
        user.role == Role.BEHEERDER
        and (user.role != stored["role"] or organisation_was != _organisation_ids(user))
        and any(_organisation_ids(user))
    ):
        raise UserError(
            "Een beheerder hoort niet bij een gemeente, wijkteam of schuldeiser; maak de organisatie leeg."
        )
    try:
        user.clean()
    except ValidationError as exc:
        raise UserError(" ".join(m for messages in exc.message_dict.values() for m in messages))
    user.save()

    municipality_was, municipality_now = stored["municipality_id"], user.municipality_id
    concerned = _municipality(municipality_now or municipality_was)
    recorded: list[str] = []

    def event(purpose: str, details: dict, municipality: Municipality | None) -> None:
        record(
            by,
            AuditAction.UPDATE,
            user,
            purpose=purpose,
            request=request,
            details=details,
            municipality=municipality,
        )
        if purpose not in recorded:
            recorded.append(purpose)

    superuser_changed = stored["is_superuser"] != user.is_superuser
    staff_changed = stored["is_staff"] != user.is_staff
    if stored["role"] != user.role or (staff_changed and not superuser_changed):
        event(
            "rol gewijzigd",
            {"rol_was": stored["role"], "rol": user.role, "beheer": user.is_staff},
            concerned,
        )
    if organisation_was != _organisation_ids(user):
        was = _organisation_codes(*organisation_was)
        now = _organisation_codes(*_organisation_ids(user))
        details = {}
        for key in was:
            if was[key] is not None or now[key] is not None:
                details[f"{key}_was"], details[key] = was[key], now[key]
        for pk in dict.fromkeys(pk for pk in (municipality_was, municipality_now) if pk) or [None]:
            event("organisatie gewijzigd", details, _municipality(pk))
    if stored["is_active"] != user.is_active:
        event(
            "gebruiker geactiveerd" if user.is_active else "gebruiker gedeactiveerd",
            {"actief": user.is_active},
            concerned,
        )
    if superuser_changed:
        event(
            "supergebruiker gewijzigd",
            {
                "supergebruiker_was": stored["is_superuser"],
                "supergebruiker": user.is_superuser,
                "beheer": user.is_staff,
            },
            concerned,
        )
    if stored["username"] != user.username:
        event(
            "gebruikersnaam gewijzigd",
            {"gebruikersnaam_was": stored["username"], "gebruikersnaam": user.username},
            concerned,
        )
    return recorded


def _organisation_ids(user: User) -> tuple[int | None, int | None, int | None]:
    return (user.municipality_id, user.team_id, user.creditor_id)


def change_role(user: User, role: str, *, by: User | None, request=None) -> bool:
    """Give ``user`` (saved before) the role ``role`` and save it through :func:`change_user`.

    The way into the admin follows the role (``User.save``: a beheerder enters it, a superuser
    keeps what it had) and the change is in the audit log ("rol gewijzigd", under the user, with
    the old and the new role and whether the user may enter the admin), for the privacy officer
    of the user's municipality, or of the one they leave when the new role has none; an
    organisation set on ``user`` with it (the new role needs one) is recorded as
    :func:`change_user` says. Returns whether the role or the way into the admin changed; the
    same role given again records nothing, unless it puts right an ``is_staff`` that an
    ``update()`` of the role left behind. A role written past this function is found by
    ``check --database default`` and ``migrate`` (``organisations.W001``).
    """
    if role not in Role.values:
        raise UserError(f"Onbekende rol '{shown(role)}'; kies uit {', '.join(Role.values)}.")
    if role == Role.BEHEERDER and any(_organisation_ids(user)):
        raise UserError(
            "Een beheerder hoort niet bij een gemeente, wijkteam of schuldeiser; maak de organisatie leeg."
        )
    given, user.role = user.role, role
    try:
        return "rol gewijzigd" in change_user(user, by=by, request=request)
    except UserError:
        user.role = given
        raise


@dataclass(frozen=True)
class LoginReset:
    """What ``reset_login`` did: the one-time password is shown once and never stored."""

    user: User
    password: str
    devices_removed: int
    lock_lifted: bool


@transaction.atomic
def reset_login(username: str, *, second_factor: bool = False) -> LoginReset:
    """Give an active user a one-time password from the command line, and lift a lock-out.

    The way back in when the admin cannot be reached (the only beheerder forgot their
    password or lost their phone). As the admin's password form: the user must choose
    their own password at the next log-in. With ``second_factor`` their authenticator and
    reserve codes are removed too, so they enrol a new one after the password.
    """
    from axes.utils import reset as reset_axes
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from vroegsignaal.privacy.services import AuditAction, record

    user = User.objects.filter(username=username).first()
    if user is None:
        raise UserError(f"Gebruiker '{shown(username)}' bestaat niet.")
    if not user.is_active:
        raise UserError(
            f"Gebruiker '{shown(username)}' is niet actief. Zet de gebruiker eerst weer op actief in het beheer."
        )
    password = generate_one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    removed = 0
    if second_factor:
        for model in (TOTPDevice, StaticDevice):
            removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    lifted = reset_axes(username=username) > 0
    record(
        None,
        AuditAction.UPDATE,
        user,
        purpose="inloggen hersteld",
        details={"tweede_factor_verwijderd": removed, "blokkade_opgeheven": lifted},
    )
    return LoginReset(user, password, removed, lifted)

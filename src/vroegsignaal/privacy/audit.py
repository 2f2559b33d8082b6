"""One call to audit: :func:`record`; one call to check the log: :func:`verify_chain`.

Chain
-----
Every :class:`~.models.AuditEvent` stores the hash of its predecessor
(``prev_hash``; the first event's is 64 zeros) and its own::

    hash = sha256_hex(utf8(prev_hash + canonical_json(event)))

``canonical_json`` is ``json.dumps`` with sorted keys, separators ``(",", ":")``,
``ensure_ascii=False`` and ``allow_nan=False`` over exactly the fields in
:data:`HASHED_FIELDS`, where

* ``timestamp`` is UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always 6 digits),
* ``details`` is JSON with integral floats written as integers (PostgreSQL's
  jsonb would otherwise turn ``1e20`` into an integer and break the hash),
* absent values are ``null``; ``action`` is its code, e.g. ``"view"``.

``privacy/tests/test_audit.py::test_canonical_form_is_pinned`` pins this form; changing
it invalidates every existing chain.

Appends are serialised by a ``SELECT … FOR UPDATE`` on the one
:class:`~.models.AuditChainHead` row (on SQLite the database write lock does
the same). The head also reveals a truncated tail.

What the chain does not do: someone with write access to the database can
rewrite the log *and* recompute every later hash. Record the head that
``vroegsignaal audit_verify`` prints somewhere outside the database (a ticket,
the SIEM) and check it later with ``--anchor``.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import datetime as dt
import hashlib
import ipaddress
import json
import math
import os
import pwd
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext

from .models import GENESIS_HASH, AuditAction, AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    from vroegsignaal.organisations.models import Municipality, User

AUDIT_DB_ALIAS = "audit"

HASHED_FIELDS: tuple[str, ...] = (
    "seq",
    "timestamp",
    "actor_id",
    "actor_username",
    "organisation",
    "municipality_id",
    "municipality_code",
    "action",
    "object_type",
    "object_id",
    "purpose",
    "ip_address",
    "details",
)

SYSTEM_ORGANISATION = "systeem"
PLATFORM_ORGANISATION = "platform"


def organisation_label(stored: str) -> str:
    """``gemeente 0363`` as the page's language writes it (``municipality 0363``); the log keeps the Dutch."""
    kinds = {
        "gemeente": gettext("gemeente"),
        "wijkteam": gettext("wijkteam"),
        "schuldeiser": gettext("schuldeiser"),
    }
    kind, _space, code = (stored or "").partition(" ")
    if kind in kinds and code:
        return f"{kinds[kind]} {code}"
    return {
        PLATFORM_ORGANISATION: gettext("platform"),
        SYSTEM_ORGANISATION: gettext("systeem"),
    }.get(stored, stored)


# --- canonical form ------------------------------------------------------------


def _utc_iso(value: dt.datetime) -> str:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _normalise_json(value: Any) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("Audit details must not contain NaN or infinity.")
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {key: _normalise_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalise_json(item) for item in value]
    return value


def canonical_json(values: Mapping[str, Any]) -> str:
    """The canonical text of an event's hashed fields (see module docstring)."""
    payload = {name: values[name] for name in HASHED_FIELDS}
    payload["timestamp"] = _utc_iso(values["timestamp"])
    payload["action"] = str(values["action"])
    payload["details"] = _normalise_json(values["details"])
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def compute_hash(prev_hash: str, values: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(values)).encode("utf-8")).hexdigest()


# --- who, where, what ----------------------------------------------------------


def _municipality_code(municipality_id: int | None) -> str | None:
    if municipality_id is None:
        return None
    from vroegsignaal.organisations.models import Municipality

    return Municipality.objects.filter(pk=municipality_id).values_list("code", flat=True).first()


def _actor_fields(actor: User | AnonymousUser | str | None) -> dict[str, Any]:
    """Who acted and for which organisation, as text that outlives the user row."""
    from vroegsignaal.organisations.models import Role

    anonymous = {"actor_id": None, "actor_username": "", "organisation": "", "municipality": None}
    if actor is None:
        return {**anonymous, "organisation": SYSTEM_ORGANISATION}
    if isinstance(actor, str):  # e.g. the name typed at a failed log-in
        return {**anonymous, "actor_username": actor[:150]}
    if not getattr(actor, "is_authenticated", False):
        return anonymous

    if actor.municipality_id:
        municipality = actor.municipality
    elif actor.team_id:
        municipality = actor.team.municipality
    else:
        municipality = None
    if actor.role == Role.SCHULDEISER and actor.creditor_id:
        organisation = f"schuldeiser {actor.creditor.code}"
    elif actor.role == Role.HULPVERLENER and actor.team_id:
        organisation = f"wijkteam {actor.team.code}"
    elif municipality is not None:
        organisation = f"gemeente {municipality.code}"
    else:
        organisation = PLATFORM_ORGANISATION
    return {
        "actor_id": actor.pk,
        "actor_username": actor.get_username(),
        "organisation": organisation,
        "municipality": municipality,
    }


def _object_municipality_id(obj: models.Model | None) -> int | None:
    from vroegsignaal.organisations.models import Municipality

    if obj is None:
        return None
    if isinstance(obj, Municipality):
        return obj.pk
    return getattr(obj, "municipality_id", None)


def client_ip(request: HttpRequest | None) -> str | None:
    """REMOTE_ADDR, normalised; behind a reverse proxy the client's (``TRUSTED_PROXIES``, ``portal.proxy``)."""
    if request is None:
        return None
    raw = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def _check_length(name: str, value: str, limit: int) -> str:
    if len(value) > limit:
        raise ValueError(f"Audit {name} is longer than {limit} characters: {value[:40]!r}…")
    return value


# --- the command line ----------------------------------------------------------

# Who acts while a command writes personal data to a file: see :func:`at_the_command_line`.
_COMMAND_LINE: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "audit_command_line", default=None
)


def os_user() -> str:
    """The operating system's user this process runs as (its effective uid; not ``$USER``, which
    the caller sets), or ``uid 1234`` when the system has no name for it (a container)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


@contextlib.contextmanager
def at_the_command_line(command: str, path: str | os.PathLike[str]) -> Iterator[None]:
    """The events the system records (``actor=None``) while the block runs are the operator's.

    A management command that writes personal data to a file (``export_signals``, ``export_ddas``,
    ``backup``) runs its work in this block: the event gets the operating system's user as its
    actor (:func:`os_user`; organisation ``systeem``, so that it is not taken for a portal user of
    that name), and its details say which command and the absolute path of the file, which the
    operator chose (a person's name belongs in no file name). Under ``sudo`` the user who ran sudo
    is added (``SUDO_USER``). Events recorded for a user are left as they are.
    """
    details: dict[str, Any] = {"opdracht": command, "bestand": os.path.abspath(path)}
    sudo_user = os.environ.get("SUDO_USER", "")
    if sudo_user:
        details["sudo_gebruiker"] = sudo_user[:150]
    token = _COMMAND_LINE.set({"actor": os_user(), "details": details})
    try:
        yield
    finally:
        _COMMAND_LINE.reset(token)


# --- writing -------------------------------------------------------------------


def _audit_alias() -> str:
    """The connection the log is written on.

    PostgreSQL: a second connection ('audit', a copy of 'default' without
    ATOMIC_REQUESTS), so the event commits on its own and survives a rollback
    of the caller's transaction. SQLite has one writer per database: a second
    connection would wait for the caller's write lock until it times out, so
    there the event joins the caller's transaction and is rolled back with it.
    ``AUDIT_SEPARATE_CONNECTION = False`` chooses the shared connection on
    PostgreSQL too (the test suite needs that: its per-test transactions are
    on 'default' only).

    Costs of the separate connection: every web/worker thread that audits
    holds a second PostgreSQL connection (size ``max_connections`` for it),
    and code must not lock the audit tables on 'default' inside a transaction
    (the audit connection would wait on its own thread forever).
    """
    default = connections[DEFAULT_DB_ALIAS]
    if default.vendor != "postgresql" or not getattr(settings, "AUDIT_SEPARATE_CONNECTION", True):
        return DEFAULT_DB_ALIAS
    if AUDIT_DB_ALIAS not in connections.settings:
        alias_settings = copy.deepcopy(default.settings_dict)
        alias_settings["ATOMIC_REQUESTS"] = False
        alias_settings["AUTOCOMMIT"] = True
        connections.settings[AUDIT_DB_ALIAS] = alias_settings
    return AUDIT_DB_ALIAS


def recent_refusals(actor: User, *, seconds: int) -> list[dt.datetime]:
    """When ``actor`` caused ``access_denied`` events in the last ``seconds``, oldest first:
    :func:`vroegsignaal.organisations.scoping.get_scoped_or_404_audited` stops writing one per
    refused look-up past a limit, and says when the user is below it again. By user name (an
    API key's user is not saved; its name carries the key's prefix), over the ``timestamp``
    index; past the limit no more are written, so the list stays about that long."""
    since = timezone.now() - dt.timedelta(seconds=seconds)
    return list(
        AuditEvent.objects.filter(
            actor_username=_actor_fields(actor)["actor_username"],
            action=AuditAction.ACCESS_DENIED,
            timestamp__gt=since,
        )
        .order_by("timestamp")
        .values_list("timestamp", flat=True)
    )


def record(
    actor: User | AnonymousUser | str | None,
    action: AuditAction | str,
    obj: models.Model | None = None,
    *,
    purpose: str = "",
    request: HttpRequest | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    details: Mapping[str, Any] | None = None,
    municipality: Municipality | None = None,
) -> AuditEvent:
    """Append one event to the audit log and return it.

    ``actor`` is the user (organisation and municipality are taken from it),
    ``None`` for the system itself (or the operator at the command line, inside
    :func:`at_the_command_line`), or a bare user name (failed log-in).
    ``obj`` fills ``object_type`` (``app_label.model``) and ``object_id``
    (its pk) unless they are given; when the actor has no municipality (a
    creditor), the object's ``municipality_id`` scopes the event for that
    municipality's privacy officer. ``municipality`` scopes the event when
    neither tells: a creditor's delivery or feedback spans municipalities, and
    each one's privacy officer should see the part about its residents.
    ``details`` is JSON of counts and codes, never personal data.

    Durability: on PostgreSQL (with ``AUDIT_SEPARATE_CONNECTION``, the
    default) the event is committed on a separate connection before this
    returns, so it stays even when the caller's transaction rolls back. On
    SQLite, or with the setting off, it is written in the caller's
    transaction: a rollback removes it (see :func:`_audit_alias`).

    Failures raise: an action that cannot be audited should not happen.
    """
    action = AuditAction(action)
    actor_values = _actor_fields(actor)
    command_line = _COMMAND_LINE.get() if actor is None else None
    if command_line is not None:  # at_the_command_line: the operator, not the system
        actor_values["actor_username"] = command_line["actor"][:150]
        details = {**(details or {}), **command_line["details"]}
    actor_municipality = actor_values.pop("municipality")
    municipality = municipality if municipality is not None else actor_municipality
    if municipality is not None:
        municipality_id, municipality_code = municipality.pk, municipality.code
    else:
        municipality_id = _object_municipality_id(obj)
        municipality_code = _municipality_code(municipality_id)
    if obj is not None:
        object_type = object_type if object_type is not None else obj._meta.label_lower
        object_id = object_id if object_id is not None else obj.pk
    clean_details = json.loads(json.dumps(dict(details or {}), allow_nan=False))
    fields = {
        **actor_values,
        "municipality_id": municipality_id,
        "municipality_code": municipality_code,
        "action": action.value,
        "object_type": _check_length("object_type", object_type or "", 100),
        "object_id": _check_length("object_id", "" if object_id is None else str(object_id), 64),
        "purpose": str(purpose or ""),
        "ip_address": client_ip(request),
        "details": _normalise_json(clean_details),
    }
    return _append(_audit_alias(), fields)


def _append(alias: str, fields: dict[str, Any]) -> AuditEvent:
    with transaction.atomic(using=alias):
        head, _ = AuditChainHead.objects.using(alias).select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.last_seq + 1, prev_hash=head.last_hash, timestamp=timezone.now(), **fields
        )
        event.hash = compute_hash(
            event.prev_hash, {name: getattr(event, name) for name in HASHED_FIELDS}
        )
        event._chain_insert = True
        event.save(using=alias)
        AuditChainHead.objects.using(alias).filter(pk=1).update(
            last_seq=event.seq, last_hash=event.hash
        )
    return event


# --- verifying -----------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""  # Dutch, for the privacy officer; empty when ok
    head_seq: int = 0
    head_hash: str = GENESIS_HASH


def verify_chain(
    *,
    chunk_size: int = 5000,
    anchor: tuple[int, str] | None = None,
    using: str = DEFAULT_DB_ALIAS,
    on_progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    """Recompute the chain from the first event to the head, streaming.

    Detects a changed row (its hash no longer matches), a deleted row (a gap in
    ``seq`` or a ``prev_hash`` that does not match), a truncated tail (the head
    is ahead of the last row) and, with ``anchor=(seq, hash)`` noted earlier, a
    log rewritten wholesale. Events appended while verifying are ignored: the
    head is read first. ``on_progress(checked)`` is called after every
    ``chunk_size`` events.
    """
    head = (
        AuditChainHead.objects.using(using)
        .filter(pk=1)
        .values_list("last_seq", "last_hash")
        .first()
    )
    if head is None:
        if AuditEvent.objects.using(using).exists():
            return VerifyResult(
                False, 0, 1, "De kop van de auditketen ontbreekt terwijl er gebeurtenissen zijn."
            )
        return VerifyResult(True, 0)
    head_seq, head_hash = head

    def broken(checked: int, seq: int, problem: str) -> VerifyResult:
        return VerifyResult(False, checked, seq, problem, head_seq, head_hash)

    rows = (
        AuditEvent.objects.using(using)
        .filter(seq__lte=head_seq)
        .order_by("seq")
        .values_list(*HASHED_FIELDS, "prev_hash", "hash")
        .iterator(chunk_size=chunk_size)
    )
    expected_seq, running, checked = 1, GENESIS_HASH, 0
    for row in rows:
        values = dict(zip(HASHED_FIELDS, row, strict=False))
        seq, prev_hash, stored_hash = row[0], row[-2], row[-1]
        if seq != expected_seq:
            missing = (
                f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq} t/m {seq - 1}"
            )
            return broken(
                checked,
                expected_seq,
                f"Gebeurtenis {missing} ontbreekt: verwijderd uit het auditlog.",
            )
        if prev_hash != running:
            return broken(
                checked,
                seq,
                f"Gebeurtenis {seq} sluit niet aan op de vorige: een eerdere gebeurtenis is gewijzigd of vervangen.",
            )
        if compute_hash(prev_hash, values) != stored_hash:
            return broken(checked, seq, f"Gebeurtenis {seq} is gewijzigd nadat ze is vastgelegd.")
        if anchor is not None and seq == anchor[0] and stored_hash != anchor[1]:
            return broken(
                checked,
                seq,
                f"Gebeurtenis {seq} wijkt af van het vastgelegde anker: het log is herschreven.",
            )
        running, expected_seq, checked = stored_hash, expected_seq + 1, checked + 1
        if on_progress is not None and checked % chunk_size == 0:
            on_progress(checked)

    if expected_seq - 1 != head_seq:
        missing = (
            f"{expected_seq}" if expected_seq == head_seq else f"{expected_seq} t/m {head_seq}"
        )
        return broken(
            checked, expected_seq, f"Gebeurtenis {missing} ontbreekt: het auditlog is ingekort."
        )
    if running != head_hash:
        return broken(
            checked,
            head_seq,
            f"De laatste gebeurtenis ({head_seq}) komt niet overeen met de kop van de keten.",
        )
    if anchor is not None and anchor[0] > head_seq:
        return broken(
            checked,
            head_seq + 1,
            f"Het anker ({anchor[0]}) ligt voorbij het einde van het auditlog.",
        )
    return VerifyResult(True, checked, None, "", head_seq, head_hash)


def verify_municipality(
    municipality_id: int,
    *,
    chunk_size: int = 5000,
    using: str = DEFAULT_DB_ALIAS,
    on_progress: Callable[[int], None] | None = None,
) -> VerifyResult:
    """Check the events of one municipality: each one's own hash and its link to its predecessor.

    Finds an event of the municipality that was changed, or one whose
    predecessor (of any municipality) was changed or deleted. Unlike
    :func:`verify_chain` it cannot see an event of the municipality that was
    deleted together with nothing after it pointing at it, nor a truncated
    tail: only the whole chain proves completeness.
    """
    head = (
        AuditChainHead.objects.using(using)
        .filter(pk=1)
        .values_list("last_seq", "last_hash")
        .first()
    ) or (0, GENESIS_HASH)
    head_seq, head_hash = head
    previous_hash = AuditEvent.objects.using(using).filter(seq=models.OuterRef("seq") - 1)
    rows = (
        AuditEvent.objects.using(using)
        .filter(municipality_id=municipality_id, seq__lte=head_seq)
        .annotate(predecessor_hash=models.Subquery(previous_hash.values("hash")[:1]))
        .order_by("seq")
        .values_list(*HASHED_FIELDS, "prev_hash", "hash", "predecessor_hash")
        .iterator(chunk_size=chunk_size)
    )
    checked = 0
    for row in rows:
        values = dict(zip(HASHED_FIELDS, row, strict=False))
        seq, prev_hash, stored_hash, predecessor_hash = row[0], row[-3], row[-2], row[-1]
        expected_prev = GENESIS_HASH if seq == 1 else predecessor_hash
        if expected_prev is None:
            problem = f"Gebeurtenis {seq - 1}, vlak voor gebeurtenis {seq}, ontbreekt: verwijderd uit het auditlog."
            return VerifyResult(False, checked, seq - 1, problem, head_seq, head_hash)
        if prev_hash != expected_prev:
            problem = f"Gebeurtenis {seq} sluit niet aan op de vorige: een eerdere gebeurtenis is gewijzigd of vervangen."
            return VerifyResult(False, checked, seq, problem, head_seq, head_hash)
        if compute_hash(prev_hash, values) != stored_hash:
            problem = f"Gebeurtenis {seq} is gewijzigd nadat ze is vastgelegd."
            return VerifyResult(False, checked, seq, problem, head_seq, head_hash)
        checked += 1
        if on_progress is not None and checked % chunk_size == 0:
            on_progress(checked)
    return VerifyResult(True, checked, None, "", head_seq, head_hash)

"""Trays: the defaults, the coordinator's changes (portal: /signalen/regels/werkbakjes/) and
sorting the open signals into them again.

Apart from evaluation because a change of the trays is the coordinator's own decision: it
sorts every open signal again (evaluation moves only ``nieuw`` ones), with the same
decision (:func:`.trays.assign_trays`) over the figures stored with each signal. Every
change runs in one transaction under the municipality's row lock, the lock evaluation
takes, and is audited. :mod:`.services` re-exports the public names.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import polars as pl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from vroegsignaal.households import bulk
from vroegsignaal.organisations.models import CreditorType, Municipality, Role, Team
from vroegsignaal.privacy.services import AuditAction, record
from vroegsignaal.registry.models import Neighbourhood

from . import selectors, trays
from .models import OPEN_STATUSES, Signal, SignalKind, SignalStatus, Tray
from .writing import MEMBER_TABLE, SIGNAL_TABLE, _db_now

# ---------------------------------------------------------------------------
# Trays
# ---------------------------------------------------------------------------


def ensure_default_trays(municipality: Municipality) -> list[Tray]:
    """Create the default trays (Crisis, Jongeren, Meervoudig, Schuldverschuiving,
    Enkelvoudig) for a municipality that has no trays; return its trays in order."""
    if not Tray.objects.filter(municipality=municipality).exists():
        Tray.objects.bulk_create(
            Tray(municipality=municipality, name=name, position=(i + 1) * 10, **conditions)
            for i, (name, conditions) in enumerate(trays.DEFAULT_TRAYS)
        )
    return list(selectors.trays_of(municipality))


def _municipality(value) -> Municipality:
    if isinstance(value, Municipality):
        return value
    if isinstance(value, str):
        return Municipality.objects.get(code=value)
    return Municipality.objects.get(pk=value)


# ---------------------------------------------------------------------------
# Trays: the coordinator's management (portal: /signalen/regels/werkbakjes/)
# ---------------------------------------------------------------------------

# The fields of a tray a coordinator sets: its name and every condition (see :class:`~.models.Tray`).
TRAY_CONDITION_FIELDS = (
    "kind", "crisis", "repeat", "debt_swap", "amount_min_eur", "amount_max_eur", "creditor_types",
    "youngest_age_min", "youngest_age_max", "oldest_age_min", "oldest_age_max", "neighbourhood_codes", "team",
)  # fmt: skip
TRAY_FIELDS = ("name", *TRAY_CONDITION_FIELDS)
TRAY_AMOUNT_LIMIT_EUR = 1_000_000  # as the rules' minimum amount per arrear
TRAY_AGE_LIMIT = 120
# A name is a heading, a menu item and a table cell: a long one wraps (the pages break it), and
# 100 characters hold any name a coordinator gives ("Jongeren tot 27 jaar in Noord en Oost, …").
TRAY_NAME_MAX_LENGTH = Tray._meta.get_field("name").max_length
TRAY_POSITION_STEP = 10


@dataclass(frozen=True)
class TrayChange:
    """What a change to the trays did: the tray (unsaved after a deletion), whether anything
    changed, its place in the order (1 = first; 0 after a deletion), how many open signals
    went to another tray (or to none) when they were sorted again, and how many of those are
    now in no tray (they fit no tray any more: no tray's list shows them)."""

    tray: Tray
    changed: bool
    place: int = 0
    moved_signals: int = 0
    unplaced_signals: int = 0


@dataclass(frozen=True)
class Resorted:
    """Open signals sorted into the trays again (or as they would be): ``moved`` went to another
    tray or to none; ``unplaced`` of those went to none (they were in a tray before);
    ``picked_up`` of those are ``opgepakt`` (a case works on them; they are sorted again too)."""

    moved: int = 0
    unplaced: int = 0
    picked_up: int = 0

    def audit_details(self) -> dict[str, int]:
        """The audit event's counts, apart: a signal in no tray is in no tray's list, which the
        privacy officer must be able to tell from one that merely changed queue. (Events written
        before carry one ``signalen_verplaatst``, both together.)"""
        return {
            "open_signalen_naar_ander_werkbakje": self.moved - self.unplaced,
            "open_signalen_naar_geen_werkbakje": self.unplaced,
        }


@dataclass(frozen=True)
class TrayPreview:
    """What a change to one tray would do to the open signals, computed without saving it.

    ``moved``, ``unplaced`` and ``picked_up`` as in :class:`Resorted`, over all the
    municipality's open signals. ``crisis_destinations``: the open crisis signals that would
    leave the tray (for a move: every open crisis signal that would change tray), per tray they
    would go to — ``(name, count)``, the name ``None`` for no tray — in the trays' order, no
    tray last. ``crisis_in_tray``: the open crisis signals in the tray now. ``crisis_tray_left``:
    whether another tray has the condition "crisissignaal: ja" (for a deletion).
    ``above_crisis`` (for a move): it puts a tray above one that takes crisis signals (its
    condition "crisissignaal: ja", or open crisis signals in it now) and that the other does
    not take: crisis signals that meet the other tray's conditions would then go there.
    """

    moved: int = 0
    unplaced: int = 0
    picked_up: int = 0
    crisis_destinations: tuple[tuple[str | None, int], ...] = ()
    crisis_in_tray: int = 0
    crisis_tray_left: bool = True
    above_crisis: bool = False

    @property
    def elsewhere(self) -> int:
        """The open signals that would go to another tray (not to none)."""
        return self.moved - self.unplaced


@dataclass(frozen=True)
class TrayMoveQuestion:
    """A move of ``tray`` from ``place`` to ``target`` (1 = first), past ``passed``, that
    :func:`move_tray` did not do without a confirmation: what it would do to the open signals
    (``preview``), and the ``fingerprint`` of the trays it was computed for. Confirmed with that
    fingerprint, the move is done; ``stale``: asked again, because the trays changed after the
    confirmation the user answered was shown (a colleague's change, another tab)."""

    tray: Tray
    place: int
    target: int
    passed: Tray
    preview: TrayPreview
    fingerprint: str
    stale: bool = False


class TrayMoveUnconfirmed(Exception):
    """:func:`move_tray` asked to ask first: the move would put open signals in another tray (or
    the confirmation is stale). Nothing was moved; ``question`` says what the move would do."""

    def __init__(self, question: TrayMoveQuestion):
        super().__init__(question.tray.pk)
        self.question = question


def _require_tray_coordinator(actor, municipality_id: int) -> None:
    if (
        getattr(actor, "role", None) != Role.COORDINATOR
        or getattr(actor, "municipality_id", None) != municipality_id
    ):
        raise PermissionDenied(
            gettext("Alleen de coördinator van deze gemeente beheert haar werkbakjes.")
        )


def lock_municipality(municipality_id: int) -> None:
    """Tray changes, rule changes and evaluations of one municipality wait for each other
    (evaluation reads the trays and rules once and writes their ids without a database
    constraint), and so do the monitor's snapshot and the retention run, which take it too.

    ``no_key``: PostgreSQL's ``FOR NO KEY UPDATE``, which still excludes the others but not
    the foreign-key checks of rows that refer to the municipality. A plain ``FOR UPDATE``
    made every pick-up (a new case refers to its municipality) wait at its commit for a
    running evaluation — while holding its signal, which that evaluation may then wait
    for: a deadlock, and one of the two aborted."""
    Municipality.objects.select_for_update(no_key=True).filter(pk=municipality_id).first()


def _euro(value: int) -> str:
    """Whole euros as the page's language writes them (the tray form's messages)."""
    from .explanations_english import shown_euros

    return shown_euros(value * 100)


def tray_problems(
    municipality: Municipality, values: dict, *, tray: Tray | None = None
) -> dict[str, str]:
    """What is wrong with ``values`` for a tray of ``municipality`` (``tray``: the one being
    changed), one Dutch message per field; ``{}`` when they are fine.

    ``values`` holds :data:`TRAY_FIELDS` as :func:`create_tray` takes them: ``None`` for an
    empty condition, booleans for crisis/repeat/debt swap, whole euros and years, lists of
    creditor types and wijk/buurt codes, a ``Team`` (or ``None``).
    """
    problems: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    if not name:
        problems["name"] = gettext("Geef het werkbakje een naam.")
    elif len(name) > TRAY_NAME_MAX_LENGTH:
        problems["name"] = gettext("Een naam is ten hoogste %(max)s tekens lang.") % {
            "max": TRAY_NAME_MAX_LENGTH
        }
    else:
        same = Tray.objects.filter(municipality=municipality, name__iexact=name)
        if tray is not None:
            same = same.exclude(pk=tray.pk)
        if same.exists():
            problems["name"] = gettext(
                "Uw gemeente heeft al een werkbakje met de naam ‘%(name)s’."
            ) % {"name": name}
    if (values.get("kind") or "") not in ("", *SignalKind.values):
        problems["kind"] = gettext("Kies meervoudig, enkelvoudig of maakt niet uit.")
    for flag in ("crisis", "repeat", "debt_swap"):
        if values.get(flag) not in (None, True, False):
            problems[flag] = gettext("Kies ja, nee of maakt niet uit.")

    def bounded(name: str, high: int, message: str) -> int | None:
        value = values.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
            problems[name] = message
            return None
        return value

    amount_error = gettext(
        "Vul een bedrag in hele euro’s in van 0 tot en met %(high)s, of laat het leeg."
    ) % {"high": _euro(TRAY_AMOUNT_LIMIT_EUR)}
    low, high = (
        bounded(f, TRAY_AMOUNT_LIMIT_EUR, amount_error)
        for f in ("amount_min_eur", "amount_max_eur")
    )
    if low is not None and high is not None and low > high:
        problems["amount_max_eur"] = gettext(
            "Het totaalbedrag tot en met (%(high)s) is lager dan het totaalbedrag vanaf (%(low)s)."
        ) % {"low": _euro(low), "high": _euro(high)}
    age_error = gettext(
        "Vul een leeftijd in hele jaren in van 0 tot en met %(high)s, of laat het leeg."
    ) % {"high": TRAY_AGE_LIMIT}
    ages = {f: bounded(f, TRAY_AGE_LIMIT, age_error) for f in (
        "youngest_age_min", "youngest_age_max", "oldest_age_min", "oldest_age_max")}  # fmt: skip
    impossible = {
        "youngest": gettext("De jongste persoon is ten hoogste %(high)s jaar en ten minste %(low)s jaar: "
                            "dat kan niet tegelijk."),
        "oldest": gettext("De oudste persoon is ten hoogste %(high)s jaar en ten minste %(low)s jaar: "
                          "dat kan niet tegelijk."),
    }  # fmt: skip
    for person, message in impossible.items():
        low, high = ages[f"{person}_age_min"], ages[f"{person}_age_max"]
        if low is not None and high is not None and low > high:
            problems[f"{person}_age_max"] = message % {"low": low, "high": high}
    if (
        ages["youngest_age_min"] is not None
        and ages["oldest_age_max"] is not None
        and ages["youngest_age_min"] > ages["oldest_age_max"]
        and "oldest_age_max" not in problems
    ):
        problems["oldest_age_max"] = gettext(
            "Is de jongste persoon ten minste %(low)s jaar, dan is de oudste dat ook, en dus niet ten hoogste %(high)s jaar: "
            "geen huishouden zou in dit werkbakje komen."
        ) % {"low": ages["youngest_age_min"], "high": ages["oldest_age_max"]}
    types = values.get("creditor_types") or []
    if not set(types) <= set(CreditorType.values):
        problems["creditor_types"] = gettext("Kies alleen soorten schuldeisers uit de lijst.")
    codes = set(values.get("neighbourhood_codes") or [])
    known = set(
        Neighbourhood.objects.filter(municipality=municipality, code__in=codes).values_list(
            "code", flat=True
        )
    )
    # A code the tray already has (configuration may precede the register) may stay.
    known |= set(tray.neighbourhood_codes or []) if tray is not None else set()
    if not codes <= known:
        problems["neighbourhood_codes"] = gettext("Kies alleen wijken en buurten van uw gemeente.")
    team = values.get("team")
    if team is not None:
        if not isinstance(team, Team) or team.municipality_id != municipality.pk:
            problems["team"] = gettext("Kies een wijkteam van uw gemeente.")
        elif not team.neighbourhood_codes:
            problems["team"] = gettext(
                "Het wijkteam ‘%(team)s’ heeft geen wijken of buurten: er zou geen enkel signaal in dit werkbakje komen. "
                "Kies een ander wijkteam, of vraag de beheerder het gebied van het wijkteam in te stellen."
            ) % {"team": team.name}
    return problems


def _tray_values(values: dict) -> dict:
    """``values`` as they are stored: names trimmed, lists sorted, empty kind ``""``."""
    order = {value: i for i, value in enumerate(CreditorType.values)}
    clean = {name: values.get(name) for name in TRAY_FIELDS}
    clean["name"] = (clean["name"] or "").strip()
    clean["kind"] = clean["kind"] or ""
    clean["creditor_types"] = sorted(set(clean["creditor_types"] or []), key=order.__getitem__)
    clean["neighbourhood_codes"] = sorted(set(clean["neighbourhood_codes"] or []))
    return clean


def _checked_tray_values(
    municipality: Municipality, values: dict, tray: Tray | None = None
) -> dict:
    problems = tray_problems(municipality, values, tray=tray)
    if problems:
        raise ValidationError(problems)
    return _tray_values(values)


def _stored_tray_values(tray: Tray) -> dict:
    return {name: getattr(tray, name) for name in TRAY_FIELDS} | {"kind": tray.kind or ""}


def _renumber(ordered: list[Tray]) -> None:
    """Positions 10, 20, 30, … in this order (only the rows that change are written)."""
    changed = []
    for i, tray in enumerate(ordered):
        position = (i + 1) * TRAY_POSITION_STEP
        if tray.position != position:
            tray.position = position
            changed.append(tray)
    Tray.objects.bulk_update(changed, ["position"])


def _place_of(tray: Tray, ordered: list[Tray]) -> int:
    return [t.pk for t in ordered].index(tray.pk) + 1


def create_tray(municipality: Municipality, values: dict, *, actor) -> TrayChange:
    """A coordinator adds a tray (:data:`TRAY_FIELDS`; see :func:`tray_problems`) at the bottom.

    A municipality without trays gets the default ones first, as its first evaluation would.
    The open signals are sorted into the trays again (:func:`resort_open_signals`); a tray at
    the bottom only receives the signals no tray above it takes. Raises ``ValidationError``
    (per field, Dutch) and ``PermissionDenied``; atomic and audited.
    """
    _require_tray_coordinator(actor, municipality.pk)
    with transaction.atomic():
        lock_municipality(municipality.pk)
        clean = _checked_tray_values(municipality, values)
        ordered = ensure_default_trays(municipality)
        tray = Tray.objects.create(
            municipality=municipality, position=(len(ordered) + 1) * TRAY_POSITION_STEP, **clean
        )
        ordered.append(tray)
        _renumber(ordered)
        resorted = _resort(municipality)
        place = _place_of(tray, ordered)
        record(actor, AuditAction.CREATE, tray, purpose="werkbakje aangemaakt", details={
            "naam": tray.name, "plaats": place, "voorwaarden": _set_conditions(clean),
            **resorted.audit_details(),
        })  # fmt: skip
    return TrayChange(tray, True, place, resorted.moved, resorted.unplaced)


def _set_conditions(values: dict) -> list[str]:
    empty = (None, "", [])
    return sorted(name for name in TRAY_CONDITION_FIELDS if values.get(name) not in empty)


def _locked_tray(tray: Tray | int) -> Tray:
    """The tray, read again under its municipality's lock (``Tray.DoesNotExist`` when deleted meanwhile)."""
    tray_id = getattr(tray, "pk", tray)
    municipality_id = (
        Tray.objects.filter(pk=tray_id).values_list("municipality_id", flat=True).first()
    )
    if municipality_id is None:
        raise Tray.DoesNotExist(tray_id)
    lock_municipality(municipality_id)
    return Tray.objects.select_related("municipality", "team").get(pk=tray_id)


def update_tray(tray: Tray | int, values: dict, *, actor) -> TrayChange:
    """A coordinator changes a tray's name or conditions (all of :data:`TRAY_FIELDS`).

    Nothing is written (or audited) when nothing differs; otherwise the open signals are
    sorted into the trays again. Raises ``ValidationError`` (per field, Dutch),
    ``PermissionDenied`` and ``Tray.DoesNotExist``; atomic and audited.
    """
    with transaction.atomic():
        tray = _locked_tray(tray)
        _require_tray_coordinator(actor, tray.municipality_id)
        clean = _checked_tray_values(tray.municipality, values, tray)
        before = _stored_tray_values(tray)
        changed = sorted(name for name in TRAY_FIELDS if clean[name] != before[name])
        ordered = list(selectors.trays_of(tray.municipality))
        place = _place_of(tray, ordered)
        if not changed:
            return TrayChange(tray, False, place, 0)
        for name in changed:
            setattr(tray, name, clean[name])
        tray.save(update_fields=changed)
        resorted = _resort(tray.municipality)
        record(actor, AuditAction.UPDATE, tray, purpose="werkbakje gewijzigd", details={
            "naam": tray.name, "gewijzigd": changed, **resorted.audit_details(),
        })  # fmt: skip
    return TrayChange(tray, True, place, resorted.moved, resorted.unplaced)


def trays_fingerprint(ordered) -> str:
    """A short fingerprint of what decides where the open signals go: the trays ``ordered`` (the
    municipality's, in their order) with their conditions. A move's confirmation carries it
    (:class:`TrayMoveQuestion`); names and positions' numbers do not count, the order does."""
    text = json.dumps(
        [[t.pk, *(getattr(t, f) for f in TRAY_CONDITION_FIELDS if f != "team"), t.team_id] for t in ordered],
        default=str,
    )  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _move_in(ordered: list[Tray], tray: Tray, offset: int) -> tuple[int, int, Tray]:
    """Move ``tray`` ``offset`` places within ``ordered`` (in place, at most to the top or the
    bottom): its index before and after, and the tray it passed (itself when it stays put)."""
    start = _place_of(tray, ordered) - 1
    target = min(max(start + int(offset), 0), len(ordered) - 1)
    passed = ordered[target]
    ordered.insert(target, ordered.pop(start))
    return start, target, passed


def move_tray(
    tray: Tray | int, offset: int, *, actor, ask: bool = False, confirmed: str | None = None
) -> TrayChange:
    """A coordinator moves a tray ``offset`` places (−1: one up, 1: one down) in the order.

    A tray already at the top (bottom) stays put (``changed`` false, nothing audited);
    otherwise the open signals (``nieuw`` and ``opgepakt``, as after any change of the trays)
    are sorted into the trays again, and the audit event counts them, picked-up ones apart.

    ``ask`` (the portal's button): a move that would put open signals in another tray (or in
    none), or a tray above one that takes crisis signals (:attr:`TrayPreview.above_crisis`,
    also when no signal would change tray: the page is the one question, with or without
    script), is not done but raises :class:`TrayMoveUnconfirmed` with what it would do, unless
    ``confirmed`` is the fingerprint of that question (:func:`trays_fingerprint`). A
    ``confirmed`` fingerprint that is not that of the trays now (they changed since it was
    shown) moves nothing either: asked again (``stale``), also when no signal would change
    tray now. Both are decided under the municipality's lock, with the counts of that moment.
    Raises ``PermissionDenied`` and ``Tray.DoesNotExist``; atomic and audited.
    """
    with transaction.atomic():
        tray = _locked_tray(tray)
        _require_tray_coordinator(actor, tray.municipality_id)
        ordered = list(selectors.trays_of(tray.municipality))
        fingerprint = trays_fingerprint(ordered)
        start, target, passed = _move_in(ordered, tray, offset)
        if target == start:
            return TrayChange(tray, False, start + 1, 0)
        stale = confirmed is not None and confirmed != fingerprint
        if stale or (ask and confirmed is None):
            preview = _preview(tray, ordered, passed=passed)
            if stale or preview.moved or preview.above_crisis:
                raise TrayMoveUnconfirmed(TrayMoveQuestion(
                    tray, start + 1, target + 1, passed, preview, fingerprint, stale
                ))  # fmt: skip
        _renumber(ordered)
        tray.position = ordered[target].position
        resorted = _resort(tray.municipality)
        record(actor, AuditAction.UPDATE, tray, purpose="werkbakje verplaatst", details={
            "naam": tray.name, "van_plaats": start + 1, "naar_plaats": target + 1,
            **resorted.audit_details(), "waarvan_opgepakt": resorted.picked_up,
        })  # fmt: skip
    return TrayChange(tray, True, target + 1, resorted.moved, resorted.unplaced)


def delete_tray(tray: Tray | int, *, actor) -> TrayChange:
    """A coordinator deletes a tray; the municipality's last tray stays (``ValueError``, Dutch).

    Its open signals (``nieuw`` and ``opgepakt``) go where the remaining trays put them
    (:func:`resort_open_signals`; none when no tray takes them). Its closed signals keep no
    tray (``Signal.tray`` is emptied, the foreign key's ``SET_NULL``): the tray they were in
    no longer exists, and putting them in another would rewrite their history. Raises
    ``PermissionDenied`` and ``Tray.DoesNotExist``; atomic and audited.
    """
    with transaction.atomic():
        tray = _locked_tray(tray)
        _require_tray_coordinator(actor, tray.municipality_id)
        ordered = list(selectors.trays_of(tray.municipality))
        if len(ordered) <= 1:
            raise ValueError(gettext(
                "Het laatste werkbakje van uw gemeente kan niet worden verwijderd: elk signaal moet ergens "
                "terecht kunnen. Voeg eerst een ander werkbakje toe."
            ))  # fmt: skip
        place = _place_of(tray, ordered)
        # Its open signals first go where the other trays put them, then the closed ones lose it.
        resorted = _resort(tray.municipality, without=tray.pk)
        closed = (
            Signal.objects.filter(tray=tray).exclude(status__in=OPEN_STATUSES).update(tray=None)
        )
        tray_id, name = tray.pk, tray.name
        tray.delete()  # no signal refers to it any more
        tray.pk = tray_id  # for the audit event and the caller
        _renumber([t for t in ordered if t.pk != tray_id])
        record(actor, AuditAction.DELETE, tray, purpose="werkbakje verwijderd", details={
            "naam": name, "plaats": place, **resorted.audit_details(),
            "gesloten_signalen_zonder_werkbakje": closed,
        })  # fmt: skip
    return TrayChange(tray, True, 0, resorted.moved, resorted.unplaced)


def resort_open_signals(municipality: Municipality | str | int) -> int:
    """Sort the municipality's open signals (``nieuw`` and ``opgepakt``) into its trays again,
    after its trays changed; returns how many went to another tray (or to none).

    The same decision as evaluation (:func:`.trays.assign_trays` over the trays in their
    order, the household's ages and places from :func:`.selectors.household_context`, ages
    on the date a full evaluation uses: the newest peildatum of the municipality's
    arrears), over the figures stored with each signal and the types of the creditors of
    its counting arrears. Evaluation moves only ``nieuw`` signals (a picked-up signal's
    figures may change under its case without it changing queue); a change of the trays
    themselves is the coordinator's own decision and sorts every open signal again.
    Closed signals keep their tray. Set-based: three queries to read (one more with an
    age condition), one ``UPDATE`` per tray that receives signals.
    """
    return _resort(_municipality(municipality)).moved


def _placement(municipality: Municipality, ordered) -> pl.DataFrame:
    """Where the trays ``ordered`` (model instances, saved or not, in this order) put the
    municipality's open signals: ``signal_id``, ``status``, ``crisis``, ``tray_id`` (now) and
    ``new_tray_id`` (null: none). Reads only: three queries (one more with an age condition)."""
    conditions = [trays.TrayConditions.from_tray(t) for t in ordered]
    open_list = ", ".join(["%s"] * len(OPEN_STATUSES))
    stored = bulk.read_frame(
        "SELECT id, household_id, status, kind, crisis, repeat, debt_swap, total_amount_cents, tray_id "  # noqa: S608
        f"FROM {SIGNAL_TABLE} WHERE municipality_id = %s AND status IN ({open_list})",
        [municipality.pk, *OPEN_STATUSES],
        {
            "signal_id": pl.Int64(), "household_id": pl.Int64(), "status": pl.String(), "kind": pl.String(),
            "crisis": pl.Boolean(), "repeat": pl.Boolean(), "debt_swap": pl.Boolean(),
            "total_amount_cents": pl.Int64(), "tray_id": pl.Int64(),
        },
    )  # fmt: skip
    if stored.is_empty():
        return stored.select("signal_id", "status", "crisis", "tray_id").with_columns(
            pl.lit(None, pl.Int64).alias("new_tray_id")
        )
    creditor_types = (
        bulk.read_frame(
            f"SELECT sa.signal_id, c.type FROM {MEMBER_TABLE} sa "  # noqa: S608
            f"JOIN {SIGNAL_TABLE} s ON s.id = sa.signal_id "
            f"JOIN {selectors.ARREAR_TABLE} a ON a.id = sa.arrear_id "
            f"JOIN {selectors.CREDITOR_TABLE} c ON c.id = a.creditor_id "
            f"WHERE s.municipality_id = %s AND s.status IN ({open_list}) AND sa.counts",
            [municipality.pk, *OPEN_STATUSES],
            {"signal_id": pl.Int64(), "creditor_type": pl.String()},
        )
        .group_by("signal_id")
        .agg(pl.col("creditor_type").unique().sort().alias("creditor_types"))
    )
    on = selectors.latest_reference_date(municipality) or timezone.localdate()
    context = selectors.household_context(
        stored.get_column("household_id"),
        on=on,
        ages=any(c.needs_ages for c in conditions),
        places=any(c.needs_places for c in conditions),
    )
    frame = stored.join(creditor_types, on="signal_id", how="left", maintain_order="left").join(
        context, on="household_id", how="left", maintain_order="left"
    )
    return frame.select("signal_id", "status", "crisis", "tray_id").with_columns(
        trays.assign_trays(frame, conditions).alias("new_tray_id")
    )


def _counted(placed: pl.DataFrame) -> tuple[pl.DataFrame, Resorted]:
    """The signals that change tray, and how many (to none: ``unplaced``; picked up: ``picked_up``)."""
    moving = placed.filter(pl.col("new_tray_id").ne_missing(pl.col("tray_id")))
    unplaced = moving.filter(pl.col("new_tray_id").is_null()).height
    picked_up = moving.filter(pl.col("status") == SignalStatus.OPGEPAKT.value).height
    return moving, Resorted(moved=moving.height, unplaced=unplaced, picked_up=picked_up)


def _resort(municipality: Municipality, *, without: int | None = None) -> Resorted:
    """:func:`resort_open_signals`, as if the tray ``without`` (about to be deleted) were gone."""
    with transaction.atomic():
        lock_municipality(municipality.pk)
        placed = _placement(municipality, selectors.trays_of(municipality).exclude(pk=without))
        moving, resorted = _counted(placed)
        now = _db_now(timezone.now())
        for (tray_id,), group in moving.group_by("new_tray_id", maintain_order=True):
            where, params = bulk.id_list("id", group.get_column("signal_id").sort())
            bulk.execute(
                f"UPDATE {SIGNAL_TABLE} SET tray_id = %s, updated_at = %s WHERE {where}",  # noqa: S608
                [tray_id, now, *params],
            )
    return resorted


def _preview(tray: Tray, ordered: list[Tray], *, passed: Tray | None = None) -> TrayPreview:
    """:class:`TrayPreview` of the trays ``ordered`` (the municipality's, changed) for ``tray``;
    ``passed``: the tray ``tray`` moved past (a move): then the destinations of every open
    crisis signal that changes tray, not only of those in ``tray`` (a change, a deletion), and
    whether the tray now above the other one takes no crisis signals where the other does."""
    placed = _placement(tray.municipality, ordered)
    _moving, resorted = _counted(placed)
    crises = placed.filter(pl.col("crisis"))
    in_tray = crises.filter(pl.col("tray_id") == tray.pk)
    above_crisis = False
    if passed is not None and passed.pk != tray.pk:
        holding = set(crises.get_column("tray_id").drop_nulls().to_list())
        ids = [t.pk for t in ordered]
        upper, lower = sorted((tray, passed), key=lambda t: ids.index(t.pk))  # in the new order
        takes = {t.pk: t.crisis is True or t.pk in holding for t in (upper, lower)}
        above_crisis = takes[lower.pk] and not takes[upper.pk]
    leaving = (crises if passed is not None else in_tray).filter(
        pl.col("new_tray_id").ne_missing(pl.col("tray_id"))
    )
    counts = dict(
        leaving.group_by("new_tray_id").len().iter_rows()
    )  # new tray id (None: none) → how many
    destinations = [(t.name, counts[t.pk]) for t in ordered if t.pk in counts]
    if counts.get(None):
        destinations.append((None, counts[None]))
    return TrayPreview(
        moved=resorted.moved,
        unplaced=resorted.unplaced,
        picked_up=resorted.picked_up,
        crisis_destinations=tuple(destinations),
        crisis_in_tray=in_tray.height,
        crisis_tray_left=any(t.crisis is True for t in ordered if t.pk != tray.pk),
        above_crisis=above_crisis,
    )


def preview_tray_update(tray: Tray, values: dict) -> TrayPreview:
    """What :func:`update_tray` with ``values`` (checked by :func:`tray_problems`) would do to
    the open signals, without saving anything: a copy of the tray with the new conditions in
    its place. Reads only (no lock: the numbers are those of this moment)."""
    clean = _tray_values(values)
    before = _stored_tray_values(tray)
    if all(clean[name] == before[name] for name in TRAY_FIELDS):
        return TrayPreview()  # update_tray changes nothing, and sorts nothing again
    changed = Tray(
        pk=tray.pk, municipality_id=tray.municipality_id, position=tray.position, **clean
    )
    ordered = [changed if t.pk == tray.pk else t for t in selectors.trays_of(tray.municipality_id)]
    return _preview(tray, ordered)


def preview_tray_move(tray: Tray, offset: int) -> TrayPreview:
    """What :func:`move_tray` would do to the open signals (every crisis signal that would change
    tray, per destination; whether it puts a tray above a crisis tray), without moving anything.
    Reads only (no lock: the numbers are those of this moment; ``move_tray(..., ask=True)``
    decides again under the lock)."""
    ordered = list(selectors.trays_of(tray.municipality_id))
    start, target, passed = _move_in(ordered, tray, offset)
    if target == start:
        return TrayPreview()  # move_tray changes nothing, and sorts nothing again
    return _preview(tray, ordered, passed=passed)


def preview_tray_delete(tray: Tray) -> TrayPreview:
    """What :func:`delete_tray` would do to the open signals (its crisis signals above all),
    without deleting anything. Reads only."""
    ordered = [t for t in selectors.trays_of(tray.municipality_id) if t.pk != tray.pk]
    return _preview(tray, ordered)

"""The one scoping layer: what each user may see.

Every model that holds data declares a ``scope = Scope(...)`` attribute naming,
per kind of organisation, the lookup path from the model to that organisation.
Views, API endpoints and exports obtain their querysets through
:func:`scoped` (or :func:`get_scoped_or_404`) and never filter by tenant by
hand. What a model does not declare for a role, that role does not see: the
default is deny. A page or endpoint that takes an object's id from its address
fetches it with :func:`get_scoped_or_404_audited`, so that a refusal is in the
audit log (BIO 12.4.1: refused access is logged).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.db import models
from django.http import Http404
from django.utils import timezone
from rest_framework.exceptions import Throttled

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import User

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Scope:
    """Lookup paths from a model to the organisation that may see it.

    ``municipality`` is used for coordinators, ``team`` for hulpverleners,
    ``creditor`` for creditor staff and ``privacy_officer`` (a path to a
    municipality) for privacy officers. ``beheerder`` lets platform operators
    see the rows (organisation data only, never personal data).
    ``team_while`` adds lookups that must hold for the same related row as
    ``team`` (a household is the team's only while the team's case on it is
    open, not for as long as the closed case is kept).
    """

    municipality: str | None = None
    team: str | None = None
    team_while: dict | None = None
    creditor: str | None = None
    privacy_officer: str | None = None
    beheerder: bool = False


def _scope_of(model: type[models.Model]) -> Scope:
    scope = getattr(model, "scope", None)
    if not isinstance(scope, Scope):
        raise TypeError(
            f"{model.__name__} declares no Scope; add `scope = Scope(...)` to the model."
        )
    return scope


def _filter(
    qs: models.QuerySet, path: str, value: object, extra: dict | None = None
) -> models.QuerySet:
    lookups = {path: value, **(extra or {})}
    if "__" not in path and not extra:
        return qs.filter(**lookups)
    # Paths through to-many relations would duplicate rows; a subquery does not. One
    # filter() call keeps ``extra`` on the same related row as ``path``.
    return qs.filter(pk__in=qs.model._base_manager.filter(**lookups).values("pk"))


def scoped(
    user: User | None, model_or_queryset: type[M] | models.QuerySet[M]
) -> models.QuerySet[M]:
    """Return the rows of a model (or queryset) that ``user`` may see."""
    from .models import Role

    qs = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    scope = _scope_of(qs.model)
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    role = user.role
    if role == Role.COORDINATOR and scope.municipality and user.municipality_id:
        return _filter(qs, scope.municipality, user.municipality_id)
    if role == Role.HULPVERLENER and scope.team and user.team_id:
        return _filter(qs, scope.team, user.team_id, scope.team_while)
    if role == Role.SCHULDEISER and scope.creditor and user.creditor_id:
        return _filter(qs, scope.creditor, user.creditor_id)
    if role == Role.PRIVACY_OFFICER and scope.privacy_officer:
        if user.municipality_id is None:  # a platform-wide FG
            return qs
        return _filter(qs, scope.privacy_officer, user.municipality_id)
    if role == Role.BEHEERDER and scope.beheerder:
        return qs
    return qs.none()


def get_scoped_or_404(
    user: User | None, model_or_queryset: type[M] | models.QuerySet[M], **lookup
) -> M:
    """Fetch one object the user may see, else 404 — whether it exists or not."""
    try:
        return scoped(user, model_or_queryset).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, TypeError):
        raise Http404


# An id the audit log may hold: a whole number in the range of a BigAutoField (at most 20
# characters; ``AuditEvent.object_id`` takes 64). Anything else the user typed is left out.
_ID_RANGE = range(-(2**63), 2**63)


def get_scoped_or_404_audited(
    request: HttpRequest,
    model_or_queryset: type[M] | models.QuerySet[M],
    pk: int,
    *,
    purpose: str,
) -> M:
    """Fetch the object with id ``pk`` that the request's user may see, else 404 and an
    ``access_denied`` audit event, so the privacy officer sees someone probing ids.

    A refusal must not tell whether the object exists: an id that does not exist gets the
    same 404 and the same event (the object's type, the id asked for, ``purpose``, the
    address) as one of another organisation; nothing in the event depends on the object.

    Past ``REFUSED_LOOKUPS_PER_USER`` refusals in ``REFUSED_LOOKUP_WINDOW`` seconds (a script
    trying ids) a refusal is :class:`TooManyRefusals` (429) instead: one more event says so
    (:data:`TOO_MANY_PURPOSE`), and the refusals after it write none until the oldest leave the
    window, so one user cannot fill the audit log (and hold its chain's lock) with refusals.
    """
    try:
        return get_scoped_or_404(request.user, model_or_queryset, pk=pk)
    except Http404:
        # Imported here: the privacy app's models import this module.
        from vroegsignaal.privacy.services import AuditAction, recent_refusals, record

        model = (
            model_or_queryset.model
            if isinstance(model_or_queryset, models.QuerySet)
            else model_or_queryset
        )
        well_formed = type(pk) is int and pk in _ID_RANGE
        event = {
            "object_type": model._meta.label_lower,
            "object_id": pk if well_formed else "",
            "request": request,
        }
        limit, window = _refusal_limit()
        if limit:
            refusals = recent_refusals(request.user, seconds=window)
            if len(refusals) >= limit:
                if len(refusals) == limit:
                    marker = record(
                        request.user, AuditAction.ACCESS_DENIED, purpose=TOO_MANY_PURPOSE,
                        details={"grens": limit, "venster_seconden": window}, **event,
                    )  # fmt: skip
                    refusals.append(marker.timestamp)
                raise TooManyRefusals(_wait(refusals, limit, window)) from None
        record(request.user, AuditAction.ACCESS_DENIED, purpose=purpose, **event)
        raise


# The audit purpose of the event that marks a user's refusals past the limit (privacy/purposes.py).
TOO_MANY_PURPOSE = "te veel geweigerde opvragingen"


class TooManyRefusals(Throttled):
    """Refused look-ups past the limit: 429 with ``Retry-After``. The API answers it as DRF's
    ``Throttled`` (``intake.errors``); the portal with ``429.html``
    (:class:`vroegsignaal.portal.middleware.TooManyRefusalsMiddleware`)."""


def _refusal_limit() -> tuple[int, int]:
    limit = int(getattr(settings, "REFUSED_LOOKUPS_PER_USER", 0) or 0)
    window = max(int(getattr(settings, "REFUSED_LOOKUP_WINDOW", 0) or 0), 1)
    return limit, window


def _wait(refusals: list[dt.datetime], limit: int, window: int) -> int:
    """Seconds until fewer than ``limit`` of the ``refusals`` (oldest first, the marker event
    among them) are in the window, so that the next refusal is a 404 again (at least 1)."""
    last_to_leave = refusals[len(refusals) - limit]
    left = (last_to_leave + dt.timedelta(seconds=window) - timezone.now()).total_seconds()
    return max(math.ceil(left), 1)

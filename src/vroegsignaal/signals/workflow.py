"""The life of a signal: every allowed status change, in one table.

``nieuw`` signals are picked up (``opgepakt``), declined (``niet_opgepakt``)
or lapse by themselves when all their arrears are cleared (``vervallen``,
by evaluation). A picked-up signal lives on in its case and ends when the
case is closed (``afgesloten``). The three end states are final.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from .models import SignalStatus

# Two identical requests of one user this close together are one act sent twice (a
# double-click, a form sent again), not two: the second finds what the first recorded and gets
# its answer. One window for every such act: picking up, declining, the case work
# (``cases.shared``) and saving the signal rules (``services.change_rules``).
SENT_TWICE_WITHIN = dt.timedelta(seconds=10)

S = SignalStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NIEUW: frozenset({S.OPGEPAKT, S.NIET_OPGEPAKT, S.VERVALLEN}),
    S.OPGEPAKT: frozenset({S.AFGESLOTEN}),
    S.NIET_OPGEPAKT: frozenset(),
    S.VERVALLEN: frozenset(),
    S.AFGESLOTEN: frozenset(),
}


def _label(status: str) -> str:
    """The status as users read it ('niet opgepakt'), not its code ('niet_opgepakt')."""
    try:
        return str(SignalStatus(status).label).lower()
    except ValueError:
        return status


class InvalidTransition(Exception):
    def __init__(self, current: str, target: str):
        statuses = {"current": _label(current), "target": _label(target)}
        if (
            current == target
        ):  # a second pick-up of the same signal, e.g. from a tray page left open
            message = _("Dit signaal is al %(current)s.") % statuses
        elif TRANSITIONS.get(current):
            message = (
                _("Een signaal met status '%(current)s' kan niet naar '%(target)s'.") % statuses
            )
        else:
            message = (
                _("Dit signaal heeft al de eindstatus '%(current)s' en kan niet meer veranderen.")
                % statuses
            )
        super().__init__(message)
        self.current, self.target = current, target


class SignalGone(InvalidTransition):
    """The signal was deleted (retention: a signal never picked up, past its term) while the
    user's page still showed it: said as a refused change, not a server error."""

    def __init__(self):
        Exception.__init__(
            self,
            _(
                "Dit signaal bestaat niet meer: het was nooit opgepakt en is na de bewaartermijn "
                "verwijderd."
            ),
        )
        self.current, self.target = "", ""


def check(current: str, target: str) -> None:
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(current, target)

"""The life of a case: every allowed status change, in one table.

A case opens ``opgepakt`` when its signal is picked up. A contact attempt
that reaches nobody makes it ``contact_gezocht``; one that reaches the
household ``in_contact``. An accepted offer of help makes it
``hulp_aanvaard`` (first conversation within four weeks). Any open case may
be closed (``afgesloten``) with its outcome; a closed case stays closed.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import CaseStatus

S = CaseStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPGEPAKT: frozenset({S.CONTACT_GEZOCHT, S.IN_CONTACT, S.HULP_AANVAARD, S.AFGESLOTEN}),
    S.CONTACT_GEZOCHT: frozenset({S.IN_CONTACT, S.HULP_AANVAARD, S.AFGESLOTEN}),
    S.IN_CONTACT: frozenset({S.HULP_AANVAARD, S.AFGESLOTEN}),
    S.HULP_AANVAARD: frozenset({S.AFGESLOTEN}),
    S.AFGESLOTEN: frozenset(),
}


def _label(status: str) -> str:
    """The status as users read it ('niet opgepakt'), not its code ('niet_opgepakt')."""
    try:
        return str(CaseStatus(status).label).lower()
    except ValueError:
        return status


class InvalidTransition(Exception):
    def __init__(self, current: str, target: str):
        if TRANSITIONS.get(current):
            message = _("Een zaak met status '%(current)s' kan niet naar '%(target)s'.") % {
                "current": _label(current),
                "target": _label(target),
            }
        else:
            message = _(
                "Deze zaak heeft al de eindstatus '%(current)s' en kan niet meer veranderen."
            ) % {"current": _label(current)}
        super().__init__(message)
        self.current, self.target = current, target


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS[current]


def check(current: str, target: str) -> None:
    if not allowed(current, target):
        raise InvalidTransition(current, target)

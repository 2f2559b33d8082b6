"""The life of a signal: every allowed status change, in one table.

``nieuw`` signals are picked up (``opgepakt``), declined (``niet_opgepakt``)
or lapse by themselves when all their arrears are cleared (``vervallen``,
by evaluation). A picked-up signal lives on in its case and ends when the
case is closed (``afgesloten``). The three end states are final.
"""

from __future__ import annotations

from .models import SignalStatus

S = SignalStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NIEUW: frozenset({S.OPGEPAKT, S.NIET_OPGEPAKT, S.VERVALLEN}),
    S.OPGEPAKT: frozenset({S.AFGESLOTEN}),
    S.NIET_OPGEPAKT: frozenset(),
    S.VERVALLEN: frozenset(),
    S.AFGESLOTEN: frozenset(),
}


class InvalidTransition(Exception):
    def __init__(self, current: str, target: str):
        super().__init__(f"Een signaal met status {current} kan niet naar {target}.")
        self.current, self.target = current, target


def check(current: str, target: str) -> None:
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(current, target)

"""Shared set-up for the tests of the coordinator's rules page (Signaalregels); its fixtures
(``municipality``, ``coordinator``, ``colleague``) are in the conftest."""

from __future__ import annotations

from vroegsignaal.signals.models import RuleSet

URL = "/signalen/regels/"


def rules_form(**changes) -> dict:
    """What the page's form posts when nothing is touched (version 1, with the ``municipality``
    fixture's values: min_amount_eur 50, the rest the defaults), with ``changes``; a change to
    ``None`` leaves its field out."""
    data = {
        "version": "1", "max_age_days": "100", "min_amount_eur": "50", "min_creditors": "2",
        "count_distinct": "creditor", "single_signals": "ja", "repeat_window_days": "183",
        "debt_swap_window_days": "60",
    }  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def versions(municipality) -> list[int]:
    """The versions of the municipality's rules, oldest first."""
    return list(
        RuleSet.objects.filter(municipality=municipality)
        .order_by("version")
        .values_list("version", flat=True)
    )

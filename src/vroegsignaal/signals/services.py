"""The signals app's public face."""

from __future__ import annotations

from django.db import transaction

from vroegsignaal.organisations.models import Municipality

from .models import RuleSet
from .rules import RuleValues


def current_rules(municipality: Municipality) -> RuleSet | None:
    return municipality.rule_sets.order_by("-version").first()


@transaction.atomic
def set_rules(municipality: Municipality, values: RuleValues, *, actor=None) -> tuple[RuleSet, bool]:
    """Make ``values`` the municipality's rules; a new version only when they differ."""
    Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
    current = current_rules(municipality)
    if current is not None and current.values() == values:
        return current, False
    data = values.as_dict()
    rule_set = RuleSet.objects.create(
        municipality=municipality,
        version=(current.version + 1) if current else 1,
        created_by=actor,
        **data,
    )
    return rule_set, True

"""The signal rules' parameters and their defaults.

The defaults come from ARCHITECTURE.md ("Defaults for the rules"), which in
turn follow the Wgs and the practice of VPS/RIS; every municipality may change
them (``load_config`` or the portal), and each change is a new version.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# An arrear counts while it is at most this old at the peildatum (Wgs practice: 100 days).
DEFAULT_MAX_AGE_DAYS = 100
# A multiple signal needs arrears at this many distinct creditors.
DEFAULT_MIN_CREDITORS = 2
DEFAULT_MIN_AMOUNT_EUR = 0
# Debt swap: a new arrear within 60 days of another creditor's clearing.
DEFAULT_DEBT_SWAP_WINDOW_DAYS = 60
# Repeat: a signal in the previous 6 months (183 days).
DEFAULT_REPEAT_WINDOW_DAYS = 183

COUNT_DISTINCT_CHOICES = ("creditor", "type")


@dataclass(frozen=True)
class RuleValues:
    """The values of one rule set, independent of storage."""

    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    min_creditors: int = DEFAULT_MIN_CREDITORS
    min_amount_eur: int = DEFAULT_MIN_AMOUNT_EUR
    single_signals: bool = True
    single_signal_excluded_types: tuple[str, ...] = field(default_factory=tuple)
    debt_swap_window_days: int = DEFAULT_DEBT_SWAP_WINDOW_DAYS
    repeat_window_days: int = DEFAULT_REPEAT_WINDOW_DAYS
    count_distinct: str = "creditor"

    def as_dict(self) -> dict:
        values = asdict(self)
        values["single_signal_excluded_types"] = list(self.single_signal_excluded_types)
        return values


LIMITS = {
    "max_age_days": (1, 3650),
    "min_creditors": (1, 20),
    "min_amount_eur": (0, 1_000_000),
    "debt_swap_window_days": (0, 3650),
    "repeat_window_days": (0, 3650),
}


def validate_rule_values(raw: dict | None, *, where: str = "rules") -> RuleValues:
    """Check a mapping of rule values; raise ``ValueError`` with a Dutch message."""
    from vroegsignaal.organisations.models import CreditorType

    raw = dict(raw or {})
    known = set(RuleValues.__dataclass_fields__)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"{where}: onbekende regel(s) {', '.join(unknown)}.")
    values: dict = {}
    for name, (low, high) in LIMITS.items():
        if name in raw:
            value = raw[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(
                    f"{where}.{name}: verwacht een geheel getal van {low} tot en met {high}, niet {value!r}."
                )
            values[name] = value
    if "single_signals" in raw:
        if not isinstance(raw["single_signals"], bool):
            raise ValueError(f"{where}.single_signals: verwacht true of false.")
        values["single_signals"] = raw["single_signals"]
    if "count_distinct" in raw:
        if raw["count_distinct"] not in COUNT_DISTINCT_CHOICES:
            raise ValueError(f"{where}.count_distinct: kies 'creditor' of 'type'.")
        values["count_distinct"] = raw["count_distinct"]
    if "single_signal_excluded_types" in raw:
        types = raw["single_signal_excluded_types"] or []
        if not isinstance(types, list) or any(t not in CreditorType.values for t in types):
            raise ValueError(
                f"{where}.single_signal_excluded_types: verwacht een lijst van schuldeisersoorten "
                f"({', '.join(CreditorType.values)})."
            )
        values["single_signal_excluded_types"] = tuple(types)
    return RuleValues(**values)

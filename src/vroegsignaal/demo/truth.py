"""Ground truth: what a correct system must signal, from the simulated state.

This module deliberately does not import the system's own rule code: the
ground truth is an independent reading of the rules of ARCHITECTURE.md
("Defaults for the rules"), applied to the arrears the simulation knows to
be open — never to the delivered files.

Definitions (per address, i.e. per household as the system keys it):

- *visible*: an open arrear whose creditor has an active covenant with the
  address's municipality on the peildatum. Only visible arrears exist for a
  correct system (rows outside covenant are dropped; the generator's
  deliberately invalid rows are extra rows of fictitious customers, so they
  never hide a real arrear).
- *counting*: visible, age (peildatum − ontstaansdatum) between 0 and
  ``max_age_days``, and amount ≥ ``min_amount_eur``.
- the address is *signalled* when its counting arrears come from at least
  ``min_creditors`` distinct creditors (``meervoudig``) or, with
  ``single_signals`` or when one of them is a crisis, from one
  (``enkelvoudig``). Distinct by organisation, or by creditor type when
  ``count_distinct`` is ``type``.
- *run*: consecutive delivered peildata on which the address is signalled;
  ``nieuw`` marks the first peildatum of a run.
- *herhaald*: the address was signalled on a delivered peildatum that lies
  in the ``repeat_window_days`` before the start of the current run (fixed
  for the whole run, as a signal's repeat flag is fixed when it is raised).
- *schuldverschuiving*: a counting arrear at creditor B whose ontstaansdatum
  lies within ``debt_swap_window_days`` of the interval in which a visible
  arrear of another creditor A at the same address was cleared — the
  interval from the last delivered peildatum with A's arrear to the first
  without it, both inclusive, already observed by this peildatum. Creditors
  differ by organisation (whatever ``count_distinct`` says).
- *crisis*: a counting arrear carries a crisis flag (the generator only
  flags arrears within the age window, so age does not make this ambiguous).

History only reaches back to the first delivered peildatum: what happened
before the deliveries began is unknown to any system.
"""

from __future__ import annotations

from dataclasses import dataclass

# ARCHITECTURE.md, "Defaults for the rules".
MAX_AGE_DAYS = 100
MIN_CREDITORS = 2
MIN_AMOUNT_EUR = 0
DEBT_SWAP_WINDOW_DAYS = 60
REPEAT_WINDOW_DAYS = 183


@dataclass(frozen=True)
class Rules:
    max_age_days: int = MAX_AGE_DAYS
    min_creditors: int = MIN_CREDITORS
    min_amount_eur: int = MIN_AMOUNT_EUR
    single_signals: bool = True
    debt_swap_window_days: int = DEBT_SWAP_WINDOW_DAYS
    repeat_window_days: int = REPEAT_WINDOW_DAYS
    count_distinct: str = "creditor"

    @classmethod
    def from_config(cls, values: dict | None) -> Rules:
        values = values or {}
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True, slots=True)
class VisibleArrear:
    key: tuple[str, str]  # (creditor code, klantnummer): one customer relationship
    creditor: str
    ctype: str
    amount: int  # cents
    start: int  # ordinal day
    crisis: bool


@dataclass(frozen=True, slots=True)
class Signal:
    month: int
    soort: str  # meervoudig | enkelvoudig
    crisis: bool
    herhaald: bool
    schuldverschuiving: bool
    nieuw: bool
    run_start: int  # index of the month the run began
    creditors: tuple[str, ...]
    total_cents: int
    oldest_start: int
    counting: tuple[VisibleArrear, ...]


def counting_arrears(
    visible: list[VisibleArrear], peildatum: int, rules: Rules
) -> list[VisibleArrear]:
    minimum = rules.min_amount_eur * 100
    return [
        a
        for a in visible
        if 0 <= peildatum - a.start <= rules.max_age_days and a.amount >= minimum and a.amount > 0
    ]


def _distinct(arrears: list[VisibleArrear], rules: Rules) -> int:
    if rules.count_distinct == "type":
        return len({a.ctype for a in arrears})
    return len({a.creditor for a in arrears})


def evaluate_address(
    history: list[list[VisibleArrear]], peildata: list[int], rules: Rules
) -> list[Signal | None]:
    """The signal (or ``None``) of one address on each delivered peildatum.

    ``history[m]`` lists the address's visible open arrears on ``peildata[m]``.
    """
    months = len(peildata)
    signalled = [False] * months
    run_start = [0] * months
    out: list[Signal | None] = [None] * months
    # Clearing events seen so far: (creditor, last peildatum with it, first without it).
    clearings: list[tuple[str, int, int]] = []
    for m in range(months):
        if m > 0:
            now = {a.key for a in history[m]}
            for a in history[m - 1]:
                if a.key not in now:
                    clearings.append((a.creditor, peildata[m - 1], peildata[m]))
        counting = counting_arrears(history[m], peildata[m], rules)
        distinct = _distinct(counting, rules)
        multiple = distinct >= rules.min_creditors
        crisis = any(a.crisis for a in counting)
        if not (multiple or (rules.single_signals and distinct >= 1) or crisis):
            continue
        signalled[m] = True
        run_start[m] = run_start[m - 1] if m > 0 and signalled[m - 1] else m
        start = run_start[m]
        window = rules.repeat_window_days
        herhaald = any(
            signalled[j] and peildata[start] - peildata[j] <= window for j in range(start)
        )
        swap_window = rules.debt_swap_window_days
        swap = any(
            creditor != a.creditor and last - swap_window <= a.start <= first_without + swap_window
            for a in counting
            for creditor, last, first_without in clearings
        )
        out[m] = Signal(
            month=m,
            soort="meervoudig" if multiple else "enkelvoudig",
            crisis=crisis,
            herhaald=herhaald,
            schuldverschuiving=swap,
            nieuw=start == m,
            run_start=start,
            creditors=tuple(sorted({a.creditor for a in counting})),
            total_cents=sum(a.amount for a in counting),
            oldest_start=min(a.start for a in counting),
            counting=tuple(counting),
        )
    return out

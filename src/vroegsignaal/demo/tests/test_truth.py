"""The ground truth agrees with the simulated truth, recomputed here independently."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
import yaml

from vroegsignaal.demo.creditors import ROSTER
from vroegsignaal.demo.services import simulate_world
from vroegsignaal.demo.truth import Rules, VisibleArrear, evaluate_address

from .conftest import SMALL
from .reading import load_json, read_table


def _euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _recompute(world) -> tuple[dict, dict]:
    """Signals per (peildatum, address key), and open arrears per peildatum, straight from the simulation."""
    config = yaml.safe_load((world / "config.yaml").read_text(encoding="utf-8"))
    peildata = [
        dt.date.fromisoformat(p)
        for p in load_json(world / "ground_truth" / "world.json")["peildata"]
    ]
    rules = {m["code"]: m["rules"] for m in config["municipalities"]}

    def active(creditor, municipality, day):
        return any(
            c["creditor"] == creditor
            and c["municipality"] == municipality
            and c["valid_from"] <= day
            and (c["valid_until"] is None or day <= c["valid_until"])
            for c in config["covenants"]
        )

    signals, open_arrears = {}, defaultdict(int)
    for sim in simulate_world(**SMALL):
        code = sim.municipality.code
        rule = rules[code]
        per_address = defaultdict(lambda: [[] for _ in peildata])
        for m, snaps in enumerate(sim.snapshots):
            open_arrears[peildata[m]] += len(snaps)
            for s in snaps:
                rel = sim.households[s.household].rels[s.rel]
                creditor = ROSTER[rel.creditor]
                if active(creditor.code, code, peildata[m]):
                    per_address[s.addr][m].append(
                        (creditor.code, creditor.type, rel.uid, s.amount, s.start, s.crisis)
                    )
        for addr, months in per_address.items():
            a = sim.addresses[addr]
            key = (a.postcode, str(a.number), a.letter, a.addition)
            signalled, run_start, clearings = [], [], []
            for m, visible in enumerate(months):
                p = peildata[m].toordinal()
                if m:
                    now = {(c, u) for c, _, u, *_ in visible}
                    clearings += [
                        (c, peildata[m - 1].toordinal(), p)
                        for c, _, u, *_ in months[m - 1]
                        if (c, u) not in now
                    ]
                counting = [
                    v
                    for v in visible
                    if 0 <= p - v[4] <= rule["max_age_days"]
                    and v[3] >= rule["min_amount_eur"] * 100
                ]
                kinds = {v[1] if rule["count_distinct"] == "type" else v[0] for v in counting}
                multiple = len(kinds) >= rule["min_creditors"]
                crisis = any(v[5] for v in counting)
                is_signal = multiple or (rule["single_signals"] and len(kinds) >= 1) or crisis
                signalled.append(is_signal)
                run_start.append(
                    (run_start[-1] if m and signalled[m - 1] else m) if is_signal else None
                )
                if not is_signal:
                    continue
                start = run_start[m]
                earlier = [j for j in range(start) if signalled[j]]
                herhaald = any(
                    peildata[start].toordinal() - peildata[j].toordinal()
                    <= rule["repeat_window_days"]
                    for j in earlier
                )
                w = rule["debt_swap_window_days"]
                swap = any(
                    c != v[0] and last - w <= v[4] <= first + w
                    for v in counting
                    for c, last, first in clearings
                )
                signals[(peildata[m].isoformat(), key)] = {
                    "soort": "meervoudig" if multiple else "enkelvoudig",
                    "crisis": "ja" if crisis else "nee",
                    "herhaald": "ja" if herhaald else "nee",
                    "schuldverschuiving": "ja" if swap else "nee",
                    "nieuw": "ja" if start == m else "nee",
                    "signaal_sinds": peildata[start].isoformat(),
                    "schuldeisers": ",".join(sorted({v[0] for v in counting})),
                    "totaal_bedrag": _euros(sum(v[3] for v in counting)),
                    "oudste_ontstaansdatum": dt.date.fromordinal(
                        min(v[4] for v in counting)
                    ).isoformat(),
                }
    return signals, open_arrears


@pytest.fixture(scope="module")
def recomputed(realistic_world):
    return _recompute(realistic_world)


def _written(world):
    written = {}
    for month in sorted((world / "ground_truth").glob("20*")):
        for row in read_table(month / "signals.csv"):
            key = (
                row["postcode"],
                row["huisnummer"],
                row["huisletter"],
                row["huisnummertoevoeging"],
            )
            written[(row["peildatum"], key)] = {
                k: row[k]
                for k in (
                    "soort",
                    "crisis",
                    "herhaald",
                    "schuldverschuiving",
                    "nieuw",
                    "signaal_sinds",
                    "schuldeisers",
                    "totaal_bedrag",
                    "oudste_ontstaansdatum",
                )
            }
    return written


def test_signals_agree_with_the_simulation_recomputed_independently(realistic_world, recomputed):
    signals, _ = recomputed
    assert _written(realistic_world) == signals


def test_every_flag_occurs_in_the_ground_truth(recomputed):
    signals, _ = recomputed
    for flag in ("crisis", "herhaald", "schuldverschuiving", "nieuw"):
        assert any(s[flag] == "ja" for s in signals.values()), flag
    assert {s["soort"] for s in signals.values()} == {"meervoudig", "enkelvoudig"}


def test_arrears_table_lists_every_open_arrear_of_the_simulation(realistic_world, recomputed):
    _, open_arrears = recomputed
    for day, count in open_arrears.items():
        assert (
            len(read_table(realistic_world / "ground_truth" / day.isoformat() / "arrears.csv"))
            == count
        )


def test_summary_counts_match_the_signal_table(realistic_world):
    for month in sorted((realistic_world / "ground_truth").glob("20*")):
        rows = read_table(month / "signals.csv")
        summary = load_json(month / "summary.json")
        assert summary["signalen"]["totaal"] == len(rows)
        assert summary["signalen"]["meervoudig"] == sum(r["soort"] == "meervoudig" for r in rows)
        assert summary["signalen"]["herhaald"] == sum(r["herhaald"] == "ja" for r in rows)


# --- the rules, on hand-made histories --------------------------------------------------------

DAY = dt.date(2026, 1, 1).toordinal()
PEILDATA = [DAY, DAY + 31, DAY + 59, DAY + 90, DAY + 120]


def _arrear(creditor, start, amount=10_000, crisis=False, ctype="Zorg", customer="1"):
    return VisibleArrear((creditor, customer), creditor, ctype, amount, start, crisis)


def test_an_arrear_older_than_the_age_window_does_not_count():
    history = [[_arrear("A", DAY - 101)], [], [], [], []]
    assert evaluate_address(history, PEILDATA, Rules())[0] is None
    history[0] = [_arrear("A", DAY - 100)]
    assert evaluate_address(history, PEILDATA, Rules())[0] is not None


def test_two_creditors_make_a_multiple_signal_but_two_insurers_of_one_type_do_not_when_counting_by_type():
    history = [[_arrear("A", DAY - 5), _arrear("B", DAY - 9, customer="2")], [], [], [], []]
    assert evaluate_address(history, PEILDATA, Rules())[0].soort == "meervoudig"
    assert (
        evaluate_address(history, PEILDATA, Rules(count_distinct="type"))[0].soort == "enkelvoudig"
    )


def test_an_amount_below_the_minimum_does_not_count():
    history = [[_arrear("A", DAY - 5, amount=4_999)], [], [], [], []]
    assert evaluate_address(history, PEILDATA, Rules(min_amount_eur=50))[0] is None


def test_repeat_needs_an_earlier_separate_run_within_the_window():
    a = _arrear("A", DAY - 5)
    b = _arrear("B", PEILDATA[2] - 3, customer="2")
    signals = evaluate_address([[a], [a], [], [], []], PEILDATA, Rules())
    assert not signals[1].herhaald and not signals[1].nieuw
    signals = evaluate_address([[a], [], [b], [], []], PEILDATA, Rules())
    assert signals[2].herhaald and signals[2].nieuw


def test_debt_swap_window_is_inclusive_on_both_sides_of_the_clearing_interval():
    a = _arrear("A", DAY - 5)
    for start, expected in ((PEILDATA[0] - 60, True), (PEILDATA[0] - 61, False)):
        b = _arrear("B", start, customer="2")
        signals = evaluate_address([[a, b], [b], [], [], []], PEILDATA, Rules())
        assert signals[1].schuldverschuiving is expected
    late = _arrear("B", PEILDATA[1] + 60, customer="2")
    history = [[a], [], [], [late], []]
    assert evaluate_address(history, [*PEILDATA[:3], PEILDATA[1] + 60, PEILDATA[4]], Rules())[
        3
    ].schuldverschuiving


def test_the_same_creditor_coming_back_is_no_debt_swap():
    a = _arrear("A", DAY - 5)
    again = _arrear("A", PEILDATA[2] - 3, customer="9")
    assert not evaluate_address([[a], [], [again], [], []], PEILDATA, Rules())[2].schuldverschuiving

"""The world behaves like the national figures (within a few percentage points)."""

from __future__ import annotations

from collections import Counter

import pytest

from vroegsignaal.demo.creditors import CREDITORS_BY_CODE, CRISIS_REASON

from .reading import load_json, read_table

NATIONAL_MIX = {"Zorg": 0.45, "Energie": 0.25, "Huur": 0.19, "Water": 0.11}


@pytest.fixture(scope="module")
def summaries(statistical_world):
    return [
        load_json(m / "summary.json")
        for m in sorted((statistical_world / "ground_truth").glob("20*"))
    ]


def test_creditor_mix_of_signals_is_near_the_national_one(summaries):
    counts = Counter()
    for s in summaries:
        counts.update(
            {k: v for k, v in s["schuldeisers_in_signalen_per_soort"].items() if k in NATIONAL_MIX}
        )
    total = sum(counts.values())
    for kind, share in NATIONAL_MIX.items():
        assert counts[kind] / total == pytest.approx(share, abs=0.04), kind


def test_about_eleven_percent_of_signalled_households_have_several_creditors(summaries):
    multiple = sum(s["signalen"]["meervoudig"] for s in summaries)
    total = sum(s["signalen"]["totaal"] for s in summaries)
    assert multiple / total == pytest.approx(0.11, abs=0.04)


def test_about_forty_percent_had_a_signal_in_the_previous_six_months(summaries):
    later = summaries[6:]  # from the seventh month on, six months of history exist
    repeated = sum(s["signalen"]["herhaald"] for s in later)
    total = sum(s["signalen"]["totaal"] for s in later)
    assert repeated / total == pytest.approx(0.40, abs=0.08)


def test_signal_rate_is_near_the_national_rate_per_thousand_residents(summaries):
    rates = [s["nieuwe_achterstanden_per_1000_inwoners"] for s in summaries]
    assert 3.0 < sum(rates) / len(rates) < 7.0


def test_crisis_signals_are_a_small_share(summaries):
    crisis = sum(s["signalen"]["crisis"] for s in summaries)
    total = sum(s["signalen"]["totaal"] for s in summaries)
    assert 0.003 < crisis / total < 0.08


@pytest.fixture(scope="module")
def arrears(statistical_world):
    rows = []
    for month in sorted((statistical_world / "ground_truth").glob("20*"))[-3:]:
        rows += read_table(month / "arrears.csv")
    return rows


def test_amounts_are_whole_terms_of_rent_premium_or_instalment(arrears):
    for row in arrears:
        creditor = CREDITORS_BY_CODE[row["schuldeiser"]]
        cents, terms = round(float(row["bedrag"]) * 100), int(row["aantal_termijnen"])
        assert terms >= 1 and cents % terms == 0
        low, high = creditor.unit_cents
        assert low - 100 <= cents // terms <= high, row


def test_crisis_reason_fits_the_creditor_type(arrears):
    flagged = [r for r in arrears if r["crisis_reden"]]
    assert flagged
    for row in flagged:
        assert row["crisis_reden"] == CRISIS_REASON[row["soort_schuldeiser"]]
        assert int(row["leeftijd_dagen"]) <= 100


def test_households_have_one_to_six_members(statistical_world):
    import json

    features = json.loads((statistical_world / "buurten.geojson").read_text(encoding="utf-8"))[
        "features"
    ]
    residents = sum(f["properties"]["AANT_INW"] for f in features)
    households = sum(f["properties"]["AANTAL_HH"] for f in features)
    assert 1.9 < residents / households < 2.4

"""The intake front end against the world generator's files and their ground truth.

The ground truth (``ground_truth/deliveries.json``) lists per file the rejected
rows, the warnings and, for hostile files, the refusal. Here only what needs no
database is compared: codes such as ``ADRES_ONBEKEND`` or ``LEVERING_DUBBEL``
are the delivery service's. The generator numbers data rows from 1 after the
header; ``rij - header_row`` gives that number.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from vroegsignaal.intake.normalise import normalise_delivery
from vroegsignaal.intake.parsing import parse_delivery
from vroegsignaal.intake.refusals import DeliveryRefused

generator = pytest.importorskip("vroegsignaal.demo.generator")

NEEDS_DATABASE = {
    "ADRES_ONBEKEND",
    "ADRES_BIJ_BENADERING",
    "BUITEN_CONVENANT",
    "PEILDATUM_ONGELDIG",
    "LEVERING_DUBBEL",
    "TE_VEEL_FOUTEN",
}


@pytest.fixture(scope="module")
def realistic(tmp_path_factory):
    out = tmp_path_factory.mktemp("realistic")
    generator.generate_world(out, households=1_500, months=12, seed=11, noise="realistic")
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    generator.generate_world(
        out, households=2_500, municipalities=3, months=4, seed=5, noise="hostile"
    )
    return out


def deliveries(world):
    return json.loads((world / "ground_truth" / "deliveries.json").read_text())["leveringen"]


def front_end_issues(world, delivery):
    parsed = parse_delivery(world / delivery["bestand"], soort=delivery["soort"])
    result = normalise_delivery(
        parsed.table,
        peildatum=dt.date.fromisoformat(delivery["peildatum"]),
        soort=delivery["soort"],
    )
    issues = {
        kind: {
            (rij - parsed.header_row, code)
            for rij, code in result.issues.filter(result.issues["soort"] == kind)
            .select("rij", "code")
            .iter_rows()
        }
        for kind in ("rij", "waarschuwing")
    }
    return parsed, result, issues


def expected(delivery, key):
    return {(r["rij"], r["code"]) for r in delivery.get(key, []) if r["code"] not in NEEDS_DATABASE}


@pytest.mark.slow
def test_every_realistic_file_gives_exactly_the_rejected_rows_of_the_ground_truth(realistic):
    checked = 0
    for delivery in deliveries(realistic):
        parsed, result, issues = front_end_issues(realistic, delivery)
        assert result.table.height == delivery["rijen"], delivery["bestand"]
        assert issues["rij"] == expected(delivery, "afgewezen_rijen"), delivery["bestand"]
        assert issues["waarschuwing"] == expected(delivery, "waarschuwing_rijen")
        assert sorted(parsed.unknown_columns) == sorted(delivery["onbekende_kolommen"])
        checked += 1
    assert checked > 100


@pytest.mark.slow
def test_every_hostile_file_is_refused_or_reduced_as_the_ground_truth_says(hostile):
    refused = 0
    for delivery in deliveries(hostile):
        expected_refusal = delivery.get("verwachte_weigering")
        if expected_refusal in NEEDS_DATABASE:
            continue
        if expected_refusal:
            with pytest.raises(DeliveryRefused) as caught:
                parse_delivery(hostile / delivery["bestand"], soort=delivery["soort"])
            assert caught.value.code == expected_refusal, delivery["bestand"]
            refused += 1
            continue
        _, result, issues = front_end_issues(hostile, delivery)
        assert result.table.height == delivery["rijen"], delivery["bestand"]
        assert issues["rij"] == expected(delivery, "afgewezen_rijen"), delivery["bestand"]
        assert issues["waarschuwing"] == expected(delivery, "waarschuwing_rijen")
    assert refused >= 5

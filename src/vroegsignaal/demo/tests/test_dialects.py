"""Every delivery can be read by a plain reader given its dialect, and holds what the truth says."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict

import pytest

from vroegsignaal.demo.dialects import FIELD_ORDER

from .reading import deliveries, dialects, parse_cents, parse_date, read_delivery, read_table
from .validation import duplicates, row_defects


def _register(world):
    with (world / "adressen.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {r["postcode"] for r in rows}


def _regular(world):
    return [
        d for d in deliveries(world) if "kwaadaardig" not in d and d["verwachte_weigering"] is None
    ]


def _rows(world, delivery):
    dialect = dialects(world)[delivery["schuldeiser"]]
    headers, rows = read_delivery(world / delivery["bestand"], dialect, delivery["soort"])
    return dialect, headers, rows


def test_every_realistic_dialect_is_readable_with_a_plain_reader(realistic_world):
    formats = Counter()
    for delivery in _regular(realistic_world):
        dialect, headers, rows = _rows(realistic_world, delivery)
        expected = [c["kop"] for c in dialect["kolommen"]]
        if delivery["soort"] == "mutatie":
            expected += ["status"]
        if dialect["formaat"] != "json":
            assert headers == expected
        assert len(rows) == delivery["rijen"]
        formats[(dialect["formaat"], dialect["codering"])] += 1
    assert {
        ("csv", "cp1252"),
        ("csv", "utf-8-sig"),
        ("csv", "utf-8"),
        ("xlsx", "utf-8"),
        ("json", "utf-8"),
    } <= set(formats)


def test_dialects_differ_per_creditor_and_use_aliases(realistic_world):
    described = dialects(realistic_world)
    delimiters = {d["scheidingsteken"] for d in described.values() if d["formaat"] == "csv"}
    assert {",", ";", "\t", "|"} <= delimiters
    headers = {c["kop"] for d in described.values() for c in d["kolommen"]}
    assert {"Klantnr", "customer_id", "gebdat", "saldo", "naam", "pc"} & headers
    assert len({d["datumformaat"] for d in described.values()}) >= 4
    assert {d["achternaam"] for d in described.values()} >= {
        "separate",
        "prefix",
        "comma",
        "suffix",
    }


def test_none_noise_writes_canonical_columns(clean_world):
    for delivery in _regular(clean_world):
        dialect, headers, rows = _rows(clean_world, delivery)
        fields = [c["veld"] for c in dialect["kolommen"]]
        assert [c["kop"] for c in dialect["kolommen"]] == fields
        assert fields == [f for f in FIELD_ORDER if f in fields]
        assert delivery["afgewezen_totaal"] == 0 and not delivery["waarschuwingen"]


@pytest.mark.parametrize("world_name", ["realistic_world", "hostile_world"])
def test_each_invalid_row_has_exactly_its_one_listed_reason(request, world_name):
    world = request.getfixturevalue(world_name)
    postcodes = _register(world)
    listed_total = 0
    for delivery in _regular(world):
        dialect, _, rows = _rows(world, delivery)
        peildatum = dt.date.fromisoformat(delivery["peildatum"])
        listed = {r["rij"]: r for r in delivery["afgewezen_rijen"]}
        doubled = duplicates(rows)
        for i, row in enumerate(rows):
            codes = row_defects(row, dialect, peildatum, postcodes, delivery["soort"])
            if i in doubled:
                codes.add("DUBBEL_IN_LEVERING")
            if i + 1 in listed:
                assert codes == {listed[i + 1]["code"]}, (delivery["bestand"], i + 1, row)
                assert str(row["klantnummer"]) == listed[i + 1]["klantnummer"]
            else:
                assert not codes, (delivery["bestand"], i + 1, codes, row)
        assert sum(delivery["afgewezen"].values()) == len(listed) == delivery["afgewezen_totaal"]
        listed_total += len(listed)
    assert listed_total > 20


def test_reports_count_rows_outside_covenant_and_per_municipality(hostile_world):
    import yaml

    config = yaml.safe_load((hostile_world / "config.yaml").read_text(encoding="utf-8"))
    code_of = {m["name"]: m["code"] for m in config["municipalities"]}
    with (hostile_world / "adressen.csv").open(encoding="utf-8", newline="") as f:
        municipality_of = {r["postcode"]: code_of[r["gemeente"]] for r in csv.DictReader(f)}
    outside_seen = 0
    for delivery in _regular(hostile_world):
        dialect, _, rows = _rows(hostile_world, delivery)
        day = dt.date.fromisoformat(delivery["peildatum"])
        active = {
            c["municipality"]
            for c in config["covenants"]
            if c["creditor"] == delivery["schuldeiser"]
            and c["valid_from"] <= day
            and (c["valid_until"] is None or day <= c["valid_until"])
        }
        rejected = {r["rij"] for r in delivery["afgewezen_rijen"]}
        routed, outside = Counter(), 0
        for i, row in enumerate(rows):
            if i + 1 in rejected:
                continue
            code = municipality_of[str(row["postcode"]).replace(" ", "").replace("-", "").upper()]
            if code in active:
                routed[code] += 1
            else:
                outside += 1
        assert outside == delivery["buiten_convenant"]
        assert dict(routed) == delivery["per_gemeente"]
        assert (
            delivery["rijen"]
            == delivery["afgewezen_totaal"] + delivery["buiten_convenant"] + delivery["verwerkt"]
        )
        outside_seen += outside
    assert outside_seen > 0


def test_stand_rows_are_the_creditors_open_arrears_of_the_truth(realistic_world):
    truth = defaultdict(dict)
    for month in sorted((realistic_world / "ground_truth").glob("20*")):
        for row in read_table(month / "arrears.csv"):
            truth[(row["schuldeiser"], row["peildatum"])][row["klantnummer"]] = row
    for delivery in _regular(realistic_world):
        if delivery["soort"] != "stand":
            continue
        dialect, _, rows = _rows(realistic_world, delivery)
        rejected = {r["rij"] for r in delivery["afgewezen_rijen"]}
        expected = truth[(delivery["schuldeiser"], delivery["peildatum"])]
        seen = {}
        for i, row in enumerate(rows):
            if i + 1 in rejected:
                continue
            seen[str(row["klantnummer"])] = row
        assert set(seen) == set(expected), delivery["bestand"]
        for klantnummer, row in seen.items():
            t = expected[klantnummer]
            assert parse_cents(row["bedrag_achterstand"], dialect) == round(
                float(t["bedrag"]) * 100
            )
            assert parse_date(row["ontstaansdatum"], dialect).isoformat() == t["ontstaansdatum"]


def test_mutations_replay_to_each_months_open_arrears(realistic_world):
    truth = defaultdict(set)
    for month in sorted((realistic_world / "ground_truth").glob("20*")):
        for row in read_table(month / "arrears.csv"):
            truth[(row["schuldeiser"], row["peildatum"])].add(row["klantnummer"])
    by_creditor = defaultdict(list)
    for delivery in _regular(realistic_world) + [
        d
        for d in deliveries(realistic_world)
        if d["verwachte_weigering"] == "BESTAND_LEEG" and "kwaadaardig" not in d
    ]:
        by_creditor[delivery["schuldeiser"]].append(delivery)
    replayed = 0
    for creditor, items in by_creditor.items():
        if not any(d["soort"] == "mutatie" for d in items):
            continue
        state: set[str] = set()
        for delivery in sorted(items, key=lambda d: d["peildatum"]):
            _, _, rows = _rows(realistic_world, delivery)
            rejected = {r["rij"] for r in delivery["afgewezen_rijen"]}
            valid = [r for i, r in enumerate(rows) if i + 1 not in rejected]
            if delivery["soort"] == "stand":
                state = {r["klantnummer"] for r in valid}
            else:
                for r in valid:
                    if r["status"] == "afgemeld":
                        state.discard(r["klantnummer"])
                    else:
                        state.add(r["klantnummer"])
            assert state == truth[(creditor, delivery["peildatum"])]
            replayed += 1
    assert replayed >= 24


def test_every_header_means_its_field_under_the_intakes_header_matching(realistic_world):
    fields = pytest.importorskip("vroegsignaal.intake.fields")
    for creditor, dialect in dialects(realistic_world).items():
        for column in [*dialect["kolommen"], *dialect["extra_kolommen_bij_mutatie"]]:
            expected = column["veld"] if column["veld"] in FIELD_ORDER else None
            assert fields.field_for_header(column["kop"]) == expected, (creditor, column)

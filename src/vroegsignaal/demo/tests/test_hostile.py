"""The hostile level: malformed extra files with the refusal a correct intake gives."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import openpyxl
import pytest

from .reading import deliveries, dialects, read_delivery


@pytest.fixture(scope="module")
def malformed(hostile_world):
    return {d["kwaadaardig"]: d for d in deliveries(hostile_world) if "kwaadaardig" in d}


def test_every_kind_of_malformed_file_is_there(malformed):
    assert {kind: d["verwachte_weigering"] for kind, d in malformed.items()} == {
        "afgekapt": "BESTAND_ONLEESBAAR",
        "verkeerde_codering": "BESTAND_ONLEESBAAR",
        "kolom_ontbreekt": "KOLOM_ONTBREEKT",
        "alleen_kop": "BESTAND_LEEG",
        "leeg": "BESTAND_LEEG",
        "kapotte_xlsx": "BESTAND_ONLEESBAAR",
        "peildatum_toekomst": "PEILDATUM_ONGELDIG",
        "te_veel_fouten": "TE_VEEL_FOUTEN",
        "dubbel": "LEVERING_DUBBEL",
    }


def test_truncated_csv_ends_inside_a_quoted_field(hostile_world, malformed):
    data = (hostile_world / malformed["afgekapt"]["bestand"]).read_bytes()
    dialect = dialects(hostile_world)["WATERMIDDEN"]
    with pytest.raises(csv.Error):
        list(csv.reader(io.StringIO(data.decode(dialect["codering"]), newline=""), strict=True))


def test_wrongly_encoded_json_is_not_utf8(hostile_world, malformed):
    with pytest.raises(UnicodeDecodeError):
        (hostile_world / malformed["verkeerde_codering"]["bestand"]).read_bytes().decode("utf-8")


def test_missing_column_file_lacks_the_postcode(hostile_world, malformed):
    dialect = dialects(hostile_world)["DELINDE"]
    path = hostile_world / malformed["kolom_ontbreekt"]["bestand"]
    with path.open(encoding=dialect["codering"], newline="") as f:
        header = next(csv.reader(f, delimiter=dialect["scheidingsteken"]))
    assert "Postcode" not in header and malformed["kolom_ontbreekt"]["weigering_details"][
        "ontbrekende_kolommen"
    ] == ["postcode"]


def test_empty_and_header_only_files(hostile_world, malformed):
    assert (hostile_world / malformed["leeg"]["bestand"]).read_bytes() == b""
    text = (hostile_world / malformed["alleen_kop"]["bestand"]).read_text(encoding="utf-8")
    assert text.count("\n") == 1 and "KLANTNUMMER" in text


def test_broken_xlsx_cannot_be_opened(hostile_world, malformed):
    with pytest.raises((zipfile.BadZipFile, OSError, KeyError)):
        openpyxl.load_workbook(hostile_world / malformed["kapotte_xlsx"]["bestand"])


def test_future_peildatum_is_in_the_body(hostile_world, malformed):
    body = json.loads(
        (hostile_world / malformed["peildatum_toekomst"]["bestand"]).read_text(encoding="utf-8")
    )
    assert body["peildatum"] == "2099-01-01"


def test_too_many_errors_rejects_more_than_half(hostile_world, malformed):
    dialect = dialects(hostile_world)["LAGELANDEN"]
    path = hostile_world / malformed["te_veel_fouten"]["bestand"]
    with path.open(encoding=dialect["codering"], newline="") as f:
        rows = list(csv.reader(f, delimiter=dialect["scheidingsteken"]))[1:]
    surname = [c["kop"] for c in dialect["kolommen"]].index("achternaam")
    assert sum(1 for r in rows if r[surname] == "") * 2 > len(rows)


def test_duplicate_is_a_byte_copy_delivered_after_its_original(hostile_world, malformed):
    duplicate = malformed["dubbel"]
    earlier = [
        d
        for d in deliveries(hostile_world)
        if d["schuldeiser"] == duplicate["schuldeiser"]
        and d["volgorde"] < duplicate["volgorde"]
        and "kwaadaardig" not in d
    ]
    digest = hashlib.sha256((hostile_world / duplicate["bestand"]).read_bytes()).hexdigest()
    assert digest == duplicate["sha256"] and digest in {d["sha256"] for d in earlier}


def test_malformed_files_are_delivered_before_the_regular_file_of_their_peildatum(hostile_world):
    order = deliveries(hostile_world)
    assert [d["volgorde"] for d in order] == list(range(1, len(order) + 1))
    for i, d in enumerate(order):
        if "kwaadaardig" in d and d["kwaadaardig"] != "dubbel":
            follower = order[i + 1]
            assert follower["schuldeiser"] == d["schuldeiser"] and "kwaadaardig" not in follower


def test_hostile_values_stay_in_valid_rows(hostile_world):
    kinds = set()
    for d in deliveries(hostile_world):
        if "kwaadaardig" in d or d["verwachte_weigering"]:
            continue
        dialect = dialects(hostile_world)[d["schuldeiser"]]
        _, rows = read_delivery(hostile_world / d["bestand"], dialect, d["soort"])
        rejected = {r["rij"] for r in d["afgewezen_rijen"]}
        for note in d["opvallende_rijen"]:
            assert note["rij"] not in rejected
            row = rows[note["rij"] - 1]
            assert str(row["klantnummer"]) == note["klantnummer"]
            if note["soort"] == "formule":
                assert str(row["achternaam"])[0] in "=+-@"
            elif note["soort"] == "lange_waarde":
                assert len(row["opmerking"]) == 10_000
            elif note["soort"] == "stuurtekens":
                # XLSX stores control characters as OOXML escapes (_x0007_); some readers leave them so.
                marks = ("\x07", "\x1b", "\x7f", "\x01", "_x0007_", "_x001B_", "_x007F_", "_x0001_")
                assert any(mark in str(v) for v in row.values() for mark in marks)
            kinds.add(note["soort"])
    assert {"formule", "lange_waarde", "stuurtekens"} <= kinds

"""A JSON delivery is read a chunk of rows at a time, with the meaning ``json.loads`` gives it."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vroegsignaal.intake import parsing_json
from vroegsignaal.intake.codes import Code
from vroegsignaal.intake.parsing import parse_delivery
from vroegsignaal.intake.refusals import DeliveryRefused

KEYS = ["klantnummer", "achternaam", "bedrag_achterstand", "huisnummer", "Opmerking", "", "ë"]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
ROWS = st.lists(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5), max_size=12)


def reference(text: str) -> tuple[dict, list[str], list[list[str | None]]]:
    """What the parser did before it streamed: ``json.loads`` of the whole file."""
    body = json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
    items = body.pop("achterstanden")
    keys = list(dict.fromkeys(itertools.chain.from_iterable(items)))
    words = {True: "true", False: "false"}
    columns = [
        [words.get(v, v) if type(v) is bool else v for v in (item.get(k) for item in items)]
        for k in keys
    ]
    return body, keys, columns


def streamed(text: str) -> tuple[dict, list[str], list[list[str | None]]]:
    body, rows = parsing_json._scan_json(text)
    assert rows is not None
    keys = list(rows.keys)
    if not rows.count:
        return body, keys, []
    assert rows.count == len(json.loads(text)["achterstanden"])
    import polars as pl

    table = pl.concat(rows.frames, how="diagonal")
    assert table.get_column("rij").to_list() == list(range(1, rows.count + 1))
    return body, keys, [table.get_column(f"k{pos}").to_list() for pos in range(len(keys))]


@settings(max_examples=150)
@given(
    rows=ROWS, chunk=st.integers(1, 5), indent=st.sampled_from([None, 0, 2]), first=st.booleans()
)
def test_streamed_rows_equal_json_loads(rows, chunk, indent, first):
    body = {"achterstanden": rows, "peildatum": "2026-03-01", "soort": "stand"}
    if first:
        body = {"peildatum": "2026-03-01", "soort": "stand", "achterstanden": rows}
    text = json.dumps(body, indent=indent, ensure_ascii=False)
    with pytest.MonkeyPatch.context() as patch:
        # keys that appear only in later chunks
        patch.setattr(parsing_json, "JSON_CHUNK_ROWS", chunk)
        assert streamed(text) == reference(text)


def test_an_empty_object_is_skipped_like_a_blank_line_and_later_rows_keep_their_number(
    monkeypatch,
):
    from .test_parsing import HEADER, ROW_1, ROW_2

    # the empty object is a chunk of its own
    monkeypatch.setattr(parsing_json, "JSON_CHUNK_ROWS", 1)
    rows = [dict(zip(HEADER, row, strict=True)) for row in (ROW_1, ROW_2)]
    text = json.dumps({"soort": "stand", "achterstanden": [rows[0], {}, rows[1]]})
    parsed = parse_delivery(text.encode())
    assert parsed.table.get_column("rij").to_list() == [1, 3]
    assert parsed.table.get_column("klantnummer").to_list() == ["K-1", "K-2"]


def test_a_wrong_value_names_its_row_across_chunks(monkeypatch):
    monkeypatch.setattr(parsing_json, "JSON_CHUNK_ROWS", 2)
    rows = [{"klantnummer": f"K{i}"} for i in range(5)] + [{"klantnummer": {"genest": 1}}]
    with pytest.raises(DeliveryRefused) as refused:
        parse_delivery(json.dumps({"soort": "stand", "achterstanden": rows}).encode())
    assert refused.value.code == Code.BESTAND_ONLEESBAAR
    assert "achterstand 6 " in refused.value.message


@pytest.mark.parametrize(
    "text",
    [
        b'{"achterstanden": [{"klantnummer": "K1"}]} extra',
        b'{"achterstanden": [{"klantnummer": "K1"}], "achterstanden": []}',
        b'{"achterstanden": [{"klantnummer": "K1"}] "soort": "stand"}',
        b'{"achterstanden": [{"klantnummer": "K1"},]}',
        b'[{"klantnummer": "K1"}]',
        b'{"achterstanden": [{"klantnummer": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]}",
    ],
    ids=["extra data", "twice", "missing comma", "trailing comma", "array", "deeply nested"],
)
def test_malformed_json_is_refused_whole(text):
    with pytest.raises(DeliveryRefused) as refused:
        parse_delivery(text, filename="levering.json")
    assert refused.value.code == Code.BESTAND_ONLEESBAAR


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=200)
# Lists of mixed values made Polars' fast column builder raise TypeError, not PolarsError.
@example(body={"achterstanden": [{"": [False, 0]}]})
@example(body={"achterstanden": [{"x": [None, False, 0]}, {"x": "K1"}]})
@given(
    body=st.dictionaries(st.sampled_from(["achterstanden", "soort", "x"]), JSON_VALUES, max_size=3)
)
def test_any_json_object_is_read_or_refused_with_a_code(body):
    try:
        parse_delivery(json.dumps(body).encode(), filename="levering.json")
    except DeliveryRefused as refused:
        assert refused.code in Code.values and refused.message


@settings(max_examples=200)
@given(cut=st.integers(0, 400), insert=st.text(max_size=3), drop=st.integers(0, 5))
def test_a_damaged_json_body_is_read_or_refused_with_a_code(cut, insert, drop):
    from .test_parsing import HEADER, ROW_1, ROW_2

    rows = [dict(zip(HEADER, row, strict=True)) for row in (ROW_1, ROW_2)]
    text = json.dumps({"peildatum": "2026-03-01", "soort": "stand", "achterstanden": rows})
    cut = min(cut, len(text))
    damaged = text[:cut] + insert + text[cut + drop :]
    try:
        parse_delivery(damaged.encode(), filename="levering.json")
    except DeliveryRefused as refused:
        assert refused.code in Code.values and refused.message

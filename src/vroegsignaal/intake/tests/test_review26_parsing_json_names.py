"""A JSON body that names a member twice, or nests too deep, is refused saying so (review 26,
P3 and P4c).

``json.loads`` keeps the last of two members of one name without a word: a body with
``"soort"`` twice, ``"peildatum"`` again after the rows, or a field twice in an achterstand
was read as whatever came last. The refusal names the member where that is no data (a field
or a member of the body), never its value.
"""

from __future__ import annotations

import json

import pytest

from vroegsignaal.intake import parsing_json
from vroegsignaal.intake.codes import Code
from vroegsignaal.intake.parsing import parse_delivery
from vroegsignaal.intake.refusals import DeliveryRefused

from .support import parse_refusal

ROW = {
    "klantnummer": "K-00001",
    "achternaam": "Jansen",
    "voorletters": "J.",
    "geboortedatum": "1980-05-17",
    "huisnummer": "1",
    "postcode": "1234AB",
    "bedrag_achterstand": "150,00",
    "ontstaansdatum": "2026-09-01",
}
ROWS = json.dumps([ROW, {**ROW, "klantnummer": "K-00002"}])


def refusal(text: str, **kwargs) -> DeliveryRefused:
    return parse_refusal(text.encode(), filename="levering.json", **kwargs)


def unreadable(reason: str) -> tuple[Code, str]:
    return Code.BESTAND_ONLEESBAAR, f"Het bestand kan niet worden gelezen: {reason}."


def test_a_soort_given_twice_is_refused_naming_soort():
    refused = refusal(
        f'{{"peildatum": "2026-11-01", "soort": "stand", "soort": "mutatie", "achterstanden": {ROWS}}}'
    )
    assert (refused.code, refused.message) == unreadable('de JSON noemt "soort" twee keer')


def test_a_peildatum_given_again_after_the_rows_is_refused_naming_peildatum():
    refused = refusal(
        f'{{"peildatum": "2026-10-01", "achterstanden": {ROWS}, "peildatum": "2026-11-01"}}'
    )
    assert (refused.code, refused.message) == unreadable('de JSON noemt "peildatum" twee keer')


def test_a_field_given_twice_in_an_achterstand_is_refused_naming_the_field_not_its_values():
    second = json.dumps({**ROW, "klantnummer": "K-00002"})[:-1] + ', "klantnummer": "K-99999"}'
    refused = refusal(f'{{"soort": "stand", "achterstanden": [{json.dumps(ROW)}, {second}]}}')
    assert (refused.code, refused.message) == unreadable(
        "achterstand 2 noemt het veld 'klantnummer' twee keer"
    )
    assert "K-0000" not in refused.message and "K-99999" not in refused.message


def test_a_name_that_is_no_field_given_twice_is_named_by_its_places():
    # A body keyed by klantnummer has data as its names: they stay out of the message.
    row = json.dumps(ROW)[:-1] + ', "K-00001": "x", "K-00001": "y"}'
    refused = refusal(f'{{"soort": "stand", "achterstanden": [{row}]}}')
    assert refused.message == (
        "Het bestand kan niet worden gelezen: achterstand 1 noemt dezelfde naam twee keer "
        "(als veld 9 en als veld 10)."
    )
    top = refusal(f'{{"K-00001": 1, "K-00001": 2, "soort": "stand", "achterstanden": {ROWS}}}')
    assert (
        top.message
        == unreadable("de JSON noemt een naam die geen veld van het aanleverformaat is twee keer")[
            1
        ]
    )
    assert "K-00001" not in top.message


def test_a_name_given_twice_inside_another_member_of_the_body_is_refused():
    refused = refusal(f'{{"meta": {{"bron": "a", "bron": "b"}}, "achterstanden": {ROWS}}}')
    assert (
        refused.message
        == unreadable(
            "de JSON noemt een naam die geen veld van het aanleverformaat is twee keer in hetzelfde "
            "object (onder een naam die geen veld van het aanleverformaat is)"
        )[1]
    )


def test_the_preview_of_the_head_refuses_a_name_given_twice_in_its_rows():
    second = json.dumps(ROW)[:-1] + ', "postcode": "9999ZZ"}'
    text = f'{{"soort": "stand", "achterstanden": [{json.dumps(ROW)}, {second}, '
    refused = refusal(text, head_rows=10)  # a head: the body is cut off after it
    assert refused.message == unreadable("achterstand 2 noemt het veld 'postcode' twee keer")[1]


def test_a_body_without_names_twice_reads_as_before():
    parsed = parse_delivery(f'{{"soort": "stand", "achterstanden": {ROWS}}}'.encode())
    assert parsed.table.get_column("klantnummer").to_list() == ["K-00001", "K-00002"]
    body, rows = parsing_json._scan_json(f'{{"soort": "stand", "achterstanden": {ROWS}}}')
    assert body == {"soort": "stand"} and rows.count == 2


TOO_DEEP = (
    'de JSON is te diep genest. Een levering is één object met "peildatum", "soort" en '
    '"achterstanden": een lijst van objecten, één per achterstand, met per veld een tekst, getal '
    "of ja/nee-waarde"
)


@pytest.mark.parametrize("where", ["in an achterstand", "in another member"])
def test_json_nested_too_deep_is_refused_saying_so(where):
    deep = "[" * 100_000 + "]" * 100_000
    if where == "in an achterstand":
        text = f'{{"soort": "stand", "achterstanden": [{{"klantnummer": {deep}}}]}}'
    else:
        text = f'{{"soort": "stand", "x": {deep}, "achterstanden": {ROWS}}}'
    refused = refusal(text)
    assert (refused.code, refused.message) == unreadable(TOO_DEEP)


def test_json_that_is_no_json_is_still_refused_as_such():
    refused = refusal('{"soort": "stand", "achterstanden": [}')
    assert refused.message == unreadable("het is geen geldige JSON in UTF-8")[1]

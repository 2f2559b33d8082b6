"""Encodings and delimiters of the address file: those a delivery may have (spec 1.3).

UTF-8 with or without BOM, Windows-1252 or ISO-8859-1; ``,`` ``;`` tab or ``|``;
quoted fields; CRLF or LF. The detection is intake's (``intake.parsing``).
"""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from vroegsignaal.registry.address_file import ADDRESS_COLUMNS, parse_address_file
from vroegsignaal.registry.addressing import WHITESPACE
from vroegsignaal.registry.models import Address
from vroegsignaal.registry.services import RegistryImportError, import_addresses

HEADER = ["postcode", "huisnummer", "straatnaam", "woonplaats", "gemeentecode"]
DELIMITERS = [",", ";", "\t", "|"]
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252"]


def csv_text(rows: list[list[str]], delimiter: str = ",", lineterminator: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


def streets():
    return dict(Address.objects.values_list("huisnummer", "straatnaam"))


@pytest.mark.django_db
def test_windows_1252_file_is_read_with_its_accents(voorbeeldstad, write):
    text = csv_text(
        [
            ["1234AB", "1", "Caféstraat", "Zoëterwoude", "0999"],
            ["1234AB", "2", "Kruisbroëderstraat", "Zoëterwoude", "0999"],
            ["1234AB", "3", "Kloosterstraße", "Zoëterwoude", "0999"],
        ],
        delimiter=";",
        lineterminator="\r\n",
    )
    import_addresses(write("adressen.csv", text.encode("cp1252")))
    assert streets() == {1: "Caféstraat", 2: "Kruisbroëderstraat", 3: "Kloosterstraße"}
    assert set(Address.objects.values_list("woonplaats", flat=True)) == {"Zoëterwoude"}


@pytest.mark.django_db
def test_values_in_a_refusal_of_a_windows_1252_file_are_decoded(voorbeeldstad, write):
    text = csv_text(
        [
            ["1234AB", "1", "Caféstraat", "Zoëterwoude", "0999"],
            ["12345", "2", "Café", "Zoëterwoude", "0999"],
        ]
    )
    with pytest.raises(RegistryImportError, match=r"^Regel 3: postcode '12345' is ongeldig\.$"):
        import_addresses(write("adressen.csv", text.encode("cp1252")))


@pytest.mark.django_db
def test_pipe_separated_file_is_read(voorbeeldstad, write):
    text = csv_text([["1234AB", "7", "Dorpsweg", "Voorbeeldstad", "0999"]], delimiter="|")
    assert text.startswith("postcode|huisnummer|")
    import_addresses(write("adressen.csv", text))
    assert streets() == {7: "Dorpsweg"}


@pytest.mark.django_db
def test_utf8_file_with_bom_is_read_as_utf8(voorbeeldstad, write):
    text = csv_text([["1234AB", "1", "Caféstraat", "Zoëterwoude", "0999"]])
    import_addresses(write("adressen.csv", text.encode("utf-8-sig")))
    assert streets() == {1: "Caféstraat"}
    assert Address.objects.get().woonplaats == "Zoëterwoude"


@pytest.mark.django_db
@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_quoted_fields_may_hold_the_delimiter(voorbeeldstad, write, delimiter):
    street = f"Dorpsweg{delimiter} oost"
    text = csv_text([["1234AB", "1", street, "Voorbeeldstad", "0999"]], delimiter=delimiter)
    assert f'"{street}"' in text
    import_addresses(write("adressen.csv", text))
    assert streets() == {1: street}


@pytest.mark.django_db
def test_hand_written_quotes_around_every_field_are_read(voorbeeldstad, write):
    text = (
        '"postcode"|"huisnummer"|"straatnaam"|"woonplaats"|"gemeentecode"\r\n'
        '"1234AB"|"1"|"Laan | Zuid ""oud"""|"Voorbeeldstad"|"0999"\r\n'
    )
    import_addresses(write("adressen.csv", text.encode("cp1252")))
    assert streets() == {1: 'Laan | Zuid "oud"'}


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_and_utf32_are_refused_in_dutch(voorbeeldstad, write, encoding):
    text = csv_text([["1234AB", "1", "Dorpsweg", "Voorbeeldstad", "0999"]])
    with pytest.raises(
        RegistryImportError, match="^Het bestand kan niet worden gelezen: "
    ) as refused:
        import_addresses(write("adressen.csv", text.encode(encoding)))
    assert "UTF-8 of Windows-1252" in str(refused.value)
    assert not Address.objects.exists()


@pytest.mark.django_db
def test_binary_file_is_refused_in_dutch(voorbeeldstad, write):
    with pytest.raises(RegistryImportError, match="binaire gegevens"):
        import_addresses(write("adressen.csv", b"PK\x03\x04\x00\x00postcode,huisnummer\n"))


# --- property: the encoding and delimiter do not change what is imported ----------

MUNICIPALITIES = pl.DataFrame(
    {"id": [1], "code": ["0999"], "name": ["Voorbeeldstad"]},
    schema={"id": pl.Int64, "code": pl.Utf8, "name": pl.Utf8},
)
# Any character Windows-1252 can write, except NUL (a NUL byte marks a binary file).
cp1252_text = st.text(
    alphabet=st.characters(codec="cp1252", exclude_characters="\x00"), max_size=30
)


def imported(data: bytes) -> pl.DataFrame:
    return parse_address_file(data, MUNICIPALITIES).frame.select(ADDRESS_COLUMNS)


@settings(max_examples=60)
@given(
    names=st.lists(st.tuples(cp1252_text, cp1252_text), min_size=1, max_size=4),
    lineterminator=st.sampled_from(["\n", "\r\n"]),
)
def test_encoding_and_delimiter_do_not_change_the_addresses(names, lineterminator):
    rows = [
        ["1234AB", str(number), street, place, "0999"]
        for number, (street, place) in enumerate(names, start=1)
    ]
    encoded = csv_text(rows, lineterminator=lineterminator).encode("cp1252")
    # Windows-1252 bytes that happen to be valid UTF-8 ("Ã©") are read as UTF-8, as in a
    # delivery: no detection can tell those apart.
    assume(encoded.isascii() or not _is_utf8(encoded))

    expected = [(street.strip(WHITESPACE), place.strip(WHITESPACE)) for street, place in names]
    first = None
    for delimiter in DELIMITERS:
        text = csv_text(rows, delimiter=delimiter, lineterminator=lineterminator)
        for encoding in ENCODINGS:
            frame = imported(text.encode(encoding))
            assert list(frame.select("straatnaam", "woonplaats").iter_rows()) == expected
            if first is None:
                first = frame
            assert frame.equals(first), (delimiter, encoding)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True

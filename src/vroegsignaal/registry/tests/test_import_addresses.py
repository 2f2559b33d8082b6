"""Importing the address register from CSV (spec section 2)."""

from __future__ import annotations

import pytest

from tests.factories import MunicipalityFactory
from vroegsignaal.registry.models import Address
from vroegsignaal.registry.services import (
    RegistryImportError,
    import_addresses,
    import_neighbourhoods,
)

from .conftest import INSIDE

pytestmark = pytest.mark.django_db

BAG_HEADER = "straat,huisnummer,toevoeging,postcode,gemeente,woonplaats,provincie,latitude,longitude,object_type\n"


def bag_line(
    street, number, addition, postcode, latlon=(52.05, 5.05), municipality="Voorbeeldstad"
):
    lat, lon = latlon
    return f"{street},{number},{addition},{postcode},{municipality},Voorbeeldstad,Utrecht,{lat},{lon},Verblijfsobject\n"


def keys():
    return sorted(Address.objects.values_list("postcode", "huisnummer", "huisletter", "toevoeging"))


def test_bag_csv_toevoeging_is_split_into_huisletter_and_addition(voorbeeldstad, write):
    path = write(
        "bag.csv",
        BAG_HEADER
        + bag_line("Kerkstraat", 1, "", "1234AB")
        + bag_line("Kerkstraat", 2, "A", "1234AB")
        + bag_line("Kerkstraat", 3, "A1", "1234AB")
        + bag_line("Kerkstraat", 4, "hs", "1234AB")
        + bag_line("Kerkstraat", 5, "2", "1234AB")
        + bag_line("Kerkstraat", 6, "b-3", "1234AB"),
    )
    import_addresses(path)
    assert keys() == [
        ("1234AB", 1, "", ""),
        ("1234AB", 2, "A", ""),
        ("1234AB", 3, "A", "1"),
        ("1234AB", 4, "", "HS"),
        ("1234AB", 5, "", "2"),
        ("1234AB", 6, "B", "3"),
    ]


def test_bag_csv_municipality_name_is_resolved_case_insensitively(voorbeeldstad, write):
    path = write(
        "bag.csv",
        BAG_HEADER + bag_line("Kerkstraat", 1, "", "1234AB", municipality="VOORBEELDSTAD"),
    )
    import_addresses(path)
    assert Address.objects.get().municipality == voorbeeldstad


def test_bag_csv_stores_street_place_and_coordinates(voorbeeldstad, write):
    import_addresses(
        write(
            "bag.csv", BAG_HEADER + bag_line("Kerkstraat", 1, "", "1234 ab", latlon=(52.01, 5.02))
        )
    )
    address = Address.objects.get()
    assert (address.postcode, address.straatnaam, address.woonplaats) == (
        "1234AB",
        "Kerkstraat",
        "Voorbeeldstad",
    )
    assert (address.latitude, address.longitude) == (52.01, 5.02)


def test_explicit_columns_with_semicolons_and_bom(voorbeeldstad, write):
    text = (
        "postcode;huisnummer;huisletter;huisnummertoevoeging;straatnaam;woonplaats;gemeentecode\n"
        "1234 ab;12;a;;Dorpsweg;Voorbeeldstad;0999\n"
        "1234AB;12;;2-b;Dorpsweg;Voorbeeldstad;GM0999\n"
        "1234AB;14;;;Dorpsweg;Voorbeeldstad;999\n"
    )
    import_addresses(write("explicit.csv", b"\xef\xbb\xbf" + text.encode()))
    assert keys() == [("1234AB", 12, "", "2B"), ("1234AB", 12, "A", ""), ("1234AB", 14, "", "")]


def test_tab_delimited_file_is_read(voorbeeldstad, write):
    text = "postcode\thuisnummer\tstraatnaam\twoonplaats\tgemeentecode\n1234AB\t7\tDorpsweg\tVoorbeeldstad\t0999\n"
    import_addresses(write("tab.csv", text))
    assert keys() == [("1234AB", 7, "", "")]


def test_house_number_with_letter_attached_is_split(voorbeeldstad, write):
    text = "postcode,huisnummer,straatnaam,woonplaats,gemeentecode\n1234AB,12a,Dorpsweg,Voorbeeldstad,0999\n"
    import_addresses(write("a.csv", text))
    assert keys() == [("1234AB", 12, "A", "")]


def test_reimport_updates_in_place(voorbeeldstad, write):
    first = write(
        "v1.csv",
        BAG_HEADER
        + bag_line("Kerkstraat", 1, "", "1234AB")
        + bag_line("Kerkstraat", 2, "", "1234AB"),
    )
    import_addresses(first)
    ids = dict(Address.objects.values_list("huisnummer", "id"))

    second = write(
        "v2.csv",
        BAG_HEADER
        + bag_line("Kerkplein", 1, "", "1234AB")
        + bag_line("Kerkstraat", 2, "", "1234AB")
        + bag_line("Kerkstraat", 3, "", "1234AB"),
    )
    result = import_addresses(second)

    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert dict(Address.objects.values_list("huisnummer", "id"))[1] == ids[1]
    assert Address.objects.get(huisnummer=1).straatnaam == "Kerkplein"


def test_reimport_of_the_same_file_changes_nothing(voorbeeldstad, write):
    path = write("bag.csv", BAG_HEADER + bag_line("Kerkstraat", 1, "", "1234AB"))
    import_addresses(path)
    result = import_addresses(path)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)


def test_addresses_absent_from_a_reimport_are_kept(voorbeeldstad, write):
    import_addresses(write("a.csv", BAG_HEADER + bag_line("Kerkstraat", 1, "", "1234AB")))
    import_addresses(write("b.csv", BAG_HEADER + bag_line("Kerkstraat", 2, "", "1234AB")))
    assert Address.objects.count() == 2


def test_same_address_twice_in_file_is_imported_once(voorbeeldstad, write):
    path = write(
        "bag.csv",
        BAG_HEADER
        + bag_line("Kerkstraat", 1, "a", "1234AB")
        + bag_line("Kerkstraat", "1A", "", "1234 AB"),
    )
    result = import_addresses(path)
    assert (Address.objects.count(), result.duplicates) == (1, 1)


def test_bad_postcode_refuses_whole_file_naming_the_line(voorbeeldstad, write):
    lines = [bag_line("Kerkstraat", n, "", "1234AB") for n in range(1, 16)]
    lines.append(bag_line("Kerkstraat", 16, "", "ABCD"))
    path = write("bag.csv", BAG_HEADER + "".join(lines))
    with pytest.raises(RegistryImportError) as refused:
        import_addresses(path)
    assert str(refused.value) == "Regel 17: postcode 'ABCD' is ongeldig."
    assert Address.objects.count() == 0


def test_bad_house_number_refuses_whole_file_naming_the_line(voorbeeldstad, write):
    path = write(
        "bag.csv",
        BAG_HEADER
        + bag_line("Kerkstraat", 1, "", "1234AB")
        + bag_line("Kerkstraat", "x", "", "1234AB"),
    )
    with pytest.raises(RegistryImportError, match=r"^Regel 3: huisnummer 'x' is ongeldig\.$"):
        import_addresses(path)
    assert not Address.objects.exists()


def test_refusal_leaves_the_existing_register_as_it_was(voorbeeldstad, write):
    import_addresses(write("good.csv", BAG_HEADER + bag_line("Kerkstraat", 1, "", "1234AB")))
    bad = write(
        "bad.csv",
        BAG_HEADER
        + bag_line("Kerkplein", 1, "", "1234AB")
        + bag_line("Kerkstraat", 2, "", "0000XX"),
    )
    with pytest.raises(RegistryImportError):
        import_addresses(bad)
    assert list(Address.objects.values_list("straatnaam", flat=True)) == ["Kerkstraat"]


def test_unknown_municipality_name_is_refused_naming_line_and_name(voorbeeldstad, write):
    path = write(
        "bag.csv", BAG_HEADER + bag_line("Kerkstraat", 1, "", "1234AB", municipality="Atlantis")
    )
    with pytest.raises(RegistryImportError, match=r"^Regel 2: gemeente 'Atlantis' is onbekend\.$"):
        import_addresses(path)


def test_unknown_municipality_code_is_refused(voorbeeldstad, write):
    text = "postcode,huisnummer,straatnaam,woonplaats,gemeentecode\n1234AB,1,Dorpsweg,Elders,0888\n"
    with pytest.raises(RegistryImportError, match=r"^Regel 2: gemeentecode '0888' is onbekend\.$"):
        import_addresses(write("a.csv", text))


def test_missing_required_column_is_refused_naming_it(voorbeeldstad, write):
    text = "straat,huisnummer,toevoeging,gemeente,woonplaats\nKerkstraat,1,,Voorbeeldstad,Voorbeeldstad\n"
    with pytest.raises(RegistryImportError, match=r"^Regel 1: kolom 'postcode' ontbreekt\.$"):
        import_addresses(write("a.csv", text))


def test_bad_coordinates_are_refused(voorbeeldstad, write):
    path = write(
        "bag.csv", BAG_HEADER + bag_line("Kerkstraat", 1, "", "1234AB", latlon=("noord", 5.1))
    )
    with pytest.raises(
        RegistryImportError, match=r"^Regel 2: coördinaten 'noord', '5.1' zijn ongeldig\.$"
    ):
        import_addresses(path)


def test_coordinates_out_of_range_are_refused(voorbeeldstad, write):
    path = write(
        "bag.csv", BAG_HEADER + bag_line("Kerkstraat", 1, "", "1234AB", latlon=(455000, 155000))
    )
    with pytest.raises(RegistryImportError, match="Regel 2: coördinaten"):
        import_addresses(path)


def test_address_without_coordinates_is_imported_without_buurt(voorbeeldstad, write):
    text = "postcode,huisnummer,straatnaam,woonplaats,gemeentecode,latitude,longitude\n1234AB,1,Dorpsweg,Voorbeeldstad,0999,,\n"
    result = import_addresses(write("a.csv", text))
    address = Address.objects.get()
    assert (address.latitude, address.buurt, result.without_buurt) == (None, None, 1)


def test_all_problems_are_counted_and_the_first_listed_by_line(voorbeeldstad, write):
    path = write(
        "bag.csv",
        BAG_HEADER
        + bag_line("Kerkstraat", "x", "", "1234AB")
        + bag_line("Kerkstraat", 2, "", "ABCD")
        + bag_line("Kerkstraat", 3, "", "1234AB", municipality="Atlantis"),
    )
    with pytest.raises(RegistryImportError) as refused:
        import_addresses(path)
    assert refused.value.errors == [
        "Regel 2: huisnummer 'x' is ongeldig.",
        "Regel 3: postcode 'ABCD' is ongeldig.",
        "Regel 4: gemeente 'Atlantis' is onbekend.",
    ]


def test_line_numbers_count_line_breaks_inside_quoted_fields(voorbeeldstad, write):
    text = (
        "postcode,huisnummer,straatnaam,woonplaats,gemeentecode\n"
        '1234AB,1,"Dorps\nweg",Voorbeeldstad,0999\n'
        "\n"
        "1234AB,zes,Dorpsweg,Voorbeeldstad,0999\n"
    )
    with pytest.raises(RegistryImportError, match=r"^Regel 5: huisnummer 'zes' is ongeldig\.$"):
        import_addresses(write("a.csv", text))


def test_line_with_too_many_fields_is_refused_naming_it(voorbeeldstad, write):
    text = "postcode,huisnummer,straatnaam,woonplaats,gemeentecode\n1234AB,1,Dorpsweg,Voorbeeldstad,0999\n1234AB,2,Dorpsweg,Voorbeeldstad,0999,extra\n"
    with pytest.raises(RegistryImportError, match="^Regel 3: 6 velden"):
        import_addresses(write("a.csv", text))


def test_empty_file_is_refused(voorbeeldstad, write):
    with pytest.raises(RegistryImportError, match="leeg"):
        import_addresses(write("a.csv", ""))


def test_missing_file_is_refused_in_dutch(db, tmp_path):
    with pytest.raises(RegistryImportError, match="bestaat niet"):
        import_addresses(tmp_path / "nergens.csv")


def test_address_gets_buurt_by_point_in_polygon(voorbeeldstad, write, buurten_file):
    import_neighbourhoods(buurten_file)
    lines = [
        bag_line("Kerkstraat", n, "", "1234AB", latlon=INSIDE[code])
        for n, code in enumerate(INSIDE, start=1)
    ]
    result = import_addresses(write("bag.csv", BAG_HEADER + "".join(lines)))
    placed = dict(Address.objects.values_list("huisnummer", "buurt__code"))
    assert placed == dict(enumerate(INSIDE, start=1))
    assert result.with_buurt == 4


def test_address_outside_every_buurt_has_no_buurt(voorbeeldstad, write, buurten_file):
    import_neighbourhoods(buurten_file)
    import_addresses(
        write("bag.csv", BAG_HEADER + bag_line("Kerkstraat", 1, "", "1234AB", latlon=(53.0, 6.0)))
    )
    assert Address.objects.get().buurt is None


def test_address_only_falls_in_buurten_of_its_own_municipality(voorbeeldstad, write, buurten_file):
    MunicipalityFactory(code="0888", name="Buurgemeente")
    import_neighbourhoods(buurten_file)
    path = write(
        "bag.csv",
        BAG_HEADER
        + bag_line("Grensweg", 1, "", "1234AB", latlon=(52.05, 5.05), municipality="Buurgemeente"),
    )
    import_addresses(path)
    assert Address.objects.get().buurt is None


def test_buurtcode_column_takes_precedence_over_coordinates(voorbeeldstad, write, buurten_file):
    import_neighbourhoods(buurten_file)
    text = (
        "postcode,huisnummer,straatnaam,woonplaats,gemeentecode,buurtcode,latitude,longitude\n"
        "1234AB,1,Dorpsweg,Voorbeeldstad,0999,BU09990202,52.05,5.05\n"
    )
    import_addresses(write("a.csv", text))
    address = Address.objects.select_related("buurt__wijk").get()
    assert (address.buurt.code, address.buurt.wijk.code) == ("BU09990202", "WK099902")


def test_unknown_buurtcode_is_refused_once_the_buurten_are_imported(
    voorbeeldstad, write, buurten_file
):
    import_neighbourhoods(buurten_file)
    text = "postcode,huisnummer,straatnaam,woonplaats,gemeentecode,buurtcode\n1234AB,1,Dorpsweg,Voorbeeldstad,0999,BU09990909\n"
    with pytest.raises(
        RegistryImportError, match=r"^Regel 2: buurtcode 'BU09990909' is onbekend\.$"
    ):
        import_addresses(write("a.csv", text))


def test_buurtcode_of_another_municipality_is_refused(voorbeeldstad, write):
    text = "postcode,huisnummer,straatnaam,woonplaats,gemeentecode,buurtcode\n1234AB,1,Dorpsweg,Voorbeeldstad,0999,BU03630101\n"
    with pytest.raises(RegistryImportError, match="hoort niet bij gemeente 0999"):
        import_addresses(write("a.csv", text))


def test_buurtcode_before_its_buurten_are_imported_links_when_they_arrive(
    voorbeeldstad, write, buurten_file
):
    text = "postcode,huisnummer,straatnaam,woonplaats,gemeentecode,buurtcode\n1234AB,1,Dorpsweg,Voorbeeldstad,0999,BU09990102\n"
    import_addresses(write("a.csv", text))
    assert Address.objects.get().buurt is None
    import_neighbourhoods(buurten_file)
    assert Address.objects.get().buurt.code == "BU09990102"


def test_progress_is_written_to_stdout_when_given(voorbeeldstad, write):
    import io

    out = io.StringIO()
    import_addresses(
        write("bag.csv", BAG_HEADER + bag_line("Kerkstraat", 1, "", "1234AB")), stdout=out
    )
    assert "1 regel gelezen" in out.getvalue()


def test_blank_lines_are_skipped_but_counted_in_line_numbers(voorbeeldstad, write):
    text = (
        "postcode,huisnummer,straatnaam,woonplaats,gemeentecode\n"
        "1234AB,1,Dorpsweg,Voorbeeldstad,0999\n"
        "\n"
        "1234AB,,Dorpsweg,Voorbeeldstad,0999\n"
    )
    with pytest.raises(RegistryImportError, match=r"^Regel 4: huisnummer ontbreekt\.$"):
        import_addresses(write("a.csv", text))


def test_windows_line_endings_and_decimal_commas_are_read(voorbeeldstad, write):
    text = (
        "postcode;huisnummer;straatnaam;woonplaats;gemeentecode;latitude;longitude\r\n"
        "1234AB;1;Dorpsweg;Voorbeeldstad;0999;52,05;5,15\r\n"
    )
    import_addresses(write("a.csv", text))
    address = Address.objects.get()
    assert (address.woonplaats, address.latitude, address.longitude) == (
        "Voorbeeldstad",
        52.05,
        5.15,
    )


def test_municipality_name_with_typographic_apostrophe_is_resolved(db, write):
    bosch = MunicipalityFactory(code="0796", name="'s-Hertogenbosch")
    path = write(
        "bag.csv", BAG_HEADER + bag_line("Markt", 1, "", "5211JX", municipality="’s-Hertogenbosch")
    )
    import_addresses(path)
    assert Address.objects.get().municipality == bosch


def test_result_counts_rows_and_addresses_with_and_without_buurt(
    voorbeeldstad, write, buurten_file
):
    import_neighbourhoods(buurten_file)
    text = (
        BAG_HEADER
        + bag_line("Kerkstraat", 1, "", "1234AB")
        + bag_line("Kerkstraat", 2, "", "1234AB", latlon=("", ""))
    )
    result = import_addresses(write("bag.csv", text))
    assert (
        result.rows,
        result.created,
        result.with_buurt,
        result.without_buurt,
        result.municipalities,
    ) == (
        2,
        2,
        1,
        1,
        ("0999",),
    )


EXPLICIT_HEADER = (
    "postcode,huisnummer,huisletter,huisnummertoevoeging,straatnaam,woonplaats,gemeentecode\n"
)


def test_explicit_huisletter_of_more_than_one_letter_is_refused(voorbeeldstad, write):
    path = write("a.csv", EXPLICIT_HEADER + "1234AB,1,AB,,Dorpsweg,Voorbeeldstad,0999\n")
    with pytest.raises(RegistryImportError, match=r"^Regel 2: huisletter 'AB' is ongeldig\.$"):
        import_addresses(path)


def test_explicit_toevoeging_longer_than_four_is_refused(voorbeeldstad, write):
    path = write("a.csv", EXPLICIT_HEADER + "1234AB,1,,ABCDE,Dorpsweg,Voorbeeldstad,0999\n")
    with pytest.raises(
        RegistryImportError, match="Regel 2: huisnummertoevoeging 'ABCDE' is ongeldig"
    ):
        import_addresses(path)


def test_municipality_name_shared_by_two_municipalities_is_refused(db, write):
    MunicipalityFactory(code="0373", name="Bergen")
    MunicipalityFactory(code="0893", name="BERGEN")
    path = write(
        "bag.csv", BAG_HEADER + bag_line("Dorpsstraat", 1, "", "1861AA", municipality="Bergen")
    )
    with pytest.raises(RegistryImportError, match="gemeente 'Bergen' is niet eenduidig"):
        import_addresses(path)

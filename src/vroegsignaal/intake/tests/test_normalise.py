"""Normalisation and row checks of a delivery (spec 1.5, 1.6), by example."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from vroegsignaal.intake import codes, normalise
from vroegsignaal.intake.codes import Code, Kind
from vroegsignaal.intake.normalise import OUTPUT_SCHEMA, normalise_delivery
from vroegsignaal.intake.normalise_addresses import normalise_house_number, normalise_postcode
from vroegsignaal.intake.normalise_amounts import normalise_amount
from vroegsignaal.intake.normalise_bsn import normalise_bsn
from vroegsignaal.intake.normalise_contacts import normalise_email, normalise_phone
from vroegsignaal.intake.normalise_dates import normalise_date
from vroegsignaal.intake.normalise_names import (
    normalise_initials,
    normalise_tussenvoegsel,
    split_surname,
)
from vroegsignaal.intake.spreadsheet_safety import spreadsheet_safe, spreadsheet_safe_expr

PEILDATUM = date(2026, 3, 1)
VALID = {
    "klantnummer": "K-1",
    "voorletters": "J.",
    "achternaam": "Jansen",
    "geboortedatum": "1980-02-01",
    "huisnummer": "12",
    "postcode": "1234AB",
    "bedrag_achterstand": "100,00",
    "ontstaansdatum": "2026-01-01",
}


def deliver(*rows: dict, soort: str = "stand", peildatum: date = PEILDATUM):
    """Normalise rows, each the valid row with some fields changed (None: left empty)."""
    full = [{**VALID, **row} for row in rows]
    names = list(dict.fromkeys(k for row in full for k in row))
    frame = pl.DataFrame(
        {"rij": list(range(2, len(full) + 2)), **{n: [r.get(n) for r in full] for n in names}},
        schema={"rij": pl.Int64, **dict.fromkeys(names, pl.String)},
    )
    return normalise_delivery(frame, peildatum=peildatum, soort=soort)


def only(result, column: str):
    return result.table.get_column(column).to_list()[0]


def errors(result) -> list[str]:
    return result.table.get_column("fouten").to_list()[0]


def warnings(result) -> list[str]:
    return result.table.get_column("waarschuwingen").to_list()[0]


# --- the whole table ----------------------------------------------------------


def test_valid_row_is_accepted_in_normal_form():
    result = deliver({"postcode": "1234 ab", "huisnummer": "12-a", "achternaam": "van Dijk"})
    row = result.table.row(0, named=True)
    assert row["fouten"] == [] and row["waarschuwingen"] == []
    assert row["postcode"] == "1234AB"
    assert (row["huisnummer"], row["huisletter"], row["huisnummertoevoeging"]) == (12, "A", "")
    assert (row["tussenvoegsel"], row["achternaam"]) == ("van", "Dijk")
    assert row["geboortedatum"] == date(1980, 2, 1)
    assert row["bedrag_cents"] == 10000


def test_output_table_has_the_documented_schema():
    result = deliver({})
    assert dict(result.table.schema) == OUTPUT_SCHEMA


def test_row_numbers_are_kept_from_the_raw_table():
    result = deliver({}, {"klantnummer": "K-2"}, {"klantnummer": "K-3"})
    assert result.table.get_column("rij").to_list() == [2, 3, 4]


def test_rows_keep_their_order_whatever_their_values():
    rows = [{"klantnummer": f"K-{i}", "huisnummer": str(1 + i % 3)} for i in range(50)]
    result = deliver(*rows)
    assert result.table.get_column("klantnummer").to_list() == [f"K-{i}" for i in range(50)]
    assert result.table.get_column("huisnummer").to_list() == [1 + i % 3 for i in range(50)]


def test_a_raw_table_without_row_numbers_gets_them_from_one():
    frame = pl.DataFrame({k: [v] for k, v in VALID.items()})
    result = normalise_delivery(frame, peildatum=PEILDATUM)
    assert result.table.get_column("rij").to_list() == [1]


def test_missing_optional_columns_are_null():
    result = deliver({})
    assert only(result, "email") is None
    assert only(result, "crisissignaal") is False


# --- required fields ----------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        "klantnummer",
        "achternaam",
        "geboortedatum",
        "huisnummer",
        "postcode",
        "bedrag_achterstand",
        "ontstaansdatum",
    ],
)
def test_empty_required_field_rejects_the_row(field):
    result = deliver({field: "  "})
    assert errors(result) == ["VERPLICHT_VELD_LEEG"]
    issue = result.issues.row(0, named=True)
    assert (issue["veld"], issue["code"]) == (field, "VERPLICHT_VELD_LEEG")
    assert issue["melding"] == f"Het verplichte veld {field} is leeg."


def test_row_without_voorletters_and_voornamen_is_rejected():
    result = deliver({"voorletters": None, "voornamen": ""})
    assert errors(result) == ["VERPLICHT_VELD_LEEG"]
    assert result.issues.get_column("melding").to_list() == [
        "Voorletters en voornamen zijn allebei leeg; een van beide is verplicht."
    ]


def test_voorletters_are_derived_from_voornamen_when_absent():
    result = deliver({"voorletters": None, "voornamen": "Jan Pieter"})
    assert errors(result) == []
    assert only(result, "voorletters") == "J.P."


def test_klantnummer_longer_than_64_characters_rejects_the_row_whole():
    long_key = "K" * 65
    result = deliver({"klantnummer": long_key})
    assert errors(result) == ["VERPLICHT_VELD_LEEG"]
    assert only(result, "klantnummer") == long_key
    assert result.issues.get_column("melding").to_list() == [
        "Het veld klantnummer is langer dan 64 tekens en kan niet worden gebruikt."
    ]
    assert result.issues.get_column("klantnummer").str.len_chars().to_list() == [64]


@pytest.mark.parametrize(
    ("field", "maximum"),
    [("klantnummer", 64), ("contractnummer", 64), ("signaal_id", 64), ("achternaam", 200)],
)
def test_a_value_over_its_spec_maximum_rejects_the_row_saying_it_is_too_long(field, maximum):
    """Spec 1.5's "text ≤ 64" / "text ≤ 200": one character more rejects the row. Spec 1.6 has
    no length code, so the code is VERPLICHT_VELD_LEEG; the message names the field and the
    maximum (that it is too long, not empty), never the value."""
    assert errors(deliver({field: "B" * maximum})) == []
    result = deliver({field: "B" * (maximum + 1)})
    assert errors(result) == ["VERPLICHT_VELD_LEEG"]
    assert result.issues.select("veld", "code", "melding", "soort").rows() == [
        (
            field,
            "VERPLICHT_VELD_LEEG",
            f"Het veld {field} is langer dan {maximum} tekens en kan niet worden gebruikt.",
            "rij",
        )
    ]


def test_long_non_key_text_is_cut_at_its_maximum():
    result = deliver({"voornamen": "Jan " * 100, "straatnaam": "x" * 300})
    assert len(only(result, "voornamen")) <= 200
    assert len(only(result, "straatnaam")) == 200
    assert errors(result) == []


# --- postcode and house number ---------------------------------------------------


@pytest.mark.parametrize("text", ["1234AB", "1234 ab", "1234-AB", " 1234ab "])
def test_postcode_forms_of_the_spec_are_read(text):
    assert normalise_postcode(text) == "1234AB"


@pytest.mark.parametrize(
    "text", ["0123AB", "1234SA", "1234SD", "1234SS", "123AB", "1234A", "１２３４AB"]
)
def test_postcode_that_is_not_dutch_is_invalid(text):
    assert normalise_postcode(text) is None


def test_invalid_postcode_rejects_the_row():
    assert errors(deliver({"postcode": "1234SS"})) == ["POSTCODE_ONGELDIG"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", (12, "", "")),
        ("12A", (12, "A", "")),
        ("12-a", (12, "A", "")),
        ("12 A", (12, "A", "")),
        ("12-1", (12, "", "1")),
        ("12 hs", (12, "", "HS")),
        ("12bis", (12, "", "BIS")),
        ("12 II", (12, "", "II")),
        ("12.0", (12, "", "")),
    ],
)
def test_house_number_with_letter_or_addition_attached_is_split(text, expected):
    assert normalise_house_number(text) == expected


@pytest.mark.parametrize("text", ["0", "100000", "abc", "-"])
def test_house_number_outside_1_to_99999_is_invalid(text):
    assert normalise_house_number(text) is None
    assert errors(deliver({"huisnummer": text})) == ["HUISNUMMER_ONGELDIG"]


def test_separate_huisletter_and_toevoeging_win_over_what_the_number_carries():
    assert normalise_house_number("12a", "b", None) == (12, "B", "")
    assert normalise_house_number("12-1", None, "2") == (12, "", "2")
    assert normalise_house_number("12", "a", "hs") == (12, "A", "HS")
    row = deliver({"huisnummer": "12a", "huisnummertoevoeging": "3"}).table.row(0, named=True)
    assert (row["huisletter"], row["huisnummertoevoeging"]) == ("A", "3")


# --- names --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["J.P.", "JP", "J P", "j.p", "j.p."])
def test_initials_forms_of_the_spec_become_dotted_capitals(text):
    assert normalise_initials(text) == "J.P."


def test_initials_in_title_case_count_as_one_letter():
    assert normalise_initials("Th.J.") == "T.J."


@pytest.mark.parametrize(
    ("text", "expected"),
    [("van der", "van der"), ("v.d.", "van der"), ("V/D", "van der"), ("'t", "'t"),
     ("’T", "'t"), ("Van Den", "van den"), ("v.", "van"), ("De", "de")],
)  # fmt: skip
def test_tussenvoegsel_is_lower_case_and_spelled_out(text, expected):
    assert normalise_tussenvoegsel(text) == expected


@pytest.mark.parametrize("text", ["van Dijk", "Dijk, van", "Dijk van", "Van Dijk", "v. Dijk"])
def test_surname_carrying_a_tussenvoegsel_is_split(text):
    assert split_surname(text) == ("van", "Dijk")


def test_surname_with_trailing_tussenvoegsel_is_split():
    assert split_surname("Berg van den") == ("van den", "Berg")


def test_surname_with_abbreviated_tussenvoegsel_is_split_and_spelled_out():
    assert split_surname("v.d. Berg") == ("van der", "Berg")


def test_double_surname_keeps_the_inner_tussenvoegsel():
    assert split_surname("de Vries-van Dam") == ("de", "Vries-van Dam")


@pytest.mark.parametrize("text", ["van", "Van Der", "Jansen"])
def test_surname_that_is_only_one_word_or_only_voorvoegsels_is_kept_whole(text):
    assert split_surname(text) == (None, text)


def test_delivered_tussenvoegsel_is_taken_off_a_surname_that_repeats_it():
    assert split_surname("van Dijk", "van") == ("van", "Dijk")


def test_delivered_tussenvoegsel_wins_over_a_different_one_in_the_surname():
    assert split_surname("de Vries", "van") == ("van", "de Vries")


def test_surname_split_in_the_table():
    row = deliver({"achternaam": "Dijk, van der"}).table.row(0, named=True)
    assert (row["tussenvoegsel"], row["achternaam"]) == ("van der", "Dijk")


# --- dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["1980-02-01", "01-02-1980", "01/02/1980", "1-2-1980", "19800201", "1980-02-01 00:00:00",
     "1980-02-01T00:00:00Z", "1/2/1980"],
)  # fmt: skip
def test_date_forms_of_the_spec_are_read(text):
    assert normalise_date(text) == date(1980, 2, 1)


@pytest.mark.parametrize(
    "text",
    [
        "1980-02-30",
        "31-04-2020",
        "29-02-2023",
        "00-01-2020",
        "01-13-2020",
        "1-2-80",
        "gisteren",
        "0000-01-01",
    ],
)
def test_text_that_is_not_a_real_date_is_invalid(text):
    assert normalise_date(text) is None


def test_leap_day_is_a_real_date():
    assert normalise_date("29-02-2024") == date(2024, 2, 29)


def test_unreadable_date_rejects_the_row():
    result = deliver({"geboortedatum": "31-02-1980"})
    assert errors(result) == ["DATUM_ONGELDIG"]
    assert result.issues.get_column("veld").to_list() == ["geboortedatum"]


def test_birth_date_after_the_peildatum_is_improbable():
    assert errors(deliver({"geboortedatum": "2026-03-02"})) == ["GEBOORTEDATUM_ONWAARSCHIJNLIJK"]


def test_birth_date_more_than_120_years_before_the_peildatum_is_improbable():
    assert errors(deliver({"geboortedatum": "1906-02-28"})) == ["GEBOORTEDATUM_ONWAARSCHIJNLIJK"]


def test_birth_date_exactly_120_years_before_the_peildatum_is_accepted():
    assert errors(deliver({"geboortedatum": "1906-03-01"})) == []


def test_ontstaansdatum_after_the_peildatum_rejects_the_row():
    assert errors(deliver({"ontstaansdatum": "2026-03-02"})) == ["ONTSTAANSDATUM_NA_PEILDATUM"]
    assert errors(deliver({"ontstaansdatum": "2026-03-01"})) == []


# --- amounts ------------------------------------------------------------------------


def test_amount_with_decimal_comma_and_thousand_dots_is_read_as_cents():
    assert normalise_amount("1.234,56", ",") == 123456
    assert normalise_amount("€ 1.234,56", ",") == 123456


def test_amount_with_decimal_point_is_read_as_cents():
    assert normalise_amount("1234.56", ".") == 123456
    assert normalise_amount("1234.5", ".") == 123450
    assert normalise_amount("1,234.56", ".") == 123456


def test_amount_with_one_decimal_after_a_comma_is_read_as_cents():
    assert normalise_amount("1234,5", ",") == 123450


def test_dutch_whole_euros_with_comma_dash_are_read():
    assert normalise_amount("€ 50,-", ",") == 5000


def test_number_cell_with_float_noise_is_rounded_to_a_cent():
    assert normalise_amount("12.100000000000001", ".") == 1210
    assert normalise_amount("12.0999999999", ".") == 1210


def test_column_with_comma_decimals_reads_every_value_with_the_comma():
    result = deliver(
        {"bedrag_achterstand": "1.234,56"}, {"klantnummer": "K-2", "bedrag_achterstand": "1.234"}
    )
    assert result.amount_separator == ","
    assert result.table.get_column("bedrag_cents").to_list() == [123456, 123400]


def test_column_without_comma_decimals_reads_the_dot_as_decimal_separator():
    result = deliver(
        {"bedrag_achterstand": "12.50"}, {"klantnummer": "K-2", "bedrag_achterstand": "7"}
    )
    assert result.amount_separator == "."
    assert result.table.get_column("bedrag_cents").to_list() == [1250, 700]


def test_three_digits_after_a_dot_in_a_dot_column_are_ambiguous_and_rejected():
    result = deliver({"bedrag_achterstand": "1.234"})
    assert errors(result) == ["BEDRAG_ONGELDIG"]
    assert "dubbelzinnig" in result.issues.get_column("melding").to_list()[0]


def test_column_mixing_comma_and_dot_decimals_is_reported_not_guessed():
    result = deliver(
        {"bedrag_achterstand": "1.234,56"},
        {"klantnummer": "K-2", "bedrag_achterstand": "12.50"},
        {"klantnummer": "K-3", "bedrag_achterstand": "300"},
    )
    assert result.amount_separator == "gemengd"
    assert result.table.get_column("fouten").to_list() == [["BEDRAG_ONGELDIG"]] * 2 + [[]]
    assert result.table.get_column("bedrag_cents").to_list() == [None, None, 30000]
    assert [note.code for note in result.notes] == [Code.BEDRAG_ONGELDIG]
    assert "zowel een decimale komma als een decimale punt" in result.notes[0].melding


@pytest.mark.parametrize("text", ["0", "0,00", "-12,50", "abc", "12,50 euro extra", "1,2,3"])
def test_amount_that_is_not_a_positive_number_rejects_the_row(text):
    result = deliver({"bedrag_achterstand": text})
    assert errors(result) == ["BEDRAG_ONGELDIG"]
    assert only(result, "bedrag_cents") is None


def test_an_amount_too_large_to_store_is_rejected_saying_so():
    """It used to say the field held no amount above zero, which was not true."""
    result = deliver({"bedrag_achterstand": "99999999999999999999,99"})
    assert errors(result) == ["BEDRAG_ONGELDIG"]
    assert result.issues.get_column("melding").to_list() == [
        "Het veld bedrag_achterstand bevat een te groot bedrag; het hoogste bedrag dat kan "
        "worden opgeslagen is € 9.999.999.999.999,99."
    ]


def test_the_largest_amount_that_can_be_stored_is_accepted():
    result = deliver({"bedrag_achterstand": "9.999.999.999.999,99"})
    assert errors(result) == []
    assert only(result, "bedrag_cents") == 999_999_999_999_999


# --- BSN, phone, e-mail ----------------------------------------------------------------


def test_bsn_passing_the_elfproef_is_kept_as_nine_digits():
    assert normalise_bsn("111222333") == "111222333"
    assert normalise_bsn("1112.22.333") == "111222333"


def test_bsn_of_eight_digits_gets_its_leading_zero_back():
    assert normalise_bsn("12345672") == "012345672"


@pytest.mark.parametrize("text", ["123456789", "000000000", "1234567", "12345678901", "abc"])
def test_bsn_failing_the_elfproef_rejects_the_row(text):
    assert normalise_bsn(text) is None
    assert errors(deliver({"bsn": text})) == ["BSN_ONGELDIG"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("06-12345678", "+31612345678"), ("020 123 4567", "+31201234567"),
     ("+31 (0)6 12345678", "+31612345678"), ("0031612345678", "+31612345678"),
     ("612345678", "+31612345678"), ("+32 2 123 45 67", "+3221234567")],
)  # fmt: skip
def test_phone_numbers_are_written_in_e164(text, expected):
    assert normalise_phone(text) == expected


def test_invalid_phone_number_is_dropped_with_a_warning_and_the_row_kept():
    result = deliver({"telefoonnummer": "onbekend"})
    assert errors(result) == []
    assert warnings(result) == ["TELEFOON_ONGELDIG"]
    assert only(result, "telefoonnummer") is None
    assert result.issues.get_column("soort").to_list() == ["waarschuwing"]


def test_email_is_stored_in_lower_case():
    assert normalise_email(" Jan.Jansen@Example.NL ") == "jan.jansen@example.nl"


@pytest.mark.parametrize("text", ["jan@", "jan@example", "jan..x@example.nl", "jan@exa mple.nl"])
def test_invalid_email_is_dropped_with_a_warning_and_the_row_kept(text):
    result = deliver({"email": text})
    assert (errors(result), warnings(result)) == ([], ["EMAIL_ONGELDIG"])
    assert only(result, "email") is None


# --- duplicates, status, flags ------------------------------------------------------------


def test_same_klantnummer_and_contractnummer_twice_rejects_both_rows():
    result = deliver({"contractnummer": "C1"}, {"contractnummer": "C1"}, {"contractnummer": "C2"})
    assert result.table.get_column("fouten").to_list() == [
        ["DUBBEL_IN_LEVERING"],
        ["DUBBEL_IN_LEVERING"],
        [],
    ]


def test_same_klantnummer_without_contractnummer_twice_is_a_duplicate():
    result = deliver({}, {})
    assert result.table.get_column("fouten").to_list() == [["DUBBEL_IN_LEVERING"]] * 2


def test_status_is_required_and_checked_in_a_mutatie():
    result = deliver(
        {"status": "Nieuw"},
        {"klantnummer": "K-2", "status": "weg"},
        {"klantnummer": "K-3", "status": None},
        soort="mutatie",
    )
    assert result.table.get_column("status").to_list() == ["nieuw", None, None]
    assert result.table.get_column("fouten").to_list() == [
        [],
        ["VERPLICHT_VELD_LEEG"],
        ["VERPLICHT_VELD_LEEG"],
    ]


def test_status_is_ignored_in_a_stand():
    result = deliver({"status": "weg"})
    assert (errors(result), only(result, "status")) == ([], None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ja", True), ("J", True), ("true", True), ("1", True), ("x", True), ("nee", False),
     ("n", False), ("FALSE", False), ("0", False), (None, False), ("misschien", None)],
)  # fmt: skip
def test_crisissignaal_accepts_the_yes_no_forms_of_the_spec(text, expected):
    assert only(deliver({"crisissignaal": text}), "crisissignaal") is expected


def test_crisis_reden_is_an_enum_and_implies_crisissignaal():
    result = deliver({"crisis_reden": "Beëindiging zorgverzekering"})
    assert only(result, "crisis_reden") == "beeindiging_zorgverzekering"
    assert only(result, "crisissignaal") is True


def test_geslacht_is_one_letter():
    values = ["man", "Vrouw", "x", "O", "?"]
    rows = [{"klantnummer": f"K-{i}", "geslacht": v} for i, v in enumerate(values)]
    assert deliver(*rows).table.get_column("geslacht").to_list() == ["M", "V", "X", "O", None]


# --- text safety ------------------------------------------------------------------------


def test_control_and_invisible_characters_are_removed_from_text():
    result = deliver({"achternaam": "Jan\u200bsen\x00", "woonplaats": "Den\u00a0\tHaag "})
    assert only(result, "achternaam") == "Jansen"
    assert only(result, "woonplaats") == "Den Haag"


@pytest.mark.parametrize("text", ["=1+1", "+31612345678", "-5", "@SUM(A1)", "\tx", "＝1"])
def test_text_a_spreadsheet_would_evaluate_is_prefixed_for_export(text):
    assert spreadsheet_safe(text) == "'" + text


def test_ordinary_text_and_non_text_pass_the_spreadsheet_guard_unchanged():
    assert spreadsheet_safe("Jansen") == "Jansen"
    assert spreadsheet_safe(12) == 12
    assert spreadsheet_safe(None) is None


def test_spreadsheet_guard_for_columns_agrees_with_the_scalar_one():
    values = ["=1+1", "Jansen", "-5", None, "@x", "a=b"]
    frame = pl.DataFrame({"v": values})
    assert frame.select(spreadsheet_safe_expr(pl.col("v"))).to_series().to_list() == [
        spreadsheet_safe(v) for v in values
    ]


def test_values_are_stored_as_delivered_even_when_they_look_like_formulas():
    assert only(deliver({"achternaam": "=HYPERLINK(1)"}), "achternaam") == "=HYPERLINK(1)"


# --- issues and messages ---------------------------------------------------------------------


def test_issues_table_has_the_rejected_rows_csv_columns_and_more():
    result = deliver({"postcode": "x", "email": "y"})
    assert result.issues.columns == ["rij", "klantnummer", "veld", "code", "melding", "soort"]
    assert result.issues.select("rij", "veld", "code").rows() == [
        (2, "postcode", "POSTCODE_ONGELDIG"),
        (2, "email", "EMAIL_ONGELDIG"),
    ]


def test_messages_name_the_field_but_never_the_delivered_value():
    secret = {"achternaam": "Zeldzaamnaam", "postcode": "0999XX", "bsn": "123456789",
              "geboortedatum": "1700-01-01", "telefoonnummer": "0612", "email": "geheim@"}  # fmt: skip
    result = deliver(secret)
    assert set(result.issues.get_column("code")) >= {"POSTCODE_ONGELDIG", "BSN_ONGELDIG"}
    for text in result.issues.get_column("melding"):
        assert not any(value in text for value in secret.values())


def test_counts_give_rows_per_code():
    result = deliver({"postcode": "x"}, {"klantnummer": "K-2", "postcode": "y", "bsn": "1"})
    assert result.counts() == {"BSN_ONGELDIG": 1, "POSTCODE_ONGELDIG": 2}
    assert result.accepted.height == 0 and result.rejected.height == 2


def test_every_code_of_the_spec_exists_with_its_kind_and_a_dutch_message():
    spec_rows = {"VERPLICHT_VELD_LEEG", "POSTCODE_ONGELDIG", "HUISNUMMER_ONGELDIG",
                 "DATUM_ONGELDIG", "GEBOORTEDATUM_ONWAARSCHIJNLIJK", "ONTSTAANSDATUM_NA_PEILDATUM",
                 "BEDRAG_ONGELDIG", "BSN_ONGELDIG", "DUBBEL_IN_LEVERING", "ADRES_ONBEKEND",
                 "BUITEN_CONVENANT"}  # fmt: skip
    spec_warnings = {"TELEFOON_ONGELDIG", "EMAIL_ONGELDIG", "ADRES_BIJ_BENADERING"}
    spec_refusals = {"BESTAND_LEEG", "BESTAND_ONLEESBAAR", "KOLOM_ONTBREEKT",
                     "PEILDATUM_ONGELDIG", "LEVERING_DUBBEL", "BESTAND_TE_GROOT",
                     "TE_VEEL_FOUTEN"}  # fmt: skip
    assert set(Code.values) == spec_rows | spec_warnings | spec_refusals
    assert {c for c in Code if codes.kind_of(c) == Kind.ROW} == spec_rows
    assert {c for c in Code if codes.kind_of(c) == Kind.WARNING} == spec_warnings
    for code in Code:
        text = codes.message(code, "veld", kolommen="a", maximum="1 GiB")
        assert text.endswith(".") and "{" not in text


def test_normalise_module_exports_the_scalar_reference_functions():
    for name in ["normalise_date", "normalise_amount", "normalise_initials", "split_surname",
                 "normalise_phone", "normalise_email", "bsn_valid", "normalise_postcode",
                 "normalise_house_number", "normalise_tussenvoegsel", "clean_text"]:  # fmt: skip
        assert callable(getattr(normalise, name))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("-123", "-123"),
        ("+31612345678", "+31612345678"),
        ("K-1", "K-1"),
        ("-", "'-"),
        ("+", "'+"),
        ("-12.5", "'-12.5"),
        ("-2+3", "'-2+3"),
        ("=1", "'=1"),
        ("@A1", "'@A1"),
        ("\t-1", "'\t-1"),
        ("\uff0b31", "'\uff0b31"),
    ],
)
def test_identifier_safe_protects_only_what_a_spreadsheet_could_run(value, written):
    from vroegsignaal.intake.spreadsheet_safety import csv_lines, identifier_safe, spreadsheet_safe

    assert identifier_safe(value) == written
    # Other columns keep the stricter rule: every trigger at the start is protected.
    assert spreadsheet_safe("-123") == "'-123"
    assert list(csv_lines(["a", "klantnummer"], [["-1", value]], identifiers=["klantnummer"]))[
        1
    ].startswith("'-1;")

"""The preview asks whether amounts are cents when half of them are € 10.000 or more: an export in
cents (15000 for € 150,00) passes every check of the format, row by row."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vroegsignaal.intake.previews import HIGH_MEDIAN_CENTS, high_amounts_warning

from .support import csv_bytes, row
from .test_preview_head import preview_of


def test_amounts_in_cents_are_questioned_in_the_preview(world):
    data = csv_bytes([row(n, bedrag_achterstand=str(15000 + n)) for n in range(1, 9)])
    warning = preview_of(world, data, "levering.csv").amount_warning
    assert warning == (
        "De bedragen zijn hoog: de helft van de 8 bedragen in dit voorbeeld is € 15.004,00 of "
        "meer. Staan ze misschien in centen? Het aanleverformaat vraagt euro’s: 150,00 of 150 "
        "voor honderdvijftig euro. Klopt het, dan kunt u gewoon indienen."
    )


def test_ordinary_amounts_get_no_warning(world):
    data = csv_bytes([row(n) for n in range(1, 9)])  # 150,00 each
    assert preview_of(world, data, "levering.csv").amount_warning == ""


def test_the_warning_is_on_the_upload_preview_page(world, client, verified_client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    verified_client(world.user)
    data = csv_bytes([row(n, bedrag_achterstand="25.000,00") for n in range(1, 9)])
    client.post(
        reverse("intake:upload"),
        {
            "file": SimpleUploadedFile("levering.csv", data),
            "peildatum": "2026-11-01",
            "soort": "stand",
        },
    )
    body = client.get(reverse("intake:preview")).content.decode()
    assert "de helft van de 8 bedragen in dit voorbeeld is € 25.000,00 of meer" in body
    assert 'value="indienen"' in body  # only a warning: submitting stays possible


def test_a_few_high_amounts_among_ordinary_ones_are_no_reason_to_ask():
    assert high_amounts_warning(["150,00"] * 6 + ["250.000,00"] * 5) == ""
    assert high_amounts_warning(["15000"] * 4) == ""  # too few to judge


@given(
    st.lists(st.integers(1, HIGH_MEDIAN_CENTS - 1), min_size=1, max_size=60),
    st.sampled_from([",", "."]),
)
def test_amounts_below_ten_thousand_euros_never_warn(cents, separator):
    values = [f"{c // 100}{separator}{c % 100:02d}" for c in cents]
    assert high_amounts_warning(values) == ""


@given(st.lists(st.integers(HIGH_MEDIAN_CENTS, 10**12), min_size=5, max_size=60))
def test_amounts_all_at_or_above_ten_thousand_euros_always_warn(cents):
    values = [f"{c // 100},{c % 100:02d}" for c in cents]
    assert high_amounts_warning(values).startswith("De bedragen zijn hoog")

"""Review 26, defect 1: every number a coordinator types on the rules and tray pages is a whole
number written the Dutch way. "1.000" is a thousand (not 1, as Django's IntegerField read it),
and "60.0" or "1,5" is refused with a message about decimals (not read as 60 or refused as
out of range)."""

from __future__ import annotations

import pytest
from django import forms as django_forms
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from vroegsignaal.formats import thousands
from vroegsignaal.signals import forms, services
from vroegsignaal.signals.amounts import looks_decimal, parse_whole_number
from vroegsignaal.signals.models import RuleSet, Tray

from .rules_support import URL, rules_form

TRAY_URL = "/signalen/regels/werkbakjes/nieuw/"
DECIMALS = "zonder decimalen. Een punt scheidt duizendtallen: 1.000 is duizend."
AGE_ERROR = "Vul een leeftijd in hele jaren in van 0 tot en met 120, of laat het leeg."


def tray_form(**values) -> dict:
    return {
        "name": "Nieuw", "kind": "", "crisis": "", "repeat": "", "debt_swap": "", "amount_min_eur": "",
        "amount_max_eur": "", "youngest_age_min": "", "youngest_age_max": "", "oldest_age_min": "",
        "oldest_age_max": "", "team": "", **values,
    }  # fmt: skip


# -- parsing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "number"),
    [("1.000", 1000), ("1.000.000", 1_000_000), ("60", 60), (" 60 ", 60), ("0", 0), ("-5", -5),
     ("\u22125", -5), ("007", 7)],
)  # fmt: skip
def test_whole_numbers_are_read_with_a_dot_grouping_thousands(typed, number):
    assert parse_whole_number(typed) == number


@pytest.mark.parametrize(
    "typed",
    ["60.0", "1,5", "60,0", "1.00", "1,000", "1..000", "1.000.", ".5", "abc", "", "€ 5", "5,-", "+5",
     "9" * 40],
)  # fmt: skip
def test_what_is_not_a_whole_number_written_the_dutch_way_is_refused(typed):
    with pytest.raises(ValueError):
        parse_whole_number(typed)


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_a_number_written_with_thousands_dots_reads_back_as_itself(n):
    assert parse_whole_number(thousands(n)) == parse_whole_number(str(n)) == n


@pytest.mark.parametrize(
    ("typed", "decimal"),
    [("60.0", True), ("1,5", True), ("-1,5", True), ("veel", False), ("", False)],
)
def test_a_number_with_decimals_is_told_apart_from_no_number(typed, decimal):
    assert looks_decimal(typed) is decimal


def test_the_field_refuses_decimals_with_its_own_message_and_no_number_with_another():
    field = forms.WholeNumberField()
    assert field.clean("1.000") == 1000
    with pytest.raises(ValidationError) as decimal:
        field.clean("60.0")
    with pytest.raises(ValidationError) as word:
        field.clean("veel")
    assert (decimal.value.code, word.value.code) == ("decimal", "invalid")
    assert decimal.value.messages == [
        "Vul een geheel getal in, zonder decimalen. Een punt scheidt duizendtallen: 1.000 is duizend."
    ]


@pytest.mark.django_db
def test_every_typed_whole_number_on_the_rules_and_tray_forms_is_read_the_dutch_way(municipality):
    typed = {
        f"{type(form).__name__}.{name}": field
        for form in (forms.RulesForm(), forms.TrayForm(municipality=municipality))
        for name, field in form.fields.items()
        if isinstance(field, django_forms.IntegerField)
        and not isinstance(field.widget, django_forms.HiddenInput)
    }
    assert sorted(typed) == [
        "RulesForm.debt_swap_window_days", "RulesForm.max_age_days", "RulesForm.min_amount_eur",
        "RulesForm.min_creditors", "RulesForm.repeat_window_days", "TrayForm.amount_max_eur",
        "TrayForm.amount_min_eur", "TrayForm.oldest_age_max", "TrayForm.oldest_age_min",
        "TrayForm.youngest_age_max", "TrayForm.youngest_age_min",
    ]  # fmt: skip
    assert all(isinstance(field, forms.WholeNumberField) for field in typed.values())


# -- the rules page --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_maximum_age_of_1_000_days_is_saved_as_a_thousand_days_not_one(
    municipality, coordinator, client, verified_client
):
    verified_client(coordinator)
    response = client.post(URL, rules_form(max_age_days="1.000"))
    assert response.status_code == 302
    assert services.current_rules(municipality).max_age_days == 1000


@pytest.mark.django_db
def test_1_000_creditors_is_refused_as_out_of_range_not_saved_as_one(
    municipality, coordinator, client, verified_client
):
    verified_client(coordinator)
    response = client.post(URL, rules_form(min_creditors="1.000"))
    assert response.context["form"].errors == {
        "min_creditors": ["Vul een geheel getal in van 1 tot en met 20."]
    }
    assert list(
        RuleSet.objects.filter(municipality=municipality).values_list("version", flat=True)
    ) == [1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "typed", "low", "high"),
    [("repeat_window_days", "60.0", 0, "3.650"), ("debt_swap_window_days", "1,5", 0, "3.650"),
     ("max_age_days", "60,0", 1, "3.650"), ("min_creditors", "2.0", 1, 20)],
)  # fmt: skip
def test_a_rule_typed_with_decimals_is_refused_with_a_message_about_decimals(
    field, typed, low, high, municipality, coordinator, client, verified_client
):
    verified_client(coordinator)
    response = client.post(URL, rules_form(**{field: typed}))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        field: [f"Vul een geheel getal in van {low} tot en met {high}, {DECIMALS}"]
    }
    assert services.current_rules(municipality).version == 1


# -- the tray form ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "typed"),
    [("youngest_age_max", "1.000"), ("oldest_age_min", "18.0"), ("oldest_age_max", "26,5")],
)
def test_a_tray_age_of_1_000_or_with_decimals_is_refused_not_saved_as_1_or_18(
    field, typed, municipality, coordinator, client, verified_client
):
    verified_client(coordinator)
    response = client.post(TRAY_URL, tray_form(**{field: typed}))
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [AGE_ERROR]}
    assert not Tray.objects.filter(municipality=municipality, name="Nieuw").exists()

"""The portal's form-field include: every input is labelled and points at its help text and errors."""

from __future__ import annotations

import re

from django import forms
from django.template.loader import render_to_string


class _Form(forms.Form):
    name = forms.CharField(label="Naam", help_text="Zoals in de BRP.")


def _ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def test_help_text_is_the_element_the_input_is_described_by():
    html = render_to_string("portal/_form_fields.html", {"form": _Form()})
    described_by = re.search(r'aria-describedby="([^"]+)"', html).group(1).split()
    assert described_by and set(described_by) <= _ids(html)


def test_error_and_help_text_are_both_found_by_the_invalid_input():
    html = render_to_string("portal/_form_fields.html", {"form": _Form(data={})})
    described_by = re.search(r'aria-describedby="([^"]+)"', html).group(1).split()
    assert described_by == ["id_name_helptext", "id_name_error"] and set(described_by) <= _ids(html)


def test_every_input_has_a_label():
    html = render_to_string("portal/_form_fields.html", {"form": _Form()})
    assert '<label class="utrecht-form-label" for="id_name">Naam' in html


class _Choices(forms.Form):
    reached = forms.ChoiceField(
        label="Bereikt", choices=[("ja", "Ja"), ("nee", "Nee")], widget=forms.RadioSelect
    )
    kinds = forms.MultipleChoiceField(
        label="Soorten",
        choices=[("a", "Brief"), ("b", "Mail")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


def test_a_group_of_options_is_a_fieldset_whose_legend_is_the_question():
    html = render_to_string("portal/_form_fields.html", {"form": _Choices()})
    legends = re.findall(r"<fieldset[^>]*>\s*<legend[^>]*>(.*?)</legend>", html, re.S)
    assert [re.sub(r"<[^>]+>|\s*\*", "", legend).strip() for legend in legends] == [
        "Bereikt",
        "Soorten",
    ]
    assert 'for=""' not in html
    # Every option keeps its own label.
    assert re.search(
        r'<label for="id_reached_1"><input type="radio" name="reached" value="nee"[^>]*>\s*Nee</label>',
        html,
    )
    assert re.search(
        r'<label for="id_kinds_0"><input type="checkbox" name="kinds" value="a"[^>]*>\s*Brief</label>',
        html,
    )


def test_the_fieldset_of_an_invalid_group_is_described_by_its_error():
    html = render_to_string("portal/_form_fields.html", {"form": _Choices(data={})})
    fieldset = re.search(r"<fieldset[^>]*>", html).group(0)
    assert 'aria-describedby="id_reached_error"' in fieldset and 'id="id_reached_error"' in html


def test_other_widgets_keep_their_label():
    html = render_to_string("portal/_form_fields.html", {"form": _Form()})
    assert "<fieldset" not in html and "<legend" not in html

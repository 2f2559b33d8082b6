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

"""What the portal's forms share."""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """A native date picker; it only understands ISO dates, whatever the locale's format."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002 - Django's name
        super().__init__(attrs, format=format)


class ErrorSummary:
    """For the summary of a form's errors at its top, each error a link to its field."""

    def error_links(self) -> list[dict]:
        """Every visible field's errors in the page's order: ``{"anchor", "label", "error"}``. The anchor is
        the field's input; a group of radio buttons or check boxes has no one element, so its first option."""
        links = []
        for field in self.visible_fields():
            anchor = field.id_for_label or f"{field.auto_id}_0"
            links += [{"anchor": anchor, "label": str(field.label), "error": error} for error in field.errors]
        return links

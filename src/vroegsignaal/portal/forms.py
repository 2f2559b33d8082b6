"""What the portal's forms share."""

from __future__ import annotations


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

"""What the portal's forms share."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

# The largest id a database column holds (a signed 64-bit integer): a larger number names nothing.
MAX_ID = 2**63 - 1


def parse_id(value: str | None) -> int | None:
    """An object's id as a form or query string sends it, or ``None`` when it is none.

    Only ASCII digits make an id (``str.isdigit()`` also takes ``²`` and other digits
    ``int()`` refuses), and no more than a database column holds (a longer number would
    fail the query, or ``int()`` itself past 4300 digits).
    """
    if not value or not value.isascii() or not value.isdigit() or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def refusal_text(error: Exception) -> str:
    """A service's refusal as a message says it: a ValidationError's messages (its ``str()``
    is a repr, ``{'on': ['De datum …']}``), any other error's text."""
    return " ".join(getattr(error, "messages", None) or [str(error)])


def parse_ids(values: Iterable[str]) -> list[int]:
    """The ids among ``values`` (a list of ticked check boxes), in order; what is no id is left out."""
    return [number for number in map(parse_id, values) if number is not None]


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
            links += [
                {"anchor": anchor, "label": str(field.label), "error": error}
                for error in field.errors
            ]
        return links


class NameLengthChecked:
    """For Django's log-in forms: the user name's length is checked before anyone is asked.

    Django gives the field its ``max_length`` without checking it. A longer name matches no one,
    and its failed log-in would be recorded with it by django-axes (255 characters) and the audit
    log (150): on PostgreSQL a 500 instead of "wrong name or password".
    """

    def __init__(
        self, request=None, *args, **kwargs
    ):  # "request" named: two_factor hands it in by the name
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.validators = [*field.validators, MaxLengthValidator(field.max_length)]


class LoginForm(NameLengthChecked, AuthenticationForm):
    """The log-in's first step: name and password."""


# django-otp has no Dutch: its messages for a wrong or throttled code would reach the user in
# English. The log-in's code forms get these instead (two_factor picks the form class itself).
OTP_MESSAGES = {
    "token_required": _("Vul de verificatiecode in."),
    "challenge_exception": _("De code kon niet worden verstuurd: {0}"),
    "not_interactive": _("Dit apparaat kan geen code versturen."),
    "challenge_message": _("Code verstuurd: {0}"),
    "invalid_token": _(
        "Deze code is niet juist of al gebruikt. Voer de code in die uw authenticator-app nu toont."
    ),
    "n_failed_attempts": ngettext_lazy(
        "Na %(failure_count)d onjuiste code kunt u het even niet opnieuw proberen. Wacht een paar seconden.",
        "Na %(failure_count)d onjuiste codes kunt u het even niet opnieuw proberen. Wacht een paar seconden.",
        "failure_count",
    ),
    "verification_not_allowed": _(
        "De code kan nu niet worden gecontroleerd. Probeer het straks opnieuw."
    ),
    "device_required": _("Kies een apparaat."),
}


BACKUP_OTP_MESSAGES = {
    **OTP_MESSAGES,
    "token_required": _("Vul een reservecode in."),
    "invalid_token": _("Deze reservecode is niet juist of al gebruikt."),
}

"""The outreach letter ("de brief met hulpaanbod"): the municipality's letter text, whether a
case can have a letter yet, and the letter itself as PDF (:mod:`.letters` renders it).

Making the letter (:func:`make_letter`) is a contact attempt of kind Brief and, when none was
recorded yet, the offer of help (:func:`_offer_by_letter`); one letter a day per case: a second
click that day finds the first attempt and records nothing. The PDF is the letter of such an
attempt (:func:`letter_pdf`), made on each download and audited as an export; a download
records no attempt.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from vroegsignaal.privacy.services import AuditAction, record

from . import letters
from .contacts import OFFER_MADE_BY_LETTER_NOTE, log_contact_attempt
from .models import Case, ContactAttempt, ContactKind, LetterTemplate
from .shared import _actor, _lock, _note_in_history, _refuse_future, _refuse_if_closed, _today


def letter_text(municipality) -> tuple[str, str]:
    """The municipality's letter subject and body, or the default text."""
    template = LetterTemplate.objects.filter(municipality=municipality).first()
    if template is None:
        return letters.DEFAULT_SUBJECT, letters.DEFAULT_BODY
    return template.subject, template.body


def letter_text_errors(*, subject: str, body: str) -> dict[str, list[str]]:
    """What is wrong with the placeholders of a letter text, per field (empty: nothing)."""
    errors = {"subject": letters.text_problems(subject), "body": letters.text_problems(body)}
    return {field: problems for field, problems in errors.items() if problems}


def save_letter_template(municipality, user, *, subject: str, body: str) -> LetterTemplate:
    """A coordinator changes the municipality's letter text. Only the known
    ``$placeholders`` (``letters.PLACEHOLDERS``) are allowed and the text must parse:
    a wrong one would be printed as typed in the letter to the resident."""
    if errors := letter_text_errors(subject=subject, body=body):
        raise ValidationError(errors)
    template, _created = LetterTemplate.objects.update_or_create(
        municipality=municipality,
        defaults={"subject": subject, "body": body, "updated_by": _actor(user)},
    )
    record(user, AuditAction.UPDATE, template, purpose="briefsjabloon gewijzigd")
    return template


def _postcode(value: str) -> str:
    """``1234AB`` → ``1234 AB``, as PostNL prints it."""
    return f"{value[:4]} {value[4:]}" if len(value) == 6 else value


def _address_lines(household) -> tuple[str, str]:
    address = getattr(household, "address", None)
    if address is None:  # keyed by the delivered address: "1234AB|12|A|2"
        postcode, number, letter, addition = (
            household.unregistered_address.split("|") + ["", "", "", ""]
        )[:4]
        return f"{number}{letter}{'-' + addition if addition else ''}", _postcode(postcode)
    number = f"{address.huisnummer}{address.huisletter}{'-' + address.toevoeging if address.toevoeging else ''}"
    return (
        f"{address.straatnaam} {number}".strip(),
        f"{_postcode(address.postcode)} {address.woonplaats}".strip(),
    )


def letter_refusal(case: Case) -> str:
    """Why no letter can be made for the case yet, and what to do; "" when it can.

    The letter asks the resident to get in touch with the wijkteam: without a team,
    or with a team that has no phone number, e-mail address or visiting address,
    it would give them nowhere to turn (and still count as a contact attempt)."""
    team = case.team
    if team is None:
        return _(
            "Deze zaak heeft nog geen wijkteam. Wijs de zaak eerst toe aan een wijkteam; "
            "daarna kunt u de brief maken."
        )
    if not (team.phone or team.email or team.visiting_address):
        return _(
            "%(team)s heeft nog geen telefoonnummer, e-mailadres of bezoekadres, dus de inwoner kan nergens "
            "contact opnemen. De beheerder vult ze in bij het wijkteam; daarna kunt u de brief maken."
        ) % {"team": team.name}
    return ""


def letter_attempt(case: Case | int, on: dt.date) -> ContactAttempt | None:
    """The case's contact attempt by letter on that day, if there is one (the first)."""
    return (
        ContactAttempt.objects.filter(
            case=getattr(case, "pk", case), kind=ContactKind.BRIEF, date=on
        )
        .order_by("id")
        .first()
    )


def make_letter(
    case: Case | int, user, *, on: dt.date | None = None
) -> tuple[ContactAttempt, bool]:
    """Make the outreach letter: log a contact attempt of kind Brief (not reached) on ``on``
    (today) and, when no offer of help was recorded yet, record the offer as made that day (the
    letter makes it). A letter attempt of that day already there — a second click, a colleague —
    is the one: nothing new is recorded. Returns the attempt and whether it is new. Refused while
    :func:`letter_refusal` gives a reason. :func:`letter_pdf` makes the PDF."""
    on = _today(on)
    case = Case.objects.select_related("team").get(pk=getattr(case, "pk", case))
    _refuse_if_closed(case)
    _refuse_future(on)
    if refusal := letter_refusal(case):
        raise ValidationError(refusal)
    with transaction.atomic():
        locked = _lock(case)  # two clicks at once: the second waits, then finds the first's attempt
        if (earlier := letter_attempt(locked, on)) is not None:
            return earlier, False
        attempt = log_contact_attempt(locked, user, kind=ContactKind.BRIEF, reached=False, on=on)
        _offer_by_letter(locked, user, on)
    return attempt, True


def letter_pdf(case: Case | int, attempt_id: int, user, *, request=None) -> bytes:
    """The letter of the case's contact attempt by letter ``attempt_id``, as PDF dated that
    attempt's day: made anew from the household and the letter text as they are now, recording
    no attempt; audited as an export (purpose "brief met hulpaanbod aangemaakt"). Refused once
    the case is closed or while :func:`letter_refusal` gives a reason; an attempt of another
    case or another kind → ``ContactAttempt.DoesNotExist``."""
    from vroegsignaal.households.selectors import household_persons

    case = Case.objects.select_related(
        "municipality", "team", "household", "household__address"
    ).get(pk=getattr(case, "pk", case))
    attempt = ContactAttempt.objects.get(pk=attempt_id, case=case, kind=ContactKind.BRIEF)
    _refuse_if_closed(case)
    if refusal := letter_refusal(case):
        raise ValidationError(refusal)
    names = [person.name for person in household_persons(case.household_id)]
    lines = _address_lines(case.household)
    subject, body = letter_text(case.municipality)
    recipient = [" en ".join(names) if names else "De bewoner(s)", *lines]
    # A letter to a citizen is Dutch (its date too), whatever language the worker reads the portal in.
    with translation.override("nl"):
        values = letters.letter_values(
            names=names,
            address_lines=lines,
            municipality_name=case.municipality.name,
            team=case.team,
            on=attempt.date,
        )
        pdf = letters.html_to_pdf(
            letters.letter_html(subject=subject, body=body, values=values, recipient=recipient)
        )
    record(
        user,
        AuditAction.EXPORT,
        case,
        purpose="brief met hulpaanbod aangemaakt",
        request=request,
        details={"personen": len(names), "contactpoging": attempt.pk},
    )
    return pdf


def _offer_by_letter(case: Case, user, on: dt.date) -> None:
    """The letter is "de brief met hulpaanbod": it offers the household a conversation with
    the wijkteam, so making it is making the offer of help (Wgs art. 4(1)) when none was
    recorded yet, and a line in the history on the letter's day ("Hulpaanbod gedaan per brief").
    An offer already recorded — and its answer — stays as it is. Audited as
    :func:`~.contacts.record_offer` is."""
    locked = _lock(case)
    if locked.offer_made_on is not None:
        return
    _note_in_history(locked, actor=user, note=OFFER_MADE_BY_LETTER_NOTE, on=on)
    locked.offer_made_on = on
    locked.save(update_fields=["offer_made_on", "updated_at"])
    record(
        user,
        AuditAction.UPDATE,
        locked,
        purpose="hulpaanbod vastgelegd",
        details={"antwoord": "open", "per": "brief"},
    )

"""Finding a household by its address, or a case by its number.

A wijkteam calls about "Kerkstraat 12", a letter comes back with a case
number: the coordinator should not have to page through trays to find it.
The search goes through the scoping layer like every other read (a hulpverlener
finds only the households of the team's open cases) and never puts what was
typed in a URL: the form posts, the criteria wait in the session (server-side)
and the results page reads them from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vroegsignaal.cases.models import Case, CaseStatus
from vroegsignaal.households.models import Household
from vroegsignaal.organisations.scoping import scoped
from vroegsignaal.portal.forms import ErrorSummary
from vroegsignaal.registry.addressing import normalise_postcode, parse_house_number
from vroegsignaal.signals.models import OPEN_STATUSES, Signal

# More households than this at one postcode and number would be a register fault; the page
# shows this many and says there are more.
MAX_RESULTS = 50


class AddressSearchForm(ErrorSummary, forms.Form):
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Bijvoorbeeld 1234 AB."),
    )
    huisnummer = forms.CharField(
        label=_("Huisnummer"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_(
            "Met huisletter of toevoeging als u die weet (12A, 12-2); zonder ziet u alle adressen "
            "met dat nummer."
        ),
    )

    def clean_postcode(self) -> str:
        postcode = normalise_postcode(self.cleaned_data["postcode"])
        if postcode is None:
            raise forms.ValidationError(
                _("Vul een Nederlandse postcode in: vier cijfers en twee letters, zoals 1234 AB.")
            )
        return postcode

    def clean_huisnummer(self) -> dict:
        parsed = parse_house_number(self.cleaned_data["huisnummer"])
        if parsed is None:
            raise forms.ValidationError(
                _(
                    "Vul een huisnummer van 1 tot en met 99999 in, eventueel met huisletter of toevoeging."
                )
            )
        number, letter, addition = parsed
        given = self.cleaned_data["huisnummer"].strip()
        return {
            "huisnummer": number,
            "huisletter": letter,
            "toevoeging": addition,
            # "12" finds 12, 12A and 12-2; "12A" only 12A.
            "exact": given.lstrip("0") != str(number),
        }

    def criteria(self) -> dict:
        """What the session keeps between the post and the results page (no names, no ids)."""
        return {"postcode": self.cleaned_data["postcode"], **self.cleaned_data["huisnummer"]}


class CaseSearchForm(ErrorSummary, forms.Form):
    zaaknummer = forms.IntegerField(
        label=_("Zaaknummer"),
        min_value=1,
        max_value=2**31 - 1,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "invalid": _("Vul het nummer van de zaak in, alleen cijfers (zoals 1234)."),
            "min_value": _("Vul het nummer van de zaak in, alleen cijfers (zoals 1234)."),
            "max_value": _("Er is geen zaak met dat nummer."),
        },
    )


@dataclass(frozen=True)
class Found:
    """One household at the address searched for, with what the user may see of its work."""

    household: Household
    postcode: str
    house_number: str
    street: str
    place: str
    registered: bool
    signal: Signal | None
    case: Case | None


def shown_address(criteria: dict) -> str:
    """What was searched for, as a user writes it: ``1234 AB 12A-2`` (or ``1234 AB 12``)."""
    postcode = criteria["postcode"]
    number = f"{criteria['huisnummer']}"
    if criteria.get("exact"):
        number += criteria["huisletter"]
        if criteria["toevoeging"]:
            number += f"-{criteria['toevoeging']}"
    return f"{postcode[:4]} {postcode[4:]} {number}"


def _unregistered_parts(key: str) -> tuple[str, str]:
    """``'1234AB|12|A|2'`` → ``('1234AB', '12A-2')``."""
    postcode, number, letter, addition = (key.split("|") + ["", "", "", ""])[:4]
    text = f"{number}{letter}"
    return postcode, f"{text}-{addition}" if addition else text


def _address_filter(criteria: dict) -> Q:
    postcode, number = criteria["postcode"], criteria["huisnummer"]
    registered = Q(address__postcode=postcode, address__huisnummer=number)
    key = f"{postcode}|{number}|"
    unregistered = Q(address__isnull=True, unregistered_address__startswith=key)
    if criteria.get("exact"):
        letter, addition = criteria["huisletter"], criteria["toevoeging"]
        registered &= Q(address__huisletter=letter, address__toevoeging=addition)
        unregistered = Q(address__isnull=True, unregistered_address=f"{key}{letter}|{addition}")
    return registered | unregistered


def households_at(user, criteria: dict) -> tuple[list[Found], bool]:
    """The households at the address ``user`` may see, in address order; and whether there
    were more than :data:`MAX_RESULTS`."""
    households = list(
        scoped(user, Household)
        .filter(_address_filter(criteria))
        .select_related("address__buurt")
        .order_by("address__huisletter", "address__toevoeging", "unregistered_address", "id")[
            : MAX_RESULTS + 1
        ]
    )
    more = len(households) > MAX_RESULTS
    households = households[:MAX_RESULTS]
    ids = [h.pk for h in households]
    signals: dict[int, Signal] = {}
    for signal in (
        scoped(user, Signal)
        .filter(household_id__in=ids, status__in=OPEN_STATUSES)
        .select_related("tray")
        .order_by("household_id", "-signal_date", "-id")
    ):
        signals.setdefault(signal.household_id, signal)
    cases: dict[int, Case] = {}
    for case in (
        scoped(user, Case)
        .filter(household_id__in=ids)
        .exclude(status=CaseStatus.AFGESLOTEN)
        .select_related("team")
        .order_by("household_id", "-picked_up_on", "-id")
    ):
        cases.setdefault(case.household_id, case)
    found = []
    for household in households:
        address = household.address
        if address is not None:
            parts = (address.postcode, address.house_number_display)
            street, place = address.straatnaam, address.woonplaats
        else:
            parts, street, place = _unregistered_parts(household.unregistered_address), "", ""
        found.append(
            Found(
                household=household,
                postcode=parts[0],
                house_number=parts[1],
                street=street,
                place=place,
                registered=address is not None,
                signal=signals.get(household.pk),
                case=cases.get(household.pk),
            )
        )
    return found, more


def case_numbered(user, number: int) -> Case | None:
    """The case with that number if ``user`` may see it; ``None`` whether it exists or not."""
    return scoped(user, Case).filter(pk=number).first()

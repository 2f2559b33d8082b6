"""The pure rules of feedback: which result a creditor gets for a case's outcome, until when
it pauses collection, and who an event is about (:class:`Customer`). No database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from vroegsignaal.cases.models import Outcome

from .models import FeedbackResult

# ARCHITECTURE.md: "Creditor pauses collection for 30 days after the signal is
# picked up (covenant setting)" — used when no covenant of the pair is found.
DEFAULT_COLLECTION_PAUSE_DAYS = 30
KLANTNUMMER_CONTEXT = "feedback.klantnummer"  # blind-index context

R = FeedbackResult
# DDAS-vroegsignalering v0.9 EnumEindresultaat → spec 4 ``resultaat``. Help
# that is under way (already known, another trajectory, advice, referral,
# follow-up help) is ``hulp_in_gang_gezet``; the creditor learns no more.
RESULT_FOR_OUTCOME: dict[str, str] = {
    Outcome.NIET_OPGEPAKT_HERHAALD: R.NIET_OPGEPAKT,
    Outcome.NIET_OPGEPAKT_ONTERECHT: R.ONTERECHT_SIGNAAL,
    Outcome.NIET_OPGEPAKT_ANDERS: R.NIET_OPGEPAKT,
    Outcome.OVERLEDEN: R.OVERLEDEN,
    Outcome.GEEN_INWONER: R.VERHUISD,
    Outcome.AL_BEKEND: R.HULP_IN_GANG_GEZET,
    Outcome.ANDER_TRAJECT: R.HULP_IN_GANG_GEZET,
    Outcome.GEEN_CONTACT: R.GEEN_CONTACT,
    Outcome.GEEN_REACTIE: R.GEEN_CONTACT,
    Outcome.GEEN_HULP_NODIG: R.GEEN_HULP_GEWENST,
    Outcome.ZELF_BETAALD: R.ZELF_OPGELOST,
    Outcome.ADVIES_QUICK_FIX: R.HULP_IN_GANG_GEZET,
    Outcome.VERVOLG_FINANCIEEL: R.HULP_IN_GANG_GEZET,
    Outcome.VERWIJZING_ZONDER_CONTACT: R.HULP_IN_GANG_GEZET,
    Outcome.VERVOLG_NIET_FINANCIEEL: R.HULP_IN_GANG_GEZET,
}
assert set(RESULT_FOR_OUTCOME) == set(Outcome.values), "every DDAS outcome needs a spec 4 result"


def result_for(outcome: str) -> str:
    """The spec 4 ``resultaat`` a creditor gets for a DDAS ``EnumEindresultaat``."""
    return RESULT_FOR_OUTCOME[outcome]


def collection_pause_until(picked_up_on: dt.date, pause_days: int) -> dt.date:
    """``incasso_uitstel_tot``: the pick-up date plus the covenant's collection-pause days."""
    return picked_up_on + dt.timedelta(days=pause_days)


@dataclass(frozen=True, order=True)
class Customer:
    """One creditor's customer in a signal: who a feedback event is about."""

    creditor_id: int
    klantnummer: str
    signal_reference: str = ""

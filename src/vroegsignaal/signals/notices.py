"""Telling a municipality's coordinators that new crisis signals wait (e-mail, after commit).

A crisis signal (threatened eviction, disconnection, end of health insurance)
must be acted on within three working days (Wgs art. 4(2)); a coordinator who
does not open the portal that day would not know. So every evaluation that
makes a signal a crisis one — raised as such, or an open signal that became
one — e-mails the municipality's active coordinators who have an address. The
mail says how many and where to look, never who: no name, address or amount.
It is sent by a background task after the evaluation committed; a mail that
fails is logged and tried again later (:mod:`vroegsignaal.portal.retry`: after
5 minutes, half an hour, 2 and 8 hours — a mail server that is down for the
night must not cost the three days); it never changes the evaluation.
"""

from __future__ import annotations

import logging

import polars as pl
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import translation

from vroegsignaal.organisations.models import Municipality, Role, User
from vroegsignaal.portal.links import notice_link
from vroegsignaal.portal.retry import retry_later

logger = logging.getLogger(__name__)


SUBJECT = "Vroegsignaal: nieuwe crisissignalen in {municipality}"
BODY = """Beste coördinator,

In Vroegsignaal {zijn} voor {municipality} {count} {signalen} met een crisissignaal
bijgekomen: een dreigende ontruiming, afsluiting van energie of water, of
beëindiging van de zorgverzekering. Neem binnen 3 werkdagen contact op; de
uiterste datum staat bij elk signaal.

U vindt ze in het portaal in het werkbakje Crisis{link}.

Dit bericht bevat bewust geen persoonsgegevens.

Met vriendelijke groet,
Vroegsignaal
"""


def new_crises(signals: pl.DataFrame, stored: pl.DataFrame) -> int:
    """How many of an evaluation's signals are crisis signals that were not before."""
    crisis = signals.filter(pl.col("crisis"))
    if crisis.is_empty():
        return 0
    before = stored.select("signal_id", pl.col("crisis").alias("_was_crisis"))
    return (
        crisis.join(before, on="signal_id", how="left")
        .filter(~pl.col("_was_crisis").fill_null(False))
        .height
    )


def after_commit(municipality_id: int, count: int) -> None:
    """Queue the notice once the evaluation's transaction has committed."""
    if count > 0:
        transaction.on_commit(lambda: _enqueue(municipality_id, count))


def _enqueue(municipality_id: int, count: int) -> None:
    from .tasks import notify_crisis_task

    try:
        notify_crisis_task.enqueue(municipality_id, count)
    except Exception:  # a notice must never undo or block an evaluation that committed
        logger.exception(
            "Melding van crisissignalen aan gemeente %s niet ingepland.", municipality_id
        )


def crisis_notice(municipality_name: str, count: int) -> tuple[str, str]:
    """The notice's subject and body: Dutch, whatever language the portal speaks where it is built."""
    with translation.override("nl"):
        one = count == 1
        subject = SUBJECT.format(municipality=municipality_name)
        body = BODY.format(
            zijn="is" if one else "zijn",
            municipality=municipality_name,
            count=count,
            signalen="signaal" if one else "signalen",
            link=notice_link("reporting:trays"),
        )
    return subject, body


def notify_crisis_signals(municipality_id: int, count: int, attempt: int = 1) -> int:
    """E-mail the municipality's coordinators that ``count`` new crisis signals wait; how many were mailed.
    ``attempt`` counts the tries: a failed one is queued again (:func:`_retry`)."""
    municipality = Municipality.objects.filter(pk=municipality_id).first()
    if municipality is None or count <= 0:
        return 0
    recipients = list(
        User.objects.filter(role=Role.COORDINATOR, municipality=municipality, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    subject, body = crisis_notice(municipality.name, count)
    try:
        # One message each: coordinators do not see each other's addresses.
        send_mass_mail([(subject, body, None, [address]) for address in recipients])
    except Exception:
        logger.exception(
            "Melding van crisissignalen aan gemeente %s kon niet worden verstuurd.",
            municipality.code,
        )
        _retry(municipality, count, attempt)
        return 0
    logger.info(
        "Melding van %s nieuwe crisissignalen aan %s coördinatoren van gemeente %s verstuurd.",
        count,
        len(recipients),
        municipality.code,
    )
    return len(recipients)


def _retry(municipality: Municipality, count: int, attempt: int) -> None:
    """Queue the notice again after its wait, or log that it is given up."""
    from .tasks import notify_crisis_task

    retry_later(
        notify_crisis_task,
        (municipality.pk, count),
        attempt,
        what=f"Melding van crisissignalen aan gemeente {municipality.code}",
        # The signals stay in the Crisis tray, with their deadline.
        otherwise="vertel de coördinatoren dat er crisissignalen wachten.",
    )

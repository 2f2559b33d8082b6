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
from django.core.mail import get_connection, send_mass_mail
from django.db import transaction
from django.utils import translation

from vroegsignaal.organisations.models import Municipality, Role, User
from vroegsignaal.portal.links import notice_link
from vroegsignaal.portal.retry import queue_again, retry_later

logger = logging.getLogger(__name__)


SUBJECT = "Vroegsignaal: nieuwe crisissignalen in {municipality}"
BODY = """Beste coördinator,

In Vroegsignaal {zijn} voor {municipality} {count} {signalen} met een crisissignaal
bijgekomen: een dreigende ontruiming, afsluiting van energie of water, of
beëindiging van de zorgverzekering. Neem binnen 3 werkdagen contact op; de
uiterste datum staat bij elk signaal.

U vindt {ze} in het portaal bij Werkbakjes{link}: in het eerste werkbakje
dat crisissignalen neemt, gemarkeerd met crisis.

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
            ze="het" if one else "ze",
            link=notice_link("reporting:trays"),
        )
    return subject, body


def notify_crisis_signals(
    municipality_id: int, count: int, attempt: int = 1, user_ids: list[int] | None = None
) -> int:
    """E-mail the municipality's coordinators that ``count`` new crisis signals wait; how many were mailed.

    ``attempt`` counts the tries: a failed one is queued again (:func:`_retry`). ``user_ids``: only
    these coordinators, the ones a try that broke off part of the way had not mailed yet; so a
    coordinator gets the notice once. A worker stopped at once in the middle (a second TERM)
    queues the notice again at once for the coordinators not mailed yet
    (:func:`~vroegsignaal.portal.retry.queue_again`); otherwise it was lost.
    """
    municipality = Municipality.objects.filter(pk=municipality_id).first()
    if municipality is None or count <= 0:
        return 0
    coordinators = (
        User.objects.filter(role=Role.COORDINATOR, municipality=municipality, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )
    if user_ids is not None:
        coordinators = coordinators.filter(pk__in=user_ids)
    recipients = list(coordinators.values_list("pk", "email"))
    if not recipients:
        if user_ids is None:  # not a retry whose remaining coordinators left or lost their address
            logger.warning(
                "Melding van %s nieuwe crisissignalen aan gemeente %s niet verstuurd: geen actieve "
                "coördinator van de gemeente heeft een e-mailadres. Geef ten minste één coördinator "
                "een e-mailadres in het beheer (Gebruikers).",
                count,
                municipality.code,
            )
        return 0
    subject, body = crisis_notice(municipality.name, count)
    mailed: list[int] = []
    try:
        _send_each(subject, body, recipients, mailed)
    except Exception:
        logger.exception(
            "Melding van crisissignalen aan gemeente %s kon niet worden verstuurd.",
            municipality.code,
        )
        _retry(municipality, count, attempt, _not_mailed(recipients, mailed))
        return len(mailed)
    except (KeyboardInterrupt, SystemExit):
        from .tasks import notify_crisis_task

        remaining = _not_mailed(recipients, mailed)
        if remaining != []:
            queue_again(
                notify_crisis_task,
                (municipality.pk, count, attempt, remaining),
                what=f"Melding van crisissignalen aan gemeente {municipality.code}",
            )
        raise
    logger.info(
        "Melding van %s nieuwe crisissignalen aan %s coördinatoren van gemeente %s verstuurd.",
        count,
        len(recipients),
        municipality.code,
    )
    return len(recipients)


def _send_each(subject: str, body: str, recipients: list[tuple[int, str]], mailed: list) -> None:
    """One message each over one connection (coordinators do not see each other's addresses);
    ``mailed`` gets the id of each coordinator whose message the mail server took."""
    connection = get_connection()
    connection.open()
    try:
        for pk, address in recipients:
            send_mass_mail([(subject, body, None, [address])], connection=connection)
            mailed.append(pk)
    finally:
        connection.close()


def _not_mailed(recipients: list[tuple[int, str]], mailed: list[int]) -> list[int] | None:
    """The coordinators still to mail; ``None`` when that is all of them (the next try reads them again)."""
    if not mailed:
        return None
    return [pk for pk, _ in recipients if pk not in mailed]


def _retry(
    municipality: Municipality, count: int, attempt: int, user_ids: list[int] | None
) -> None:
    """Queue the notice again after its wait (to ``user_ids`` only, if given), or log that it is
    given up."""
    from .tasks import notify_crisis_task

    if user_ids == []:
        return  # everyone was mailed: the failure came after the last message
    retry_later(
        notify_crisis_task,
        (municipality.pk, count),
        attempt,
        kwargs={"user_ids": user_ids} if user_ids is not None else None,
        what=f"Melding van crisissignalen aan gemeente {municipality.code}",
        # The signals stay in the Crisis tray, with their deadline.
        otherwise="vertel de coördinatoren dat er crisissignalen wachten.",
    )

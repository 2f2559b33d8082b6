"""The e-mail notice to a creditor that new feedback is ready: after commit, at most one per
creditor per day, without any personal data; a failed mail is tried again later."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from vroegsignaal.organisations.models import Creditor
from vroegsignaal.portal.links import notice_link
from vroegsignaal.portal.retry import queue_again, retry_later

from .models import FeedbackStream

# The name the notices logged under before they left services.py; log filters use it.
logger = logging.getLogger("vroegsignaal.feedback.services")

NOTICE_SUBJECT = "Nieuwe terugkoppeling in Vroegsignaal"
NOTICE_BODY = """Beste {name},

Er staat nieuwe terugkoppeling voor u klaar in Vroegsignaal: gemeenten hebben
signalen over uw klanten opgepakt, afgesloten of niet opgepakt.

U vindt de terugkoppeling in het portaal onder Terugkoppeling{link}, of via de
API: GET /api/v1/feedback/?sinds=<laatste id>.

Dit bericht bevat bewust geen klantgegevens. U krijgt het hooguit één keer per dag.

Met vriendelijke groet,
Vroegsignaal
"""


def _enqueue_notices(creditor_ids: list[int]) -> None:
    from .tasks import notify_creditor_task

    for creditor_id in creditor_ids:
        try:
            notify_creditor_task.enqueue(creditor_id)
        except Exception:  # a notice must never undo or block feedback that is committed
            logger.exception("Melding aan schuldeiser %s niet ingepland.", creditor_id)


def notice_text(creditor: Creditor) -> str:
    """The notice's body: that feedback is ready and where; never a customer or case detail.

    Dutch, also when a page request in English writes the feedback that sends it.
    """
    with translation.override("nl"):
        return NOTICE_BODY.format(name=creditor.name, link=notice_link("feedback:list"))


def notify_creditor(creditor_id: int, *, today: dt.date | None = None, attempt: int = 1) -> bool:
    """E-mail the creditor's contact address that new feedback is ready; at most once a day.

    Returns whether a notice was sent. No contact address → nothing. Runs after
    the feedback committed (a background task); a mail failure is logged, not
    raised, and the notice is tried again later (``attempt`` counts the tries;
    :mod:`vroegsignaal.portal.retry`). The day is noted in the transaction that
    sends the mail: a worker stopped at once in the middle notes nothing and the
    notice is queued again (:func:`~vroegsignaal.portal.retry.queue_again`).
    """
    today = today or timezone.localdate()
    try:
        return _notify(creditor_id, today, attempt)
    except (KeyboardInterrupt, SystemExit):
        # The worker stopped at once in the middle (a second TERM): the day is not noted (rolled
        # back) and the mail was not sent, or its sending broke off. Queued again at once, with the
        # same attempt, the next worker sends it; otherwise it waited for the creditor's next
        # feedback, which may never come.
        from .tasks import notify_creditor_task

        code = Creditor.objects.filter(pk=creditor_id).values_list("code", flat=True).first()
        queue_again(
            notify_creditor_task,
            (creditor_id, attempt),
            what=f"Melding aan schuldeiser {code or creditor_id}",
        )
        raise


def _notify(creditor_id: int, today: dt.date, attempt: int) -> bool:
    """Send the notice when one is due; one log line says whether it went and, if not, why.

    The worker's own line (``Task … state=SUCCEEDED``) says only that the task ran. Ours name the
    creditor by its code and count the recipients: never an address or a person.
    """
    with transaction.atomic():
        stream = (
            FeedbackStream.objects.select_for_update()
            .select_related("creditor")
            .filter(creditor_id=creditor_id)
            .first()
        )
        if stream is None:
            code = Creditor.objects.filter(pk=creditor_id).values_list("code", flat=True).first()
            logger.info(
                "Melding aan schuldeiser %s niet verstuurd: %s.",
                code or creditor_id,
                "er is geen terugkoppeling voor deze schuldeiser"
                if code
                else "de schuldeiser bestaat niet",
            )
            return False
        code = stream.creditor.code
        if not stream.creditor.contact_email:
            logger.info(
                "Melding aan schuldeiser %s niet verstuurd: de schuldeiser heeft geen e-mailadres "
                "voor meldingen (contact_email in het beheer of in load_config); de terugkoppeling "
                "staat in het portaal en in de API.",
                code,
            )
            return False
        if stream.notified_on == today:
            logger.info(
                "Melding aan schuldeiser %s niet verstuurd: vandaag is er al een verstuurd "
                "(hooguit één per dag).",
                code,
            )
            return False
        recipients = [stream.creditor.contact_email]
        try:
            send_mail(NOTICE_SUBJECT, notice_text(stream.creditor), None, recipients)
        except Exception:
            logger.exception("Melding aan schuldeiser %s kon niet worden verstuurd.", code)
            _retry(stream.creditor, attempt)
            return False
        stream.notified_on = today
        stream.save(update_fields=["notified_on"])
    logger.info(
        "Melding aan schuldeiser %s verstuurd aan %s.",
        code,
        "1 ontvanger" if len(recipients) == 1 else f"{len(recipients)} ontvangers",
    )
    return True


def _retry(creditor: Creditor, attempt: int) -> None:
    from .tasks import notify_creditor_task

    retry_later(
        notify_creditor_task,
        (creditor.pk,),
        attempt,
        what=f"Melding aan schuldeiser {creditor.code}",
        # notified_on stays unset: the next feedback for the creditor mails again.
        otherwise="de schuldeiser ziet de terugkoppeling in het portaal en via de API.",
    )

"""``vroegsignaal deliver FILE --creditor CODE [--peildatum YYYY-MM-DD] [--soort stand|mutatie] [--niet-wachten]``.

Exit status: 0 when the delivery was applied or is held for confirmation (or,
with ``--niet-wachten``, queued for the worker); 1 when it was refused (the
codes and the Dutch message are printed); 2 for a wrong invocation; 3 when
processing broke off or no worker took the queued delivery up (nothing
changed; ``--opnieuw ID`` processes it again). A file the service queues for
the worker (one beyond ``BACKGROUND_FROM_BYTES``) is followed to its outcome,
so that a batch job's exit status tells whether the delivery was refused.
``--opnieuw ID`` takes only a stalled delivery (a failure noted, or no
progress for ``DELIVERY_STALLED_AFTER`` seconds); with ``--wacht`` it follows
one still running, ``--forceer`` takes it at once (the worker is known dead).
Ctrl-C while a queued delivery is followed stops the following only: exit 130,
and the delivery stays with the worker (``--opnieuw ID --wacht`` follows it again).
Ctrl-C while this process processes a delivery itself (a small one, ``--opnieuw ID``) stops the
processing (nothing of it is applied): exit 130, naming the delivery and ``--opnieuw ID``.
Processing that breaks off (exit 3) is said in words the operator can act on where the cause is
known (a full disk and its folder, a database held by another process or out of reach, keys
that do not open the data: ``conf.logsafety.operator_reason``), else by the error's class.
Never a traceback, unless ``--traceback`` asks for one.

What the operator types is checked here, before anything is received: a ``--peildatum`` that is
no date (``2026-13-01``, ``01-10-2026``, empty), a creditor code that does not exist, a soort
that is not one of the spec's, a file that is not there. Each is a wrong invocation (exit 2)
that records nothing: a typing error of the operator is not the creditor's refused delivery.
A peildatum that *is* a date but one the delivery checks refuse (spec 1.6: in the future;
before 2000-01-01), and one left out for a CSV or XLSX (spec 1.6: missing), are the
delivery's refusal as on every way in: recorded as ``PEILDATUM_ONGELDIG``, exit 1.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from vroegsignaal.conf.logsafety import operator_reason
from vroegsignaal.intake import services
from vroegsignaal.intake.fields import Soort
from vroegsignaal.intake.models import Delivery, DeliveryStatus, Via
from vroegsignaal.intake.report import heading_lines, report_lines
from vroegsignaal.intake.services import ABANDONED_MESSAGE
from vroegsignaal.intake.shared import _parse_reference_date
from vroegsignaal.organisations.models import Creditor
from vroegsignaal.paths import input_problem

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_BROKEN = 3
EXIT_INTERRUPTED = 130  # Ctrl-C while following a delivery: 128 + SIGINT, as a shell reports it


def _peildatum(value: str | None) -> dt.date | None:
    """``--peildatum`` as a date, or ``None`` when it is left out (a JSON body may carry it).

    A value that is no date is the operator's typing error: refused here (exit 2), before anything
    is received, so that it is not recorded as the creditor's refused delivery. It is read by the
    service's own reader (``shared._parse_reference_date``); whether the date is one a delivery
    may have (not in the future, not before 2000) is the service's check (spec 1.6), made on
    every way in alike.
    """
    if value is None:
        return None
    example = timezone.localdate().isoformat()
    if not value.strip():
        raise CommandError(
            f"--peildatum is leeg; geef de datum waarop de achterstanden gelden als JJJJ-MM-DD "
            f"(bijvoorbeeld {example}), of laat --peildatum weg als het JSON-bestand zijn eigen "
            "peildatum noemt. Er is niets aangeleverd."
        )
    peildatum, problem = _parse_reference_date(value)
    if problem == "onleesbaar":
        raise CommandError(
            f"--peildatum {_shown(value)} is geen datum; schrijf hem als JJJJ-MM-DD (bijvoorbeeld "
            f"{example}). Er is niets aangeleverd."
        )
    return peildatum


def _incoming_folder() -> Path:
    """Where a delivery is staged (``intake.staging.incoming_dir``, without making it)."""
    return Path(settings.INCOMING_DIR or Path(settings.DATA_DIR) / "incoming")


def _shown(value: str, limit: int = 40) -> str:
    """What the operator typed, for a message: one line, at most ``limit`` characters."""
    text = "".join(c if c.isprintable() else "?" for c in value)
    return f"'{text[:limit]}…'" if len(text) > limit else f"'{text}'"


class Command(BaseCommand):
    help = (
        "Lever een bestand met achterstanden aan namens een schuldeiser en druk het verslag af. "
        "Afsluitcode 0: verwerkt of wacht op bevestiging; 1: geweigerd; 2: onjuiste aanroep; "
        "3: verwerking afgebroken (er is niets gewijzigd); 130: onderbroken met Ctrl-C (de melding "
        "zegt wat er met de levering is en hoe verder)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="CSV-, XLSX- of JSON-bestand")
        parser.add_argument("--creditor", help="code van de schuldeiser, bijvoorbeeld WOONBRUG")
        parser.add_argument(
            "--peildatum",
            metavar="JJJJ-MM-DD",
            help="de datum waarop de achterstanden gelden (bij JSON mag hij in het bestand staan)",
        )
        parser.add_argument("--soort", choices=Soort.values, help="stand (standaard) of mutatie")
        parser.add_argument(
            "--wacht",
            action="store_true",
            help="met --opnieuw: volg een levering die op de achtergrond wordt verwerkt tot ze klaar is "
            "(een nieuwe levering wordt altijd gevolgd, tenzij --niet-wachten)",
        )
        parser.add_argument(
            "--niet-wachten",
            action="store_true",
            help="geef een grote levering aan de worker door en stop meteen, zonder haar uitkomst "
            "(afsluitcode 0 zodra ze in de wachtrij staat)",
        )
        parser.add_argument(
            "--opnieuw",
            type=int,
            metavar="ID",
            help="verwerk een levering die halverwege is gestopt opnieuw",
        )
        parser.add_argument(
            "--forceer",
            action="store_true",
            help="met --opnieuw (of --weiger): verwerk (of breek af) ook als de verwerking nog geen "
            "DELIVERY_STALLED_AFTER seconden stilstaat (alleen als zeker is dat geen worker haar verwerkt)",
        )
        parser.add_argument(
            "--bevestig",
            type=int,
            metavar="ID",
            help="bevestig een levering die wacht op bevestiging",
        )
        parser.add_argument(
            "--weiger",
            type=int,
            metavar="ID",
            help="bevestig een levering die wacht op bevestiging niet: er wordt niets verwerkt "
            "(afsluitcode 0; de schuldeiser kan dat ook in het portaal); of breek een levering af "
            "waarvan de verwerking stilstaat en steeds weer mislukt (met --forceer ook als ze nog "
            "niet stilstaat): ze wordt afgewezen en de schuldeiser levert het bestand opnieuw aan",
        )

    def handle(self, *args, **options):
        # What the command prints is Dutch (spec 1.7), whatever language is active.
        with translation.override("nl"):
            self._handle(options)

    def _handle(self, options):
        try:
            if options["wacht"] and options["niet_wachten"]:
                raise CommandError("Geef --wacht of --niet-wachten, niet beide.")
            delivery = self._run(options)
            # A new delivery (or a confirmation) the service queued is followed to its outcome, so
            # the exit status says whether it was refused; --opnieuw follows only with --wacht.
            follow = options["opnieuw"] is None and not options["niet_wachten"]
            if options["wacht"] or follow:
                try:
                    delivery = self._wait(delivery)
                except KeyboardInterrupt:
                    # Only the following stops: the delivery stays with the worker.
                    self.stderr.write(self._interrupted_message(delivery))
                    sys.exit(EXIT_INTERRUPTED)
        except CommandError as error:
            self.stderr.write(str(error))
            sys.exit(EXIT_USAGE)
        except KeyboardInterrupt as stopped:
            # Ctrl-C while this process processed a delivery itself: processing rolled back, and
            # the delivery waits as stalled (services.process_delivery notes it) for --opnieuw.
            pk = getattr(stopped, "delivery_id", None) or getattr(self, "_current", None)
            if options.get("traceback") or pk is None:
                raise  # nothing of a delivery to name: the console script says "Onderbroken."
            self.stderr.write(self._stopped_message(pk))
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            raise  # the reader of stdout went away (`| head`): the console script ends quietly
        except Exception as error:
            if options.get("traceback"):
                raise
            self.stderr.write(self._broken_message(error))
            sys.exit(EXIT_BROKEN)
        # A delivery still queued or running has no counts yet: its heading and status only.
        for line in heading_lines(delivery) if delivery.is_running else report_lines(delivery):
            self.stdout.write(line)
        if options["weiger"] is not None:  # what the operator asked for: not a failure
            if (delivery.report.get("weigering") or {}).get("melding") == ABANDONED_MESSAGE:
                self.stdout.write(
                    f"De verwerking van levering {delivery.pk} is afgebroken; er is niets verwerkt "
                    "en het tijdelijke bestand is verwijderd. De schuldeiser kan het bestand "
                    "opnieuw aanleveren."
                )
            else:
                self.stdout.write(
                    f"Levering {delivery.pk} is niet bevestigd; er is niets verwerkt."
                )
            return
        if delivery.status == DeliveryStatus.AFGEWEZEN:
            refusal = delivery.report.get("weigering") or {}
            # A refusal the spec gives no code (a stand replaced by a later one): its message only.
            codes = ", ".join(refusal.get("codes") or [])
            self.stderr.write(
                f"Geweigerd{f': {codes}' if codes else ''} — {refusal.get('melding', '')}"
            )
            sys.exit(EXIT_REFUSED)
        if delivery.status == DeliveryStatus.WACHT_OP_BEVESTIGING:
            # Held by the safety check (spec 1.6): nothing is applied until someone confirms it.
            self.stdout.write(
                f"Levering {delivery.pk} wacht op bevestiging; er is nog niets gewijzigd. Klopt de stand, "
                f"bevestig haar dan met: vroegsignaal deliver --bevestig {delivery.pk} "
                f"(of weiger haar met --weiger {delivery.pk}; de schuldeiser kan beide ook in het portaal)."
            )
        if delivery.is_running:
            self.stdout.write(
                f"Levering {delivery.pk} wordt op de achtergrond verwerkt door 'vroegsignaal db_worker'; "
                f"volg haar in het portaal of met: vroegsignaal deliver --opnieuw {delivery.pk} --wacht"
            )

    def _run(self, options) -> Delivery:
        chosen = [
            f"--{name} ID"
            for name in ("opnieuw", "bevestig", "weiger")
            if options[name] is not None
        ]
        if len(chosen) > 1:
            raise CommandError(
                f"Geef {chosen[0]} of {chosen[1]}, niet beide."
                if len(chosen) == 2
                else f"Geef één van {', '.join(chosen)}, niet alle drie."
            )
        if options["weiger"] is not None:
            delivery = self._delivery(options["weiger"])
            self._current = delivery.pk
            try:
                if delivery.status == DeliveryStatus.IN_BEHANDELING:  # stalled, failing again
                    return services.abandon_delivery(delivery, None, force=options["forceer"])
                return services.decline_delivery(delivery, None)
            except services.DeliveryError as error:
                raise CommandError(str(error))
        if options["opnieuw"] is not None:
            delivery = self._delivery(options["opnieuw"])
            if delivery.status not in (DeliveryStatus.ONTVANGEN, DeliveryStatus.IN_BEHANDELING):
                # Done already: nothing to do again, and the report as it stands.
                self.stdout.write(
                    f"Levering {delivery.pk} is al afgehandeld ({delivery.get_status_display().lower()}); "
                    "er is niets opnieuw verwerkt. Het verslag:"
                )
                return delivery
            self._current = delivery.pk
            if options["wacht"] and not options["forceer"] and not delivery.is_stalled:
                return delivery  # still being processed (or queued): follow it
            try:
                return services.reprocess_delivery(
                    delivery.pk,
                    None,
                    background=False,
                    force=options["forceer"],
                    via="opdrachtregel",
                )
            except services.DeliveryError as error:
                if delivery.status == DeliveryStatus.ONTVANGEN:  # the message says what to do
                    raise CommandError(str(error))
                raise CommandError(
                    f"{error} Volg haar met --wacht, of geef --forceer als zeker is dat geen worker haar verwerkt."
                )
        if options["bevestig"] is not None:
            delivery = self._delivery(options["bevestig"])
            self._current = delivery.pk
            try:
                return services.confirm_delivery(delivery, None)
            except services.DeliveryError as error:
                raise CommandError(str(error))
        if not options["file"] or not options["creditor"]:
            raise CommandError(
                "Geef een bestand en --creditor CODE op (of --opnieuw ID / --bevestig ID)."
            )
        peildatum = _peildatum(options["peildatum"])
        path = Path(options["file"])
        problem = input_problem(path)
        if problem:
            raise CommandError(problem)
        code = options["creditor"].strip().upper()
        creditor = Creditor.objects.filter(code=code).first() if code else None
        if creditor is None:
            raise CommandError(
                f"--creditor {_shown(options['creditor'])}: er is geen schuldeiser met die code (de "
                "codes staan in het beheer onder Schuldeisers, en in de configuratie van load_config). "
                "Er is niets aangeleverd."
            )
        # As the web server does before it starts (conf/gunicorn.py): keys that do not open the
        # stored data would seal this file with them too, and processing it would then fail for
        # good once the right keys are back.
        from vroegsignaal.privacy.keys import start_problem

        if problem := start_problem():
            raise CommandError(f"{problem}. Er is niets aangeleverd.")
        soort = options["soort"]
        if soort is None and path.suffix.lower() != ".json":
            soort = Soort.STAND
        self._current = None
        return services.receive_delivery(
            creditor,
            path,
            filename=path.name,
            kind=soort,
            reference_date=peildatum,
            via=Via.CLI,
        )

    def _delivery(self, pk: int) -> Delivery:
        delivery = Delivery.objects.select_related("creditor").filter(pk=pk).first()
        if delivery is None:
            raise CommandError(f"Levering {pk} bestaat niet.")
        return delivery

    def _wait(self, delivery: Delivery) -> Delivery:
        last = None
        while delivery.is_running:
            waiting = delivery.waiting_since()
            if waiting is not None:
                self.stderr.write(
                    f"Geen worker heeft levering {delivery.pk} opgepakt sinds "
                    f"{timezone.localtime(waiting):%d-%m-%Y %H:%M}; er is nog niets mee gedaan. Start "
                    "'vroegsignaal db_worker', of verwerk haar hier met: "
                    f"vroegsignaal deliver --opnieuw {delivery.pk} --forceer"
                )
                sys.exit(EXIT_BROKEN)
            if delivery.is_stalled:
                self.stderr.write(
                    f"De verwerking van levering {delivery.pk} staat stil; verwerk haar opnieuw met: "
                    f"vroegsignaal deliver --opnieuw {delivery.pk}"
                )
                sys.exit(EXIT_BROKEN)
            now = (delivery.status, delivery.progress)
            if now != last:
                if delivery.status == DeliveryStatus.ONTVANGEN:
                    # Say what it waits for: the worker, not the delivery.
                    self.stdout.write(
                        f"Levering {delivery.pk}: in de wachtrij, wacht op 'vroegsignaal db_worker' …"
                    )
                else:
                    self.stdout.write(
                        f"Levering {delivery.pk}: {delivery.get_status_display().lower()}, "
                        f"{delivery.progress}%"
                    )
                last = now
            time.sleep(1)
            delivery.refresh_from_db()
        return delivery

    def _interrupted_message(self, delivery: Delivery) -> str:
        where = (
            "staat nog in de wachtrij en wordt verwerkt zodra een worker draait"
            if delivery.status == DeliveryStatus.ONTVANGEN
            else "wordt op de achtergrond verder verwerkt"
        )
        return (
            f"Onderbroken; levering {delivery.pk} {where}. Volg haar met: "
            f"vroegsignaal deliver --opnieuw {delivery.pk} --wacht"
        )

    def _broken_message(self, error: Exception) -> str:
        """Why processing broke off, in words the operator can act on (a full disk and which folder,
        a database locked or out of reach, keys that do not open the data: ``conf.logsafety.
        operator_reason``), else the error's class; never its text, which may quote a row."""
        pk = getattr(error, "delivery_id", None) or getattr(self, "_current", None)
        why = operator_reason(error, folders=[_incoming_folder()])
        if why is None:
            said = f"De verwerking is afgebroken ({type(error).__name__}); er is niets gewijzigd."
            again = "Verwerk de levering opnieuw met"
        else:
            said = f"De verwerking is afgebroken: {why}. Er is niets gewijzigd."
            again = "Verwerk de levering daarna opnieuw met"
        if pk is None:
            return said
        return f"{said} {again}: vroegsignaal deliver --opnieuw {pk}"

    def _stopped_message(self, pk: int) -> str:
        """Ctrl-C while this process processed delivery ``pk`` itself (``--opnieuw``, a small new
        delivery, ``--bevestig``): what became of it, and the command that processes it again."""
        try:
            delivery = Delivery.objects.filter(pk=pk).first()
        except Exception:  # noqa: BLE001 - the database is gone too: say what to do all the same
            return (
                f"Onderbroken; levering {pk} is misschien niet verwerkt. Bekijk haar, of verwerk "
                f"haar opnieuw, met: vroegsignaal deliver --opnieuw {pk}"
            )
        if delivery is None:  # stopped before it was recorded: nothing was received
            return "Onderbroken; er is niets aangeleverd."
        if delivery.status == DeliveryStatus.WACHT_OP_BEVESTIGING:
            return (
                f"Onderbroken; levering {pk} wacht nog op bevestiging en er is niets gewijzigd. "
                f"Bevestig haar met --bevestig {pk}, of weiger haar met --weiger {pk}."
            )
        if delivery.status == DeliveryStatus.ONTVANGEN:
            return (
                f"Onderbroken; levering {pk} is nog niet verwerkt (ontvangen). Verwerk haar, als geen "
                f"worker haar oppakt, met: vroegsignaal deliver --opnieuw {pk} --forceer"
            )
        if delivery.status == DeliveryStatus.IN_BEHANDELING:
            return (
                f"Onderbroken; levering {pk} is niet verwerkt (er is niets van gewijzigd). Verwerk "
                f"haar opnieuw met: vroegsignaal deliver --opnieuw {pk}"
            )
        return (  # the interrupt came after the outcome was stored
            f"Onderbroken; levering {pk} was al afgehandeld "
            f"({delivery.get_status_display().lower()}). Het verslag: vroegsignaal deliver --opnieuw {pk}"
        )

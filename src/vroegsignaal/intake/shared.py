"""What the modules behind :mod:`.services` share: the stage timer, the status alias,
the refusals of a delivery's peildatum (taken at receipt and again from a JSON body) and
the check of a JSON body's own peildatum and soort against the ones given with it
(processing refuses with it, the upload page's preview warns with it).

The modules import each other only downward, so there is no cycle: :mod:`.services`
imports them all; :mod:`.processing` imports :mod:`.evaluation` and :mod:`.staging`;
:mod:`.evaluation` imports :mod:`.previews` (the column mapping); both import :mod:`.staging`;
:mod:`.rejected` and :mod:`.apikeys` import none of them. They may import this module, which
imports none of them.
"""

from __future__ import annotations

import datetime as dt
import logging
import resource
import time
from dataclasses import dataclass

from django.utils import timezone

from .codes import Code, message
from .fields import Soort
from .models import DeliveryStatus
from .refusals import DeliveryRefused

# Seconds per stage of processing, at DEBUG (benchmarks/intake.py: where the time goes).
timing_log = logging.getLogger("vroegsignaal.intake.timing")

S = DeliveryStatus


class _Stopwatch:
    """Logs the seconds of each stage at DEBUG on ``vroegsignaal.intake.timing``; the
    record carries ``stage``, ``seconds``, ``cpu`` (this process), ``peak_mib`` (the
    process's peak memory so far) and ``details`` (sub-stages)."""

    def __init__(self) -> None:
        self._last, self._cpu = time.perf_counter(), time.process_time()

    def lap(
        self,
        delivery_id: int,
        stage: str,
        details: dict | None = None,
        cpu_details: dict | None = None,
    ) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        seconds, cpu_seconds = now - self._last, cpu - self._cpu
        self._last, self._cpu = now, cpu
        if timing_log.isEnabledFor(logging.DEBUG):
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            timing_log.debug(
                "levering %s: %s %.3f s (cpu %.3f s, piek %.0f MiB)",
                delivery_id,
                stage,
                seconds,
                cpu_seconds,
                peak,
                extra={
                    "stage": stage,
                    "seconds": seconds,
                    "cpu": cpu_seconds,
                    "peak_mib": peak,
                    "details": details or {},
                    "cpu_details": cpu_details or {},
                },
            )


# No delivery is of a stand before this day. An earlier one (year 1, a typing error) passed the
# receipt and failed its processing: a birth date 120 years before it is no date.
EARLIEST_PEILDATUM = dt.date(2000, 1, 1)


def _parse_reference_date(value: dt.date | str | None) -> tuple[dt.date | None, str | None]:
    """(date, problem): ``problem`` is the ``PEILDATUM_ONGELDIG`` variant (``onleesbaar``,
    ``toekomst``, ``te_vroeg``) or ``None``. ``None`` is no problem here: a JSON body may still carry it."""
    if value is None or value == "":
        return None, None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            return None, "onleesbaar"
    if value < EARLIEST_PEILDATUM:
        return value, "te_vroeg"
    return value, (None if value <= timezone.localdate() else "toekomst")


def _reference_date_refusal(problem: str, peildatum: dt.date | None = None, **details) -> dict:
    """A ``PEILDATUM_ONGELDIG`` refusal saying which problem it is (never more than the date)."""
    return _refusal(
        Code.PEILDATUM_ONGELDIG,
        message(
            Code.PEILDATUM_ONGELDIG,
            variant=problem,
            peildatum=peildatum.isoformat() if peildatum else "",
            voorbeeld=timezone.localdate().isoformat(),
            vroegst=EARLIEST_PEILDATUM.isoformat(),
            **details,
        ),
    )


def _refusal(code: Code, melding: str | None = None, **details) -> dict:
    return {"codes": [str(code)], "melding": melding or message(code, **details)}


@dataclass(frozen=True)
class HeaderMismatch:
    """Where a JSON body's own peildatum or soort (spec 1.4) differs from the one given with it
    (the upload form, the API's multipart fields, the command's options): each is
    ``(in the file, given)``, or ``None`` where they agree or one of the two is absent."""

    peildatum: tuple[dt.date, dt.date] | None = None
    soort: tuple[str, str] | None = None

    def __bool__(self) -> bool:
        return self.peildatum is not None or self.soort is not None

    def refusal(self) -> DeliveryRefused:
        """The refusal naming each difference: field, value in the file, value given.

        Codes (spec 1.6 has none for a contradiction as such): ``PEILDATUM_ONGELDIG`` for the
        peildatum, the contract's code for it; ``BESTAND_ONLEESBAAR`` for the soort, as there is
        no closer one. When both differ, the refusal has both codes and one message.
        """
        if self.peildatum and self.soort:
            return DeliveryRefused(
                Code.PEILDATUM_ONGELDIG,
                message(
                    Code.PEILDATUM_ONGELDIG,
                    variant="afwijkend_met_soort",
                    peildatum=self.peildatum[0].isoformat(),
                    opgegeven=self.peildatum[1].isoformat(),
                    soort=self.soort[0],
                    opgegeven_soort=self.soort[1],
                ),
                more_codes=(Code.BESTAND_ONLEESBAAR,),
            )
        if self.peildatum:
            return DeliveryRefused(
                Code.PEILDATUM_ONGELDIG,
                message(
                    Code.PEILDATUM_ONGELDIG,
                    variant="afwijkend",
                    peildatum=self.peildatum[0].isoformat(),
                    opgegeven=self.peildatum[1].isoformat(),
                ),
            )
        assert self.soort is not None
        return DeliveryRefused(
            Code.BESTAND_ONLEESBAAR,
            message(
                Code.BESTAND_ONLEESBAAR,
                variant="soort_afwijkend",
                soort=self.soort[0],
                opgegeven=self.soort[1],
            ),
        )


def json_header_mismatch(
    kind: str | None,
    reference_date: dt.date | None,
    body_soort: str | None,
    body_peildatum: str | None,
) -> HeaderMismatch:
    """How a JSON body's own soort and peildatum differ from the ones given (``kind``,
    ``reference_date``; empty: not given). Only a body's valid values count: one that is no soort
    or no valid peildatum is refused for what it is (:func:`settle_json_header`)."""
    soort = None
    if kind and body_soort in Soort.values and body_soort != kind:
        soort = (str(body_soort), str(kind))
    peildatum = None
    if reference_date is not None and body_peildatum not in (None, ""):
        parsed, problem = _parse_reference_date(body_peildatum)
        if parsed is not None and problem is None and parsed != reference_date:
            peildatum = (parsed, reference_date)
    return HeaderMismatch(peildatum=peildatum, soort=soort)


def settle_json_header(
    kind: str | None,
    reference_date: dt.date | None,
    body_soort: str | None,
    body_peildatum: str | None,
) -> tuple[str, dt.date | None]:
    """Kind and peildatum of a JSON delivery: the body's, unless given (then they must be equal).

    Raises :class:`DeliveryRefused`: ``BESTAND_ONLEESBAAR`` for a body's soort that is neither
    ``stand`` nor ``mutatie``, ``PEILDATUM_ONGELDIG`` for a body's peildatum that is no valid
    peildatum, and for a body that differs from what was given the refusal of
    :meth:`HeaderMismatch.refusal`. The kind is ``""`` when neither names one.
    """
    if body_soort not in (None, "") and body_soort not in Soort.values:
        raise DeliveryRefused(
            Code.BESTAND_ONLEESBAAR,
            message(
                Code.BESTAND_ONLEESBAAR, variant="reden", reden='"soort" is niet stand of mutatie'
            ),
        )
    parsed = None
    if body_peildatum not in (None, ""):
        parsed, problem = _parse_reference_date(body_peildatum)
        if problem or parsed is None:
            refusal = _reference_date_refusal(problem or "onleesbaar", parsed)
            raise DeliveryRefused(Code.PEILDATUM_ONGELDIG, refusal["melding"])
    mismatch = json_header_mismatch(kind, reference_date, body_soort, body_peildatum)
    if mismatch:
        raise mismatch.refusal()
    return (kind or body_soort or ""), (reference_date or parsed)

"""What the modules behind :mod:`.services` share: the stage timer, the status alias and
the refusals of a delivery's peildatum (taken at receipt and again from a JSON body).

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

from django.utils import timezone

from .codes import Code, message
from .models import DeliveryStatus

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

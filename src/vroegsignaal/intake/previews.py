"""A creditor's column mapping (spec 1.3) and the upload page's preview of a staged file.

The preview reads a file as its delivery will be read (the same parser, the same
mapping), so what the creditor sees before submitting is what will be processed; it
reads the head only, as the page waits for it. :func:`column_mapping_for` is here
because the mapping is saved here; :mod:`.evaluation` reads it too.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vroegsignaal.conf.logsafety import class_path
from vroegsignaal.organisations.models import Creditor
from vroegsignaal.privacy import services as privacy

from .codes import Code, message
from .fields import DATE_FIELDS, Soort, field_for_header, validate_column_mapping
from .models import ColumnMapping
from .normalise_amounts import amount_column_separator, euros_text, normalise_amount
from .normalise_dates import normalise_date
from .shared import (
    HeaderMismatch,
    _parse_reference_date,
    _reference_date_refusal,
    json_header_mismatch,
    settle_json_header,
)
from .staging import read_staged

log = logging.getLogger(__name__)

PREVIEW_ROWS = 10
# A cell longer than this is cut in the preview's table ("…"), so that one long value does not
# push the later columns out of sight; the full value is not needed to check the columns.
PREVIEW_CELL_CHARS = 60
# A date cell as a spreadsheet or a JSON body may give it, with a time the system does not read.
_DATE_WITH_TIME = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[T ]")
# A CSV preview reads the file's head only.
PREVIEW_HEAD_BYTES = 256 * 1024
# An export that writes cents (15000 for € 150,00) is the likeliest amount mistake, and nothing
# refuses it: each row is a valid, larger amount. A social creditor's arrears are mostly below a
# few thousand euros, so when half of the preview's amounts are this much or more, it asks.
HIGH_MEDIAN_CENTS = 1_000_000  # € 10.000
HIGH_MEDIAN_MIN_AMOUNTS = 5


def column_mapping_for(creditor: Creditor | int) -> dict[str, str | None]:
    creditor_id = creditor if isinstance(creditor, int) else creditor.pk
    mapping = (
        ColumnMapping.objects.filter(creditor_id=creditor_id)
        .values_list("mapping", flat=True)
        .first()
    )
    return dict(mapping or {})


def save_column_mapping(
    creditor: Creditor, mapping: dict[str, str | None], user=None
) -> ColumnMapping:
    """Store the creditor's own headers (spec 1.3); entries equal to the defaults are left out."""
    clean = validate_column_mapping(mapping)
    own = {
        header.strip(): target
        for header, target in clean.items()
        if header.strip() and field_for_header(header) != target
    }
    saved, _created = ColumnMapping.objects.update_or_create(
        creditor=creditor, defaults={"mapping": own}
    )
    privacy.record(
        user,
        privacy.AuditAction.UPDATE,
        saved,
        purpose="kolomindeling opgeslagen",
        details={"kolommen": len(own)},
    )
    return saved


@dataclass
class Preview:
    """The first rows of a file with the creditor's column mapping applied, for the upload page."""

    rows: list[dict[str, str | None]] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → header in the file
    # The ignored headers as the page may name them (unknown_columns.ignored_columns) and those
    # the column mapping may offer (never one that may be a value: a mapping is stored).
    unknown_columns: list[str] = field(default_factory=list)
    mappable_columns: list[str] = field(default_factory=list)
    file_format: str = ""
    refusal: dict | None = None
    # A JSON body's own peildatum and soort (spec 1.4), where the preview read them and they are
    # valid; and how they differ from the ones chosen (then ``refusal`` is None: the choice, not
    # the file, is to be changed first).
    file_reference_date: dt.date | None = None
    file_kind: str = ""
    mismatch: HeaderMismatch | None = None
    # A warning that the amounts look like cents (:func:`high_amounts_warning`); "" when not.
    amount_warning: str = ""
    # False for a KOLOM_ONTBREEKT no mapping can mend (DeliveryRefused.mapping_can_help): a file
    # without column names, or with its names below a title.
    header_can_be_mapped: bool = True

    @property
    def mapping_can_help(self) -> bool:
        """Whether a column mapping can change the outcome: not for an empty or unreadable file,
        nor for a file whose first line is data or whose column names are further down."""
        return self.refusal is None or (
            str(Code.KOLOM_ONTBREEKT) in self.refusal["codes"] and self.header_can_be_mapped
        )

    def choices_from_file(self, chosen: dict, *, replace: bool) -> dict[str, str]:
        """The JSON file's own peildatum and soort to take into the creditor's choice
        (``chosen``: ``peildatum`` as ISO date, ``soort``): where the choice left them empty, or
        with ``replace`` (*Keuze aanpassen aan het bestand*) also over a choice that differs."""
        from_file = {
            "peildatum": self.file_reference_date.isoformat() if self.file_reference_date else "",
            "soort": self.file_kind,
        }
        return {
            name: value
            for name, value in from_file.items()
            if value and (not chosen.get(name) or (replace and chosen[name] != value))
        }

    @property
    def mismatch_warning(self) -> str:
        """The warning that a JSON file's own peildatum or soort is not the one chosen; ``""``
        when they agree."""
        mismatch = self.mismatch
        if not mismatch:
            return ""
        values = {}
        if mismatch.peildatum:
            values["file_date"] = date_format(mismatch.peildatum[0], "j F Y")
            values["date"] = date_format(mismatch.peildatum[1], "j F Y")
        if mismatch.soort:
            values["file_kind"], values["kind"] = mismatch.soort
        if mismatch.peildatum and mismatch.soort:
            text = _(
                "Het bestand zegt peildatum %(file_date)s en soort %(file_kind)s; u koos %(date)s "
                "en %(kind)s. Pas de keuze aan of kies een ander bestand."
            )
        elif mismatch.peildatum:
            text = _(
                "Het bestand zegt peildatum %(file_date)s; u koos %(date)s. Pas de keuze aan of "
                "kies een ander bestand."
            )
        else:
            text = _(
                "Het bestand zegt soort %(file_kind)s; u koos %(kind)s. Pas de keuze aan of kies "
                "een ander bestand."
            )
        return text % values


def high_amounts_warning(values: list) -> str:
    """A warning when half of the readable amounts are :data:`HIGH_MEDIAN_CENTS` or more (at
    least :data:`HIGH_MEDIAN_MIN_AMOUNTS` of them): are they cents? ``""`` otherwise. Read as
    processing reads them (the column's decimal separator, then each amount); only a warning,
    as a delivery of large arrears is no error."""
    separator = amount_column_separator(values)
    amounts = sorted(
        cents
        for value in values
        if (cents := normalise_amount(value, separator)) is not None and cents > 0
    )
    if len(amounts) < HIGH_MEDIAN_MIN_AMOUNTS:
        return ""
    median = amounts[(len(amounts) - 1) // 2]  # the lower middle: half are this much or more
    if median < HIGH_MEDIAN_CENTS:
        return ""
    return _(
        "De bedragen zijn hoog: de helft van de %(n)s bedragen in dit voorbeeld is %(median)s of "
        "meer. Staan ze misschien in centen? Het aanleverformaat vraagt euro’s: 150,00 of 150 "
        "voor honderdvijftig euro. Klopt het, dan kunt u gewoon indienen."
    ) % {"n": len(amounts), "median": euros_text(median)}


def preview_cell(name: str, value: object) -> object:
    """A cell as the preview shows it: a date with a time (an XLSX date cell is read as
    ``1966-01-20 00:00:00``) as the date the system reads (``1966-01-20``), and text longer
    than :data:`PREVIEW_CELL_CHARS` cut with "…"."""
    if not isinstance(value, str):
        return value  # the row number, or an empty cell
    if name in DATE_FIELDS and _DATE_WITH_TIME.match(value):
        day = normalise_date(value)
        if day is not None:
            return day.isoformat()
    if len(value) > PREVIEW_CELL_CHARS:
        return value[: PREVIEW_CELL_CHARS - 1] + "…"
    return value


# What the preview says of a file the parser fails on without a refusal of its own.
_UNREADABLE_REASON = (
    "er ging iets mis bij het lezen. Controleer of het een CSV-, XLSX- of JSON-bestand volgens "
    "het aanleverformaat is en sla het zo nodig opnieuw op uit het programma waarmee het is "
    "gemaakt"
)


def _parse_for_preview(source, **options):
    """:func:`~.parsing.parse_delivery` for the preview: a failure that is no refusal (a reader
    that breaks on the file) is refused as ``BESTAND_ONLEESBAAR`` too, never a server error.
    The log names the exception's class only: its text may quote the file."""
    from .parsing import parse_delivery
    from .refusals import DeliveryRefused

    try:
        return parse_delivery(source, **options)
    except DeliveryRefused:
        raise
    except Exception as error:  # noqa: BLE001 - see above
        log.error("Voorbeeld van een levering: bestand niet gelezen (%s)", class_path(type(error)))
        raise DeliveryRefused(
            Code.BESTAND_ONLEESBAAR,
            message(Code.BESTAND_ONLEESBAAR, variant="reden", reden=_UNREADABLE_REASON),
        ) from error


def _file_header(soort: str | None, peildatum: str | None) -> dict:
    """A JSON body's own peildatum and soort as :class:`Preview` fields, where they are valid."""
    parsed, problem = _parse_reference_date(peildatum)
    return {
        "file_reference_date": None if problem else parsed,
        "file_kind": soort if soort in Soort.values else "",
    }


def preview_delivery(
    creditor: Creditor,
    path: Path,
    *,
    filename: str = "",
    kind: str | None = None,
    reference_date: dt.date | None = None,
) -> Preview:
    """Read the head of a staged file as the delivery will be read; never raises for bad files.

    For a JSON body it also checks the body's own peildatum and soort against ``reference_date``
    and ``kind`` (the ones chosen; empty: left to the file) as processing will: a difference is
    :attr:`Preview.mismatch`, a body's value that processing would refuse is the refusal.
    """
    from .refusals import DeliveryRefused

    name = filename.lower()
    is_json = name.endswith(".json")
    is_xlsx = name.endswith((".xlsx", ".xls"))
    # A CSV's or JSON body's head is enough; an XLSX is a ZIP and is decrypted whole,
    # but only the head of its sheet is read.
    by_head = not is_xlsx
    # The staged file is encrypted: its plaintext (the head) is read into memory.
    source: bytes = read_staged(path, limit=PREVIEW_HEAD_BYTES + 1 if by_head else None)
    whole = len(source) <= PREVIEW_HEAD_BYTES or not by_head
    if not whole:
        head = source[:PREVIEW_HEAD_BYTES]
        cut = head.rfind(b"\n")
        source = head if is_json else head[: cut + 1] if cut > 0 else head
    head_rows = PREVIEW_ROWS if (is_json and not whole) or is_xlsx else None
    try:
        try:
            parsed = _parse_for_preview(
                source,
                filename=filename or None,
                soort=kind or None,
                column_mapping=column_mapping_for(creditor),
                max_bytes=settings.MAX_DELIVERY_BYTES,
                head_rows=head_rows,
            )
        except DeliveryRefused as refused:
            if whole or refused.code in (Code.KOLOM_ONTBREEKT, Code.BESTAND_TE_GROOT):
                raise
            # The head cut a quoted value in two: read the whole file.
            head_rows = None
            parsed = _parse_for_preview(
                read_staged(path),
                filename=filename or None,
                soort=kind or None,
                column_mapping=column_mapping_for(creditor),
                max_bytes=settings.MAX_DELIVERY_BYTES,
            )
    except DeliveryRefused as refused:
        # A JSON body refused after its header was read: a header that contradicts the choice
        # is what processing refuses it for (evaluation.evaluate_delivery), so it is said first.
        mismatch = json_header_mismatch(kind, reference_date, refused.soort, refused.peildatum)
        # The headers it did read (a missing column) are offered for the column mapping.
        return Preview(
            refusal=None if mismatch else {"codes": refused.codes, "melding": refused.message},
            columns=dict(refused.columns),
            unknown_columns=list(refused.unknown_columns),
            mappable_columns=list(refused.mappable_columns),
            mismatch=mismatch or None,
            header_can_be_mapped=refused.mapping_can_help,
            **_file_header(refused.soort, refused.peildatum),
        )
    fields_present = [c for c in parsed.table.columns if c != "rij"]
    preview = Preview(
        rows=[
            {name: preview_cell(name, value) for name, value in row.items()}
            for row in parsed.table.head(PREVIEW_ROWS).to_dicts()
        ],
        fields=fields_present,
        columns=dict(parsed.columns),
        unknown_columns=list(parsed.reported_columns),
        mappable_columns=list(parsed.mappable_columns),
        file_format=parsed.format,
        **(_file_header(parsed.soort, parsed.peildatum) if parsed.format == "json" else {}),
    )
    if "bedrag_achterstand" in parsed.table.columns:
        preview.amount_warning = high_amounts_warning(
            parsed.table.get_column("bedrag_achterstand").to_list()
        )
    if parsed.format == "json":
        preview.mismatch = (
            json_header_mismatch(kind, reference_date, parsed.soort, parsed.peildatum) or None
        )
        if preview.mismatch is None:
            try:
                _kind, settled = settle_json_header(
                    kind, reference_date, parsed.soort, parsed.peildatum
                )
            except DeliveryRefused as refused:
                preview.refusal = {"codes": refused.codes, "melding": refused.message}
            else:
                # Only a body read to its end is known to have no peildatum (it may follow the rows).
                if settled is None and head_rows is None:
                    preview.refusal = _reference_date_refusal("ontbreekt")
    return preview

"""Step 2 of :mod:`.services`: parse, normalise, route and count a staged delivery.

Nothing is written but the progress: what :func:`evaluate_delivery` finds is an
:class:`Evaluation` that :mod:`.processing` refuses, holds or applies, so a delivery
refused here leaves no trace but its report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.conf import settings
from django.utils import timezone

from vroegsignaal.formats import thousands

from . import routing
from .codes import WARNING_CODES, Code, message
from .fields import FIELD_NAMES, Soort, field_for_header, header_key, shown_header
from .models import Delivery
from .previews import column_mapping_for
from .shared import (
    _reference_date_refusal,
    _refusal,
    _Stopwatch,
    json_header_mismatch,
    settle_json_header,
)
from .staging import read_staged

# Spec 1.6 TE_VEEL_FOUTEN: "more than half of the rows rejected".
MAX_REJECTED_SHARE = 0.5
# The findings (rejections and warnings) kept per delivery for the rejected rows' page and CSV.
# A 3 MB file of 200,000 rows without values made 1.6 million of them (213 MB kept for 92 days,
# ~75 GB for a file at the size limit); a real export error repeats itself, so the first ones
# show what to mend. The counts per code always count every row.
MAX_STORED_ISSUES = 100_000


@dataclass
class Evaluation:
    """What processing found, before anything is applied."""

    kind: str
    reference_date: dt.date | None
    file_format: str = ""
    accepted: pl.DataFrame | None = None  # the routed rows to apply
    # klantnummer, contractnummer of the rejected rows: a stand does not clear those
    # (a row that could not be read is no evidence that the arrear was paid).
    rejected_keys: pl.DataFrame | None = None
    issues: pl.DataFrame | None = None  # rij, klantnummer, veld, code, melding, is_warning
    rows_received: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_outside_covenant: int = 0
    report: dict = field(default_factory=dict)
    refusal: dict | None = None


ISSUE_COLUMNS = {
    "rij": pl.Int64(),
    "klantnummer": pl.String(),
    "veld": pl.String(),
    "code": pl.String(),
    "melding": pl.String(),
    "is_warning": pl.Boolean(),
}


def set_progress(delivery_id: int, percent: int) -> None:
    """Write the progress, and the heartbeat with it, in its own short statement
    (autocommit outside the apply transaction)."""
    Delivery.objects.filter(pk=delivery_id).update(
        progress=max(0, min(100, int(percent))), heartbeat_at=timezone.now()
    )


def _count_per_code(issues: pl.DataFrame) -> dict[str, int]:
    if issues.height == 0:
        return {}
    per_code = issues.unique(["rij", "code"]).group_by("code").len().sort("code")
    return {code: int(n) for code, n in per_code.iter_rows()}


def _per_municipality(rows: pl.DataFrame) -> list[dict]:
    from vroegsignaal.organisations.models import Municipality

    if rows.height == 0:
        return []
    counts = rows.group_by("municipality_code").len().sort("municipality_code")
    names = dict(
        Municipality.objects.filter(
            code__in=counts.get_column("municipality_code").to_list()
        ).values_list("code", "name")
    )
    return [
        {"gemeentecode": code, "gemeente": names.get(code, ""), "regels": int(n)}
        for code, n in counts.iter_rows()
    ]


def evaluate_delivery(delivery: Delivery, path: Path) -> Evaluation:
    """Parse, normalise, route and count one staged delivery; raises ``DeliveryRefused``."""
    from .normalise import ERRORS, WARNINGS, normalise_delivery
    from .parsing import parse_delivery
    from .refusals import DeliveryRefused

    watch = _Stopwatch()
    # The staged file is decrypted in memory, never to disk; its bytes go as soon as
    # they are parsed (before the apply, the delivery's most memory-hungry step).
    content = [read_staged(path)]
    watch.lap(delivery.pk, "decrypt")
    try:
        parsed = parse_delivery(
            content.pop(),
            filename=delivery.filename or None,
            soort=delivery.kind or None,
            column_mapping=column_mapping_for(delivery.creditor_id),
            max_bytes=settings.MAX_DELIVERY_BYTES,
        )
    except DeliveryRefused as refused:
        # A JSON body refused after its header was read (KOLOM_ONTBREEKT): when that header
        # contradicts what was given, the contradiction is the refusal. A mutatie given for a
        # stand body missed the field status, which the stand has no need of.
        mismatch = json_header_mismatch(
            delivery.kind, delivery.reference_date, refused.soort, refused.peildatum
        )
        if mismatch:
            contradiction = mismatch.refusal()
            contradiction.soort, contradiction.peildatum = refused.soort, refused.peildatum
            raise contradiction from refused
        raise
    set_progress(delivery.pk, 25)
    watch.lap(delivery.pk, "parse")

    kind = delivery.kind
    reference_date = delivery.reference_date
    if parsed.format == "json":
        try:
            kind, reference_date = settle_json_header(
                delivery.kind, delivery.reference_date, parsed.soort, parsed.peildatum
            )
        except DeliveryRefused as refused:
            # The refused delivery keeps the body's valid values where none were given.
            refused.soort, refused.peildatum = parsed.soort, parsed.peildatum
            raise
    kind = kind or Soort.STAND
    if reference_date is None:
        refusal = _reference_date_refusal("ontbreekt")
        raise DeliveryRefused(Code.PEILDATUM_ONGELDIG, refusal["melding"])

    # Each stage's input table is let go as soon as the next has its own (a million
    # rows of text weigh hundreds of MiB): normalise gets the only reference to the
    # parsed table, and the normalised table goes once the rows are routed.
    raw = [parsed.table]
    parsed = dataclasses.replace(parsed, table=pl.DataFrame())
    normalised = normalise_delivery(raw.pop(), peildatum=reference_date, soort=kind)
    set_progress(delivery.pk, 45)
    watch.lap(delivery.pk, "normalise")

    table = routing.route_rows(normalised.table)
    normalised.table = pl.DataFrame()
    allowed = routing.covenant_municipality_ids(delivery.creditor_id, reference_date)
    table = table.with_columns(routing.in_covenant_expr(allowed).alias("in_covenant"))
    set_progress(delivery.pk, 65)
    watch.lap(delivery.pk, "route")

    unknown_address = pl.col("postcode").is_not_null() & pl.col("municipality_id").is_null()
    table = table.with_columns(
        pl.when(unknown_address)
        .then(pl.concat_list([pl.col(ERRORS), pl.lit(str(Code.ADRES_ONBEKEND))]))
        .otherwise(pl.col(ERRORS))
        .alias(ERRORS),
        pl.when(pl.col("match") == routing.Match.APPROXIMATE)
        .then(pl.concat_list([pl.col(WARNINGS), pl.lit(str(Code.ADRES_BIJ_BENADERING))]))
        .otherwise(pl.col(WARNINGS))
        .alias(WARNINGS),
    )
    # A row that fails a check is rejected wherever it lives (the creditor must fix it;
    # what is kept of it is the klantnummer). BUITEN_CONVENANT is for the valid rows.
    rejected = pl.col(ERRORS).list.len() > 0
    outside = ~rejected & (pl.col("in_covenant") == False)  # noqa: E712 - null stays null
    table = table.with_columns(
        outside.fill_null(False).alias("_outside"), rejected.alias("_rejected")
    )
    outside_rows = table.filter(pl.col("_outside"))
    accepted = table.filter(~pl.col("_outside") & ~pl.col("_rejected"))
    rejected_rows = table.filter(pl.col("_rejected"))

    # The issues to keep: every error of a rejected row, every warning of an accepted
    # one; nothing of the rows outside a covenant (not stored, not logged).
    routing_issues = pl.concat(
        [
            table.filter(unknown_address).select(
                "rij",
                pl.col("klantnummer").str.slice(0, 64),
                pl.lit("postcode").alias("veld"),
                pl.lit(str(Code.ADRES_ONBEKEND)).alias("code"),
                pl.lit(message(Code.ADRES_ONBEKEND)).alias("melding"),
                pl.lit(False).alias("is_warning"),
            ),
            accepted.filter(pl.col("match") == routing.Match.APPROXIMATE).select(
                "rij",
                pl.col("klantnummer").str.slice(0, 64),
                pl.lit("huisnummer").alias("veld"),
                pl.lit(str(Code.ADRES_BIJ_BENADERING)).alias("code"),
                pl.lit(message(Code.ADRES_BIJ_BENADERING)).alias("melding"),
                pl.lit(True).alias("is_warning"),
            ),
        ]
    )
    warning_codes = [str(c) for c in WARNING_CODES]
    front_issues = normalised.issues.select(
        "rij",
        "klantnummer",
        "veld",
        "code",
        "melding",
        pl.col("code").is_in(warning_codes).alias("is_warning"),
    )
    rejected_ids = rejected_rows.select("rij")
    accepted_ids = accepted.select("rij")
    issues = (
        pl.concat(
            [
                front_issues.filter(~pl.col("is_warning")).join(rejected_ids, on="rij", how="semi"),
                front_issues.filter(pl.col("is_warning")).join(accepted_ids, on="rij", how="semi"),
                routing_issues,
            ]
        )
        .cast(ISSUE_COLUMNS)  # type: ignore[arg-type]
        .sort("rij", maintain_order=True)
    )
    issues = _excel_error_messages(issues, parsed.excel_errors)
    issues = name_columns(issues, parsed.columns)

    rows_rejected = rejected_rows.height
    rows_accepted = accepted.height
    routed_postcode_only = accepted.filter(pl.col("match") == routing.Match.POSTCODE).height
    report = {
        "afgewezen_per_code": _count_per_code(issues.filter(~pl.col("is_warning"))),
        "waarschuwingen_per_code": _count_per_code(issues.filter(pl.col("is_warning"))),
        "gerouteerd_per_gemeente": _per_municipality(accepted),
        "gerouteerd_alleen_op_postcode": routed_postcode_only,
        "buiten_convenant_per_gemeente": _per_municipality(outside_rows),
        # Named as they may be (a header that may be a value by its position; unknown_columns).
        "onbekende_kolommen": list(parsed.reported_columns),
        "kolommen": dict(parsed.columns),
        "opmerkingen": [
            dataclasses.asdict(note) | {"code": str(note.code)} for note in normalised.notes
        ]
        + _duplicate_column_notes(parsed.duplicate_columns, parsed.columns)
        + _excel_error_notes(parsed.excel_errors, accepted)
        + _encoding_notes(parsed.mixed_encoding_row)
        + _json_row_notes(parsed.format, issues.height),
    }
    issues, cut_note = _kept_issues(issues)
    report["opmerkingen"] += cut_note
    evaluation = Evaluation(
        kind=kind,
        reference_date=reference_date,
        file_format=parsed.format,
        accepted=accepted.drop(["_outside", "_rejected", "in_covenant", ERRORS]),
        rejected_keys=rejected_rows.select("klantnummer", "contractnummer"),
        issues=issues,
        rows_received=table.height,
        rows_accepted=rows_accepted,
        rows_rejected=rows_rejected,
        rows_outside_covenant=outside_rows.height,
        report=report,
    )
    # TE_VEEL_FOUTEN: more than half of the rows received. Rows outside a covenant are
    # not rejections, but they are rows of the delivery.
    if rows_rejected > MAX_REJECTED_SHARE * table.height:
        evaluation.refusal = _refusal(Code.TE_VEEL_FOUTEN)
    watch.lap(delivery.pk, "collect")
    return evaluation


def _encoding_notes(row: int | None) -> list[dict]:
    """A report note for a CSV that mixes UTF-8 with another encoding (no code: spec 1.6 has none,
    and the rows are kept as read)."""
    if row is None:
        return []
    return [
        {
            "veld": "",
            "code": "",
            "melding": (
                "Het bestand is gelezen als Windows-1252, maar er staan vóór rij "
                f"{row} tekens in die UTF-8 zijn: het is waarschijnlijk deels UTF-8 en deels een "
                "andere codering. Letters met accenten in de UTF-8-rijen zijn dan verkeerd "
                "overgenomen (bijvoorbeeld 'Ã¼' voor 'ü'). Lever het hele bestand in één "
                "codering, bij voorkeur UTF-8."
            ),
        }
    ]


def _excel_error_messages(
    issues: pl.DataFrame, excel_errors: tuple[tuple[int, str, str], ...]
) -> pl.DataFrame:
    """A field whose XLSX cell holds an Excel error (``#DIV/0!``) is read as empty: its finding
    (``VERPLICHT_VELD_LEEG``, its code kept) says what the cell holds instead of "is leeg", so
    the creditor mends the formula, not the export."""
    if not excel_errors or issues.height == 0:
        return issues
    errors = pl.DataFrame(
        excel_errors, schema={"rij": pl.Int64, "veld": pl.String, "_fout": pl.String}, orient="row"
    )
    joined = issues.join(errors, on=["rij", "veld"], how="left", maintain_order="left")
    said = pl.format(
        message(Code.VERPLICHT_VELD_LEEG, "{}", "excel_fout", fout="{}"),
        pl.col("veld"),
        pl.col("_fout"),
    )
    return joined.with_columns(
        pl.when(pl.col("_fout").is_not_null() & (pl.col("code") == str(Code.VERPLICHT_VELD_LEEG)))
        .then(said)
        .otherwise(pl.col("melding"))
        .alias("melding")
    ).drop("_fout")


def _excel_error_notes(
    excel_errors: tuple[tuple[int, str, str], ...], accepted: pl.DataFrame
) -> list[dict]:
    """A report note per field whose XLSX cell holds an Excel error in accepted rows (no code:
    spec 1.6 has none). The cell is read as empty; in an optional field that gives no finding, so
    without the note the creditor would not learn that the value was lost. Rejected rows are left
    out (a required field's error is its finding, :func:`_excel_error_messages`), and so is the
    cell's error text: the note names the field, the count and the first row."""
    if not excel_errors or accepted.height == 0:
        return []
    errors = pl.DataFrame(
        excel_errors, schema={"rij": pl.Int64, "veld": pl.String, "_fout": pl.String}, orient="row"
    ).join(accepted.select("rij"), on="rij", how="semi")
    if errors.height == 0:
        return []
    per_field = errors.group_by("veld").agg(pl.len().alias("rijen"), pl.min("rij").alias("eerste"))
    order = {name: i for i, name in enumerate(FIELD_NAMES)}
    notes = []
    for veld, rows, first in sorted(
        per_field.iter_rows(), key=lambda r: order.get(r[0], len(order))
    ):
        where = f"In rij {thousands(first)}" if rows == 1 else f"In {thousands(rows)} rijen"
        after = "" if rows == 1 else f", eerste in rij {thousands(first)}"
        read = "die cel is" if rows == 1 else "die cellen zijn"
        notes.append(
            {
                "veld": veld,
                "code": "",
                "melding": (
                    f"{where} bevat het veld {veld} een Excel-foutwaarde (zoals #N/A){after}; "
                    f"{read} als leeg gelezen. Herstel de formule of de cel en lever opnieuw als "
                    "de waarde ertoe doet."
                ),
            }
        )
    return notes


def _duplicate_column_notes(duplicates: list[str], columns: dict[str, str]) -> list[dict]:
    """A note for each second column of a field (``Saldo`` and ``Bedrag`` both
    ``bedrag_achterstand``): which one was read. ``onbekende_kolommen`` lists the second one too,
    but a creditor reading it there takes it for a column we do not know. Only headers that name
    a field by its name or an alias (spec 1.3) are named; they are column names, not values."""
    notes = []
    for header in duplicates:
        target = field_for_header(header)
        used = columns.get(target) if target else None
        if used is None:
            continue
        notes.append(
            {
                "veld": target,
                "code": "",
                "melding": (
                    f"De kolommen '{shown_header(used)}' en '{shown_header(header)}' zijn allebei "
                    f"het veld {target}; alleen '{shown_header(used)}' is gelezen. Verwijder de "
                    "andere kolom uit de export, of leg in het portaal onder Kolomindeling vast "
                    "welke kolom het veld is."
                ),
            }
        )
    return notes


def _kept_issues(issues: pl.DataFrame) -> tuple[pl.DataFrame, list[dict]]:
    """The findings kept (:data:`MAX_STORED_ISSUES`): rejections before warnings, each in row
    order; with a report note when some are left out, so that the CSV is not read as all."""
    if issues.height <= MAX_STORED_ISSUES:
        return issues, []
    rejections = issues.filter(~pl.col("is_warning"))
    warnings = issues.filter(pl.col("is_warning"))
    kept_rejections = rejections.head(MAX_STORED_ISSUES)
    kept_warnings = warnings.head(MAX_STORED_ISSUES - kept_rejections.height)
    kept = pl.concat([kept_rejections, kept_warnings]).sort("rij", maintain_order=True)
    parts = []
    if kept_rejections.height < rejections.height:
        last = kept_rejections["rij"][-1]
        parts.append(
            f"Van de {thousands(rejections.height)} meldingen bij afgewezen regels zijn de eerste "
            f"{thousands(kept_rejections.height)} bewaard (tot en met rij {thousands(last)})."
        )
    if kept_warnings.height < warnings.height:
        parts.append(
            f"Van de {thousands(warnings.height)} waarschuwingen zijn er "
            f"{thousands(kept_warnings.height)} bewaard."
        )
    parts.append(
        "Zo veel meldingen komen meestal van één fout in de export: herstel de fouten die u "
        "ziet en lever opnieuw. De aantallen per code hierboven tellen alle regels."
    )
    return kept, [{"veld": "", "code": "", "melding": " ".join(parts)}]


def _json_row_notes(file_format: str, issues: int) -> list[dict]:
    """What ``rij`` of the rejected rows is in a JSON body (no rows there: parsing.py)."""
    if file_format != "json" or not issues:
        return []
    return [
        {
            "veld": "",
            "code": "",
            "melding": (
                "In de afgewezen regels is rij bij een JSON-bestand de plaats van de achterstand "
                "in de lijst achterstanden, geteld vanaf 1."
            ),
        }
    ]


def name_columns(issues: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    """The messages name the creditor's own column where its header is not the field's name.

    ``veld`` stays the contract's field name (spec 1.7); the message says where that
    field is in the creditor's file: "Het veld geboortedatum (kolom 'Gebdat') bevat geen
    geldige datum." A header that differs only in case, spaces, ``_``, ``-`` or ``.``
    (``Geboortedatum``, ``E-mail``) is left out: the creditor recognises it. Every
    message that names a field says "veld <field>" (:data:`.codes.MESSAGES`).
    """
    own = {
        veld: shown_header(header)
        for veld, header in columns.items()
        if header and header_key(header) != header_key(veld)
    }
    if issues.height == 0 or not own:
        return issues
    melding = pl.col("melding")
    for veld, header in own.items():
        named = melding.str.replace(
            f"veld {veld}", f"veld {veld} (kolom '{header}')", literal=True, n=1
        )
        melding = pl.when(pl.col("veld") == veld).then(named).otherwise(melding)
    return issues.with_columns(melding.alias("melding"))

"""Normalisation and checks of a delivery's rows (spec 1.5 and 1.6), vectorised.

:func:`normalise_delivery` takes the raw string table of :mod:`.parsing` and
returns one table in normal form plus every row's error and warning codes.
It needs no database: the checks that do (``ADRES_ONBEKEND``,
``ADRES_BIJ_BENADERING``, ``BUITEN_CONVENANT``, ``TE_VEEL_FOUTEN``,
``LEVERING_DUBBEL``, ``PEILDATUM_ONGELDIG``) are the caller's.

Every normaliser exists twice: a scalar reference function (``normalise_date``,
``normalise_amount``, ``split_surname`` …) that says in plain Python what the
rule is, and a Polars version (``date_steps``, ``amount_steps``,
``surname_steps`` …) that does the same to a whole column, written as steps of
materialised columns (see :func:`.normalise_steps.run_steps`). The tests hold the two to the
same answers. Values that repeat (dates, amounts, house numbers, postcodes,
names) are normalised once per distinct value and joined back. To make that possible the regular
expressions use only what Python's ``re`` and Rust's ``regex`` read alike:
explicit character classes (``[0-9]``, never ``\\d`` or ``\\s``), no look-around.
Postcode and house number come from :mod:`vroegsignaal.registry.addressing`,
the normal form shared with the address register.

The normalisers are one module per family of fields (:mod:`.normalise_text`,
``normalise_names``, ``_dates``, ``_amounts``, ``_addresses``, ``_contacts``,
``_bsn``, ``_enumerations``; :mod:`.normalise_steps` runs their column
versions); this module puts them together and checks the rows. Their scalar
reference functions can be reached from here too (the ``name as name`` imports).

Decisions where the contract is silent (see also the module's tests):

* Text is cleaned before anything else: control and format characters
  (zero-width, bidi overrides, soft hyphen, BOM) are removed, every kind of
  white space becomes one space, the ends are trimmed, the result is NFC; an
  empty result is a missing value.
* Values are stored as delivered, also when they begin with ``=``, ``+``,
  ``-`` or ``@`` (a phone number ``+31…``, a name ``-``): neutralising at
  intake would corrupt real values. Every exporter to CSV/XLSX passes text
  through :mod:`.spreadsheet_safety`.
* Too-long text: where spec 1.5 gives a maximum as the accepted input
  (``klantnummer``, ``contractnummer``, ``signaal_id``: ``text ≤ 64``;
  ``achternaam``: ``text ≤ 200``, with the tussenvoegsel it may carry; counted
  after cleaning) a longer value is not accepted and is never shortened — a
  shortened key can merge two customers, a shortened surname links the row to
  another person. Such a row is rejected as ``VERPLICHT_VELD_LEEG`` (the spec
  has no length code; the field cannot be used, as an empty one) with the
  message "Het veld achternaam is langer dan 200 tekens en kan niet worden
  gebruikt.". The other maxima are ours (``fields.FIELDS``): ``voornamen``,
  ``straatnaam`` and ``woonplaats`` are cut at 200 and the report says in a
  note (:class:`ColumnNote`, no code) how many accepted rows were cut;
  ``email`` longer than 254 is invalid (warning).
* Amounts: see :mod:`.normalise_amounts`.
* ``geslacht``, ``aantal_termijnen``, ``crisis_reden``, ``crisissignaal`` and
  ``warme_overdracht`` have no code of their own: an unreadable value becomes
  null (the booleans: empty is ``False``, unreadable is null) and the row is
  kept. A ``crisis_reden`` makes ``crisissignaal`` true.
* ``status`` is checked only in a ``mutatie`` delivery; an empty or unknown
  status there is ``VERPLICHT_VELD_LEEG``. In a ``stand`` it is left null.
* ``DUBBEL_IN_LEVERING`` compares klantnummer exactly (after cleaning) and an
  empty contractnummer equals another empty one. Its message names the
  klantnummer, the contractnummer (the pair the creditor has to find) and another
  row with the pair (:func:`_duplicate_messages`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from .codes import Code, Kind, kind_of, message
from .fields import FIELD_NAMES, FIELDS_BY_NAME, Soort
from .normalise_addresses import house_number_steps, postcode_steps
from .normalise_addresses import normalise_house_number as normalise_house_number
from .normalise_addresses import normalise_postcode as normalise_postcode
from .normalise_amounts import AmountSeparator, amount_evidence, amount_steps
from .normalise_amounts import normalise_amount as normalise_amount
from .normalise_bsn import bsn_steps
from .normalise_bsn import bsn_valid as bsn_valid
from .normalise_contacts import email_steps, phone_steps
from .normalise_contacts import normalise_email as normalise_email
from .normalise_contacts import normalise_phone as normalise_phone
from .normalise_dates import MAX_AGE_YEARS, date_steps, years_before
from .normalise_dates import normalise_date as normalise_date
from .normalise_enumerations import (
    bool_expr,
    count_expr,
    crisis_reason_expr,
    gender_expr,
    status_expr,
)
from .normalise_names import initials_from_first_names_steps, initials_steps, surname_steps
from .normalise_names import normalise_initials as normalise_initials
from .normalise_names import normalise_tussenvoegsel as normalise_tussenvoegsel
from .normalise_names import split_surname as split_surname
from .normalise_steps import Steps, _merge, run_steps
from .normalise_text import clean_text as clean_text
from .normalise_text import clean_text_expr, needs_cleaning_expr

ROW_NUMBER = "rij"
ERRORS = "fouten"
WARNINGS = "waarschuwingen"

# The normalised table, in this order (spec 1.5 "stored as").
OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    ROW_NUMBER: pl.Int64(),
    "klantnummer": pl.String(),
    "contractnummer": pl.String(),
    "voorletters": pl.String(),
    "voornamen": pl.String(),
    "tussenvoegsel": pl.String(),
    "achternaam": pl.String(),
    "geboortedatum": pl.Date(),
    "geslacht": pl.String(),
    "straatnaam": pl.String(),
    "huisnummer": pl.Int64(),
    "huisletter": pl.String(),
    "huisnummertoevoeging": pl.String(),
    "postcode": pl.String(),
    "woonplaats": pl.String(),
    "bedrag_cents": pl.Int64(),
    "ontstaansdatum": pl.Date(),
    "aantal_termijnen": pl.Int64(),
    "crisissignaal": pl.Boolean(),
    "crisis_reden": pl.String(),
    "warme_overdracht": pl.Boolean(),
    "telefoonnummer": pl.String(),
    "email": pl.String(),
    "bsn": pl.String(),
    "signaal_id": pl.String(),
    "status": pl.String(),
    ERRORS: pl.List(pl.String()),
    WARNINGS: pl.List(pl.String()),
}

ISSUE_SCHEMA: dict[str, pl.DataType] = {
    ROW_NUMBER: pl.Int64(),
    "klantnummer": pl.String(),
    "veld": pl.String(),
    "code": pl.String(),
    "melding": pl.String(),
    "soort": pl.String(),
}

# In the issues table the klantnummer is shown at most this long.
_ISSUE_KEY_LENGTH = 64


@dataclass(frozen=True)
class Check:
    code: Code
    veld: str
    flag: pl.Expr
    variant: pl.Expr | None = None  # per-row message variant (None: the plain message)


@dataclass(frozen=True)
class ColumnNote:
    """A finding about a whole column (not personal data), for the delivery report.

    ``code`` is empty where spec 1.6 has none (a value cut at a maximum of our own)."""

    veld: str
    code: Code | str
    melding: str


# Cut at their maximum (ours, not the spec's): the report counts the accepted rows cut.
CUT_FIELDS = ("voornamen", "straatnaam", "woonplaats")


@dataclass
class NormalisedDelivery:
    """The outcome of :func:`normalise_delivery`.

    ``table`` has the columns of :data:`OUTPUT_SCHEMA`; a row with a non-empty
    ``fouten`` list is rejected, ``waarschuwingen`` keep the row. ``issues``
    is the long form (one line per row, field and code: ``rij, klantnummer,
    veld, code, melding, soort``) from which the rejected-rows CSV is written.
    """

    table: pl.DataFrame
    issues: pl.DataFrame
    amount_separator: AmountSeparator | None
    notes: list[ColumnNote] = field(default_factory=list)

    @property
    def accepted(self) -> pl.DataFrame:
        return self.table.filter(pl.col(ERRORS).list.len() == 0)

    @property
    def rejected(self) -> pl.DataFrame:
        return self.table.filter(pl.col(ERRORS).list.len() > 0)

    def counts(self) -> dict[str, int]:
        """Rows per code (a row counts once per code)."""
        per_code = self.issues.unique([ROW_NUMBER, "code"]).group_by("code").len()
        return dict(per_code.sort("code").iter_rows())


def _text_columns(raw: pl.DataFrame) -> list[str]:
    return [name for name in FIELD_NAMES if name in raw.columns]


def _on_distinct(
    source: pl.DataFrame, keys: list[str], steps: Steps, outputs: list[str]
) -> pl.LazyFrame:
    """The ``outputs`` for every row of ``source``, computed once per distinct ``keys``.

    Dates, house numbers and names repeat a great deal in a delivery; their
    distinct values are a fraction of the rows. Only the key columns are
    joined (not the wide table), and the result is aligned with ``source``.
    """
    distinct = source.lazy().select(keys).unique()
    computed = run_steps(distinct, steps).select(*keys, *outputs)
    return (
        source.lazy()
        .select(keys)
        .join(computed, on=keys, how="left", nulls_equal=True, maintain_order="left")
        .select(outputs)
    )


def normalise_delivery(
    raw: pl.DataFrame, *, peildatum: date, soort: str = Soort.STAND
) -> NormalisedDelivery:
    """Normalise and check every row of a parsed delivery (spec 1.5, 1.6).

    ``raw`` has a ``rij`` column and one string column per delivered field
    (absent optional fields may be left out). ``peildatum`` must already be
    valid (``PEILDATUM_ONGELDIG`` is the caller's).
    """
    soort = Soort(soort)
    if ROW_NUMBER not in raw.columns:
        raw = raw.with_row_index(ROW_NUMBER, offset=1)
    present = _text_columns(raw)
    # One pass to learn which columns need the full character cleaning.
    if raw.height and present:
        flags = raw.select([needs_cleaning_expr(pl.col(c)).alias(c) for c in present]).row(0)
        full = dict(zip(present, flags, strict=True))
    else:
        full = dict.fromkeys(present, True)
    cleaned = (
        raw.lazy()
        .select(
            pl.col(ROW_NUMBER).cast(pl.Int64),
            *[clean_text_expr(pl.col(c), full=bool(full[c])).alias(c) for c in present],
            *[pl.lit(None, dtype=pl.String).alias(c) for c in FIELD_NAMES if c not in present],
        )
        .collect()
    )

    separator: AmountSeparator | None = None
    notes: list[ColumnNote] = []
    if "bedrag_achterstand" in present:
        separator = amount_evidence(cleaned, "bedrag_achterstand")
    if separator == "gemengd":
        notes.append(
            ColumnNote(
                "bedrag_achterstand",
                Code.BEDRAG_ONGELDIG,
                message(Code.BEDRAG_ONGELDIG, "bedrag_achterstand", "kolom_gemengd"),
            )
        )

    lf, checks = _normalise_frame(cleaned, peildatum=peildatum, soort=soort, separator=separator)
    table = lf.collect()
    cut = cleaned.select(
        [
            (pl.col(name).str.len_chars() > FIELDS_BY_NAME[name].max_length)
            .fill_null(False)
            .alias(name)
            for name in CUT_FIELDS
        ]
    )
    del cleaned
    result_table, issues = _apply_checks(table, checks)
    notes += _cut_notes(cut.filter(result_table.get_column(ERRORS).list.len() == 0))
    return NormalisedDelivery(
        table=result_table, issues=issues, amount_separator=separator, notes=notes
    )


def _cut_notes(cut: pl.DataFrame) -> list[ColumnNote]:
    """A note per field of :data:`CUT_FIELDS` whose value was cut in some accepted rows."""
    notes = []
    counts = cut.sum().row(0, named=True) if cut.height else {}
    for name, rows in counts.items():
        if not rows:
            continue
        maximum = FIELDS_BY_NAME[name].max_length
        subject = "1 regel" if rows == 1 else f"{rows} regels"
        notes.append(
            ColumnNote(
                name,
                "",
                f"In {subject} is {name} langer dan {maximum} tekens; alleen de eerste "
                f"{maximum} tekens zijn overgenomen.",
            )
        )
    return notes


def _normalise_frame(
    cleaned: pl.DataFrame, *, peildatum: date, soort: Soort, separator: AmountSeparator | None
) -> tuple[pl.LazyFrame, list[Check]]:
    c = pl.col
    max_len = {f.name: f.max_length for f in FIELDS_BY_NAME.values()}

    house = ("_huisnummer", "_huisletter", "_toevoeging")
    initials = _merge(
        initials_steps("voorletters", "_vl"), initials_from_first_names_steps("voornamen", "_vn")
    )
    initials.append([pl.coalesce(c("_vl"), c("_vn")).alias("_voorletters")])
    distinct = [
        _on_distinct(
            cleaned,
            ["huisnummer", "huisletter", "huisnummertoevoeging"],
            house_number_steps("huisnummer", "huisletter", "huisnummertoevoeging", house),
            list(house),
        ),
        _on_distinct(
            cleaned,
            ["achternaam", "tussenvoegsel"],
            surname_steps("achternaam", "tussenvoegsel", "_tussenvoegsel", "_achternaam"),
            ["_tussenvoegsel", "_achternaam"],
        ),
        _on_distinct(cleaned, ["voorletters", "voornamen"], initials, ["_voorletters"]),
        *[
            _on_distinct(cleaned, [name], date_steps(name, f"_{name}"), [f"_{name}"])
            for name in ("geboortedatum", "ontstaansdatum")
        ],
    ]
    outputs = [column for frame in pl.collect_all(distinct) for column in frame.get_columns()]
    lf = cleaned.hstack(outputs).lazy()
    status = status_expr(c("status")) if soort == Soort.MUTATIE else pl.lit(None, dtype=pl.String)
    simple: Steps = [
        [
            status.alias("_status"),
            crisis_reason_expr(c("crisis_reden")).alias("_crisis_reden"),
            bool_expr(c("crisissignaal")).alias("_crisis_vlag"),
            bool_expr(c("warme_overdracht")).alias("_warme_overdracht"),
            gender_expr(c("geslacht")).alias("_geslacht"),
            count_expr(c("aantal_termijnen")).alias("_aantal_termijnen"),
        ],
        [
            pl.when(c("_crisis_reden").is_not_null())
            .then(True)
            .otherwise(c("_crisis_vlag"))
            .alias("_crisissignaal")
        ],
    ]
    # Amounts and postcodes have too many distinct values for _on_distinct to pay.
    lf = run_steps(
        lf,
        amount_steps("bedrag_achterstand", "_bedrag", separator or ".", problem="_bedrag_probleem"),
        postcode_steps("postcode", "_postcode"),
        phone_steps("telefoonnummer", "_telefoonnummer"),
        email_steps("email", "_email"),
        bsn_steps("bsn", "_bsn"),
        simple,
    )

    oldest = years_before(peildatum, MAX_AGE_YEARS)
    checks: list[Check] = []

    def empty(name: str) -> pl.Expr:
        return c(name).is_null()

    def present(name: str) -> pl.Expr:
        return c(name).is_not_null()

    def too_long(name: str) -> pl.Expr:
        return (c(name).str.len_chars() > max_len[name]).fill_null(False)

    # Longer than spec 1.5 accepts: never shortened, the row is rejected (module docstring).
    for name in (f.name for f in FIELDS_BY_NAME.values() if f.spec_maximum):
        checks.append(Check(Code.VERPLICHT_VELD_LEEG, name, too_long(name), pl.lit("te_lang")))
    checks.append(Check(Code.VERPLICHT_VELD_LEEG, "klantnummer", empty("klantnummer")))
    checks.append(
        Check(
            Code.VERPLICHT_VELD_LEEG,
            "voorletters",
            c("_voorletters").is_null(),
            pl.lit("voorletters_of_voornamen"),
        )
    )
    for name in ("achternaam", "geboortedatum", "huisnummer", "postcode", "bedrag_achterstand"):
        checks.append(Check(Code.VERPLICHT_VELD_LEEG, name, empty(name)))
    checks.append(Check(Code.VERPLICHT_VELD_LEEG, "ontstaansdatum", empty("ontstaansdatum")))
    if soort == Soort.MUTATIE:
        checks.append(
            Check(
                Code.VERPLICHT_VELD_LEEG,
                "status",
                c("_status").is_null(),
                pl.lit("status_onbekend"),
            )
        )
    checks += [
        Check(Code.POSTCODE_ONGELDIG, "postcode", present("postcode") & c("_postcode").is_null()),
        Check(
            Code.HUISNUMMER_ONGELDIG,
            "huisnummer",
            present("huisnummer") & c("_huisnummer").is_null(),
        ),
        Check(
            Code.DATUM_ONGELDIG,
            "geboortedatum",
            present("geboortedatum") & c("_geboortedatum").is_null(),
        ),
        Check(
            Code.DATUM_ONGELDIG,
            "ontstaansdatum",
            present("ontstaansdatum") & c("_ontstaansdatum").is_null(),
        ),
        Check(
            Code.GEBOORTEDATUM_ONWAARSCHIJNLIJK,
            "geboortedatum",
            ((c("_geboortedatum") > peildatum) | (c("_geboortedatum") < oldest)).fill_null(False),
        ),
        Check(
            Code.ONTSTAANSDATUM_NA_PEILDATUM,
            "ontstaansdatum",
            (c("_ontstaansdatum") > peildatum).fill_null(False),
        ),
        Check(
            Code.BEDRAG_ONGELDIG,
            "bedrag_achterstand",
            present("bedrag_achterstand") & (c("_bedrag") <= 0).fill_null(True),
            c("_bedrag_probleem"),
        ),
        Check(Code.BSN_ONGELDIG, "bsn", present("bsn") & c("_bsn").is_null()),
        Check(
            Code.DUBBEL_IN_LEVERING,
            "klantnummer",
            present("klantnummer")
            & (pl.len().over("klantnummer", c("contractnummer").fill_null("")) > 1),
        ),
        Check(
            Code.TELEFOON_ONGELDIG,
            "telefoonnummer",
            present("telefoonnummer") & c("_telefoonnummer").is_null(),
        ),
        Check(Code.EMAIL_ONGELDIG, "email", present("email") & c("_email").is_null()),
    ]

    flags = [check.flag.alias(f"_check{i}") for i, check in enumerate(checks)]
    variants = [
        check.variant.alias(f"_variant{i}")
        for i, check in enumerate(checks)
        if check.variant is not None
    ]
    out = lf.with_columns(*flags, *variants).select(
        c(ROW_NUMBER),
        c("klantnummer"),
        c("contractnummer"),
        c("_voorletters").alias("voorletters"),
        clean_text_expr(c("voornamen"), max_len["voornamen"], full=False).alias("voornamen"),
        c("_tussenvoegsel").alias("tussenvoegsel"),
        c("_achternaam").alias("achternaam"),
        c("_geboortedatum").alias("geboortedatum"),
        c("_geslacht").alias("geslacht"),
        clean_text_expr(c("straatnaam"), max_len["straatnaam"], full=False).alias("straatnaam"),
        c("_huisnummer").alias("huisnummer"),
        c("_huisletter").alias("huisletter"),
        c("_toevoeging").alias("huisnummertoevoeging"),
        c("_postcode").alias("postcode"),
        clean_text_expr(c("woonplaats"), max_len["woonplaats"], full=False).alias("woonplaats"),
        pl.when(c("_bedrag") > 0).then(c("_bedrag")).alias("bedrag_cents"),
        c("_ontstaansdatum").alias("ontstaansdatum"),
        c("_aantal_termijnen").alias("aantal_termijnen"),
        c("_crisissignaal").alias("crisissignaal"),
        c("_crisis_reden").alias("crisis_reden"),
        c("_warme_overdracht").alias("warme_overdracht"),
        c("_telefoonnummer").alias("telefoonnummer"),
        c("_email").alias("email"),
        c("_bsn").alias("bsn"),
        c("signaal_id"),
        c("_status").alias("status"),
        pl.col("^_check[0-9]+$"),
        pl.col("^_variant[0-9]+$"),
    )
    return out, checks


def _apply_checks(table: pl.DataFrame, checks: list[Check]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The long issues table from the check flags, and the per-row code lists from that."""
    table = table.with_row_index("_row")
    parts = []
    for i, check in enumerate(checks):
        flag = table.get_column(f"_check{i}")
        if not flag.any():
            continue
        variant = pl.col(f"_variant{i}") if check.variant is not None else pl.lit(None, pl.String)
        hits = table.select("_row", ROW_NUMBER, "klantnummer", variant.alias("_variant")).filter(
            flag
        )
        if check.code == Code.DUBBEL_IN_LEVERING:
            melding = _duplicate_messages(table.filter(flag))
        else:
            texts = {
                (v or ""): message(check.code, check.veld, v, maximum=_max_for(check.veld))
                for v in hits.get_column("_variant").unique().to_list()
            }
            melding = (
                hits.get_column("_variant")
                .fill_null("")
                .replace_strict(texts, return_dtype=pl.String)
            )
        parts.append(
            hits.with_columns(melding.alias("melding")).select(
                "_row",
                pl.lit(i, dtype=pl.Int32).alias("_order"),
                pl.col(ROW_NUMBER),
                pl.col("klantnummer").str.slice(0, _ISSUE_KEY_LENGTH),
                pl.lit(check.veld).alias("veld"),
                pl.lit(str(check.code)).alias("code"),
                pl.col("melding"),
                pl.lit(str(kind_of(check.code))).alias("soort"),
            )
        )
    empty = pl.lit([], dtype=pl.List(pl.String))
    if not parts:
        result = table.with_columns(empty.alias(ERRORS), empty.alias(WARNINGS))
        issues = pl.DataFrame(schema=ISSUE_SCHEMA)
    else:
        issues = pl.concat(parts).sort("_row", "_order")
        code = pl.col("code")
        per_row = issues.group_by("_row").agg(
            code.filter(pl.col("soort") == Kind.ROW).unique(maintain_order=True).alias(ERRORS),
            code.filter(pl.col("soort") == Kind.WARNING)
            .unique(maintain_order=True)
            .alias(WARNINGS),
        )
        # Join the lists onto a bare row index, not onto the wide table (memory).
        lists = (
            table.select("_row")
            .join(per_row, on="_row", how="left", maintain_order="left")
            .select(pl.col(ERRORS).fill_null(empty), pl.col(WARNINGS).fill_null(empty))
        )
        result = table.hstack(lists)
        issues = issues.drop("_row", "_order")
    result = result.select(list(OUTPUT_SCHEMA)).cast(OUTPUT_SCHEMA)  # type: ignore[arg-type]
    return result, issues


def _duplicate_messages(duplicates: pl.DataFrame) -> pl.Series:
    """``DUBBEL_IN_LEVERING``'s message for each of ``duplicates`` (the rows flagged, in order):
    its klantnummer and contractnummer, and another row with the same pair — the first one, or
    for the first the second — with how many more there are. Only the pair the row already
    names (the rejected-rows CSV has no contractnummer column), no other delivered value."""
    rows = pl.col(ROW_NUMBER)
    keys = duplicates.select(
        rows, pl.col("klantnummer"), pl.col("contractnummer").fill_null("").alias("_contract")
    )
    # Per pair: its first two rows and how many it has (a group_by, joined back in order).
    groups = keys.group_by("klantnummer", "_contract").agg(
        rows.min().alias("_first"),
        rows.filter(rows != rows.min()).min().alias("_second"),
        pl.len().alias("_count"),
    )
    joined = keys.join(
        groups, on=["klantnummer", "_contract"], how="left", maintain_order="left"
    ).with_columns(
        pl.when(rows == pl.col("_first"))
        .then(pl.col("_second"))
        .otherwise(pl.col("_first"))
        .alias("_other"),
        (pl.col("_count") - 2).alias("_others"),
    )
    contract = pl.col("_contract").str.slice(0, _ISSUE_KEY_LENGTH)
    others = pl.col("_others")
    template = message(
        Code.DUBBEL_IN_LEVERING,
        variant="met_rij",
        klantnummer="{}",
        contract="{}",
        rij="{}",
        andere="{}",
    )
    return joined.select(
        pl.format(
            template,
            pl.col("klantnummer").str.slice(0, _ISSUE_KEY_LENGTH),
            pl.when(contract == "")
            .then(pl.lit("zonder contractnummer"))
            .otherwise(pl.concat_str(pl.lit("met contractnummer "), contract)),
            pl.col("_other").cast(pl.String),
            pl.when(others == 0)
            .then(pl.lit(""))
            .when(others == 1)
            .then(pl.lit(" en 1 andere rij"))
            .otherwise(
                pl.concat_str(pl.lit(" en "), others.cast(pl.String), pl.lit(" andere rijen"))
            ),
        ).alias("melding")
    ).get_column("melding")


def _max_for(veld: str) -> int | str:
    spec = FIELDS_BY_NAME.get(veld)
    return spec.max_length if spec and spec.max_length else ""

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
materialised columns (see :func:`run_steps`). The tests hold the two to the
same answers. Values that repeat (dates, amounts, house numbers, postcodes,
names) are normalised once per distinct value and joined back. To make that possible the regular
expressions use only what Python's ``re`` and Rust's ``regex`` read alike:
explicit character classes (``[0-9]``, never ``\\d`` or ``\\s``), no look-around.
Postcode and house number come from :mod:`vroegsignaal.registry.addressing`,
the normal form shared with the address register.

Decisions where the contract is silent (see also the module's tests):

* Text is cleaned before anything else: control and format characters
  (zero-width, bidi overrides, soft hyphen, BOM) are removed, every kind of
  white space becomes one space, the ends are trimmed, the result is NFC; an
  empty result is a missing value.
* Values are stored as delivered, also when they begin with ``=``, ``+``,
  ``-`` or ``@`` (a phone number ``+31…``, a name ``-``): neutralising at
  intake would corrupt real values. Every exporter to CSV/XLSX passes text
  through :func:`spreadsheet_safe` / :func:`spreadsheet_safe_expr`.
* Too-long text: the identifying fields (``klantnummer``, ``contractnummer``,
  ``signaal_id``; at most 64) are never shortened, because a shortened key can
  merge two customers; such a row is rejected as ``VERPLICHT_VELD_LEEG`` with
  the message "langer dan 64 tekens" (the spec has no length code). Other text
  is cut at its maximum (``fields.FIELDS``), ``email`` longer than 254 is
  invalid (warning).
* Amounts: see :func:`amount_column_separator` and :func:`normalise_amount`.
* ``geslacht``, ``aantal_termijnen``, ``crisis_reden``, ``crisissignaal`` and
  ``warme_overdracht`` have no code of their own: an unreadable value becomes
  null (the booleans: empty is ``False``, unreadable is null) and the row is
  kept. A ``crisis_reden`` makes ``crisissignaal`` true.
* ``status`` is checked only in a ``mutatie`` delivery; an empty or unknown
  status there is ``VERPLICHT_VELD_LEEG``. In a ``stand`` it is left null.
* ``DUBBEL_IN_LEVERING`` compares klantnummer exactly (after cleaning) and an
  empty contractnummer equals another empty one.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import polars as pl

from vroegsignaal.registry import addressing

from .codes import Code, Kind, kind_of, message
from .fields import (
    FIELD_NAMES,
    FIELDS_BY_NAME,
    CrisisReden,
    MutatieStatus,
    Soort,
)

# ---------------------------------------------------------------------------
# Character classes shared by Python ``re`` and Polars (Rust ``regex``)
# ---------------------------------------------------------------------------


def _class_from_codepoints(codepoints: Iterable[int]) -> str:
    """A regex character class body of ranges, escaped the same way for both engines."""

    def esc(cp: int) -> str:
        return f"\\u{cp:04X}" if cp <= 0xFFFF else f"\\U{cp:08X}"

    ranges: list[str] = []
    start = prev = None
    for cp in sorted(set(codepoints)):
        if start is None:
            start = prev = cp
        elif cp == prev + 1:
            prev = cp
        else:
            ranges.append(esc(start) if start == prev else f"{esc(start)}-{esc(prev)}")
            start = prev = cp
    if start is not None:
        ranges.append(esc(start) if start == prev else f"{esc(start)}-{esc(prev)}")
    return "".join(ranges)


_WHITESPACE = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B)]
_WHITESPACE += [0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
# Control characters (Cc) that are not white space, and format characters (Cf:
# zero-width space and joiners, bidi overrides, soft hyphen, BOM, …). The Cf set
# is taken from this Python's Unicode tables and handed to Polars literally, so
# both engines remove exactly the same characters.
_DROP = [cp for cp in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if cp not in _WHITESPACE]
_DROP += [cp for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)) == "Cf"]

WHITESPACE_CLASS = f"[{_class_from_codepoints(_WHITESPACE)}]"
DROP_CLASS = f"[{_class_from_codepoints(_DROP)}]"
_WHITESPACE_RUN_RE = re.compile(WHITESPACE_CLASS + "+")
_DROP_RE = re.compile(DROP_CLASS)
# A column needs the full cleaning only if some value has a character outside
# printable ASCII, a double space or a space at either end.
_NEEDS_CLEANING = r"[^\x20-\x7E]|  |^ | $"

# Latin letters with their accented forms (Latin-1 Supplement, Extended-A and -B).
LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_LETTER_RUN_RE = re.compile(f"[{LETTERS}]+")
_NOT_LETTER_RE = re.compile(f"[^{LETTERS}]")
_FIRST_LETTER_RE = re.compile(f"[{LETTERS}]")


def clean_text(value: object, max_length: int | None = None) -> str | None:
    """Scalar: the cleaned text of a cell (see the module docstring), ``None`` if empty."""
    if value is None:
        return None
    text = _DROP_RE.sub("", str(value))
    text = _WHITESPACE_RUN_RE.sub(" ", text).strip(" ")
    text = unicodedata.normalize("NFC", text)
    if max_length is not None:
        text = text[:max_length].rstrip(" ")
    return text or None


def clean_text_expr(
    column: pl.Expr, max_length: int | None = None, *, full: bool = True
) -> pl.Expr:
    """Polars version of :func:`clean_text` (one linear chain, safe to use as is).

    ``full=False`` skips the character work for a column known to be plain
    printable ASCII without double or outer spaces (see :func:`needs_cleaning_expr`).
    """
    text = column.cast(pl.String)
    if full:
        text = (
            text.str.replace_all(DROP_CLASS, "")
            .str.replace_all(WHITESPACE_CLASS + "+", " ")
            .str.strip_chars(" ")
            .str.normalize("NFC")
        )
    if max_length is not None:
        text = text.str.slice(0, max_length).str.strip_chars_end(" ")
    return text.replace("", None)


def needs_cleaning_expr(column: pl.Expr) -> pl.Expr:
    """True when any value of the column needs :func:`clean_text`'s character work."""
    return column.cast(pl.String).str.contains(_NEEDS_CLEANING).any()


# ---------------------------------------------------------------------------
# Vectorised normalisers as stages
#
# Polars evaluates a sub-expression again wherever it occurs in a when/then
# tree, so each vectorised normaliser is written as *steps*: lists of aliased
# expressions, each list computed together (in parallel across columns), later
# lists reading the columns of earlier ones. Intermediate columns are named
# ``__<output>_<part>`` and dropped by :func:`run_steps`.
# ---------------------------------------------------------------------------

Steps = list[list[pl.Expr]]
_TEMP_PREFIX = "__"


def _tmp(out: str, part: str) -> str:
    return f"{_TEMP_PREFIX}{out}_{part}"


def run_steps(frame: pl.DataFrame | pl.LazyFrame, *steps: Steps) -> pl.LazyFrame:
    """Apply the steps of several normalisers side by side, then drop their temporaries."""
    lf = frame.lazy()
    for depth in range(max((len(s) for s in steps), default=0)):
        exprs = [e for s in steps if depth < len(s) for e in s[depth]]
        if exprs:
            lf = lf.with_columns(exprs)
    temporaries = [c for c in lf.collect_schema().names() if c.startswith(_TEMP_PREFIX)]
    return lf.drop(temporaries)


def apply_steps(steps: Steps, **columns: Sequence[object] | pl.Series) -> pl.DataFrame:
    """Run ``steps`` on a small frame built from ``columns`` (for tests and previews)."""
    frame = pl.DataFrame({k: pl.Series(k, v, dtype=pl.String) for k, v in columns.items()})
    return run_steps(frame, steps).collect()


def clean_steps(src: str, out: str, max_length: int | None = None, *, full: bool = True) -> Steps:
    return [[clean_text_expr(pl.col(src), max_length, full=full).alias(out)]]


# ---------------------------------------------------------------------------
# Formula safety for exporters
# ---------------------------------------------------------------------------

# A spreadsheet evaluates a cell that starts with one of these (OWASP "CSV
# injection"); the full-width forms are converted by some spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_FORMULA_RE = "^[=+\\-@\\t\\r\\uFF1D\\uFF0B\\uFF0D\\uFF20]"


def spreadsheet_safe(value: object) -> object:
    """Prefix text that a spreadsheet would evaluate with ``'`` so it stays text.

    For exporters (signal export, rejected rows, team Excel files); values are
    stored as delivered. Non-text values pass unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


# A sign followed by digits only: a spreadsheet reads it as a number, never as a formula.
_SIGNED_NUMBER_RE = re.compile(r"[+-][0-9]+")


def identifier_safe(value: object) -> object:
    """:func:`spreadsheet_safe` for a creditor's own identifier (klantnummer, signaal_id).

    A file that is loaded back into the creditor's systems needs the identifier
    exactly as delivered, so only what a spreadsheet could *run* gets the ``'``:
    a value that starts with ``=``, ``@``, a tab, a CR or a full-width trigger,
    or with ``+``/``-`` followed by anything but digits (``-2+3``, ``+A1``).
    ``-123`` and ``+31612345678`` are numbers to a spreadsheet and are written
    as they are. So a system that reads the file can undo the protection
    exactly: remove one leading ``'`` when the character after it is one of
    :data:`FORMULA_TRIGGERS`.
    """
    if isinstance(value, str) and _SIGNED_NUMBER_RE.fullmatch(value):
        return value
    return spreadsheet_safe(value)


class _Line:
    """A file-like sink for :class:`csv.writer` that hands back each line it is given."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    header: Iterable[str], rows: Iterable[Iterable[object]], *, identifiers: Iterable[str] = ()
) -> Iterator[str]:
    """``;``-separated CSV lines (header first, CRLF) with every cell :func:`spreadsheet_safe`,
    the columns named in ``identifiers`` :func:`identifier_safe`.

    The one writer behind every CSV download (signal export, rejected rows,
    feedback, monitor, audit log), streamed so a large export needs no memory;
    ``None`` is written as an empty cell.
    """
    header = list(header)
    exact = set(identifiers)
    safe = [identifier_safe if name in exact else spreadsheet_safe for name in header]
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow(
            [
                "" if v is None else (safe[i] if i < len(safe) else spreadsheet_safe)(str(v))
                for i, v in enumerate(row)
            ]
        )


def spreadsheet_safe_expr(column: pl.Expr) -> pl.Expr:
    """Polars version of :func:`spreadsheet_safe` for a text column."""
    text = column.cast(pl.String)
    return pl.when(text.str.contains(_FORMULA_RE)).then(pl.lit("'") + text).otherwise(text)


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


def _is_titlecase(token: str) -> bool:
    head, rest = token[:1], token[1:]
    return (
        len(token) > 1
        and head.upper() == head
        and head.lower() != head
        and rest.lower() == rest
        and rest.upper() != rest
    )


def _dotted(letters: str) -> str | None:
    letters = _NOT_LETTER_RE.sub("", letters.upper())
    return "".join(ch + "." for ch in letters) or None


def normalise_initials(value: object) -> str | None:
    """``'J.P.'``, ``'JP'``, ``'J P'``, ``'j.p'`` → ``'J.P.'``.

    Letters are read in runs between dots, spaces and other marks. A run in
    title case (``Th``, ``Chr``, ``Jan``) is one initial, its first letter;
    any other run (``JP``, ``jp``) is one initial per letter.
    """
    text = clean_text(value)
    if text is None:
        return None
    pieces = [t[0] if _is_titlecase(t) else t for t in _LETTER_RUN_RE.findall(text)]
    return _dotted("".join(pieces))


def initials_from_first_names(value: object) -> str | None:
    """``'Jan Pieter'`` → ``'J.P.'``: the first letter of every space-separated name."""
    text = clean_text(value)
    if text is None:
        return None
    firsts = []
    for name in text.split(" "):
        m = _FIRST_LETTER_RE.search(name)
        if m:
            firsts.append(m.group(0))
    return _dotted("".join(firsts))


def _titlecase_expr(token: pl.Expr) -> pl.Expr:
    head, rest = token.str.slice(0, 1), token.str.slice(1)
    return (
        (token.str.len_chars() > 1)
        & (head.str.to_uppercase() == head)
        & (head.str.to_lowercase() != head)
        & (rest.str.to_lowercase() == rest)
        & (rest.str.to_uppercase() != rest)
    )


def _dotted_steps(letters: pl.Expr, out: str) -> Steps:
    upper = letters.str.to_uppercase().str.replace_all(f"[^{LETTERS}]", "")
    return [[upper.str.replace_all("(.)", "${1}.").replace("", None).alias(out)]]


def initials_steps(src: str, out: str) -> Steps:
    """Polars version of :func:`normalise_initials` on the cleaned column ``src``."""
    el = pl.element()
    runs = pl.col(src).str.extract_all(f"[{LETTERS}]+")
    pieces = runs.list.eval(pl.when(_titlecase_expr(el)).then(el.str.slice(0, 1)).otherwise(el))
    return [
        [pieces.list.join("").alias(_tmp(out, "l"))],
        *_dotted_steps(pl.col(_tmp(out, "l")), out),
    ]


def initials_from_first_names_steps(src: str, out: str) -> Steps:
    """Polars version of :func:`initials_from_first_names` on the cleaned column ``src``."""
    firsts = pl.col(src).str.split(" ").list.eval(pl.element().str.extract(f"([{LETTERS}])", 1))
    joined = firsts.list.drop_nulls().list.join("")
    return [[joined.alias(_tmp(out, "l"))], *_dotted_steps(pl.col(_tmp(out, "l")), out)]


TUSSENVOEGSEL_WORDS = (
    "van", "de", "der", "den", "het", "'t", "te", "ten", "ter", "in", "op", "uit", "uijt",
    "aan", "bij", "onder", "over", "voor", "tot", "von", "vom", "zu", "zum", "zur",
    "d'", "l'", "la", "le", "les", "du", "des", "'s",
)  # fmt: skip
TUSSENVOEGSEL_ABBREVIATIONS = {
    "v": "van",
    "vd": "van der",
    "vdr": "van der",
    "v d": "van der",
    "v der": "van der",
    "v den": "van den",
    "vden": "van den",
    "v de": "van de",
    "v 't": "van 't",
    "v't": "van 't",
    "d": "der",
    "t": "'t",
}
TUSSENVOEGSEL_FORMS: dict[str, str] = {w: w for w in TUSSENVOEGSEL_WORDS}
TUSSENVOEGSEL_FORMS.update(TUSSENVOEGSEL_ABBREVIATIONS)
TUSSENVOEGSEL_MAX_LENGTH = FIELDS_BY_NAME["tussenvoegsel"].max_length
SURNAME_MAX_LENGTH = FIELDS_BY_NAME["achternaam"].max_length

_APOSTROPHES = "[\u2019\u2018`\u00b4]"
_APOSTROPHES_RE = re.compile(_APOSTROPHES)
_DOT_SLASH_RE = re.compile("[./]")
_SPACES_RE = re.compile(" +")


def _token_key(token: str) -> str:
    key = _APOSTROPHES_RE.sub("'", token.lower())
    key = _DOT_SLASH_RE.sub(" ", key).strip(" ")
    return _SPACES_RE.sub(" ", key)


def _token_key_expr(token: pl.Expr) -> pl.Expr:
    key = token.str.to_lowercase().str.replace_all(_APOSTROPHES, "'")
    key = key.str.replace_all("[./]", " ").str.strip_chars(" ")
    return key.str.replace_all(" +", " ")


def _tussenvoegsel_form(token: str) -> str | None:
    return TUSSENVOEGSEL_FORMS.get(_token_key(token))


def _tussenvoegsel_form_expr(token: pl.Expr) -> pl.Expr:
    return _token_key_expr(token).replace_strict(
        TUSSENVOEGSEL_FORMS, default=None, return_dtype=pl.String
    )


def _cut_words(text: str | None, limit: int) -> str | None:
    """At most ``limit`` characters, cut after a whole word where there is one."""
    if text is None or len(text) <= limit:
        return text or None
    head = text[: limit + 1]
    if " " in head:
        return head[: head.rindex(" ")].rstrip(" ") or None
    return text[:limit]


def _cut_words_expr(text: pl.Expr, limit: int) -> pl.Expr:
    head = text.str.slice(0, limit + 1)
    cut = (
        pl.when(text.str.len_chars() <= limit)
        .then(text)
        .when(head.str.contains(" ", literal=True))
        .then(head.str.replace(r" [^ ]*$", "").str.strip_chars_end(" "))
        .otherwise(text.str.slice(0, limit))
    )
    return cut.replace("", None)


def normalise_tussenvoegsel(value: object) -> str | None:
    """``'V/D'``, ``'v.d.'`` → ``'van der'``; ``"'T"`` → ``"'t"``: lower case, spelled out.

    The text is read as words (lower case, ``.`` and ``/`` as spaces) and each
    word that abbreviates a voorvoegsel is spelled out; other words are kept.
    Longer than the maximum, it is cut after the last whole word that fits.
    """
    text = clean_text(value)
    if text is None:
        return None
    words = [TUSSENVOEGSEL_FORMS.get(w, w) for w in _token_key(text).split(" ")]
    return _cut_words(clean_text(" ".join(words)), TUSSENVOEGSEL_MAX_LENGTH)


def tussenvoegsel_steps(src: str, out: str) -> Steps:
    """Polars version of :func:`normalise_tussenvoegsel` on the cleaned column ``src``."""
    words = _token_key_expr(pl.col(src)).str.split(" ")
    words = words.list.eval(pl.element().replace(TUSSENVOEGSEL_FORMS))
    joined = clean_text_expr(words.list.join(" "), full=False)
    return [
        [joined.alias(_tmp(out, "joined"))],
        [_cut_words_expr(pl.col(_tmp(out, "joined")), TUSSENVOEGSEL_MAX_LENGTH).alias(out)],
    ]


def _leading_tussenvoegsel(tokens: list[str]) -> tuple[str, str] | None:
    forms = []
    for token in tokens:
        form = _tussenvoegsel_form(token)
        if form is None:
            break
        forms.append(form)
    if 0 < len(forms) < len(tokens):
        return " ".join(forms), " ".join(tokens[len(forms) :])
    return None


def split_surname(
    achternaam: object, tussenvoegsel: object = None
) -> tuple[str | None, str | None]:
    """Split a tussenvoegsel off a surname: ``(tussenvoegsel, achternaam)``.

    ``'van Dijk'``, ``'Dijk, van'`` and ``'Dijk van'`` all give ``('van', 'Dijk')``.
    The comma form is tried first, then a leading, then a trailing run of
    voorvoegsels; at least one other word must remain. A delivered
    ``tussenvoegsel`` wins: the surname is split only when what it carries is
    that same tussenvoegsel, and kept whole otherwise.
    """
    given = normalise_tussenvoegsel(tussenvoegsel)
    name = clean_text(achternaam, SURNAME_MAX_LENGTH)
    if name is None:
        return given, None
    found: tuple[str, str] | None = None
    if "," in name:
        head, _, tail = name.rpartition(",")
        head, tail = head.strip(" "), tail.strip(" ")
        forms = [_tussenvoegsel_form(t) for t in tail.split(" ")] if tail else [None]
        if head and all(forms):
            found = " ".join(forms), head  # type: ignore[arg-type]
    tokens = name.split(" ")
    if found is None:
        found = _leading_tussenvoegsel(tokens)
    if found is None:
        found = _trailing_tussenvoegsel(tokens)
    if found is not None:
        split_tv = _cut_words(clean_text(found[0]), TUSSENVOEGSEL_MAX_LENGTH)
        if given is None or split_tv == given:
            return split_tv, found[1]
    return given, name


def _trailing_tussenvoegsel(tokens: list[str]) -> tuple[str, str] | None:
    count = 0
    for token in reversed(tokens):
        if _tussenvoegsel_form(token) is None:
            break
        count += 1
    if not 0 < count < len(tokens):
        return None
    forms = [_tussenvoegsel_form(t) for t in tokens[len(tokens) - count :]]
    return " ".join(forms), " ".join(tokens[: len(tokens) - count])  # type: ignore[arg-type]


def surname_steps(achternaam: str, tussenvoegsel: str, out_tv: str, out_name: str) -> Steps:
    """Polars version of :func:`split_surname` on cleaned columns."""
    el = pl.element()
    col = pl.col

    def t(part: str) -> str:
        return _tmp(out_name, part)

    name = clean_text_expr(col(achternaam), SURNAME_MAX_LENGTH, full=False)
    steps: Steps = _merge(tussenvoegsel_steps(tussenvoegsel, t("given")), [[name.alias(t("name"))]])
    steps.append(
        [
            col(t("name")).str.extract_groups(r"^(.*),(.*)$").alias(t("parts")),
            col(t("name")).str.split(" ").alias(t("tokens")),
        ]
    )
    steps.append(
        [
            col(t("parts")).struct.field("1").str.strip_chars(" ").alias(t("head")),
            col(t("parts")).struct.field("2").str.strip_chars(" ").alias(t("tail")),
            col(t("tokens")).list.eval(_tussenvoegsel_form_expr(el)).alias(t("forms")),
            col(t("tokens")).list.len().alias(t("n")),
        ]
    )
    steps.append(
        [
            col(t("tail"))
            .str.split(" ")
            .list.eval(_tussenvoegsel_form_expr(el))
            .alias(t("tail_forms")),
            col(t("forms")).list.eval(el.is_null()).alias(t("stops")),
        ]
    )
    stops = col(t("stops"))
    reverse = stops.list.reverse()
    steps.append(
        [
            (
                (col(t("head")).str.len_bytes() > 0)
                & (col(t("tail")).str.len_bytes() > 0)
                & col(t("tail_forms")).list.eval(el.is_null()).list.any().not_()
            ).alias(t("comma")),
            pl.when(stops.list.any())
            .then(stops.list.arg_max())
            .otherwise(col(t("n")))
            .alias(t("lead")),
            pl.when(reverse.list.any())
            .then(reverse.list.arg_max())
            .otherwise(col(t("n")))
            .alias(t("trail")),
        ]
    )
    lead, trail, n = col(t("lead")), col(t("trail")), col(t("n"))
    lead_ok = (lead > 0) & (lead < n)
    trail_ok = (trail > 0) & (trail < n)
    steps.append(
        [
            pl.when(col(t("comma")))
            .then(col(t("tail_forms")).list.join(" "))
            .when(lead_ok)
            .then(col(t("forms")).list.head(lead).list.join(" "))
            .when(trail_ok)
            .then(col(t("forms")).list.tail(trail).list.join(" "))
            .alias(t("split_tv")),
            pl.when(col(t("comma")))
            .then(col(t("head")))
            .when(lead_ok)
            .then(col(t("tokens")).list.slice(lead).list.join(" "))
            .when(trail_ok)
            .then(col(t("tokens")).list.head(n - trail).list.join(" "))
            .alias(t("split_name")),
        ]
    )
    steps.append([clean_text_expr(col(t("split_tv")), full=False).alias(t("split_tv1"))])
    steps.append(
        [_cut_words_expr(col(t("split_tv1")), TUSSENVOEGSEL_MAX_LENGTH).alias(t("split_tv2"))]
    )
    given_tv = col(t("given"))
    use = (
        col(t("split_name")).is_not_null()
        & col(t("name")).is_not_null()
        & (given_tv.is_null() | (col(t("split_tv2")) == given_tv).fill_null(False))
    )
    steps.append([use.alias(t("use"))])
    steps.append(
        [
            pl.when(col(t("use"))).then(col(t("split_tv2"))).otherwise(given_tv).alias(out_tv),
            pl.when(col(t("use")))
            .then(col(t("split_name")))
            .otherwise(col(t("name")))
            .alias(out_name),
        ]
    )
    return steps


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

# YYYY-MM-DD (with the time and zone that cells and JSON may add), DD-MM-YYYY,
# DD/MM/YYYY (day and month may have one digit), YYYYMMDD. Spec 1.5.
DATE_PATTERN = (
    r"^(?:([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
    r"|([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})"
    r"|([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})"
    r"|([0-9]{4})([0-9]{2})([0-9]{2}))$"
)
_DATE_RE = re.compile(DATE_PATTERN)
_YMD_GROUPS = ((1, 2, 3), (6, 5, 4), (9, 8, 7), (10, 11, 12))


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def normalise_date(value: object) -> date | None:
    """A date in one of the forms of spec 1.5, or ``None`` if unreadable or not a real date."""
    text = clean_text(value)
    if text is None:
        return None
    m = _DATE_RE.fullmatch(text)
    if not m:
        return None
    for y, mo, d in _YMD_GROUPS:
        if m.group(y) is not None:
            year, month, day = int(m.group(y)), int(m.group(mo)), int(m.group(d))
            break
    if year < 1 or not 1 <= month <= 12 or not 1 <= day <= _days_in_month(year, month):
        return None
    return date(year, month, day)


def date_steps(src: str, out: str) -> Steps:
    """Polars version of :func:`normalise_date` on the cleaned column ``src``."""
    col = pl.col
    groups = col(_tmp(out, "g"))

    def part(index: int, name: str) -> pl.Expr:
        fields = [groups.struct.field(str(g[index])) for g in _YMD_GROUPS]
        return pl.coalesce(fields).cast(pl.Int32, strict=False).alias(_tmp(out, name))

    year, month, day = col(_tmp(out, "y")), col(_tmp(out, "m")), col(_tmp(out, "d"))
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = (
        pl.when(month == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    valid = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= days)
    ok = col(_tmp(out, "ok"))
    safe = pl.date(
        pl.when(ok).then(year).otherwise(2000),
        pl.when(ok).then(month).otherwise(1),
        pl.when(ok).then(day).otherwise(1),
    )
    return [
        [col(src).str.extract_groups(DATE_PATTERN).alias(_tmp(out, "g"))],
        [part(0, "y"), part(1, "m"), part(2, "d")],
        [valid.fill_null(False).alias(_tmp(out, "ok"))],
        [pl.when(ok).then(safe).alias(out)],
    ]


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# Spec 1.6: a birth date more than 120 years before the peildatum is improbable.
MAX_AGE_YEARS = 120


# ---------------------------------------------------------------------------
# Amounts
# ---------------------------------------------------------------------------

AmountSeparator = Literal[",", ".", "gemengd"]

_AMOUNT_NOISE = "€|euro|eur| "
_INT = r"^[0-9]+$"
# ends in a comma and one or two digits (or the Dutch ",-" for whole euros)
_COMMA_DECIMAL = r"^(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+),(?:[0-9]{1,2}|-{1,2})$"
_DOTS_GROUP_INT = r"^[0-9]{1,3}(?:\.[0-9]{3})+$"
# a dot with one or two digits, or four or more (a number cell), or commas grouping before it
_DOT_DECIMAL = (
    r"^(?:[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]+|[0-9]+\.(?:[0-9]{1,2}|[0-9]{4,})|[0-9]{4,}\.[0-9]{3})$"
)
_COMMAS_GROUP_INT = r"^[0-9]{1,3}(?:,[0-9]{3})+$"
_HAS_SEPARATOR = r"[.,]"
# At most 13 digits of whole euros: far above any arrear, far below Int64 overflow.
MAX_EURO_DIGITS = 13


def _amount_body(value: object) -> tuple[bool, str] | None:
    text = clean_text(value)
    if text is None:
        return None
    compact = re.sub(_AMOUNT_NOISE, "", text.lower())
    negative = compact.startswith("-")
    if compact.startswith(("-", "+")):
        compact = compact[1:]
    return negative, compact


def amount_column_separator(values: Iterable[object]) -> AmountSeparator:
    """Decide a column's decimal separator (spec 1.5).

    Where values end in a comma and one or two digits the comma is the decimal
    separator (dots group thousands); otherwise the dot is. A column with both
    comma decimals and dot decimals fits neither: ``'gemengd'``.
    """
    comma = dot = False
    for value in values:
        body = _amount_body(value)
        if body is None:
            continue
        comma = comma or re.search(_COMMA_DECIMAL, body[1]) is not None
        dot = dot or re.search(_DOT_DECIMAL, body[1]) is not None
    if comma and dot:
        return "gemengd"
    return "," if comma else "."


def _cents(euros: str, fraction: str) -> int | None:
    euros = euros.lstrip("0")
    if len(euros) > MAX_EURO_DIGITS:
        return None
    cents = int(euros or "0") * 100 + int((fraction[:2] + "00")[:2])
    if fraction[2:3] >= "5":
        cents += 1  # number cells may carry more decimals: round half up to a cent
    return cents


def normalise_amount(value: object, separator: AmountSeparator = ".") -> int | None:
    """The amount in cents read with the column's ``separator``; ``None`` when unreadable.

    Accepts ``1234.56``, ``1.234,56``, ``€ 1.234,56``, ``1234,5``, ``50,-`` and
    number cells (``1234.5600000001`` is rounded to a cent). In a dot column a
    dot followed by exactly three digits (``1.234``) is ambiguous and not read;
    in a mixed column only whole numbers are read. Zero and negative amounts
    are returned as such (the check "≤ 0" is the caller's).
    """
    body = _amount_body(value)
    if body is None:
        return None
    negative, text = body
    cents: int | None = None
    if re.search(_INT, text):
        cents = _cents(text, "")
    elif separator == ",":
        if re.search(_COMMA_DECIMAL, text) or re.search(_DOTS_GROUP_INT, text):
            euros, _, fraction = text.replace(".", "").partition(",")
            cents = _cents(euros, fraction.replace("-", "0"))
    elif separator == "." and (re.search(_DOT_DECIMAL, text) or re.search(_COMMAS_GROUP_INT, text)):
        euros, _, fraction = text.replace(",", "").partition(".")
        cents = _cents(euros, fraction)
    if cents is None:
        return None
    return -cents if negative else cents


def amount_problem(value: object, separator: AmountSeparator) -> str | None:
    """Why a non-empty amount is not read: the message variant of ``BEDRAG_ONGELDIG``."""
    body = _amount_body(value)
    if body is None:
        return None
    text = body[1]
    if separator == "gemengd" and re.search(_HAS_SEPARATOR, text) and not re.search(_INT, text):
        return "kolom_gemengd"
    if separator == "." and re.search(_DOTS_GROUP_INT, text):
        return "dubbelzinnig"
    return None


def _amount_body_steps(src: str, out: str) -> Steps:
    compact = pl.col(src).str.to_lowercase().str.replace_all(_AMOUNT_NOISE, "")
    c = pl.col(_tmp(out, "c"))
    return [
        [compact.alias(_tmp(out, "c"))],
        [
            c.str.starts_with("-").alias(_tmp(out, "neg")),
            pl.when(c.str.contains("^[-+]"))
            .then(c.str.slice(1))
            .otherwise(c)
            .alias(_tmp(out, "b")),
        ],
    ]


def amount_evidence(frame: pl.DataFrame | pl.LazyFrame, src: str) -> AmountSeparator:
    """Polars version of :func:`amount_column_separator` for the cleaned column ``src``."""
    lf = frame.lazy().select(src)
    for step in _amount_body_steps(src, "evidence"):
        lf = lf.with_columns(step)
    body = pl.col(_tmp("evidence", "b"))
    comma, dot = (
        lf.select(
            body.str.contains(_COMMA_DECIMAL).any().alias("comma"),
            body.str.contains(_DOT_DECIMAL).any().alias("dot"),
        )
        .collect()
        .row(0)
    )
    if comma and dot:
        return "gemengd"
    return "," if comma else "."


def _cents_steps(euros: pl.Expr, fraction: pl.Expr, out: str) -> Steps:
    e, f = pl.col(_tmp(out, "e")), pl.col(_tmp(out, "f"))
    whole = pl.when(e.str.len_bytes() > 0).then(e).otherwise(pl.lit("0"))
    two = (f + pl.lit("00")).str.slice(0, 2).cast(pl.Int64, strict=False)
    round_up = (f.str.slice(2, 1) >= "5").fill_null(False).cast(pl.Int64)
    cents = whole.cast(pl.Int64, strict=False) * 100 + two + round_up
    return [
        [
            euros.str.strip_chars_start("0").alias(_tmp(out, "e")),
            fraction.alias(_tmp(out, "f")),
        ],
        [pl.when(e.str.len_bytes() <= MAX_EURO_DIGITS).then(cents).alias(_tmp(out, "cents"))],
    ]


def amount_steps(
    src: str, out: str, separator: AmountSeparator, problem: str | None = None
) -> Steps:
    """Polars version of :func:`normalise_amount` (and, into ``problem``, :func:`amount_problem`)."""
    col = pl.col
    body = col(_tmp(out, "b"))
    steps = _amount_body_steps(src, out)
    plain = col(_tmp(out, "plain"))
    is_int = col(_tmp(out, "int"))
    if separator == ",":
        fits = body.str.contains(_COMMA_DECIMAL) | body.str.contains(_DOTS_GROUP_INT)
        stripped = body.str.replace_all(".", "", literal=True)
        fraction = plain.str.extract(r",(.*)$", 1).fill_null("").str.replace_all("-", "0")
    elif separator == ".":
        fits = body.str.contains(_DOT_DECIMAL) | body.str.contains(_COMMAS_GROUP_INT)
        stripped = body.str.replace_all(",", "", literal=True)
        fraction = plain.str.extract(r"\.(.*)$", 1).fill_null("")
    else:
        fits = pl.lit(False)
        stripped = body
        fraction = pl.lit("")
    if problem is None:
        problem_expr = []
    elif separator == "gemengd":
        mixed = body.str.contains(_HAS_SEPARATOR) & ~body.str.contains(_INT)
        problem_expr = [pl.when(mixed).then(pl.lit("kolom_gemengd")).alias(problem)]
    elif separator == ".":
        ambiguous = body.str.contains(_DOTS_GROUP_INT)
        problem_expr = [pl.when(ambiguous).then(pl.lit("dubbelzinnig")).alias(problem)]
    else:
        problem_expr = [pl.lit(None, dtype=pl.String).alias(problem)]
    steps.append(
        [
            body.str.contains(_INT).alias(_tmp(out, "int")),
            fits.alias(_tmp(out, "fits")),
            stripped.alias(_tmp(out, "plain")),
            *problem_expr,
        ]
    )
    euros = pl.when(is_int).then(body).otherwise(plain.str.extract(r"^([0-9]*)", 1))
    fraction = pl.when(is_int).then(pl.lit("")).otherwise(fraction)
    steps += _cents_steps(euros, fraction, out)
    cents = col(_tmp(out, "cents"))
    readable = is_int | col(_tmp(out, "fits"))
    signed = pl.when(col(_tmp(out, "neg"))).then(-cents).otherwise(cents)
    steps.append([pl.when(readable).then(signed).alias(out)])
    return steps


# ---------------------------------------------------------------------------
# Contact details, BSN and the small enumerations
# ---------------------------------------------------------------------------

_PHONE_CHARS = r"^\+?[0-9 ().\-/]+$"


def normalise_phone(value: object) -> str | None:
    """A phone number in E.164 (``'06-12345678'`` → ``'+31612345678'``), or ``None``.

    Dutch numbers: ten digits with the leading 0, nine without it (a number
    cell drops the 0), ``+31``/``0031`` with or without ``(0)``. Other
    countries: ``+`` or ``00`` and 8 to 15 digits.
    """
    text = clean_text(value)
    if text is None or not re.search(_PHONE_CHARS, text):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        number = digits
    elif digits.startswith("00"):
        number = digits[2:]
    elif digits.startswith("0"):
        number = "31" + digits[1:] if len(digits) == 10 else ""
    else:
        number = "31" + digits if len(digits) == 9 else ""
    if number.startswith("310"):
        number = "31" + number[3:]
    if number.startswith("31"):
        ok = len(number) == 11 and number[2] != "0"
    else:
        ok = 8 <= len(number) <= 15 and not number.startswith("0")
    return "+" + number if ok else None


def phone_steps(src: str, out: str) -> Steps:
    """Polars version of :func:`normalise_phone` on the cleaned column ``src``."""
    col = pl.col
    cleaned = col(src)
    digits = col(_tmp(out, "digits"))
    n = digits.str.len_bytes()
    number = (
        pl.when(cleaned.str.starts_with("+"))
        .then(digits)
        .when(digits.str.starts_with("00"))
        .then(digits.str.slice(2))
        .when(digits.str.starts_with("0"))
        .then(pl.when(n == 10).then(pl.lit("31") + digits.str.slice(1)).otherwise(pl.lit("")))
        .otherwise(pl.when(n == 9).then(pl.lit("31") + digits).otherwise(pl.lit("")))
    )
    first = col(_tmp(out, "n1"))
    fixed = (
        pl.when(first.str.starts_with("310"))
        .then(pl.lit("31") + first.str.slice(3))
        .otherwise(first)
    )
    final = col(_tmp(out, "n2"))
    length = final.str.len_bytes()
    ok = (
        pl.when(final.str.starts_with("31"))
        .then((length == 11) & (final.str.slice(2, 1) != "0"))
        .otherwise((length >= 8) & (length <= 15) & ~final.str.starts_with("0"))
    )
    return [
        [
            cleaned.str.replace_all(r"[^0-9]", "").alias(_tmp(out, "digits")),
            cleaned.str.contains(_PHONE_CHARS).alias(_tmp(out, "chars")),
        ],
        [number.alias(_tmp(out, "n1"))],
        [fixed.alias(_tmp(out, "n2"))],
        [pl.when(col(_tmp(out, "chars")) & ok).then(pl.lit("+") + final).alias(out)],
    ]


EMAIL_PATTERN = (
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
EMAIL_MAX_LENGTH = FIELDS_BY_NAME["email"].max_length


def normalise_email(value: object) -> str | None:
    """An e-mail address in lower case, or ``None`` when it is not one (ASCII only, ≤ 254)."""
    text = clean_text(value)
    if text is None:
        return None
    text = text.lower()
    if text.startswith("mailto:"):
        text = text[len("mailto:") :]
    if len(text) > EMAIL_MAX_LENGTH or not re.search(EMAIL_PATTERN, text):
        return None
    return text


def email_steps(src: str, out: str) -> Steps:
    """Polars version of :func:`normalise_email` on the cleaned column ``src``."""
    lower = pl.col(_tmp(out, "lower"))
    text = pl.col(_tmp(out, "text"))
    ok = (text.str.len_chars() <= EMAIL_MAX_LENGTH) & text.str.contains(EMAIL_PATTERN)
    return [
        [pl.col(src).str.to_lowercase().alias(_tmp(out, "lower"))],
        [
            pl.when(lower.str.starts_with("mailto:"))
            .then(lower.str.slice(7))
            .otherwise(lower)
            .alias(_tmp(out, "text"))
        ],
        [pl.when(ok).then(text).alias(out)],
    ]


_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def bsn_valid(value: str) -> bool:
    """The elfproef of a nine-digit BSN (and not all zeros)."""
    if not re.search(r"^[0-9]{9}$", value) or value == "000000000":
        return False
    return sum(int(d) * w for d, w in zip(value, _BSN_WEIGHTS, strict=True)) % 11 == 0


def normalise_bsn(value: object) -> str | None:
    """Nine digits that pass the elfproef (eight get the leading zero back), or ``None``."""
    text = clean_text(value)
    if text is None:
        return None
    digits = re.sub(r"[ .\-]", "", text)
    if not re.search(r"^[0-9]{8,9}$", digits):
        return None
    digits = digits.zfill(9)
    return digits if bsn_valid(digits) else None


def bsn_steps(src: str, out: str) -> Steps:
    """Polars version of :func:`normalise_bsn` on the cleaned column ``src``."""
    digits = pl.col(_tmp(out, "digits"))
    padded = pl.col(_tmp(out, "padded"))
    total = pl.sum_horizontal(
        [
            padded.str.slice(i, 1).cast(pl.Int64, strict=False) * weight
            for i, weight in enumerate(_BSN_WEIGHTS)
        ]
    )
    ok = pl.col(_tmp(out, "shaped")) & (total % 11 == 0) & (padded != "000000000")
    return [
        [pl.col(src).str.replace_all(r"[ .\-]", "").alias(_tmp(out, "digits"))],
        [
            digits.str.contains(r"^[0-9]{8,9}$").alias(_tmp(out, "shaped")),
            digits.str.zfill(9).alias(_tmp(out, "padded")),
        ],
        [pl.when(ok).then(padded).alias(out)],
    ]


GENDERS = {"m": "M", "man": "M", "v": "V", "vrouw": "V", "x": "X", "o": "O", "onbekend": "O"}
TRUE_WORDS = ("ja", "j", "true", "1", "x")
FALSE_WORDS = ("nee", "n", "false", "0")


def normalise_gender(value: object) -> str | None:
    text = clean_text(value)
    return GENDERS.get(text.lower()) if text else None


def normalise_bool(value: object) -> bool | None:
    """ja/nee, j/n, true/false, 1/0, x (spec 1.5). Empty is ``False``, anything else ``None``."""
    text = clean_text(value)
    if text is None:
        return False
    text = text.lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def _enum_key(value: str) -> str:
    key = value.lower().replace("\u00eb", "e")
    return re.sub("[ -]+", "_", key)


def normalise_crisis_reason(value: object) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    key = _enum_key(text)
    return key if key in CrisisReden.values else None


def normalise_status(value: object) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    key = text.lower()
    return key if key in MutatieStatus.values else None


def normalise_count(value: object) -> int | None:
    """``aantal_termijnen``: a whole number ≥ 0 (``3`` or a number cell ``3.0``)."""
    text = clean_text(value)
    if text is None or not re.search(r"^[0-9]{1,9}(?:\.0+)?$", text):
        return None
    return int(text.partition(".")[0])


def gender_expr(cleaned: pl.Expr) -> pl.Expr:
    return cleaned.str.to_lowercase().replace_strict(GENDERS, default=None, return_dtype=pl.String)


def bool_expr(cleaned: pl.Expr) -> pl.Expr:
    lower = cleaned.str.to_lowercase()
    return (
        pl.when(cleaned.is_null())
        .then(False)
        .when(lower.is_in(TRUE_WORDS))
        .then(True)
        .when(lower.is_in(FALSE_WORDS))
        .then(False)
    )


def crisis_reason_expr(cleaned: pl.Expr) -> pl.Expr:
    key = cleaned.str.to_lowercase().str.replace_all("\u00eb", "e").str.replace_all("[ -]+", "_")
    return pl.when(key.is_in(CrisisReden.values)).then(key)


def status_expr(cleaned: pl.Expr) -> pl.Expr:
    key = cleaned.str.to_lowercase()
    return pl.when(key.is_in(MutatieStatus.values)).then(key)


def count_expr(cleaned: pl.Expr) -> pl.Expr:
    ok = cleaned.str.contains(r"^[0-9]{1,9}(?:\.0+)?$")
    return pl.when(ok).then(cleaned.str.extract(r"^([0-9]+)", 1).cast(pl.Int64))


# ---------------------------------------------------------------------------
# Postcode and house number (normal form from registry.addressing)
# ---------------------------------------------------------------------------

_NON_ASCII = r"[^\x00-\x7F]"


def normalise_postcode(value: object) -> str | None:
    """``'1234 ab'`` → ``'1234AB'`` (see :mod:`vroegsignaal.registry.addressing`)."""
    text = clean_text(value)
    if text is None or re.search(_NON_ASCII, text):
        return None
    return addressing.normalise_postcode(text)


def postcode_steps(src: str, out: str) -> Steps:
    """Polars version of :func:`normalise_postcode` on the cleaned column ``src``."""
    cleaned = pl.col(src)
    return [
        [
            pl.when(~cleaned.str.contains(_NON_ASCII))
            .then(addressing.postcode_expr(cleaned))
            .alias(out)
        ]
    ]


def _ascii(text: str | None) -> str | None:
    return re.sub(_NON_ASCII, "", text) if text is not None else None


def normalise_house_number(
    huisnummer: object, huisletter: object = None, toevoeging: object = None
) -> tuple[int, str, str] | None:
    """(number, huisletter, toevoeging) from the house number and the optional separate fields.

    A letter or addition written in the huisnummer (``12-a``, ``12 hs``) is
    used unless the separate ``huisletter`` or ``huisnummertoevoeging`` is
    filled; a filled separate field wins for its own part. Characters outside
    ASCII are dropped first (the register's normal form is ASCII). ``None``
    when no number 1–99999 can be read.
    """
    parsed = addressing.parse_house_number(_ascii(clean_text(huisnummer)))
    if parsed is None:
        return None
    number, letter, addition = parsed
    given_letter = _ascii(clean_text(huisletter))
    given_addition = _ascii(clean_text(toevoeging))
    if given_letter:
        letter, extra = addressing.split_addition(given_letter)
        if extra and not given_addition:
            addition = extra
    if given_addition:
        addition = re.sub(r"[^A-Z0-9]", "", given_addition.upper())[:4]
    return number, letter, addition


def house_number_steps(
    huisnummer: str, huisletter: str, toevoeging: str, out: tuple[str, str, str]
) -> Steps:
    """Polars version of :func:`normalise_house_number` on cleaned columns.

    ``out`` names the (number, huisletter, toevoeging) columns.
    """
    col = pl.col
    out_number, out_letter, out_addition = out

    def t(part: str) -> str:
        return _tmp(out_number, part)

    number, letter, addition = addressing.house_number_exprs(col(t("nr")))
    split_letter, split_extra = addressing.addition_exprs(col(t("hl")))
    has_letter = col(t("hl")).str.len_bytes().fill_null(0) > 0
    given_addition = col(t("tv"))
    has_addition = given_addition.str.len_bytes().fill_null(0) > 0
    final_letter = pl.when(has_letter).then(col(t("split_letter"))).otherwise(col(t("letter")))
    final_addition = (
        pl.when(has_addition)
        .then(given_addition.str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "").str.slice(0, 4))
        .when(has_letter & (col(t("split_extra")).str.len_bytes() > 0))
        .then(col(t("split_extra")))
        .otherwise(col(t("addition")))
    )
    valid = col(out_number).is_not_null()
    return [
        [
            col(huisnummer).str.replace_all(_NON_ASCII, "").alias(t("nr")),
            col(huisletter).str.replace_all(_NON_ASCII, "").alias(t("hl")),
            col(toevoeging).str.replace_all(_NON_ASCII, "").alias(t("tv")),
        ],
        [
            number.alias(out_number),
            letter.alias(t("letter")),
            addition.alias(t("addition")),
            split_letter.alias(t("split_letter")),
            split_extra.alias(t("split_extra")),
        ],
        [final_letter.alias(t("l2")), final_addition.alias(t("a2"))],
        [
            pl.when(valid).then(col(t("l2"))).alias(out_letter),
            pl.when(valid).then(col(t("a2"))).alias(out_addition),
        ],
    ]


# ---------------------------------------------------------------------------
# The whole delivery
# ---------------------------------------------------------------------------

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
    """A finding about a whole column (not personal data), for the delivery report."""

    veld: str
    code: Code
    melding: str


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


def _merge(*steps: Steps) -> Steps:
    """Run several normalisers' steps side by side (step *i* of each together)."""
    depth = max((len(s) for s in steps), default=0)
    return [[e for s in steps if i < len(s) for e in s[i]] for i in range(depth)]


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
    del cleaned
    result_table, issues = _apply_checks(table, checks)
    return NormalisedDelivery(
        table=result_table, issues=issues, amount_separator=separator, notes=notes
    )


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

    for key in ("klantnummer", "contractnummer", "signaal_id"):
        checks.append(Check(Code.VERPLICHT_VELD_LEEG, key, too_long(key), pl.lit("te_lang")))
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
        texts = {
            (v or ""): message(check.code, check.veld, v, maximum=_max_for(check.veld))
            for v in hits.get_column("_variant").unique().to_list()
        }
        parts.append(
            hits.select(
                "_row",
                pl.lit(i, dtype=pl.Int32).alias("_order"),
                pl.col(ROW_NUMBER),
                pl.col("klantnummer").str.slice(0, _ISSUE_KEY_LENGTH),
                pl.lit(check.veld).alias("veld"),
                pl.lit(str(check.code)).alias("code"),
                pl.col("_variant")
                .fill_null("")
                .replace_strict(texts, return_dtype=pl.String)
                .alias("melding"),
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


def _max_for(veld: str) -> int | str:
    spec = FIELDS_BY_NAME.get(veld)
    return spec.max_length if spec and spec.max_length else ""

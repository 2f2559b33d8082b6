"""Names: voorletters, tussenvoegsel and achternaam in their normal form (spec 1.5).

Initials are written ``J.P.`` (from the voorletters, else from the voornamen),
a tussenvoegsel is spelled out in lower case (``v.d.`` becomes ``van der``),
and a tussenvoegsel delivered as part of the surname is split off it.
"""

from __future__ import annotations

import re

import polars as pl

from .fields import FIELDS_BY_NAME
from .normalise_steps import Steps, _merge, _tmp
from .normalise_text import clean_text, clean_text_expr

# Latin letters with their accented forms (Latin-1 Supplement, Extended-A and -B).
LETTERS = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_LETTER_RUN_RE = re.compile(f"[{LETTERS}]+")
_NOT_LETTER_RE = re.compile(f"[^{LETTERS}]")
_FIRST_LETTER_RE = re.compile(f"[{LETTERS}]")


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

"""Running the column versions of the normalisers as *steps*.

Polars evaluates a sub-expression again wherever it occurs in a when/then
tree, so each vectorised normaliser is written as steps: lists of aliased
expressions, each list computed together (in parallel across columns), later
lists reading the columns of earlier ones. Intermediate columns are named
``__<output>_<part>`` and dropped by :func:`run_steps`.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from .normalise_text import clean_text_expr

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


def _merge(*steps: Steps) -> Steps:
    """Run several normalisers' steps side by side (step *i* of each together)."""
    depth = max((len(s) for s in steps), default=0)
    return [[e for s in steps if i < len(s) for e in s[i]] for i in range(depth)]

"""Numbers written as a Dutch reader writes them, for messages, pages and command output.

One place for it: Python's own grouping (``f"{n:,}"``) writes the English comma, and a copy of
the fix in every module drifted (some wrote ``1,000``). Pure Python, so the world generator and
the commands that run before Django is set up can use it too.
"""

from __future__ import annotations


def thousands(number: int) -> str:
    """``1000000`` → ``1.000.000``: the Dutch group separator is a dot."""
    return f"{number:,}".replace(",", ".")

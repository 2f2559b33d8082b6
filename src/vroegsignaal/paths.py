"""A file or folder the operator names on the command line: what is wrong with it, in Dutch.

The operating system says it in English (``No such file or directory``); the commands say it in
Dutch, naming the path, and never show a traceback for it. Pure Python: the world generator, which
runs without Django, uses it too.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# What the operating system's errors mean for the operator (errno → the reason, in Dutch).
REASONS = {
    errno.ENOENT: "bestaat niet",
    errno.ENOTDIR: "een deel van het pad is geen map",
    errno.EISDIR: "is een map",
    errno.EACCES: "geen toegang (bestandsrechten)",
    errno.EPERM: "geen toegang (bestandsrechten)",
    errno.ENAMETOOLONG: "de naam is te lang",
    errno.ELOOP: "te veel symbolische koppelingen",
    errno.EEXIST: "bestaat al",
    errno.ENOSPC: "de schijf is vol",
    errno.EDQUOT: "het schijfquotum is op",
    errno.EROFS: "het bestandssysteem is alleen-lezen",
    errno.EBUSY: "is in gebruik",
    errno.ETXTBSY: "is in gebruik",
    errno.EINVAL: "is geen geldige naam",
}
SHOWN_LENGTH = 120  # a path longer than this is shortened in a message


def reason(error: OSError) -> str:
    """Why the operating system refused, in Dutch (the error's code when it is an unusual one)."""
    if error.errno in REASONS:
        return REASONS[error.errno]
    code = errno.errorcode.get(error.errno) if error.errno is not None else None
    return f"systeemfout {code or type(error).__name__}"


def shown(path: str | Path) -> str:
    """A path (or another value typed) as a message names it: shortened in the middle when very long."""
    text = str(path)
    if len(text) <= SHOWN_LENGTH:
        return text
    return f"{text[: SHOWN_LENGTH // 2]}…{text[-SHOWN_LENGTH // 3 :]} ({len(text)} tekens)"


def input_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be read as the file to work on, or ``None``: it is a readable regular file."""
    path = Path(path)
    if str(path) in ("", "."):
        return "Geef een bestand op."
    try:
        mode = path.stat().st_mode
    except OSError as error:
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            return f"Het bestand {shown(path)} bestaat niet."
        return f"Het bestand {shown(path)} kan niet worden gelezen: {reason(error)}."
    if stat.S_ISDIR(mode):
        return f"{shown(path)} is een map; geef het bestand zelf op."
    if not stat.S_ISREG(mode):
        return f"{shown(path)} is geen gewoon bestand (maar bijvoorbeeld een apparaat of een pijp); geef een bestand op."
    try:
        with path.open("rb"):
            pass
    except OSError as error:
        return f"Het bestand {shown(path)} kan niet worden gelezen: {reason(error)}."
    return None


def output_problem(path: str | Path) -> str | None:
    """Why a file cannot be written at ``path``, or ``None``: its folder is there (whether the
    writing itself succeeds shows when it is done: :func:`reason` says why not)."""
    path = Path(path)
    if str(path) in ("", "."):
        return "Geef de naam van het bestand op."
    try:
        if path.is_dir():
            return f"{shown(path)} is een map; geef de naam van het bestand op."
        if not path.parent.is_dir():
            if path.parent.exists():
                return f"{shown(path.parent)} is geen map."
            return f"De map {shown(path.parent)} bestaat niet."
        if not os.access(
            path.parent, os.W_OK | os.X_OK, effective_ids=os.access in os.supports_effective_ids
        ):
            return f"Kan {shown(path)} niet schrijven: geen toegang tot de map (bestandsrechten)."
    except OSError as error:
        return f"Kan {shown(path)} niet schrijven: {reason(error)}."
    return None

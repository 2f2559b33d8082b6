"""Files that hold personal data, sealed or not: new, and readable by this system's user only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO


def open_private(path: Path) -> IO[bytes]:
    """Create ``path`` with mode 0600 and open it for writing; an existing file is an error.

    Created with its mode at once (never world-readable for a moment), and never
    one that is already there (no following a planted link).
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")

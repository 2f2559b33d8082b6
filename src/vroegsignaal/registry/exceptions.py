"""The one error the register's imports raise."""

from __future__ import annotations


class RegistryImportError(Exception):
    """A register file that is refused as a whole; nothing was changed.

    The messages are Dutch and not translated: they are the import commands' output.

    ``str(error)`` is the first problem in Dutch (``"Regel 17: postcode 'ABCD'
    is ongeldig."``), followed by how many more there are; ``errors`` lists the
    first problems one by one and ``error_count`` counts them all.
    """

    MAX_LISTED = 20

    def __init__(self, errors: str | list[str], *, error_count: int | None = None):
        self.errors = [errors] if isinstance(errors, str) else list(errors)[: self.MAX_LISTED]
        self.error_count = error_count if error_count is not None else len(self.errors)
        message = self.errors[0] if self.errors else "Het bestand is geweigerd."
        more = self.error_count - 1
        if more > 0:
            message += f" Het bestand bevat nog {more} andere {'fout' if more == 1 else 'fouten'}."
        super().__init__(message)

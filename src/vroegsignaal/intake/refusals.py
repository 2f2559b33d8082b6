"""Refusing a whole delivery (spec 1.6): :class:`DeliveryRefused`.

Reading, evaluating and previewing a delivery raise and catch this one
exception; the helpers here build the refusals that every reader of a file
needs (unreadable, empty) and write a size limit as the message gives it.
"""

from __future__ import annotations

from .codes import Code, message


class DeliveryRefused(Exception):
    """A whole delivery is refused (spec 1.6); nothing of it may be applied.

    ``code`` is a :class:`~vroegsignaal.intake.codes.Code`, ``message`` its
    Dutch text without personal data; ``missing_columns`` is filled for
    ``KOLOM_ONTBREEKT``. ``peildatum`` and ``soort`` are a JSON body's, as far as
    it was read: the refused delivery keeps them. ``more_codes``: a refusal for
    more than one reason at once (a JSON body whose peildatum and soort both
    differ from the ones given) carries a code for each, :attr:`codes`.
    """

    def __init__(
        self,
        code: Code,
        message_text: str,
        *,
        missing_columns: tuple[str, ...] = (),
        more_codes: tuple[Code, ...] = (),
    ):
        super().__init__(message_text)
        self.code = Code(code)
        self.more_codes = tuple(Code(c) for c in more_codes)
        self.message = message_text
        self.missing_columns = missing_columns
        self.peildatum: str | None = None
        self.soort: str | None = None
        # KOLOM_ONTBREEKT: the headers that were recognised (field → header) and those that were
        # not, as they may be shown (never a header that may be a value: unknown_columns) and as
        # the upload page may offer them for the column mapping (mappable_columns).
        self.columns: dict[str, str] = {}
        self.unknown_columns: list[str] = []
        self.mappable_columns: list[str] = []
        # KOLOM_ONTBREEKT whose file has no header a column mapping could name: the first line
        # is data (no column names), or the names are further down (a title above them). The
        # upload page then offers another file, not the mapping.
        self.mapping_can_help = True

    @property
    def codes(self) -> list[str]:
        """The refusal's codes as the report keeps them (``weigering.codes``)."""
        return [str(code) for code in (self.code, *self.more_codes)]

    def __repr__(self) -> str:
        return f"DeliveryRefused({self.code!s}, {self.message!r})"


def _unreadable(reason: str) -> DeliveryRefused:
    return DeliveryRefused(
        Code.BESTAND_ONLEESBAAR, message(Code.BESTAND_ONLEESBAAR, variant="reden", reden=reason)
    )


def _empty() -> DeliveryRefused:
    return DeliveryRefused(Code.BESTAND_LEEG, message(Code.BESTAND_LEEG))


def _human_size(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            text = f"{value:.0f}" if value.is_integer() else f"{value:.1f}".replace(".", ",")
            return f"{text} {unit}"
    return f"{n} bytes"

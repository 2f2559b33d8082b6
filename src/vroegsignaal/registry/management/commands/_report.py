"""What the register's import commands print, in Dutch."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vroegsignaal.registry.services import ImportResult, RegistryImportError


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _s(seconds: float) -> str:
    return f"{seconds:.1f}".replace(".", ",")


def _municipalities(codes: list[str]) -> str:
    """'gemeente 0363' or 'gemeenten 0363, 0599'."""
    return ngettext("gemeente %(codes)s", "gemeenten %(codes)s", len(codes)) % {"codes": ", ".join(codes)}


def refusal(file: str, exc: RegistryImportError) -> str:
    lines = [_("%(file)s is geweigerd; er is niets ingelezen.") % {"file": file}]
    lines += [f"  {message}" for message in exc.errors]
    hidden = exc.error_count - len(exc.errors)
    if hidden > 0:
        lines.append("  " + _("… en nog %(count)s fouten.") % {"count": _n(hidden)})
    return "\n".join(lines)


def address_report(file: str, result: ImportResult) -> str:
    lines = [
        _("%(file)s ingelezen in %(seconds)s s: %(rows)s regels, %(municipalities)s.")
        % {
            "file": file,
            "seconds": _s(result.seconds),
            "rows": _n(result.rows),
            "municipalities": _municipalities(list(result.municipalities)),
        },
        _("  %(created)s nieuw, %(updated)s bijgewerkt, %(unchanged)s ongewijzigd.")
        % {
            "created": _n(result.created),
            "updated": _n(result.updated),
            "unchanged": _n(result.unchanged),
        },
        _("  %(with)s in een buurt, %(without)s zonder buurt.")
        % {"with": _n(result.with_buurt), "without": _n(result.without_buurt)},
    ]
    if result.duplicates:
        lines.append(
            _(
                "  %(count)s dubbele regels overgeslagen (hetzelfde adres stond al eerder in het bestand)."
            )
            % {"count": _n(result.duplicates)}
        )
    return "\n".join(lines)


def neighbourhood_report(file: str, result: ImportResult) -> str:
    return "\n".join(
        [
            _(
                "%(file)s ingelezen in %(seconds)s s: %(wijken)s wijken en %(buurten)s buurten, %(municipalities)s."
            )
            % {
                "file": file,
                "seconds": _s(result.seconds),
                "wijken": _n(result.wijken),
                "buurten": _n(result.buurten),
                "municipalities": _municipalities(list(result.municipalities)),
            },
            _("  %(created)s nieuw, %(updated)s bijgewerkt, %(unchanged)s ongewijzigd.")
            % {
                "created": _n(result.created),
                "updated": _n(result.updated),
                "unchanged": _n(result.unchanged),
            },
            _("  %(count)s adressen opnieuw in een buurt geplaatst.")
            % {"count": _n(result.addresses_relinked)},
        ]
    )

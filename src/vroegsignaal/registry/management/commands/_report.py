"""What the register's import commands print, in Dutch (command output is not translated)."""

from __future__ import annotations

from vroegsignaal.formats import thousands
from vroegsignaal.paths import shown
from vroegsignaal.registry.services import ImportResult, RegistryImportError


def _count(number: int, one: str, many: str) -> str:
    """'1 wijk', '2 wijken', '1.234 regels'."""
    return f"{thousands(number)} {one if number == 1 else many}"


def _s(seconds: float) -> str:
    return f"{seconds:.1f}".replace(".", ",")


def _municipalities(codes: list[str]) -> str:
    """'gemeente 0363' or 'gemeenten 0363, 0599'."""
    return f"{'gemeente' if len(codes) == 1 else 'gemeenten'} {', '.join(codes)}"


def refusal(file: str, exc: RegistryImportError) -> str:
    lines = [f"{shown(file)} is geweigerd; er is niets ingelezen."]
    lines += [f"  {message}" for message in exc.errors]
    hidden = exc.error_count - len(exc.errors)
    if hidden > 0:
        lines.append(f"  … en nog {thousands(hidden)} fouten.")
    return "\n".join(lines)


def address_report(file: str, result: ImportResult) -> str:
    lines = [
        f"{file} ingelezen in {_s(result.seconds)} s: {_count(result.rows, 'regel', 'regels')}, {_municipalities(list(result.municipalities))}.",
        f"  {thousands(result.created)} nieuw, {thousands(result.updated)} bijgewerkt, {thousands(result.unchanged)} ongewijzigd.",
        f"  {thousands(result.with_buurt)} in een buurt, {thousands(result.without_buurt)} zonder buurt.",
    ]
    if result.duplicates:
        lines.append(
            f"  {thousands(result.duplicates)} dubbele regels overgeslagen (hetzelfde adres stond al eerder in het bestand)."
        )
    return "\n".join(lines)


def neighbourhood_report(file: str, result: ImportResult) -> str:
    return "\n".join(
        [
            f"{file} ingelezen in {_s(result.seconds)} s: {_count(result.wijken, 'wijk', 'wijken')} en {_count(result.buurten, 'buurt', 'buurten')}, {_municipalities(list(result.municipalities))}.",
            f"  {thousands(result.created)} nieuw, {thousands(result.updated)} bijgewerkt, {thousands(result.unchanged)} ongewijzigd.",
            f"  {_count(result.addresses_relinked, 'adres', 'adressen')} opnieuw in een buurt geplaatst.",
        ]
    )

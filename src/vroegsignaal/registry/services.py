"""The address register's public face: importing addresses and neighbourhoods.

Both imports read and check the whole file first and write nothing unless all
of it is right; the writing happens in one transaction, in bulk (see
``bulk.py``). A refused file raises :class:`RegistryImportError` with a Dutch
message that names the line (addresses) or the object (neighbourhoods).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
import polars as pl
from django.db import transaction
from django.dispatch import Signal

from vroegsignaal.formats import thousands
from vroegsignaal.organisations.models import Municipality
from vroegsignaal.paths import input_problem, reason, shown

from . import bulk, geo, selectors
from .address_file import parse_address_file
from .exceptions import RegistryImportError
from .models import Address, Neighbourhood
from .neighbourhood_file import NeighbourhoodRecord, parse_neighbourhood_file

__all__ = [
    "ImportResult",
    "RegistryImportError",
    "addresses_placed",
    "assign_buurten",
    "import_addresses",
    "import_neighbourhoods",
]


# Sent inside the import's transaction, with ``municipality_ids``, after addresses of those
# municipalities were created or moved to another buurt. Apps that keep an address's buurt
# next to their own rows (signals, for the tray filter) follow it; the register knows nothing
# of them.
addresses_placed = Signal()


@dataclass(frozen=True)
class ImportResult:
    """What an import did. Counts are of register rows (addresses, or wijken + buurten)."""

    rows: int  # records in the file: address lines, or GeoJSON features
    created: int
    updated: int
    unchanged: int
    duplicates: int = 0  # address lines skipped: the same address came earlier in the file
    with_buurt: int = 0  # addresses of the file that lie in a known buurt
    without_buurt: int = 0
    wijken: int = 0  # neighbourhoods: wijken in (or implied by) the file
    buurten: int = 0
    addresses_relinked: int = 0  # addresses whose buurt changed through this import
    municipalities: tuple[str, ...] = ()  # CBS codes of the municipalities in the file
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict, compare=False)


def import_addresses(path: str | Path, *, stdout: TextIO | None = None) -> ImportResult:
    """Import (or re-import) an address register CSV, spec section 2.

    Each address gets its buurt from the file's ``buurtcode``, else from its
    coordinates in the buurten already imported for its municipality. Existing
    addresses are updated in place; addresses absent from the file are kept.
    """
    clock = _Clock(stdout)
    data = _read(path)
    parsed = parse_address_file(data, selectors.municipality_frame(), selectors.buurt_code_frame())
    del data
    clock.lap(
        "lezen",
        f"{thousands(parsed.rows)} {'regel' if parsed.rows == 1 else 'regels'} gelezen en gecontroleerd",
    )

    frame = parsed.frame
    municipality_ids = frame.get_column("municipality_id").unique().to_list()
    outlines = selectors.buurt_outlines(municipality_ids)
    frame = frame.with_columns(buurt_id=_buurt_ids(frame, outlines))
    clock.lap("buurten", "buurten bepaald")

    with transaction.atomic():
        created, updated = bulk.upsert_addresses(frame)
        if created or updated:
            addresses_placed.send(sender=Address, municipality_ids=sorted(municipality_ids))
    clock.lap("schrijven", "adressen opgeslagen")

    with_buurt = frame.get_column("buurt_id").is_not_null().sum()
    codes = (
        Municipality.objects.filter(id__in=municipality_ids)
        .order_by("code")
        .values_list("code", flat=True)
    )
    return ImportResult(
        rows=parsed.rows,
        created=created,
        updated=updated,
        unchanged=frame.height - created - updated,
        duplicates=parsed.duplicates,
        with_buurt=with_buurt,
        without_buurt=frame.height - with_buurt,
        municipalities=tuple(codes),
        seconds=clock.total(),
        timings=clock.laps,
    )


def import_neighbourhoods(path: str | Path, *, stdout: TextIO | None = None) -> ImportResult:
    """Import (or re-import) a CBS wijk/buurt GeoJSON FeatureCollection, spec section 2.

    Upserts by code; a buurt file also creates its wijken (outline = union of
    their buurten). Afterwards the addresses of those municipalities are placed
    in their buurt again: by their own buurtcode, else by their coordinates.
    """
    clock = _Clock(stdout)
    parsed = parse_neighbourhood_file(_read(path))
    objects = len(parsed.wijken) + len(parsed.buurten)
    clock.lap(
        "lezen",
        f"{thousands(objects)} {'object' if objects == 1 else 'objecten'} gelezen",
    )
    municipality_ids = _municipalities_of(parsed.wijken + parsed.buurten)

    with transaction.atomic():
        created, updated, unchanged = _upsert_neighbourhoods(parsed.wijken, municipality_ids, {})
        wijk_ids = _ids_by_code([w.code for w in parsed.wijken])
        counts = _upsert_neighbourhoods(parsed.buurten, municipality_ids, wijk_ids)
        created, updated, unchanged = (
            created + counts[0],
            updated + counts[1],
            unchanged + counts[2],
        )
        clock.lap("schrijven", "wijken en buurten opgeslagen")
        relinked = assign_buurten(set(municipality_ids.values()))
    clock.lap(
        "adressen",
        f"{thousands(relinked)} {'adres' if relinked == 1 else 'adressen'} opnieuw in een buurt geplaatst",
    )

    return ImportResult(
        rows=sum(not r.derived for r in parsed.wijken + parsed.buurten),
        created=created,
        updated=updated,
        unchanged=unchanged,
        wijken=len(parsed.wijken),
        buurten=len(parsed.buurten),
        addresses_relinked=relinked,
        municipalities=tuple(sorted(municipality_ids)),
        seconds=clock.total(),
        timings=clock.laps,
    )


def assign_buurten(municipality_ids: set[int] | list[int]) -> int:
    """Place the addresses of these municipalities in their buurt again; returns how many changed.

    An address with a buurtcode from its register file goes to that buurt (or
    none, while it is not imported); one without, by its coordinates. Runs a
    few municipalities at a time, so that a national file stays within memory.
    """
    ids = sorted(set(municipality_ids))
    changed = 0
    with transaction.atomic():
        for start in range(0, len(ids), MUNICIPALITIES_PER_PASS):
            changed += _assign_buurten(ids[start : start + MUNICIPALITIES_PER_PASS])
        if changed:
            addresses_placed.send(sender=Address, municipality_ids=ids)
    return changed


MUNICIPALITIES_PER_PASS = 10
_ADDRESS_PLACE_SCHEMA = {
    "id": pl.Int64,
    "municipality_id": pl.Int64,
    "buurtcode": pl.Utf8,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
    "buurt_id": pl.Int64,
}


def _assign_buurten(ids: list[int]) -> int:
    table = Address._meta.db_table
    placeholders = ", ".join(["%s"] * len(ids))
    addresses = bulk.read_frame(
        f"SELECT id, municipality_id, buurtcode, latitude, longitude, buurt_id FROM {table} "  # noqa: S608
        f"WHERE municipality_id IN ({placeholders})",
        ids,
        _ADDRESS_PLACE_SCHEMA,
    )
    if addresses.is_empty():
        return 0
    outlines = selectors.buurt_outlines(ids)
    addresses = addresses.with_columns(new_buurt_id=_buurt_ids(addresses, outlines))
    changes = addresses.filter(pl.col("buurt_id").ne_missing(pl.col("new_buurt_id"))).select(
        "id", pl.col("new_buurt_id").alias("buurt_id")
    )
    return bulk.set_buurten(changes)


# --- buurt of an address -----------------------------------------------------------------


def _buurt_ids(frame: pl.DataFrame, outlines: selectors.BuurtOutlines) -> pl.Series:
    """Buurt id per address: by buurtcode where given, else by coordinates (point-in-polygon)."""
    by_code = frame.select("buurtcode").join(
        outlines.code_frame().select("buurtcode", "buurt_id"),
        on="buurtcode",
        how="left",
        maintain_order="left",
    )
    buurt = by_code.get_column("buurt_id").to_numpy().astype(float)  # NaN where none

    located = (
        frame.select(
            (pl.col("buurtcode") == "")
            & pl.col("latitude").is_not_null()
            & pl.col("longitude").is_not_null()
        )
        .to_series()
        .to_numpy()
    )
    if located.any():
        rows = np.flatnonzero(located)
        found = geo.locate_points(
            frame.get_column("longitude").to_numpy()[rows],
            frame.get_column("latitude").to_numpy()[rows],
            frame.get_column("municipality_id").to_numpy()[rows],
            outlines.shapes,
            outlines.ids,
            outlines.municipality_ids,
        )
        buurt[rows] = np.where(found >= 0, found, np.nan)
    return pl.Series("buurt_id", buurt, dtype=pl.Float64, nan_to_null=True).cast(pl.Int64)


# --- neighbourhoods ------------------------------------------------------------------------


def _municipalities_of(records: list[NeighbourhoodRecord]) -> dict[str, int]:
    codes = sorted({r.municipality_code for r in records})
    known = dict(Municipality.objects.filter(code__in=codes).values_list("code", "id"))
    unknown = [code for code in codes if code not in known]
    if unknown:
        first = {code: next(r for r in records if r.municipality_code == code) for code in unknown}
        messages = []
        for code, record in sorted(first.items(), key=lambda item: item[1].feature):
            named = (
                f"GM{code} ({record.municipality_name})"
                if record.municipality_name
                else f"GM{code}"
            )
            messages.append(
                f"Object {record.feature} ({record.code}): gemeente {named} is onbekend; voeg de gemeente eerst toe."
            )
        raise RegistryImportError(messages, error_count=len(messages))
    return known


def _upsert_neighbourhoods(
    records: list[NeighbourhoodRecord], municipality_ids: dict[str, int], wijk_ids: dict[str, int]
) -> tuple[int, int, int]:
    """Create or update these neighbourhoods by code; returns (created, updated, unchanged)."""
    if not records:
        return 0, 0, 0
    fields = ["name", "kind", "wijk_id", "municipality_id", "geometry", "inhabitants", "households"]
    existing: dict[str, dict] = {}
    codes = [r.code for r in records]
    for start in range(0, len(codes), 500):
        for row in Neighbourhood.objects.filter(code__in=codes[start : start + 500]).values(
            "code", *fields
        ):
            existing[row["code"]] = row

    to_write, created, updated = [], 0, 0
    for record in records:
        old = existing.get(record.code)
        new = {
            "name": record.name or (old["name"] if old else record.code),
            "kind": record.kind,
            "wijk_id": wijk_ids.get(record.wijk_code) if record.wijk_code else None,
            "municipality_id": municipality_ids[record.municipality_code],
            "geometry": geo.to_geojson_dict(record.geometry),
            "inhabitants": record.inhabitants,
            "households": record.households,
        }
        if old and record.derived:
            # A wijk implied by a buurt file keeps what the buurten cannot tell.
            for name in ("geometry", "inhabitants", "households"):
                if new[name] is None:
                    new[name] = old[name]
        if old and all(old[name] == new[name] for name in fields):
            continue
        created += old is None
        updated += old is not None
        to_write.append(Neighbourhood(code=record.code, **new))
    if to_write:
        Neighbourhood.objects.bulk_create(
            to_write,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=fields,
            batch_size=500,
        )
    return created, updated, len(records) - created - updated


def _ids_by_code(codes: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        ids.update(Neighbourhood.objects.filter(code__in=chunk).values_list("code", "id"))
    return ids


# --- small helpers -------------------------------------------------------------------------


def _read(path: str | Path) -> bytes:
    # Only a readable regular file: a device or a pipe (/dev/zero) would be read without end.
    if problem := input_problem(path):
        raise RegistryImportError(problem)
    try:
        return Path(path).read_bytes()
    except OSError as error:  # gone or unreadable since the check
        raise RegistryImportError(
            f"Het bestand {shown(path)} kan niet worden gelezen: {reason(error)}."
        )


class _Clock:
    """Times the steps of an import and, when given a stream, says what was done."""

    def __init__(self, stdout: TextIO | None):
        self.stdout = stdout
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str, message: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now
        if self.stdout is not None:
            seconds = f"{self.laps[name]:.1f}".replace(".", ",")
            self.stdout.write(f"{message} ({seconds} s)\n")

    def total(self) -> float:
        return time.perf_counter() - self.start

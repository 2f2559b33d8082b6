"""Malformed extra deliveries of the ``hostile`` noise level.

Each is an extra file next to a creditor's regular delivery of the same
peildatum, delivered *before* it (the name sorts first: ``<peildatum>.0-<kind>``)
— except the duplicate, delivered after the original (``<peildatum>.z-dubbel``).
Each must be refused whole with the code in ``verwachte_weigering`` and change
nothing, so the ground truth is the same as without them.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from .ids import rng
from .writers import sha256_of

FUTURE_PEILDATUM = "2099-01-01"

# kind → (creditor, expected refusal, extension or None for the creditor's own)
KINDS = (
    ("afgekapt", "WATERMIDDEN", "BESTAND_ONLEESBAAR"),
    ("verkeerde_codering", "POLDERZORG", "BESTAND_ONLEESBAAR"),
    ("kolom_ontbreekt", "DELINDE", "KOLOM_ONTBREEKT"),
    ("alleen_kop", "ENERGIENOORD", "BESTAND_LEEG"),
    ("leeg", "WOONTHUIS", "BESTAND_LEEG"),
    ("kapotte_xlsx", "WOONBRUG", "BESTAND_ONLEESBAAR"),
    ("peildatum_toekomst", "TELPOLDER", "PEILDATUM_ONGELDIG"),
    ("te_veel_fouten", "LAGELANDEN", "TE_VEEL_FOUTEN"),
    ("dubbel", "ZORGZAAM", "LEVERING_DUBBEL"),
)


def add_malformed(world, reports: list[dict]) -> list[dict]:
    """Write the malformed files and put their reports in delivery order."""
    r = rng(world.seed, "hostile")
    months = len(world.peildata)
    before: dict[str, list[dict]] = {}
    after: dict[str, list[dict]] = {}
    for kind, creditor, code in KINDS:
        month = r.randrange(months)
        stream = world.streams[(creditor, month)]
        source = world.out / stream.relative_path
        stem = stream.peildatum.isoformat()
        ext = source.suffix
        if kind == "dubbel":
            target = source.with_name(f"{stem}.z-dubbel{ext}")
        else:
            if kind in ("afgekapt", "kolom_ontbreekt", "alleen_kop", "leeg", "te_veel_fouten"):
                ext = ".csv"
            target = source.with_name(f"{stem}.0-{kind}{ext}")
        details = _WRITERS[kind](source, target, stream)
        report = {
            "bestand": target.relative_to(world.out).as_posix(),
            "schuldeiser": creditor,
            "peildatum": FUTURE_PEILDATUM if kind == "peildatum_toekomst" else stem,
            "soort": stream.soort,
            "formaat": ext.lstrip("."),
            "kwaadaardig": kind,
            "verwachte_weigering": code,
            "weigering_details": details,
            "bytes": target.stat().st_size,
            "sha256": sha256_of(target),
        }
        (after if kind == "dubbel" else before).setdefault(stream.relative_path, []).append(report)
    ordered: list[dict] = []
    for report in reports:
        ordered.extend(before.get(report["bestand"], []))
        ordered.append(report)
        ordered.extend(after.get(report["bestand"], []))
    return ordered


def _read_csv(path: Path, dialect) -> list[list[str]]:
    with path.open(encoding=dialect.encoding, newline="") as f:
        return list(csv.reader(f, delimiter=dialect.delimiter))


def _write_csv(path: Path, dialect, rows: list[list[str]]) -> None:
    with path.open("w", encoding=dialect.encoding, newline="") as f:
        writer = csv.writer(
            f,
            delimiter=dialect.delimiter,
            lineterminator=dialect.lineterminator,
            quoting=csv.QUOTE_ALL if dialect.quote_all else csv.QUOTE_MINIMAL,
        )
        writer.writerows(rows)


def _truncated(source: Path, target: Path, stream) -> dict:
    """A CSV cut off in the middle of a quoted field (every field is quoted in this dialect)."""
    dialect = stream.dialect
    rows = _read_csv(source, dialect)
    header, data = rows[0], rows[1:]
    keep = data[: max(0, len(data) // 2)]
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=dialect.delimiter,
        lineterminator=dialect.lineterminator,
        quoting=csv.QUOTE_ALL,
    )
    writer.writerows([header, *keep])
    partial = (data[len(keep)] if len(data) > len(keep) else header)[:4]
    text = buffer.getvalue() + dialect.delimiter.join(f'"{v}"' for v in partial[:3])
    text += f'{dialect.delimiter}"{partial[3][: max(1, len(partial[3]) // 2)]}'
    target.write_bytes(text.encode(dialect.encoding))
    return {
        "reden": "bestand afgebroken midden in een veld tussen aanhalingstekens",
        "volledige_rijen": len(keep),
    }


def _wrong_encoding(source: Path, target: Path, stream) -> dict:
    """A JSON delivery (JSON is UTF-8 by definition) written in Windows-1252."""
    body = json.loads(source.read_text(encoding="utf-8"))
    rows = body["achterstanden"]
    if rows:
        rows[0]["straatnaam"] = "Israëlslaan"  # ë is one byte in Windows-1252, invalid as UTF-8
    else:
        body["toelichting"] = "geëxporteerd"
    text = json.dumps(body, ensure_ascii=False)
    target.write_bytes(text.encode("cp1252", errors="replace"))
    return {"reden": "JSON in Windows-1252 in plaats van UTF-8"}


def _missing_column(source: Path, target: Path, stream) -> dict:
    dialect = stream.dialect
    rows = _read_csv(source, dialect)
    drop = [i for i, (_, name) in enumerate(dialect.columns) if name == "postcode"]
    headers = [h for i, (h, _) in enumerate(dialect.columns) if i in drop]
    _write_csv(target, dialect, [[v for i, v in enumerate(row) if i not in drop] for row in rows])
    return {"ontbrekende_kolommen": ["postcode"], "kop_in_bestand": headers}


def _header_only(source: Path, target: Path, stream) -> dict:
    _write_csv(target, stream.dialect, [list(stream.dialect.headers)])
    return {"reden": "alleen een kopregel"}


def _empty(source: Path, target: Path, stream) -> dict:
    target.write_bytes(b"")
    return {"reden": "nul bytes"}


def _broken_xlsx(source: Path, target: Path, stream) -> dict:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return {"reden": "XLSX (zip) halverwege afgebroken"}


def _future_peildatum(source: Path, target: Path, stream) -> dict:
    body = json.loads(source.read_text(encoding="utf-8"))
    body["peildatum"] = FUTURE_PEILDATUM
    target.write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"peildatum_in_bestand": FUTURE_PEILDATUM}


def _too_many_errors(source: Path, target: Path, stream) -> dict:
    """Ten rows of which six lack the surname: more than half rejected."""
    dialect = stream.dialect
    rows = _read_csv(source, dialect)
    header, data = rows[0], rows[1:]
    surname = next(i for i, (_, name) in enumerate(dialect.columns) if name == "achternaam")
    customer = next(i for i, (_, name) in enumerate(dialect.columns) if name == "klantnummer")
    valid = data[:4]
    invalid = []
    for k in range(10 - len(valid)):
        row = list(data[k % len(data)])
        row[surname] = ""
        row[customer] = f"{row[customer]}X{k}"
        invalid.append(row)
    _write_csv(target, dialect, [header, *valid, *invalid])
    return {"rijen": len(valid) + len(invalid), "afgewezen": {"VERPLICHT_VELD_LEEG": len(invalid)}}


def _duplicate(source: Path, target: Path, stream) -> dict:
    shutil.copyfile(source, target)
    return {"kopie_van": source.name}


_WRITERS = {
    "afgekapt": _truncated,
    "verkeerde_codering": _wrong_encoding,
    "kolom_ontbreekt": _missing_column,
    "alleen_kop": _header_only,
    "leeg": _empty,
    "kapotte_xlsx": _broken_xlsx,
    "peildatum_toekomst": _future_peildatum,
    "te_veel_fouten": _too_many_errors,
    "dubbel": _duplicate,
}

"""Reading a generated world back with plain readers (csv, openpyxl, json), as a test would."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl

from vroegsignaal.demo.dialects import parse_amount


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def deliveries(world: Path) -> list[dict]:
    return load_json(world / "ground_truth" / "deliveries.json")["leveringen"]


def dialects(world: Path) -> dict:
    return load_json(world / "ground_truth" / "dialects.json")


def read_table(path: Path) -> list[dict]:
    """A ``;``-separated ground-truth table."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def read_delivery(path: Path, dialect: dict, soort: str) -> tuple[list[str], list[dict]]:
    """(headers, rows as {field: raw value}) of one regular delivery file, given its dialect."""
    columns = list(dialect["kolommen"])
    if soort == "mutatie":
        columns += dialect["extra_kolommen_bij_mutatie"]
    fields = {c["kop"]: c["veld"] for c in columns}
    fmt = dialect["formaat"]
    if fmt == "csv":
        with path.open(encoding=dialect["codering"], newline="") as f:
            rows = list(csv.reader(f, delimiter=dialect["scheidingsteken"]))
        headers, data = rows[0], rows[1:]
        return headers, [dict(zip((fields[h] for h in headers), row, strict=True)) for row in data]
    if fmt == "xlsx":
        workbook = openpyxl.load_workbook(path, read_only=True)
        sheet = workbook[dialect["blad"]]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        workbook.close()
        rows = rows[dialect["lege_rijen_boven_kop"] :]
        headers, data = [h for h in rows[0] if h is not None], rows[1:]
        return headers, [
            {fields[h]: ("" if v is None else v) for h, v in zip(headers, row, strict=False)}
            for row in data
        ]
    body = json.loads(path.read_text(encoding="utf-8"))
    assert body["soort"] == soort
    data = body["achterstanden"]
    headers = [c["kop"] for c in columns]
    return headers, [{fields[k]: v for k, v in row.items()} for row in data]


def parse_date(value, dialect: dict) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.datetime.strptime(str(value), dialect["datumformaat"] or "%d-%m-%Y").date()


def parse_cents(value, dialect: dict) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(value * 100)
    return parse_amount(
        str(value), dialect["decimaalteken"], dialect["duizendtalteken"], dialect["valuta"]
    )

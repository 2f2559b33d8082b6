"""The upload page's preview reads the head of a big file, not the whole file."""

from __future__ import annotations

import io
import json

from vroegsignaal.intake import previews, services

from .support import preview_of, row


def big_json(rows: int, tail: str = "") -> bytes:
    items = [{**row(n), "achternaam": f"Ëlberg-{n}"} for n in range(1, rows + 1)]
    body = json.dumps({"soort": "stand", "achterstanden": items}, ensure_ascii=False)
    return (body[:-2] + tail + body[-2:]).encode("utf-8")


def read_limits(monkeypatch) -> list:
    """The ``limit`` of each read of the staged file by the preview (``None``: the whole file)."""
    limits: list = []
    read = previews.read_staged

    def spy(path, *, limit=None):
        limits.append(limit)
        return read(path, limit=limit)

    monkeypatch.setattr(previews, "read_staged", spy)
    return limits


def test_a_big_json_body_is_previewed_from_its_head_only(world):
    # Broken far beyond the head: a preview that read the whole file would refuse it.
    data = big_json(3000, tail=", kapot")
    assert len(data) > 2 * services.PREVIEW_HEAD_BYTES
    preview = preview_of(world, data, "levering.json")
    assert preview.refusal is None
    assert [r["achternaam"] for r in preview.rows] == [f"Ëlberg-{n}" for n in range(1, 11)]
    assert preview.file_format == "json"


def test_a_json_head_too_short_for_the_preview_falls_back_to_the_whole_file(world, monkeypatch):
    # Patched where preview_delivery reads it (services re-exports a copy).
    monkeypatch.setattr(previews, "PREVIEW_HEAD_BYTES", 300)  # the head ends in the first row
    limits = read_limits(monkeypatch)
    preview = preview_of(world, big_json(40), "levering.json")
    assert preview.refusal is None and len(preview.rows) == services.PREVIEW_ROWS
    assert limits == [301, None]  # the head, then the whole file


def test_a_head_cut_inside_a_character_still_previews(world, monkeypatch):
    data = big_json(3000, tail=", kapot")  # so that only the head can give a preview
    cut = data.index("Ëlberg-2999".encode()) + 1  # inside the two bytes of Ë
    monkeypatch.setattr(previews, "PREVIEW_HEAD_BYTES", cut)
    limits = read_limits(monkeypatch)
    preview = preview_of(world, data, "levering.json")
    assert preview.refusal is None and len(preview.rows) == services.PREVIEW_ROWS
    assert limits == [cut + 1]  # the head only


def test_a_big_xlsx_sheet_is_previewed_from_its_head_only(world, monkeypatch):
    import openpyxl

    from vroegsignaal.intake import parsing_xlsx

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "achterstanden"
    items = [{**row(n), "achternaam": f"Ëlberg-{n}"} for n in range(1, 200)]
    sheet.append(list(items[0]))
    for item in items:
        sheet.append(list(item.values()))
    out = io.BytesIO()
    workbook.save(out)
    # The fast reader holds the whole sheet in memory (1.5 GB for a million rows).
    monkeypatch.setattr(parsing_xlsx, "_read_xlsx_fastexcel", None)
    preview = preview_of(world, out.getvalue(), "levering.xlsx")
    assert preview.refusal is None
    assert [r["achternaam"] for r in preview.rows] == [f"Ëlberg-{n}" for n in range(1, 11)]
    assert preview.file_format == "xlsx"

"""Benchmark: the upload page's preview of a big file (no database).

    .venv/bin/python benchmarks/preview.py FILE [FILE ...]
    .venv/bin/python benchmarks/preview.py --rows 200000

Reads each file twice, each time in a fresh process with a scratch database:
as the upload page's preview (``intake.services.preview_delivery`` on the
staged, encrypted file) and whole as the delivery's parse does, and prints
seconds, the process's peak memory and the ratio of the times (the set-up —
Django, migrations, staging — peaks at about 150 MiB before either starts). The preview runs in the web
process, so it must stay small whatever the file: target ≤ 1 s and ≤ 300 MiB
for a 1M-row CSV, JSON or XLSX sheet (the files ``benchmarks/intake.py --keep
DIR --format csv|json|xlsx`` leaves). Without a file, ``--rows`` makes an XLSX
sheet with openpyxl, once stating its size and once not (as openpyxl's
write-only mode saves it: then the preview reads the sheet with calamine).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["klantnummer", "achternaam", "voorletters", "geboortedatum", "postcode", "huisnummer",
          "bedrag_achterstand", "ontstaansdatum"]  # fmt: skip


def child(path: str, head: bool) -> dict:
    """In a fresh process: the preview as the upload page makes it, or the whole parse."""
    import tempfile as temp

    from harness import setup_django

    with temp.TemporaryDirectory() as folder:
        setup_django(f"sqlite:///{folder}/preview.sqlite3")
        from django.test import override_settings

        from vroegsignaal.intake import services
        from vroegsignaal.intake.parsing import parse_delivery
        from vroegsignaal.organisations.models import Creditor

        with override_settings(MAX_DELIVERY_BYTES=2**34, INCOMING_DIR=folder):
            staged = services.stage_file(Path(path))
            creditor = Creditor.objects.create(code="BENCH", name="Benchmark", type="Energie")
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            started = time.perf_counter()
            if head:
                preview = services.preview_delivery(
                    creditor, staged.path, filename=Path(path).name, kind="stand"
                )
                rows = len(preview.rows)
                assert preview.refusal is None, preview.refusal
            else:
                rows = parse_delivery(Path(path), max_bytes=2**34).table.height
            seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The setting-up (Django, migrations, staging) is not the preview's: its peak beforehand.
    return {"seconds": seconds, "rows": rows, "peak_mib": peak, "before_mib": before}


def measure(path: Path, head: bool) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "head" if head else "whole"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_xlsx(folder: Path, rows: int) -> list[Path]:
    import openpyxl

    made = []
    for sized in (True, False):
        path = folder / f"preview-{rows}-{'sized' if sized else 'unsized'}.xlsx"
        workbook = openpyxl.Workbook(write_only=not sized)
        sheet = workbook.active if sized else workbook.create_sheet("achterstanden")
        sheet.append(HEADER)
        for n in range(rows):
            sheet.append(
                [
                    f"K{n:07d}",
                    f"Jansen-{n}",
                    "J.",
                    "1980-02-01",
                    "1011AB",
                    "12",
                    "123,45",
                    "2026-01-01",
                ]
            )
        workbook.save(path)
        made.append(path)
    return made


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3] == "head")))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument(
        "--rows", type=int, default=100_000, help="rows of the XLSX made when no file is given"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        files = args.files or make_xlsx(Path(scratch), args.rows)
        print(f"{'file':<44} {'preview':>16} {'whole file':>18} {'ratio':>7}")
        for path in files:
            head, whole = measure(path, True), measure(path, False)
            print(
                f"{path.name:<44} {head['seconds']:6.2f} s {head['peak_mib']:5.0f} MiB "
                f"{whole['seconds']:7.2f} s {whole['peak_mib']:5.0f} MiB "
                f"{whole['seconds'] / head['seconds']:6.0f}×   (set-up peak {head['before_mib']:.0f} MiB)"
            )


if __name__ == "__main__":
    main()

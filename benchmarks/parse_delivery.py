"""Benchmark: parse and normalise a large CSV delivery (no database).

    .venv/bin/python benchmarks/parse_delivery.py [--rows 1000000] [--file PATH]
        [--encoding utf-8|cp1252] [--keep]

Generates a ``;``-separated delivery with realistic variety (decimal commas,
dates in several forms, house numbers with letters, surnames carrying their
tussenvoegsel, some bad rows), then measures in a fresh process
``parse_delivery`` + ``normalise_delivery``: seconds per phase and the peak
resident memory of that process. Target for 1,000,000 rows on the 2-core
development machine: well under 15 s and under 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

SURNAMES = ["Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Dijk, van",
            "Berg van den", "Meijer", "de Boer", "Mulder", "v.d. Berg", "Yilmaz", "El Amrani",
            "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "'t Hart", "Brouwer"]  # fmt: skip
FIRST = ["Jan", "Piet", "Maria", "Fatima", "Mohamed", "Anna", "Johannes Petrus", "Sanne",
         "Daan", "Emma", "Noah", "Eva", "Lucas", "Julia", "Sem", "Tess", "José", "Zoë"]  # fmt: skip
STREETS = ["Dorpsstraat", "Kerkstraat", "Stationsweg", "Schoolstraat", "Molenweg", "Julianalaan"]
PLACES = ["Amsterdam", "Rotterdam", "Utrecht", "Zwolle", "Groningen", "Den Haag", "Almere"]


def _pool(n: int, make) -> list[str]:
    """``n`` generated values to sample rows from (``n`` bounds the distinct values)."""
    rng = random.Random(n)
    return [make(rng) for _ in range(n)]


def _surname(rng: random.Random) -> str:
    base = "".join(rng.choice("bdghjklmnprstvwz") + rng.choice("aeiou") for _ in range(3))
    base = rng.choice(SURNAMES).split(",")[0].split(" ")[-1] + base
    form = rng.random()
    if form < 0.6:
        return base.capitalize()
    tv = rng.choice(["van", "de", "van der", "van den", "v.d.", "'t", "ter"])
    if form < 0.85:
        return f"{tv} {base.capitalize()}"
    if form < 0.95:
        return f"{base.capitalize()}, {tv}"
    return f"{base.capitalize()} {tv}"


def _date_text(rng: random.Random, start: int, end: int) -> str:
    d = date.fromordinal(rng.randint(start, end))
    form = rng.random()
    if form < 0.5:
        return d.isoformat()
    if form < 0.8:
        return d.strftime("%d-%m-%Y")
    if form < 0.95:
        return f"{d.day}-{d.month}-{d.year}"
    return d.strftime("%Y%m%d")


def generate(path: Path, rows: int, encoding: str) -> None:
    birth = (date(1935, 1, 1).toordinal(), date(2006, 1, 1).toordinal())
    start = (date(2025, 6, 1).toordinal(), date(2026, 2, 28).toordinal())

    def postcode(rng):
        pc = f"{rng.randint(1000, 9999)}{rng.choice('ABCDEFGHJKLMNPRTUVWXYZ')}{rng.choice('ABCDEFGHJKLMNPRTUVWXYZ')}"
        return rng.choice([pc, pc[:4] + " " + pc[4:], pc.lower()])

    def house(rng):
        n = str(rng.randint(1, 300))
        return rng.choice([n, n, n, n + "A", n + "-a", n + " hs", n + "-2"])

    def amount(rng):
        cents = rng.randint(1000, 500000)
        euros, c = divmod(cents, 100)
        text = f"{euros:,}".replace(",", ".") + f",{c:02d}"
        return rng.choice([text, text, "€ " + text, text.replace(".", "")])

    def phone(rng):
        return rng.choice(["", "", f"06-{rng.randint(10000000, 99999999)}",
                           f"+31 20 {rng.randint(1000000, 9999999)}", "onbekend"])  # fmt: skip

    def bsn(rng):
        while True:
            digits = [rng.randint(0, 9) for _ in range(8)]
            total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
            last = total % 11
            if last < 10 and any(digits):
                return "".join(map(str, digits)) + str(last)

    # Distinct values per column, roughly as in a national creditor's delivery.
    size = 65_536
    many = min(rows, 400_000)
    pools = {
        "klantnummer": None,
        "contractnummer": None,
        "voorletters": _pool(size, lambda r: r.choice(["J.P.", "JP", "j.p", "A", "M.A.", ""])),
        "voornamen": _pool(size, lambda r: r.choice(FIRST)),
        "achternaam": _pool(many // 4, _surname),
        "geboortedatum": _pool(size, lambda r: _date_text(r, *birth)),
        "geslacht": _pool(size, lambda r: r.choice(["M", "V", "man", "vrouw", ""])),
        "straatnaam": _pool(size, lambda r: r.choice(STREETS)),
        "huisnummer": _pool(size, house),
        "postcode": _pool(many, postcode),
        "woonplaats": _pool(size, lambda r: r.choice(PLACES)),
        "bedrag_achterstand": _pool(many // 2, amount),
        "ontstaansdatum": _pool(size, lambda r: _date_text(r, *start)),
        "crisissignaal": _pool(size, lambda r: r.choice(["", "", "", "nee", "ja", "x"])),
        "telefoonnummer": _pool(many, phone),
        "email": _pool(many, lambda r: r.choice(["", f"klant{r.randint(1, 10**6)}@Example.nl"])),
        "bsn": _pool(many, lambda r: r.choice(["", bsn(r)])),
    }
    columns = {}
    for name, pool in pools.items():
        if pool is None:
            prefix = "K" if name == "klantnummer" else "C"
            columns[name] = pl.int_range(0, rows, eager=True).cast(pl.String).str.zfill(8)
            columns[name] = (prefix + columns[name]).alias(name)
        else:
            columns[name] = pl.Series(name, pool).sample(
                rows, with_replacement=True, seed=len(name)
            )
    frame = pl.DataFrame(columns)
    if encoding == "utf-8":
        frame.write_csv(path, separator=";")
    else:
        path.write_bytes(frame.write_csv(separator=";").encode(encoding, errors="replace"))


def measure(path: Path) -> dict:
    from vroegsignaal.intake.normalise import normalise_delivery
    from vroegsignaal.intake.parsing import parse_delivery

    t0 = time.perf_counter()
    parsed = parse_delivery(path)
    t1 = time.perf_counter()
    result = normalise_delivery(parsed.table, peildatum=date(2026, 3, 1), soort="stand")
    t2 = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kib = usage.ru_maxrss
    return {
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "rows": parsed.row_count,
        "encoding": parsed.encoding,
        "parse_s": round(t1 - t0, 2),
        "normalise_s": round(t2 - t1, 2),
        "total_s": round(t2 - t0, 2),
        "peak_rss_mib": round(peak_kib / 1024),
        "rejected": result.rejected.height,
        "issues": result.issues.height,
        "amount_separator": result.amount_separator,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--encoding", default="utf-8", choices=["utf-8", "cp1252"])
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(args.measure)))
        return

    path = args.file
    generated = False
    if path is None:
        path = Path(tempfile.gettempdir()) / f"vroegsignaal-bench-{args.rows}-{args.encoding}.csv"
        if not path.exists():
            t = time.perf_counter()
            generate(path, args.rows, args.encoding)
            print(f"generated {path} ({path.stat().st_size / 2**20:.0f} MiB) "
                  f"in {time.perf_counter() - t:.1f} s", file=sys.stderr)  # fmt: skip
            generated = True
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    figures = json.loads(out.stdout)
    print(
        f"{figures['rows']:,} rows ({figures['encoding']}): parse {figures['parse_s']} s + "
        f"normalise {figures['normalise_s']} s = {figures['total_s']} s "
        f"(CPU {figures['cpu_s']} s incl. start-up); "
        f"peak RSS {figures['peak_rss_mib']} MiB; rejected rows {figures['rejected']:,}, "
        f"issues {figures['issues']:,}; amount separator {figures['amount_separator']!r}"
    )
    if generated and not args.keep:
        path.unlink()


if __name__ == "__main__":
    main()

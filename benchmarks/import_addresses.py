"""Benchmark: importing 500,000 BAG addresses and their buurten (budget: 60 s on 2 cores).

    .venv/bin/python benchmarks/import_addresses.py [--rows 500000] [--budget 60]

Generates, in a temporary folder, a BAG CSV export of one fictional
municipality (0999 Benchmarkstad) and its CBS buurten as GeoJSON in RD New
(EPSG:28992): 10 wijken of 10 buurten tiling a 10 × 10 km square. Then, in a
fresh database, runs ``import_neighbourhoods`` and ``import_addresses`` and
prints seconds, rows per second and peak memory; afterwards a re-import of the
same file, a re-import of the buurten (which places all addresses again) and
the routing frame intake reads.

Always on SQLite (a temporary file). When ``DATABASE_URL`` points to
PostgreSQL, also there, in a temporary database created on that server and
dropped afterwards. Each database runs in its own process, so that peak memory
is its own. Exits non-zero when the first import takes longer than the budget.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import polars as pl
import shapely

ROOT = Path(__file__).resolve().parent.parent
MUNICIPALITY_CODE = "0999"
MUNICIPALITY_NAME = "Benchmarkstad"
RD_ORIGIN = (150_000.0, 460_000.0)  # near Amersfoort
SIDE = 10_000.0  # metres
GRID = 10  # 10 × 10 buurten; a wijk is one row
ADDRESSES_PER_POSTCODE = 20


# --- generating the files -----------------------------------------------------------------


def write_buurten(path: Path) -> None:
    rng = np.random.default_rng(1)
    step = SIDE / GRID
    features = []
    for row in range(GRID):
        for col in range(GRID):
            x0, y0 = RD_ORIGIN[0] + col * step, RD_ORIGIN[1] + row * step
            # Densified edges (one vertex every 20 m) so the outlines weigh like real ones.
            outline = shapely.segmentize(shapely.box(x0, y0, x0 + step, y0 + step), 20.0)
            inhabitants = int(rng.integers(200, 6000))
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "BU_CODE": f"BU{MUNICIPALITY_CODE}{row + 1:02d}{col + 1:02d}",
                        "BU_NAAM": f"Buurt {row + 1}-{col + 1}",
                        "WK_CODE": f"WK{MUNICIPALITY_CODE}{row + 1:02d}",
                        "WK_NAAM": f"Wijk {row + 1}",
                        "GM_CODE": f"GM{MUNICIPALITY_CODE}",
                        "GM_NAAM": MUNICIPALITY_NAME,
                        "AANT_INW": inhabitants if col % 7 else -99999999,
                        "AANTAL_HH": inhabitants // 2 if col % 5 else -99999997,
                    },
                    "geometry": json.loads(shapely.to_geojson(outline)),
                }
            )
    collection = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
        "features": features,
    }
    path.write_text(json.dumps(collection))


def write_addresses(path: Path, rows: int) -> None:
    from pyproj import Transformer

    rng = np.random.default_rng(2)
    i = np.arange(rows)
    postcode_index = i // ADDRESSES_PER_POSTCODE
    letters = [
        a + b
        for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        if a + b not in {"SA", "SD", "SS"}
    ]
    digits = 1000 + postcode_index // len(letters)
    letter_pairs = np.asarray(letters)[postcode_index % len(letters)]
    streets = np.asarray([f"{name}{kind}" for name in STREET_NAMES for kind in STREET_KINDS])
    x = RD_ORIGIN[0] + rng.random(rows) * SIDE
    y = RD_ORIGIN[1] + rng.random(rows) * SIDE
    lon, lat = Transformer.from_crs(28992, 4326, always_xy=True).transform(x, y)
    missing = rng.random(rows) < 0.005  # a few addresses without coordinates
    additions = np.asarray(["", "", "", "", "", "", "", "A", "B", "A1", "HS", "2", "bis"])
    frame = pl.DataFrame(
        {
            "straat": streets[postcode_index % len(streets)],
            "huisnummer": 2 * (i % ADDRESSES_PER_POSTCODE) + 1,
            "toevoeging": additions[rng.integers(0, len(additions), rows)],
            "postcode": np.char.add(digits.astype(str), letter_pairs),
            "gemeente": MUNICIPALITY_NAME,
            "woonplaats": np.asarray(["Benchmarkstad", "Oosterdorp", "Westerhoeve"])[
                postcode_index % 3
            ],
            "provincie": "Utrecht",
            "nummeraanduiding": np.char.add("0999200000", np.char.zfill(i.astype(str), 6)),
            "object_type": "Verblijfsobject",
            "gebruiksdoel": "woonfunctie",
            "oppervlakte": rng.integers(20, 250, rows),
            "x": np.round(x, 3),
            "y": np.round(y, 3),
            "latitude": np.where(missing, np.nan, np.round(lat, 7)),
            "longitude": np.where(missing, np.nan, np.round(lon, 7)),
        }
    ).with_columns(pl.col("latitude", "longitude").fill_nan(None))
    frame.write_csv(path)


STREET_NAMES = [
    "Kerk", "Dorps", "School", "Molen", "Beuken", "Eiken", "Linden", "Wilgen", "Berken", "Iepen",
    "Populieren", "Kastanje", "Esdoorn", "Acacia", "Hazelaar", "Vlinder", "Merel", "Lijster", "Zwaluw",
    "Kievit", "Reiger", "Ooievaar", "Spreeuw", "Mussen", "Uilen", "Haven", "Sluis", "Dijk", "Polder",
    "Veld", "Heide", "Bos", "Akker", "Weide", "Boomgaard", "Markt", "Brink", "Plein", "Stations", "Spoor",
]  # fmt: skip
STREET_KINDS = ["straat", "weg", "laan", "pad", "hof"]


# --- running one database -------------------------------------------------------------------


def child(database_url: str, data: Path, rows: int, budget: float) -> int:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "vroegsignaal.conf.settings"
    os.environ["VROEGSIGNAAL_MODE"] = "demo"
    os.environ.setdefault("VROEGSIGNAAL_DATA_DIR", str(data))
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from vroegsignaal.organisations.models import Municipality
    from vroegsignaal.registry.models import Address
    from vroegsignaal.registry.selectors import address_lookup_frame
    from vroegsignaal.registry.services import import_addresses, import_neighbourhoods

    call_command("migrate", verbosity=0)
    Municipality.objects.create(code=MUNICIPALITY_CODE, name=MUNICIPALITY_NAME)
    print(f"== {connection.vendor} ({connection.settings_dict['NAME']})", flush=True)

    neighbourhoods = import_neighbourhoods(data / "buurten.geojson")
    line(
        "import_neighbourhoods",
        neighbourhoods.seconds,
        f"{neighbourhoods.buurten} buurten, {neighbourhoods.wijken} wijken (RD)",
    )
    addresses = import_addresses(data / "adressen.csv")
    steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in addresses.timings.items())
    line(
        "import_addresses",
        addresses.seconds,
        f"{addresses.rows:,} rows, {addresses.rows / addresses.seconds:,.0f} rows/s ({steps})",
    )
    total = neighbourhoods.seconds + addresses.seconds
    line(
        "first import, together",
        total,
        f"budget {budget:.0f} s: {'OK' if total <= budget else 'TOO SLOW'}",
    )
    assert Address.objects.count() == addresses.created == rows, "not every address was imported"
    assert addresses.with_buurt > 0.99 * rows, "addresses were not placed in their buurt"

    again = import_addresses(data / "adressen.csv")
    line(
        "re-import, unchanged",
        again.seconds,
        f"{again.unchanged:,} unchanged, {again.rows / again.seconds:,.0f} rows/s",
    )
    relinked = import_neighbourhoods(data / "buurten.geojson")
    line(
        "re-import buurten",
        relinked.seconds,
        f"places {rows:,} addresses again ({relinked.addresses_relinked} moved)",
    )
    start = time.perf_counter()
    frame = address_lookup_frame()
    line("address_lookup_frame()", time.perf_counter() - start, f"{frame.height:,} rows for intake")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {'peak memory (RSS)':<26} {peak:8.0f} MiB", flush=True)
    return 0 if total <= budget else 1


def line(what: str, seconds: float, detail: str) -> None:
    print(f"  {what:<26} {seconds:8.1f} s   {detail}", flush=True)


def run_child(database_url: str, data: Path, rows: int, budget: float) -> int:
    command = [
        sys.executable,
        __file__,
        "--child",
        database_url,
        "--data",
        str(data),
        "--rows",
        str(rows),
    ]
    command += ["--budget", str(budget)]
    return subprocess.run(command, check=False).returncode


def with_postgresql_database(url: str, data: Path, rows: int, budget: float) -> int:
    import psycopg

    name = f"vroegsignaal_bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        parts = urlsplit(url)
        return run_child(urlunsplit(parts._replace(path=f"/{name}")), data, rows, budget)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds allowed for the first import"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.data, args.rows, args.budget)

    database_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="vroegsignaal-bench-") as folder:
        data = Path(folder)
        start = time.perf_counter()
        write_buurten(data / "buurten.geojson")
        write_addresses(data / "adressen.csv", args.rows)
        size = (data / "adressen.csv").stat().st_size / 1024 / 1024
        print(
            f"Generated {args.rows:,} addresses ({size:.0f} MiB CSV) and {GRID * GRID} buurten "
            f"in {time.perf_counter() - start:.1f} s; {os.cpu_count()} CPUs.",
            flush=True,
        )
        status = run_child(f"sqlite:///{data / 'bench.sqlite3'}", data, args.rows, args.budget)
        if database_url.startswith(("postgres://", "postgresql://")):
            status |= with_postgresql_database(database_url, data, args.rows, args.budget)
        else:
            print("(DATABASE_URL does not point to PostgreSQL: PostgreSQL skipped.)")
    return status


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: applying 1,000,000 routed rows to households, persons and arrears, twice.

    .venv/bin/python benchmarks/households_apply.py [--rows 1000000] [--households 700000] [--budget 30]

Generates (in memory, seeded) the routed rows intake would hand over for one
national creditor: ``--households`` addresses with arrears, one row per
household plus extra rows (a second contract of the same person, written with
full first names or with a typo in the surname, or another person: partner or
child). The first ``stand`` creates everything; the second, a month later,
differs in about 10 % of the rows (3 % gone, 3 % new, 3 % other amounts, 0.5 %
moved house, 1 % new phone number). ``count_cleared_by_stand`` (intake's
safety check) is timed before the second apply.

Always on SQLite (a temporary file, migrated first). When ``DATABASE_URL``
points to PostgreSQL, also there, in a temporary database created on that
server and dropped afterwards (``scripts/with-postgres.sh`` gives one). Each
database runs in its own process so that peak memory (RSS) is its own. Exits
non-zero when an apply takes longer than the budget.
"""

from __future__ import annotations

import argparse
import datetime as dt
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

ROOT = Path(__file__).resolve().parent.parent
MONTH_1 = dt.date(2026, 10, 1)
MONTH_2 = dt.date(2026, 11, 1)
MUNICIPALITIES = 8
SPARE_ADDRESSES = 0.1  # addresses without arrears in month 1, for the new rows of month 2


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process (user + system): less disturbed by other work on the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_cpu_seconds() -> float | None:
    """CPU time of this session's PostgreSQL backend (it runs on this machine), else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """The highest RSS of this process while a block runs (sampled every 20 ms), and the highest
    summed PSS of it and its encryption child (every 100 ms)."""

    def __enter__(self) -> RssSampler:
        import threading

        self.before = self.peak = rss_mib()
        self.tree_peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        from harness import tree_pss_mib

        tick = 0
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mib())
            tick += 1
            if tick % 5 == 0:
                self.tree_peak = max(self.tree_peak, tree_pss_mib(os.getpid()))

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib())


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


# --- synthetic data ------------------------------------------------------------------------


def address_frame(count: int, municipality_ids: list[int]) -> pl.DataFrame:
    i = np.arange(count)
    postcode_index = i // 20
    letters = np.asarray([a + b for a in "ABCDEFGHJKLMNPRTUVWXZ" for b in "ABCDEFGHJKLMNPRTUVWXZ"])
    postcode = np.char.add(
        (1000 + postcode_index // len(letters)).astype(str), letters[postcode_index % len(letters)]
    )
    return pl.DataFrame(
        {
            "id": i + 1,
            "postcode": postcode,
            "huisnummer": i % 20 + 1,
            "huisletter": "",
            "toevoeging": "",
            "straatnaam": "Benchmarkstraat",
            "woonplaats": "Benchmarkstad",
            "buurtcode": "",
            "municipality_id": np.asarray(municipality_ids)[postcode_index % len(municipality_ids)],
        }
    )


def month_1_rows(
    rows: int, households: int, addresses: pl.DataFrame, seed: int = 1
) -> pl.DataFrame:
    """One row per household (its first person), then extra rows for the same or another person."""
    from vroegsignaal.demo.people import name_lists
    from vroegsignaal.households.services import INPUT_SCHEMA

    rng = np.random.default_rng(seed)
    male, female, surnames = name_lists()
    first_names = np.asarray(male + female)
    tussen = np.asarray([t for t, _ in surnames])
    names = np.asarray([s for _, s in surnames])

    # Person A of each household, person B (partner or child) of each household.
    h = np.arange(households)
    surname_a = rng.integers(0, len(names), households)
    surname_b = np.where(
        rng.random(households) < 0.5, surname_a, rng.integers(0, len(names), households)
    )
    born_a = rng.integers(-20_000, 5_000, households)  # days since 1970
    born_b = born_a + rng.integers(-4_000, 9_000, households)
    first_a = rng.integers(0, len(first_names), (households, 2))
    first_b = rng.integers(0, len(first_names), (households, 2))

    extra = rows - households
    extra_household = rng.integers(0, households, extra)
    extra_is_b = rng.random(extra) < 0.5
    household = np.concatenate([h, extra_household])
    is_b = np.concatenate([np.zeros(households, bool), extra_is_b])
    idx = household
    surname_idx = np.where(is_b, surname_b[idx], surname_a[idx])
    born = np.where(is_b, born_b[idx], born_a[idx])
    firsts = np.where(is_b[:, None], first_b[idx], first_a[idx])
    two_names = rng.random(rows) < 0.4
    name1 = first_names[firsts[:, 0]]
    name2 = first_names[firsts[:, 1]]
    voornamen = np.where(two_names, np.char.add(np.char.add(name1, " "), name2), name1)
    initials = np.where(
        two_names,
        np.char.add(
            np.char.add(np.char.add(np.char.ljust(name1, 1).astype("U1"), "."), name2.astype("U1")),
            ".",
        ),
        np.char.add(name1.astype("U1"), "."),
    )
    with_full_names = rng.random(rows) < 0.3
    surname = names[surname_idx].astype(object)
    typo = (rng.random(rows) < 0.01) & (np.arange(rows) >= households)
    for k in np.nonzero(typo)[0]:
        word = surname[k]
        if len(word) > 4:
            j = 2
            surname[k] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    has_phone = rng.random(rows) < 0.6
    has_email = rng.random(rows) < 0.5
    has_bsn = rng.random(rows) < 0.05
    person_uid = np.where(is_b, household * 2 + 1, household * 2)
    address_ids = addresses.get_column("id").to_numpy()
    municipality_ids = addresses.get_column("municipality_id").to_numpy()
    crisis = rng.random(rows) < 0.02
    columns = {
        "klantnummer": np.char.add("K", np.char.zfill(np.arange(rows).astype(str), 8)),
        "contractnummer": None,
        "voorletters": initials,
        "voornamen": np.where(with_full_names, voornamen, None),
        "tussenvoegsel": np.where(tussen[surname_idx] == "", None, tussen[surname_idx]),
        "achternaam": surname.astype(str),
        "geboortedatum": born.astype("datetime64[D]"),
        "geslacht": np.where(is_b, "V", "M"),
        "huisnummer": addresses.get_column("huisnummer").to_numpy()[household],
        "huisletter": None,
        "huisnummertoevoeging": None,
        "postcode": addresses.get_column("postcode").to_numpy()[household],
        "bedrag_cents": rng.integers(5_000, 250_000, rows),
        "ontstaansdatum": (np.datetime64(MONTH_1) - rng.integers(1, 120, rows)).astype(
            "datetime64[D]"
        ),
        "aantal_termijnen": rng.integers(1, 6, rows),
        "crisissignaal": crisis,
        "crisis_reden": np.where(crisis, "ontruiming", None),
        "warme_overdracht": rng.random(rows) < 0.01,
        "telefoonnummer": np.where(
            has_phone, np.char.add("06", np.char.zfill((person_uid % 10**8).astype(str), 8)), None
        ),
        "email": np.where(
            has_email, np.char.add(np.char.add("p", person_uid.astype(str)), "@mail.example"), None
        ),
        "bsn": np.where(has_bsn, np.char.zfill((100_000_000 + person_uid).astype(str), 9), None),
        "signaal_id": np.char.add("S", np.arange(rows).astype(str)),
        "status": None,
        "address_id": address_ids[household],
        "municipality_id": municipality_ids[household],
    }
    return pl.DataFrame(
        [
            pl.Series(
                name,
                values.tolist()
                if isinstance(values, np.ndarray) and values.dtype == object
                else values,
                dtype=INPUT_SCHEMA[name],
                strict=False,
            )
            if values is not None
            else pl.Series(name, [None] * rows, dtype=INPUT_SCHEMA[name])
            for name, values in columns.items()
        ]
    )


def month_2_rows(
    month_1: pl.DataFrame, addresses: pl.DataFrame, households: int, seed: int = 2
) -> pl.DataFrame:
    """About 10 % different: 3 % gone, 3 % new, 3 % other amounts, 0.5 % moved, 1 % new phone."""
    rng = np.random.default_rng(seed)
    n = month_1.height
    u = rng.random(n)
    kept = month_1.filter(pl.Series(u >= 0.03))
    m = kept.height
    u = rng.random(m)
    amount = pl.Series(u < 0.03)
    moved = pl.Series((u >= 0.03) & (u < 0.035))
    phone = pl.Series((u >= 0.035) & (u < 0.045))
    spare = addresses.slice(households)
    target = rng.integers(0, spare.height, m)
    kept = kept.with_columns(
        pl.when(amount)
        .then(pl.col("bedrag_cents") + 1_000)
        .otherwise(pl.col("bedrag_cents"))
        .alias("bedrag_cents"),
        pl.when(moved)
        .then(pl.Series(spare.get_column("id").to_numpy()[target]))
        .otherwise(pl.col("address_id"))
        .alias("address_id"),
        pl.when(moved)
        .then(pl.Series(spare.get_column("municipality_id").to_numpy()[target]))
        .otherwise(pl.col("municipality_id"))
        .alias("municipality_id"),
        pl.when(phone)
        .then(pl.lit("0699999999"))
        .otherwise(pl.col("telefoonnummer"))
        .alias("telefoonnummer"),
    )
    # New arrears, at addresses that had none last month.
    new_rows = int(n * 0.03)
    new = month_1_rows(new_rows, int(new_rows * 0.7), spare, seed=3)
    new = new.with_columns(pl.concat_str(pl.lit("N"), pl.col("klantnummer")).alias("klantnummer"))
    return pl.concat([kept, new])


# --- running one database ------------------------------------------------------------------


def child(database_url: str, rows: int, households: int, budget: float) -> int:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "vroegsignaal.conf.settings"
    os.environ["VROEGSIGNAAL_MODE"] = "demo"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from vroegsignaal.households import bulk
    from vroegsignaal.households.models import Arrear, Household, Person
    from vroegsignaal.households.services import apply_rows, count_cleared_by_stand
    from vroegsignaal.intake.models import Delivery
    from vroegsignaal.organisations.models import Creditor, CreditorType, Municipality
    from vroegsignaal.registry.models import Address

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    municipality_ids = [
        Municipality.objects.create(code=f"{9000 + i}", name=f"Benchmarkstad {i}").pk
        for i in range(MUNICIPALITIES)
    ]
    creditor = Creditor.objects.create(
        code="ZORGNL", name="Zorgverzekeraar NL", type=CreditorType.ZORG
    )
    addresses = address_frame(int(households * (1 + SPARE_ADDRESSES)), municipality_ids)
    from django.db import transaction

    with transaction.atomic():
        bulk.insert_frame(Address._meta.db_table, addresses)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{Address._meta.db_table}', 'id'), %s)",
                [addresses.height],
            )
            cursor.execute(f"ANALYZE {Address._meta.db_table}")
    first = month_1_rows(rows, households, addresses)
    print(
        f"== {connection.vendor}: migrated, {addresses.height:,} addresses, {first.height:,} rows "
        f"generated in {time.perf_counter() - start:.1f} s; RSS before applying {rss_mib():.0f} MiB",
        flush=True,
    )

    def delivery(day):
        return Delivery.objects.create(
            creditor=creditor, kind="stand", reference_date=day, sha256=f"{day}", via="cli"
        )

    status = 0
    for label, day in (("first stand", MONTH_1), ("next month", MONTH_2)):
        if label == "first stand":
            frame = first
        else:
            frame = month_2_rows(first, addresses, households)
            del first
            started = time.perf_counter()
            clearing = count_cleared_by_stand(creditor, frame)
            line(
                "count_cleared_by_stand",
                time.perf_counter() - started,
                f"{clearing:,} would be cleared",
            )
        d = delivery(day)
        started, cpu, server = time.perf_counter(), cpu_seconds(), server_cpu_seconds()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        with RssSampler() as memory:
            counts = apply_rows(d, frame, kind="stand", creditor=creditor, reference_date=day)
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        child_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        server = None if server is None else server_cpu_seconds() - server
        verdict = "OK" if seconds <= budget else "TOO SLOW"
        line(
            f"apply_rows ({label})",
            seconds,
            f"{frame.height:,} rows, {frame.height / seconds:,.0f} rows/s; new {counts.new:,}, changed "
            f"{counts.changed:,}, cleared {counts.cleared:,}, unchanged {counts.unchanged:,}; households +"
            f"{counts.households_created:,}, persons +{counts.persons_created:,} / updated "
            f"{counts.persons_updated:,}; budget {budget:.0f} s: {verdict}",
        )
        print(
            f"      CPU time: this process {cpu:.1f} s, its encryption child {child_cpu:.1f} s"
            + ("" if server is None else f", the PostgreSQL backend {server:.1f} s")
            + f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
            flush=True,
        )
        print(
            f"      RSS {memory.before:.0f} MiB before, at most {memory.peak:.0f} MiB during "
            f"(+{memory.peak - memory.before:.0f} MiB for applying); with the encryption child at "
            f"most {memory.tree_peak:.0f} MiB (PSS)",
            flush=True,
        )
        print(
            "      wall: " + ", ".join(f"{k} {v:.1f}" for k, v in counts.timings.items()),
            flush=True,
        )
        print(
            "      cpu:  " + ", ".join(f"{k} {v:.1f}" for k, v in counts.cpu_timings.items()),
            flush=True,
        )
        status |= seconds > budget
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = %s",
                [Arrear._meta.db_table],
            )
            updated, hot = cursor.fetchone()
        print(f"  arrear updates {updated:,}, of which HOT (no index touched) {hot:,}", flush=True)
    print(
        f"  totals: {Household.objects.count():,} households, {Person.objects.count():,} persons, "
        f"{Arrear.objects.count():,} arrears",
        flush=True,
    )
    print(f"  {'peak memory (RSS)':<34} {peak_mib():8.0f} MiB", flush=True)
    return int(status)


def line(what: str, seconds: float, detail: str) -> None:
    print(f"  {what:<34} {seconds:8.1f} s   {detail}", flush=True)


def run_child(database_url: str, args: argparse.Namespace) -> int:
    command = [sys.executable, __file__, "--child", database_url]
    command += [
        "--rows",
        str(args.rows),
        "--households",
        str(args.households),
        "--budget",
        str(args.budget),
    ]
    return subprocess.run(command, check=False).returncode


def with_postgresql_database(url: str, args: argparse.Namespace) -> int:
    import psycopg

    name = f"vroegsignaal_bench_households_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        parts = urlsplit(url)
        return run_child(urlunsplit(parts._replace(path=f"/{name}")), args)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--households", type=int, default=700_000)
    parser.add_argument("--budget", type=float, default=30.0, help="seconds allowed per apply")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="run one database only")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.rows, args.households, args.budget)

    print(
        f"{args.rows:,} rows over {args.households:,} households; {os.cpu_count()} CPUs.",
        flush=True,
    )
    status = 0
    database_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="vroegsignaal-bench-") as folder:
        if args.only != "postgresql":
            status |= run_child(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", args)
    if args.only != "sqlite":
        if database_url.startswith(("postgres://", "postgresql://")):
            status |= with_postgresql_database(database_url, args)
        else:
            print("(DATABASE_URL does not point to PostgreSQL: PostgreSQL skipped.)")
    return status


if __name__ == "__main__":
    sys.exit(main())

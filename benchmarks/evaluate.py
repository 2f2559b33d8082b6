"""Benchmark: signal evaluation for a municipality of 100,000 households with a year of arrears.

    .venv/bin/python benchmarks/evaluate.py [--households 100000] [--seed 1]
    scripts/with-postgres.sh .venv/bin/python benchmarks/evaluate.py   # SQLite and PostgreSQL

Budgets (issue 5): a full evaluation of the municipality ≤ 10 s; an
incremental evaluation after one creditor's monthly delivery ≤ 2 s.

The world is inserted directly in bulk (no intake, no matching): one
municipality (0999) with 10 wijken of 10 buurten, one address and one
household per household, one or two persons each (birth dates encrypted as
the households app stores them), eight creditors, twelve monthly peildata,
and arrear episodes over that year — opened on a peildatum, started up to
40 days before it, some cleared on a later peildatum (``last_seen_on`` one
month before), the rest still open. On average 0.6 episodes per household;
2 % of the open ones carry a crisis flag. A few thousand households carry
earlier signals (lapsed, or closed cases with the arrears known then), so
that the repeat and closed-case rules have work to do.

Timed:

1. full evaluation on the last peildatum (raises every signal);
2. the same again (nothing changes: checks that nothing is written);
3. one health insurer's next monthly ``stand``, applied directly in SQL
   (a third of its arrears cleared, a fifth changed, new ones opened), then
   ``evaluate_after_delivery`` for the households it touched (plus, as every
   incremental evaluation does, those whose signal's arrears aged out in the
   month since);
4. a full evaluation on that new peildatum;
5. sorting every open signal into the trays again, as after a coordinator's
   change of the trays (``resort_open_signals``; no budget: reported because
   the page's request waits for it).

Always on SQLite (a temporary file); also on PostgreSQL when ``DATABASE_URL``
points to one (a temporary database created there and dropped afterwards).
Each database runs in its own process. Exits non-zero when a budget is missed.
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
CODE = "0999"
FULL_BUDGET, INCREMENTAL_BUDGET = 10.0, 2.0
# Twelve monthly peildata, 1 December 2025 to 1 November 2026, and the next one.
PEILDATA = [dt.date(2025 + (11 + m) // 12, (11 + m) % 12 + 1, 1) for m in range(12)]
NEXT_PEILDATUM = dt.date(2026, 12, 1)
# code, name, type, share of the episodes (health insurers deliver the most; ARCHITECTURE.md "Scale").
CREDITORS = [
    ("ZORGA", "Zorgverzekeraar A", "Zorg", 0.25),
    ("ZORGB", "Zorgverzekeraar B", "Zorg", 0.20),
    ("ENERGIEA", "Energie A", "Energie", 0.15),
    ("ENERGIEB", "Energie B", "Energie", 0.10),
    ("WOONA", "Woningcorporatie A", "Huur", 0.12),
    ("WOONB", "Woningcorporatie B", "Huur", 0.07),
    ("WATER", "Waterbedrijf", "Water", 0.08),
    ("CAK", "CAK", "CAK Eigen bijdrage", 0.03),
]


def line(what: str, seconds: float, detail: str = "") -> None:
    print(f"  {what:<34} {seconds:7.2f} s   {detail}", flush=True)


# --- building the world ---------------------------------------------------------------------


def build_world(households: int, seed: int) -> dict:
    from django.utils import timezone

    from vroegsignaal.households import bulk
    from vroegsignaal.households.models import Arrear, Household, Person
    from vroegsignaal.intake.models import Delivery
    from vroegsignaal.organisations.models import Creditor, Municipality
    from vroegsignaal.privacy.services import encrypt_many
    from vroegsignaal.registry.models import Address, Neighbourhood
    from vroegsignaal.signals.models import RuleSet, Signal, SignalArrear
    from vroegsignaal.signals.rules import RuleValues
    from vroegsignaal.signals.services import ensure_default_trays, place_signals, set_rules

    rng = np.random.default_rng(seed)
    now = bulk.db_datetime(timezone.now())
    municipality = Municipality.objects.create(code=CODE, name="Benchmarkstad")
    set_rules(municipality, RuleValues())
    ensure_default_trays(municipality)
    buurt_ids = []
    for w in range(1, 11):
        wijk = Neighbourhood.objects.create(
            code=f"WK{CODE}{w:02d}", name=f"Wijk {w}", kind="wijk", municipality=municipality
        )
        for b in range(1, 11):
            buurt = Neighbourhood.objects.create(
                code=f"BU{CODE}{w:02d}{b:02d}",
                name=f"Buurt {w}-{b}",
                kind="buurt",
                wijk=wijk,
                municipality=municipality,
            )
            buurt_ids.append(buurt.pk)
    creditors = {
        code: Creditor.objects.create(code=code, name=name, type=kind).pk
        for code, name, kind, _ in CREDITORS
    }
    deliveries = {}
    for code, creditor_id in creditors.items():
        for m, day in enumerate(PEILDATA):
            deliveries[(code, m)] = Delivery.objects.create(
                creditor_id=creditor_id, kind="stand", reference_date=day, status="verwerkt",
                sha256=f"{code}{m}".ljust(64, "0"), via="cli",
            ).pk  # fmt: skip

    n = households
    ids = np.arange(1, n + 1)
    postcode_index = (ids - 1) // 20
    bulk.insert_frame(
        Address._meta.db_table,
        pl.DataFrame(
            {
                "id": ids,
                "postcode": [
                    f"{1000 + p // 600}{chr(65 + p % 600 // 26 % 26)}{chr(65 + p % 26)}"
                    for p in postcode_index
                ],
                "huisnummer": 2 * ((ids - 1) % 20) + 1,
                "huisletter": "",
                "toevoeging": "",
                "straatnaam": "Benchmarkstraat",
                "woonplaats": "Benchmarkstad",
                "municipality_id": municipality.pk,
                "buurt_id": np.asarray(buurt_ids)[rng.integers(0, len(buurt_ids), n)],
                "buurtcode": "",
            }
        ).with_columns(
            pl.lit(None, pl.Float64).alias("latitude"), pl.lit(None, pl.Float64).alias("longitude")
        ),
    )
    bulk.insert_frame(
        Household._meta.db_table,
        pl.DataFrame(
            {
                "id": ids,
                "address_id": ids,
                "unregistered_address": "",
                "municipality_id": municipality.pk,
                "created_at": now,
            }
        ),
    )
    # Persons: one per household, a second in 30 %.
    second = ids[rng.random(n) < 0.3]
    person_households = np.concatenate([ids, second])
    born = [
        (dt.date(1940, 1, 1) + dt.timedelta(days=int(d))).isoformat()
        for d in rng.integers(0, 65 * 365, len(person_households))
    ]
    count = len(person_households)
    tokens = encrypt_many(born)
    surname = encrypt_many(["Jansen"] * count)
    initials = encrypt_many(["J."] * count)
    bulk.insert_frame(
        Person._meta.db_table,
        pl.DataFrame(
            {
                "id": np.arange(1, count + 1),
                "household_id": person_households,
                "surname": surname, "tussenvoegsel": "", "initials": initials, "first_names": "",
                "birth_date": tokens, "gender": "", "phone": "", "email": "", "bsn": "",
                "birth_date_index": [f"b{i}" for i in range(count)],
                "surname_index": "s", "identity_index": [f"i{i}" for i in range(count)],
                "details_digest": "", "created_at": now, "updated_at": now,
            }
        ).with_columns(pl.lit(None, pl.String).alias("bsn_index")),
    )  # fmt: skip

    # Arrear episodes over the year.
    episodes = rng.poisson(0.6, n)
    household_of = np.repeat(ids, episodes)
    e = len(household_of)
    creditor_index = rng.choice(len(CREDITORS), e, p=[c[3] for c in CREDITORS])
    start_month = rng.integers(0, 12, e)
    duration = rng.integers(1, 9, e)
    end_month = start_month + duration  # first peildatum without it
    cleared = end_month <= 11
    peil = np.asarray([np.datetime64(d) for d in PEILDATA + [NEXT_PEILDATUM]])
    start = peil[start_month] - rng.integers(0, 41, e).astype("timedelta64[D]")
    last_month = np.where(cleared, end_month - 1, 11)
    codes = np.asarray([c[0] for c in CREDITORS])[creditor_index]
    delivery = lambda months: [deliveries[(c, int(m))] for c, m in zip(codes, months, strict=True)]  # noqa: E731
    first_person = {int(h): i + 1 for i, h in enumerate(ids)}
    arrears = pl.DataFrame(
        {
            "id": np.arange(1, e + 1),
            "creditor_id": [creditors[c] for c in codes],
            "household_id": household_of,
            "person_id": [first_person[int(h)] for h in household_of],
            "municipality_id": municipality.pk,
            "klantnummer": [f"K{i}" for i in range(e)],
            "contractnummer": "",
            "amount_cents": rng.integers(2_000, 150_000, e),
            "start_date": start.astype("datetime64[D]"),
            "crisis": (~cleared) & (rng.random(e) < 0.02),
            "crisis_reason": "",
            "warm_transfer": False,
            "signal_reference": "",
            "status": np.where(cleared, "cleared", "open"),
            "opened_on": peil[start_month].astype("datetime64[D]"),
            "last_seen_on": peil[last_month].astype("datetime64[D]"),
            "cleared_on": np.where(
                cleared, peil[np.minimum(end_month, 12)], np.datetime64("NaT")
            ).astype("datetime64[D]"),
            "opened_by_delivery_id": delivery(start_month),
            "last_delivery_id": delivery(last_month),
            "cleared_by_delivery_id": [
                d if c else None
                for d, c in zip(delivery(np.minimum(end_month, 11)), cleared, strict=True)
            ],
        }
    ).with_columns(
        pl.col("start_date", "opened_on", "last_seen_on", "cleared_on").cast(pl.Date),
        pl.when(pl.col("crisis"))
        .then(pl.lit("ontruiming"))
        .otherwise(pl.lit(""))
        .alias("crisis_reason"),
        pl.lit(None, pl.Int64).alias("instalments"),
        pl.lit(None, pl.Int64).alias("previous_id"),
    )
    bulk.insert_frame(Arrear._meta.db_table, arrears)

    # Earlier signals: lapsed ones (repeat) and closed cases (their open arrears known then).
    rule_set = RuleSet.objects.get(municipality=municipality)
    earlier = rng.choice(ids, min(8_000, n * 2 // 25), replace=False)  # 8 % of a 100,000 world
    lapsed, handled = earlier[: len(earlier) // 2], earlier[len(earlier) // 2 :]
    signals = pl.DataFrame(
        {
            "id": np.arange(1, len(earlier) + 1),
            "municipality_id": municipality.pk,
            "household_id": earlier,
            "status": ["vervallen"] * len(lapsed) + ["afgesloten"] * len(handled),
            "kind": "enkelvoudig", "crisis": False, "repeat": False, "debt_swap": False,
            "creditor_count": 1, "total_amount_cents": 10_000,
            "oldest_start_date": PEILDATA[3], "signal_date": PEILDATA[4],
            "last_signalled_on": PEILDATA[7], "rule_set_id": rule_set.pk,
            "priority": 100, "explanation": "eerder signaal", "reasons": "{}", "content_digest": "",
            "closed_on": [PEILDATA[8]] * len(lapsed) + [PEILDATA[9]] * len(handled),
            "created_at": now, "updated_at": now,
        }
    ).with_columns(
        pl.col("oldest_start_date", "signal_date", "last_signalled_on", "closed_on").cast(pl.Date),
        pl.lit(None, pl.Int64).alias("tray_id"),
        pl.lit(None, pl.Date).alias("deadline"),
        pl.lit(None, pl.Int64).alias("team_id"),
    )  # fmt: skip
    bulk.insert_frame(Signal._meta.db_table, signals)
    place_signals([municipality.pk])  # their copy of the address's buurt, as evaluation writes it
    known = (
        arrears.filter(pl.col("status") == "open", pl.col("opened_on") <= PEILDATA[9])
        .join(pl.DataFrame({"household_id": handled, "signal_id": np.arange(len(lapsed) + 1, len(earlier) + 1)}), on="household_id")
        .select("signal_id", pl.col("id").alias("arrear_id"), pl.lit("known").alias("role"), pl.lit(False).alias("counts"), pl.lit(PEILDATA[9]).alias("joined_on"))
    )  # fmt: skip
    bulk.insert_frame(SignalArrear._meta.db_table, known)
    if bulk.is_postgresql():
        from django.db import connection

        with connection.cursor() as cursor:
            for model in (Address, Household, Person, Arrear, Signal):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            cursor.execute("ANALYZE")
    return {
        "municipality": municipality,
        "creditors": creditors,
        "episodes": e,
        "open": int((~cleared).sum()),
        "persons": count,
        "earlier": len(earlier),
    }


def monthly_stand(world: dict, seed: int) -> tuple[object, list[int], dict]:
    """ZORGA's next monthly stand, applied directly: returns (delivery, touched households, counts)."""
    from django.db import transaction

    from vroegsignaal.households import bulk
    from vroegsignaal.households.models import Arrear
    from vroegsignaal.intake.models import Delivery

    rng = np.random.default_rng(seed + 1)
    creditor_id = world["creditors"]["ZORGA"]
    table = Arrear._meta.db_table
    with transaction.atomic():
        delivery = Delivery.objects.create(
            creditor_id=creditor_id, kind="stand", reference_date=NEXT_PEILDATUM, status="verwerkt",
            sha256="next".ljust(64, "0"), via="cli",
        )  # fmt: skip
        open_now = bulk.read_frame(
            f"SELECT id, household_id, person_id FROM {table} WHERE creditor_id = %s AND status = 'open'",  # noqa: S608
            [creditor_id],
            {"id": pl.Int64(), "household_id": pl.Int64(), "person_id": pl.Int64()},
        ).sort("id")
        fate = rng.random(open_now.height)
        clear = open_now.filter(pl.Series(fate < 0.33))
        change = open_now.filter(pl.Series((fate >= 0.33) & (fate < 0.53)))
        where, params = bulk.id_list("id", clear.get_column("id"))
        bulk.execute(
            f"UPDATE {table} SET status = 'cleared', cleared_on = %s, cleared_by_delivery_id = %s WHERE {where}",  # noqa: S608
            [NEXT_PEILDATUM, delivery.pk, *params],
        )
        where, params = bulk.id_list("id", change.get_column("id"))
        bulk.execute(
            f"UPDATE {table} SET amount_cents = amount_cents + 1000 WHERE {where}",  # noqa: S608
            params,
        )
        bulk.execute(
            f"UPDATE {table} SET last_seen_on = %s, last_delivery_id = %s WHERE creditor_id = %s AND status = 'open'",  # noqa: S608
            [NEXT_PEILDATUM, delivery.pk, creditor_id],
        )
        # New arrears: households with a person, some of them already in arrears elsewhere.
        new_count = max(1, clear.height)
        households = rng.choice(world["household_ids"], new_count, replace=False)
        first = int(bulk.reserve_ids(table, new_count)[0])
        persons = bulk.read_frame(
            "SELECT household_id, min(id) FROM households_person GROUP BY household_id", [],
            {"household_id": pl.Int64(), "person_id": pl.Int64()},
        )  # fmt: skip
        new = (
            pl.DataFrame({"household_id": households})
            .join(persons, on="household_id", how="left")
            .with_columns(
                pl.int_range(first, first + new_count).alias("id"),
                pl.lit(creditor_id).alias("creditor_id"),
                pl.lit(world["municipality"].pk).alias("municipality_id"),
                (pl.lit("N") + pl.int_range(0, new_count).cast(pl.String)).alias("klantnummer"),
                pl.lit("").alias("contractnummer"),
                pl.Series("amount_cents", rng.integers(2_000, 50_000, new_count)),
                pl.Series(
                    "start_date",
                    [
                        NEXT_PEILDATUM - dt.timedelta(days=int(d))
                        for d in rng.integers(0, 40, new_count)
                    ],
                ),
                pl.lit(False).alias("crisis"),
                pl.lit("").alias("crisis_reason"),
                pl.lit(False).alias("warm_transfer"),
                pl.lit("").alias("signal_reference"),
                pl.lit(None, pl.Int64).alias("instalments"),
                pl.lit("open").alias("status"),
                pl.lit(NEXT_PEILDATUM).alias("opened_on"),
                pl.lit(NEXT_PEILDATUM).alias("last_seen_on"),
                pl.lit(None, pl.Date).alias("cleared_on"),
                pl.lit(None, pl.Int64).alias("previous_id"),
                pl.lit(delivery.pk).alias("opened_by_delivery_id"),
                pl.lit(delivery.pk).alias("last_delivery_id"),
                pl.lit(None, pl.Int64).alias("cleared_by_delivery_id"),
            )
        )
        bulk.insert_frame(table, new)
    touched = sorted(
        set(clear.get_column("household_id").to_list())
        | set(change.get_column("household_id").to_list())
        | {int(h) for h in households}
    )
    return delivery, touched, {"cleared": clear.height, "changed": change.height, "new": new_count}


def child(database_url: str, households: int, seed: int) -> int:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "vroegsignaal.conf.settings"
    os.environ["VROEGSIGNAAL_MODE"] = "demo"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from vroegsignaal.signals import services
    from vroegsignaal.signals.models import Signal

    call_command("migrate", verbosity=0)
    print(f"== {connection.vendor} ({connection.settings_dict['NAME']})", flush=True)
    from django.db import transaction

    start = time.perf_counter()
    with transaction.atomic():
        world = build_world(households, seed)
    world["household_ids"] = np.arange(1, households + 1)
    line(
        "building the world (not timed)",
        time.perf_counter() - start,
        f"{households:,} households, {world['persons']:,} persons, {world['episodes']:,} arrears "
        f"({world['open']:,} open), {world['earlier']:,} earlier signals",
    )
    municipality = world["municipality"]
    received = dt.date(2026, 11, 3)

    def timed(what, budget, **kwargs):
        start = time.perf_counter()
        report = services.evaluate(municipality, received_on=received, **kwargs)
        seconds = time.perf_counter() - start
        steps = ", ".join(f"{k} {v:.2f}" for k, v in report.timings.items())
        verdict = (
            ""
            if budget is None
            else f" — budget {budget:.0f} s: {'OK' if seconds <= budget else 'TOO SLOW'}"
        )
        line(
            what,
            seconds,
            f"{report.households:,} households: {report.raised:,} raised, {report.updated:,} updated, "
            f"{report.expired:,} lapsed, {report.dormant:,} asleep, {report.unchanged:,} unchanged ({steps}){verdict}",
        )
        return seconds, report

    full, _ = timed("full evaluation", FULL_BUDGET, reference_date=PEILDATA[-1])
    again, report = timed("full evaluation again", None, reference_date=PEILDATA[-1])
    assert report.raised == report.updated == report.expired == 0, (
        "a second evaluation changed signals"
    )

    start = time.perf_counter()
    delivery, touched, counts = monthly_stand(world, seed)
    line("ZORGA's monthly stand (not timed)", time.perf_counter() - start,
         f"{counts['cleared']:,} cleared, {counts['changed']:,} changed, {counts['new']:,} new; "
         f"{len(touched):,} households touched")  # fmt: skip
    start = time.perf_counter()
    reports = services.evaluate_after_delivery(delivery, touched)
    incremental = time.perf_counter() - start
    r = reports[0]
    steps = ", ".join(f"{k} {v:.2f}" for k, v in r.timings.items())
    line(
        "incremental evaluation",
        incremental,
        f"{r.households:,} households: {r.raised:,} raised, {r.updated:,} updated, {r.expired:,} lapsed, "
        f"{r.dormant:,} asleep, {r.unchanged:,} unchanged ({steps}) — budget {INCREMENTAL_BUDGET:.0f} s: "
        f"{'OK' if incremental <= INCREMENTAL_BUDGET else 'TOO SLOW'}",
    )
    full_next, _ = timed(
        "full evaluation, next peildatum", FULL_BUDGET, reference_date=NEXT_PEILDATUM
    )
    open_signals = Signal.objects.filter(status__in=["nieuw", "opgepakt"]).count()
    print(f"  {'open signals now':<34} {open_signals:>7,}", flush=True)
    start = time.perf_counter()
    moved = services.resort_open_signals(municipality)
    line("sorting open signals into trays", time.perf_counter() - start,
         f"after a change of the trays (no budget; the request waits for it): {moved:,} moved")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {'peak memory (RSS)':<34} {peak:7.0f} MiB", flush=True)
    ok = full <= FULL_BUDGET and full_next <= FULL_BUDGET and incremental <= INCREMENTAL_BUDGET
    return 0 if ok else 1


def run_child(database_url: str, households: int, seed: int) -> int:
    command = [
        sys.executable,
        __file__,
        "--child",
        database_url,
        "--households",
        str(households),
        "--seed",
        str(seed),
    ]
    return subprocess.run(command, check=False).returncode


def with_postgresql_database(url: str, households: int, seed: int) -> int:
    import psycopg

    name = f"vroegsignaal_bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        parts = urlsplit(url)
        return run_child(urlunsplit(parts._replace(path=f"/{name}")), households, seed)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.households, args.seed)
    print(
        f"Signal evaluation benchmark: {args.households:,} households; {os.cpu_count()} CPUs.",
        flush=True,
    )
    database_url = os.environ.get("DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="vroegsignaal-bench-") as folder:
        status = run_child(
            f"sqlite:///{Path(folder) / 'bench.sqlite3'}", args.households, args.seed
        )
    if database_url.startswith(("postgres://", "postgresql://")):
        status |= with_postgresql_database(database_url, args.households, args.seed)
    else:
        print("(DATABASE_URL does not point to PostgreSQL: PostgreSQL skipped.)")
    return status


if __name__ == "__main__":
    sys.exit(main())

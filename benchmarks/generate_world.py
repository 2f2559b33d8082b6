"""Benchmark of the synthetic world generator: rows per second and peak memory.

    .venv/bin/python benchmarks/generate_world.py [--households N] [--months M] [--noise LEVEL] [--keep DIR]

Defaults to a mid-size world (200,000 households, 3 months, realistic noise) in a
temporary directory. Peak memory is the process's maximum resident set size
(``resource.getrusage``), which is what "bounded memory" must keep flat as the
number of households grows.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from vroegsignaal.demo.generator import generate_world  # noqa: E402


def peak_memory_mib() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--municipalities", type=int, default=4)
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", default="realistic")
    parser.add_argument("--keep", help="write the world here instead of a temporary directory")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="world-") as tmp:
        out = Path(args.keep) if args.keep else Path(tmp) / "world"
        started = time.perf_counter()
        result = generate_world(
            out,
            households=args.households,
            municipalities=args.municipalities,
            months=args.months,
            seed=args.seed,
            noise=args.noise,
        )
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(
        f"generate_world: {args.households:,} households, {args.municipalities} municipalities, "
        f"{args.months} months, noise {args.noise}"
    )
    print(f"  time            {seconds:8.1f} s")
    print(f"  households/s    {args.households / seconds:12,.0f}")
    print(
        f"  rows written    {result.rows:12,}  (addresses {result.addresses:,}, delivery rows "
        f"{result.delivery_rows:,}, ground truth {result.truth_rows:,})"
    )
    print(f"  rows/s          {result.rows / seconds:12,.0f}")
    print(f"  output          {size / 2**20:10.1f} MiB")
    print(f"  peak memory     {peak_memory_mib():10.1f} MiB (max RSS)")


if __name__ == "__main__":
    main()

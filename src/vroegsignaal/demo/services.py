"""The demo app's public face: the synthetic world generator.

Pure Python, no database: ``generate_world`` can be imported anywhere
(benchmarks, tests of other apps) without Django being set up.
"""

from __future__ import annotations

from .generator import NOISE_LEVELS, WorldError, WorldResult, generate_world, simulate_world

__all__ = ["NOISE_LEVELS", "WorldError", "WorldResult", "generate_world", "simulate_world"]

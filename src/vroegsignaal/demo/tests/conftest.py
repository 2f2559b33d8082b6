"""Small generated worlds shared by the generator's tests (written once per session)."""

from __future__ import annotations

import pytest

from vroegsignaal.demo.services import generate_world

SMALL = {"households": 2_000, "municipalities": 1, "months": 12, "seed": 11}
# Three municipalities, so rules differ and some creditor–municipality pairs lack a covenant.
HOSTILE = {"households": 2_500, "municipalities": 3, "months": 4, "seed": 5}
# Big enough for the shares of the realism tests to settle.
STATISTICAL = {"households": 12_000, "municipalities": 1, "months": 12, "seed": 3}


@pytest.fixture(scope="session")
def realistic_world(tmp_path_factory):
    out = tmp_path_factory.mktemp("realistic")
    generate_world(out, noise="realistic", **SMALL)
    return out


@pytest.fixture(scope="session")
def clean_world(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    generate_world(out, noise="none", households=1_000, months=3, seed=2)
    return out


@pytest.fixture(scope="session")
def hostile_world(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile")
    generate_world(out, noise="hostile", **HOSTILE)
    return out


@pytest.fixture(scope="session")
def statistical_world(tmp_path_factory):
    out = tmp_path_factory.mktemp("statistical")
    generate_world(out, noise="none", **STATISTICAL)
    return out

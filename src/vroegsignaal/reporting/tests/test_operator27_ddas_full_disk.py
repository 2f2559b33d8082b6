"""``vroegsignaal export_ddas`` on a full disk names the folder, as the other exports do (operator
review 27): it said "de schijf is vol" without saying which disk."""

from __future__ import annotations

import datetime as dt

from tests.test_hostile_commands import run_command

MARCH = dt.date(2026, 3, 1)


def test_a_ddas_export_on_a_full_disk_names_the_folder_and_leaves_nothing(
    town, tmp_path, full_disk
):
    household = town.household()
    town.signal(household, arrears=[town.arrear(household, town.huur, {MARCH: 80_050})])
    target = tmp_path / "ddas.json"
    outcome = run_command(
        "export_ddas", "--municipality", town.municipality.code,
        "--from", "2026-03-01", "--to", "2026-03-31", "--output", str(target),
    )  # fmt: skip
    assert (outcome.status, outcome.crash) == (1, ""), outcome.stderr
    assert outcome.stderr == (
        f"Kan {target} niet schrijven: de schijf is vol (map {tmp_path}); "
        "er is geen bestand geschreven.\n"
    )
    assert list(tmp_path.iterdir()) == []

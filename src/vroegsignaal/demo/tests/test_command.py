"""``vroegsignaal generate_world`` is a thin command over the generator."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command


def test_generate_world_command_writes_the_layout(tmp_path):
    out = io.StringIO()
    call_command("generate_world", out=str(tmp_path), households=300, months=2, seed=3, stdout=out)
    assert "300 huishoudens" in out.getvalue()
    for name in (
        "adressen.csv",
        "buurten.geojson",
        "config.yaml",
        "ground_truth/deliveries.json",
        "ground_truth/dialects.json",
        "ground_truth/world.json",
    ):
        assert (tmp_path / name).is_file(), name
    assert len(list((tmp_path / "ground_truth").glob("20*/signals.csv"))) == 2
    assert (tmp_path / "leveringen" / "WOONBRUG").is_dir()


def test_generate_world_refuses_a_directory_that_is_not_a_world(tmp_path):
    (tmp_path / "iets.txt").write_text("niet weggooien", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("generate_world", out=str(tmp_path), households=100, months=1)
    assert (tmp_path / "iets.txt").exists()


def test_generate_world_refuses_impossible_arguments(tmp_path):
    with pytest.raises(CommandError):
        call_command("generate_world", out=str(tmp_path / "w"), households=10, municipalities=20)

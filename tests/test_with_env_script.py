"""``scripts/with-env.sh``: cron jobs and an operator's shell get the production environment file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "with-env.sh"
SHOW = ["sh", "-c", 'printf "%s|%s|%s" "$SECRET_KEY" "$DATABASE_URL" "$LAATSTE"']


def run(env_file: Path, *command: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"]}
    return subprocess.run(
        [str(SCRIPT), str(env_file), *command], env=env, capture_output=True, text=True
    )


def test_the_file_s_variables_reach_the_command_unchanged(tmp_path):
    env_file = tmp_path / "vroegsignaal.env"
    env_file.write_text(
        "# productie\n"
        "SECRET_KEY=a+b/c==d-e_f\n"
        "\n"
        "DATABASE_URL=postgres://vroegsignaal:p%40ss@db.example:5432/vroegsignaal?sslmode=require\n"
        "LAATSTE=zonder-regeleinde"
    )
    result = run(env_file, *SHOW)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "a+b/c==d-e_f|postgres://vroegsignaal:p%40ss@db.example:5432/vroegsignaal?sslmode=require|zonder-regeleinde"
    )


def test_the_command_s_exit_status_is_kept(tmp_path):
    env_file = tmp_path / "vroegsignaal.env"
    env_file.write_text("A=1\n")
    assert run(env_file, "sh", "-c", "exit 7").returncode == 7


def test_a_missing_file_or_a_malformed_line_stops_before_the_command_without_showing_values(
    tmp_path,
):
    missing = run(tmp_path / "ontbreekt.env", "touch", str(tmp_path / "gedraaid"))
    assert missing.returncode == 2
    user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    assert (
        missing.stderr
        == f"with-env.sh: {tmp_path / 'ontbreekt.env'} bestaat niet of is niet leesbaar voor {user}.\n"
    )
    bad = tmp_path / "fout.env"
    bad.write_text("SECRET_KEY=geheim\nGEEN REGEL\n")
    result = run(bad, "touch", str(tmp_path / "gedraaid"))
    assert result.returncode == 2
    assert result.stderr == f"with-env.sh: {bad}: een regel zonder '=' (verwacht NAAM=waarde).\n"
    assert "geheim" not in result.stdout + result.stderr
    assert not (tmp_path / "gedraaid").exists()

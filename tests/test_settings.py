"""Settings: safe production defaults, explicit demo mode, documented environment."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

from vroegsignaal.portal.management.commands.config_table import markdown_table

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "vroegsignaal"]


def production_env(tmp_path, **extra) -> dict:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "SECRET_KEY": base64.b64encode(os.urandom(48)).decode(),
        "ALLOWED_HOSTS": "vroegsignaal.example.nl",
        "VROEGSIGNAAL_ENCRYPTION_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "VROEGSIGNAAL_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.update(extra)
    return env


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    result = subprocess.run(
        [*CLI, "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cached_figures_are_shared_by_the_server_processes_through_the_data_folder(tmp_path):
    # Two processes: what one puts in the cache, the other reads (gunicorn's workers share figures).
    env = production_env(tmp_path, VROEGSIGNAAL_DATA_DIR=str(tmp_path / "data"))
    put = "from django.core.cache import cache; cache.set('reporting:trends:1', {'n': 7}, 60)"
    get = "from django.core.cache import cache; print(cache.get('reporting:trends:1'))"
    for code in (put, get):
        result = subprocess.run([*CLI, "shell", "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "{'n': 7}"
    assert any((tmp_path / "data" / "cache").iterdir())


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run([*CLI, "check"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("vroegsignaal: SECRET_KEY ontbreekt")
    assert "Traceback" not in result.stderr  # the operator's error, not the program's


def test_production_refuses_to_start_without_encryption_keys(tmp_path):
    env = production_env(tmp_path)
    del env["VROEGSIGNAAL_ENCRYPTION_KEYS"]
    result = subprocess.run([*CLI, "check"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "VROEGSIGNAAL_ENCRYPTION_KEYS" in result.stderr and "Traceback" not in result.stderr


def test_readme_configuration_table_matches_the_settings_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- config-table -->\n(.*?)\n<!-- /config-table -->", readme, re.S)
    assert match, "README.md lacks the <!-- config-table --> block"
    assert match.group(1).strip() == markdown_table().strip(), (
        "README configuration table is out of date; regenerate with `vroegsignaal config_table`"
    )


def test_argon2_is_the_password_hasher_in_production():
    from vroegsignaal.conf import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")

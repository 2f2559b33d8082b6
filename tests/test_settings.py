"""Settings: safe production defaults, explicit demo mode, documented environment."""

from __future__ import annotations

import base64
import datetime as dt
import os
import pwd
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zoneinfo
from pathlib import Path

import pytest

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
    # On a migrated database: an empty one is an error (portal.E002, test_operator27_check_deploy).
    env = production_env(tmp_path)
    migrated = run_cli(env, "migrate", "--no-input", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    result = subprocess.run(
        [*CLI, "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
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
        result = subprocess.run(
            [*CLI, "shell", "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
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


def run_cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"SECRET_KEY": None},
            "vroegsignaal: SECRET_KEY ontbreekt: zet SECRET_KEY in de omgeving (of VROEGSIGNAAL_MODE=demo). "
            "Maak er een met: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'",
        ),
        (
            {"SECRET_KEY": "kort-maar-geheim"},
            "vroegsignaal: SECRET_KEY is te kort of te eenvoudig: gebruik ten minste 50 willekeurige tekens.",
        ),
        (
            {"ALLOWED_HOSTS": None},
            "vroegsignaal: ALLOWED_HOSTS ontbreekt: zet de hostnaam waaronder het portaal bereikbaar is",
        ),
        (
            {"VROEGSIGNAAL_ENCRYPTION_KEYS": None},
            "vroegsignaal: VROEGSIGNAAL_ENCRYPTION_KEYS ontbreekt: geef ten minste één sleutel als "
            "'id:base64sleutel', bijvoorbeeld k2026:<sleutel>. Maak een sleutel van 32 willekeurige bytes met: "
            "python3 -c 'import os, base64; print(base64.b64encode(os.urandom(32)).decode())'",
        ),
        (
            {"VROEGSIGNAAL_BLIND_INDEX_KEY": None},
            "vroegsignaal: VROEGSIGNAAL_BLIND_INDEX_KEY ontbreekt. Maak een sleutel van 32 willekeurige bytes",
        ),
        (
            {"VROEGSIGNAAL_ENCRYPTION_KEYS": "k1:geen-base64!"},
            "vroegsignaal: Sleutel 'k1' in VROEGSIGNAAL_ENCRYPTION_KEYS is geen geldige base64.",
        ),
        (
            {
                "VROEGSIGNAAL_ENCRYPTION_KEYS": "k1:"
                + base64.b64encode(b"geheim-maar-te-kort").decode()
            },
            "vroegsignaal: Sleutel 'k1' in VROEGSIGNAAL_ENCRYPTION_KEYS is 19 bytes; AES-256 vraagt precies 32 bytes.",
        ),
        (
            {"VROEGSIGNAAL_BLIND_INDEX_KEY": base64.b64encode(b"geheim-maar-te-kort").decode()},
            "vroegsignaal: VROEGSIGNAAL_BLIND_INDEX_KEY is 19 bytes; gebruik ten minste 32 willekeurige bytes.",
        ),
        (
            {"DATABASE_URL": "postgress://vroegsignaal:geheim-wachtwoord@db.example/vroegsignaal"},
            "vroegsignaal: DATABASE_URL is geen geldige database-URL: verwacht "
            "postgres://gebruiker:wachtwoord@host:5432/database",
        ),
        (
            {"DATABASE_URL": "mysql://vroegsignaal:geheim-wachtwoord@db.example/vroegsignaal"},
            "vroegsignaal: DATABASE_URL: 'mysql' wordt niet ondersteund;",
        ),
        (
            {"DATABASE_URL": "postgres://vroegsignaal:geheim-wachtwoord@db.example:5432/"},
            "vroegsignaal: DATABASE_URL noemt geen database:",
        ),
        (
            {"SESSION_IDLE_TIMEOUT": "15m"},
            "vroegsignaal: SESSION_IDLE_TIMEOUT moet een geheel getal zijn, niet '15m' "
            "(bijvoorbeeld SESSION_IDLE_TIMEOUT=900).",
        ),
        (
            {"SECURE_COOKIES": "ture"},
            "vroegsignaal: SECURE_COOKIES moet true of false zijn, niet 'ture'.",
        ),
        ({"DEBUG": "true"}, "vroegsignaal: DEBUG=true mag niet in productie:"),
        (
            {"PORTAL_URL": "vroegsignaal.example.nl"},
            "vroegsignaal: PORTAL_URL moet het volledige adres van het portaal zijn, met https://",
        ),
        (
            {"PORTAL_URL": "http://vroegsignaal.example.nl"},
            "vroegsignaal: PORTAL_URL moet in productie met https:// beginnen",
        ),
        (
            {"CSRF_TRUSTED_ORIGINS": "vroegsignaal.example.nl"},
            "vroegsignaal: CSRF_TRUSTED_ORIGINS: 'vroegsignaal.example.nl' is geen herkomst; "
            "schrijf hem als https://vroegsignaal.example.nl.",
        ),
        (
            {"TRUSTED_PROXIES": "10.0.0.300"},
            "vroegsignaal: TRUSTED_PROXIES: '10.0.0.300' is geen IP-adres of netwerk",
        ),
        (
            {"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"},
            "vroegsignaal: EMAIL_USE_TLS en EMAIL_USE_SSL sluiten elkaar uit: zet er één op true.",
        ),
        # A password with a bare / leaves its tail in the database name: refused without repeating it.
        (
            {
                "DATABASE_URL": "postgres://vroegsignaal:ge@heim/wachtwoord@db.example:5432/vroegsignaal"
            },
            "vroegsignaal: DATABASE_URL: de databasenaam bevat @ of /; staat er een @ / : of % niet "
            "%-gecodeerd in het wachtwoord (@ is %40, / is %2F, : is %3A, % is %25)?",
        ),
        # Three slashes is a path relative to wherever the process started.
        (
            {"DATABASE_URL": "sqlite:///var/lib/vroegsignaal/vroegsignaal.sqlite3"},
            "vroegsignaal: DATABASE_URL: een SQLite-database hoort bij een absoluut pad, met vier "
            "schuine strepen: sqlite:////var/lib/vroegsignaal/vroegsignaal.sqlite3 "
            "(niet sqlite:///var/lib/vroegsignaal/vroegsignaal.sqlite3).",
        ),
        (
            {"LOG_LEVEL": "verbose"},
            "vroegsignaal: LOG_LEVEL moet DEBUG, INFO, WARNING, ERROR of CRITICAL zijn, niet 'VERBOSE' "
            "(bijvoorbeeld LOG_LEVEL=INFO).",
        ),
        (
            {"TASK_BACKEND": "django_tasks_dv.DatabaseBackend"},
            "vroegsignaal: TASK_BACKEND: 'django_tasks_dv.DatabaseBackend' is geen bestaande backend "
            "(module.Klasse); laat TASK_BACKEND weg voor django_tasks_db.DatabaseBackend.",
        ),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.smpt.EmailBackend"},
            "vroegsignaal: EMAIL_BACKEND: 'django.core.mail.backends.smpt.EmailBackend' is geen "
            "bestaande backend (module.Klasse); laat EMAIL_BACKEND weg voor "
            "django.core.mail.backends.smtp.EmailBackend (SMTP).",
        ),
        (
            {"AXES_FAILURE_LIMIT": "0"},
            "vroegsignaal: AXES_FAILURE_LIMIT moet ten minste 1 zijn, niet 0 "
            "(bijvoorbeeld AXES_FAILURE_LIMIT=5).",
        ),
        (
            {"SESSION_IDLE_TIMEOUT": "-5"},
            "vroegsignaal: SESSION_IDLE_TIMEOUT moet ten minste 60 zijn, niet -5 "
            "(bijvoorbeeld SESSION_IDLE_TIMEOUT=900).",
        ),
        (
            {"EMAIL_PORT": "70000"},
            "vroegsignaal: EMAIL_PORT moet van 1 tot en met 65535 zijn, niet 70000",
        ),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else None,
)
def test_production_refuses_a_missing_or_malformed_setting_naming_it(tmp_path, change, message):
    env = production_env(tmp_path)
    for name, value in change.items():
        if value is None:
            del env[name]
        else:
            env[name] = value
    result = run_cli(env, "check")
    assert result.returncode == 2
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1  # one line: the operator's error, not the program's
    assert "Traceback" not in result.stderr
    for secret in ("geheim", env.get("SECRET_KEY"), env.get("VROEGSIGNAAL_BLIND_INDEX_KEY")):
        if secret:
            assert secret not in result.stderr  # never a secret's value


def test_a_log_level_in_small_letters_and_the_limits_themselves_are_accepted(tmp_path):
    env = production_env(
        tmp_path,
        LOG_LEVEL="warning",
        AXES_FAILURE_LIMIT="1",
        SESSION_IDLE_TIMEOUT="60",
        EMAIL_PORT="65535",
        API_REQUESTS_PER_MINUTE="0",
        DATABASE_CONN_MAX_AGE="0",
    )
    code = (
        "from django.conf import settings as s; import logging; "
        "print(s.LOG_LEVEL, logging.getLevelName(logging.getLogger().level), s.AXES_FAILURE_LIMIT, "
        "s.SESSION_IDLE_TIMEOUT, s.EMAIL_PORT, s.API_REQUESTS_PER_MINUTE)"
    )
    result = run_cli(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "WARNING WARNING 1 60 65535 0"


def test_a_data_folder_that_cannot_be_made_or_a_missing_shared_folder_stops_the_start(tmp_path):
    (tmp_path / "bestand").write_text("geen map")
    result = run_cli(
        production_env(tmp_path, VROEGSIGNAAL_DATA_DIR=str(tmp_path / "bestand" / "var")), "check"
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"vroegsignaal: VROEGSIGNAAL_DATA_DIR={tmp_path}/bestand/var is geen bruikbare map: kan niet worden "
        f"aangemaakt (Not a directory). Maak de map aan, eigendom van de gebruiker waaronder Vroegsignaal "
        f"draait ({pwd.getpwuid(os.geteuid()).pw_name}), modus 0700.\n"
    )
    shared = tmp_path / "nfs" / "incoming"  # not mounted: not made either
    result = run_cli(production_env(tmp_path, VROEGSIGNAAL_INCOMING_DIR=str(shared)), "check")
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"vroegsignaal: VROEGSIGNAAL_INCOMING_DIR={shared} is geen bruikbare map: bestaat niet of is geen map."
    )
    assert not shared.exists()


def test_a_new_data_folder_is_made_for_this_user_only(tmp_path):
    result = run_cli(
        production_env(tmp_path, VROEGSIGNAAL_DATA_DIR=str(tmp_path / "data")), "check"
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700


def test_production_reads_the_mail_server_settings(tmp_path):
    env = production_env(
        tmp_path,
        EMAIL_HOST="smtp.example.nl",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="vroegsignaal",
        EMAIL_HOST_PASSWORD="smtp-wachtwoord",
        EMAIL_USE_TLS="ja",
    )
    code = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, "
        "s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT)"
    )
    result = run_cli(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip().splitlines()[-1]
        == "smtp.example.nl 587 vroegsignaal smtp-wachtwoord True False 30"
    )


def test_a_database_that_cannot_be_reached_is_one_line_without_the_password(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = production_env(
        tmp_path, DATABASE_URL=f"postgres://vroegsignaal:geheim-wachtwoord@127.0.0.1:{port}/vs"
    )
    result = run_cli(env, "migrate")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"vroegsignaal: de database 'vs' (gebruiker 'vroegsignaal', DATABASE_URL) is niet "
        "bruikbaar: connection failed: "
        f'connection to server at "127.0.0.1", port {port} failed: Connection refused'
    ), result.stderr
    assert "Traceback" not in result.stderr and "geheim-wachtwoord" not in result.stderr


def test_gunicorn_stops_before_booting_a_worker_when_a_setting_is_missing(tmp_path):
    env = production_env(tmp_path)
    del env["ALLOWED_HOSTS"]
    result = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "python:vroegsignaal.conf.gunicorn",
         "vroegsignaal.conf.wsgi:application", "--bind", "127.0.0.1:0"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("vroegsignaal: ALLOWED_HOSTS ontbreekt:"), result.stderr
    assert "Traceback" not in result.stderr and "Booting worker" not in result.stderr


def gunicorn_log(tmp_path, *options: str) -> str:
    """Start gunicorn with the project's configuration, ask /health/ once, stop it: its log."""
    (tmp_path / "static").mkdir()  # as collectstatic leaves it
    env = production_env(
        tmp_path,
        TZ="UTC",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "python:vroegsignaal.conf.gunicorn",
         "vroegsignaal.conf.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         *options],
        env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5).close()
                break
            except urllib.error.HTTPError:  # 503: no migrated database here; answered all the same
                break
            except OSError:
                time.sleep(0.3)
    finally:
        server.terminate()
        log = server.communicate(timeout=60)[1]
    return log


def test_gunicorn_master_and_workers_log_in_amsterdam_time_with_the_offset(tmp_path):
    log = gunicorn_log(tmp_path)
    offset = dt.datetime.now(zoneinfo.ZoneInfo("Europe/Amsterdam")).isoformat()[-6:]
    lines = [line for line in log.splitlines() if line.strip()]
    logger_lines = {
        name: [line for line in lines if f" {name}: " in line]
        for name in ("gunicorn.error", "gunicorn.access")
    }
    master = [line for line in logger_lines["gunicorn.error"] if "Starting gunicorn" in line]
    worker = [line for line in logger_lines["gunicorn.error"] if "Booting worker" in line]
    access = [line for line in logger_lines["gunicorn.access"] if '"GET /health/ HTTP/1.1"' in line]
    assert master and worker and access, log
    stamp = re.compile(
        r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}([+-]\d\d:\d\d) (INFO|WARNING|ERROR) "
    )
    for line in lines:
        match = stamp.match(line)
        assert match, line  # every line, master's and worker's alike
        assert match.group(1) == offset, line


def test_gunicorn_log_level_option_still_applies_to_its_own_lines(tmp_path):
    log = gunicorn_log(tmp_path, "--log-level", "warning")
    assert " INFO gunicorn.error: " not in log
    assert (
        " INFO gunicorn.access: " in log
    )  # the access log is on regardless, as with --access-logfile


def test_gunicorn_opens_no_control_socket_in_the_home_folder(tmp_path):
    """gunicorn (25+) opens a control socket in ``~/.gunicorn`` unless told not to: nobody
    here uses ``gunicornc``, and ``make run`` left the folder in the developer's home."""
    log = gunicorn_log(tmp_path)  # HOME is tmp_path (production_env)
    assert "Booting worker" in log
    assert not (tmp_path / ".gunicorn").exists()

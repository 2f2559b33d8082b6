"""``vroegsignaal backup`` on PostgreSQL when pg_dump fails: what pg_dump said, not only its last
line (operator review 27), and never the password.

pg_dump's last line is often the least of it: ``pg_dump: detail: Query was: LOCK TABLE …`` after the
refusal that matters. A stand-in pg_dump on ``PATH`` says a few lines and fails, as the real one
does for a role without rights; it runs on either database (``make_backup`` is told it is on
PostgreSQL).
"""

from __future__ import annotations

import os
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from vroegsignaal.privacy import backup

PASSWORD = "geheim-wachtwoord"
SAID = """\
pg_dump: warning: dit gaat vooraf en hoort er niet bij

pg_dump: error: query failed: ERROR:  permission denied for table organisations_municipality
pg_dump: detail: Query was: LOCK TABLE public.organisations_municipality IN ACCESS SHARE MODE

pg_dump: error: connection with password "$PGPASSWORD" lost
pg_dump: error: vierde regel
pg_dump: detail: vijfde en laatste regel
"""


@pytest.fixture
def failing_pg_dump(tmp_path, monkeypatch):
    """A ``pg_dump`` (and a ``pg_restore``) on ``PATH`` that write :data:`SAID` to stderr and exit 1."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for name in ("pg_dump", "pg_restore"):
        tool = tools / name
        tool.write_text(f"#!/bin/sh\ncat >&2 <<EOF\n{SAID}EOF\nexit 1\n")
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tools}:{os.environ['PATH']}")
    monkeypatch.setenv("PGPASSWORD", PASSWORD)  # as DATABASE_URL's password reaches pg_dump
    monkeypatch.setattr(connection, "vendor", "postgresql")
    return tmp_path / "kopie.dump"


def test_a_failed_pg_dump_shows_its_last_five_lines_without_the_password(failing_pg_dump):
    with pytest.raises(backup.BackupError) as refused:
        backup.make_backup(failing_pg_dump)
    assert str(refused.value) == (
        "pg_dump is mislukt: "
        "pg_dump: error: query failed: ERROR:  permission denied for table "
        "organisations_municipality | "
        "pg_dump: detail: Query was: LOCK TABLE public.organisations_municipality IN ACCESS "
        "SHARE MODE | "
        'pg_dump: error: connection with password "********" lost | '
        "pg_dump: error: vierde regel | "
        "pg_dump: detail: vijfde en laatste regel"
    )
    assert PASSWORD not in str(refused.value)
    assert list(failing_pg_dump.parent.iterdir()) == [failing_pg_dump.parent / "bin"]


def test_the_backup_command_says_it_in_one_line(failing_pg_dump):
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(failing_pg_dump))
    assert "\n" not in str(refused.value)
    assert "permission denied for table organisations_municipality" in str(refused.value)
    assert PASSWORD not in str(refused.value)

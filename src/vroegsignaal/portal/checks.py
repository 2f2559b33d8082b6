"""Deploy check: ``check --deploy`` fails on a database the system cannot work with yet.

Without it ``check --deploy`` passed on an empty database (``migrate`` never run, or DATABASE_URL
naming another one) and on a PostgreSQL database that is not there, and the operator learnt it
from the first page or delivery. Registered with ``deploy=True``: it connects, so it runs with
``check --deploy`` only, never at the start of every command or before ``migrate`` migrates.
Errors: ``portal.E001`` the database cannot be reached, ``portal.E002`` migrations not applied.
"""

from __future__ import annotations

from django.core.checks import Error, Tags, register
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections


@register(Tags.database, deploy=True)
def check_database_ready(app_configs=None, databases=None, **kwargs) -> list[Error]:
    # A database check looks only at the databases it is given; ``check --deploy`` gives none,
    # and this one is for it: then the default database, the one the services use.
    errors = []
    for alias in databases or [DEFAULT_DB_ALIAS]:
        errors += _database_problems(connections[alias])
    return errors


def _database_problems(connection) -> list[Error]:
    from django.db.migrations.executor import MigrationExecutor

    from vroegsignaal.conf.logsafety import database_named

    where = database_named(connection)
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        applied = len(executor.loader.applied_migrations)
    except DatabaseError as error:
        return [_unreachable(connection, error)]
    if not plan:
        return []
    count = len(plan)
    if applied == 0:
        message = (
            f"{_capital(where)} heeft nog geen tabellen: geen van de {count} migraties is "
            "uitgevoerd."
        )
        hint = (
            "Voer 'vroegsignaal migrate' uit, of verbeter DATABASE_URL als dit niet de bedoelde "
            "database is."
        )
    else:
        message = (
            f"{_capital(where)} is niet bijgewerkt: "
            f"{'1 migratie is' if count == 1 else f'{count} migraties zijn'} nog niet uitgevoerd."
        )
        hint = "Voer 'vroegsignaal migrate' uit (na een upgrade: docs/operations.md, sectie 11)."
    return [Error(message, hint=hint, obj=f"database {connection.alias}", id="portal.E002")]


def _unreachable(connection, error: DatabaseError) -> Error:
    """What kept the check from the database: its reason (``conf.logsafety``), else the driver's
    first line (host and port, never the password)."""
    from vroegsignaal.conf.logsafety import (
        database_named,
        database_reason,
        unreachable,
        without_password,
    )

    reason = database_reason(error) or unreachable(error)
    if reason is None:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        said = without_password(lines[0]) if lines else type(error).__name__
        reason = f"{database_named(connection)} is niet bruikbaar: {said}"
    return Error(
        f"{_capital(reason)}.",
        hint=(
            "Controleer DATABASE_URL (host, poort, gebruiker, wachtwoord, databasenaam) en of de "
            "databaseserver draait. Bestaat de database nog niet, maak haar dan aan "
            "(docs/operations.md, sectie 2) en voer daarna 'vroegsignaal migrate' uit."
        ),
        obj=f"database {connection.alias}",
        id="portal.E001",
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]

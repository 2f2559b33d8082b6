"""The ``vroegsignaal`` console script: Django's management commands with our settings.

An operator's mistake is said in one line on stderr, never as a traceback: a
setting that is missing or malformed (exit 2, before any command runs), a
database that cannot be reached (exit 1), a command that does not exist
(exit 1) and arguments the command does not take — one missing, unknown or of
the wrong kind (exit 2, in Dutch, where argparse would print its usage and an
English line). ``--traceback`` keeps Django's own behaviour for the database.
"""

from __future__ import annotations

import os
import re
import sys

EXIT_DATABASE = 1
EXIT_UNKNOWN_COMMAND = 1
EXIT_SETTINGS = 2
EXIT_ARGUMENTS = 2

# argparse's messages (Python 3.11) in Dutch; a message not here (a command's own) is shown as it is.
ARGPARSE_MESSAGES = [
    (r"the following arguments are required: (?P<names>.+)", "verplicht maar niet opgegeven: {names}"),
    (r"unrecognized arguments: (?P<names>.+)", "niet herkend: {names}"),
    (r"argument (?P<arg>\S+): invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)",
     "{arg}: {value} is geen van de keuzes; kies uit {choices}"),
    (r"argument (?P<arg>\S+): invalid int value: (?P<value>.+)", "{arg}: {value} is geen geheel getal"),
    (r"argument (?P<arg>\S+): invalid float value: (?P<value>.+)", "{arg}: {value} is geen getal"),
    (r"argument (?P<arg>\S+): invalid (?P<type>\S+) value: (?P<value>.+)", "{arg}: {value} is geen geldige waarde"),
    (r"argument (?P<arg>\S+): expected one argument", "{arg} verwacht een waarde"),
    (r"argument (?P<arg>\S+): expected at most one argument", "{arg} verwacht hoogstens één waarde"),
    (r"argument (?P<arg>\S+): expected at least one argument", "{arg} verwacht ten minste één waarde"),
    (r"argument (?P<arg>\S+): expected (?P<count>\d+) arguments?", "{arg} verwacht {count} waarden"),
    (r"argument (?P<arg>\S+): not allowed with argument (?P<other>\S+)", "{arg} gaat niet samen met {other}"),
    (r"argument (?P<arg>\S+): ignored explicit argument (?P<value>.+)", "{arg} neemt geen waarde (niet {value})"),
    (r"one of the arguments (?P<names>.+) is required", "geef een van deze argumenten: {names}"),
    (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)", "{option} is niet eenduidig: {matches}"),
]  # fmt: skip


def in_dutch(message: str) -> str:
    """An argparse error message in Dutch."""
    for pattern, dutch in ARGPARSE_MESSAGES:
        match = re.fullmatch(pattern, message)
        if match:
            return dutch.format(**match.groupdict())
    return message


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vroegsignaal.conf.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.db.utils import OperationalError

    args = argv if argv is not None else sys.argv[1:]
    try:
        settings.SECRET_KEY  # noqa: B018 — load the settings here: their errors are the operator's
    except ImproperlyConfigured as error:
        sys.stderr.write(f"vroegsignaal: {error}\n")
        raise SystemExit(EXIT_SETTINGS) from None
    try:
        _utility(["vroegsignaal", *args]).execute()
    except OperationalError as error:
        if "--traceback" in args:
            raise
        sys.stderr.write(f"vroegsignaal: {database_problem(error)}\n")
        raise SystemExit(EXIT_DATABASE) from None


def _utility(argv: list[str]):
    """Django's ManagementUtility, saying an unknown command and wrong arguments in one Dutch line."""
    from difflib import get_close_matches

    from django.core.management import ManagementUtility, get_commands

    class Utility(ManagementUtility):
        def fetch_command(self, subcommand):
            commands = get_commands()
            if subcommand not in commands:
                close = get_close_matches(subcommand, commands)
                guess = f"; bedoelt u {close[0]}?" if close else "."
                sys.stderr.write(
                    f"vroegsignaal: onbekende opdracht '{subcommand}'{guess} "
                    "'vroegsignaal help' toont de opdrachten.\n"
                )
                sys.exit(EXIT_UNKNOWN_COMMAND)
            command = super().fetch_command(subcommand)
            create_parser = command.create_parser

            def create_dutch_parser(prog_name, subcommand, **kwargs):
                parser = create_parser(prog_name, subcommand, **kwargs)
                django_error = parser.error

                def error(message):
                    if not parser.called_from_command_line:
                        django_error(message)  # call_command: Django's CommandError
                    sys.stderr.write(
                        f"{parser.prog}: {in_dutch(message).rstrip('.')} (zie '{parser.prog} --help').\n"
                    )
                    sys.exit(EXIT_ARGUMENTS)

                parser.error = error
                return parser

            command.create_parser = create_dutch_parser
            return command

    return Utility(argv)


def database_problem(error: Exception) -> str:
    """One line about a database that cannot be used: the driver's first line (host, port, user; no password)."""
    from django.db import connection

    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = lines[0] if lines else type(error).__name__
    if connection.vendor == "sqlite":
        where = f"de SQLite-database {connection.settings_dict['NAME']}"
    else:
        where = f"de database '{connection.settings_dict['NAME']}' (DATABASE_URL)"
    return f"{where} is niet bruikbaar: {reason}"


if __name__ == "__main__":
    main()

"""The ``vroegsignaal`` console script: Django's management commands with our settings.

An operator's mistake is said in one line on stderr, never as a traceback: a
setting that is missing or malformed (exit 2, before any command runs), a
database that cannot be reached or read (exit 1), a command that does not exist
(exit 1), arguments the command does not take — one missing, unknown or of
the wrong kind (exit 2, in Dutch, where argparse would print its usage and an
English line) — and a command's own refusal (its ``CommandError``: the Dutch
message alone, without Django's English ``CommandError:`` in front; the exit
status the error carries, 1 unless it says otherwise). A database without its tables says
so, with ``vroegsignaal migrate``. Ctrl-C says ``Onderbroken.`` (exit 130); a reader of stdout
that went away (``| head``) ends the command quietly (exit 141, as SIGPIPE would).
``--traceback`` keeps Django's own behaviour.
``vroegsignaal --version`` is Vroegsignaal's version, not Django's.
"""

from __future__ import annotations

import os
import re
import sys

EXIT_DATABASE = 1
EXIT_UNKNOWN_COMMAND = 1
EXIT_SETTINGS = 2
EXIT_ARGUMENTS = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of stdout went away, as a shell reports it

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
    from django.db.utils import DatabaseError, OperationalError

    args = argv if argv is not None else sys.argv[1:]
    try:
        settings.SECRET_KEY  # noqa: B018 — load the settings here: their errors are the operator's
    except ImproperlyConfigured as error:
        sys.stderr.write(f"vroegsignaal: {error}\n")
        raise SystemExit(EXIT_SETTINGS) from None
    try:
        try:
            _utility(["vroegsignaal", *args]).execute()
        finally:
            sys.stdout.flush()  # here, where a closed pipe is caught, not at the interpreter's exit
    except BrokenPipeError:
        # The reader went away (`vroegsignaal create_user … | head -n 1`): stop quietly, as a
        # command killed by SIGPIPE does.
        _stdout_to_nowhere()
        raise SystemExit(EXIT_BROKEN_PIPE) from None
    except OperationalError as error:
        if "--traceback" in args:
            raise
        sys.stderr.write(f"vroegsignaal: {database_problem(error)}\n")
        raise SystemExit(EXIT_DATABASE) from None
    except DatabaseError as error:  # a damaged file ("file is not a database"), or a query refused
        if "--traceback" in args:
            raise
        sys.stderr.write(f"vroegsignaal: {database_unreadable(error)}\n")
        raise SystemExit(EXIT_DATABASE) from None
    except KeyboardInterrupt:
        if "--traceback" in args:
            raise
        sys.stderr.write("Onderbroken.\n")
        raise SystemExit(EXIT_INTERRUPTED) from None


def _stdout_to_nowhere() -> None:
    """stdout to ``/dev/null``: what is still buffered for the pipe that closed goes nowhere,
    instead of failing again (``Exception ignored … BrokenPipeError``) when Python exits."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # a stdout without a file descriptor (a test's StringIO)
        pass
    finally:
        os.close(devnull)


def version() -> str:
    """Vroegsignaal's version, as installed."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("vroegsignaal")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "onbekend (niet geïnstalleerd)"


def _utility(argv: list[str]):
    """Django's ManagementUtility, saying an unknown command, wrong arguments and a command's refusal in
    one Dutch line, and Vroegsignaal's version."""
    from difflib import get_close_matches

    from django.core.management import CommandError, ManagementUtility, get_commands
    from django.core.management.base import SystemCheckError

    class Utility(ManagementUtility):
        def main_help_text(self, commands_only=False):
            return help_text(get_commands(), commands_only=commands_only)

        def execute(self):
            # Django answers these with its own version.
            if self.argv[1:2] == ["version"] or self.argv[1:] == ["--version"]:
                sys.stdout.write(f"{version()}\n")
                return
            super().execute()

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
            quiet_logs(subcommand, self.argv)
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
                dutch_help(parser)
                return parser

            command.create_parser = create_dutch_parser
            command.get_version = version  # "vroegsignaal COMMAND --version"
            execute = command.execute

            def execute_in_dutch(*args, **options):
                # Django's run_from_argv would print "CommandError: <the Dutch message>".
                try:
                    return execute(*args, **options)
                except CommandError as error:
                    if options.get("traceback") or isinstance(error, SystemCheckError):
                        raise  # Django's own way: a traceback, or the checks' report
                    command.stderr.write(str(error))
                    sys.exit(error.returncode)

            command.execute = execute_in_dutch
            return command

    return Utility(argv)


def database_problem(error: Exception) -> str:
    """One line about a database that cannot be used: what it means when that is known (no tables
    yet: run migrate; locked by another process; its disk full: ``conf.logsafety.database_reason``),
    else the database and its user (``conf.logsafety.database_named``) and the driver's first line
    (host and port; never the password)."""
    from vroegsignaal.conf.logsafety import database_named, database_reason, without_password

    known = database_reason(error)
    if known:
        return known

    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = without_password(lines[0]) if lines else type(error).__name__
    return f"{database_named()} is niet bruikbaar: {reason}"


# The help of the options every command has (Django's and argparse's), by ``dest``, in Dutch.
COMMON_OPTION_HELP = {
    "help": "toon deze hulp en stop",
    "version": "toon het versienummer van Vroegsignaal en stop",
    "verbosity": "hoeveel de opdracht vertelt: 0 weinig, 1 gewoon, 2 meer (ook de logregels), 3 alles",
    "settings": "Python-pad van een instellingenmodule (standaard vroegsignaal.conf.settings)",
    "pythonpath": "map die aan het Python-pad wordt toegevoegd",
    "traceback": "toon bij een fout de volledige traceback (voor een ontwikkelaar)",
    "no_color": "geen kleuren in de uitvoer",
    "force_color": "altijd kleuren in de uitvoer",
    "skip_checks": "sla de systeemcontroles over",
}
# Django's commands for developers, not for running Vroegsignaal, and the refused ones: left out of
# `vroegsignaal help` (they still run, or say why not).
DEVELOPER_COMMANDS = frozenset(
    {
        "compilemessages", "makemessages", "makemigrations", "squashmigrations", "optimizemigration",
        "startapp", "startproject", "test", "testserver", "inspectdb", "diffsettings", "sqlmigrate",
        "sqlsequencereset", "remove_stale_contenttypes",
        "spectacular", "config_table", "generateschema", "findstatic", "runserver",
        # refused (portal/management/commands): they say what to use instead when run
        "createsuperuser", "flush", "sqlflush", "loaddata", "two_factor_disable", "addstatictoken",
    }
)  # fmt: skip


def dutch_help(parser) -> None:
    """``--help`` in Dutch: the common options, the headings and "usage"."""
    import argparse

    for action in parser._actions:
        if action.dest in COMMON_OPTION_HELP and action.help != argparse.SUPPRESS:
            action.help = COMMON_OPTION_HELP[action.dest]
    parser._positionals.title = "argumenten"
    parser._optionals.title = "opties"
    formatter = parser.formatter_class

    class DutchFormatter(formatter):
        def add_usage(self, usage, actions, groups, prefix=None):
            super().add_usage(usage, actions, groups, prefix or "gebruik: ")

    parser.formatter_class = DutchFormatter


def help_text(commands: dict[str, str], *, commands_only: bool = False) -> str:
    """``vroegsignaal help``: the commands an operator uses, by app, in Dutch."""
    shown = sorted(name for name in commands if name not in DEVELOPER_COMMANDS)
    if commands_only:
        return "\n".join(shown)
    by_app: dict[str, list[str]] = {}
    for name in shown:
        app = commands[name].rpartition(".")[2]
        by_app.setdefault(app, []).append(name)
    lines = [
        "Gebruik: vroegsignaal OPDRACHT [opties]; 'vroegsignaal help OPDRACHT' geeft de hulp bij één "
        "opdracht, docs/operations.md zegt wanneer u welke gebruikt.",
        "",
        "Opdrachten:",
    ]
    for app in sorted(by_app):
        lines += ["", f"[{app}]", *(f"    {name}" for name in by_app[app])]
    return "\n".join(lines)


# The services whose log is their output (the journal); every other command prints its own
# report on stdout, and stderr is for failure (cron mails it: docs/operations.md, section 7).
LOGGING_COMMANDS = frozenset({"db_worker", "runserver"})


def quiet_logs(subcommand: str, argv: list[str]) -> None:
    """A command run by hand or by cron logs warnings and errors only, unless asked for more
    (``-v 2``/``-v 3``, or ``LOG_LEVEL``): its INFO lines ("levering verwerkt …") repeat its report
    on stderr, where cron takes them for a failure."""
    import logging

    if subcommand in LOGGING_COMMANDS or os.environ.get("LOG_LEVEL"):
        return
    verbose = any(a in ("-v2", "-v3", "--verbosity=2", "--verbosity=3") for a in argv) or any(
        a in ("-v", "--verbosity") and b in ("2", "3") for a, b in zip(argv, argv[1:], strict=False)
    )
    if not verbose:
        logging.getLogger().setLevel(logging.WARNING)


def database_unreadable(error: Exception) -> str:
    """One line about a database that answers, but not as a database should.

    The driver's plain ``DatabaseError`` is a damaged database ("file is not a database",
    "database disk image is malformed"): its first line, and the way back, a backup. Any other
    kind (a query the database refused) by its class only: such a message may quote stored values.
    """
    from django.db.utils import DatabaseError

    from vroegsignaal.conf.logsafety import database_named, database_reason

    known = database_reason(error)  # PostgreSQL's "relation … does not exist": not migrated
    if known:
        return known
    if type(error) is not DatabaseError:
        return (
            f"De database weigerde een opdracht ({type(error).__name__}). Herhaal de opdracht met "
            "--traceback voor de details."
        )
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = lines[0] if lines else type(error).__name__
    return (
        f"De database kan niet worden gelezen: {reason} ({database_named()}). Zet een reservekopie terug "
        "(docs/operations.md, 'Backups and restore')."
    )


if __name__ == "__main__":
    main()

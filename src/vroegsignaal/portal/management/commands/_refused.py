"""Commands of Django and of django-otp/two-factor that Vroegsignaal refuses, saying what to use instead.

Like ``createsuperuser``, each takes the place of the other app's command (``portal`` is the first
app of ``INSTALLED_APPS``): the one that takes away a second factor without a trace
(``two_factor_disable``), the one that prints a valid reserve code (``addstatictoken``), and those
that wipe every table, the audit log too (``flush``, ``sqlflush``), or write rows past the services
and their audit events (``loaddata``). ``vroegsignaal changepassword NAAM --tweede-factor`` is the
audited way back in (``organisations.services.reset_login``).

Django itself needs ``flush`` and ``loaddata``: the test runner empties the database with the one
between transactional tests, fixtures come with the other. Those two are refused from the command
line only (:class:`NotFromTheCommandLine`); the others always (:class:`Refused`). The arguments are
never read: whatever they are, the answer is the same, exit status 1.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

EXIT_REFUSED = 1


class NotFromTheCommandLine:
    """A command refused on the command line (``vroegsignaal NAME …``), before its arguments are read."""

    refusal = ""

    def run_from_argv(self, argv) -> None:
        self._called_from_command_line = True
        self.stderr.write(self.refusal)
        sys.exit(EXIT_REFUSED)


class Refused(NotFromTheCommandLine, BaseCommand):
    """A command refused wherever it is called from (``call_command`` too)."""

    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("args", nargs="*")

    def handle(self, *args, **options) -> None:
        raise CommandError(self.refusal)

"""``vroegsignaal createsuperuser`` is refused: the platform's operator is a user with the role beheerder.

Django's superuser has no role and no organisation, so it stands outside the
scoping layer and gets every permission in the admin (deleting municipalities,
making other superusers), which the role ``beheerder`` deliberately does not
(``organisations/backends.py``). This command, in the first app of
``INSTALLED_APPS``, takes the place of Django's.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Niet in Vroegsignaal: maak de beheerder met 'vroegsignaal create_user NAAM --role beheerder'."

    def add_arguments(self, parser) -> None:
        parser.add_argument("args", nargs="*")
        parser.add_argument("--username", "--email", "--database", dest="ignored", action="append")
        parser.add_argument("--noinput", "--no-input", action="store_true")

    def handle(self, *args, **options) -> None:
        raise CommandError(
            "createsuperuser wordt in Vroegsignaal niet gebruikt: een superuser valt buiten de rollen en de "
            "afscherming per organisatie. Maak de beheerder met: vroegsignaal create_user NAAM --role beheerder "
            "(drukt een eenmalig wachtwoord af; inloggen met tweestapsverificatie)."
        )

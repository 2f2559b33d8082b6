"""``vroegsignaal sendtestemail ADRES``: Django's test mail, with a clear error when the mail server fails.

The operator's check of ``EMAIL_HOST`` and friends (``docs/operations.md``).
Django's own command ends in a traceback when the server refuses the
connection or the log-in; this one says in one line what went wrong and where
(exit status 1), and says where it sent the mail when it worked. An address
that is no e-mail address, or none at all, is refused before anything is sent.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.management.commands.sendtestemail import Command as DjangoCommand
from django.core.validators import validate_email


def mail_server() -> str:
    security = (
        " met STARTTLS" if settings.EMAIL_USE_TLS else " met TLS" if settings.EMAIL_USE_SSL else ""
    )
    login = f", als {settings.EMAIL_HOST_USER}" if settings.EMAIL_HOST_USER else ""
    return f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}{security}{login}"


class Command(DjangoCommand):
    help = "Stuurt een testbericht naar de opgegeven adressen, om de instellingen EMAIL_* te controleren."
    missing_args_message = "Geef een of meer e-mailadressen op."

    def handle(self, *args, **kwargs):
        for address in kwargs["email"]:
            try:
                validate_email(address)
            except ValidationError:
                raise CommandError(f"'{address[:100]}' is geen e-mailadres; er is niets verstuurd.")
        # Django sends to nobody, and says nothing, when the list asked for is empty.
        for option, setting in (("admins", "ADMINS"), ("managers", "MANAGERS")):
            if kwargs.get(option) and not getattr(settings, setting, None):
                raise CommandError(
                    f"--{option}: Vroegsignaal stelt geen {setting} in, dus er is niemand om de "
                    "testmail naar te sturen; er is niets verstuurd. Geef een e-mailadres op."
                )
        smtp = settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
        try:
            super().handle(*args, **kwargs)
        except (OSError, smtplib.SMTPException) as error:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            where = f" via {mail_server()}" if smtp else ""
            raise CommandError(f"De testmail is niet verstuurd{where}: {reason}")
        recipients = ", ".join(
            [
                *kwargs["email"],
                *(["de beheerders (ADMINS)"] if kwargs.get("admins") else []),
                *(["de managers (MANAGERS)"] if kwargs.get("managers") else []),
            ]
        )
        where = f" via {mail_server()}" if smtp else f" met {settings.EMAIL_BACKEND}"
        self.stdout.write(self.style.SUCCESS(f"Testmail verstuurd naar {recipients}{where}."))

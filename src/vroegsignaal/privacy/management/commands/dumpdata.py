"""``dumpdata``, refusing the models that hold personal data.

Django's ``dumpdata`` writes every field as Python sees it: the encrypted
personal fields (names, birth dates, BSN, contact details, notes) come out
decrypted, in a plain file, with nothing in the audit log. A backup is
``vroegsignaal backup`` (encrypted, audited); configuration and registers can
still be dumped, with the personal models left out (``--exclude``).
"""

from __future__ import annotations

import re

from django.core.management.base import CommandError
from django.core.management.commands import dumpdata

from vroegsignaal.paths import output_problem
from vroegsignaal.privacy.keys import encrypted_fields, installed_models

# Django's dumpdata's refusals, in Dutch (an operator's typing error: an app or model that is not there).
DJANGO_MESSAGES = [
    (
        r"No installed app with label '(?P<label>.*)'\.",
        "Er is geen app '{label}'. De apps: {apps}.",
    ),
    (
        r"Unknown model: (?P<label>.*)",
        "Er is geen model {label} (schrijf app.Model, bijvoorbeeld organisations.Municipality).",
    ),
    (
        r"Unknown serialization format: (?P<format>.*)",
        "Onbekend formaat '{format}'; kies uit {formats}.",
    ),
    (r"You can only use --pks option with one model", "--pks gaat alleen samen met één model."),
    # The cause is Django's (English) text, and may quote a value: --traceback shows it.
    (
        r"Unable to serialize database: .*",
        "De gegevens zijn niet weggeschreven; met --traceback ziet u waarom.",
    ),
]


def in_dutch(message: str) -> str:
    from django.apps import apps
    from django.core import serializers

    for pattern, dutch in DJANGO_MESSAGES:
        match = re.fullmatch(pattern, message, re.DOTALL)
        if match:
            labels = sorted(c.label for c in apps.get_app_configs() if c.models_module is not None)
            formats = sorted(serializers.get_public_serializer_formats())
            return dutch.format(
                **match.groupdict(), apps=", ".join(labels), formats=", ".join(formats)
            )
    return message


def personal_models() -> list[str]:
    """``app_label.ModelName`` of each model with an encrypted (personal) field."""
    return sorted(
        f"{model._meta.app_label}.{model.__name__}"
        for model in installed_models()
        if encrypted_fields(model)
    )


def _selected(labels: list[str], model: str) -> bool:
    app_label = model.split(".", 1)[0]
    return any(label.lower() in (app_label.lower(), model.lower()) for label in labels)


class Command(dumpdata.Command):
    help = (
        "Django's dumpdata, behalve voor modellen met persoonsgegevens: die zouden onversleuteld "
        "in het bestand komen. Een reservekopie maakt u met 'vroegsignaal backup'."
    )

    def handle(self, *app_labels, **options):
        exclude = list(options.get("exclude") or [])
        chosen = [
            m for m in personal_models()
            if (not app_labels or _selected(list(app_labels), m)) and not _selected(exclude, m)
        ]  # fmt: skip
        if chosen:
            raise CommandError(
                "dumpdata zou persoonsgegevens onversleuteld wegschrijven, buiten het auditlog om "
                f"({', '.join(chosen)}). Maak een reservekopie met 'vroegsignaal backup', of sluit deze "
                "modellen uit met --exclude (bijvoorbeeld --exclude "
                f"{chosen[0]})."
            )
        if options.get("output"):
            problem = output_problem(options["output"])
            if problem:
                raise CommandError(problem)
        try:
            return super().handle(*app_labels, **options)
        except CommandError as error:
            raise CommandError(in_dutch(str(error))) from None

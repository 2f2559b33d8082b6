"""``dumpdata``, refusing the models that hold personal data.

Django's ``dumpdata`` writes every field as Python sees it: the encrypted
personal fields (names, birth dates, BSN, contact details, notes) come out
decrypted, in a plain file, with nothing in the audit log. A backup is
``vroegsignaal backup`` (encrypted, audited); configuration and registers can
still be dumped, with the personal models left out (``--exclude``).
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.core.management.commands import dumpdata

from vroegsignaal.privacy.keys import encrypted_fields, installed_models


def personal_models() -> list[str]:
    """``app_label.ModelName`` of each model with an encrypted (personal) field."""
    return sorted(f"{model._meta.app_label}.{model.__name__}" for model in installed_models() if encrypted_fields(model))


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
        return super().handle(*app_labels, **options)

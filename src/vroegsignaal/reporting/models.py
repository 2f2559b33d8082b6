"""The reporting app holds no data of its own; only its permissions live here."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from vroegsignaal.organisations.scoping import Scope


class ReportingPermission(models.Model):
    """A table-less model that carries the reporting permissions.

    ``export_personal_data``: the tray export includes the address columns
    (postcode, huisnummer, straatnaam, …). Without it the export keeps the
    wijk and buurt codes and the figures but leaves the address empty. Give it
    per user (or group) in the admin; the coordinator role alone is not enough.
    """

    scope = Scope()  # no rows

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("export_personal_data", _("Mag persoonsgegevens (adressen) exporteren"))]
        verbose_name = _("rapportage-recht")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

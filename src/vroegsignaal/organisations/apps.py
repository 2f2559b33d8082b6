from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "vroegsignaal.organisations"
    verbose_name = _("Organisaties")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the check that is_staff follows the role)

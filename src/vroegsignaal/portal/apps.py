from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "vroegsignaal.portal"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy check of the database)

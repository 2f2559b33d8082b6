from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "vroegsignaal.privacy"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the key checks)

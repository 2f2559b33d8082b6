from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "vroegsignaal.privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from . import checks  # noqa: F401  (registers the key checks)
        from .receivers import record_login_failed

        # After axes's receiver (axes is earlier in INSTALLED_APPS): see receivers.py.
        user_login_failed.connect(
            record_login_failed, dispatch_uid="vroegsignaal.privacy.login_failed"
        )

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "vroegsignaal.privacy"

from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "vroegsignaal.organisations"

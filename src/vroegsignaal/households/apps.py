from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "vroegsignaal.households"

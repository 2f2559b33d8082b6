from django.apps import AppConfig


class SignalsConfig(AppConfig):
    name = "vroegsignaal.signals"

    def ready(self) -> None:
        from vroegsignaal.registry.services import addresses_placed

        from . import services

        addresses_placed.connect(
            services.follow_address_register, dispatch_uid="signals.follow_address_register"
        )

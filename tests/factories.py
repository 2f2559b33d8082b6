"""Factories for the organisations every test needs."""

from __future__ import annotations

import datetime as dt

import factory

from vroegsignaal.organisations.models import (
    Covenant,
    Creditor,
    CreditorType,
    Municipality,
    Role,
    Team,
    User,
)


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{9000 + n:04d}"[-4:])
    name = factory.Sequence(lambda n: f"Testgemeente {n}")


class CreditorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Creditor
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SE{n:03d}")
    name = factory.Sequence(lambda n: f"Schuldeiser {n}")
    type = CreditorType.HUUR


class CovenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Covenant

    creditor = factory.SubFactory(CreditorFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    valid_from = dt.date(2020, 1, 1)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"TEAM{n:03d}")
    name = factory.Sequence(lambda n: f"Wijkteam {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"gebruiker{n}")
    role = Role.COORDINATOR
    municipality = factory.SubFactory(MunicipalityFactory)
    password = factory.PostGenerationMethodCall("set_password", "een-lang-wachtwoord-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

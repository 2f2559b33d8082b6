"""What the admin tests share: a verified beheerder's client, and a lock-out as django-axes
stores it."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt

from vroegsignaal.organisations.models import Role
from vroegsignaal.organisations.services import create_user


@pytest.fixture
def beheerder_client(verified_client):
    """The admin as a beheerder made by ``create_user``, past the one-time password."""
    user, _ = create_user("beheer", Role.BEHEERDER, None, password="een-lang-wachtwoord-123")
    user.must_change_password = False
    user.save()
    return verified_client(user)


def locked_out(username: str, *, failures: int = 5, post_data: str = "") -> AccessAttempt:
    """axes's record of ``failures`` failed log-ins of ``username`` (its admin lists these)."""
    return AccessAttempt.objects.create(
        username=username,
        path_info="/account/login/",
        failures_since_start=failures,
        user_agent="Firefox",
        ip_address="192.0.2.1",
        http_accept="*/*",
        get_data="",
        post_data=post_data,
    )

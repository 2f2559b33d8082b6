"""The operator's Django commands: no superuser outside the roles, and a test mail that says what happened."""

from __future__ import annotations

import socket
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings

from vroegsignaal.organisations.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "args", [[], ["--username", "root", "--email", "root@example.nl", "--no-input"]]
)
def test_createsuperuser_is_refused_and_points_to_create_user(args):
    with pytest.raises(CommandError) as refused:
        call_command("createsuperuser", *args, stdout=StringIO())
    assert "vroegsignaal create_user NAAM --role beheerder" in str(refused.value)
    assert not User.objects.filter(is_superuser=True).exists()


def test_sendtestemail_says_where_it_sent_the_mail():
    out = StringIO()
    call_command("sendtestemail", "beheer@gemeente.example", stdout=out)
    assert [message.to for message in mail.outbox] == [["beheer@gemeente.example"]]
    assert out.getvalue() == (
        "Testmail verstuurd naar beheer@gemeente.example met django.core.mail.backends.locmem.EmailBackend.\n"
    )


@pytest.mark.parametrize("option", ["--admins", "--managers"])
def test_sendtestemail_to_an_empty_list_says_nobody_got_it(option):
    """It said "Testmail verstuurd naar (niemand)" and exited 0."""
    with pytest.raises(CommandError) as refused:
        call_command("sendtestemail", option, stdout=StringIO())
    assert "er is niets verstuurd" in str(refused.value)
    assert mail.outbox == []


def test_sendtestemail_names_the_mail_server_when_it_cannot_be_reached():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": True,
        "EMAIL_HOST_USER": "vroegsignaal",
        "EMAIL_HOST_PASSWORD": "smtp-wachtwoord",
        "EMAIL_TIMEOUT": 5,
    }
    with override_settings(**smtp), pytest.raises(CommandError) as refused:
        call_command("sendtestemail", "beheer@gemeente.example", stdout=StringIO())
    assert str(refused.value) == (
        f"De testmail is niet verstuurd via 127.0.0.1:{port} met STARTTLS, als vroegsignaal: Connection refused"
    )
    assert "smtp-wachtwoord" not in str(refused.value)

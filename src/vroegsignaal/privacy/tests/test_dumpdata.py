"""``dumpdata`` refuses the models whose fields are personal data: they would leave decrypted."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.factories import MunicipalityFactory
from vroegsignaal.privacy.management.commands.dumpdata import personal_models

pytestmark = pytest.mark.django_db


def test_the_personal_models_are_those_with_encrypted_fields():
    assert {"households.Person", "cases.CaseNote", "cases.ContactAttempt"} <= set(personal_models())
    assert "organisations.Municipality" not in personal_models()


@pytest.mark.parametrize(
    "labels", [(), ("households",), ("households.Person",), ("cases", "organisations")]
)
def test_dumping_personal_models_is_refused_naming_them_and_the_way_out(labels):
    with pytest.raises(CommandError) as refused:
        call_command("dumpdata", *labels, stdout=io.StringIO())
    message = str(refused.value)
    assert "persoonsgegevens onversleuteld" in message and "vroegsignaal backup" in message
    assert "--exclude" in message


def test_configuration_can_still_be_dumped_and_personal_models_excluded():
    MunicipalityFactory(code="0999", name="Voorbeeldstad")
    out = io.StringIO()
    call_command("dumpdata", "organisations.Municipality", stdout=out)
    assert [row["fields"]["code"] for row in json.loads(out.getvalue())] == ["0999"]

    out = io.StringIO()
    excluded = [arg for model in personal_models() for arg in ("--exclude", model)]
    call_command("dumpdata", "households", "cases", *excluded, stdout=out)
    assert json.loads(out.getvalue()) == []

"""django-tasks-db's admin (the worker's task results, a superuser's) speaks the admin's language:
its app and model names, columns, filters and statuses in Dutch from the project's catalog
(conf/locale, conf/thirdparty.py), its own English in English mode."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django_tasks_db.models import DBTaskResult

from tests.english import in_english
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/beheer/django_tasks_database/dbtaskresult/"


@pytest.fixture
def superuser_client(verified_client):
    root = UserFactory(
        username="root", role="", municipality=None, is_staff=True, is_superuser=True
    )
    return verified_client(root)


@pytest.fixture
def task_result():
    return DBTaskResult.objects.create(
        task_path="vroegsignaal.signals.tasks.evaluate_municipality",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=dt.datetime(9999, 1, 1, tzinfo=dt.UTC),
        status="FAILED",
        traceback="Traceback (most recent call last): …",
    )


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    page = re.sub(r"<(script|style).*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_task_results_list_is_dutch(superuser_client, task_result):
    page = _text(superuser_client.get(LIST))
    assert "Achtergrondtaken › Taakresultaten" in page
    assert "Selecteer taakresultaat om te bekijken" in page
    assert (
        "Id Taak Status In de wachtrij gezet op Gestart op Afgerond op Prioriteit Wachtrij" in page
    )
    assert "Op status Alle Wacht Bezig Mislukt Geslaagd" in page
    assert "Op prioriteit" in page and "Op wachtrij" in page
    for english in ["Tasks Database Backend", "Task Result", "Task name", "Enqueued", "Ready"]:
        assert english not in page, english


def test_a_task_result_is_dutch(superuser_client, task_result):
    page = _text(superuser_client.get(f"{LIST}{task_result.pk}/change/"))
    for label in [
        "Status: Mislukt",
        "Argumenten:",
        "Taak (Python-pad): vroegsignaal.signals.tasks.evaluate_municipality",
        "Worker-id's:",
        "Backend: default",
        "Niet uitvoeren vóór: -",
        "Uitkomst:",
        "Soort fout (Python-pad):",
        "Foutverloop (traceback): Traceback (most recent call last)",
    ]:
        assert label in page, label
    for english in ["Args kwargs", "Run after", "Return value", "Exception class", "Failed"]:
        assert english not in page, english


def test_english_mode_keeps_the_task_results_english(superuser_client, task_result):
    client = in_english(superuser_client)
    page = _text(client.get(LIST))
    assert "Tasks Database Backend › Task Results" in page
    assert "Id Task name Status Enqueued at Started at Finished at Priority Queue name" in page
    assert "By status All Ready Running Failed Successful" in page
    result = _text(client.get(f"{LIST}{task_result.pk}/change/"))
    assert "Run after: -" in result and "Traceback: Traceback" in result

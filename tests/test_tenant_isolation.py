"""Tenant isolation, for every URL the project has.

The URL list is read from the resolver, so a new page or endpoint is covered
the moment it exists. For each viewer we build a world with data they must not
see — marked with a secret string — and request every URL, with the object ids
of that forbidden data where the URL takes ids. The viewer must never get the
marker back, and never a 200 for someone else's object.

When a new URL takes a keyword argument this test does not know, it fails and
asks for an entry in ``KWARG_VALUES``: say which forbidden object to use.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import (
    CovenantFactory,
    CreditorFactory,
    MunicipalityFactory,
    TeamFactory,
    UserFactory,
)
from vroegsignaal.organisations.models import Role

SECRET_B = "GEHEIM-B-7f3a"  # everything of municipality B and creditor Y
SECRET_TEAM = "GEHEIM-TEAM-9c1d"  # data of another team in the viewer's own municipality
SECRET_CREDITOR = "GEHEIM-SE-4b2e"  # another creditor in the viewer's own municipality


@dataclass
class World:
    """Two municipalities, two teams in A, creditors X (A) and Y (B), and the viewers."""

    objects: dict[str, object] = field(default_factory=dict)
    viewers: dict[str, object] = field(default_factory=dict)


def build_world() -> World:
    world = World()
    a = MunicipalityFactory(code="0101", name="Gemeente A")
    b = MunicipalityFactory(code="0202", name=f"Gemeente {SECRET_B}")
    team_a1 = TeamFactory(municipality=a, code="TA1", name="Wijkteam A1")
    team_a2 = TeamFactory(municipality=a, code="TA2", name=f"Wijkteam {SECRET_TEAM}")
    team_b = TeamFactory(municipality=b, code="TB1", name=f"Wijkteam {SECRET_B}")
    x = CreditorFactory(code="SEX", name="Schuldeiser X")
    y = CreditorFactory(code="SEY", name=f"Schuldeiser {SECRET_B}")
    z = CreditorFactory(code="SEZ", name=f"Schuldeiser {SECRET_CREDITOR}")
    CovenantFactory(creditor=x, municipality=a, valid_from=dt.date(2020, 1, 1))
    CovenantFactory(creditor=z, municipality=a, valid_from=dt.date(2020, 1, 1))
    covenant_b = CovenantFactory(creditor=y, municipality=b, valid_from=dt.date(2020, 1, 1))
    coordinator_b = UserFactory(
        username="coordinator-b", role=Role.COORDINATOR, municipality=b, first_name=SECRET_B
    )
    # Intake: a delivery (with a rejected row) and an API key of creditor Y.
    from vroegsignaal.intake.models import ApiKey, Delivery, DeliveryRowIssue

    delivery_y = Delivery.objects.create(
        creditor=y,
        kind="stand",
        reference_date=dt.date(2026, 1, 1),
        status="verwerkt",
        sha256="0" * 64,
        via="api",
        filename=f"{SECRET_B}.csv",
        rows_rejected=1,
    )
    DeliveryRowIssue.objects.create(
        delivery=delivery_y,
        row=2,
        klantnummer=SECRET_B,
        field="postcode",
        code="ADRES_ONBEKEND",
        message="x",
    )
    api_key_y = ApiKey.objects.create(
        creditor=y, name=f"Sleutel {SECRET_B}", prefix="feedfacecafe", secret_hash="0" * 64
    )
    world.objects.update(delivery_y=delivery_y, api_key_y=api_key_y)
    # Signals of municipality B: a tray, a household (with a person) and its signal.
    from vroegsignaal.households.models import Household, Person
    from vroegsignaal.signals.models import RuleSet, Signal, Tray

    tray_b = Tray.objects.create(municipality=b, name=f"Bakje {SECRET_B}", position=1)
    household_b = Household.objects.create(municipality=b, unregistered_address="9999ZZ|1||")
    Person.objects.create(
        household=household_b, surname=SECRET_B, initials="B.", birth_date=dt.date(1980, 1, 1),
        birth_date_index="b", surname_index="s", identity_index="i",
    )  # fmt: skip
    signal_b = Signal.objects.create(
        municipality=b, household=household_b, kind="meervoudig", creditor_count=2, total_amount_cents=1,
        oldest_start_date=dt.date(2026, 1, 1), signal_date=dt.date(2026, 2, 1),
        last_signalled_on=dt.date(2026, 2, 1), rule_set=RuleSet.objects.create(municipality=b, version=1),
        tray=tray_b, explanation=SECRET_B,
    )  # fmt: skip
    world.objects.update(tray_b=tray_b, household_b=household_b, signal_b=signal_b)
    # Cases: one of team B in municipality B (its own household and signal).
    from vroegsignaal.cases.models import Case

    household_case_b = Household.objects.create(municipality=b, unregistered_address="9999ZZ|2||")
    signal_case_b = Signal.objects.create(
        municipality=b, household=household_case_b, kind="meervoudig", creditor_count=2, total_amount_cents=1,
        oldest_start_date=dt.date(2026, 1, 1), signal_date=dt.date(2026, 2, 1), status="opgepakt",
        last_signalled_on=dt.date(2026, 2, 1), rule_set=signal_b.rule_set, team=team_b, explanation=SECRET_B,
    )  # fmt: skip
    case_b = Case.objects.create(
        municipality=b, signal=signal_case_b, household=household_case_b, team=team_b,
        picked_up_on=dt.date(2026, 2, 2),
    )  # fmt: skip
    world.objects.update(case_b=case_b)
    # A case of the other team of the viewer's own municipality (team A2), with its household.
    household_case_a2 = Household.objects.create(municipality=a, unregistered_address="1111AA|2||")
    Person.objects.create(
        household=household_case_a2, surname=SECRET_TEAM, initials="T.", birth_date=dt.date(1981, 1, 1),
        birth_date_index="b2", surname_index="s2", identity_index="i2",
    )  # fmt: skip
    signal_case_a2 = Signal.objects.create(
        municipality=a, household=household_case_a2, kind="meervoudig", creditor_count=2, total_amount_cents=1,
        oldest_start_date=dt.date(2026, 1, 1), signal_date=dt.date(2026, 2, 1), status="opgepakt",
        last_signalled_on=dt.date(2026, 2, 1), rule_set=RuleSet.objects.create(municipality=a, version=1),
        team=team_a2, explanation=SECRET_TEAM,
    )  # fmt: skip
    case_a2 = Case.objects.create(
        municipality=a, signal=signal_case_a2, household=household_case_a2, team=team_a2,
        picked_up_on=dt.date(2026, 2, 2),
    )  # fmt: skip
    world.objects.update(case_a2=case_a2, household_case_a2=household_case_a2)
    # Feedback: the viewer X's own event, one of creditor Y (municipality B) and one of creditor Z in A.
    from vroegsignaal.feedback.models import FeedbackEvent

    for creditor, municipality, secret in (
        (x, a, "K-X-1"),
        (y, b, SECRET_B),
        (z, a, SECRET_CREDITOR),
    ):
        FeedbackEvent.objects.create(
            creditor=creditor, municipality=municipality, klantnummer=secret, klantnummer_index=secret[:32],
            signal_reference=secret, kind="niet_opgepakt", date=dt.date(2026, 2, 3),
        )  # fmt: skip
    # Privacy: an audit event, a retention run and an audit check of municipality B.
    from vroegsignaal.privacy import audit
    from vroegsignaal.privacy.models import AuditAction, AuditVerification, RetentionRun

    audit.record(coordinator_b, AuditAction.VIEW, signal_b, purpose=f"inzien {SECRET_B}")
    moment = dt.datetime(2026, 2, 4, 12, tzinfo=dt.UTC)
    RetentionRun.objects.create(
        municipality=b,
        today=dt.date(2026, 2, 4),
        started_at=moment,
        finished_at=moment,
        counts={SECRET_B: 1},
    )
    AuditVerification.objects.create(
        scope_kind="gemeente",
        municipality=b,
        requested_at=moment,
        finished_at=moment,
        ok=False,
        problem=SECRET_B,
    )
    world.objects.update(
        municipality_b=b,
        team_b=team_b,
        team_a2=team_a2,
        creditor_y=y,
        covenant_b=covenant_b,
        user_b=coordinator_b,
    )
    world.viewers.update(
        coordinator=UserFactory(username="coordinator-a", role=Role.COORDINATOR, municipality=a),
        hulpverlener=UserFactory(
            username="hulpverlener-a1", role=Role.HULPVERLENER, team=team_a1, municipality=a
        ),
        schuldeiser=UserFactory(
            username="schuldeiser-x", role=Role.SCHULDEISER, creditor=x, municipality=None
        ),
        privacy_officer=UserFactory(username="fg-a", role=Role.PRIVACY_OFFICER, municipality=a),
    )
    return world


# What each viewer must never see.
FORBIDDEN = {
    "coordinator": (SECRET_B,),
    "hulpverlener": (SECRET_B, SECRET_TEAM, SECRET_CREDITOR),
    "schuldeiser": (SECRET_B, SECRET_CREDITOR),
    "privacy_officer": (SECRET_B,),
}

# URL keyword arguments → which forbidden object fills them.
KWARG_VALUES = {
    "municipality_code": lambda w: w.objects["municipality_b"].code,
    "team_id": lambda w: w.objects["team_b"].pk,
    "creditor_id": lambda w: w.objects["creditor_y"].pk,
    "covenant_id": lambda w: w.objects["covenant_b"].pk,
    "user_id": lambda w: w.objects["user_b"].pk,
    "delivery_id": lambda w: w.objects["delivery_y"].pk,
    "api_key_id": lambda w: w.objects["api_key_y"].pk,
    "tray_id": lambda w: w.objects["tray_b"].pk,
    "household_id": lambda w: w.objects["household_b"].pk,
    "signal_id": lambda w: w.objects["signal_b"].pk,
    "case_id": lambda w: w.objects["case_b"].pk,
    # Django admin (only reachable for beheerders).
    "app_label": lambda w: "organisations",
    "object_id": lambda w: w.objects["user_b"].pk,
    "content_type_id": lambda w: 1,
    "pk": lambda w: w.objects["user_b"].pk,
    "id": lambda w: w.objects["user_b"].pk,  # the admin's password change of a user
    "url": lambda w: "x",
    "path": lambda w: "x",
    "uidb64": lambda w: "x",
    "token": lambda w: "x",
}


def iter_patterns(resolver: URLResolver, prefix: str = "", namespace: str | None = None):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            full_ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else ns
            yield from iter_patterns(entry, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry, namespace


def all_urls(world: World) -> list[tuple[str, bool]]:
    """Every URL of the project as (path, uses_forbidden_ids)."""
    from django.urls import reverse

    urls = []
    for route, pattern, namespace in iter_patterns(get_resolver()):
        if pattern.name is None and not route.startswith("beheer/"):
            raise AssertionError(f"URL '{route}' has no name; name it so it can be tested.")
        kwargs_needed = list(pattern.pattern.regex.groupindex)
        missing = [k for k in kwargs_needed if k not in KWARG_VALUES]
        if missing:
            raise AssertionError(
                f"URL '{route}' takes {missing}; add them to KWARG_VALUES in {__name__} "
                "with an object the viewers must not see."
            )
        kwargs = {k: KWARG_VALUES[k](world) for k in kwargs_needed}
        if pattern.name is None:  # the admin's unnamed redirects: fill the route itself
            url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
            if "^" in url or "(" in url:
                continue
        else:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            try:
                url = reverse(name, kwargs=kwargs)
            except Exception:  # admin's catch-all and similar patterns that reject our filler
                continue
        urls.append((url, bool(kwargs) and not route.startswith("beheer/")))
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", sorted(FORBIDDEN))
def test_no_url_shows_another_organisations_data(viewer, client, verified_client):
    world = build_world()
    user = world.viewers[viewer]
    verified_client(user)
    urls = all_urls(world)
    assert len(urls) >= 5, "the URL walk found suspiciously few URLs"
    problems = []
    for url, with_foreign_ids in urls:
        response = client.get(url)
        if response.status_code >= 500:
            problems.append(f"{url}: server error {response.status_code}")
            continue
        body = b"".join(response) if response.streaming else response.content
        for secret in FORBIDDEN[viewer]:
            if secret.encode() in body:
                problems.append(f"{url}: shows '{secret}' to {viewer}")
        if with_foreign_ids and response.status_code == 200:
            problems.append(f"{url}: answers 200 for another organisation's object")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_url_walk_includes_every_named_url():
    world = build_world()
    urls = [u for u, _ in all_urls(world)]
    assert "/" in urls
    assert "/health/" in urls
    assert "/beheer/" in urls


@pytest.mark.django_db
def test_worker_of_team_a_gets_404_for_every_page_of_a_case_of_team_b_and_it_is_audited(
    client, verified_client
):
    """Issue 6, done when: same municipality, other team — 404, and the attempt is in the audit log."""
    from vroegsignaal.privacy.services import AuditAction, AuditEvent

    world = build_world()
    worker = world.viewers["hulpverlener"]
    case = world.objects["case_a2"]
    verified_client(worker)
    case_urls = [
        route.replace("<int:case_id>", str(case.pk))
        for route, pattern, _ in iter_patterns(get_resolver())
        if "case_id" in pattern.pattern.regex.groupindex
    ]
    assert f"zaken/{case.pk}/" in case_urls
    assert client.get(f"/zaken/{case.pk}/").status_code == 404
    # Every action on it: 404 too (assigning is for coordinators only: 403 before anything is looked up).
    posted = {
        url: client.post(f"/{url}").status_code for url in case_urls if url != f"zaken/{case.pk}/"
    }
    assert posted == {url: 403 if url.endswith("/toewijzen/") else 404 for url in posted}
    denied = AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED,
        object_type="cases.case",
        object_id=str(case.pk),
        actor_username=worker.username,
    )
    assert denied.count() == 1 + sum(1 for status in posted.values() if status == 404)
    household = world.objects["household_case_a2"]
    assert client.get(f"/signalen/huishoudens/{household.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_team_loses_the_household_when_its_case_closes_and_another_team_works_it(
    client, verified_client
):
    """A closed case keeps its history for the team, not the household's current persons and arrears."""
    from vroegsignaal.cases.models import Case, CaseStatus
    from vroegsignaal.households.models import Household
    from vroegsignaal.organisations.scoping import scoped
    from vroegsignaal.signals.models import Signal

    world = build_world()
    worker = world.viewers["hulpverlener"]
    open_case = world.objects["case_a2"]  # team A2 works the household now
    household = world.objects["household_case_a2"]
    earlier = Signal.objects.create(
        municipality=open_case.municipality, household=household, kind="meervoudig", creditor_count=2,
        total_amount_cents=1, oldest_start_date=dt.date(2025, 4, 1), signal_date=dt.date(2025, 5, 1),
        last_signalled_on=dt.date(2025, 5, 1), rule_set=open_case.signal.rule_set, team=worker.team,
        status="afgesloten", closed_on=dt.date(2025, 9, 1), explanation="eerder signaal",
    )  # fmt: skip
    closed = Case.objects.create(
        municipality=open_case.municipality, signal=earlier, household=household, team=worker.team,
        picked_up_on=dt.date(2025, 6, 1), status=CaseStatus.AFGESLOTEN, closed_on=dt.date(2025, 9, 1),
        outcome="Inwoner heeft zelf al betaald/betalingsregeling getroffen",
    )  # fmt: skip
    assert household not in scoped(worker, Household)
    verified_client(worker)
    assert client.get(f"/signalen/huishoudens/{household.pk}/").status_code == 404
    page = client.get(f"/zaken/{closed.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert SECRET_TEAM not in html and f"/signalen/huishoudens/{household.pk}/" not in html
    assert "Deze zaak is afgesloten." in html
    # While the case was open the worker did see the household and its persons.
    Case.objects.filter(pk=closed.pk).update(
        status=CaseStatus.IN_CONTACT, closed_on=None, outcome=""
    )
    assert household in scoped(worker, Household)
    assert SECRET_TEAM in client.get(f"/zaken/{closed.pk}/").content.decode()


def test_the_household_scope_of_a_team_names_every_open_case_status():
    from vroegsignaal.cases.models import CaseStatus
    from vroegsignaal.households.models import Household

    assert Household.scope.team_while == {
        "cases__status__in": [s for s in CaseStatus.values if s != CaseStatus.AFGESLOTEN]
    }

"""The DDAS-vroegsignalering v0.9 export: valid against the schema, or refused with nothing written."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.urls import reverse
from jsonschema import Draft202012Validator

from tests.factories import UserFactory
from vroegsignaal.cases import services as case_services
from vroegsignaal.cases.models import Outcome
from vroegsignaal.demo.services import generate_world
from vroegsignaal.demo.setup import deliver_world
from vroegsignaal.organisations.models import Municipality, Role
from vroegsignaal.organisations.services import load_config, read_config
from vroegsignaal.privacy.services import AuditAction, AuditEvent
from vroegsignaal.reporting import ddas
from vroegsignaal.signals.models import Signal, SignalStatus

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
STANDARD = json.loads(ddas.SCHEMA_PATH.read_text(encoding="utf-8"))


def assert_valid(document: dict) -> None:
    errors = list(
        Draft202012Validator(
            STANDARD, format_checker=Draft202012Validator.FORMAT_CHECKER
        ).iter_errors(document)
    )
    assert errors == []


def export(town, tmp_path, *, start=MARCH, end=dt.date(2026, 3, 31)) -> dict:
    out = tmp_path / "ddas.json"
    call_command(
        "export_ddas",
        municipality=town.municipality.code,
        start=start.isoformat(),
        end=end.isoformat(),
        output=str(out),
    )
    return json.loads(out.read_text(encoding="utf-8"))


def levering(document: dict) -> dict:
    [only] = document["leveringen"]
    return only


@pytest.fixture
def two_creditor_signal(town):
    household = town.household()
    arrears = [
        town.arrear(household, town.energie, {MARCH: 12_345}),
        town.arrear(household, town.huur, {MARCH: 80_050}),
    ]
    return town.signal(household, arrears=arrears, signal_date=MARCH)


# --- the copied schema -------------------------------------------------------


def test_copied_schema_is_the_standard_unchanged():
    from pathlib import Path

    shared = Path(__file__).resolve().parents[5] / "shared" / "standards" / ddas.SCHEMA_PATH.name
    if not shared.exists():
        pytest.skip("shared/standards is not available here")
    assert ddas.SCHEMA_PATH.read_bytes() == shared.read_bytes()


# --- mapping -----------------------------------------------------------------


def test_each_creditor_of_a_signal_is_one_ddas_vroegsignaal(town, two_creditor_signal, tmp_path):
    items = levering(export(town, tmp_path))["vroegsignalen"]
    assert [(i["ID"], i["signaalpartner"]["type"], i["bedrag"]) for i in items] == [
        (f"VS-{two_creditor_signal.pk}-{town.energie.code}", "Energie", 123),
        (f"VS-{two_creditor_signal.pk}-{town.huur.code}", "Huur", 801),
    ]


def test_a_new_signal_is_not_yet_picked_up_and_carries_no_personal_data(
    town, two_creditor_signal, tmp_path
):
    item = levering(export(town, tmp_path))["vroegsignalen"][0]
    assert (item["status"], item["client"], item["signaaldatum"]) == (
        "Nog niet opgepakt",
        {},
        "2026-03-01",
    )


def test_a_declined_signal_carries_its_reason(town, two_creditor_signal, tmp_path):
    case_services.mark_not_picked_up(two_creditor_signal, town.coordinator, "Inwoner is overleden")
    statuses = {i["status"] for i in levering(export(town, tmp_path))["vroegsignalen"]}
    assert statuses == {"Inwoner is overleden"}


def test_a_lapsed_signal_is_not_picked_up_for_another_reason(town, two_creditor_signal, tmp_path):
    Signal.objects.filter(pk=two_creditor_signal.pk).update(
        status=SignalStatus.VERVALLEN, closed_on=MARCH
    )
    statuses = {i["status"] for i in levering(export(town, tmp_path))["vroegsignalen"]}
    assert statuses == {"Niet opgepakt: andere reden"}


def test_a_case_is_a_vroegsignaalzaak_with_attempts_and_result(town, two_creditor_signal, tmp_path):
    user = town.coordinator
    case = case_services.pick_up_signal(two_creditor_signal, user, on=dt.date(2026, 3, 2))
    case_services.log_contact_attempt(
        case, user, kind="Telefoon", reached=True, on=dt.date(2026, 3, 3), part_of_day="Ochtend"
    )
    case_services.record_offer(case, user, made_on=dt.date(2026, 3, 3))  # help comes after it
    case_services.close_case(case, user, Outcome.ADVIES_QUICK_FIX, on=dt.date(2026, 3, 9))
    document = export(town, tmp_path)
    [zaak] = levering(document)["vroegsignaalzaken"]
    assert zaak == {
        "resultaat": "(Budget)advies en/of quick fix",
        "matchingsdatum": "2026-03-01",
        "startdatum_matchtingperiode": "2026-03-01",
        "datum_opgepakt": "2026-03-02",
        "einddatum_matchingperiode": "2026-03-01",
        "vroegsignalen": [
            {"ID": f"VS-{two_creditor_signal.pk}-{town.energie.code}"},
            {"ID": f"VS-{two_creditor_signal.pk}-{town.huur.code}"},
        ],
        "contactpogingen": [
            {"soort": "Telefoon", "bereikt": True, "datum": "2026-03-03", "dagdeel": "Ochtend"}
        ],
    }
    assert "status" not in levering(document)["vroegsignalen"][0]


# --- the signal's figures as evaluated, not its arrears as they are now ------


def evaluated_signal(town, household, on: dt.date) -> Signal:
    """The household's signal as evaluation writes it on peildatum ``on``."""
    from vroegsignaal.signals import services as signal_services

    signal_services.evaluate(town.municipality, reference_date=on)
    return Signal.objects.get(household=household)


def deliver(arrear, on: dt.date, *, cents: int | None = None, crisis: bool | None = None) -> None:
    """A creditor's later delivery changes the arrear (amount, crisis flag), confirmed on ``on``."""
    from vroegsignaal.households.models import Arrear

    changes: dict = {"last_seen_on": on}
    if cents is not None:
        changes["amount_cents"] = cents
    if crisis is not None:
        changes["crisis"] = crisis
    Arrear.objects.filter(pk=arrear.pk).update(**changes)


def by_creditor(document: dict) -> dict[str, dict]:
    return {i["ID"].rsplit("-", 1)[1]: i for i in levering(document)["vroegsignalen"]}


def test_an_arrear_that_became_crisis_after_the_signal_was_handled_does_not_make_it_crisis(
    town, tmp_path
):
    """The crisis flag was any member arrear's flag of now: a declined signal became a crisis
    signal in the export, never in the monitor or the signal export."""
    household = town.household()
    energie = town.arrear(household, town.energie, {MARCH: 12_345})
    town.arrear(household, town.huur, {MARCH: 80_050})
    signal = evaluated_signal(town, household, MARCH)
    case_services.mark_not_picked_up(signal, town.coordinator, "Inwoner is overleden", on=MARCH)
    deliver(energie, dt.date(2026, 4, 1), crisis=True)
    items = by_creditor(export(town, tmp_path))
    assert Signal.objects.get(pk=signal.pk).crisis is False
    assert {code: i["crisissignaal"] for code, i in items.items()} == {
        town.energie.code: False,
        town.huur.code: False,
    }


def test_the_amounts_are_those_the_signal_counts_not_those_of_a_creditor_that_no_longer_counts(
    town, tmp_path
):
    """A creditor whose arrear aged out still sent its vroegsignaal, but the signal's total no
    longer counts it: it has no amount (and no crisis), and the amounts add up to the total."""
    household = town.household()
    energie = town.arrear(household, town.energie, {MARCH: 12_345})  # since 5 January
    huur = town.arrear(household, town.huur, {MARCH: 80_050}, start=dt.date(2026, 2, 20))
    evaluated_signal(town, household, MARCH)
    may = dt.date(2026, 5, 1)  # energie is 116 days old: it no longer counts, huur (70) does
    deliver(energie, may, cents=99_999, crisis=True)
    deliver(huur, may, cents=81_049)
    signal = evaluated_signal(town, household, may)
    items = by_creditor(export(town, tmp_path))
    assert (signal.total_amount_cents, signal.crisis) == (81_049, False)
    assert items[town.huur.code]["bedrag"] == 810
    assert (items[town.huur.code]["crisissignaal"], items[town.huur.code]["ontstaansdatum"]) == (
        False,
        "2026-02-20",
    )
    assert "bedrag" not in items[town.energie.code]
    assert "crisissignaal" not in items[town.energie.code]
    assert items[town.energie.code]["ontstaansdatum"] == "2026-01-05"


def test_a_sleeping_signal_exports_the_figures_it_kept_not_its_arrears_of_now(town, tmp_path):
    """Its arrears aged out: the signal keeps the figures of its last counting evaluation while
    its creditors go on delivering other amounts; the export gives those figures, as the
    monitor and the signal export do."""
    household = town.household()
    energie = town.arrear(household, town.energie, {MARCH: 12_345})
    huur = town.arrear(household, town.huur, {MARCH: 80_050})
    evaluated_signal(town, household, MARCH)
    june, july = dt.date(2026, 6, 1), dt.date(2026, 7, 1)
    deliver(energie, june)
    deliver(huur, june)
    assert evaluated_signal(town, household, june).dormant_since == june
    deliver(energie, july, cents=55_500, crisis=True)
    deliver(huur, july, cents=90_000)
    signal = evaluated_signal(town, household, july)
    items = by_creditor(export(town, tmp_path))
    assert (signal.dormant_since, signal.total_amount_cents, signal.crisis) == (june, 92_395, False)
    assert {code: (i["bedrag"], i["crisissignaal"]) for code, i in items.items()} == {
        town.energie.code: (123, False),
        town.huur.code: (801, False),
    }


def test_only_signals_of_the_period_are_exported(town, two_creditor_signal, tmp_path):
    town.signal(signal_date=dt.date(2026, 4, 1))
    items = levering(export(town, tmp_path))["vroegsignalen"]
    assert {i["ID"].split("-")[1] for i in items} == {str(two_creditor_signal.pk)}


# --- validation, writing, exit codes ----------------------------------------


def test_an_invalid_export_is_refused_and_writes_no_file(
    town, two_creditor_signal, tmp_path, monkeypatch
):
    monkeypatch.setitem(
        ddas.SIGNAL_STATUS, SignalStatus.NIEUW, "Opgepakt"
    )  # not an EnumSignaalstatus value
    out = tmp_path / "ddas.json"
    with pytest.raises(CommandError, match="voldoet niet aan het schema") as refused:
        call_command(
            "export_ddas",
            municipality=town.municipality.code,
            start="2026-03-01",
            end="2026-03-31",
            output=str(out),
        )
    assert list(tmp_path.iterdir()) == []
    # Where and which rule, in Dutch; never the value (it may be a resident's name or BSN).
    message = str(refused.value)
    assert "/status: waarde niet toegestaan (toegestaan: Nog niet opgepakt, " in message, message
    assert "Opgepakt'" not in message and "is not one of" not in message, message


def test_a_schema_problem_names_the_rule_and_its_bound_never_the_value():
    problems = ddas.validation_errors(
        {"leveringen": [{"vroegsignalen": [{"bedrag": "Jan Jansen 123456782"}]}]}
    )
    text = "; ".join(str(p) for p in problems)
    assert problems and "Jan Jansen" not in text and "123456782" not in text, text
    assert "verplicht veld ontbreekt (" in text, text


def test_an_invalid_export_leaves_an_existing_file_alone(
    town, two_creditor_signal, tmp_path, monkeypatch
):
    out = tmp_path / "ddas.json"
    out.write_text("eerder")
    monkeypatch.setitem(ddas.SIGNAL_STATUS, SignalStatus.NIEUW, "Opgepakt")
    with pytest.raises(CommandError):
        call_command(
            "export_ddas",
            municipality=town.municipality.code,
            start="2026-03-01",
            end="2026-03-31",
            output=str(out),
        )
    assert (out.read_text(), [p.name for p in tmp_path.iterdir()]) == ("eerder", ["ddas.json"])


def test_command_says_what_it_wrote(town, two_creditor_signal, tmp_path):
    import io

    out = io.StringIO()
    call_command(
        "export_ddas", municipality=town.municipality.code, start="2026-03-01", end="2026-03-31",
        output=str(tmp_path / "ddas.json"), stdout=out,
    )  # fmt: skip
    assert "2 vroegsignalen en 0 vroegsignaalzaken geschreven naar" in out.getvalue()


def test_command_exits_zero_on_success(town, two_creditor_signal, tmp_path):
    out = tmp_path / "ddas.json"
    execute_from_command_line(
        ["vroegsignaal", "export_ddas", "--municipality", town.municipality.code, "--from", "2026-03-01",
         "--to", "2026-03-31", "--output", str(out)]
    )  # fmt: skip
    assert_valid(json.loads(out.read_text()))


@pytest.mark.parametrize(
    "args",
    [
        ["--municipality", "9876", "--from", "2026-03-01", "--to", "2026-03-31"],
        ["--municipality", "0999", "--from", "2026-13-01", "--to", "2026-03-31"],
        ["--municipality", "0999", "--from", "2026-04-01", "--to", "2026-03-31"],
    ],
    ids=["unknown municipality", "no date", "period reversed"],
)
def test_command_exits_one_on_bad_input(town, tmp_path, args, capsys):
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(
            ["vroegsignaal", "export_ddas", *args, "--output", str(tmp_path / "x.json")]
        )
    assert exit_.value.code == 1
    assert list(tmp_path.iterdir()) == []


def test_command_exits_one_when_the_export_is_invalid(
    town, two_creditor_signal, tmp_path, monkeypatch
):
    monkeypatch.setitem(ddas.SIGNAL_STATUS, SignalStatus.NIEUW, "Opgepakt")
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(
            ["vroegsignaal", "export_ddas", "--municipality", "0999", "--from", "2026-03-01",
             "--to", "2026-03-31", "--output", str(tmp_path / "x.json")]
        )  # fmt: skip
    assert exit_.value.code == 1


def test_command_export_is_audited_with_counts(town, two_creditor_signal, tmp_path):
    export(town, tmp_path)
    event = AuditEvent.objects.get(action=AuditAction.EXPORT, purpose="DDAS-export")
    assert (
        event.object_id,
        event.details["vroegsignalen"],
        event.details["vroegsignaalzaken"],
    ) == (
        str(town.municipality.pk),
        2,
        0,
    )


# --- the coordinator's download ---------------------------------------------


def test_coordinator_downloads_a_valid_audited_export(
    town, two_creditor_signal, client, verified_client
):
    verified_client(town.coordinator)
    response = client.get(
        reverse("reporting:ddas_export"), {"van": "2026-03-01", "tot": "2026-03-31"}
    )
    document = json.loads(response.content)
    assert_valid(document)
    assert len(levering(document)["vroegsignalen"]) == 2
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, purpose="DDAS-export").count() == 1


def test_download_without_a_period_goes_back_with_a_message(town, client, verified_client):
    verified_client(town.coordinator)
    response = client.get(reverse("reporting:ddas_export"), {"van": "gisteren"}, follow=True)
    assert "Vul een begin- en einddatum in" in response.content.decode()


def test_invalid_download_is_refused_with_a_message(
    town, two_creditor_signal, client, verified_client, monkeypatch
):
    monkeypatch.setitem(ddas.SIGNAL_STATUS, SignalStatus.NIEUW, "Opgepakt")
    verified_client(town.coordinator)
    response = client.get(
        reverse("reporting:ddas_export"), {"van": "2026-03-01", "tot": "2026-03-31"}
    )
    assert (response.status_code, response["Location"]) == (
        302,
        f"{reverse('reporting:monitor')}?van=2026-03-01&tot=2026-03-31#ddas",
    )
    assert not AuditEvent.objects.filter(purpose="DDAS-export").exists()


def test_a_refused_download_returns_to_the_same_month_with_the_dates_as_typed(
    town, two_creditor_signal, client, verified_client
):
    """It landed on the bare monitor: the month gone, the dates reset, the message at the top."""
    verified_client(town.coordinator)
    response = client.get(
        reverse("reporting:ddas_export"),
        {"maand": "2026-03", "van": "2026-10-31", "tot": "2026-10-01"},
    )
    assert response["Location"] == (
        f"{reverse('reporting:monitor')}?maand=2026-03&van=2026-10-31&tot=2026-10-01#ddas"
    )
    page = client.get(response["Location"])
    assert page.context["selected"].month == MARCH.replace(day=1)
    ddas_section = page.content.decode().split('id="ddas"', 1)[1]
    assert 'id="ddas-fout" tabindex="-1" autofocus' in ddas_section
    assert "De begindatum ligt na de einddatum." in ddas_section
    assert 'name="van" required value="2026-10-31" aria-invalid="true"' in ddas_section
    assert 'name="tot" required value="2026-10-01" aria-invalid="true"' in ddas_section


def test_the_refusal_is_shown_once_next_to_the_form_not_at_the_top(
    town, two_creditor_signal, client, verified_client
):
    verified_client(town.coordinator)
    back = client.get(reverse("reporting:ddas_export"), {"van": "2026-10-31", "tot": "2026-10-01"})[
        "Location"
    ]
    body = client.get(back).content.decode()
    assert body.count("De begindatum ligt na de einddatum.") == 1
    assert body.index("De begindatum ligt na de einddatum.") > body.index('id="ddas"')
    assert "De begindatum ligt na de einddatum." not in client.get(back).content.decode()


def test_a_period_without_signals_is_refused_instead_of_an_empty_file(
    town, two_creditor_signal, client, verified_client
):
    verified_client(town.coordinator)
    response = client.get(
        reverse("reporting:ddas_export"), {"van": "2030-01-01", "tot": "2030-12-31"}, follow=True
    )
    assert response.redirect_chain[0][1] == 302
    assert (
        "Er zijn geen signalen met een signaaldatum van 1 januari 2030 tot en met"
        " 31 december 2030. Kies een andere periode." in response.content.decode()
    )
    assert not AuditEvent.objects.filter(purpose="DDAS-export").exists()


def test_privacy_officer_may_not_download_the_export(town, client, verified_client):
    officer = UserFactory(username="fg", role=Role.PRIVACY_OFFICER, municipality=town.municipality)
    verified_client(officer)
    response = client.get(
        reverse("reporting:ddas_export"), {"van": "2026-03-01", "tot": "2026-03-31"}
    )
    assert response.status_code == 403


# --- a generated world -------------------------------------------------------


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("wereld")
    generate_world(out, households=800, municipalities=1, months=3, seed=17, noise="realistic")
    return out


@pytest.mark.slow
def test_export_of_a_generated_world_with_cases_validates(world_dir, tmp_path):
    load_config(read_config(world_dir / "config.yaml"))
    call_command("import_neighbourhoods", str(world_dir / "buurten.geojson"), verbosity=0)
    call_command("import_addresses", str(world_dir / "adressen.csv"), verbosity=0)
    deliver_world(world_dir)
    municipality = Municipality.objects.get()
    coordinator = UserFactory(
        username="coordinator-wereld", role=Role.COORDINATOR, municipality=municipality
    )
    signals = list(
        Signal.objects.filter(municipality=municipality, status=SignalStatus.NIEUW).order_by("id")[
            :6
        ]
    )
    assert len(signals) == 6, "the generated world should raise signals"
    for signal in signals[:4]:
        case = case_services.pick_up_signal(signal, coordinator, on=signal.signal_date)
        case_services.log_contact_attempt(
            case, coordinator, kind="Brief", reached=False, on=signal.signal_date
        )
    case_services.close_case(case, coordinator, Outcome.GEEN_HULP_NODIG, on=signal.signal_date)
    case_services.mark_not_picked_up(signals[4], coordinator, "Niet opgepakt: herhaalde melding")
    dates = Signal.objects.filter(municipality=municipality).values_list("signal_date", flat=True)
    out = tmp_path / "ddas.json"
    call_command(
        "export_ddas",
        municipality=municipality.code,
        start=min(dates).isoformat(),
        end=max(dates).isoformat(),
        output=str(out),
    )
    document = json.loads(out.read_text(encoding="utf-8"))
    assert_valid(document)
    delivered = levering(document)
    assert len(delivered["vroegsignaalzaken"]) == 4
    assert (
        len({i["ID"].split("-")[1] for i in delivered["vroegsignalen"]}) == Signal.objects.count()
    )
    # Each signal's DDAS vroegsignalen carry its own figures: crisis exactly when it is, and
    # amounts that add up to its total (each creditor's rounded to whole euros).
    items: dict[int, list[dict]] = {}
    for item in delivered["vroegsignalen"]:
        items.setdefault(int(item["ID"].split("-")[1]), []).append(item)
    for signal_id, crisis, total in Signal.objects.values_list(
        "id", "crisis", "total_amount_cents"
    ):
        mine = items[signal_id]
        assert any(i.get("crisissignaal") for i in mine) is crisis
        assert abs(sum(i.get("bedrag", 0) for i in mine) * 100 - total) <= 50 * len(mine)


def test_command_stopped_by_sigterm_while_writing_leaves_no_temporary_file_and_the_earlier_one(
    town, two_creditor_signal, tmp_path, monkeypatch
):
    import io
    import signal

    from vroegsignaal import paths

    def stopped_before_the_rename(finished, target, *, overwrite):
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, signal.SIG_IGN, None):
            # Sent now, it would end the process on the spot and leave the temporary file.
            pytest.fail("SIGTERM is not handled while the export writes")
        signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr(paths, "put_in_place", stopped_before_the_rename)
    out = tmp_path / "ddas.json"
    out.write_text("eerder")
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stopped:
        call_command(
            "export_ddas", municipality=town.municipality.code, start="2026-03-01",
            end="2026-03-31", output=str(out), overschrijven=True, stdout=io.StringIO(),
        )  # fmt: skip
    assert stopped.value.code == 128 + signal.SIGTERM
    assert (out.read_text(), [p.name for p in tmp_path.iterdir()]) == ("eerder", ["ddas.json"])
    assert signal.getsignal(signal.SIGTERM) == before
    # Stopped at the rename, after the event: the log may name an export that never took its
    # name, never the other way round (see the test below).
    assert AuditEvent.objects.filter(purpose="DDAS-export").count() == 1


@pytest.mark.parametrize("earlier", [False, True], ids=["nieuw", "over-een-eerdere"])
def test_command_export_whose_audit_event_cannot_be_written_leaves_no_file(
    town, two_creditor_signal, tmp_path, monkeypatch, earlier
):
    import io

    from django.db import DatabaseError

    from vroegsignaal.reporting import services

    def refused(*args, **kwargs):
        raise DatabaseError("het auditlog is niet beschikbaar")

    monkeypatch.setattr(services, "record", refused)
    out = tmp_path / "ddas.json"
    if earlier:
        out.write_text("eerder")
    with pytest.raises(DatabaseError):
        call_command(
            "export_ddas", municipality=town.municipality.code, start="2026-03-01",
            end="2026-03-31", output=str(out), overschrijven=earlier, stdout=io.StringIO(),
        )  # fmt: skip
    # The event is written before the file takes its name: no export without its event.
    assert [p.name for p in tmp_path.iterdir()] == (["ddas.json"] if earlier else [])
    if earlier:
        assert out.read_text() == "eerder"

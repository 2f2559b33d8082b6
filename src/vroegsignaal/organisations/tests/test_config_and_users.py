"""load_config applies spec section 3 idempotently; create_user makes users of one organisation and role."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from vroegsignaal.organisations import services
from vroegsignaal.organisations.models import Covenant, Creditor, Municipality, Role, Team, User
from vroegsignaal.signals import services as signal_services
from vroegsignaal.signals.models import RuleSet
from vroegsignaal.signals.rules import RuleValues
from vroegsignaal.signals.services import current_rules

pytestmark = pytest.mark.django_db

CONFIG = """
municipalities:
  - code: "0999"
    name: Voorbeeldstad
    rules:
      max_age_days: 100
      min_creditors: 2
      min_amount_eur: 0
      single_signals: true
      debt_swap_window_days: 60
      repeat_window_days: 183
      count_distinct: creditor
    teams:
      - name: Wijkteam Noord
        neighbourhoods: ["WK099901"]
creditors:
  - code: WOONBRUG
    name: Woonstichting De Brug
    type: Huur
covenants:
  - creditor: WOONBRUG
    municipality: "0999"
    valid_from: 2026-01-01
    valid_until: null
    collection_pause_days: 30
    bsn_allowed: false
"""


def write(tmp_path, text: str):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_spec_example_creates_everything(tmp_path):
    out = StringIO()
    call_command("load_config", str(write(tmp_path, CONFIG)), stdout=out)
    municipality = Municipality.objects.get(code="0999")
    assert municipality.name == "Voorbeeldstad"
    assert Team.objects.get(municipality=municipality).neighbourhood_codes == ["WK099901"]
    covenant = Covenant.objects.get()
    assert (covenant.creditor.code, covenant.valid_from, covenant.collection_pause_days) == (
        "WOONBRUG",
        dt.date(2026, 1, 1),
        30,
    )
    assert RuleSet.objects.get(municipality=municipality).version == 1
    assert "1 nieuw" in out.getvalue()


def test_loading_twice_changes_nothing(tmp_path):
    path = write(tmp_path, CONFIG)
    call_command("load_config", str(path), stdout=StringIO())
    out = StringIO()
    call_command("load_config", str(path), stdout=out)
    assert Municipality.objects.count() == 1
    assert RuleSet.objects.count() == 1
    assert "0 nieuw, 0 bijgewerkt" in out.getvalue()


def test_changed_rules_make_a_new_version(tmp_path):
    call_command("load_config", str(write(tmp_path, CONFIG)), stdout=StringIO())
    call_command(
        "load_config",
        str(write(tmp_path, CONFIG.replace("max_age_days: 100", "max_age_days: 90"))),
        stdout=StringIO(),
    )
    versions = list(RuleSet.objects.order_by("version").values_list("version", "max_age_days"))
    assert versions == [(1, 100), (2, 90)]


def test_changed_rules_are_counted_as_updated(tmp_path):
    call_command("load_config", str(write(tmp_path, CONFIG)), stdout=StringIO())
    out = StringIO()
    call_command(
        "load_config",
        str(write(tmp_path, CONFIG.replace("max_age_days: 100", "max_age_days: 90"))),
        stdout=out,
    )
    assert "regelsets: 0 nieuw, 1 bijgewerkt, 0 ongewijzigd" in out.getvalue()


def test_rules_left_out_of_the_file_keep_what_the_coordinator_set(tmp_path):
    call_command("load_config", str(write(tmp_path, CONFIG)), stdout=StringIO())
    municipality = Municipality.objects.get(code="0999")
    signal_services.set_rules(
        municipality,
        replace(current_rules(municipality).values(), min_creditors=3, min_amount_eur=50),
    )
    without_rules = CONFIG.replace(
        CONFIG[CONFIG.index("    rules:") : CONFIG.index("    teams:")], ""
    )
    call_command("load_config", str(write(tmp_path, without_rules)), stdout=StringIO())
    one_rule = (
        CONFIG[: CONFIG.index("      max_age_days")]
        + "      min_amount_eur: 25\n"
        + CONFIG[CONFIG.index("    teams:") :]
    )
    call_command("load_config", str(write(tmp_path, one_rule)), stdout=StringIO())
    versions = list(
        RuleSet.objects.order_by("version").values_list(
            "version", "min_creditors", "min_amount_eur"
        )
    )
    assert versions == [(1, 2, 0), (2, 3, 50), (3, 3, 25)]


def test_a_changed_valid_from_is_refused_rather_than_adding_an_overlapping_covenant(tmp_path):
    call_command("load_config", str(write(tmp_path, CONFIG)), stdout=StringIO())
    moved = CONFIG.replace("valid_from: 2026-01-01", "valid_from: 2026-02-01")
    with pytest.raises(CommandError) as excinfo:
        call_command("load_config", str(write(tmp_path, moved)), stdout=StringIO())
    assert "overlapt met dat vanaf 2026-01-01 (zonder einddatum)" in str(excinfo.value)
    assert list(Covenant.objects.values_list("valid_from", "valid_until")) == [
        (dt.date(2026, 1, 1), None)
    ]


def test_a_covenant_may_follow_one_that_ends_the_day_before_in_any_order(tmp_path):
    call_command("load_config", str(write(tmp_path, CONFIG)), stdout=StringIO())
    entry = CONFIG[CONFIG.index("  - creditor: WOONBRUG") :]
    following = entry.replace("2026-01-01", "2027-01-01")
    ended = entry.replace("valid_until: null", "valid_until: 2026-12-31")
    call_command(
        "load_config",
        str(write(tmp_path, CONFIG.replace(entry, following + ended))),
        stdout=StringIO(),
    )
    assert list(
        Covenant.objects.order_by("valid_from").values_list("valid_from", "valid_until")
    ) == [
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        (dt.date(2027, 1, 1), None),
    ]


def test_a_new_municipality_without_rules_gets_the_defaults(tmp_path):
    without_rules = CONFIG.replace(
        CONFIG[CONFIG.index("    rules:") : CONFIG.index("    teams:")], ""
    )
    call_command("load_config", str(write(tmp_path, without_rules)), stdout=StringIO())
    assert current_rules(Municipality.objects.get(code="0999")).values() == RuleValues()


@pytest.mark.parametrize(
    "change, message",
    [
        (
            ("creditor: WOONBRUG\n    municipality", "creditor: ONBEKEND\n    municipality"),
            "onbekende schuldeiser 'ONBEKEND'",
        ),
        (("type: Huur", "type: Bakker"), "creditors[0].type: 'Bakker' is onbekend"),
        (("max_age_days: 100", "max_age_days: -5"), "rules.max_age_days"),
        (("valid_from: 2026-01-01", "valid_from: 2026-13-01"), "geen datum"),
        (('["WK099901"]', '["WK123401"]'), "hoort niet bij gemeente 0999"),
        (("count_distinct: creditor", "count_distinct: person"), "count_distinct"),
    ],
)
def test_invalid_configuration_is_refused_whole_with_its_place(tmp_path, change, message):
    old, new = change
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "load_config", str(write(tmp_path, CONFIG.replace(old, new))), stdout=StringIO()
        )
    assert message in str(excinfo.value)
    assert Municipality.objects.count() == 0  # nothing half-applied
    assert Creditor.objects.count() == 0


def test_broken_yaml_names_the_line(tmp_path):
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "load_config", str(write(tmp_path, "municipalities:\n  - code: [\n")), stdout=StringIO()
        )
    assert "regel" in str(excinfo.value)


def test_create_user_prints_one_time_password_and_enrolment_path(tmp_path):
    call_command("load_config", str(write(tmp_path, CONFIG)), stdout=StringIO())
    out = StringIO()
    call_command("create_user", "marieke", role="coordinator", organisation="0999", stdout=out)
    user = User.objects.get(username="marieke")
    password = next(
        line.split(": ", 1)[1]
        for line in out.getvalue().splitlines()
        if line.startswith("Eenmalig")
    )
    assert user.check_password(password)
    assert user.must_change_password
    assert user.municipality.code == "0999"
    assert "/account/two_factor/setup/" in out.getvalue()


def test_create_user_prints_the_full_enrolment_link_with_portal_url(tmp_path, settings):
    settings.PORTAL_URL = "https://vroegsignaal.example.nl/"
    call_command("load_config", str(write(tmp_path, CONFIG)), stdout=StringIO())
    out = StringIO()
    call_command("create_user", "marieke", role="coordinator", organisation="0999", stdout=out)
    assert "op https://vroegsignaal.example.nl/account/two_factor/setup/ " in out.getvalue()


def test_hulpverlener_belongs_to_a_team_and_its_municipality(tmp_path):
    call_command("load_config", str(write(tmp_path, CONFIG)), stdout=StringIO())
    team = Team.objects.get()
    user, _ = services.create_user("wim", Role.HULPVERLENER, team.code)
    assert (user.team, user.municipality) == (team, team.municipality)


@pytest.mark.parametrize(
    "role, organisation, message",
    [
        ("coordinator", "WOONBRUG", "hoort bij een gemeente"),
        ("schuldeiser", "0999", "hoort bij een schuldeiser"),
        ("hulpverlener", "0999", "hoort bij een wijkteam"),
        ("coordinator", "NIETS", "geen gemeente, wijkteam of schuldeiser"),
    ],
)
def test_role_must_fit_the_organisation(tmp_path, role, organisation, message):
    call_command("load_config", str(write(tmp_path, CONFIG)), stdout=StringIO())
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "create_user", "x-user", role=role, organisation=organisation, stdout=StringIO()
        )
    assert message in str(excinfo.value)
    assert not User.objects.filter(username="x-user").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "ontbreekt.yaml", "Het bestand {path} bestaat niet."),
        (lambda tmp: tmp, "{path} is een map; geef het YAML-bestand zelf op."),
        (
            lambda tmp: (
                tmp / "ansi.yaml",
                (tmp / "ansi.yaml").write_bytes("naam: Gemeente Súdwest\n".encode("cp1252")),
            )[0],
            "Het bestand {path} is geen UTF-8; sla het op als UTF-8.",
        ),
    ],
    ids=["ontbreekt", "map", "geen-utf8"],
)
def test_load_config_says_why_a_file_cannot_be_read(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(CommandError) as refused:
        call_command("load_config", str(path), stdout=StringIO())
    assert str(refused.value) == "Configuratie niet geladen: " + message.format(path=path)
    assert Municipality.objects.count() == 0


@pytest.mark.django_db
def test_load_config_refuses_a_device_instead_of_reading_it_without_end():
    """`load_config /dev/zero` read gigabytes in seconds; `deliver` refused the same."""
    with pytest.raises(CommandError) as refused:
        call_command("load_config", "/dev/zero", stdout=StringIO())
    assert "geen gewoon bestand" in str(refused.value)


@pytest.mark.django_db
def test_load_config_refuses_a_file_too_large_to_be_a_configuration(tmp_path, monkeypatch):
    from vroegsignaal.organisations import services as organisation_services

    monkeypatch.setattr(organisation_services, "CONFIG_MAX_BYTES", 1024)
    path = tmp_path / "groot.yaml"
    path.write_text("municipalities: []\n" + "# opvulling\n" * 200, encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("load_config", str(path), stdout=StringIO())
    assert "dat is geen configuratiebestand" in str(refused.value)


def test_changed_rules_are_named_with_the_command_that_applies_them_to_open_signals(tmp_path):
    """It said "regelsets: 0 nieuw, 1 bijgewerkt" and nothing of which or what next."""
    out = StringIO()
    call_command("load_config", str(write(tmp_path, CONFIG)), stdout=out)
    assert "zijn gewijzigd" not in out.getvalue()  # a new municipality: nothing to evaluate again
    out = StringIO()
    call_command(
        "load_config",
        str(write(tmp_path, CONFIG.replace("max_age_days: 100", "max_age_days: 90"))),
        stdout=out,
    )
    code = Municipality.objects.get().code
    assert f"De signaalregels van gemeente {code} zijn gewijzigd." in out.getvalue()
    assert f"vroegsignaal evaluate --municipality {code}\n" in out.getvalue()


def test_create_user_without_an_organisation_says_which_option_gives_it():
    with pytest.raises(CommandError) as refused:
        call_command("create_user", "nieuw", "--role", "coordinator", stdout=StringIO())
    assert str(refused.value) == (
        "Een coördinator hoort bij een gemeente. Geef de code met --organisation CODE."
    )


@pytest.mark.parametrize(
    "role, organisation, message",
    [
        (
            "schuldeiser",
            "0999",
            "Een medewerker van een schuldeiser hoort bij een schuldeiser. "
            "'0999' is de code van een gemeente.",
        ),
        (
            "privacy_officer",
            "WOONBRUG",
            "Een privacy officer hoort bij een gemeente, of bij geen organisatie (voor het hele "
            "platform); 'WOONBRUG' is de code van een schuldeiser.",
        ),
    ],
)
def test_create_user_says_what_the_code_given_is_of(tmp_path, role, organisation, message):
    """It said "Een medewerker van een schuldeiser hoort bij een schuldeiser." only, and of a
    privacy officer with a creditor's code "Alleen medewerkers van schuldeisers horen bij een
    schuldeiser", as if the option named a field to clear."""
    call_command("load_config", str(write(tmp_path, CONFIG)), stdout=StringIO())
    with pytest.raises(CommandError) as refused:
        call_command(
            "create_user", "x-user", role=role, organisation=organisation, stdout=StringIO()
        )
    assert str(refused.value) == message
    assert not User.objects.filter(username="x-user").exists()

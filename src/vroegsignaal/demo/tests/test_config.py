"""config.yaml: the form of spec section 3, referring only to defined codes."""

from __future__ import annotations

import pytest
import yaml

from vroegsignaal.demo.creditors import ROSTER

DDAS_SIGNAALPARTNER = {
    "Energie",
    "Huur",
    "Hypotheek",
    "CAK Zorgverzekeringen",
    "Zorg",
    "Water",
    "DUO",
    "Belastingdienst",
    "CAK Eigen bijdrage",
    "Overige",
    "Dienst Toeslagen",
}
RULE_KEYS = {
    "max_age_days",
    "min_creditors",
    "min_amount_eur",
    "single_signals",
    "debt_swap_window_days",
    "repeat_window_days",
    "count_distinct",
}


@pytest.fixture(scope="module")
def config(hostile_world):
    return yaml.safe_load((hostile_world / "config.yaml").read_text(encoding="utf-8"))


def test_config_has_the_three_sections_of_the_spec(config):
    assert list(config) == ["municipalities", "creditors", "covenants"]


def test_municipality_codes_stay_text_in_any_yaml_reader(hostile_world, config):
    assert all(isinstance(m["code"], str) and len(m["code"]) == 4 for m in config["municipalities"])
    assert '- code: "0999"' in (hostile_world / "config.yaml").read_text(encoding="utf-8")


def test_config_refers_only_to_defined_codes(config):
    municipalities = {m["code"] for m in config["municipalities"]}
    creditors = {c["code"] for c in config["creditors"]}
    for covenant in config["covenants"]:
        assert covenant["creditor"] in creditors and covenant["municipality"] in municipalities
    for m in config["municipalities"]:
        for team in m["teams"]:
            assert all(code.startswith(f"WK{m['code']}") for code in team["neighbourhoods"])


def test_teams_cover_every_wijk_once(hostile_world, config):
    import json

    features = json.loads((hostile_world / "buurten.geojson").read_text(encoding="utf-8"))[
        "features"
    ]
    wijken = {f["properties"]["WK_CODE"] for f in features}
    assigned = [
        code for m in config["municipalities"] for t in m["teams"] for code in t["neighbourhoods"]
    ]
    assert sorted(assigned) == sorted(wijken)


def test_teams_have_fictional_contact_details_for_the_outreach_letter(config):
    teams = [t for m in config["municipalities"] for t in m["teams"]]
    assert teams
    for team in teams:
        assert team["phone"].startswith("14 ") and team["email"].endswith(".example")
        assert team["visiting_address"].startswith("Wijkcentrum ")


def test_creditors_have_ddas_types_and_every_common_type(config):
    types = [c["type"] for c in config["creditors"]]
    assert set(types) <= DDAS_SIGNAALPARTNER
    assert types.count("Zorg") >= 2 and types.count("Energie") >= 2 and types.count("Huur") >= 2
    assert {"Water", "Hypotheek", "CAK Zorgverzekeringen", "Overige"} <= set(types)


def test_rules_use_only_the_keys_of_the_spec(config):
    for m in config["municipalities"]:
        assert set(m["rules"]) <= RULE_KEYS


def test_some_creditor_municipality_pairs_have_no_covenant(config):
    pairs = {(c["creditor"], c["municipality"]) for c in config["covenants"]}
    everything = {(c.code, m["code"]) for c in ROSTER for m in config["municipalities"]}
    assert everything - pairs


def test_covenants_carry_their_terms(config):
    import datetime as dt

    for covenant in config["covenants"]:
        assert isinstance(covenant["valid_from"], dt.date)
        assert covenant["valid_until"] is None or covenant["valid_until"] >= covenant["valid_from"]
        assert isinstance(covenant["bsn_allowed"], bool) and covenant["collection_pause_days"] > 0


@pytest.mark.django_db
def test_config_loads_through_load_config(hostile_world):
    from vroegsignaal.organisations import services
    from vroegsignaal.organisations.models import Covenant, Creditor, Municipality

    data = services.read_config(hostile_world / "config.yaml")
    services.load_config(data)
    assert Municipality.objects.count() == len(data["municipalities"])
    assert Creditor.objects.count() == len(ROSTER)
    assert Covenant.objects.count() == len(data["covenants"])

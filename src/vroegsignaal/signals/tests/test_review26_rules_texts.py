"""Review 26, defect 3: the rules page says what saving new rules does to signals.

The evaluation after a change (every household of the municipality, open signals too) does not
leave existing signals as they were: which arrears count, and with them an open signal's kind,
amount, crisis and debt swap, follow the new rules, a signal not yet picked up can change tray,
and one whose arrears no longer count stays open with its last figures; switching single
signals off only stops new ones. The first tests pin that behaviour, the others the texts."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.messages import get_messages

from tests.english import main_html
from tests.factories import UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals import forms, services
from vroegsignaal.signals.models import Signal, SignalStatus
from vroegsignaal.signals.rules import RuleValues

from .conftest import PEILDATUM
from .rules_support import URL, rules_form

OLD_CLAIM = "bestaande signalen houden de versie"


@pytest.fixture
def town(world):
    services.set_rules(world.municipality, RuleValues())
    world.coordinator = UserFactory(role=Role.COORDINATOR, municipality=world.municipality)
    return world


def evaluate(world):
    services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM)


def change(world, **rules):
    services.change_rules(world.municipality, rules, actor=world.coordinator)
    evaluate(world)  # what the background task does after the change


def signal_of(household) -> Signal:
    return Signal.objects.select_related("tray").get(household=household)


# -- what the code does ----------------------------------------------------------------------------


def test_a_higher_minimum_amount_keeps_an_open_signal_open_with_its_last_figures(town):
    household = town.household()
    town.arrear(household, "WOONBRUG", amount=12_500)
    town.arrear(household, "ENERGIENOORD", amount=12_500)
    evaluate(town)
    change(town, min_amount_eur=500)
    signal = signal_of(household)
    assert (signal.status, signal.dormant_since, signal.total_amount_cents) == (
        SignalStatus.NIEUW, PEILDATUM, 25_000,
    )  # fmt: skip


def test_a_shorter_maximum_age_changes_an_open_signals_figures_and_tray_at_once(town):
    household = town.household()
    town.arrear(household, "WOONBRUG", age=90)
    town.arrear(household, "ENERGIENOORD", age=10)
    evaluate(town)
    assert (signal_of(household).kind, signal_of(household).tray.name) == (
        "meervoudig",
        "Meervoudig",
    )
    change(town, max_age_days=30)
    signal = signal_of(household)
    assert (signal.kind, signal.tray.name, signal.total_amount_cents) == (
        "enkelvoudig",
        "Enkelvoudig",
        12_500,
    )
    assert signal.rule_set.version == 1  # it remembers the version that raised it


def test_switching_single_signals_off_leaves_open_single_signals_open(town):
    household = town.household()
    town.arrear(household, "ZORGZUID")
    evaluate(town)
    change(town, single_signals=False)
    signal = signal_of(household)
    assert (signal.status, signal.kind, signal.dormant_since) == (
        SignalStatus.NIEUW,
        "enkelvoudig",
        None,
    )
    newcomer = town.household()
    town.arrear(newcomer, "ZORGWEST")
    evaluate(town)
    assert not Signal.objects.filter(household=newcomer).exists()  # no new single signal


# -- what the page says ----------------------------------------------------------------------------


def test_the_question_before_saving_says_open_signals_follow_the_new_rules(
    town, client, verified_client
):
    verified_client(town.coordinator)
    html = main_html(client.get(URL))
    confirm = re.search(r'data-confirm="([^"]*)"', html).group(1)
    assert OLD_CLAIM not in html.lower()
    assert "ook die met een open signaal" in confirm
    assert (
        "Een open signaal waarvan geen achterstand meer meetelt, blijft open (slapend)." in confirm
    )
    assert "Enkelvoudige signalen uitzetten sluit geen bestaande signalen." in confirm


def test_the_page_gives_its_script_the_rules_in_force_to_list_what_changes(
    town, client, verified_client
):
    services.change_rules(town.municipality, {"min_amount_eur": 50}, actor=town.coordinator)
    verified_client(town.coordinator)
    html = main_html(client.get(URL))
    data = json.loads(re.search(r'<script id="rules-in-force" type="application/json">(.*?)</script>',
                                html, re.S).group(1))  # fmt: skip
    rules = {rule["name"]: rule for rule in data["rules"]}
    assert rules["min_amount_eur"] == {
        "name": "min_amount_eur", "short": "Minimumbedrag per achterstand", "value": "50", "shown": "€\u00a050",
        "choices": {},
    }  # fmt: skip
    assert rules["single_signals"]["value"] == "ja"
    assert rules["single_signals"]["choices"] == {"ja": "aan", "nee": "uit"}
    assert rules["single_signal_excluded_types"]["value"] == []
    assert data["base"] == forms.rules_confirm_text() and data["heading"] == "Wat verandert:"
    assert 'src="/static/signals/rules.js"' in client.get(URL).content.decode()


def test_the_message_after_saving_lists_each_change_old_to_new_and_what_it_does(
    town, client, verified_client
):
    verified_client(town.coordinator)
    response = client.post(URL, rules_form(min_amount_eur="75", single_signals="nee"))
    ((level, message),) = [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]
    assert level == "success"
    assert message.startswith(
        "De signaalregels zijn opgeslagen als versie 2. Gewijzigd: Minimumbedrag per achterstand: "
        "€\u00a00 → €\u00a075; Enkelvoudige signalen: aan → uit."
    )
    assert "Open signalen krijgen de achterstanden die nu meetellen" in message  # the amount
    assert "bestaande open signalen blijven open" in message  # single signals off
    assert "van soort veranderen" not in message and "herhaald" not in message  # rules not changed
    assert OLD_CLAIM not in message.lower()


@pytest.mark.parametrize(
    ("rules", "says"),
    [({"repeat_window_days": 90}, "bestaande signalen houden hun kenmerk herhaald"),
     ({"debt_swap_window_days": 30}, "kenmerk schuldverschuiving volgens het nieuwe venster"),
     ({"min_creditors": 3}, "Open signalen kunnen van soort veranderen")],
)  # fmt: skip
def test_the_message_after_saving_says_what_each_rule_does_to_existing_signals(rules, says, town):
    rule_set, _created = services.change_rules(town.municipality, rules, actor=town.coordinator)
    assert says in forms.rules_saved_text(rule_set, services.previous_rules(rule_set))

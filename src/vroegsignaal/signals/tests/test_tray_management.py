"""The coordinator's tray management (Werkbakjes beheren, /signalen/regels/werkbakjes/):
the list in order, add, change, move, delete; open signals sorted again after every change;
Dutch errors; refusals for other roles and municipalities; the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from tests.english import in_english, main_html
from tests.factories import CreditorFactory, MunicipalityFactory, TeamFactory, UserFactory
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.models import AuditEvent
from vroegsignaal.registry.models import Neighbourhood
from vroegsignaal.signals import services
from vroegsignaal.signals.models import Signal, SignalStatus, Tray
from vroegsignaal.signals.rules import RuleValues

from .conftest import PEILDATUM

URL = "/signalen/regels/werkbakjes/"
DEFAULT_NAMES = ["Crisis", "Jongeren (< 27)", "Meervoudig", "Schuldverschuiving", "Enkelvoudig"]


@pytest.fixture
def town(world):
    """The world with its default trays, a second buurt, a coordinator and a team for the first buurt."""
    services.set_rules(world.municipality, RuleValues())
    world.other_buurt = Neighbourhood.objects.create(
        code="BU09990102",
        name="Nieuwe Haven",
        kind="buurt",
        wijk=world.wijk,
        municipality=world.municipality,
    )
    world.coordinator = UserFactory(
        username="coordinator", role=Role.COORDINATOR, municipality=world.municipality
    )
    world.team = TeamFactory(municipality=world.municipality, name="Wijkteam Oude Dorp",
                             neighbourhood_codes=[world.buurt.code])  # fmt: skip
    return world


def household_in(world, buurt=None, **kwargs):
    household = world.household(**kwargs)
    if buurt is not None:
        household.address.buurt = buurt
        household.address.save()
    return household


def multiple(world, buurt=None, *, crisis=False, amount=12_500, **kwargs):
    """A household (in ``buurt``, default the world's) with arrears at two creditors."""
    household = household_in(world, buurt, **kwargs)
    world.arrear(
        household, "WOONBRUG", amount=amount, crisis=crisis, reason="ontruiming" if crisis else ""
    )
    world.arrear(household, "ENERGIENOORD", amount=amount)
    return household


def single(world, creditor="ZORGZUID", buurt=None):
    household = household_in(world, buurt)
    world.arrear(household, creditor)
    return household


def evaluate(world):
    services.evaluate(world.municipality, reference_date=PEILDATUM, received_on=PEILDATUM)


def tray_of(household) -> str | None:
    signal = Signal.objects.select_related("tray").get(household=household)
    return signal.tray.name if signal.tray else None


def names(municipality) -> list[str]:
    return list(
        Tray.objects.filter(municipality=municipality)
        .order_by("position", "id")
        .values_list("name", flat=True)
    )


def tray(world, name) -> Tray:
    return Tray.objects.get(municipality=world.municipality, name=name)


def form_data(**values) -> dict:
    """What the form posts with nothing but a name filled in (every condition 'maakt niet uit'), with ``values``."""
    data = {"name": "Nieuw", "kind": "", "crisis": "", "repeat": "", "debt_swap": "", "amount_min_eur": "",
            "amount_max_eur": "", "youngest_age_min": "", "youngest_age_max": "", "oldest_age_min": "",
            "oldest_age_max": "", "team": ""}  # fmt: skip
    data.update(values)
    return data


def tray_events() -> list[tuple[str, str, dict]]:
    return list(
        AuditEvent.objects.filter(object_type="signals.tray")
        .order_by("seq")
        .values_list("action", "purpose", "details")
    )


def move(client, tray_obj, direction, times=1):
    """Press Omhoog/Omlaag ``times``; when the page asks first (open signals would change tray),
    press its "Toch verplaatsen" too."""
    url = reverse("signals:tray_move", args=[tray_obj.pk])
    for _ in range(times):
        response = client.post(url, {"richting": direction})
        if response.status_code == 200:
            confirmation = response.context["confirmation"]
            response = client.post(url, {"richting": direction, "bevestigd": confirmation})
    return response


# ---------------------------------------------------------------------------
# URLs and the list
# ---------------------------------------------------------------------------


def test_urls_live_under_the_rules_and_do_not_collide_with_reportings_trays():
    assert reverse("signals:trays_manage") == URL
    assert reverse("signals:tray_add") == URL + "nieuw/"
    assert reverse("signals:tray_edit", args=[7]) == URL + "7/"
    assert reverse("signals:tray_move", args=[7]) == URL + "7/verplaatsen/"
    assert reverse("signals:tray_delete", args=[7]) == URL + "7/verwijderen/"
    assert resolve(URL).view_name == "signals:trays_manage"
    assert resolve("/signalen/werkbakjes/").view_name == "reporting:trays"
    assert resolve("/signalen/werkbakjes/7/").view_name == "reporting:tray"


def test_the_list_shows_the_trays_in_order_with_conditions_in_words_and_open_counts(
    town, client, verified_client
):
    crisis = multiple(town, crisis=True)
    plain = multiple(town)
    young = multiple(town, born=dt.date(2004, 1, 1))
    zorg = single(town)
    evaluate(town)
    Signal.objects.filter(household=zorg).update(
        status=SignalStatus.NIET_OPGEPAKT, closed_on=PEILDATUM
    )
    assert [tray_of(h) for h in (crisis, plain, young)] == [
        "Crisis",
        "Meervoudig",
        "Jongeren (< 27)",
    ]
    verified_client(town.coordinator)
    response = client.get(URL)
    html = main_html(response)
    rows = response.context["rows"]
    assert [r["tray"].name for r in rows] == DEFAULT_NAMES
    assert [r["place"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["conditions"] for r in rows] == [
        ["crisissignaal"], ["oudste persoon ten hoogste 26 jaar"], ["soort: meervoudig"],
        ["met schuldverschuiving"], ["soort: enkelvoudig"],
    ]  # fmt: skip
    assert [r["open"] for r in rows] == [1, 1, 1, 0, 0]  # the closed single signal is not counted
    assert response.context["unplaced"] == 0 and "past in geen enkel werkbakje" not in html
    # No 'Omhoog' for the first, no 'Omlaag' for the last tray; every tray can be changed and deleted.
    assert html.count('value="omhoog"') == 4 and html.count('value="omlaag"') == 4
    assert 'Omhoog <span class="visually-hidden">werkbakje Jongeren (&lt; 27)</span>' in html
    assert html.count("/verwijderen/") == 5
    assert 'href="/signalen/werkbakjes/"' in html and 'href="/signalen/regels/"' in html
    assert f'href="{URL}nieuw/"' in html


def test_the_rules_page_and_the_trays_overview_link_to_tray_management(
    town, client, verified_client
):
    verified_client(town.coordinator)
    assert f'href="{URL}"' in main_html(client.get("/signalen/regels/"))
    assert f'href="{URL}"' in main_html(client.get("/signalen/werkbakjes/"))


def test_the_conditions_of_a_tray_read_in_words(town):
    team_tray = Tray(
        municipality=town.municipality, name="Alles", position=1, kind="enkelvoudig", crisis=False, repeat=True,
        debt_swap=False, amount_min_eur=100, amount_max_eur=1500, creditor_types=["Huur", "Energie", "Water"],
        youngest_age_min=18, oldest_age_max=66, neighbourhood_codes=[town.wijk.code, "BU00000001"], team=town.team,
    )  # fmt: skip
    from vroegsignaal.signals.forms import tray_summary

    assert tray_summary(team_tray, {town.wijk.code: "Noord"}) == [
        "soort: enkelvoudig", "geen crisissignaal", "herhaald signaal", "zonder schuldverschuiving",
        "totaalbedrag €\u00a0100 tot en met €\u00a01.500", "een schuldeiser van de soort Huur, Energie of Water",
        "jongste persoon ten minste 18 jaar", "oudste persoon ten hoogste 66 jaar",
        "in Noord (WK099901) of BU00000001", "in het gebied van Wijkteam Oude Dorp",
    ]  # fmt: skip
    assert tray_summary(Tray(name="Rest", position=1)) == ["alle signalen (geen voorwaarden)"]


# ---------------------------------------------------------------------------
# Add, move, edit, delete through the pages
# ---------------------------------------------------------------------------


def test_add_a_tray_for_a_buurt_then_move_it_to_the_top_and_its_signals_follow(
    town, client, verified_client
):
    here = multiple(town)
    elsewhere = multiple(town, town.other_buurt)
    evaluate(town)
    verified_client(town.coordinator)
    page = main_html(client.get(URL + "nieuw/"))
    assert (
        "hele wijk Noord (WK099901)" in page
        and "Nieuwe Haven" in page
        and "Wijkteam Oude Dorp" in page
    )
    assert "data-confirm=" in page

    response = client.post(
        URL + "nieuw/", form_data(name="Oude Dorp", neighbourhood_codes=[town.buurt.code])
    )
    added = tray(town, "Oude Dorp")
    assert response.status_code == 302 and response["Location"] == f"{URL}#werkbakje-{added.pk}"
    assert names(town.municipality) == [*DEFAULT_NAMES, "Oude Dorp"]
    assert (
        added.neighbourhood_codes == [town.buurt.code] and added.kind == "" and added.crisis is None
    )
    # At the bottom it takes nothing: Meervoudig above it takes the household first.
    assert (tray_of(here), tray_of(elsewhere)) == ("Meervoudig", "Meervoudig")
    assert (
        "Werkbakje ‘Oude Dorp’ is toegevoegd op plaats 6. Geen open signaal kwam in een ander werkbakje."
        in (client.get(URL).content.decode())
    )

    response = move(client, added, "omhoog", times=5)
    assert response.status_code == 302
    assert names(town.municipality) == ["Oude Dorp", *DEFAULT_NAMES]
    assert list(
        Tray.objects.filter(municipality=town.municipality)
        .order_by("position")
        .values_list("position", flat=True)
    ) == [10, 20, 30, 40, 50, 60]
    assert (tray_of(here), tray_of(elsewhere)) == ("Oude Dorp", "Meervoudig")
    assert "Werkbakje ‘Oude Dorp’ staat nu op plaats 1." in client.get(URL).content.decode()

    assert [(action, purpose) for action, purpose, _ in tray_events()] == [
        ("create", "werkbakje aangemaakt"), *[("update", "werkbakje verplaatst")] * 5,
    ]  # fmt: skip
    created, *moves = [details for _, _, details in tray_events()]
    assert created == {
        "naam": "Oude Dorp",
        "plaats": 6,
        "voorwaarden": ["neighbourhood_codes"],
        "open_signalen_naar_ander_werkbakje": 0,
        "open_signalen_naar_geen_werkbakje": 0,
    }
    assert moves[2] == {
        "naam": "Oude Dorp",
        "van_plaats": 4,
        "naar_plaats": 3,
        "open_signalen_naar_ander_werkbakje": 1,
        "open_signalen_naar_geen_werkbakje": 0,
        "waarvan_opgepakt": 0,
    }
    assert [m["open_signalen_naar_ander_werkbakje"] for m in moves] == [
        0,
        0,
        1,
        0,
        0,
    ]  # it passed Meervoudig on the third move
    event = AuditEvent.objects.filter(object_type="signals.tray").first()
    assert (event.actor_username, event.municipality_code, event.object_id) == (
        "coordinator",
        "0999",
        str(added.pk),
    )


def test_moving_the_first_tray_up_changes_nothing(town, client, verified_client):
    verified_client(town.coordinator)
    response = move(client, tray(town, "Crisis"), "omhoog")
    assert response.status_code == 302
    assert names(town.municipality) == DEFAULT_NAMES
    assert "Werkbakje ‘Crisis’ staat al op plaats 1." in client.get(URL).content.decode()
    assert tray_events() == []
    assert (
        client.post(
            reverse("signals:tray_move", args=[tray(town, "Crisis").pk]), {"richting": "opzij"}
        ).status_code
        == 302
    )
    assert (
        client.get(reverse("signals:tray_move", args=[tray(town, "Crisis").pk])).status_code == 405
    )


def test_moving_down_sorts_the_signals_again(town, client, verified_client):
    crisis = multiple(town, crisis=True)
    evaluate(town)
    verified_client(town.coordinator)
    move(client, tray(town, "Crisis"), "omlaag", times=2)
    assert names(town.municipality) == [
        "Jongeren (< 27)",
        "Meervoudig",
        "Crisis",
        "Schuldverschuiving",
        "Enkelvoudig",
    ]
    assert tray_of(crisis) == "Meervoudig"


def test_edit_a_tray_shows_its_values_and_saves_the_change(town, client, verified_client):
    households = [multiple(town), multiple(town, amount=200_000)]  # € 250 and € 4.000 in total
    evaluate(town)
    meervoudig = tray(town, "Meervoudig")
    verified_client(town.coordinator)
    form = client.get(reverse("signals:tray_edit", args=[meervoudig.pk])).context["form"]
    assert form["kind"].value() == "meervoudig" and form["crisis"].value() == ""

    data = form_data(name="Meervoudig vanaf € 1.000", kind="meervoudig", amount_min_eur="1000",
                     creditor_types=["Huur", "Energie"])  # fmt: skip
    # First what saving would do (a signal would fit no tray), then saved when confirmed.
    response = client.post(reverse("signals:tray_edit", args=[meervoudig.pk]), data)
    assert response.status_code == 200 and response.context["preview"].unplaced == 1
    data["bevestigd"] = response.context["confirmation"]
    response = client.post(reverse("signals:tray_edit", args=[meervoudig.pk]), data)
    assert response.status_code == 302
    meervoudig.refresh_from_db()
    assert (meervoudig.name, meervoudig.amount_min_eur, meervoudig.creditor_types) == (
        "Meervoudig vanaf € 1.000",
        1000,
        ["Energie", "Huur"],  # in the order of the list
    )
    # The € 250 household fits no tray any more; the list says so.
    assert [tray_of(h) for h in households] == [None, "Meervoudig vanaf € 1.000"]
    page = client.get(URL)
    assert page.context["unplaced"] == 1
    html = page.content.decode()
    assert (
        "Werkbakje ‘Meervoudig vanaf € 1.000’ is gewijzigd. Geen open signaal kwam in een ander werkbakje."
        in html
    )
    assert "1 open signaal staat nu in geen werkbakje" in html
    assert "1 open signaal past in geen enkel werkbakje" in html
    ((action, purpose, details),) = tray_events()
    assert (action, purpose) == ("update", "werkbakje gewijzigd")
    assert details == {"naam": "Meervoudig vanaf € 1.000", "gewijzigd": ["amount_min_eur", "creditor_types", "name"],
                       "open_signalen_naar_ander_werkbakje": 0, "open_signalen_naar_geen_werkbakje": 1}  # fmt: skip


def test_saving_a_tray_unchanged_writes_and_audits_nothing(town, client, verified_client):
    jongeren = tray(town, "Jongeren (< 27)")
    verified_client(town.coordinator)
    response = client.post(
        reverse("signals:tray_edit", args=[jongeren.pk]),
        form_data(name="Jongeren (< 27)", oldest_age_max="26"),
        follow=True,
    )
    assert "Er is niets gewijzigd aan werkbakje ‘Jongeren (&lt; 27)’." in response.content.decode()
    assert tray_events() == []


def test_a_team_condition_takes_the_households_in_the_teams_area(town, client, verified_client):
    here, elsewhere = multiple(town), multiple(town, town.other_buurt)
    evaluate(town)
    verified_client(town.coordinator)
    client.post(URL + "nieuw/", form_data(name="Team Oude Dorp", team=str(town.team.pk)))
    move(client, tray(town, "Team Oude Dorp"), "omhoog", times=5)
    assert tray(town, "Team Oude Dorp").team == town.team
    assert (tray_of(here), tray_of(elsewhere)) == ("Team Oude Dorp", "Meervoudig")


def test_delete_asks_first_then_sorts_open_signals_again_and_closed_ones_keep_no_tray(
    town, client, verified_client
):
    open_one, picked_up, closed = multiple(town), multiple(town), multiple(town)
    evaluate(town)
    services.pick_up_signal(Signal.objects.get(household=picked_up))
    services.pick_up_signal(Signal.objects.get(household=closed))
    services.close_signal(Signal.objects.get(household=closed), on=PEILDATUM)
    meervoudig = tray(town, "Meervoudig")
    verified_client(town.coordinator)
    response = client.get(reverse("signals:tray_delete", args=[meervoudig.pk]))
    html = main_html(response)
    assert (response.context["open"], response.context["closed"]) == (2, 1)
    assert "2 open signalen (nieuw of opgepakt) gaan naar het eerste andere werkbakje" in html
    assert "1 gesloten signaal houdt geen werkbakje" in html
    assert "Werkbakje Meervoudig verwijderen" in html
    assert Tray.objects.filter(pk=meervoudig.pk).exists()  # asking deletes nothing

    response = client.post(reverse("signals:tray_delete", args=[meervoudig.pk]))
    assert response.status_code == 302 and response["Location"] == URL
    assert names(town.municipality) == [
        "Crisis",
        "Jongeren (< 27)",
        "Schuldverschuiving",
        "Enkelvoudig",
    ]
    assert list(
        Tray.objects.filter(municipality=town.municipality)
        .order_by("position")
        .values_list("position", flat=True)
    ) == [10, 20, 30, 40]
    # No other tray takes a multiple signal: the open ones (picked up too) have none, the closed one keeps none.
    assert [tray_of(h) for h in (open_one, picked_up, closed)] == [None, None, None]
    assert "Werkbakje ‘Meervoudig’ is verwijderd." in client.get(URL).content.decode()
    ((action, purpose, details),) = tray_events()
    assert (action, purpose) == ("delete", "werkbakje verwijderd")
    assert details == {
        "naam": "Meervoudig",
        "plaats": 3,
        "open_signalen_naar_ander_werkbakje": 0,
        "open_signalen_naar_geen_werkbakje": 2,
        "gesloten_signalen_zonder_werkbakje": 1,
    }


def test_deleting_a_tray_moves_its_open_signals_to_the_next_tray_that_takes_them(
    town, client, verified_client
):
    crisis = multiple(town, crisis=True)
    evaluate(town)
    verified_client(town.coordinator)
    client.post(reverse("signals:tray_delete", args=[tray(town, "Crisis").pk]))
    assert tray_of(crisis) == "Meervoudig"


def test_the_last_tray_cannot_be_deleted(town, client, verified_client):
    for name in DEFAULT_NAMES[1:]:
        services.delete_tray(tray(town, name), actor=town.coordinator)
    last = tray(town, "Crisis")
    verified_client(town.coordinator)
    html = main_html(client.get(URL))
    assert "/verwijderen/" not in html and 'value="omhoog"' not in html
    page = main_html(client.get(reverse("signals:tray_delete", args=[last.pk])))
    assert (
        "Het laatste werkbakje van uw gemeente kan niet worden verwijderd" in page
        and 'method="post"' not in page
    )
    response = client.post(reverse("signals:tray_delete", args=[last.pk]), follow=True)
    assert (
        "Het laatste werkbakje van uw gemeente kan niet worden verwijderd"
        in response.content.decode()
    )
    assert names(town.municipality) == ["Crisis"]
    with pytest.raises(ValueError, match="laatste werkbakje"):
        services.delete_tray(last, actor=town.coordinator)
    assert [a for a, _, _ in tray_events()] == ["delete"] * 4


def test_deleting_down_to_a_tray_without_conditions_sorts_every_open_signal_into_it(
    town, client, verified_client
):
    """A tray with no conditions left alone: re-sorting failed on a choice that was one literal."""
    households = [multiple(town), multiple(town, crisis=True), single(town)]
    evaluate(town)
    catch_all = services.create_tray(
        town.municipality, {"name": "Alle signalen"}, actor=town.coordinator
    ).tray
    verified_client(town.coordinator)
    for name in DEFAULT_NAMES:
        response = client.post(reverse("signals:tray_delete", args=[tray(town, name).pk]))
        assert response.status_code == 302
    assert names(town.municipality) == ["Alle signalen"]
    assert [tray_of(h) for h in households] == [catch_all.name] * 3


def test_a_municipality_without_trays_gets_the_defaults_with_its_first_own_tray(
    world, client, verified_client
):
    coordinator = UserFactory(role=Role.COORDINATOR, municipality=world.municipality)
    verified_client(coordinator)
    assert "Uw gemeente heeft nog geen werkbakjes." in main_html(client.get(URL))
    client.post(URL + "nieuw/", form_data(name="Rest"))
    assert names(world.municipality) == [*DEFAULT_NAMES, "Rest"]


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"name": ""}, {"name": ["Geef het werkbakje een naam."]}),
        ({"name": "meervoudig"}, {"name": ["Uw gemeente heeft al een werkbakje met de naam ‘meervoudig’."]}),
        ({"amount_min_eur": "500", "amount_max_eur": "100"},
         {"amount_max_eur": ["Het totaalbedrag tot en met (€\u00a0100) is lager dan het totaalbedrag vanaf (€\u00a0500)."]}),
        ({"amount_min_eur": "veel"},
         {"amount_min_eur": ["Vul een heel bedrag in euro in, zonder centen, bijvoorbeeld 1000 of 1.000."]}),
        ({"amount_min_eur": "2.50"},
         {"amount_min_eur": ["Vul een heel bedrag in euro in, zonder centen, bijvoorbeeld 1000 of 1.000."]}),
        ({"amount_max_eur": "1.000.001"},
         {"amount_max_eur": ["Vul een bedrag in hele euro’s in van 0 tot en met €\u00a01.000.000, of laat het leeg."]}),
        ({"amount_max_eur": "-1"},
         {"amount_max_eur": ["Vul een bedrag in hele euro’s in van 0 tot en met €\u00a01.000.000, of laat het leeg."]}),
        ({"youngest_age_min": "30", "youngest_age_max": "20"},
         {"youngest_age_max": ["De jongste persoon is ten hoogste 20 jaar en ten minste 30 jaar: dat kan niet tegelijk."]}),
        ({"oldest_age_max": "121"},
         {"oldest_age_max": ["Vul een leeftijd in hele jaren in van 0 tot en met 120, of laat het leeg."]}),
        ({"youngest_age_min": "40", "oldest_age_max": "30"},
         {"oldest_age_max": ["Is de jongste persoon ten minste 40 jaar, dan is de oudste dat ook, en dus niet ten hoogste 30 jaar: "
                             "geen huishouden zou in dit werkbakje komen."]}),
        ({"crisis": "misschien", "kind": "driedubbel"},
         {"crisis": ["Kies ja, nee of maakt niet uit."], "kind": ["Kies meervoudig, enkelvoudig of maakt niet uit."]}),
        ({"creditor_types": ["Casino"]}, {"creditor_types": ["Kies alleen soorten schuldeisers uit de lijst."]}),
        ({"neighbourhood_codes": ["BU03630000"]}, {"neighbourhood_codes": ["Kies alleen wijken en buurten van uw gemeente."]}),
    ],
)  # fmt: skip
def test_invalid_values_show_dutch_errors_and_change_nothing(
    values, errors, town, client, verified_client
):
    verified_client(town.coordinator)
    response = client.post(URL + "nieuw/", form_data(**values))
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    html = main_html(response)
    assert "utrecht-form-field--invalid" in html and "Het werkbakje is niet opgeslagen." in html
    assert names(town.municipality) == DEFAULT_NAMES
    assert tray_events() == []


def test_another_municipalitys_buurt_or_team_and_a_team_without_area_are_refused(
    town, client, verified_client
):
    elsewhere = MunicipalityFactory(code="0888")
    Neighbourhood.objects.create(
        code="BU08880101", name="Elders", kind="buurt", municipality=elsewhere
    )
    their_team = TeamFactory(municipality=elsewhere, neighbourhood_codes=["BU08880101"])
    empty_team = TeamFactory(municipality=town.municipality, name="Wijkteam zonder gebied")
    verified_client(town.coordinator)
    response = client.post(
        URL + "nieuw/", form_data(neighbourhood_codes=["BU08880101"], team=str(their_team.pk))
    )
    assert response.context["form"].errors == {
        "neighbourhood_codes": ["Kies alleen wijken en buurten van uw gemeente."],
        "team": ["Kies een wijkteam van uw gemeente."],
    }
    response = client.post(URL + "nieuw/", form_data(team=str(empty_team.pk)))
    assert (
        response.context["form"]
        .errors["team"][0]
        .startswith(
            "Het wijkteam ‘Wijkteam zonder gebied’ heeft geen wijken of buurten: er zou geen enkel signaal in dit werkbakje komen."
        )
    )
    assert names(town.municipality) == DEFAULT_NAMES


def test_renaming_to_another_trays_name_is_refused_and_keeping_ones_own_name_is_not(
    town, client, verified_client
):
    crisis = tray(town, "Crisis")
    verified_client(town.coordinator)
    url = reverse("signals:tray_edit", args=[crisis.pk])
    response = client.post(url, form_data(name="Enkelvoudig ", crisis="ja"))
    assert response.context["form"].errors == {
        "name": ["Uw gemeente heeft al een werkbakje met de naam ‘Enkelvoudig’."]
    }
    assert client.post(url, form_data(name="CRISIS", crisis="ja")).status_code == 302
    assert tray(town, "CRISIS").crisis is True


def test_the_services_check_the_values_too(town):
    with pytest.raises(ValidationError) as refused:
        services.create_tray(town.municipality, {"name": "Crisis", "amount_min_eur": 10, "amount_max_eur": 5},
                             actor=town.coordinator)  # fmt: skip
    assert set(refused.value.message_dict) == {"name", "amount_max_eur"}
    with pytest.raises(ValidationError):
        services.update_tray(
            tray(town, "Crisis"), {"name": "Crisis", "oldest_age_min": 200}, actor=town.coordinator
        )
    assert names(town.municipality) == DEFAULT_NAMES and tray_events() == []


# ---------------------------------------------------------------------------
# Who may
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["hulpverlener", "schuldeiser", "privacy_officer", "beheerder"])
def test_other_roles_cannot_open_or_change_the_trays(role, town, client, verified_client):
    user = {
        "hulpverlener": lambda: UserFactory(role=Role.HULPVERLENER, team=town.team, municipality=town.municipality),
        "schuldeiser": lambda: UserFactory(role=Role.SCHULDEISER, creditor=CreditorFactory(), municipality=None),
        "privacy_officer": lambda: UserFactory(role=Role.PRIVACY_OFFICER, municipality=town.municipality),
        "beheerder": lambda: UserFactory(role=Role.BEHEERDER, municipality=None),
    }[role]()  # fmt: skip
    crisis = tray(town, "Crisis")
    verified_client(user)
    for url in (URL, URL + "nieuw/", reverse("signals:tray_edit", args=[crisis.pk]),
                reverse("signals:tray_delete", args=[crisis.pk])):  # fmt: skip
        assert client.get(url).status_code == 403
    assert client.post(URL + "nieuw/", form_data(name="Van buiten")).status_code == 403
    assert (
        client.post(
            reverse("signals:tray_edit", args=[crisis.pk]), form_data(name="Anders")
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("signals:tray_move", args=[crisis.pk]), {"richting": "omlaag"}
        ).status_code
        == 403
    )
    assert client.post(reverse("signals:tray_delete", args=[crisis.pk])).status_code == 403
    assert names(town.municipality) == DEFAULT_NAMES
    for change in (
        lambda: services.create_tray(town.municipality, {"name": "Van buiten"}, actor=user),
        lambda: services.update_tray(crisis, {"name": "Anders"}, actor=user),
        lambda: services.move_tray(crisis, 1, actor=user),
        lambda: services.delete_tray(crisis, actor=user),
    ):
        with pytest.raises(PermissionDenied):
            change()
    assert names(town.municipality) == DEFAULT_NAMES and tray_events() == []


def test_a_coordinator_of_another_municipality_gets_404_and_the_services_refuse(
    town, client, verified_client
):
    other = MunicipalityFactory(code="0777", name="Andersdorp")
    services.set_rules(other, RuleValues())
    stranger = UserFactory(role=Role.COORDINATOR, municipality=other)
    crisis = tray(town, "Crisis")
    verified_client(stranger)
    assert [r["tray"].municipality_id for r in client.get(URL).context["rows"]] == [other.pk] * 5
    assert client.get(reverse("signals:tray_edit", args=[crisis.pk])).status_code == 404
    assert client.get(reverse("signals:tray_delete", args=[crisis.pk])).status_code == 404
    assert (
        client.post(
            reverse("signals:tray_edit", args=[crisis.pk]), form_data(name="Weg")
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("signals:tray_move", args=[crisis.pk]), {"richting": "omlaag"}
        ).status_code
        == 404
    )
    assert client.post(reverse("signals:tray_delete", args=[crisis.pk])).status_code == 404
    for change in (
        lambda: services.create_tray(town.municipality, {"name": "Van buiten"}, actor=stranger),
        lambda: services.update_tray(crisis, {"name": "Weg"}, actor=stranger),
        lambda: services.move_tray(crisis, 1, actor=stranger),
        lambda: services.delete_tray(crisis, actor=stranger),
    ):
        with pytest.raises(PermissionDenied):
            change()
    # Nothing changed; each of the five refused requests is in the audit log, not as a change.
    refused = ("access_denied", "werkbakje openen buiten eigen bereik", {})
    assert names(town.municipality) == DEFAULT_NAMES and tray_events() == [refused] * 5
    # Their form offers only their own buurten and teams.
    form = client.get(URL + "nieuw/").context["form"]
    assert list(form.fields["neighbourhood_codes"].choices) == []
    assert list(form.fields["team"].queryset) == []


# ---------------------------------------------------------------------------
# Sorting the open signals again (services.resort_open_signals)
# ---------------------------------------------------------------------------


def test_resorting_agrees_with_evaluation(town):
    """After any change the trays are what a new evaluation would make of them: it moves none."""
    households = [
        multiple(town), multiple(town, town.other_buurt), multiple(town, crisis=True),
        multiple(town, born=dt.date(2003, 6, 1)), multiple(town, amount=300_000), single(town),
        single(town, "WATERNET", town.other_buurt), single(town, "WOONBRUG"),
    ]  # fmt: skip
    evaluate(town)
    c = town.coordinator
    services.create_tray(town.municipality, {"name": "Water", "creditor_types": ["Water"]}, actor=c)
    services.create_tray(town.municipality, {"name": "Groot", "amount_min_eur": 2000}, actor=c)
    services.create_tray(town.municipality, {"name": "Jong in Noord", "youngest_age_max": 30,
                                             "neighbourhood_codes": [town.wijk.code]}, actor=c)  # fmt: skip
    services.create_tray(town.municipality, {"name": "Team", "team": town.team}, actor=c)
    for name in ("Water", "Groot", "Jong in Noord", "Team"):
        services.move_tray(tray(town, name), -10, actor=c)  # to the top, each above the one before
    services.update_tray(
        tray(town, "Crisis"), {"name": "Crisis", "crisis": True, "kind": "enkelvoudig"}, actor=c
    )
    placed = [tray_of(h) for h in households]
    assert placed == ["Team", "Meervoudig", "Team", "Team", "Team", "Team", "Water", "Team"]
    # "Team" (Oude Dorp) is first: everything in Oude Dorp goes there.
    services.move_tray(tray(town, "Team"), 10, actor=c)
    placed = [tray_of(h) for h in households]
    assert placed == [
        "Meervoudig", "Meervoudig", "Meervoudig",  # the new Crisis takes single crisis signals only
        "Jong in Noord", "Groot", "Enkelvoudig", "Water", "Enkelvoudig",
    ]  # fmt: skip
    evaluate(town)
    assert [tray_of(h) for h in households] == placed
    assert services.resort_open_signals(town.municipality) == 0  # nothing left to move


def test_resorting_moves_open_signals_only_and_tells_how_many(town):
    open_one, picked_up, closed = multiple(town), multiple(town), multiple(town)
    evaluate(town)
    services.pick_up_signal(Signal.objects.get(household=picked_up))
    services.decline_signal(Signal.objects.get(household=closed), on=PEILDATUM)
    Tray.objects.filter(municipality=town.municipality, name="Crisis").update(
        crisis=None
    )  # now takes everything
    assert services.resort_open_signals(town.municipality) == 2
    assert [tray_of(h) for h in (open_one, picked_up, closed)] == ["Crisis", "Crisis", "Meervoudig"]
    assert services.resort_open_signals(town.municipality) == 0


def test_resorting_is_set_based(town):
    def queries(n: int) -> int:
        for _ in range(n):
            multiple(town, born=dt.date(1990, 1, 1))
        evaluate(town)
        with CaptureQueriesContext(connection) as captured:
            services.resort_open_signals(town.municipality)
        return len(captured)

    few = queries(2)
    assert queries(20) == few


def test_resorting_leaves_other_municipalities_alone(town):
    here = multiple(town)
    evaluate(town)
    other = MunicipalityFactory(code="0777")
    services.set_rules(other, RuleValues())
    there = multiple(town, municipality=other)
    services.evaluate(other, reference_date=PEILDATUM, received_on=PEILDATUM)
    Tray.objects.filter(municipality=other, name="Crisis").update(crisis=None)
    Tray.objects.filter(municipality=town.municipality, name="Crisis").update(crisis=None)
    assert services.resort_open_signals(town.municipality) == 1
    assert (tray_of(here), tray_of(there)) == ("Crisis", "Meervoudig")


# ---------------------------------------------------------------------------
# English
# ---------------------------------------------------------------------------


def test_the_pages_read_in_english_when_chosen(town, client, verified_client):
    verified_client(town.coordinator)
    in_english(client)
    html = main_html(client.get(URL))
    assert (
        "Manage trays" in html
        and "oldest person at most 26 years" in html
        and "kind: multiple" in html
    )
    response = client.post(URL + "nieuw/", form_data(amount_min_eur="500", amount_max_eur="100"))
    assert response.context["form"].errors["amount_max_eur"] == [
        "The total amount up to and including (€100) is lower than the total amount from (€500)."
    ]


# ---------------------------------------------------------------------------
# Review: the delete page, the form's error summary
# ---------------------------------------------------------------------------


def test_the_delete_page_leaves_out_counts_of_nothing_and_its_button_looks_destructive(
    town, client, verified_client
):
    verified_client(town.coordinator)
    schuldverschuiving = tray(town, "Schuldverschuiving")  # no signals at all
    html = main_html(client.get(reverse("signals:tray_delete", args=[schuldverschuiving.pk])))
    assert "0 open" not in html and "0 gesloten" not in html and "gesloten signa" not in html
    assert "Er staan geen signalen in dit werkbakje." in html
    assert (
        'class="utrecht-button utrecht-button--primary-action utrecht-button--danger">Werkbakje Schuldverschuiving verwijderen'
        in html
    )

    open_one = multiple(town)
    evaluate(town)
    html = main_html(client.get(reverse("signals:tray_delete", args=[tray(town, "Meervoudig").pk])))
    assert "1 open signaal (nieuw of opgepakt) gaat naar het eerste andere werkbakje" in html
    assert "gesloten signa" not in html and "Er staan geen signalen" not in html
    services.pick_up_signal(Signal.objects.get(household=open_one))
    services.close_signal(Signal.objects.get(household=open_one), on=PEILDATUM)
    html = main_html(client.get(reverse("signals:tray_delete", args=[tray(town, "Meervoudig").pk])))
    assert "1 gesloten signaal houdt geen werkbakje" in html and "open signa" not in html


def test_the_delete_page_counts_in_english(town, client, verified_client):
    multiple(town), multiple(town)
    evaluate(town)
    verified_client(town.coordinator)
    in_english(client)
    html = main_html(client.get(reverse("signals:tray_delete", args=[tray(town, "Meervoudig").pk])))
    assert "2 open signals (new or picked up) go to" in html and "closed signal" not in html


def test_the_tray_forms_errors_are_summarised_at_its_top_with_links_to_the_fields(
    town, client, verified_client
):
    verified_client(town.coordinator)
    response = client.post(
        URL + "nieuw/", form_data(name="", amount_min_eur="-5", crisis="misschien")
    )
    html = main_html(response)
    summary = html[html.index('id="foutmeldingen"') :]
    summary = summary[: summary.index("</div>")]
    assert (
        html.index('id="foutmeldingen"') < html.index('name="name"')
        and 'tabindex="-1" autofocus' in html
    )
    assert "Het werkbakje is niet opgeslagen." in summary
    assert 'href="#id_name">Naam: Geef het werkbakje een naam.</a>' in summary
    assert 'href="#id_crisis_0">Crisissignaal: Kies ja, nee of maakt niet uit.</a>' in summary
    assert 'href="#id_amount_min_eur">Totaalbedrag vanaf (euro): Vul een bedrag' in summary
    assert (
        summary.index("#id_name")
        < summary.index("#id_crisis_0")
        < summary.index("#id_amount_min_eur")
    )


def test_amounts_of_conditions_read_as_on_other_pages_in_english(town, client, verified_client):
    verified_client(town.coordinator)
    client.post(URL + "nieuw/", form_data(name="Groot", amount_min_eur="1500"))
    in_english(client)
    html = main_html(client.get(URL))
    assert "total amount at least €1,500" in html


# ---------------------------------------------------------------------------
# Review: amounts with thousands dots, all errors at once, long names
# ---------------------------------------------------------------------------


def test_an_amount_written_with_thousands_dots_is_saved_as_that_many_euros(
    town, client, verified_client
):
    """'1.000' was saved as € 1 (Django's IntegerField drops a decimal part of zeros)."""
    verified_client(town.coordinator)
    response = client.post(
        URL + "nieuw/",
        form_data(name="Groot", amount_min_eur="1.000", amount_max_eur="€ 1.000.000"),
    )
    assert response.status_code == 302
    groot = tray(town, "Groot")
    assert (groot.amount_min_eur, groot.amount_max_eur) == (1000, 1_000_000)


def test_the_tray_form_shows_every_error_at_once_not_in_rounds(town, client, verified_client):
    """A duplicate name, a reversed amount range and a negative age: only the age error showed."""
    verified_client(town.coordinator)
    response = client.post(
        URL + "nieuw/",
        form_data(name="Crisis", amount_min_eur="500", amount_max_eur="100", oldest_age_min="-1"),
    )
    assert set(response.context["form"].errors) == {"name", "amount_max_eur", "oldest_age_min"}
    assert names(town.municipality) == DEFAULT_NAMES


def test_a_refused_field_shows_its_own_error_only_not_a_second_one_from_the_cross_checks(
    town, client, verified_client
):
    verified_client(town.coordinator)
    response = client.post(URL + "nieuw/", form_data(name="", amount_min_eur="veel"))
    assert response.context["form"].errors == {
        "name": ["Geef het werkbakje een naam."],
        "amount_min_eur": [
            "Vul een heel bedrag in euro in, zonder centen, bijvoorbeeld 1000 of 1.000."
        ],
    }


def test_a_name_longer_than_the_column_is_refused_in_dutch(town, client, verified_client):
    verified_client(town.coordinator)
    response = client.post(URL + "nieuw/", form_data(name="W" * 101))
    assert response.context["form"].errors == {"name": ["Een naam is ten hoogste 100 tekens lang."]}
    assert 'maxlength="100"' in main_html(client.get(URL + "nieuw/"))


def test_a_long_name_without_spaces_wraps_in_the_overview_instead_of_widening_it(
    town, client, verified_client
):
    """A 100-character name without a space ran out of the table."""
    from django.contrib.staticfiles import finders

    long_name = "Werkbakje" * 11
    client_tray = services.create_tray(
        town.municipality, {"name": long_name[:100]}, actor=town.coordinator
    )
    verified_client(town.coordinator)
    html = main_html(client.get(URL))
    assert (
        f'<th class="utrecht-table__header-cell" scope="row">{client_tray.tray.name}</th>' in html
    )
    with open(finders.find("signals/rules.css"), encoding="utf-8") as css:
        rules = css.read()
    assert '.trays-table th[scope="row"], .tray-name { overflow-wrap: anywhere; }' in rules

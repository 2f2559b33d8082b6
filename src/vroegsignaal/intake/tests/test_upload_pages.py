"""The creditor's pages under /leveringen/: upload with preview, status, report, API keys."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.formats import date_format

from tests.factories import UserFactory
from vroegsignaal.intake import services
from vroegsignaal.intake.models import ApiKey, ColumnMapping, Delivery
from vroegsignaal.organisations.models import Role
from vroegsignaal.privacy.models import AuditEvent

from .support import csv_bytes, row, stand


@pytest.fixture
def browser(world, verified_client):
    return verified_client(world.user)


def upload(client, content: bytes, name="levering.csv", peildatum="2026-11-01", soort="stand"):
    return client.post(
        "/leveringen/nieuw/",
        {"file": SimpleUploadedFile(name, content), "peildatum": peildatum, "soort": soort},
    )


def test_upload_shows_a_preview_with_the_mapping_then_submitting_delivers(
    world, households, browser
):
    content = csv_bytes([row(n) for n in range(1, 4)]).replace(b"klantnummer;", b"Debiteur;", 1)
    ColumnMapping.objects.create(creditor=world.creditor, mapping={"Debiteur": "klantnummer"})
    response = upload(browser, content)
    assert response.status_code == 302 and response["Location"] == "/leveringen/nieuw/voorbeeld/"

    preview = browser.get("/leveringen/nieuw/voorbeeld/")
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Debiteur" in html and "K-00001" in html and "Jansen" in html
    assert not Delivery.objects.exists()

    submitted = browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "indienen"})
    delivery = Delivery.objects.get()
    assert submitted["Location"] == f"/leveringen/{delivery.pk}/"
    assert delivery.status == "verwerkt" and delivery.via == "upload"
    assert delivery.submitted_by == world.user
    page = browser.get(f"/leveringen/{delivery.pk}/").content.decode()
    assert "Verslag" in page and "Voorbeeldstad" in page
    assert list(services.incoming_dir().iterdir()) == []


def test_preview_shows_the_peildatum_and_kind_as_words(world, households, browser):
    upload(browser, csv_bytes([row(1)]), peildatum="2026-11-01", soort="mutatie")
    html = browser.get("/leveringen/nieuw/voorbeeld/").content.decode()
    assert "<dd>1 november 2026</dd>" in html and "<dd>Mutatie (alleen wijzigingen)</dd>" in html


def test_preview_of_a_file_with_missing_columns_explains_and_offers_the_mapping(
    world, households, browser
):
    content = b"nummer;achternaam\n1;Jansen\n"
    upload(browser, content)
    html = browser.get("/leveringen/nieuw/voorbeeld/").content.decode()
    assert "KOLOM_ONTBREEKT" in html
    assert "Kolomindeling opslaan" in html
    assert 'value="indienen"' not in html  # it would be refused: no button to submit it
    assert 'value="annuleren"' in html


def test_a_refused_preview_offers_the_files_own_headers_for_the_mapping(world, households, browser):
    """The mapping rows were empty: the creditor had to type "Geb. datum" over exactly."""
    content = csv_bytes([row(1)]).replace(b"geboortedatum;", b"Geb. datum;", 1)
    upload(browser, content)
    response = browser.get("/leveringen/nieuw/voorbeeld/")
    assert "KOLOM_ONTBREEKT" in response.content.decode()
    rows = {
        f.initial["header"]: f.initial["field"] for f in response.context["formset"] if f.initial
    }
    assert rows["Geb. datum"] == ""  # to choose its field from the list
    assert rows["achternaam"] == "achternaam"  # what was recognised, as it was read


def test_saving_the_mapping_from_the_preview(world, households, browser):
    upload(browser, csv_bytes([row(1)]).replace(b"klantnummer;", b"Debiteur;", 1))
    form = {
        "actie": "kolommen",
        "kolom-TOTAL_FORMS": "1",
        "kolom-INITIAL_FORMS": "0",
        "kolom-0-header": "Debiteur",
        "kolom-0-field": "klantnummer",
    }
    assert browser.post("/leveringen/nieuw/voorbeeld/", form).status_code == 302
    assert ColumnMapping.objects.get(creditor=world.creditor).mapping == {"Debiteur": "klantnummer"}
    assert "K-00001" in browser.get("/leveringen/nieuw/voorbeeld/").content.decode()


def test_a_mapping_the_preview_cannot_save_is_shown_again_with_its_errors(
    world, households, browser
):
    """It used to be dropped without a word: back to the preview, as if saved."""
    upload(browser, csv_bytes([row(1)]).replace(b"klantnummer;", b"Debiteur;", 1))
    form = {
        "actie": "kolommen",
        "kolom-TOTAL_FORMS": "1",
        "kolom-INITIAL_FORMS": "0",
        "kolom-0-header": "D" * 201,
        "kolom-0-field": "geen-veld",
    }
    response = browser.post("/leveringen/nieuw/voorbeeld/", form)
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<p class="utrecht-paragraph error-summary__title">De kolomindeling is niet opgeslagen.</p>'
        in html
    )
    assert "Zorg dat deze waarde niet meer dan 200 tekens bevat (het zijn er nu 201)." in html
    assert "Selecteer een geldige keuze. geen-veld is geen beschikbare keuze." in html
    assert '<details class="mapping-details" open>' in html
    assert not ColumnMapping.objects.exists()
    # A form without its management fields is refused the same way.
    response = browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "kolommen"})
    assert (
        response.status_code == 200
        and "De kolomindeling is niet opgeslagen" in response.content.decode()
    )
    assert not ColumnMapping.objects.exists() and not Delivery.objects.exists()


def test_cancelling_the_preview_deletes_the_file(world, households, browser):
    upload(browser, stand([1, 2]))
    browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "annuleren"})
    assert list(services.incoming_dir().iterdir()) == []
    assert not Delivery.objects.exists()


def test_future_peildatum_is_a_form_error(world, households, browser):
    response = upload(browser, stand([1]), peildatum="2999-01-01")
    assert response.status_code == 200
    assert "De peildatum ligt in de toekomst." in response.content.decode()


def test_a_peildatum_before_2000_is_a_form_error(world, households, browser):
    response = upload(browser, csv_bytes([row(1)]), peildatum="0001-01-01")
    assert response.status_code == 200
    assert response.context["form"].errors["peildatum"] == [
        "De peildatum ligt vóór 1 januari 2000."
    ]
    assert not Delivery.objects.exists()


def test_status_fragment_polls_while_running_and_stops_with_the_report(
    world, households, browser, monkeypatch
):
    monkeypatch.setattr(services, "_enqueue", lambda pk: None)
    delivery = services.receive_delivery(
        world.creditor,
        stand(range(1, 4)),
        filename="a.csv",
        reference_date="2026-11-01",
        via="upload",
        background=True,
    )
    running = browser.get(f"/leveringen/{delivery.pk}/status/").content.decode()
    assert 'hx-trigger="every 1s"' in running and "<progress" in running
    services.process_delivery(delivery.pk)
    done = browser.get(f"/leveringen/{delivery.pk}/status/").content.decode()
    assert "hx-trigger" not in done and "Verslag" in done
    # The badge names the status; the sentence beside it says what it means, not the status again.
    assert "Verwerkt</span> De achterstanden zijn bijgewerkt; het verslag staat hieronder." in done


def test_rejected_rows_download_is_csv_and_audited(world, households, browser):
    rows = [row(n) for n in range(1, 5)] + [row(5, postcode="1234AZ")]
    delivery = services.receive_delivery(
        world.creditor, csv_bytes(rows), filename="a.csv", reference_date="2026-11-01", via="upload"
    )
    response = browser.get(f"/leveringen/{delivery.pk}/fouten.csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "rij;klantnummer;veld;code;melding"
    assert lines[1].startswith("6;K-00005;postcode;ADRES_ONBEKEND;")
    assert AuditEvent.objects.filter(action="export", object_id=str(delivery.pk)).count() == 1


def test_held_delivery_is_confirmed_on_its_page(world, households, browser):
    services.receive_delivery(
        world.creditor,
        stand(range(1, 11)),
        filename="a.csv",
        reference_date="2026-11-01",
        via="upload",
    )
    held = services.receive_delivery(
        world.creditor, stand([1]), filename="b.csv", reference_date="2026-11-08", via="upload"
    )
    page = browser.get(f"/leveringen/{held.pk}/").content.decode()
    assert "Bevestigen en verwerken" in page
    browser.post(f"/leveringen/{held.pk}/bevestigen/")
    held.refresh_from_db()
    assert held.status == "verwerkt" and held.confirmed_by == world.user
    # Afterwards the page still says that the safety check held it, and who confirmed it.
    page = browser.get(f"/leveringen/{held.pk}/").content.decode()
    when = date_format(timezone.localtime(held.confirmed_at), "j F Y H:i")
    assert "Tegengehouden: deze stand zou 9 van de 10 openstaande achterstanden afmelden." in page
    assert f"Bevestigd op {when} in het portaal door {world.user.username}." in page
    assert "Bevestigen en verwerken" not in page


def test_list_shows_own_deliveries_only(world, households, browser):
    services.receive_delivery(
        world.creditor, stand([1]), filename="mijn.csv", reference_date="2026-11-01", via="upload"
    )
    services.receive_delivery(
        world.other_creditor,
        stand([2]),
        filename="andermans.csv",
        reference_date="2026-11-01",
        via="upload",
    )
    html = browser.get("/leveringen/").content.decode()
    assert "mijn.csv" in html and "andermans.csv" not in html


def test_api_key_is_shown_once_and_can_be_revoked(world, households, browser):
    created = browser.post("/leveringen/api-sleutels/", {"name": "Incasso"})
    assert created.status_code == 302 and created["Location"] == "/leveringen/api-sleutels/"
    response = browser.get("/leveringen/api-sleutels/")
    html = response.content.decode()
    key = ApiKey.objects.get()
    assert "no-store" in response["Cache-Control"]
    assert f'value="{key.prefix}.' in html
    again = browser.get("/leveringen/api-sleutels/").content.decode()
    assert f'value="{key.prefix}.' not in again and "Incasso" in again

    confirm_page = browser.get(f"/leveringen/api-sleutels/{key.pk}/intrekken/")
    assert "Weet u zeker" in confirm_page.content.decode()
    assert ApiKey.objects.get().revoked_at is None
    browser.post(f"/leveringen/api-sleutels/{key.pk}/intrekken/")
    assert ApiKey.objects.get().revoked_at is not None


def test_other_roles_get_403(world, households, verified_client):
    coordinator = UserFactory(
        username="coord", role=Role.COORDINATOR, municipality=world.voorbeeldstad
    )
    client = verified_client(coordinator)
    for url in (
        "/leveringen/",
        "/leveringen/nieuw/",
        "/leveringen/api-sleutels/",
        "/leveringen/kolommen/",
    ):
        assert client.get(url).status_code == 403, url


def test_navigation_shows_leveringen_to_creditor_staff(world, browser):
    assert 'href="/leveringen/"' in browser.get("/").content.decode()


def test_list_says_a_held_stand_the_creditor_declined_was_not_confirmed(world, households, browser):
    services.receive_delivery(
        world.creditor,
        stand(range(1, 11)),
        filename="vol.csv",
        reference_date="2026-11-01",
        via="upload",
    )
    held = services.receive_delivery(
        world.creditor,
        stand(range(1, 3)),
        filename="half.csv",
        reference_date="2026-11-08",
        via="upload",
    )
    declined = services.decline_delivery(held, world.user)
    assert declined.declined_by_creditor
    html = browser.get("/leveringen/").content.decode()
    assert html.count("niet bevestigd door u; er is niets verwerkt") == 1
    assert '<span class="status-badge status-afgewezen">Niet bevestigd</span>' in html
    assert "Regels geaccepteerd" in html


def test_an_older_stand_held_says_the_later_peildatum_as_a_date(world, households, browser):
    services.receive_delivery(
        world.creditor,
        stand(range(1, 11)),
        filename="nov.csv",
        reference_date="2026-11-08",
        via="upload",
    )
    held = services.receive_delivery(
        world.creditor,
        stand(range(1, 11)),
        filename="okt.csv",
        reference_date="2026-10-08",
        via="upload",
    )
    html = browser.get(f"/leveringen/{held.pk}/").content.decode()
    assert "een latere peildatum (8 november 2026)" in html
    assert html.count("Er is nog niets verwerkt.") == 1


def test_report_shows_how_the_files_columns_were_read(world, households, browser):
    content = csv_bytes([row(n) for n in range(1, 4)]).replace(b"klantnummer;", b"Debiteur;", 1)
    ColumnMapping.objects.create(creditor=world.creditor, mapping={"Debiteur": "klantnummer"})
    upload(browser, content)
    browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "indienen"})
    delivery = Delivery.objects.get()
    page = browser.get(f"/leveringen/{delivery.pk}/").content.decode()
    assert "Zo zijn uw kolommen gelezen" in page
    mapping = page[page.index("Zo zijn uw kolommen gelezen") :]
    assert '<code>klantnummer</code></td><td class="utrecht-table__cell">Debiteur</td>' in mapping
    assert mapping.index("<code>klantnummer</code>") < mapping.index(
        "<code>achternaam</code>"
    )  # the spec's order
    assert "ook de geaccepteerde regels zijn niet verwerkt" not in page


def test_a_refused_report_says_its_accepted_rows_were_not_applied(world, households, browser):
    bad = [row(n, postcode="XXXX") for n in range(1, 4)] + [
        row(4)
    ]  # more than half rejected: TE_VEEL_FOUTEN
    delivery = services.receive_delivery(
        world.creditor, csv_bytes(bad), filename="a.csv", reference_date="2026-11-01"
    )
    assert delivery.status == "afgewezen" and delivery.rows_accepted == 1
    page = browser.get(f"/leveringen/{delivery.pk}/").content.decode()
    assert "de levering is geweigerd, dus ook de geaccepteerde regels zijn niet verwerkt" in page


def test_api_key_page_links_the_api_description(world, households, browser):
    html = browser.get("/leveringen/api-sleutels/").content.decode()
    assert 'href="/api/v1/schema/"' in html and "<code>melding</code>" in html


def _report_text(browser, delivery) -> str:
    import re

    html = browser.get(f"/leveringen/{delivery.pk}/").content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_held_stand_shows_no_arrear_counts_yet_and_a_declined_one_says_it_was_the_creditors_choice(
    world, households, browser
):
    services.receive_delivery(
        world.creditor, stand(range(1, 11)), filename="vol.csv", reference_date="2026-11-01"
    )
    held = services.receive_delivery(
        world.creditor, stand(range(1, 3)), filename="half.csv", reference_date="2026-11-08"
    )
    text = _report_text(browser, held)
    assert "Achterstanden afgemeld —" in text  # not "0": nothing is applied yet
    assert "zodra de stand is verwerkt" in text
    services.decline_delivery(held, world.user)
    text = _report_text(browser, held)
    assert "U heeft deze stand niet bevestigd, dus er is niets verwerkt." in text
    assert "Lever het bestand opnieuw aan" not in text


def test_the_report_shows_the_arrears_confirmed_unchanged_next_to_new_changed_and_cleared(
    world, households, browser
):
    services.receive_delivery(
        world.creditor, stand(range(1, 6)), filename="a.csv", reference_date="2026-11-01"
    )
    again = services.receive_delivery(
        world.creditor, stand(range(1, 7)), filename="a.csv", reference_date="2026-11-08"
    )
    text = _report_text(browser, again)
    assert (
        "Achterstanden nieuw 1 Achterstanden gewijzigd 0 Achterstanden afgemeld 0 "
        "Achterstanden ongewijzigd (al bekend) 5"
    ) in text
    assert "ongewijzigd" not in " ".join(n["melding"] for n in again.report["opmerkingen"])
    # A report stored before the figure existed shows none.
    again.report.pop("achterstanden_ongewijzigd")
    again.save(update_fields=["report"])
    assert "Achterstanden ongewijzigd (al bekend) —" in _report_text(browser, again)


def test_a_duplicate_links_the_delivery_that_had_the_content_and_asks_nothing_more(
    world, households, browser
):
    first = services.receive_delivery(
        world.creditor, stand(range(1, 4)), filename="a.csv", reference_date="2026-11-01"
    )
    again = services.receive_delivery(
        world.creditor, stand(range(1, 4)), filename="a.csv", reference_date="2026-11-01"
    )
    html = browser.get(f"/leveringen/{again.pk}/").content.decode()
    assert f'href="/leveringen/{first.pk}/">levering {first.pk}</a>' in html
    assert "Lever het bestand opnieuw aan" not in html


def test_report_counts_have_thousands_separators(world, households, browser):
    delivery = services.receive_delivery(
        world.creditor, stand(range(1, 4)), filename="a.csv", reference_date="2026-11-01"
    )
    Delivery.objects.filter(pk=delivery.pk).update(rows_received=30_000)
    assert "Regels ontvangen 30.000" in _report_text(browser, delivery)


def test_after_an_error_in_step_1_the_page_asks_to_choose_the_file_again(
    world, households, browser
):
    """The browser does not keep the chosen file when the form comes back with an error."""
    response = upload(browser, stand(range(1, 3)), peildatum="2099-01-01")
    errors = response.context["form"].errors
    assert errors["peildatum"] == ["De peildatum ligt in de toekomst."]
    assert errors["file"] == ["Kies het bestand opnieuw: na een melding is het niet meer gekozen."]


def test_rows_routed_on_postcode_only_are_counted_with_a_thousands_separator():
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    html = render_to_string(
        "intake/_report.html",
        {
            "delivery": SimpleNamespace(pk=1, status="verwerkt", rows_rejected=0),
            "report": {
                "gerouteerd_per_gemeente": [
                    {"gemeentecode": "0999", "gemeente": "X", "regels": 2000}
                ],
                "gerouteerd_alleen_op_postcode": 1234,
            },
        },
    )
    assert "1.234 regels zijn alleen op postcode gerouteerd" in html


# --- a column mapping: two columns cannot be one field ----------------------------------


def _mapping_form(*rows: tuple[str, str], **extra) -> dict:
    form = {"kolom-TOTAL_FORMS": str(len(rows)), "kolom-INITIAL_FORMS": "0", **extra}
    for i, (header, field) in enumerate(rows):
        form[f"kolom-{i}-header"] = header
        form[f"kolom-{i}-field"] = field
    return form


SAME_FIELD = (
    "„Naam” en „Str” wijzen allebei naar achternaam; kies voor één van beide een ander veld "
    "of „negeren”."
)


def test_the_preview_refuses_a_mapping_of_two_columns_to_one_field_naming_both(
    world, households, browser
):
    upload(browser, csv_bytes([row(1)]))
    form = _mapping_form(("Naam", "achternaam"), ("Str", "achternaam"), actie="kolommen")
    response = browser.post("/leveringen/nieuw/voorbeeld/", form)
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors() == [SAME_FIELD]
    assert not ColumnMapping.objects.exists()


def test_the_column_mapping_page_refuses_two_columns_for_one_field(world, browser):
    form = _mapping_form(("Naam", "achternaam"), ("Str", "achternaam"), ("Plaats", "woonplaats"))
    response = browser.post("/leveringen/kolommen/", form)
    assert response.status_code == 200
    assert SAME_FIELD in response.content.decode()
    assert not ColumnMapping.objects.exists()


def test_three_columns_for_one_field_are_named_together(world, browser):
    form = _mapping_form(("A", "postcode"), ("B", "postcode"), ("C", "postcode"))
    response = browser.post("/leveringen/kolommen/", form)
    assert response.context["formset"].non_form_errors() == [
        "„A”, „B” en „C” wijzen allemaal naar postcode; kies voor alle kolommen op één na "
        "een ander veld of „negeren”."
    ]


def test_a_removed_or_ignored_column_does_not_count_as_a_second_one(world, browser):
    form = _mapping_form(
        ("Familienaam", "achternaam"), ("Str", "achternaam"), ("Oud", ""), ("Leeg", "")
    )
    form["kolom-1-remove"] = "on"
    assert browser.post("/leveringen/kolommen/", form).status_code == 302
    assert ColumnMapping.objects.get().mapping == {"Familienaam": "achternaam"}


# --- API keys: post, redirect, get ------------------------------------------------------


def test_reloading_the_page_after_making_an_api_key_makes_no_second_key(world, households, browser):
    browser.post("/leveringen/api-sleutels/", {"name": "Incasso"})
    shown = browser.get("/leveringen/api-sleutels/").content.decode()
    reloaded = browser.get("/leveringen/api-sleutels/").content.decode()
    prefix = ApiKey.objects.get().prefix
    assert f'value="{prefix}.' in shown and f'value="{prefix}.' not in reloaded


def test_a_new_api_key_is_in_no_address_and_leaves_the_session_once_shown(
    world, households, browser
):
    created = browser.post("/leveringen/api-sleutels/", {"name": "Incasso"})
    key = ApiKey.objects.get()
    assert key.prefix not in created["Location"]
    assert browser.session.get("intake_new_api_key", "").startswith(f"{key.prefix}.")
    browser.get("/leveringen/api-sleutels/")
    assert "intake_new_api_key" not in browser.session
    assert AuditEvent.objects.filter(purpose="API-sleutel aangemaakt").count() == 1


# --- a preview of a file the column mapping cannot help ----------------------------------


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"\n\n", "BESTAND_LEEG"),
        (csv_bytes([]), "BESTAND_LEEG"),  # the header only
        (b"\xff\xfe\x00\x00garbage", "BESTAND_ONLEESBAAR"),
    ],
)
def test_a_preview_of_a_file_the_mapping_cannot_help_offers_another_file(
    world, households, browser, content, code
):
    upload(browser, content, name="levering.xlsx" if code == "BESTAND_ONLEESBAAR" else "a.csv")
    html = browser.get("/leveringen/nieuw/voorbeeld/").content.decode()
    assert code in html
    assert "Kolomindeling aanpassen" not in html and "kolom-TOTAL_FORMS" not in html
    assert "Pas zo nodig hieronder de kolomindeling aan" not in html
    assert 'value="ander_bestand"' in html and "Ander bestand kiezen" in html


def test_choosing_another_file_deletes_the_staged_one_and_goes_back_to_step_1(
    world, households, browser
):
    upload(browser, csv_bytes([]))
    response = browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "ander_bestand"})
    assert response["Location"] == "/leveringen/nieuw/?peildatum=2026-11-01&soort=stand"
    assert list(services.incoming_dir().iterdir()) == []
    assert not Delivery.objects.exists()


def test_a_preview_of_a_file_with_unknown_columns_keeps_the_mapping_and_no_other_file_button(
    world, households, browser
):
    upload(browser, csv_bytes([row(1)]).replace(b"telefoonnummer", b"Opmerking", 1))
    html = browser.get("/leveringen/nieuw/voorbeeld/").content.decode()
    assert "Kolomindeling aanpassen" in html and 'value="ander_bestand"' not in html


# --- a preview of a file delivered before ------------------------------------------------


def test_the_preview_warns_that_the_same_file_was_delivered_before(world, households, browser):
    earlier = services.receive_delivery(
        world.creditor, stand([1, 2]), filename="a.csv", reference_date="2026-11-01"
    )
    upload(browser, stand([1, 2]))
    html = browser.get("/leveringen/nieuw/voorbeeld/").content.decode()
    when = date_format(timezone.localtime(earlier.received_at), "j F Y")
    assert (
        f'Dit bestand is op {when} al aangeleverd (<a class="utrecht-link" '
        f'href="/leveringen/{earlier.pk}/">levering {earlier.pk}</a>); indienen wordt geweigerd '
        "als LEVERING_DUBBEL."
    ) in html


def test_the_preview_does_not_warn_of_another_creditors_delivery_of_the_same_file(
    world, households, browser
):
    services.receive_delivery(
        world.other_creditor, stand([1, 2]), filename="a.csv", reference_date="2026-11-01"
    )
    upload(browser, stand([1, 2]))
    assert "al aangeleverd" not in browser.get("/leveringen/nieuw/voorbeeld/").content.decode()


def test_the_preview_does_not_warn_of_the_same_file_for_another_peildatum(
    world, households, browser
):
    """A CSV carries no peildatum: last month's unchanged stand is a new delivery."""
    services.receive_delivery(
        world.creditor, stand([1, 2]), filename="a.csv", reference_date="2026-10-01"
    )
    upload(browser, stand([1, 2]))
    assert "al aangeleverd" not in browser.get("/leveringen/nieuw/voorbeeld/").content.decode()


def _submit_buttons(html: str) -> list[str]:
    """The preview's form buttons as (value, class) text, in order."""
    import re

    return re.findall(r'<button type="submit" name="actie" value="([a-z_]+)" class="([^"]+)"', html)


def test_a_preview_of_a_file_delivered_before_offers_another_file_instead_of_submitting(
    world, households, browser
):
    earlier = services.receive_delivery(
        world.creditor, stand([1, 2]), filename="a.csv", reference_date="2026-11-01"
    )
    upload(browser, stand([1, 2]))
    html = browser.get("/leveringen/nieuw/voorbeeld/").content.decode()
    buttons = _submit_buttons(html)
    assert "indienen" not in [value for value, _class in buttons]
    assert buttons[0] == ("ander_bestand", "utrecht-button utrecht-button--primary-action")
    assert "Daarom kunt u dit bestand niet nog een keer indienen; kies een ander bestand." in html
    assert f'href="/leveringen/{earlier.pk}/">levering {earlier.pk}</a>' in html
    # The column mapping cannot make it another delivery: no editor.
    assert "Kolomindeling aanpassen" not in html and "kolom-TOTAL_FORMS" not in html


def test_a_preview_of_the_same_file_for_another_peildatum_can_be_submitted(
    world, households, browser
):
    services.receive_delivery(
        world.creditor, stand([1, 2]), filename="a.csv", reference_date="2026-10-01"
    )
    upload(browser, stand([1, 2]))
    html = browser.get("/leveringen/nieuw/voorbeeld/").content.decode()
    assert _submit_buttons(html)[0] == ("indienen", "utrecht-button utrecht-button--primary-action")
    assert "Kolomindeling aanpassen" in html


def test_submitting_a_preview_of_a_file_delivered_before_anyway_is_refused_and_recorded(
    world, households, browser
):
    """The form posted without its button (spec 1.1, 1.6: the same service as the API and the
    command): refused as LEVERING_DUBBEL, recorded as a refused delivery, nothing else changed."""
    earlier = services.receive_delivery(
        world.creditor, stand([1, 2]), filename="a.csv", reference_date="2026-11-01"
    )
    upload(browser, stand([1, 2]))
    response = browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "indienen"})
    refused = Delivery.objects.exclude(pk=earlier.pk).get()
    assert response["Location"] == f"/leveringen/{refused.pk}/"
    assert refused.status == "afgewezen" and refused.via == "upload"
    assert refused.report["weigering"]["codes"] == ["LEVERING_DUBBEL"]
    assert f"Zelfde inhoud als levering {earlier.pk}." in refused.report["weigering"]["melding"]
    assert list(services.incoming_dir().iterdir()) == []


def test_a_file_delivered_between_preview_and_submit_is_refused_as_levering_dubbel(
    world, households, browser
):
    upload(browser, stand([1, 2]))
    html = browser.get("/leveringen/nieuw/voorbeeld/").content.decode()
    assert _submit_buttons(html)[0][0] == "indienen"
    earlier = services.receive_delivery(  # meanwhile, through the API or the command
        world.creditor, stand([1, 2]), filename="a.csv", reference_date="2026-11-01"
    )
    browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "indienen"})
    refused = Delivery.objects.exclude(pk=earlier.pk).get()
    assert refused.status == "afgewezen"
    assert refused.report["weigering"]["codes"] == ["LEVERING_DUBBEL"]


def test_choosing_another_file_keeps_the_peildatum_and_soort_chosen(world, households, browser):
    services.receive_delivery(
        world.creditor, stand([1, 2]), filename="a.csv", reference_date="2026-11-01"
    )
    upload(browser, stand([1, 2]), peildatum="2026-11-01", soort="mutatie")
    response = browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "ander_bestand"})
    assert response["Location"] == "/leveringen/nieuw/?peildatum=2026-11-01&soort=mutatie"
    assert list(services.incoming_dir().iterdir()) == []
    form = browser.get(response["Location"]).context["form"]
    assert not form.is_bound
    html = browser.get(response["Location"]).content.decode()
    assert 'value="2026-11-01"' in html
    assert '<option value="mutatie" selected>' in html


def test_choosing_another_file_keeps_what_the_json_file_said_out_of_the_choice(
    world, households, browser
):
    """What the preview filled in from a JSON file was the file's, not the creditor's choice."""
    import json

    body = {"peildatum": "2026-11-01", "soort": "stand", "achterstanden": [row(1)]}
    upload(browser, json.dumps(body).encode(), name="a.json", peildatum="", soort="")
    assert "(uit het bestand)" in browser.get("/leveringen/nieuw/voorbeeld/").content.decode()
    response = browser.post("/leveringen/nieuw/voorbeeld/", {"actie": "ander_bestand"})
    assert response["Location"] == "/leveringen/nieuw/?peildatum=&soort="
    html = browser.get(response["Location"]).content.decode()
    assert '<option value="" selected>' in html and 'value="2026-11-01"' not in html


def test_the_upload_page_ignores_choices_in_its_address_that_are_no_choice(world, browser):
    html = browser.get("/leveringen/nieuw/?peildatum=morgen&soort=alles").content.decode()
    assert '<option value="stand" selected>' in html and 'value="morgen"' not in html


def test_the_report_says_u_heeft_not_u_hebt(world, households, browser):
    services.receive_delivery(
        world.creditor, stand(range(1, 11)), filename="nov.csv", reference_date="2026-11-08"
    )
    older = services.receive_delivery(
        world.creditor, stand(range(1, 11)), filename="okt.csv", reference_date="2026-10-08"
    )
    assert "U heeft al een stand met een latere peildatum (8 november 2026)" in _report_text(
        browser, older
    )
    services.decline_delivery(older, world.user)
    assert "U heeft deze stand niet bevestigd, dus er is niets verwerkt." in _report_text(
        browser, older
    )
    bad = [row(n, postcode="XXXX") for n in range(1, 4)] + [row(4)]  # TE_VEEL_FOUTEN
    refused = services.receive_delivery(
        world.creditor, csv_bytes(bad), filename="a.csv", reference_date="2026-11-01"
    )
    text = _report_text(browser, refused)
    assert "Lever het bestand opnieuw aan als u het heeft verbeterd." in text
    assert "u het hebt" not in text


def test_a_preview_of_a_file_delivered_before_says_only_that_as_receipt_refuses_it_first(
    world, households, browser
):
    """Receipt refuses LEVERING_DUBBEL before the file is read: no second refusal that a column
    mapping might change."""
    import datetime as dt
    import hashlib

    content = csv_bytes([])  # the header only: BESTAND_LEEG once read
    earlier = Delivery.objects.create(
        creditor=world.creditor,
        kind="stand",
        reference_date=dt.date(2026, 11, 1),
        status="verwerkt",
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
    )
    upload(browser, content)
    html = browser.get("/leveringen/nieuw/voorbeeld/").content.decode()
    assert f"levering {earlier.pk}</a>" in html
    assert "BESTAND_LEEG" not in html and "Zo zou de levering worden geweigerd" not in html
    assert _submit_buttons(html)[0][0] == "ander_bestand"

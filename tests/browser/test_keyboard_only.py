"""The portal with the keyboard only, as a user who cannot use a mouse (and often hears the page through a
screen reader): Tab, Enter and Space, and where the focus is after each step (WCAG 2.1.1, 2.4.2, 2.4.3,
2.4.7, 3.3.1, 4.1.3). The axe walk (test_every_page_accessibility.py) does not see these."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.steps import PASSWORD, code_for, log_in_with_password
from tests.browser.steps import log_in as log_in_with_code
from tests.browser.test_reporting_layout import LAPTOP, PHONE, _sign_in, busy_town  # noqa: F401
from tests.factories import TeamFactory, UserFactory
from vroegsignaal.cases import services as case_services
from vroegsignaal.cases.models import Case
from vroegsignaal.intake import services as intake_services
from vroegsignaal.intake.models import Delivery, DeliveryStatus
from vroegsignaal.intake.tests.support import build_world, csv_bytes, row, stand
from vroegsignaal.organisations.models import Role
from vroegsignaal.signals.tests.conftest import make_signal, world  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  return {tag: e.tagName, id: e.id, text: (e.innerText || '').trim(),
          outline: s.outlineStyle, width: parseFloat(s.outlineWidth)};
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def focus_after_load(page, element_id: str) -> dict:
    """Where the focus is once the page has loaded (portal.js moves it on "load"): on ``element_id`` within
    five seconds, or wherever it stayed. Polled from here: the portal's CSP refuses Playwright's in-page wait."""
    page.wait_for_load_state("load")
    for _ in range(50):
        now = focused(page)
        if now["id"] == element_id:
            break
        page.wait_for_timeout(100)
    return now


def log_in(page, live_server, user, device) -> None:
    """Logged in, and on the home page: a next goto() does not cut the log-in short."""
    log_in_with_code(page, live_server, user, device)
    page.wait_for_url(f"{live_server.url}/")


@pytest.fixture
def team_case(world):  # noqa: F811
    """A coordinator and a wijkteam worker of the world's municipality, and the worker's open case."""
    team = TeamFactory(municipality=world.municipality, code="NOORD", name="Wijkteam Noord")
    coordinator = UserFactory(
        username="coordinator", role=Role.COORDINATOR, municipality=world.municipality
    )
    worker = UserFactory(
        username="werker", role=Role.HULPVERLENER, team=team, municipality=world.municipality
    )
    case = case_services.pick_up_signal(
        make_signal(world, crisis=True),
        coordinator,
        worker=worker,
        on=timezone.localdate() - dt.timedelta(days=3),
    )
    return coordinator, worker, case


def test_enter_in_the_code_field_logs_in_instead_of_going_back_to_the_password(page, live_server):
    user = UserFactory(username="coordinator", role=Role.COORDINATOR)
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    page.goto(f"{live_server.url}/")
    # The form opens on its first field.
    assert focus_after_load(page, "id_auth-username")["id"] == "id_auth-username"
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert focus_after_load(page, "id_token-otp_token")["id"] == "id_token-otp_token"
    page.keyboard.type(code_for(device))
    # Enter submits with the form's first button: "Vorige" once stood first and led back to step 1.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{live_server.url}/"
    assert page.get_by_label("Gebruikersnaam").count() == 0


def test_a_button_reached_with_tab_shows_the_portals_focus_ring(page, live_server):
    page.goto(f"{live_server.url}/")
    # portal.js puts the focus on the user name on "load"; a Tab before that starts at the page's top.
    assert focus_after_load(page, "id_auth-username")["id"] == "id_auth-username"
    page.keyboard.press("Tab")  # from the user name to the password
    page.keyboard.press("Tab")  # to "Volgende"
    button = focused(page)
    assert (button["tag"], button["text"]) == ("BUTTON", "Volgende")
    # The library's buttons once fell back to the browser's thin ring (outline-style auto, 1px).
    assert (button["outline"], button["width"]) == ("solid", 3)


def test_a_date_field_keeps_its_focus_ring_on_its_calendar_button(page, live_server, team_case):
    _, worker, case = team_case
    log_in(page, live_server, worker, TOTPDevice.objects.create(user=worker, name="default"))
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    page.locator("#id_poging-on").focus()
    for _ in range(4):  # day, month, year, and the calendar button, all inside the one field
        field = focused(page)
        assert field["id"] == "id_poging-on"
        assert (field["outline"], field["width"]) == ("solid", 3)
        page.keyboard.press("Tab")


def test_a_refused_contact_attempt_focuses_the_error_summary_and_says_fout_in_the_title(
    page, live_server, team_case
):
    _, worker, case = team_case
    log_in(page, live_server, worker, TOTPDevice.objects.create(user=worker, name="default"))
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    assert page.title().startswith("Zaak ")
    # What the server refuses (the browser's own checks are what a user with a script gets first).
    page.locator("#poging form").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Vastleggen").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The form posts to "…#poging": a browser skips autofocus when the address has a fragment, and the
    # summary (role=alert, in the page as it loads) was neither focused nor read.
    summary = focus_after_load(page, "foutmeldingen")
    assert summary["id"] == "foutmeldingen"
    assert summary["text"].startswith("Niet opgeslagen.")
    assert page.title() == f"Fout: Zaak {case.pk} · Vroegsignaal"
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Soort contact: Dit veld is vereist."
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "id_poging-kind"


def test_after_a_contact_attempt_the_focus_is_on_the_message_that_it_was_recorded(
    page, live_server, team_case
):
    _, worker, case = team_case
    log_in(page, live_server, worker, TOTPDevice.objects.create(user=worker, name="default"))
    page.goto(f"{live_server.url}/zaken/{case.pk}/")
    page.get_by_label("Soort contact").select_option("Huisbezoek")
    page.get_by_label("Ja").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Vastleggen").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    message = focus_after_load(page, "meldingen")
    assert message["id"] == "meldingen"  # not the top of the page, nor the page's <main>
    assert message["text"] == "De contactpoging is vastgelegd."
    assert page.title() == f"Zaak {case.pk} · Vroegsignaal"


def test_picking_up_a_signal_with_the_keyboard_lands_on_the_message_in_the_new_case(
    page,
    live_server,
    team_case,
    world,  # noqa: F811
):
    coordinator, _, _ = team_case
    signal = make_signal(world)
    log_in(
        page, live_server, coordinator, TOTPDevice.objects.create(user=coordinator, name="default")
    )
    page.goto(
        f"{live_server.url}/signalen/huishoudens/{signal.household_id}/?doel=signaalbehandeling"
    )
    page.get_by_label("Wijkteam voor de zaak").focus()
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Oppakken"
    page.once("dialog", lambda dialog: dialog.accept())  # the confirmation: Enter or Escape
    with page.expect_navigation():
        page.keyboard.press("Enter")

    case = Case.objects.get(signal=signal)
    assert page.url.startswith(f"{live_server.url}/zaken/{case.pk}/")
    message = focus_after_load(page, "meldingen")
    assert (message["id"], message["text"]) == ("meldingen", "Het signaal is opgepakt.")


@pytest.fixture
def creditor(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    creditor_world = build_world()
    device = TOTPDevice.objects.create(user=creditor_world.user, name="default", confirmed=True)
    return creditor_world, device


def test_an_upload_without_a_file_opens_with_an_error_summary_that_links_to_the_field(
    page, live_server, creditor
):
    creditor_world, device = creditor
    log_in(page, live_server, creditor_world.user, device)
    page.goto(f"{live_server.url}/leveringen/nieuw/")
    page.get_by_role("button", name="Voorbeeld bekijken").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    summary = focus_after_load(page, "foutmeldingen")
    assert summary["id"] == "foutmeldingen"
    assert summary["text"].startswith("Het bestand is niet ingelezen.")
    assert page.title() == "Fout: Nieuwe levering · Vroegsignaal"
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Bestand: Dit veld is vereist."
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "id_file"


def test_the_outcome_of_a_delivery_is_said_in_a_live_region_when_it_comes_in(
    page, live_server, creditor, monkeypatch
):
    creditor_world, device = creditor
    monkeypatch.setattr(intake_services, "_enqueue", lambda pk: None)  # the test is the worker
    delivery = intake_services.receive_delivery(
        creditor_world.creditor,
        stand(range(1, 6)),
        filename="stand.csv",
        reference_date="2026-11-01",
        via="upload",
        background=True,
    )
    log_in(page, live_server, creditor_world.user, device)
    page.goto(f"{live_server.url}/leveringen/{delivery.pk}/")
    page.get_by_role("heading", name="Status").wait_for()
    region = page.locator("#aankondiging")
    assert region.get_attribute("role") == "status" and region.text_content() == ""

    intake_services.process_delivery(delivery.pk)
    page.get_by_role("heading", name="Verslag").wait_for()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.VERWERKT
    # The status section is replaced as a whole every second; a live region inside it is new each time,
    # and a screen reader reads changes in a region it knows, not one that appears.
    for _ in range(50):  # htmx says the new section has loaded just after it is in the page
        if region.text_content():
            break
        page.wait_for_timeout(100)
    assert region.text_content() == f"Levering {delivery.pk}: verwerkt."
    assert Delivery.objects.count() == 1


def test_the_column_mapping_table_has_a_caption(page, live_server, creditor):
    creditor_world, device = creditor
    log_in(page, live_server, creditor_world.user, device)
    page.goto(f"{live_server.url}/leveringen/kolommen/")
    caption = page.locator("table.mapping-table > caption")
    assert caption.inner_text() == "Uw kolomnamen en het veld dat elke kolom bevat"


def test_after_filtering_a_tray_the_focus_is_on_the_number_of_signals_found(
    page,
    live_server,
    team_case,
    world,  # noqa: F811
):
    """The page reloaded at its top and nothing said what the filter found."""
    coordinator, _, _ = team_case
    signal = make_signal(world)
    log_in(
        page, live_server, coordinator, TOTPDevice.objects.create(user=coordinator, name="default")
    )
    page.goto(f"{live_server.url}/signalen/werkbakjes/{signal.tray_id}/")
    page.get_by_role("button", name="Filteren").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    found = focus_after_load(page, "resultaat")
    assert found["id"] == "resultaat" and found["text"].startswith("1 signaal")
    # Not after any other way to the page: a link followed keeps the browser's own start.
    page.goto(f"{live_server.url}/signalen/werkbakjes/{signal.tray_id}/")
    page.wait_for_load_state("load")
    assert focused(page)["id"] != "resultaat"


def test_a_wrong_password_focuses_the_error_summary_and_says_fout_in_the_title(page, live_server):
    user = UserFactory(username="coordinator", role=Role.COORDINATOR)
    page.goto(f"{live_server.url}/")
    assert focus_after_load(page, "id_auth-username")["id"] == "id_auth-username"
    page.keyboard.type(user.username)
    page.keyboard.press("Tab")
    page.keyboard.type("niet-het-wachtwoord")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The user name field's autofocus once took the focus, past the error above it.
    summary = focus_after_load(page, "foutmeldingen")
    assert summary["id"] == "foutmeldingen"
    assert summary["text"].startswith("Niet ingelogd.")
    assert page.title() == "Fout: Inloggen · Vroegsignaal"
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "id_auth-username"


def test_a_wrong_code_focuses_the_error_summary(page, live_server):
    user = UserFactory(username="coordinator", role=Role.COORDINATOR)
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    log_in_with_password(page, live_server.url, user.username)
    page.get_by_label("Verificatiecode").wait_for()
    page.keyboard.type("123456" if code_for(device) != "123456" else "654321")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    summary = focus_after_load(page, "foutmeldingen")
    assert summary["id"] == "foutmeldingen"
    assert "Deze code is niet juist of al gebruikt." in summary["text"]
    assert page.title() == "Fout: Inloggen · Vroegsignaal"


def test_a_wrong_code_in_the_two_factor_set_up_focuses_the_error_summary(page, live_server):
    user = UserFactory(username="nieuw", role=Role.COORDINATOR)  # no second factor yet
    log_in_with_password(page, live_server.url, user.username)
    page.get_by_role("heading", name="Tweestapsverificatie instellen").wait_for()
    page.get_by_role("button", name="Volgende").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert focus_after_load(page, "id_generator-token")["id"] == "id_generator-token"
    page.keyboard.type("12")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The code field's autofocus once kept the focus, below the QR code and past its error.
    summary = focus_after_load(page, "foutmeldingen")
    assert summary["id"] == "foutmeldingen"
    assert summary["text"].startswith("De authenticator-app is nog niet gekoppeld.")
    assert page.title() == "Fout: Tweestapsverificatie instellen · Vroegsignaal"
    page.keyboard.press("Tab")
    assert focused(page)["text"].startswith("Verificatiecode:")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "id_generator-token"


def test_a_refused_column_mapping_focuses_the_error_summary_that_links_to_the_field(
    page, live_server, creditor
):
    creditor_world, device = creditor
    log_in(page, live_server, creditor_world.user, device)
    page.goto(f"{live_server.url}/leveringen/kolommen/")
    # What the server refuses: the field's maxlength is the browser's own check, which a user with a
    # script gets first.
    field = page.get_by_label("Kolomnaam 1", exact=True)
    field.evaluate("field => field.removeAttribute('maxlength')")
    field.fill("D" * 201)
    page.get_by_role("button", name="Opslaan").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    summary = focus_after_load(page, "foutmeldingen")
    assert summary["id"] == "foutmeldingen"
    assert summary["text"].startswith("De kolomindeling is niet opgeslagen.")
    assert page.title() == "Fout: Kolomindeling · Vroegsignaal"
    page.keyboard.press("Tab")
    assert focused(page)["text"].startswith("Kolomnaam 1: Zorg dat deze waarde niet meer dan 200")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "id_kolom-0-header"


def _to_the_preview(page, live_server, creditor, tmp_path, content: bytes) -> None:
    creditor_world, device = creditor
    log_in(page, live_server, creditor_world.user, device)
    upload = tmp_path / "levering.csv"
    upload.write_bytes(content)
    page.goto(f"{live_server.url}/leveringen/nieuw/")
    page.get_by_label("Bestand").set_input_files(str(upload))
    page.get_by_label("Peildatum").fill("2026-11-01")
    page.get_by_label("Soort levering").select_option("stand")
    page.get_by_role("button", name="Voorbeeld bekijken").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("heading", name="Voorbeeld van de levering").wait_for()


def test_the_previews_warnings_take_the_focus_when_it_opens(page, live_server, creditor, tmp_path):
    amounts_in_cents = csv_bytes([row(n, bedrag_achterstand="25.000,00") for n in range(1, 9)])
    _to_the_preview(page, live_server, creditor, tmp_path, amounts_in_cents)

    findings = focus_after_load(page, "bevindingen")
    assert findings["id"] == "bevindingen"
    assert findings["text"].startswith("De bedragen zijn hoog")
    assert (findings["outline"], findings["width"]) == ("solid", 3)


def test_a_preview_without_warnings_leaves_the_focus_where_the_browser_puts_it(
    page, live_server, creditor, tmp_path
):
    _to_the_preview(page, live_server, creditor, tmp_path, stand(range(1, 4)))
    assert page.locator("#bevindingen").count() == 0
    assert focused(page)["tag"] == "BODY"


# -- a table box that scrolls sideways: a tab stop while it scrolls, and only then --------------------

BOX = """(box) => ({tabindex: box.getAttribute('tabindex'), role: box.getAttribute('role'),
  labelledby: box.getAttribute('aria-labelledby'), scrolls: box.scrollWidth > box.clientWidth})"""


def test_a_table_box_is_a_named_tab_stop_only_while_its_table_scrolls(
    page, live_server, creditor, tmp_path
):
    _to_the_preview(page, live_server, creditor, tmp_path, stand(range(1, 4)))
    first_lines = page.locator(".table-scroll:has(.preview-table)")
    page.set_viewport_size(PHONE)
    for _ in range(50):  # the ResizeObserver's answer comes after the next frame
        if first_lines.evaluate(BOX)["tabindex"] == "0":
            break
        page.wait_for_timeout(100)
    assert first_lines.evaluate(BOX) == {
        "tabindex": "0", "role": "region", "labelledby": "voorbeeld-kop", "scrolls": True,
    }  # fmt: skip

    # Narrow columns (as a file with short values has): the table fits the box again.
    first_lines.evaluate("box => { box.querySelector('table').style.fontSize = '2px'; }")
    for _ in range(50):
        if first_lines.evaluate(BOX)["tabindex"] is None:
            break
        page.wait_for_timeout(100)
    # It fits: no tab stop that does nothing (the template once gave it one at every width).
    assert first_lines.evaluate(BOX) == {
        "tabindex": None, "role": None, "labelledby": None, "scrolls": False,
    }  # fmt: skip


def test_a_table_that_fits_a_laptop_is_no_tab_stop(page, live_server, client, busy_town):  # noqa: F811
    _sign_in(page, live_server, client, busy_town.coordinator)
    page.set_viewport_size(LAPTOP)
    page.goto(f"{live_server.url}{reverse('reporting:tray', args=[busy_town.tray.pk])}")
    page.wait_for_load_state("load")
    box = page.locator(".table-scroll")
    assert box.evaluate(BOX) == {
        "tabindex": None, "role": None, "labelledby": None, "scrolls": False,
    }  # fmt: skip
    # From the last sort link, Tab goes on to the first signal's box, not to the table's box.
    page.get_by_role("link", name="Signaal sinds").focus()
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "INPUT"


# -- the tray's sort links are described at every width ---------------------------------------------


def _description(page, link) -> str:
    """What a screen reader says after the link's name: its description as Chromium computes it."""
    link.evaluate("a => a.setAttribute('data-described', '')")
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-described]"})
        tree = cdp.send(
            "Accessibility.getPartialAXTree", {"nodeId": node["nodeId"], "fetchRelatives": False}
        )
    finally:
        cdp.detach()
        link.evaluate("a => a.removeAttribute('data-described')")
    return tree["nodes"][0].get("description", {}).get("value", "")


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_trays_sort_links_are_described_at_every_width(
    page,
    live_server,
    client,
    busy_town,  # noqa: F811
    size,
):
    """On a phone the explanation of the columns is folded (a closed <details>), and Chromium
    computed no description from it: the three links said nothing more than their names."""
    _sign_in(page, live_server, client, busy_town.coordinator)
    page.set_viewport_size(size)
    page.goto(f"{live_server.url}{reverse('reporting:tray', args=[busy_town.tray.pk])}")
    header = page.locator("#bulk thead")
    descriptions = {
        name: _description(page, header.get_by_role("link", name=name))
        for name in ("Prioriteit", "Oudste achterstand", "Signaal sinds")
    }
    assert descriptions["Prioriteit"].startswith("Hoe hoger, hoe eerder aan de beurt.")
    assert descriptions["Oudste achterstand"].startswith("het begin van de oudste achterstand")
    assert descriptions["Signaal sinds"] == "de peildatum waarop het signaal ontstond."

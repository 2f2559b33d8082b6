"""The outreach letter: the municipality's text, escaped, as PDF; it counts as a contact attempt."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from vroegsignaal.cases import letters, services
from vroegsignaal.cases.models import ContactAttempt, LetterTemplate

ON = dt.date(2026, 3, 3)


def _values(**overrides):
    values = letters.letter_values(
        names=["J. Jansen"],
        address_lines=("Dorpsweg 1", "1000AB Voorbeeldstad"),
        municipality_name="Voorbeeldstad",
        team=None,
        on=ON,
    )
    return {**values, **overrides}


def test_placeholders_are_filled_and_unknown_ones_left_visible():
    assert letters.substitute("Beste $aanhef, $onbekend", _values()) == "Beste J. Jansen, $onbekend"


@pytest.mark.parametrize(
    ("names", "greeting"),
    [
        (["A. Spaan", "M. van den Berg"], "A. Spaan en M. van den Berg"),
        (
            ["A. Spaan", "M. van den Berg", "G. van Lucel"],
            "A. Spaan, M. van den Berg en G. van Lucel",
        ),
    ],
)
def test_several_residents_are_greeted_as_a_dutch_list(names, greeting):
    values = letters.letter_values(
        names=names, address_lines=("a", "b"), municipality_name="X", team=None, on=ON
    )
    assert values["aanhef"] == greeting


def test_default_letter_greets_unknown_residents_once(team):
    values = letters.letter_values(
        names=[], address_lines=("a", "b"), municipality_name="X", team=team, on=ON
    )
    assert letters.substitute(letters.DEFAULT_BODY, values).startswith("Beste bewoner(s),")
    assert "'bewoner(s)'" in str(letters.PLACEHOLDERS["aanhef"]) and "Beste" not in str(
        letters.PLACEHOLDERS["aanhef"]
    )


def test_letter_text_cannot_inject_markup():
    html = letters.letter_html(
        subject="Hulp", body="<b>vet</b> $aanhef", values=_values(), recipient=["x"]
    )
    assert "<b>vet</b>" not in html and "&lt;b&gt;vet&lt;/b&gt;" in html


def test_letter_shows_the_teams_contact_details(team):
    team.phone, team.email, team.visiting_address = "020-1234567", "noord@example.nl", "Plein 1"
    values = letters.letter_values(
        names=[], address_lines=("a", "b"), municipality_name="X", team=team, on=ON
    )
    html = letters.letter_html(
        subject=letters.DEFAULT_SUBJECT, body=letters.DEFAULT_BODY, values=values, recipient=[]
    )
    assert all(
        part in html for part in ("020-1234567", "noord@example.nl", "Plein 1", "Wijkteam Noord")
    )


def test_making_a_letter_logs_a_contact_attempt_of_kind_brief(signal, coordinator, team):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    made, new = services.make_letter(case, coordinator, on=ON)
    attempt = ContactAttempt.objects.get(case=case)
    assert (made, new) == (attempt, True) and (attempt.kind, attempt.reached, attempt.date) == (
        "Brief",
        False,
        ON,
    )


def test_a_second_letter_the_same_day_records_no_second_attempt(signal, coordinator, worker, team):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    first, _new = services.make_letter(case, coordinator, on=ON)
    again = services.make_letter(case, worker, on=ON)
    assert again == (first, False) and ContactAttempt.objects.filter(case=case).count() == 1


def test_a_letter_on_another_day_is_another_attempt(signal, coordinator, team):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    services.make_letter(case, coordinator, on=ON)
    _attempt, new = services.make_letter(case, coordinator, on=ON + dt.timedelta(days=7))
    assert new and ContactAttempt.objects.filter(case=case).count() == 2


def test_the_pdf_of_a_letter_attempt_is_dated_that_day_and_records_no_attempt(
    signal, coordinator, team, monkeypatch
):
    written = []
    monkeypatch.setattr(letters, "html_to_pdf", lambda html: written.append(html) or b"%PDF-1.7")
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    attempt, _new = services.make_letter(case, coordinator, on=ON)
    pdf = services.letter_pdf(case, attempt.pk, coordinator)
    assert pdf.startswith(b"%PDF") and "3 maart 2026" in written[0]
    assert ContactAttempt.objects.filter(case=case).count() == 1


def test_every_download_of_a_letter_is_audited_as_an_export_naming_its_attempt(
    signal, coordinator, team, monkeypatch
):
    from vroegsignaal.privacy.models import AuditEvent

    monkeypatch.setattr(letters, "html_to_pdf", lambda html: b"%PDF-1.7")
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    attempt, _new = services.make_letter(case, coordinator, on=ON)
    services.letter_pdf(case, attempt.pk, coordinator)
    services.letter_pdf(case, attempt.pk, coordinator)
    events = AuditEvent.objects.filter(purpose="brief met hulpaanbod aangemaakt")
    assert [(e.action, e.details["contactpoging"]) for e in events] == [("export", attempt.pk)] * 2


def test_only_a_letter_attempt_of_the_case_gives_a_letter(signal, coordinator, team):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    visit = services.log_contact_attempt(case, coordinator, kind="Huisbezoek", reached=False, on=ON)
    with pytest.raises(ContactAttempt.DoesNotExist):
        services.letter_pdf(case, visit.pk, coordinator)


def test_the_municipalitys_own_text_is_used(world, coordinator):
    services.save_letter_template(
        world.municipality, coordinator, subject="Eigen onderwerp", body="Eigen $gemeente"
    )
    assert services.letter_text(world.municipality) == ("Eigen onderwerp", "Eigen $gemeente")


def _letter_url(case, attempt=None) -> str:
    url = reverse("cases:letter", kwargs={"case_id": case.pk})
    return url if attempt is None else f"{url}?poging={attempt.pk}"


def test_worker_downloads_the_letter_as_pdf(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    client.post(_letter_url(case))
    attempt = ContactAttempt.objects.get(case=case)
    response = client.get(_letter_url(case, attempt))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'attachment; filename="brief-zaak-{case.pk}.pdf"'


def test_making_the_letter_goes_back_to_the_case_page_showing_the_attempt(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    response = client.post(_letter_url(case), follow=True)
    attempt = ContactAttempt.objects.get(case=case)
    assert response.redirect_chain == [(reverse("cases:detail", args=[case.pk]) + "#main", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Brief gemaakt en als contactpoging vastgelegd."
    ]
    assert [entry.attempt for entry in response.context["attempts"]] == [attempt]


def test_the_case_page_offers_the_letter_just_made_once(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    body = client.post(_letter_url(case), follow=True).content.decode()
    attempt = ContactAttempt.objects.get(case=case)
    link = f'href="{_letter_url(case, attempt)}" data-auto-download>Brief downloaden (PDF)</a>'
    assert link in body and "cases/letter.js" in body
    again = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "data-auto-download" not in again and "cases/letter.js" not in again


def test_the_case_page_says_by_the_button_that_the_letter_is_a_contact_attempt(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert (
        '<p class="utrecht-paragraph" id="brief-vastleggen">Brief maken legt ook een contactpoging '
        "per brief vast, met de datum van vandaag (bereikt: nee).</p>" in body
    )
    assert 'aria-describedby="brief-vastleggen">Brief maken</button>' in body


def test_a_second_click_on_brief_maken_says_no_new_attempt_was_recorded(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    client.post(_letter_url(case), follow=True)
    response = client.post(_letter_url(case), follow=True)
    assert ContactAttempt.objects.filter(case=case).count() == 1
    assert [str(m) for m in response.context["messages"]] == [
        "Vandaag is voor deze zaak al een brief gemaakt; er is geen nieuwe contactpoging "
        "vastgelegd. De brief van vandaag staat klaar om te downloaden."
    ]
    assert "Vandaag is al een brief gemaakt." in response.content.decode()


def test_downloading_the_letter_again_records_no_attempt(
    client, verified_client, worker, team, coordinator, signal, monkeypatch
):
    monkeypatch.setattr(letters, "html_to_pdf", lambda html: b"%PDF-1.7")
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    client.post(_letter_url(case))
    attempt = ContactAttempt.objects.get(case=case)
    for _download in range(2):
        assert client.get(_letter_url(case, attempt)).status_code == 200
    assert ContactAttempt.objects.filter(case=case).count() == 1


def test_the_letter_of_another_teams_case_is_not_found(
    client, verified_client, worker, other_team, coordinator, signal
):
    other_team.email = "zuid@voorbeeldstad.nl"
    other_team.save()
    case = services.pick_up_signal(signal, coordinator, team=other_team, on=dt.date(2026, 3, 2))
    attempt, _new = services.make_letter(case, coordinator)
    verified_client(worker)
    assert client.get(_letter_url(case, attempt)).status_code == 404


def test_a_letter_attempt_named_under_another_case_is_not_found(
    client, verified_client, world, worker, team, coordinator, signal
):
    from .conftest import make_signal

    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    other = services.pick_up_signal(
        make_signal(world), coordinator, team=team, on=dt.date(2026, 3, 2)
    )
    attempt, _new = services.make_letter(other, coordinator)
    verified_client(worker)
    assert client.get(_letter_url(case, attempt)).status_code == 404


def test_the_letter_address_without_an_attempt_only_takes_a_post(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    verified_client(worker)
    for query in ("", "?poging=x"):
        assert client.get(_letter_url(case) + query).status_code == 405


def test_the_letter_is_a_tagged_pdf_with_its_subject_as_title_in_dutch(tmp_path):
    """PDF/UA: a screen reader reads its structure; the title is the subject, the language Dutch."""
    import re
    import subprocess

    html = letters.letter_html(
        subject="Hulp bij geldzaken",
        body="Beste $aanhef,",
        values=_values(),
        recipient=["J. Jansen"],
    )
    path = tmp_path / "brief.pdf"
    path.write_bytes(letters.html_to_pdf(html))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M) and re.search(
        r"^Title:\s+Hulp bij geldzaken$", info, re.M
    )
    assert any(b"/Lang (nl)" in part for part in _pdf_objects(path.read_bytes()))


def _pdf_objects(pdf: bytes) -> list[bytes]:
    """The file and each of its compressed streams unpacked (the catalog sits in an object stream)."""
    import re
    import zlib

    parts = [pdf]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue
    return parts


@pytest.mark.parametrize("role", ["hulpverlener"])
def test_only_coordinators_edit_the_letter_text(client, verified_client, worker, role):
    verified_client(worker)
    response = client.post(reverse("cases:letter_template"), {"subject": "x", "body": "y"})
    assert response.status_code == 403 and not LetterTemplate.objects.exists()


def test_coordinator_saves_the_letter_text(client, verified_client, coordinator, world):
    verified_client(coordinator)
    client.post(reverse("cases:letter_template"), {"subject": "Onderwerp", "body": "Beste $aanhef"})
    assert LetterTemplate.objects.get(municipality=world.municipality).body == "Beste $aanhef"


def test_a_letter_text_with_an_unknown_placeholder_is_refused_naming_it_and_the_allowed_ones(
    world, coordinator
):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.save_letter_template(
            world.municipality, coordinator, subject="Hulp", body="Beste $onbekend en ${team"
        )
    body_errors = refused.value.message_dict["body"]
    assert "Onbekend invulveld: $onbekend." in body_errors[0]
    assert all(f"${name}" in body_errors[0] for name in letters.PLACEHOLDERS)
    assert "„${team” is geen invulveld" in body_errors[1]
    assert not LetterTemplate.objects.exists()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Beste $Aanhef", "Onbekend invulveld: $Aanhef."),
        ("Beste $aanhef en $naam, $wijk", "Onbekende invulvelden: $naam, $wijk."),
        ("Het kost $ 5", "Regel 1: „$” is geen invulveld."),
        ("Beste $aanhef,\n\nBel ${team_telefoon", "Regel 3: „${team_telefoon” is geen invulveld."),
    ],
)
def test_letter_text_problems_name_what_is_wrong(text, problem):
    assert any(found.startswith(problem) for found in letters.text_problems(text)), (
        letters.text_problems(text)
    )


def test_known_placeholders_braces_and_a_doubled_dollar_sign_are_a_good_letter_text():
    assert letters.text_problems("Beste ${aanhef}, het kost $$5; bel $team_telefoon.") == []
    assert (
        letters.text_problems(letters.DEFAULT_SUBJECT)
        == letters.text_problems(letters.DEFAULT_BODY)
        == []
    )


def test_a_wrong_placeholder_in_the_subject_is_refused_too(world, coordinator):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.save_letter_template(
            world.municipality, coordinator, subject="Hulp voor $naam", body="Beste $aanhef"
        )
    assert list(refused.value.message_dict) == ["subject"]


def test_coordinator_sees_why_the_letter_text_was_not_saved(
    client, verified_client, coordinator, world
):
    verified_client(coordinator)
    response = client.post(
        reverse("cases:letter_template"), {"subject": "Hulp", "body": "$onbekend en ${team"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and not LetterTemplate.objects.exists()
    assert (
        "Onbekend invulveld: $onbekend. U kunt deze invulvelden gebruiken: $aanhef, $adres" in body
    )
    assert "$onbekend en ${team</textarea>" in body  # the text stays in the form to correct it


def test_a_letter_text_saved_before_the_check_shows_what_to_correct(
    client, verified_client, coordinator, world
):
    LetterTemplate.objects.create(
        municipality=world.municipality, subject="Hulp", body="Beste $onbekend"
    )
    verified_client(coordinator)
    body = client.get(reverse("cases:letter_template")).content.decode()
    assert "Onbekend invulveld: $onbekend." in body


def test_a_letter_for_a_case_without_a_team_is_refused(signal, coordinator):
    from django.core.exceptions import ValidationError

    case = services.pick_up_signal(signal, coordinator, on=dt.date(2026, 3, 2))
    with pytest.raises(
        ValidationError, match="Deze zaak heeft nog geen wijkteam. Wijs de zaak eerst toe"
    ):
        services.make_letter(case, coordinator, on=ON)
    assert not ContactAttempt.objects.filter(case=case).exists()


def test_a_letter_from_a_team_without_contact_details_is_refused(signal, coordinator, other_team):
    from django.core.exceptions import ValidationError

    case = services.pick_up_signal(signal, coordinator, team=other_team, on=dt.date(2026, 3, 2))
    with pytest.raises(
        ValidationError,
        match="Wijkteam Zuid heeft nog geen telefoonnummer, e-mailadres of bezoekadres",
    ):
        services.make_letter(case, coordinator, on=ON)
    assert not ContactAttempt.objects.filter(case=case).exists()


def test_one_way_to_reach_the_team_is_enough_for_a_letter(signal, coordinator, other_team):
    other_team.email = "zuid@voorbeeldstad.nl"
    other_team.save()
    case = services.pick_up_signal(signal, coordinator, team=other_team, on=dt.date(2026, 3, 2))
    assert services.letter_refusal(case) == ""


def test_refused_letter_is_explained_on_the_case_page(client, verified_client, coordinator, signal):
    case = services.pick_up_signal(signal, coordinator, on=dt.date(2026, 3, 2))
    verified_client(coordinator)
    response = client.post(reverse("cases:letter", kwargs={"case_id": case.pk}), follow=True)
    assert response.headers.get("Content-Type", "").startswith("text/html")
    assert "Deze zaak heeft nog geen wijkteam." in response.content.decode()


def test_the_letter_makes_the_offer_of_help_when_none_was_recorded(signal, coordinator, team):
    """The letter is "de brief met hulpaanbod": making it records the offer as made that day, audited."""
    from vroegsignaal.cases.models import Case
    from vroegsignaal.privacy.models import AuditEvent

    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    services.make_letter(case, coordinator, on=ON)
    case = Case.objects.get(pk=case.pk)
    assert (case.offer_made_on, case.offer_answer) == (ON, "")
    event = AuditEvent.objects.filter(
        object_type="cases.case", purpose="hulpaanbod vastgelegd"
    ).get()
    assert event.actor_username == coordinator.username


def test_a_later_letter_leaves_the_recorded_offer_and_its_answer_alone(signal, coordinator, team):
    from vroegsignaal.cases.models import Case
    from vroegsignaal.privacy.models import AuditEvent

    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    services.record_offer(
        case,
        coordinator,
        made_on=dt.date(2026, 3, 2),
        answer="geweigerd",
        answered_on=dt.date(2026, 3, 2),
    )
    services.make_letter(case, coordinator, on=ON)
    case = Case.objects.get(pk=case.pk)
    assert (case.offer_made_on, case.offer_answer) == (dt.date(2026, 3, 2), "geweigerd")
    assert (
        AuditEvent.objects.filter(object_type="cases.case", purpose="hulpaanbod vastgelegd").count()
        == 1
    )


def test_case_closed_after_a_letter_shows_the_offer_as_made(
    client, verified_client, worker, team, coordinator, signal
):
    case = services.pick_up_signal(signal, coordinator, team=team, on=dt.date(2026, 3, 2))
    services.make_letter(case, coordinator, on=ON)
    services.close_case(
        case, coordinator, "(Budget)advies en/of quick fix", on=dt.date(2026, 3, 10)
    )
    verified_client(coordinator)
    body = client.get(reverse("cases:detail", kwargs={"case_id": case.pk})).content.decode()
    assert "gedaan op 3 maart 2026" in body and "nog niet gedaan" not in body

"""Hostile arguments to every management command: refused cleanly, in Dutch, and nothing changes.

The operator's rule (README, "Commands"; ``vroegsignaal.cli``): a mistake is said in one clear Dutch
line on stderr with a non-zero exit status, never a traceback; a refused command changes nothing in
the database or on disk; personal data (names, BSN, birth dates) never reaches a message or a log.
``tests/test_hostile_forms.py`` holds the web forms to it, this module the management commands.

* ``CASES``: per command of ``src/vroegsignaal``, the mistakes an operator makes, each with whether
  it is refused or accepted (the README and the command's help decide): a required argument left
  out, an unknown option or a value of the wrong kind; a file that is not there, a folder where a
  file belongs, a file that is empty, binary, no UTF-8, one line of 5 MB, or a delivery without
  column names (its first row, a person, is read as them); municipality, creditor and organisation
  codes that do not exist or are 10,000 characters long; impossible dates (2026-02-30, year 0, year
  1, "morgen"); negative and absurd numbers; an output in a folder that is not there, under a file,
  or with a name too long; and the same command twice (an accepted run first, in ``first``).
  ``test_every_command_is_here`` fails on a command that is neither here nor, with its reason, in
  ``NOT_EXERCISED``. Files that cannot be read and folders that cannot be written are
  ``test_a_file_or_folder_without_permission`` (skipped, saying so, when the suite runs as root).
* Each case runs as the console script runs it (:func:`run_command`: ``vroegsignaal.cli.main`` with
  the arguments, in this process, so that it sees the test's database; stdout and stderr captured,
  the exit status from ``SystemExit``; any other exception is the traceback the operator would see),
  inside a savepoint that is rolled back, so each case meets the same world: the configuration of
  two municipalities and two creditors, an address register, a processed delivery that holds a
  (fake) person, a coordinator.
  ``test_the_console_script_says_it_in_one_dutch_line`` runs the real script in subprocesses and
  shows that it answers as :func:`run_command` does. A NUL byte cannot be an argument at all (the
  operating system refuses it: ``test_no_argument_carries_a_nul_byte``); NUL bytes in files are
  cases.
* :func:`judge`: never a traceback; a refusal has a non-zero exit status and says why on stderr in
  Dutch (:data:`tests.test_hostile_forms.ENGLISH` and :data:`MORE_ENGLISH` must not match; no
  exception's name in front, as Django's ``CommandError: …``), leaves
  every table (:func:`fingerprint`) and the files under the test's folder as they were (a refused
  delivery is recorded on purpose: ``may_write``); an accepted case exits 0; and the fake surname,
  BSN and birth date reach no output, message or log record. ``test_the_checks_find_what_they_look_for``
  shows that each check can fail.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import os
import re
import subprocess
import sys
import traceback
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.db import connection, connections, transaction
from django.utils import timezone

from tests.factories import UserFactory
from tests.test_hostile_forms import ENGLISH
from vroegsignaal import cli
from vroegsignaal.organisations.models import Role

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parent.parent / "src" / "vroegsignaal"
LONG = "X" * 10_000

# A fake person: none of it may reach an output, a message or a log.
SURNAME = "Xyzzyqwerty"
BSN = "736160231"  # passes the elfproef
BIRTH_DATE = "1980-05-17"
PERSONAL = (SURNAME, BSN, BIRTH_DATE, "17-05-1980")

# English that an operator would see if a message were not the project's (argparse, Django, the OS).
MORE_ENGLISH = re.compile(
    r"\b(error|usage|unknown|unrecognized|required|no such|directory|permission denied|too long|unable|"
    r"expected|choose from|not found|cannot|can't|failed|exception|file name)\b",
    re.IGNORECASE,
)
DUTCH = re.compile(
    r"\b(de|het|een|is|niet|geen|bestaat|geef|moet|en|van|met|op|ontbreekt|onbekende?|kies|map|bestand|"
    r"verwacht|tussen|liggen|herkend|leeg|datum|al|keuzes|gebruikt|geweigerd|verplicht)\b",
    re.IGNORECASE,
)


# -- the world -----------------------------------------------------------------------------------

CONFIG = """\
municipalities:
- code: "0999"
  name: Voorbeeldstad
  teams:
  - name: Wijkteam Noord
    code: T0999-NOORD
- code: "0888"
  name: Andersdorp
creditors:
- code: WOONBRUG
  name: Woonstichting De Brug
  type: Huur
- code: STROOMLIJN
  name: Stroomlijn Energie
  type: Energie
covenants:
- creditor: WOONBRUG
  municipality: "0999"
  valid_from: 2020-01-01
- creditor: STROOMLIJN
  municipality: "0999"
  valid_from: 2020-01-01
"""
HEADER = "klantnummer;voorletters;achternaam;geboortedatum;bsn;postcode;huisnummer;bedrag_achterstand;ontstaansdatum\n"
ROW = "{klant};J.;{surname};{born};{bsn};1111AB;{number};150,00;2026-01-01\n"
ADDRESSES = "postcode,huisnummer,straatnaam,woonplaats,gemeentecode\n1111AB,1,Dorpsweg,Voorbeeldstad,0999\n1111AB,2,Dorpsweg,Voorbeeldstad,0999\n"
NEIGHBOURHOODS = (
    '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"buurtcode": "BU09990101", '
    '"buurtnaam": "Centrum", "wijkcode": "WK099901", "wijknaam": "Noord", "gemeentecode": "GM0999"}, '
    '"geometry": {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.1, 52.0], [5.1, 52.1], [5.0, 52.1], '
    "[5.0, 52.0]]]}}]}"
)


def delivery_csv(klant: str, number: int) -> str:
    return HEADER + ROW.format(
        klant=klant, surname=SURNAME, born=BIRTH_DATE, bsn=BSN, number=number
    )


def write_files(folder: Path) -> dict[str, str]:
    """The files and folders the cases name, by the placeholder the cases use for them."""
    folder.mkdir()
    made: dict[str, Path] = {
        "ontbreekt": folder / "ontbreekt.csv",
        "map": folder / "map",
        "niet_leeg": folder / "niet-leeg",
        "leeg": folder / "leeg.csv",
        "binair": folder / "binair.bin",
        "geen_utf8": folder / "geen-utf8.csv",
        "lange_regel": folder / "lange-regel.txt",
        "zonder_kop": folder / "zonder-kop.csv",
        "geldig": folder / "stand.csv",
        "config": folder / "config.yaml",
        "config_nul": folder / "nul.yaml",
        "config_lang": folder / "lang.yaml",
        "config_team": folder / "team.yaml",
        "config_datum": folder / "datum.yaml",
        "adressen": folder / "adressen.csv",
        "adressen_fout": folder / "adressen-fout.csv",
        "buurten": folder / "buurten.geojson",
        "halve_wereld": folder / "halve-wereld",
        "uit": folder / "uit",
        "onleesbaar": folder
        / "onleesbaar.csv",  # mode 000 in test_a_file_or_folder_without_permission
        "dicht": folder / "dicht",  # mode 0555 there
    }
    made["map"].mkdir()
    made["niet_leeg"].mkdir()
    (made["niet_leeg"] / "iets.txt").write_text("niet weggooien", encoding="utf-8")
    made["leeg"].write_bytes(b"")
    made["binair"].write_bytes(bytes(range(256)) * 64)
    made["geen_utf8"].write_bytes(b"naam\xff\xfe\xc3\x28;x\n\x80\x81;y\n")
    made["lange_regel"].write_bytes(b"a" * 5_000_000)
    made["zonder_kop"].write_text(  # the first row is read as the column names
        ROW.format(klant="K-9", surname=SURNAME, born=BIRTH_DATE, bsn=BSN, number=1)
        + ROW.format(klant="K-8", surname="Jansen", born="1970-01-01", bsn="", number=2),
        encoding="utf-8",
    )
    made["geldig"].write_text(delivery_csv("K-2", 2), encoding="utf-8")
    made["config"].write_text(CONFIG, encoding="utf-8")
    made["config_nul"].write_text(
        'municipalities:\n- code: "0999"\n  name: "Voorbeeld\\0stad"\n', encoding="utf-8"
    )
    made["config_lang"].write_text(
        f'municipalities:\n- code: "0999"\n  name: "{LONG}"\n', encoding="utf-8"
    )
    made["config_team"].write_text(
        'municipalities:\n- code: "0999"\n  name: Voorbeeldstad\n  teams:\n  - name: Wijkteam Noord\n    code: T0999-ANDERS\n',
        encoding="utf-8",
    )
    made["config_datum"].write_text(
        'covenants:\n- creditor: WOONBRUG\n  municipality: "0999"\n  valid_from: 2026-02-30\n',
        encoding="utf-8",
    )
    made["adressen"].write_text(ADDRESSES, encoding="utf-8")
    made["adressen_fout"].write_text(ADDRESSES.replace("1111AB,2", "ABCD,2"), encoding="utf-8")
    made["buurten"].write_text(NEIGHBOURHOODS, encoding="utf-8")
    made["halve_wereld"].mkdir()
    (made["halve_wereld"] / "config.yaml").write_text(CONFIG, encoding="utf-8")
    made["uit"].mkdir()
    made["onleesbaar"].write_text(delivery_csv("K-3", 2), encoding="utf-8")
    made["dicht"].mkdir()
    names = {name: str(path) for name, path in made.items()}
    names.update(
        lang=LONG,
        geen_map=str(folder / "geen-map" / "bestand"),
        onder_bestand=str(made["leeg"] / "bestand"),
        gisteren=(timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        vandaag=timezone.localdate().isoformat(),
        morgen=(timezone.localdate() + dt.timedelta(days=1)).isoformat(),
    )
    return names


@dataclass
class World:
    files: dict[str, str]
    folder: Path  # what a refusal may not change on disk (the staged deliveries included)


@pytest.fixture
def world(tmp_path, settings) -> World:
    from vroegsignaal.intake import services as intake
    from vroegsignaal.organisations import services as organisations
    from vroegsignaal.organisations.models import Creditor, Municipality
    from vroegsignaal.registry import services as registry

    settings.INCOMING_DIR = str(tmp_path / "incoming")
    files = write_files(tmp_path / "bestanden")
    organisations.load_config(organisations.read_config(files["config"]))
    registry.import_neighbourhoods(files["buurten"])
    registry.import_addresses(files["adressen"])
    delivery = intake.receive_delivery(
        Creditor.objects.get(code="WOONBRUG"), delivery_csv("K-1", 1).encode(), filename="stand.csv",
        reference_date=timezone.localdate() - dt.timedelta(days=30),
    )  # fmt: skip
    assert delivery.status == "verwerkt", delivery.report
    UserFactory(
        username="coordinator-0999",
        role=Role.COORDINATOR,
        municipality=Municipality.objects.get(code="0999"),
    )
    files["levering"] = str(delivery.pk)
    files["incoming"] = settings.INCOMING_DIR
    return World(files=files, folder=tmp_path)


# -- running a command ---------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int
    stdout: str
    stderr: str
    crash: str = (
        ""  # the exception that escaped, where it happened: the traceback the operator would see
    )


def run_command(*args: str) -> Outcome:
    """``vroegsignaal ARGS`` as the console script runs it, in this process (the test's database).

    Django closes the database connections when a command is done (``run_from_argv``), which would
    end the test's transaction: here that is left out.
    """
    out, err = io.StringIO(), io.StringIO()
    status, crash = 0, ""
    with (
        mock.patch.object(connections, "close_all"),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            cli.main(list(args))
        except SystemExit as exit_:
            status = exit_.code if isinstance(exit_.code, int) else 1
        except Exception as error:  # noqa: BLE001 - what escapes is the traceback an operator sees
            frames = traceback.extract_tb(error.__traceback__)
            ours = [
                f for f in frames if "/vroegsignaal/" in f.filename and "/tests/" not in f.filename
            ] or frames
            where = f"{ours[-1].filename.split('/src/')[-1]}:{ours[-1].lineno}"
            status, crash = 1, f"{type(error).__name__}: {str(error)[:160]!r} (at {where})"
            err.write(
                "Traceback (most recent call last):\n" + "".join(traceback.format_exception(error))
            )
    return Outcome(status, out.getvalue(), err.getvalue(), crash)


# -- what a refusal may not change ---------------------------------------------------------------


def fingerprint() -> dict[str, str]:
    """Every row of every table, hashed per table (raw SQL: the stored bytes)."""
    quote = connection.ops.quote_name
    prints = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            meta = model._meta
            if meta.proxy or not meta.managed:
                continue
            columns = ", ".join(quote(f.column) for f in meta.concrete_fields)
            cursor.execute(
                f"SELECT {columns} FROM {quote(meta.db_table)} ORDER BY {quote(meta.pk.column)}"
            )  # noqa: S608
            prints[meta.label] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
    return prints


def files_under(folder: Path) -> dict[str, tuple]:
    """Each file and folder under ``folder``: its kind, size and time of change."""
    found = {}
    for path in sorted(folder.rglob("*")):
        stat = path.lstat()
        found[str(path.relative_to(folder))] = (stat.st_mode, stat.st_size, stat.st_mtime_ns)
    return found


# -- the cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One invocation: ``args`` after the command's name, with ``{name}`` for the world's files
    (:func:`write_files`) and ``{lang}`` for 10,000 characters.

    ``expect``: ``"refused"`` or ``"accepted"``. ``first``: the arguments of an accepted run before
    it (the same command twice). ``says``: words the refusal's message holds (what to change).
    ``may_write``: tables a refusal writes on purpose. ``settings``: settings for the case.
    """

    label: str
    args: tuple[str, ...]
    expect: str = "refused"
    first: tuple[str, ...] | None = None
    says: str = ""
    may_write: tuple[str, ...] = ()
    settings: dict = field(default_factory=dict)


def refused(label, *args, **kwargs) -> Case:
    return Case(label, args, **kwargs)


def accepted(label, *args, **kwargs) -> Case:
    return Case(label, args, expect="accepted", **kwargs)


def twice(label, *args, expect="accepted", **kwargs) -> Case:
    return Case(label, args, expect=expect, first=args, **kwargs)


def bad_numbers(option: str, *before: str) -> list[Case]:
    return [
        refused(f"{option} {label}", *before, option, value)
        for label, value in (
            ("0", "0"),
            ("negatief", "-1"),
            ("absurd", "9" * 30),
            ("geen getal", "veel"),
            ("leeg", ""),
        )
    ]


def bad_dates(option: str, *before: str, after: tuple[str, ...] = ()) -> list[Case]:
    return [
        refused(f"{option} {label}", *before, option, value, *after)
        for label, value in (("2026-02-30", "2026-02-30"), ("jaar 0", "0000-01-01"), ("morgen", "morgen"),
                             ("10.000 tekens", "{lang}"), ("leeg", ""))
    ]  # fmt: skip


def not_offered(instead: str, *args: str) -> list[Case]:
    """A command Vroegsignaal refuses whatever its arguments, naming what to use instead
    (``src/vroegsignaal/portal/management/commands/_refused.py``)."""
    return [
        refused("zonder argumenten", says=instead),
        refused("met Djangos argumenten", *args, says=instead),
        refused("onbekende optie", "--bogus", says=instead),
    ]


def no_arguments_taken() -> list[Case]:
    return [
        refused("een argument", "overbodig"),
        refused("onbekende optie", "--bogus"),
        accepted("zonder argumenten"),
    ]


# A refused delivery is recorded, with its report, and in the audit log (spec 1.7: the creditor sees why).
DELIVERY_RECORDED = ("intake.Delivery", "privacy.AuditEvent", "privacy.AuditChainHead")
DELIVER = ("--creditor", "WOONBRUG", "--peildatum", "{gisteren}")
DEMO_OFF = {"DEMO_MODE": False}
NEW_KEY = base64.b64encode(b"n" * 32).decode()

CASES: dict[str, list[Case]] = {
    "addstatictoken": not_offered(
        "changepassword NAAM --tweede-factor", "coordinator-0999", "--token", "12345678"
    ),
    "audit_verify": [
        refused("--anchor zonder hash", "--anchor", "12"),
        refused("--anchor met een korte hash", "--anchor", "1:abc"),
        refused("--anchor van 10.000 tekens", "--anchor", "{lang}"),
        refused(
            "--anchor voorbij het einde",
            "--anchor",
            "99999999999999999999:" + "a" * 64,
            may_write=("privacy.AuditVerification",),
            says="NIET intact",
        ),  # the verdict is kept: a log cut short
        *bad_numbers("--chunk-size"),
        refused("onbekende optie", "--bogus"),
        twice("tweemaal"),
    ],
    "backup": [
        refused("zonder bestand"),
        refused("onbekende optie", "{uit}/kopie", "--bogus"),
        refused("map bestaat niet", "{geen_map}", says="bestaat niet"),
        refused("een map", "{map}", says="is een map"),
        refused("een map, overschrijven", "{map}", "--overschrijven", says="is een map"),
        refused("onder een bestand", "{onder_bestand}", says="geen map"),
        refused("naam van 10.000 tekens", "{lang}", says="te lang"),
        refused("lege naam", ""),
        refused("bestaat al", "{leeg}", says="--overschrijven"),
        twice(
            "tweemaal", "{uit}/kopie", expect="refused", says="bestaat al"
        ),  # a stand-in copies: stand_ins
    ],
    "check_keys": no_arguments_taken(),
    "config_table": no_arguments_taken(),
    "create_user": [
        refused("zonder argumenten"),
        refused("zonder rol", "nieuw"),
        refused("onbekende rol", "nieuw", "--role", "koning"),
        refused(
            "onbekende organisatie",
            "nieuw",
            "--role",
            "coordinator",
            "--organisation",
            "9999",
            says="geen gemeente",
        ),
        refused(
            "organisatie van 10.000 tekens",
            "nieuw",
            "--role",
            "coordinator",
            "--organisation",
            "{lang}",
        ),
        refused("coördinator zonder gemeente", "nieuw", "--role", "coordinator"),
        refused(
            "hulpverlener bij een gemeente",
            "nieuw",
            "--role",
            "hulpverlener",
            "--organisation",
            "0999",
        ),
        refused(
            "beheerder bij een gemeente",
            "nieuw",
            "--role",
            "beheerder",
            "--organisation",
            "0999",
            says="geen organisatie",
        ),
        refused(
            "lege naam",
            "",
            "--role",
            "coordinator",
            "--organisation",
            "0999",
            says="gebruikersnaam",
        ),
        refused(
            "naam van spaties",
            "   ",
            "--role",
            "coordinator",
            "--organisation",
            "0999",
            says="gebruikersnaam",
        ),
        refused(
            "naam met / en spatie",
            "a b/c",
            "--role",
            "coordinator",
            "--organisation",
            "0999",
            says="gebruikersnaam",
        ),
        refused(
            "naam van 10.000 tekens",
            "{lang}",
            "--role",
            "coordinator",
            "--organisation",
            "0999",
            says="150 tekens",
        ),
        refused(
            "geen e-mailadres",
            "nieuw",
            "--role",
            "coordinator",
            "--organisation",
            "0999",
            "--email",
            "nietmail",
            says="e-mailadres",
        ),
        refused(
            "e-mailadres van 10.000 tekens",
            "nieuw",
            "--role",
            "coordinator",
            "--organisation",
            "0999",
            "--email",
            "{lang}",
        ),
        twice(
            "tweemaal",
            "nieuw",
            "--role",
            "coordinator",
            "--organisation",
            "0999",
            expect="refused",
            says="bestaat al",
        ),
        accepted("beheerder", "beheer", "--role", "beheerder"),
    ],
    "createsuperuser": [
        refused("zonder argumenten", says="create_user"),
        refused(
            "met Djangos opties", "--username", "root", "--email", "root@example.nl", "--no-input"
        ),
        refused("onbekende optie", "--bogus"),
    ],
    "changepassword": [
        refused("zonder argumenten"),
        refused("onbekende gebruiker", "niemand", says="bestaat niet"),
        refused("naam van 10.000 tekens", "{lang}", says="bestaat niet"),
        refused("onbekende optie", "coordinator-0999", "--bogus"),
        accepted("eenmalig wachtwoord", "coordinator-0999"),
        twice("tweemaal, met tweede factor", "coordinator-0999", "--tweede-factor"),
    ],
    "deliver": [
        refused("zonder argumenten", says="--creditor"),
        refused("zonder schuldeiser", "{geldig}"),
        refused("onbekende optie", "{geldig}", *DELIVER, "--bogus"),
        refused("bestand ontbreekt", "{ontbreekt}", *DELIVER, says="bestaat niet"),
        refused("een map", "{map}", *DELIVER, says="is een map"),
        refused("onder een bestand", "{onder_bestand}", *DELIVER),
        refused("naam van 10.000 tekens", "{lang}", *DELIVER, says="te lang"),
        refused("een apparaat", "/dev/null", *DELIVER, says="geen gewoon bestand"),
        refused(
            "leeg bestand", "{leeg}", *DELIVER, may_write=DELIVERY_RECORDED, says="BESTAND_LEEG"
        ),
        refused("binair bestand", "{binair}", *DELIVER, may_write=DELIVERY_RECORDED),
        refused("geen UTF-8", "{geen_utf8}", *DELIVER, may_write=DELIVERY_RECORDED),
        refused("één regel van 5 MB", "{lange_regel}", *DELIVER, may_write=DELIVERY_RECORDED),
        refused(
            "zonder kolomnamen, met een persoon",
            "{zonder_kop}",
            *DELIVER,
            may_write=DELIVERY_RECORDED,
            says="zet de kolomnamen op de regel boven de gegevens",
        ),
        refused(
            "onbekende schuldeiser",
            "{geldig}",
            "--creditor",
            "NIEMAND",
            "--peildatum",
            "{gisteren}",
            says="--creditor",
        ),
        refused(
            "schuldeiser van 10.000 tekens",
            "{geldig}",
            "--creditor",
            "{lang}",
            "--peildatum",
            "{gisteren}",
            says="--creditor",
        ),
        # A peildatum that is no date is the operator's typing error: refused by the command,
        # nothing recorded (it used to become the creditor's refused delivery).
        *[
            dataclass_replace(case, says="--peildatum")
            for case in bad_dates("--peildatum", "{geldig}", "--creditor", "WOONBRUG")
        ],
        refused(
            "--peildatum 2026-13-01",
            "{geldig}",
            "--creditor",
            "WOONBRUG",
            "--peildatum",
            "2026-13-01",
            says="--peildatum",
        ),
        refused(
            "--peildatum 01-10-2026",
            "{geldig}",
            "--creditor",
            "WOONBRUG",
            "--peildatum",
            "01-10-2026",
            says="--peildatum",
        ),
        # A date the delivery checks refuse (spec 1.6) is the delivery's refusal, recorded.
        refused(
            "peildatum in de toekomst",
            "{geldig}",
            "--creditor",
            "WOONBRUG",
            "--peildatum",
            "9999-12-31",
            may_write=DELIVERY_RECORDED,
        ),
        refused(
            "peildatum vóór 2000",
            "{geldig}",
            "--creditor",
            "WOONBRUG",
            "--peildatum",
            "0001-01-01",
            may_write=DELIVERY_RECORDED,
        ),
        refused(
            "zonder peildatum", "{geldig}", "--creditor", "WOONBRUG", may_write=DELIVERY_RECORDED
        ),
        refused("onbekende soort", "{geldig}", *DELIVER, "--soort", "alles", says="--soort"),
        *bad_numbers("--opnieuw"),
        refused(
            "--opnieuw van een verwerkte en --bevestig",
            "--opnieuw",
            "{levering}",
            "--bevestig",
            "{levering}",
            says="niet beide",
        ),
        refused(
            "--bevestig van een verwerkte",
            "--bevestig",
            "{levering}",
            says="wacht niet op bevestiging",
        ),
        *[
            dataclass_replace(
                case,
                label=f"--bevestig {case.label.split(' ', 1)[1]}",
                args=("--bevestig", *case.args[1:]),
            )
            for case in bad_numbers("--opnieuw")
        ],
        twice(
            "tweemaal hetzelfde bestand",
            "{geldig}",
            *DELIVER,
            expect="refused",
            may_write=DELIVERY_RECORDED,
            says="LEVERING_DUBBEL",
        ),
    ],
    "demo_logins": [
        refused("een argument", "overbodig"),
        refused("buiten de demomodus", settings=DEMO_OFF, says="VROEGSIGNAAL_MODE=demo"),
        accepted("in de demomodus"),
    ],
    "dumpdata": [
        accepted("zonder argumenten: de configuratie en de registers"),
        refused("een app met persoonsgegevens", "households", says="Toegestaan"),
        refused("een model met persoonsgegevens", "households.Person", says="vroegsignaal backup"),
        refused("de gebruikers", "organisations.User", says="Toegestaan"),
        refused("een app met gebruikers", "organisations", says="organisations.User"),
        refused("de achterstanden", "households.Arrear", says="Toegestaan"),
        refused("tweede factoren", "otp_totp", "otp_static", says="Toegestaan"),
        refused("sessies", "sessions", says="Toegestaan"),
        refused("het auditlog", "privacy.AuditEvent", says="Toegestaan"),
        refused("onbekende app", "nergens", says="geen app"),
        refused("onbekend model", "organisations.Niets", says="geen model"),
        refused("onbekende app bij --exclude", "registry", "--exclude", "nergens"),
        refused("onbekend formaat", "registry", "--format", "pdf", says="formaat"),
        refused("--pks bij een app", "registry", "--pks", "1,2"),
        refused("--pks die geen sleutels zijn", "organisations.Municipality", "--pks", "een,twee"),
        refused("map bestaat niet", "registry", "--output", "{geen_map}", says="bestaat niet"),
        refused("uitvoer is een map", "registry", "--output", "{map}", says="is een map"),
        refused("uitvoer van 10.000 tekens", "registry", "--output", "{lang}"),
        refused("uitvoer bestaat al", "registry", "--output", "{leeg}", says="--overschrijven"),
        refused(
            "uitvoer bij de leveringen",
            "registry",
            "--output",
            "{incoming}/r.json",
            "--overschrijven",
            says="van het systeem zelf",
        ),
        twice(
            "configuratie, tweemaal",
            "organisations.Municipality",
            "--output",
            "{uit}/gemeenten.json",
            expect="refused",
            says="--overschrijven",
        ),
        twice(
            "configuratie, tweemaal met --overschrijven",
            "organisations.Municipality",
            "--output",
            "{uit}/gemeenten.json",
            "--overschrijven",
        ),
    ],  # fmt: skip
    "evaluate": [
        refused("onbekende gemeente", "--municipality", "9999", says="bestaat niet"),
        refused("gemeente van 10.000 tekens", "--municipality", "{lang}"),
        *bad_dates("--peildatum"),
        refused("peildatum in jaar 1", "--peildatum", "0001-01-01", says="2000-01-01"),
        refused("onbekende optie", "--bogus"),
        twice("tweemaal", "--municipality", "0999"),
        refused("peildatum 9999-12-31", "--peildatum", "9999-12-31", says="na vandaag"),
        refused("peildatum morgen", "--peildatum", "{morgen}", says="na vandaag"),
        accepted("peildatum vandaag", "--peildatum", "{vandaag}"),
    ],
    "export_ddas": [
        refused("zonder argumenten"),
        refused(
            "zonder --output",
            "--municipality",
            "0999",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
        ),
        refused(
            "onbekende gemeente",
            "--municipality",
            "9999",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--output",
            "{uit}/d.json",
        ),
        refused(
            "gemeente van 10.000 tekens",
            "--municipality",
            "{lang}",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--output",
            "{uit}/d.json",
        ),
        *bad_dates(
            "--from",
            "--municipality",
            "0999",
            after=("--to", "2026-12-31", "--output", "{uit}/d.json"),
        ),
        *bad_dates(
            "--to",
            "--municipality",
            "0999",
            after=("--from", "2026-01-01", "--output", "{uit}/d.json"),
        ),
        refused(
            "--from na --to",
            "--municipality",
            "0999",
            "--from",
            "2026-12-31",
            "--to",
            "2026-01-01",
            "--output",
            "{uit}/d.json",
        ),
        *[
            refused(
                f"uitvoer: {label}",
                "--municipality",
                "0999",
                "--from",
                "2026-01-01",
                "--to",
                "2026-12-31",
                "--output",
                where,
                says=says,
            )
            for label, where, says in (
                ("map bestaat niet", "{geen_map}", "bestaat niet"),
                ("een map", "{map}", "is een map"),
                ("onder een bestand", "{onder_bestand}", "geen map"),
                ("10.000 tekens", "{lang}", "te lang"),
                ("lege naam", "", "naam van het bestand"),
                (
                    "bestaat al",
                    "{leeg}",
                    "bestaat al; kies een andere naam of gebruik --overschrijven",
                ),
                ("bij de leveringen", "{incoming}/uit", "van het systeem zelf"),
            )
        ],
        twice(
            "tweemaal",
            "--municipality",
            "0999",
            "--from",
            "2000-01-01",
            "--to",
            "9999-12-31",
            "--output",
            "{uit}/d.json",
            expect="refused",
            says="--overschrijven",
        ),
        twice(
            "tweemaal met --overschrijven",
            "--municipality",
            "0999",
            "--from",
            "2000-01-01",
            "--to",
            "9999-12-31",
            "--output",
            "{uit}/d.json",
            "--overschrijven",
        ),
    ],  # fmt: skip
    "export_signals": [
        refused("zonder argumenten"),
        refused(
            "onbekende gemeente",
            "--municipality",
            "9999",
            "--output",
            "{uit}/s.csv",
            says="bestaat niet",
        ),
        refused(
            "gemeente van 10.000 tekens", "--municipality", "{lang}", "--output", "{uit}/s.csv"
        ),
        refused(
            "onbekende status",
            "--municipality",
            "0999",
            "--status",
            "alles",
            "--output",
            "{uit}/s.csv",
        ),
        refused(
            "onbekend formaat",
            "--municipality",
            "0999",
            "--format",
            "pdf",
            "--output",
            "{uit}/s.pdf",
        ),
        refused(
            "slapend: tonen (een bestand kan ze niet markeren)",
            "--municipality",
            "0999",
            "--slapend",
            "tonen",
            "--output",
            "{uit}/s.csv",
        ),
        *[
            refused(f"uitvoer: {label}", "--municipality", "0999", "--output", where, says=says)
            for label, where, says in (
                ("map bestaat niet", "{geen_map}", "bestaat niet"),
                ("een map", "{map}", "is een map"),
                ("onder een bestand", "{onder_bestand}", "geen map"),
                ("10.000 tekens", "{lang}", "te lang"),
                ("lege naam", "", "naam van het bestand"),
                (
                    "bestaat al",
                    "{leeg}",
                    "bestaat al; kies een andere naam of gebruik --overschrijven",
                ),
                ("bij de leveringen", "{incoming}/uit", "van het systeem zelf"),
            )
        ],
        twice(
            "tweemaal",
            "--municipality",
            "0999",
            "--output",
            "{uit}/s.xlsx",
            expect="refused",
            says="--overschrijven",
        ),
        twice(
            "tweemaal met --overschrijven",
            "--municipality",
            "0999",
            "--output",
            "{uit}/s.xlsx",
            "--overschrijven",
        ),
    ],  # fmt: skip
    "flush": not_offered("vroegsignaal purge", "--no-input"),
    "generate_world": [
        refused("zonder --out"),
        refused(
            "--out is een bestand",
            "--out",
            "{leeg}",
            "--households",
            "10",
            "--months",
            "1",
            says="geen map",
        ),
        refused(
            "--out onder een bestand",
            "--out",
            "{onder_bestand}",
            "--households",
            "10",
            "--months",
            "1",
        ),
        refused(
            "--out van 10.000 tekens",
            "--out",
            "{lang}",
            "--households",
            "10",
            "--months",
            "1",
            says="te lang",
        ),
        refused(
            "--out is een andere map",
            "--out",
            "{niet_leeg}",
            "--households",
            "10",
            "--months",
            "1",
            says="niet leeg",
        ),
        *bad_numbers("--households", "--out", "{uit}/w"),
        *bad_numbers("--months", "--out", "{uit}/w", "--households", "10"),
        refused("--months 37", "--out", "{uit}/w", "--households", "10", "--months", "37"),
        refused(
            "--municipalities 0",
            "--out",
            "{uit}/w",
            "--households",
            "10",
            "--months",
            "1",
            "--municipalities",
            "0",
        ),
        refused(
            "meer gemeenten dan huishoudens",
            "--out",
            "{uit}/w",
            "--households",
            "2",
            "--months",
            "1",
            "--municipalities",
            "3",
        ),
        refused(
            "onbekend ruisniveau", "--out", "{uit}/w", "--households", "10", "--noise", "chaos"
        ),
        twice(
            "tweemaal", "--out", "{uit}/w", "--households", "20", "--months", "1", "--seed", "-1"
        ),
    ],
    "import_addresses": [
        refused("zonder bestand"),
        refused("bestand ontbreekt", "{ontbreekt}", says="bestaat niet"),
        refused("een map", "{map}", says="is een map"),
        refused("onder een bestand", "{onder_bestand}"),
        refused("naam van 10.000 tekens", "{lang}", says="te lang"),
        refused("leeg bestand", "{leeg}", says="leeg"),
        refused("binair bestand", "{binair}"),
        refused("geen UTF-8", "{geen_utf8}"),
        refused("één regel van 5 MB", "{lange_regel}"),
        refused("een levering in plaats van adressen", "{geldig}"),
        refused("een onjuiste postcode", "{adressen_fout}", says="Regel 3"),
        twice("tweemaal", "{adressen}"),
    ],
    "import_neighbourhoods": [
        refused("zonder bestand"),
        refused("bestand ontbreekt", "{ontbreekt}", says="bestaat niet"),
        refused("een map", "{map}", says="is een map"),
        refused("naam van 10.000 tekens", "{lang}", says="te lang"),
        refused("leeg bestand", "{leeg}", says="leeg"),
        refused("binair bestand", "{binair}"),
        refused("geen UTF-8", "{geen_utf8}"),
        refused("één regel van 5 MB", "{lange_regel}", says="geen geldige JSON"),
        refused("adressen in plaats van buurten", "{adressen}"),
        twice("tweemaal", "{buurten}"),
    ],
    "load_config": [
        refused("zonder bestand"),
        refused("onbekende optie", "{config}", "--bogus"),
        refused("bestand ontbreekt", "{ontbreekt}", says="bestaat niet"),
        refused("een map", "{map}", says="is een map"),
        refused("onder een bestand", "{onder_bestand}"),
        refused("naam van 10.000 tekens", "{lang}", says="te lang"),
        refused("leeg bestand", "{leeg}", says="leeg"),
        refused("binair bestand", "{binair}"),
        refused("geen UTF-8", "{geen_utf8}", says="UTF-8"),
        refused("één regel van 5 MB", "{lange_regel}"),
        refused("adressen in plaats van configuratie", "{adressen}"),
        refused("een NUL in een naam", "{config_nul}", says="stuurteken"),
        refused("een naam van 10.000 tekens", "{config_lang}", says="200 tekens"),
        refused("een wijkteam met de naam van een ander", "{config_team}", says="T0999-NOORD"),
        refused("2026-02-30", "{config_datum}", says="geen datum"),
        twice("tweemaal", "{config}"),
    ],
    "loaddata": not_offered(
        "vroegsignaal load_config BESTAND", "{config}", "--database", "default"
    ),
    "purge": [
        *bad_dates("--today", "--dry-run"),
        refused("--today in jaar 1", "--today", "0001-01-01", says="2000-01-01"),
        refused("onbekende gemeente", "--municipality", "9999"),
        refused("gemeente van 10.000 tekens", "--municipality", "{lang}"),
        refused("onbekende optie", "--bogus"),
        refused("--today in 2099", "--today", "2099-01-01", says="--dry-run"),
        refused(
            "--today morgen", "--today", "{morgen}", "--municipality", "0999", says="na vandaag"
        ),
        accepted("proefdraai", "--dry-run"),
        accepted("proefdraai in 2099", "--dry-run", "--today", "2099-01-01"),
        accepted("--today vandaag", "--today", "{vandaag}"),
        twice("tweemaal", "--municipality", "0999"),
    ],
    "rotate_blind_index_key": [
        refused("zonder nieuwe sleutel", says="VROEGSIGNAAL_NEW_BLIND_INDEX_KEY"),
        refused("nieuwe sleutel te kort", settings={"NEW_BLIND_INDEX_KEY": "a29ydA=="}),
        refused("nieuwe sleutel geen base64", settings={"NEW_BLIND_INDEX_KEY": "geen base64!"}),
        *[
            dataclass_replace(case, settings={"NEW_BLIND_INDEX_KEY": NEW_KEY})
            for case in bad_numbers("--batch-size")
        ],
        accepted("proefdraai", "--dry-run", settings={"NEW_BLIND_INDEX_KEY": NEW_KEY}),
    ],
    "rotate_keys": [
        *bad_numbers("--batch-size"),
        refused("onbekende optie", "--bogus"),
        accepted("proefdraai", "--dry-run"),
        twice("tweemaal", "--batch-size", "1"),
    ],
    "sendtestemail": [
        refused("zonder adres", says="e-mailadres"),
        refused("geen e-mailadres", "nietmail", says="geen e-mailadres"),
        refused("een goed en een fout adres", "beheer@gemeente.example", "nietmail"),
        refused("10.000 tekens", "{lang}"),
        twice("tweemaal", "beheer@gemeente.example"),
    ],
    "setup_demo": [
        refused(
            "buiten de demomodus",
            "--world",
            "{uit}/w",
            settings=DEMO_OFF,
            says="VROEGSIGNAAL_MODE=demo",
        ),
        refused("--world is een bestand", "--world", "{leeg}", says="geen map"),
        refused("--world is een andere map", "--world", "{niet_leeg}", says="niet leeg"),
        refused("--world van 10.000 tekens", "--world", "{lang}", says="te lang"),
        refused("--world is half een wereld", "--world", "{halve_wereld}", says="geen volledige"),
        refused(
            "--households negatief", "--world", "{uit}/w", "--households", "-5", says="huishoudens"
        ),
        refused("--households 0", "--world", "{uit}/w", "--households", "0", says="huishoudens"),
        refused("--months geen getal", "--world", "{uit}/w", "--months", "twaalf"),
    ],
    "sqlflush": not_offered("vroegsignaal purge", "--database", "default"),
    "totp": [
        refused("zonder gebruiker"),
        refused("onbekende gebruiker", "niemand", says="geen gebruiker met die naam"),
        refused("lege naam", ""),
        refused("naam van 10.000 tekens", "{lang}"),
        refused(
            "een gebruiker zonder TOTP-sleutel", "coordinator-0999", says="geen authenticator-app"
        ),
        refused(
            "buiten de demomodus",
            "coordinator-0999",
            settings=DEMO_OFF,
            says="VROEGSIGNAAL_MODE=demo",
        ),
    ],
    "two_factor_disable": not_offered("changepassword NAAM --tweede-factor", "coordinator-0999"),
}

# Commands of src/vroegsignaal that take no hostile input, with the reason. (None so far: a new
# command goes into CASES, or here with why it needs no cases.)
NOT_EXERCISED: dict[str, str] = {}


def project_commands() -> set[str]:
    """The management commands in src/vroegsignaal/*/management/commands/."""
    return {
        path.stem
        for path in SRC.glob("*/management/commands/*.py")
        if not path.stem.startswith("_")
    }


def test_every_command_is_here():
    commands = project_commands()
    assert not set(CASES) & set(NOT_EXERCISED), "a command is both exercised and excused"
    assert not (set(CASES) | set(NOT_EXERCISED)) - commands, (
        "CASES or NOT_EXERCISED name commands that are gone"
    )
    missing = sorted(commands - set(CASES) - set(NOT_EXERCISED))
    assert not missing, (
        "management commands without hostile cases; add them to CASES (the mistakes an operator makes with "
        "their arguments) or, if they take no input, to NOT_EXERCISED with the reason: "
        + ", ".join(missing)
    )


# -- judging -------------------------------------------------------------------------------------


def dutch_problem(text: str) -> str | None:
    """Why ``text`` is no Dutch message, or None."""
    english = ENGLISH.search(text) or MORE_ENGLISH.search(text)
    if english:
        return f"English ({english.group(0)!r})"
    if not DUTCH.search(text):
        return "not Dutch"
    return None


def judge(case: Case, outcome: Outcome) -> list[str]:
    """What is wrong with one answer (what it changed is :func:`exercise`'s)."""
    problems = []
    if outcome.crash:
        problems.append(f"crashed: {outcome.crash}")
    elif "Traceback" in outcome.stderr:
        problems.append("a traceback on stderr")
    if case.expect == "refused":
        message = outcome.stderr.strip()
        if outcome.status == 0:
            problems.append(
                f"accepted (exit 0), expected a refusal; stdout {outcome.stdout[:200]!r}"
            )
        elif not message:
            problems.append(f"refused (exit {outcome.status}) without a word on stderr")
        elif not outcome.crash:
            if re.match(r"\w*(Error|Exception)\b", message):
                problems.append(f"the message starts with an exception's name: {message[:300]!r}")
            problem = dutch_problem(message)
            if problem:
                problems.append(f"the message is {problem}: {message[:300]!r}")
            if case.says and case.says not in message:
                problems.append(f"the message does not say {case.says!r}: {message[:300]!r}")
    elif outcome.status != 0 and not outcome.crash:
        problems.append(
            f"refused (exit {outcome.status}), expected it accepted: {outcome.stderr[:300]!r}"
        )
    for secret in PERSONAL:
        for stream, text in (("stdout", outcome.stdout), ("stderr", outcome.stderr)):
            if secret in text:
                problems.append(f"{stream} holds {secret!r}")
    return problems


def personal_in_logs(records) -> list[str]:
    return [
        f"a log record of {record.name} holds {secret!r}"
        for record in records
        for secret in PERSONAL
        if secret in record.getMessage()
    ]


def exercise(command: str, case: Case, world: World, caplog, settings) -> list[str]:
    """Run one case in a savepoint that is rolled back; its problems, each naming the case."""
    args = tuple(arg.format(**world.files) for arg in case.args)
    problems: list[str] = []
    caplog.clear()
    with transaction.atomic(), stand_ins(command):
        with override(settings, case.settings):
            if case.first is not None:
                before_first = run_command(
                    command, *(arg.format(**world.files) for arg in case.first)
                )
                if before_first.status != 0 or before_first.crash:
                    problems.append(
                        f"the first run failed (exit {before_first.status}): {before_first.stderr[:300]!r}"
                    )
            database, disk = fingerprint(), files_under(world.folder)
            outcome = run_command(command, *args)
            problems += judge(case, outcome)
            if case.expect == "refused" and outcome.status != 0:
                changed = sorted(
                    t
                    for t, h in fingerprint().items()
                    if h != database.get(t) and t not in case.may_write
                )
                if changed:
                    problems.append(f"refused, yet changed {', '.join(changed)}")
                now = files_under(world.folder)
                # The staging folder is made at the first delivery, and its time changes as a refused file
                # comes and goes; the file itself may not stay.
                touched = sorted(
                    n for n in {*disk, *now} if disk.get(n) != now.get(n) and n != "incoming"
                )
                if touched:
                    problems.append(f"refused, yet changed files: {', '.join(touched[:5])}")
        transaction.set_rollback(True)
    problems += personal_in_logs(caplog.records)
    return [f"{command} [{case.label}]: {problem}"[:500] for problem in problems]


@contextlib.contextmanager
def stand_ins(command: str):
    """The backup's copy in a stand-in that writes an empty file: SQLite's online backup would wait
    for the test's own transaction for ever (a refused backup never gets that far; an accepted one
    is src/vroegsignaal/privacy/tests/test_backup.py's)."""
    if command != "backup":
        yield
        return
    from vroegsignaal.privacy import backup

    def copy(partial: Path) -> int:  # the temporary file is there, empty (paths.atomic_file)
        return 0

    with (
        mock.patch.object(backup, "_sqlite_copy", copy),
        mock.patch.object(backup, "_postgresql_copy", copy),
    ):
        yield


@contextlib.contextmanager
def override(settings, values: dict):
    """Settings for one case (pytest-django's ``settings``, put back afterwards)."""
    old = {name: getattr(settings, name) for name in values}
    for name, value in values.items():
        setattr(settings, name, value)
    try:
        yield
    finally:
        for name, value in old.items():
            setattr(settings, name, value)


@pytest.mark.parametrize("command", sorted(CASES))
def test_hostile_arguments(command, world, caplog, settings):
    problems = []
    for case in CASES[command]:
        problems += exercise(command, case, world, caplog, settings)
    assert not problems, f"{len(problems)} problems in {len(CASES[command])} cases:\n" + "\n".join(
        problems
    )


# -- without permission --------------------------------------------------------------------------

# A file the operator may not read, a folder the operator may not write in.
WITHOUT_PERMISSION: dict[str, tuple[str, ...]] = {
    "load_config": ("{onleesbaar}",),
    "import_addresses": ("{onleesbaar}",),
    "import_neighbourhoods": ("{onleesbaar}",),
    "deliver": ("{onleesbaar}", *DELIVER),
    "backup": ("{dicht}/kopie",),
    "dumpdata": ("organisations.Municipality", "--output", "{dicht}/gemeenten.json"),
    "export_ddas": (
        "--municipality",
        "0999",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--output",
        "{dicht}/d.json",
    ),
    "export_signals": ("--municipality", "0999", "--output", "{dicht}/s.csv"),
    "generate_world": ("--out", "{dicht}/w", "--households", "10", "--months", "1"),
}


@pytest.mark.parametrize("command", sorted(WITHOUT_PERMISSION))
def test_a_file_or_folder_without_permission(command, world, caplog, settings):
    if os.geteuid() == 0:
        pytest.skip(
            "the suite runs as root, who reads and writes whatever a file's mode says: no file can be unreadable"
        )
    files = world.files
    Path(files["onleesbaar"]).chmod(0)
    Path(files["dicht"]).chmod(0o555)
    try:
        problems = exercise(
            command,
            Case("zonder rechten", WITHOUT_PERMISSION[command], says="bestandsrechten"),
            world,
            caplog,
            settings,
        )
    finally:
        Path(files["onleesbaar"]).chmod(0o600)
        Path(files["dicht"]).chmod(0o755)
    assert not problems, "\n".join(problems)


# -- the console script itself --------------------------------------------------------------------

SCRIPT = Path(sys.executable).with_name("vroegsignaal")
# Mistakes the script answers before it uses the database: an argument left out, of the wrong kind,
# a choice that is not there, a command that is not there, a date, a folder.
BEFORE_THE_DATABASE = [
    ("load_config",),
    ("deliver", "--opnieuw", "veel"),
    ("deliver", "{geldig}", "--creditor", "WOONBRUG", "--peildatum", "2026-13-01"),
    ("create_user", "nieuw", "--role", "koning"),
    ("export_signals", "--municipality", "0999"),
    ("import_adresses", "adressen.csv"),
    ("evaluate", "--peildatum", "morgen"),
    ("purge", "--today", "0001-01-01"),
    ("purge", "--today", "2099-01-01"),
    ("evaluate", "--peildatum", "2099-01-01"),
    ("backup", "{geen_map}"),
]


def test_the_console_script_says_it_in_one_dutch_line(tmp_path, world):
    """The real script, in subprocesses: one Dutch line on stderr, no traceback, a non-zero exit
    status, and the same answer as :func:`run_command` gives in this process."""
    env = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "VROEGSIGNAAL_MODE": "demo",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'nooit-gebruikt.sqlite3'}", "VROEGSIGNAAL_DATA_DIR": str(tmp_path / "data"),
    }  # fmt: skip
    calls = [tuple(arg.format(**world.files) for arg in args) for args in BEFORE_THE_DATABASE]
    running = [
        subprocess.Popen(
            [str(SCRIPT), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for args in calls
    ]
    problems = []
    for args, process in zip(calls, running, strict=True):
        stdout, stderr = process.communicate(timeout=120)
        here = run_command(*args)
        name = " ".join(args)[:80]
        if process.returncode == 0 or "Traceback" in stderr or stderr.count("\n") != 1:
            problems.append(f"{name}: exit {process.returncode}, stderr {stderr[:300]!r}")
        elif dutch_problem(stderr):
            problems.append(f"{name}: the message is {dutch_problem(stderr)}: {stderr!r}")
        elif re.match(r"\w*(Error|Exception)\b", stderr):
            problems.append(f"{name}: the message starts with an exception's name: {stderr!r}")
        if (here.status, here.stderr) != (process.returncode, stderr):
            problems.append(
                f"{name}: in this process exit {here.status}, {here.stderr!r}; the script {process.returncode}, {stderr!r}"
            )
        if stdout:
            problems.append(f"{name}: prints on stdout: {stdout[:200]!r}")
    assert not problems, "\n".join(problems)
    assert not (tmp_path / "nooit-gebruikt.sqlite3").exists()  # answered before any database


def test_no_argument_carries_a_nul_byte():
    """The operating system passes no argument with a NUL byte (execve): no command can get one
    on its command line. NUL bytes in the files the commands read are cases."""
    with pytest.raises(ValueError, match="embedded null byte"):
        subprocess.run(
            [str(SCRIPT), "evaluate", "--municipality", "09\x0099"],
            capture_output=True,
            check=False,
        )


# -- the checks themselves -----------------------------------------------------------------------


def test_the_checks_find_what_they_look_for(world, caplog, settings):
    """A command that half-applies and refuses in English with a person's name, one that crashes,
    one that leaves a file behind and one that says nothing: each is reported."""
    from django.core.management import CommandError

    from vroegsignaal.organisations.models import Municipality

    def half_applied(*args, **options):
        Municipality.objects.create(code="0777", name="Half")
        raise CommandError(f"Municipality {SURNAME} does not exist.")

    def leaves_a_file(*args, **options):
        Path(world.files["uit"], "half.csv").write_text("half", encoding="utf-8")
        raise CommandError("Het bestand is maar half geschreven.")

    def silent(*args, **options):
        raise SystemExit(1)

    def class_name_first(*args, **options):
        sys.stderr.write("CommandError: De gemeente bestaat niet.\n")
        raise SystemExit(1)

    found = []
    handle = "vroegsignaal.signals.management.commands.evaluate.Command.handle"
    for behaviour in (half_applied, RuntimeError("kapot"), leaves_a_file, silent, class_name_first):
        with mock.patch(handle, side_effect=behaviour):
            found += exercise("evaluate", refused("iets"), world, caplog, settings)
    with mock.patch(handle, return_value=None):
        found += exercise("evaluate", refused("niets mis"), world, caplog, settings)
    found = "\n".join(found)
    assert "refused, yet changed organisations.Municipality" in found
    assert "the message is English ('does not exist')" in found
    assert f"stderr holds '{SURNAME}'" in found
    assert "crashed: RuntimeError: 'kapot'" in found
    assert re.search(r"refused, yet changed files: .*bestanden/uit/half\.csv", found)
    assert "refused (exit 1) without a word on stderr" in found
    assert "the message starts with an exception's name: 'CommandError: De gemeente" in found
    assert "accepted (exit 0), expected a refusal" in found

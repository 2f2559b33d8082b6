"""Every delivery of a generated world gives the report its ground truth lists (issue 4, "done when").

The world generator (``vroegsignaal.demo``) writes monthly deliveries of many
creditors in their own dialects, with ``hostile`` noise: malformed files, typos,
formula injection, rows outside a covenant, duplicates. Its ground truth says,
per file, the refusal code or the rejected rows, warnings, routing and the
arrears opened, changed and cleared. Each file is delivered the way the API
takes it (a JSON body carries its own peildatum and soort), held stands are
confirmed, and the report is compared with the truth.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

from vroegsignaal.demo.services import generate_world
from vroegsignaal.intake import services
from vroegsignaal.intake.models import DeliveryRowIssue, DeliveryStatus, Via
from vroegsignaal.intake.report import report_context
from vroegsignaal.organisations.models import Creditor
from vroegsignaal.organisations.services import load_config, read_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wereld")
    generate_world(out, households=1500, municipalities=2, months=6, seed=7, noise="hostile")
    return out


def load_world(out: Path) -> list[dict]:
    load_config(read_config(out / "config.yaml"))
    call_command("import_neighbourhoods", str(out / "buurten.geojson"), verbosity=0)
    call_command("import_addresses", str(out / "adressen.csv"), verbosity=0)
    truth = json.loads((out / "ground_truth" / "deliveries.json").read_text())["leveringen"]
    return sorted(truth, key=lambda item: item["volgorde"])


def deliver(out: Path, expected: dict):
    path = out / expected["bestand"]
    creditor = Creditor.objects.get(code=expected["schuldeiser"])
    is_json = path.suffix == ".json"
    delivery = services.receive_delivery(
        creditor,
        path,
        filename=path.name,
        kind=None if is_json else expected["soort"],
        reference_date=None if is_json else dt.date.fromisoformat(expected["peildatum"]),
        via=Via.API,
    )
    held = delivery.status == DeliveryStatus.WACHT_OP_BEVESTIGING
    if held:
        delivery = services.confirm_delivery(delivery)
    return delivery, held


def unknown_columns_in_file(out: Path, expected: dict) -> list[str]:
    """The truth's unknown columns that the file really has.

    The generator lists a dialect's extra column also for a JSON file in which
    no object carries it (reported to the generator's owner); a column that is
    not in the file cannot be reported.
    """
    path = out / expected["bestand"]
    if path.suffix != ".json":
        return sorted(expected["onbekende_kolommen"])
    keys = {key for item in json.loads(path.read_text())["achterstanden"] for key in item}
    return sorted(c for c in expected["onbekende_kolommen"] if c in keys)


def differences(delivery, held: bool, expected: dict, out: Path) -> list[str]:
    report = delivery.report
    if expected.get("verwachte_weigering"):
        codes = (report.get("weigering") or {}).get("codes")
        return [] if codes == [expected["verwachte_weigering"]] else [f"weigering {codes}"]
    found = {
        "status": delivery.status,
        "afgewezen": report.get("afgewezen_per_code", {}),
        "afgewezen_rijen": sorted(
            DeliveryRowIssue.objects.filter(delivery=delivery, is_warning=False).values_list(
                "klantnummer", "code"
            )
        ),
        "waarschuwingen": report.get("waarschuwingen_per_code", {}),
        "buiten_convenant": delivery.rows_outside_covenant,
        "per_gemeente": {
            g["gemeentecode"]: g["regels"] for g in report.get("gerouteerd_per_gemeente", [])
        },
        "verwerkt": delivery.rows_accepted,
        "onbekende_kolommen": sorted(report.get("onbekende_kolommen", [])),
        "veiligheidscontrole": held,
        "achterstanden": {
            "nieuw": delivery.arrears_new,
            "gewijzigd": delivery.arrears_changed,
            "afgemeld": delivery.arrears_cleared,
        },
    }
    wanted = {
        "status": DeliveryStatus.VERWERKT,
        "afgewezen": expected["afgewezen"],
        "afgewezen_rijen": sorted(
            (r["klantnummer"], r["code"]) for r in expected["afgewezen_rijen"]
        ),
        "waarschuwingen": expected["waarschuwingen"],
        "buiten_convenant": expected["buiten_convenant"],
        "per_gemeente": expected["per_gemeente"],
        "verwerkt": expected["verwerkt"],
        "onbekende_kolommen": unknown_columns_in_file(out, expected),
        "veiligheidscontrole": expected["veiligheidscontrole"],
        "achterstanden": {
            k: expected["achterstanden"][k] for k in ("nieuw", "gewijzigd", "afgemeld")
        },
    }
    return [
        f"{key}: {found[key]!r} ≠ {wanted[key]!r}" for key in wanted if found[key] != wanted[key]
    ]


@pytest.mark.django_db
def test_every_delivery_of_a_hostile_world_gives_the_report_of_its_ground_truth(
    world_dir, settings, tmp_path
):
    settings.DATA_DIR = tmp_path / "data"
    problems = []
    for expected in load_world(world_dir):
        delivery, held = deliver(world_dir, expected)
        problems += [
            f"{expected['bestand']}: {d}" for d in differences(delivery, held, expected, world_dir)
        ]
    assert not problems, "\n".join(problems)
    assert list(services.incoming_dir().iterdir()) == []


@pytest.mark.django_db
def test_the_accepted_rows_of_every_world_delivery_add_up_with_the_unchanged_arrears(
    world_dir, settings, tmp_path, monkeypatch
):
    """Every accepted row is counted once: for a stand, accepted = nieuw + gewijzigd +
    ongewijzigd + not applied (its afgemeld are arrears it lacks, no rows); for a mutatie,
    accepted = nieuw + gewijzigd + ongewijzigd + afgemeld + ignored + not applied."""
    from vroegsignaal.households import services as households

    settings.DATA_DIR = tmp_path / "data"
    applied = {}
    real_apply = households.apply_rows

    def spy(delivery, *args, **kwargs):
        applied[delivery.pk] = counts = real_apply(delivery, *args, **kwargs)
        return counts

    monkeypatch.setattr(households, "apply_rows", spy)
    checked, problems = Counter(), []
    for expected in load_world(world_dir):
        delivery, _ = deliver(world_dir, expected)
        if delivery.status != DeliveryStatus.VERWERKT:
            continue
        report = report_context(delivery)
        arrears, counts = report["achterstanden"], applied[delivery.pk]
        unchanged = report["achterstanden_ongewijzigd"]
        rows = arrears["nieuw"] + arrears["gewijzigd"] + unchanged + counts.outdated
        if delivery.kind == "mutatie":
            rows += arrears["afgemeld"] + counts.ignored
        checked[delivery.kind] += 1
        checked[f"{delivery.kind} ongewijzigd"] += unchanged
        checked[f"{delivery.kind} afgemeld"] += arrears["afgemeld"]
        checked[f"{delivery.kind} genegeerd of niet verwerkt"] += counts.ignored + counts.outdated
        if rows != delivery.rows_accepted:
            problems.append(f"{expected['bestand']}: {rows} ≠ {delivery.rows_accepted} accepted")
    assert not problems, "\n".join(problems)
    # Both kinds were applied; a stand's repeated rows and a mutatie's afgemeld rows were there.
    assert all(checked[k] for k in ("stand", "mutatie", "stand ongewijzigd", "mutatie afgemeld")), (
        checked
    )

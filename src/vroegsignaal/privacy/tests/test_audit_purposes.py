"""Every purpose the source can write to the audit log has a label, in Dutch and English."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation

from vroegsignaal.privacy.purposes import LABELS, purpose_label
from vroegsignaal.reporting.services import PURPOSES

SOURCE = Path(__file__).resolve().parents[2]


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments (purposes kept in constants)."""
    found = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _branches(value: ast.expr) -> list[ast.expr]:
    return [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]


def written_purposes() -> dict[str, str]:
    """Each purpose literal the source passes as ``purpose=`` (or a ``purpose`` default) → where."""
    purposes = {}
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _module_strings(tree)
        for node in ast.walk(tree):
            values = []
            if isinstance(node, ast.Call):
                values = [k.value for k in node.keywords if k.arg == "purpose"]
            elif isinstance(node, ast.FunctionDef):
                args = node.args.args[-len(node.args.defaults) :] if node.args.defaults else []
                values = [
                    d for a, d in zip(args, node.args.defaults, strict=True) if a.arg == "purpose"
                ]
                values += [d for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True)
                           if a.arg == "purpose" and d is not None]  # fmt: skip
            while any(isinstance(v, ast.IfExp) for v in values):  # "a" if … else "b": both
                values = [w for v in values for w in _branches(v)]
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
                    purposes[value.value] = f"{path.relative_to(SOURCE)}:{value.lineno}"
                elif isinstance(value, ast.Name) and value.id in constants:
                    purposes[constants[value.id]] = f"{path.relative_to(SOURCE)}:{value.lineno}"
    return purposes


def test_every_purpose_the_source_writes_has_a_label():
    written = written_purposes()
    assert len(written) > 40  # the scan finds the calls (guards against a scan that finds nothing)
    missing = {p: where for p, where in written.items() if p not in LABELS}
    assert missing == {}


def test_the_purposes_of_viewing_a_household_have_their_labels():
    assert {code: str(LABELS[code]) for code in PURPOSES} == {
        code: str(label) for code, label in PURPOSES.items()
    }


def test_a_label_is_shown_in_the_readers_language_and_an_unknown_purpose_as_stored():
    with translation.override("nl"):
        assert purpose_label("zaak afgesloten") == "Zaak afgesloten"
        assert purpose_label("signaalbehandeling") == "Signaalbehandeling"
    with translation.override("en"):
        assert purpose_label("zaak afgesloten") == "Case closed"
        assert purpose_label("signaalbehandeling") == "Handling the signal"
    assert purpose_label("iets van vroeger") == "iets van vroeger"
    assert purpose_label("") == "—"


def test_the_scan_reads_both_purposes_of_a_conditional():
    written = written_purposes()
    assert {"terugkoppeling inzien", "terugkoppeling downloaden"} <= written.keys()

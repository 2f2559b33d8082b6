"""axe-core in a real browser: the WCAG 2.1 AA rules, run on the page as it stands.

axe is injected as a script, so the page must be opened in a context that lets it past
the portal's strict Content-Security-Policy: the ``axe_page`` fixture (tests/browser/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page) -> list[str]:
    """Every WCAG 2.1 AA violation axe finds on the page: rule, help, the elements and why."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: tags, resultTypes: ['violations']})",
        WCAG_AA,
    )
    return [
        f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']]} {[n.get('failureSummary') for n in v['nodes']]}"
        for v in result["violations"]
    ]

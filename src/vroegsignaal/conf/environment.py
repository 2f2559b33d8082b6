"""Every environment variable the project reads, with its default and help text.

One registry so that the README's configuration table can be checked against
the code (``tests/test_settings.py``) and nobody has to grep for ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

_SAME = object()


@dataclass(frozen=True)
class Variable:
    name: str
    default: str | None
    help: str
    demo_default: str | None


REGISTRY: dict[str, Variable] = {}


def demo_mode() -> bool:
    return os.environ.get("VROEGSIGNAAL_MODE", "production") == "demo"


def env(name: str, default: str | None, help: str, *, demo=_SAME) -> str | None:
    """Read ``name`` from the environment and remember it for the documentation.

    ``default`` is the production default; ``demo`` (when given) replaces it in demo mode.
    """
    demo_default = default if demo is _SAME else demo
    REGISTRY[name] = Variable(name, default, help, demo_default)
    value = os.environ.get(name)
    if value is None or value == "":
        return demo_default if demo_mode() else default
    return value


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


TRUE = {"1", "true", "yes", "ja", "on"}
FALSE = {"0", "false", "no", "nee", "off"}


def env_bool(name: str, default: bool, help: str, *, demo=_SAME) -> bool:
    """``true``/``false`` (also 1/0, yes/no, ja/nee, on/off); anything else is refused, not read as false.

    A typo must not switch a safety off: ``SECURE_COOKIES=ture`` would otherwise send cookies over HTTP.
    """
    value = (
        str(env(name, _text(default), help, demo=_SAME if demo is _SAME else _text(demo)))
        .strip()
        .lower()
    )
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} moet true of false zijn, niet '{value}'.")


def env_int(
    name: str, default: int, help: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """A whole number; with ``minimum``/``maximum`` one outside them is refused, naming the setting.

    ``SESSION_IDLE_TIMEOUT=-5`` would log everyone out at once, ``AXES_FAILURE_LIMIT=0`` lock every
    account: refused at start-up rather than found by the users.
    """
    value = env(name, str(default), help)
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} moet een geheel getal zijn, niet '{value}' (bijvoorbeeld {name}={default})."
        ) from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        limits = (
            f"ten minste {minimum}"
            if maximum is None
            else f"ten hoogste {maximum}"
            if minimum is None
            else f"van {minimum} tot en met {maximum}"
        )
        raise ImproperlyConfigured(
            f"{name} moet {limits} zijn, niet {number} (bijvoorbeeld {name}={default})."
        )
    return number


def env_list(name: str, default: str, help: str, *, demo=_SAME) -> list[str]:
    value = env(name, default, help, demo=demo) or ""
    return [item.strip() for item in value.split(",") if item.strip()]

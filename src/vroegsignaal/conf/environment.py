"""Every environment variable the project reads, with its default and help text.

One registry so that the README's configuration table can be checked against
the code (``tests/test_settings.py``) and nobody has to grep for ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Variable:
    name: str
    default: str | None
    help: str


REGISTRY: dict[str, Variable] = {}


def env(name: str, default: str | None, help: str) -> str | None:
    """Read ``name`` from the environment and remember it for the documentation."""
    REGISTRY[name] = Variable(name, default, help)
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool, help: str) -> bool:
    value = env(name, "true" if default else "false", help)
    return str(value).strip().lower() in {"1", "true", "yes", "ja", "on"}


def env_int(name: str, default: int, help: str) -> int:
    return int(env(name, str(default), help))


def env_list(name: str, default: str, help: str) -> list[str]:
    value = env(name, default, help) or ""
    return [item.strip() for item in value.split(",") if item.strip()]

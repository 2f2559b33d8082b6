"""The ``vroegsignaal`` console script: Django's management commands with our settings."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vroegsignaal.conf.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.SECRET_KEY  # noqa: B018 — load the settings here: their errors are the operator's
    except ImproperlyConfigured as error:
        sys.stderr.write(f"vroegsignaal: {error}\n")
        raise SystemExit(2) from None
    execute_from_command_line(["vroegsignaal", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()

"""Run by ``test_worker_killed_mid_delivery`` in a separate process (not a test module).

``python kill_helper.py setup``
    builds the test world in the database of ``DATABASE_URL``.
``python kill_helper.py stall MARKER -- deliver ARGS…``
    runs ``vroegsignaal deliver ARGS…`` with the households service slowed down:
    once ``apply_rows`` has written everything, still inside the delivery's
    transaction, it creates ``MARKER`` and sleeps, waiting to be killed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vroegsignaal.conf.settings")
    import django

    django.setup()
    if argv[0] == "setup":
        from vroegsignaal.intake.tests.support import build_world

        build_world()
        return
    if argv[0] == "stall":
        marker = Path(argv[1])
        import vroegsignaal.households.services as households

        real_apply = households.apply_rows

        def stalled(*args, **kwargs):
            result = real_apply(*args, **kwargs)
            marker.write_text("applied, not committed")
            time.sleep(300)
            return result

        households.apply_rows = stalled
        from django.core.management import execute_from_command_line

        execute_from_command_line(["vroegsignaal", *argv[argv.index("--") + 1 :]])
        return
    raise SystemExit(f"unknown command {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])

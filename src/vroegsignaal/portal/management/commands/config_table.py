from django.core.management.base import BaseCommand

from vroegsignaal.conf.environment import REGISTRY

# Defaults that are paths on the machine that generated the table.
_PATH_DEFAULTS = {
    "DATABASE_URL": "sqlite:////…/var/vroegsignaal.sqlite3",
    "VROEGSIGNAAL_DATA_DIR": "var/",
    "STATIC_ROOT": "var/static",
}


def _cell(value: str | None) -> str:
    return "*(none)*" if value in (None, "") else f"`{value}`"


def markdown_table() -> str:
    """The README's configuration table, from the one registry in ``conf/environment.py``."""
    lines = ["| variable | production default | demo default | meaning |", "|---|---|---|---|"]
    for var in sorted(REGISTRY.values(), key=lambda v: v.name):
        default, demo = var.default, var.demo_default
        if var.name in _PATH_DEFAULTS:
            default = demo = _PATH_DEFAULTS[var.name]
        production = "**required**" if default is None else _cell(default)
        lines.append(f"| `{var.name}` | {production} | {_cell(demo)} | {var.help} |")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Print the configuration table (environment variables) for the README."

    def handle(self, *args, **options):
        self.stdout.write(markdown_table())

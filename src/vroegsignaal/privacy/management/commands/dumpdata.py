"""``dumpdata``, for the configuration and the registers only (an allowlist).

Django's ``dumpdata`` writes every field as Python sees it, in a plain file,
with nothing in the audit log: the encrypted personal fields (names, birth
dates, BSN, contact details, notes) decrypted, and what is not encrypted but
just as personal or secret (arrears, households and their addresses, password
hashes, TOTP seeds and reserve codes, sessions, API key hashes, the audit log,
log-in attempts). So it writes only the models in :data:`ALLOWED`: the
configuration (municipalities, creditors, covenants, teams, signal rules,
trays, letter templates, column mappings, retention periods) and the public
registers (addresses, wijken and buurten); it refuses every other model, a
model added later included, naming what is allowed. Without labels it writes
all of :data:`ALLOWED`. A backup is ``vroegsignaal backup`` (encrypted,
audited).

``--output`` is checked as the exports' is (``paths.output_problem``): never
the database or a folder of the system's own, an existing file only with
``--overschrijven``. Django's writing goes to the stream of
``paths.atomic_output`` (compressed as Django would by the extension): a
temporary file beside the output, mode 0600, that takes the name when it is
whole and synced to disk; a failure, Ctrl-C or ``SIGTERM``
(``paths.sigterm_unwinds``) removes it and leaves the output as it was.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import traceback
import warnings
from collections.abc import Iterator
from typing import IO

from django.core.management.base import CommandError, OutputWrapper
from django.core.management.commands import dumpdata

from vroegsignaal.paths import atomic_output, cannot_write, output_problem, sigterm_unwinds
from vroegsignaal.privacy.keys import encrypted_fields, installed_models

# Configuration and registers: no person, no secret, no processing of anyone's data. A model that
# is not here is refused. Not here on purpose: organisations.User (password hashes, names), auth's
# groups and permissions (access rights, and the permissions' keys differ per database),
# intake.ApiKey (a creditor's key's hash), feedback.FeedbackStream (bookkeeping of the e-mail
# notices), the monitor's figures (reporting.MonitorMonth, MonitorFigure: counts of residents per
# month, no configuration), and everything of households, signals' signals, cases' cases, intake's
# deliveries, privacy's log and runs, sessions, otp_*, axes, admin and the task queue.
ALLOWED = (
    "organisations.Municipality",
    "organisations.Creditor",
    "organisations.Covenant",
    "organisations.Team",
    "registry.Neighbourhood",
    "registry.Address",
    "signals.RuleSet",
    "signals.Tray",
    "cases.LetterTemplate",
    "intake.ColumnMapping",
    "privacy.RetentionPolicy",
)
SHOWN_REFUSED = 6  # a refusal names this many of the models it refuses, then their number

# Django's dumpdata's refusals, in Dutch (an operator's typing error: an app or model that is not there).
DJANGO_MESSAGES = [
    (
        r"No installed app with label '(?P<label>.*)'\.",
        "Er is geen app '{label}'. De apps: {apps}.",
    ),
    (
        r"Unknown model: (?P<label>.*)",
        "Er is geen model {label} (schrijf app.Model, bijvoorbeeld organisations.Municipality).",
    ),
    (
        r"Unknown serialization format: (?P<format>.*)",
        "Onbekend formaat '{format}'; kies uit {formats}.",
    ),
    (r"You can only use --pks option with one model", "--pks gaat alleen samen met één model."),
    # The cause is Django's (English) text, and may quote a value: --traceback shows it.
    (
        r"Unable to serialize database: .*",
        "De gegevens zijn niet weggeschreven; met --traceback ziet u waarom.",
    ),
]


def in_dutch(message: str) -> str:
    from django.apps import apps
    from django.core import serializers

    for pattern, dutch in DJANGO_MESSAGES:
        match = re.fullmatch(pattern, message, re.DOTALL)
        if match:
            labels = sorted(c.label for c in apps.get_app_configs() if c.models_module is not None)
            formats = sorted(serializers.get_public_serializer_formats())
            return dutch.format(
                **match.groupdict(), apps=", ".join(labels), formats=", ".join(formats)
            )
    return message


def personal_models() -> list[str]:
    """``app_label.ModelName`` of each model with an encrypted (personal) field."""
    return sorted(
        f"{model._meta.app_label}.{model.__name__}"
        for model in installed_models()
        if encrypted_fields(model)
    )


def _label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def selected_models(labels: tuple[str, ...] | list[str], excludes: list[str]) -> list[str]:
    """The models Django's ``dumpdata`` would write for ``labels`` (all of :data:`ALLOWED` when
    there are none) less ``excludes``, as ``app_label.ModelName``. A label that names nothing is
    left to Django, which refuses it (and says so: :func:`in_dutch`)."""
    from django.apps import apps

    def app_config(label):
        try:
            config = apps.get_app_config(label)
        except LookupError:
            return None
        return config if config.models_module is not None else None

    excluded_apps = {app_config(label) for label in excludes if "." not in label} - {None}
    excluded_models = set()
    for label in excludes:
        if "." in label:
            with contextlib.suppress(LookupError, ValueError):
                excluded_models.add(apps.get_model(label))
    models = []
    if not labels:
        models = [apps.get_model(label) for label in ALLOWED]
    for label in labels:
        app_label, dot, model_label = label.partition(".")
        config = app_config(app_label)
        if config is None or config in excluded_apps:
            continue
        if not dot:
            models += config.get_models()
            continue
        try:
            models.append(config.get_model(model_label))
        except LookupError:
            continue
    return list(
        dict.fromkeys(
            _label(model)
            for model in models
            if model not in excluded_models and model._meta.app_config not in excluded_apps
        )
    )


def refused_models(labels: tuple[str, ...] | list[str], excludes: list[str]) -> list[str]:
    """The models of :func:`selected_models` that are not in :data:`ALLOWED`."""
    allowed = {label.lower() for label in ALLOWED}
    return [m for m in selected_models(labels, excludes) if m.lower() not in allowed]


def written_file(output: str) -> str:
    """The file Django's ``dumpdata --output`` writes: ``.zip`` (and ``.bz2``, ``.lzma``, ``.xz``
    without their module) is not compressed but written without its extension."""
    root, extension = os.path.splitext(output)
    supported = {".gz"}
    for module, extensions in (("bz2", {".bz2"}), ("lzma", {".lzma", ".xz"})):
        try:
            __import__(module)
        except ImportError:
            continue
        supported |= extensions
    if extension in {".bz2", ".lzma", ".xz", ".zip"} and extension not in supported:
        return root
    return output


class Command(dumpdata.Command):
    help = (
        "Django's dumpdata, alleen voor de configuratie en de registers: "
        + ", ".join(ALLOWED)
        + ". Zonder labels: die allemaal. Andere modellen bevatten persoonsgegevens, geheimen of "
        "de verwerking zelf en worden geweigerd; een reservekopie maakt u met 'vroegsignaal backup'. "
        "--output schrijft nooit over de database of in een map van het systeem, en over een "
        "bestaand bestand alleen met --overschrijven."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--overschrijven", action="store_true", help="Een bestaand bestand vervangen."
        )

    def handle(self, *app_labels, **options):
        excludes = list(options.get("exclude") or [])
        refused = refused_models(app_labels, excludes)
        if refused:
            named = ", ".join(refused[:SHOWN_REFUSED])
            if len(refused) > SHOWN_REFUSED:
                named += f" en {len(refused) - SHOWN_REFUSED} andere"
            raise CommandError(
                f"dumpdata schrijft alleen configuratie en registers weg, niet {named}: die bevatten "
                "persoonsgegevens, geheimen of de verwerking zelf, en zouden onversleuteld en buiten "
                f"het auditlog om in het bestand komen. Toegestaan: {', '.join(ALLOWED)} (zonder labels: "
                "die allemaal). Een reservekopie van alles maakt u met 'vroegsignaal backup'."
            )
        if not app_labels:
            app_labels = tuple(selected_models((), excludes))
            if not app_labels:
                raise CommandError(
                    "Met deze --exclude blijft er niets over om weg te schrijven. "
                    f"Toegestaan: {', '.join(ALLOWED)}."
                )
        if options.get("output"):
            for path in dict.fromkeys((options["output"], written_file(options["output"]))):
                problem = output_problem(path, overwrite=options["overschrijven"])
                if problem:
                    raise CommandError(problem)
        output = options.get("output")
        if not output:
            try:
                return super().handle(*app_labels, **options)
            except CommandError as error:
                raise CommandError(in_dutch(str(error))) from None
        # Django's own writing goes to a stream: the temporary file of paths.atomic_output (mode
        # 0600, a random name beside it), compressed as Django would by the extension, synced and
        # then given its name whole: never half a file, never over one that appeared meanwhile
        # without --overschrijven. SIGTERM removes the temporary file as Ctrl-C does.
        final = written_file(output)
        if final != output:  # Django's own warning, for the extension it cannot compress with
            warnings.warn(
                f"Unsupported file extension ({os.path.splitext(output)[1]}). "
                f"Fixtures saved in '{os.path.basename(final)}'.",
                RuntimeWarning,
                stacklevel=1,
            )
        stdout = self.stdout
        refusal = None
        try:
            with (
                sigterm_unwinds(),
                atomic_output(final, overwrite=options["overschrijven"]) as binary,
                _compressed(binary, output) as compressed,
            ):
                text = io.TextIOWrapper(compressed, encoding="locale")  # as Django's open(…, "wt")
                self.stdout = OutputWrapper(text)
                super().handle(*app_labels, **{**options, "output": None})
                text.flush()
                text.detach()  # the compressor is ended by _compressed, the file by atomic_output
        except CommandError as error:
            # Django's "Unable to serialize database: …" wraps what went wrong: a file that could
            # not be written (a full disk) is said as the other commands say it.
            written = _os_error(error)
            refusal = f"{cannot_write(final, written)}." if written else in_dutch(str(error))
            _release(error)
        except OSError as error:
            refusal = f"{cannot_write(final, error)}."
            _release(error)
        finally:
            self.stdout = stdout
        if refusal is not None:  # outside the except: the new error carries none of the old
            raise CommandError(refusal)


def _os_error(error: BaseException) -> OSError | None:
    """The operating system's error behind ``error`` (its ``__cause__`` or ``__context__``), if any."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OSError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def _release(error: BaseException) -> None:
    """Let go of what the frames of a failed dump hold, now, while the database connection is open.

    A query's row iterator (Django's ``cursor_iter``) stays alive in the failed frames; collected
    after the command closed its connection it reported ``Exception ignored … ProgrammingError:
    Cannot operate on a closed database`` on stderr."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        traceback.clear_frames(error.__traceback__)
        error = error.__cause__ or error.__context__


@contextlib.contextmanager
def _compressed(binary: IO[bytes], output: str) -> Iterator[IO[bytes]]:
    """``binary``, compressed as Django's ``dumpdata --output`` compresses by ``output``'s extension
    (``.gz``, ``.bz2``, ``.xz``, ``.lzma`` when Python has the module; else :func:`written_file`
    drops the extension and nothing is compressed). The compressor is ended (its trailer written)
    when the block ends; ``binary`` is not closed."""
    extension = os.path.splitext(output)[1]
    if extension == ".gz":
        import gzip

        # The name in the gzip header is the file's own (as gzip.open writes it), not the temporary one's.
        compressor = gzip.GzipFile(filename=written_file(output), mode="wb", fileobj=binary)
    elif extension == ".bz2" and written_file(output) == output:
        import bz2

        compressor = bz2.BZ2File(binary, "wb")
    elif extension in (".xz", ".lzma") and written_file(output) == output:
        import lzma

        kind = lzma.FORMAT_ALONE if extension == ".lzma" else lzma.FORMAT_XZ
        compressor = lzma.LZMAFile(binary, "wb", format=kind)  # noqa: SIM115 - ended below
    else:
        yield binary
        return
    try:
        yield compressor
    except BaseException:
        with contextlib.suppress(Exception):  # the temporary file is removed: its end may fail
            compressor.close()
        raise
    compressor.close()

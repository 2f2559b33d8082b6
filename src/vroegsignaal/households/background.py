"""Encrypting and hashing many values on the other CPU core while this one writes rows.

A first delivery of a national creditor creates close to a million persons:
some five million field encryptions and two million keyed hashes, about
seven seconds of pure Python that holds the GIL. The database writes of the
same delivery (households, arrears, events) take longer than that and do not
need the persons' ciphertext, so :func:`start` forks a child process that
computes the tokens while the parent goes on writing; :meth:`Job.result`
collects them. The parent hands the values over as CSV text in memory (a
tenth of the size of Python lists of them; plain text never touches disk).
The child reads that with the standard library, runs only
:mod:`vroegsignaal.privacy`'s ``encrypt_many``/``blind_index_many`` (no
database, no Polars: its thread pool does not survive a fork), writes the
results to unlinked temporary files and leaves with ``os._exit``. Temporary
files hold only ciphertext and keyed hashes.

Small batches, and platforms without ``fork``, are computed in-process: the
result is the same either way (the tests run both paths).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from vroegsignaal.privacy.services import blind_index_many, encrypt_many

# Below this many values, forking costs more than it saves.
FORK_MIN_VALUES = 200_000


@dataclass(frozen=True)
class Encrypt:
    """Encrypt each non-empty value; empty and null become ``''`` (as EncryptedTextField stores them)."""

    values: pl.Series


@dataclass(frozen=True)
class BlindIndex:
    """The blind index of each value under ``context``; null stays null."""

    values: pl.Series
    context: str


Task = Encrypt | BlindIndex


def _inputs(task: Task) -> tuple[pl.Series, pl.Series]:
    """(positions of the values to compute, those values)."""
    if isinstance(task, Encrypt):
        present = task.values.fill_null("") != ""
    else:
        present = task.values.is_not_null()
    return present.arg_true(), task.values.filter(present)


def _pack(values: pl.Series) -> str:
    """The values as one CSV column, for the child: far smaller than a list of Python strings."""
    return values.to_frame().write_csv(include_header=False) if len(values) else ""


def _unpack(payload: str) -> list[str]:
    """:func:`_pack` undone with the standard library (the child must not use Polars)."""
    return [row[0] for row in csv.reader(io.StringIO(payload))] if payload else []


def _compute(task: Task, values: list[str]) -> list[str]:
    if isinstance(task, Encrypt):
        return encrypt_many(values)  # type: ignore[return-value]
    return blind_index_many(values, context=task.context)  # type: ignore[return-value]


def _assemble(task: Task, positions: pl.Series, results: pl.Series) -> pl.Series:
    length = len(task.values)
    if isinstance(task, Encrypt):
        out = pl.Series(task.values.name, [""] * length, dtype=pl.String)
    else:
        out = pl.Series(task.values.name, [None] * length, dtype=pl.String)
    if len(positions):
        out.scatter(positions, results)
    return out


@dataclass
class Job:
    """Results being computed; :meth:`result` waits for them, :meth:`cancel` abandons them."""

    _collect: Callable[[], dict[str, pl.Series]]
    _cancel: Callable[[], None] = lambda: None
    _done: dict[str, pl.Series] | None = field(default=None, repr=False)

    def result(self) -> dict[str, pl.Series]:
        if self._done is None:
            self._done = self._collect()
        return self._done

    def cancel(self) -> None:
        if self._done is None:
            self._cancel()


def start(tasks: dict[str, Task], *, fork_min_values: int | None = None) -> Job:
    """Start computing ``tasks`` (name → :class:`Encrypt` or :class:`BlindIndex`)."""
    prepared = {name: (task, *_inputs(task)) for name, task in tasks.items()}
    total = sum(len(values) for _, _, values in prepared.values())
    threshold = FORK_MIN_VALUES if fork_min_values is None else fork_min_values
    if total < threshold or not hasattr(os, "fork"):
        return _in_process(prepared)
    payloads = {name: _pack(values) for name, (_, _, values) in prepared.items()}
    files = {name: tempfile.TemporaryFile(prefix="vroegsignaal-") for name in prepared}  # noqa: SIM115
    try:
        pid = os.fork()
    except OSError:
        for handle in files.values():
            handle.close()
        return _in_process(prepared)
    if pid == 0:  # the child: compute, write, leave without running any cleanup of the parent's
        status = 1
        try:
            for name, (task, _, values) in prepared.items():
                plain = _unpack(payloads[name])
                if len(plain) != len(values):
                    raise ValueError("unpacked another number of values than packed")
                handle = files[name]
                handle.write("\n".join(_compute(task, plain)).encode("ascii"))
                handle.flush()
            status = 0
        finally:
            os._exit(status)

    def collect() -> dict[str, pl.Series]:
        _, status = os.waitpid(pid, 0)
        try:
            if status != 0:
                raise RuntimeError(f"versleutelen op de achtergrond is mislukt (status {status})")
            out = {}
            for name, (task, positions, values) in prepared.items():
                handle = files[name]
                handle.seek(0)
                results = (
                    pl.read_csv(
                        handle,
                        has_header=False,
                        schema={"value": pl.String},
                        quote_char=None,
                    ).get_column("value")
                    if len(values)
                    else pl.Series("value", [], dtype=pl.String)
                )
                if len(results) != len(values):
                    raise RuntimeError(
                        "versleutelen op de achtergrond gaf een onvolledig resultaat"
                    )
                out[name] = _assemble(task, positions, results)
            return out
        finally:
            for handle in files.values():
                handle.close()

    def cancel() -> None:
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        for handle in files.values():
            handle.close()

    return Job(collect, cancel)


def _in_process(prepared: dict) -> Job:
    out = {
        name: _assemble(
            task, positions, pl.Series(_compute(task, values.to_list()), dtype=pl.String)
        )
        for name, (task, positions, values) in prepared.items()
    }
    return Job(lambda: out)

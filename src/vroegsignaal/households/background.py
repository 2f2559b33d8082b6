"""Encrypting and hashing many values on the other CPU core while this one writes rows.

A first delivery of a national creditor creates close to a million persons:
some five million field encryptions and two million keyed hashes, about
seven seconds of pure Python that holds the GIL. The database writes of the
same delivery (households, arrears, events) take longer than that and do not
need the persons' ciphertext, so :func:`start` forks a child process that
computes the tokens while the parent goes on writing; :meth:`Job.slices`
hands them back a slice of rows at a time, so the parent never holds all of
them at once.

The parent gives the child the values as CSV text in memory (a tenth of the
size of Python lists of them; plain text never touches disk). The child reads
that with the standard library, runs only :mod:`vroegsignaal.privacy`'s
``encrypt_many``/``blind_index_many`` (no database, no Polars: its thread pool
does not survive a fork), writes the results slice by slice to unlinked temporary
files (telling the parent through a pipe when each slice is ready, so that
the parent can write the first persons while later ones are still being
encrypted) and leaves with ``os._exit``. The temporary files hold only
ciphertext and keyed hashes.

Small batches, and platforms without ``fork``, are computed in-process: the
result is the same either way (the tests run both paths).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import polars as pl

from vroegsignaal.privacy.services import blind_index_many, encrypt_many

# Below this many values, forking costs more than it saves.
FORK_MIN_VALUES = 200_000
# Rows per slice handed back by Job.slices().
SLICE_ROWS = 100_000


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


@dataclass(frozen=True)
class _Prepared:
    task: Task
    positions: pl.Series  # rows that have a value to compute, ascending
    values: pl.Series  # those values
    per_slice: list[int]  # how many of them fall in each slice of SLICE_ROWS rows


def _prepare(task: Task, rows: int, slice_rows: int) -> _Prepared:
    if isinstance(task, Encrypt):
        present = task.values.fill_null("") != ""
    else:
        present = task.values.is_not_null()
    positions = present.arg_true().cast(pl.Int64)
    bounds = pl.Series(list(range(slice_rows, rows + slice_rows, slice_rows)), dtype=pl.Int64)
    ends = positions.search_sorted(bounds, side="left").to_list() if rows else []
    per_slice = [end - start for start, end in zip([0, *ends[:-1]], ends, strict=True)]
    return _Prepared(task, positions, task.values.filter(present), per_slice)


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


def _slice(item: _Prepared, k: int, start: int, length: int, results: pl.Series) -> pl.Series:
    """The full column for rows ``start … start+length`` from this slice's results."""
    task = item.task
    if isinstance(task, Encrypt):
        out = pl.Series(task.values.name, [""] * length, dtype=pl.String)
    else:
        out = pl.Series(task.values.name, [None] * length, dtype=pl.String)
    if len(results):
        first = sum(item.per_slice[:k])
        positions = item.positions.slice(first, len(results)) - start
        out.scatter(positions, results)
    return out


@dataclass
class Job:
    """Results being computed. Iterate :meth:`slices` once, or :meth:`cancel`."""

    rows: int
    slice_rows: int
    _results: Callable[[int], dict[str, pl.Series]]  # slice number → results per task
    _finish: Callable[[], None]
    _cancel: Callable[[], None]
    _prepared: dict[str, _Prepared]
    _state: str = "running"

    def slices(self) -> Iterator[tuple[int, dict[str, pl.Series]]]:
        """``(first row, {name: column for these rows})`` per slice, in order."""
        try:
            for k, start in enumerate(range(0, self.rows, self.slice_rows)):
                length = min(self.slice_rows, self.rows - start)
                results = self._results(k)
                columns = {
                    name: _slice(item, k, start, length, results[name])
                    for name, item in self._prepared.items()
                }
                yield start, columns
        except BaseException:
            self.cancel()
            raise
        self._state = "done"
        self._finish()

    def cancel(self) -> None:
        if self._state == "running":
            self._state = "cancelled"
            self._cancel()


def start(
    tasks: dict[str, Task],
    *,
    fork_min_values: int | None = None,
    slice_rows: int = SLICE_ROWS,
) -> Job:
    """Start computing ``tasks`` (name → :class:`Encrypt` or :class:`BlindIndex`, all one length)."""
    lengths = {len(task.values) for task in tasks.values()}
    if len(lengths) > 1:
        raise ValueError("tasks of different lengths")
    rows = lengths.pop() if lengths else 0
    prepared = {name: _prepare(task, rows, slice_rows) for name, task in tasks.items()}
    total = sum(len(item.values) for item in prepared.values())
    threshold = FORK_MIN_VALUES if fork_min_values is None else fork_min_values
    if total < threshold or not hasattr(os, "fork"):
        return _in_process(rows, slice_rows, prepared)
    payloads = {name: _pack(item.values) for name, item in prepared.items()}
    files = {name: tempfile.TemporaryFile(prefix="vroegsignaal-") for name in prepared}  # noqa: SIM115
    ready_r, ready_w = os.pipe()  # the child says here which slice is ready, and where

    def close() -> None:
        for handle in files.values():
            handle.close()

    try:
        pid = os.fork()
    except OSError:
        close()
        os.close(ready_r)
        os.close(ready_w)
        return _in_process(rows, slice_rows, prepared)
    if pid == 0:  # the child: compute, write, leave without running any of the parent's cleanup
        status = 1
        try:
            os.close(ready_r)
            readers = {name: csv.reader(io.StringIO(payloads[name])) for name in prepared}
            # Slice by slice, so the parent can write the first rows while later ones are computed.
            for k in range(len(range(0, rows, slice_rows))):
                marks = {}
                for name, item in prepared.items():
                    plain = [next(readers[name])[0] for _ in range(item.per_slice[k])]
                    chunk = "".join(r + "\n" for r in _compute(item.task, plain)).encode("ascii")
                    handle = files[name]
                    begin = handle.tell()
                    handle.write(chunk)
                    handle.flush()
                    marks[name] = [begin, begin + len(chunk)]
                os.write(ready_w, (json.dumps(marks) + "\n").encode("ascii"))
            if any(next(reader, None) is not None for reader in readers.values()):
                raise ValueError("unpacked more values than packed")
            status = 0
        finally:
            os._exit(status)

    os.close(ready_w)
    ready = os.fdopen(ready_r, "rb")
    reaped: list[int] = []

    def reap() -> int:
        if not reaped:
            reaped.append(os.waitpid(pid, 0)[1])
        return reaped[0]

    def results(k: int) -> dict[str, pl.Series]:
        line = ready.readline()
        if not line:
            status = reap()
            raise RuntimeError(f"versleutelen op de achtergrond is mislukt (status {status})")
        marks = json.loads(line)
        out = {}
        for name, item in prepared.items():
            begin, end = marks[name]
            # pread: the parent must not move the file offset it shares with the child.
            chunk = _pread(files[name].fileno(), end - begin, begin)
            column = (
                pl.read_csv(
                    io.BytesIO(chunk),
                    has_header=False,
                    schema={"value": pl.String},
                    quote_char=None,
                ).get_column("value")
                if chunk
                else pl.Series("value", [], dtype=pl.String)
            )
            if len(column) != item.per_slice[k]:
                raise RuntimeError("versleutelen op de achtergrond gaf een onvolledig resultaat")
            out[name] = column
        return out

    def cancel() -> None:
        if not reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
            reap()
        ready.close()
        close()

    def finish() -> None:
        status = reap()  # all slices read: the child is done, or died at the very end
        ready.close()
        close()
        if status != 0:
            raise RuntimeError(f"versleutelen op de achtergrond is mislukt (status {status})")

    return Job(rows, slice_rows, results, finish, cancel, prepared)


def _pread(fd: int, length: int, offset: int) -> bytes:
    parts = []
    while length > 0:
        part = os.pread(fd, length, offset)
        if not part:
            raise RuntimeError("versleutelen op de achtergrond gaf een onvolledig resultaat")
        parts.append(part)
        length -= len(part)
        offset += len(part)
    return b"".join(parts)


def _in_process(rows: int, slice_rows: int, prepared: dict[str, _Prepared]) -> Job:
    computed = {
        name: pl.Series(_compute(item.task, item.values.to_list()), dtype=pl.String)
        for name, item in prepared.items()
    }

    def results(k: int) -> dict[str, pl.Series]:
        return {
            name: computed[name].slice(sum(item.per_slice[:k]), item.per_slice[k])
            for name, item in prepared.items()
        }

    return Job(rows, slice_rows, results, lambda: None, lambda: None, prepared)

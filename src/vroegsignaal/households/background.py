"""Encrypting and hashing many values on the other CPU core while this one writes rows.

A first delivery of a national creditor creates close to a million persons:
some five million field encryptions and two million keyed hashes, about
seven seconds of pure Python that holds the GIL. The database writes of the
same delivery (households, arrears, events) take longer than that and do not
need the persons' ciphertext, so :func:`start` starts a child process
(:mod:`.encryptor`) that computes the tokens while the parent goes on writing;
:meth:`Job.slices` hands them back a slice of rows at a time, so the parent
never holds all of them at once.

The child is a fresh interpreter, not a fork: a forked child of a 1.5 GB
parent shared its pages only until Python's reference counts touched them, so
parent and child together used some 2.3 GB, and forking a process with threads
(gunicorn, db_worker) is unsafe. A thread of the parent feeds the child
through a pipe — a header with the key material, then the values as CSV, one
slice at a time — so neither holds all the plain values twice and nothing
plain touches disk. The child writes its results slice by slice to unlinked
temporary files (ciphertext and keyed hashes only) and says through another
pipe when each slice is ready, so the parent can write the first persons while
later ones are still being encrypted.

Small batches are computed in-process: the result is the same either way (the
tests run both paths).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

import polars as pl

from vroegsignaal.privacy import crypto
from vroegsignaal.privacy.services import blind_index_many, encrypt_many

# Below this many values, starting a child costs more than it saves.
CHILD_MIN_VALUES = 200_000
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
    child_min_values: int | None = None,
    slice_rows: int = SLICE_ROWS,
) -> Job:
    """Start computing ``tasks`` (name → :class:`Encrypt` or :class:`BlindIndex`, all one length)."""
    lengths = {len(task.values) for task in tasks.values()}
    if len(lengths) > 1:
        raise ValueError("tasks of different lengths")
    rows = lengths.pop() if lengths else 0
    prepared = {name: _prepare(task, rows, slice_rows) for name, task in tasks.items()}
    total = sum(len(item.values) for item in prepared.values())
    threshold = CHILD_MIN_VALUES if child_min_values is None else child_min_values
    if total < threshold:
        return _in_process(rows, slice_rows, prepared)
    files = {name: tempfile.TemporaryFile(prefix="vroegsignaal-") for name in prepared}  # noqa: SIM115
    ready_r, ready_w = os.pipe()  # the child says here which slice is ready, and where
    slices = len(range(0, rows, slice_rows))

    def close() -> None:
        for handle in files.values():
            handle.close()

    try:
        header = _header(prepared, files, ready_w, slices)  # before the child: it may raise
        child = subprocess.Popen(
            [sys.executable, "-m", "vroegsignaal.households.encryptor"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            pass_fds=(ready_w, *(handle.fileno() for handle in files.values())),
            env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
            # Out of the parent's process group: a TERM or Ctrl-C to the whole group (systemd's
            # stop, a terminal) is for the worker, which finishes its delivery with this child.
            # Should the parent die, the child reads the end of its input and exits.
            start_new_session=True,
        )
    except BaseException as error:
        close()
        os.close(ready_r)
        os.close(ready_w)
        if isinstance(error, OSError):  # no child could be started: compute it here
            return _in_process(rows, slice_rows, prepared)
        raise
    os.close(ready_w)
    # The values go to the child slice by slice from a thread (pipe writes release the GIL),
    # while this thread goes on writing rows; they are never all packed at once.
    feeder = threading.Thread(
        target=_feed, args=(child.stdin, header, prepared, slices), daemon=True
    )
    feeder.start()
    ready = os.fdopen(ready_r, "rb")

    def reap() -> int:
        feeder.join()
        return child.wait()

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
        if child.returncode is None:
            child.kill()
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


def _header(
    prepared: dict[str, _Prepared], files: dict[str, IO[bytes]], ready_fd: int, slices: int
) -> bytes:
    """The child's first line: its tasks, where to write, and the key material it needs."""
    encrypts = any(isinstance(item.task, Encrypt) for item in prepared.values())
    blinds = any(isinstance(item.task, BlindIndex) for item in prepared.values())
    ring = crypto.keyring() if encrypts else None
    header = {
        "slices": slices,
        "ready_fd": ready_fd,
        "key_id": ring.current_id if ring else "",
        "key": base64.b64encode(ring.current_key).decode("ascii") if ring else "",
        "blind_key": base64.b64encode(crypto.blind_index_key()).decode("ascii") if blinds else "",
        "tasks": [
            [
                name,
                "encrypt" if isinstance(item.task, Encrypt) else "blind",
                getattr(item.task, "context", ""),
                files[name].fileno(),
                item.per_slice,
            ]
            for name, item in prepared.items()
        ],
    }
    return (json.dumps(header) + "\n").encode("ascii")


def _feed(pipe: IO[bytes], header: bytes, prepared: dict[str, _Prepared], slices: int) -> None:
    """Write the header and then every slice's values, in the order the child reads them."""
    taken = dict.fromkeys(prepared, 0)
    try:
        pipe.write(header)
        for k in range(slices):
            for name, item in prepared.items():
                count = item.per_slice[k]
                pipe.write(_pack(item.values.slice(taken[name], count)).encode("utf-8"))
                taken[name] += count
    except (BrokenPipeError, ValueError):
        pass  # the child died or was cancelled: results() and finish() say so
    finally:
        with contextlib.suppress(BrokenPipeError, ValueError):
            pipe.close()


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

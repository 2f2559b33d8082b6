"""The encryption child of :mod:`.background`: ``python -m vroegsignaal.households.encryptor``.

A fresh interpreter, not a fork of the parent: it holds only the values of one
slice at a time (tens of MiB instead of a copy of the parent's 1.5 GB heap),
and starting it is safe from a process with threads (gunicorn, db_worker).

It imports no Django app and reads no settings: the parent writes everything
to standard input — one JSON line (the tasks, how many values each has per
slice, where to write, and the current key material), then the values as CSV
records, slice by slice and task by task. The keys and values never touch
disk. For every slice it appends the results (ciphertext or keyed hashes, one
per line) to the unlinked temporary file of each task, which the parent passed
as an open descriptor, and writes a JSON line with their offsets to the ready
descriptor. On any error it writes the error's class name (never a value) to
standard error and exits 1.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import sys
from collections.abc import Iterator


def run(stdin: io.BufferedIOBase) -> None:
    """Compute every slice announced by the header line on ``stdin``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from vroegsignaal.privacy.crypto import TOKEN_VERSION, hash_many, seal_many

    header = json.loads(stdin.readline())
    cipher = AESGCM(base64.b64decode(header["key"])) if header["key"] else None
    prefix = f"{TOKEN_VERSION}:{header['key_id']}:"
    blind_key = base64.b64decode(header["blind_key"]) if header["blind_key"] else b""
    tasks = header["tasks"]  # [[name, "encrypt" | "blind", context, fd, [count per slice]]]
    records = values_of(stdin)
    offsets = {name: 0 for name, *_ in tasks}
    with os.fdopen(header["ready_fd"], "wb", buffering=0) as ready:
        for k in range(header["slices"]):
            marks = {}
            for name, kind, context, fd, per_slice in tasks:
                values = [next(records) for _ in range(per_slice[k])]
                if kind == "encrypt":
                    results = seal_many(cipher, prefix, values)  # type: ignore[arg-type]
                else:
                    results = hash_many(blind_key, values, context=context)
                chunk = "".join(r + "\n" for r in results).encode("ascii")  # type: ignore[operator]
                begin = offsets[name]
                _write_all(fd, chunk, begin)
                offsets[name] = begin + len(chunk)
                marks[name] = [begin, offsets[name]]
            ready.write((json.dumps(marks) + "\n").encode("ascii"))
        if next(records, None) is not None:
            raise ValueError("more values than announced")


def values_of(stream: io.BufferedIOBase) -> Iterator[str]:
    """The values the parent packed (``background._pack``: one CSV column), one by one."""
    for record in csv.reader(io.TextIOWrapper(stream, encoding="utf-8", newline="")):
        yield record[0]


def _write_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


def main() -> None:
    try:
        run(sys.stdin.buffer)
    except BaseException as error:  # noqa: BLE001 — the class name only: values are personal data
        sys.stderr.write(f"vroegsignaal encryptor: {type(error).__name__}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()

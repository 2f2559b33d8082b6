"""Computing ciphertext and blind indexes in a child process gives what the parent would."""

from __future__ import annotations

import io

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from vroegsignaal.households import background, encryptor
from vroegsignaal.privacy.services import blind_index, decrypt_many


@given(
    st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])), max_size=20)
)
def test_values_survive_the_hand_over_to_the_child(values):
    series = pl.Series(values, dtype=pl.String)
    packed = io.BytesIO(background._pack(series).encode("utf-8"))
    assert list(encryptor.values_of(packed)) == values  # what the child reads


def collect(job: background.Job) -> dict[str, list]:
    out: dict[str, list] = {}
    for _, columns in job.slices():
        for name, column in columns.items():
            out.setdefault(name, []).extend(column.to_list())
    return out


def test_forked_and_in_process_results_agree():
    values = pl.Series(["Jansen", None, "", 'de "Vries", Jan\nPiet', "Ærø"] * 3, dtype=pl.String)
    tasks = {
        "tokens": background.Encrypt(values),
        "index": background.BlindIndex(values, "test"),
    }
    forked = collect(background.start(tasks, child_min_values=0, slice_rows=4))
    local = collect(background.start(tasks, child_min_values=10**9, slice_rows=4))
    for result in (forked, local):
        tokens = result["tokens"]
        assert len(tokens) == 15
        assert [t == "" for t in tokens[:5]] == [False, True, True, False, False]
        present = [t for t in tokens if t]
        assert decrypt_many(present) == ["Jansen", 'de "Vries", Jan\nPiet', "Ærø"] * 3
        assert result["index"] == [
            None if v is None else blind_index(v, context="test") for v in values.to_list()
        ]


def test_a_cancelled_job_leaves_no_child_behind():
    values = pl.Series(["x"] * 10, dtype=pl.String)
    job = background.start({"t": background.Encrypt(values)}, child_min_values=0)
    job.cancel()
    job.cancel()  # twice is harmless


def test_slices_read_while_the_child_still_writes_keep_their_order():
    values = pl.Series([f"waarde {i}" if i % 7 else None for i in range(20_000)], dtype=pl.String)
    job = background.start(
        {"tokens": background.Encrypt(values), "index": background.BlindIndex(values, "test")},
        child_min_values=0,
        slice_rows=250,
    )
    result = collect(job)
    present = [t for t in result["tokens"] if t]
    assert decrypt_many(present) == [v for v in values.to_list() if v]
    assert result["index"][1] == blind_index("waarde 1", context="test")
    assert result["index"][0] is None


def test_a_failing_child_names_the_error_but_never_a_value():
    import subprocess
    import sys

    header = b'{"slices": 1, "ready_fd": 1, "key_id": "k", "key": "", "blind_key": "", '
    header += b'"tasks": [["t", "encrypt", "", 1, [1]]]}\n'
    done = subprocess.run(
        [sys.executable, "-m", "vroegsignaal.households.encryptor"],
        input=header + b"Geheime Achternaam\n",
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == b"vroegsignaal encryptor: AttributeError\n"  # no key: no cipher


def test_a_child_is_started_safely_from_a_process_with_threads():
    import threading

    values = pl.Series([f"naam {i}" for i in range(50)], dtype=pl.String)
    results: list = []
    stop = threading.Event()
    busy = threading.Thread(target=stop.wait)  # another thread alive, as in gunicorn or db_worker
    busy.start()
    try:
        job = background.start({"t": background.Encrypt(values)}, child_min_values=0, slice_rows=7)
        results = collect(job)["t"]
    finally:
        stop.set()
        busy.join()
    assert decrypt_many(results) == values.to_list()


def test_a_child_whose_parent_is_gone_stops_at_the_end_of_its_input():
    """The child runs in a session of its own (a TERM to the worker's group is not for it); a
    parent killed in the middle closes its input, and the child must not live on."""
    import base64
    import json
    import os
    import subprocess
    import sys

    key = base64.b64encode(os.urandom(32)).decode()
    header = json.dumps(
        {"slices": 2, "ready_fd": 1, "key_id": "k", "key": key, "blind_key": "",
         "tasks": [["t", "encrypt", "", 1, [1000, 1000]]]}
    ).encode() + b"\n"  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "vroegsignaal.households.encryptor"],
        input=header + b"Achternaam\n" * 10,  # the parent died after ten of 2,000 values
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    assert b"Achternaam" not in done.stderr

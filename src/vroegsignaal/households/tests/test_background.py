"""Computing ciphertext and blind indexes in a child process gives what the parent would."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from vroegsignaal.households import background
from vroegsignaal.privacy.services import blind_index, decrypt_many


@given(
    st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])), max_size=20)
)
def test_values_survive_the_hand_over_to_the_child(values):
    series = pl.Series(values, dtype=pl.String)
    assert background._unpack(background._pack(series)) == values


def test_forked_and_in_process_results_agree(settings):
    values = pl.Series(["Jansen", None, "", 'de "Vries", Jan\nPiet', "Ærø"], dtype=pl.String)
    tasks = {
        "tokens": background.Encrypt(values),
        "index": background.BlindIndex(values, "test"),
    }
    forked = background.start(tasks, fork_min_values=0).result()
    local = background.start(tasks, fork_min_values=10**9).result()
    for result in (forked, local):
        tokens = result["tokens"].to_list()
        assert tokens[1:3] == [
            "",
            "",
        ]  # absent values stay empty, as EncryptedTextField stores them
        assert decrypt_many(tokens[:1] + tokens[3:]) == ["Jansen", 'de "Vries", Jan\nPiet', "Ærø"]
        assert result["index"].to_list() == [
            None if v is None else blind_index(v, context="test") for v in values.to_list()
        ]

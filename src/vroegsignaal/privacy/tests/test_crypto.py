from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from vroegsignaal.privacy import crypto

from .conftest import make_key


@given(st.text())
@settings(max_examples=300)
def test_decrypt_inverts_encrypt_for_any_text(text):
    assert crypto.decrypt(crypto.encrypt(text)) == text


def test_token_names_version_and_current_key():
    token = crypto.encrypt("Jansen")
    version, kid, payload = token.split(":")
    assert (version, kid) == ("v1", crypto.current_key_id())
    assert len(base64.b64decode(payload)) == 12 + len("Jansen") + 16


def test_equal_plaintexts_give_different_tokens():
    assert crypto.encrypt("0612345678") != crypto.encrypt("0612345678")


def test_decrypt_with_unknown_key_id_fails_clearly():
    token = crypto.encrypt("geheim")
    expected = "sleutel-id 'demo1'.*niet in VROEGSIGNAAL_ENCRYPTION_KEYS"
    with (
        override_settings(ENCRYPTION_KEYS=make_key("nieuw")),
        pytest.raises(crypto.DecryptionError, match=expected),
    ):
        crypto.decrypt(token)


def test_decrypt_rejects_tampered_token():
    token = crypto.encrypt("geheim")
    prefix, payload = token.rsplit(":", 1)
    blob = bytearray(base64.b64decode(payload))
    blob[-1] ^= 1
    with pytest.raises(crypto.DecryptionError, match="gewijzigd"):
        crypto.decrypt(f"{prefix}:{base64.b64encode(bytes(blob)).decode()}")


@pytest.mark.parametrize(
    "bad", ["geheim", "v2:demo1:AAAA", "v1:demo1:!!!", "v1:demo1:AAAA", "v1::AAAA"]
)
def test_decrypt_rejects_malformed_token_without_echoing_it(bad):
    with pytest.raises(crypto.DecryptionError) as excinfo:
        crypto.decrypt(bad)
    assert "geheim" not in str(excinfo.value)


def test_older_key_still_decrypts_after_new_key_is_put_first():
    old = make_key("oud")
    with override_settings(ENCRYPTION_KEYS=old):
        token = crypto.encrypt("Pietersen")
    with override_settings(ENCRYPTION_KEYS=f"{make_key('nieuw')},{old}"):
        assert crypto.current_key_id() == "nieuw"
        assert crypto.decrypt(token) == "Pietersen"
        assert crypto.encrypt("x").startswith("v1:nieuw:")


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("k1:" + base64.b64encode(b"x" * 16).decode(), "16 bytes; AES-256 vraagt precies 32"),
        ("k1:niet-base64!", "geen geldige base64"),
        ("zonderdubbelepunt", "moet de vorm"),
        (make_key("k1") + "," + make_key("K1"), "twee keer"),
        ("", "ontbreekt"),
    ],
    ids=[
        "16-bytes",
        "geen-base64",
        "geen-dubbele-punt",
        "twee-keer",
        "ontbreekt",
    ],  # the keys are random: not in ids
)
def test_misconfigured_encryption_keys_fail_clearly(keys, message):
    with (
        override_settings(ENCRYPTION_KEYS=keys),
        pytest.raises(ImproperlyConfigured, match=message),
    ):
        crypto.encrypt("x")


def test_encrypt_many_keeps_none_and_round_trips():
    values = ["a", None, "", "Ïñtërnâtiônàl 😀"]
    tokens = crypto.encrypt_many(values)
    assert tokens[1] is None
    assert crypto.decrypt_many(tokens) == values
    assert len({t for t in tokens if t}) == 3  # fresh nonce per value


def test_blind_index_is_deterministic_32_hex_and_context_bound():
    a = crypto.blind_index("123456782", context="person.bsn")
    assert a == crypto.blind_index("123456782", context="person.bsn")
    assert len(a) == 32 and int(a, 16) >= 0
    assert a != crypto.blind_index("123456782", context="person.phone")


def test_blind_index_depends_on_the_key():
    a = crypto.blind_index("1234AB", context="address.postcode")
    with override_settings(BLIND_INDEX_KEY=base64.b64encode(b"k" * 32).decode()):
        assert crypto.blind_index("1234AB", context="address.postcode") != a


def test_blind_index_many_matches_blind_index():
    values = ["a", None, "b"]
    assert crypto.blind_index_many(values, context="c") == [
        crypto.blind_index("a", context="c"),
        None,
        crypto.blind_index("b", context="c"),
    ]


@given(
    key=st.binary(min_size=1, max_size=200),
    values=st.lists(st.none() | st.text(), max_size=5),
    context=st.text(min_size=1).filter(lambda c: "\x00" not in c),
)
@settings(max_examples=300)
def test_hash_many_is_hmac_sha256_of_context_and_value_for_any_key(key, values, context):
    # hash_many writes HMAC out on hashlib states: it must stay the standard HMAC
    # (keys longer than SHA-256's block of 64 bytes are hashed first).
    expected = [
        None
        if value is None
        else hmac.new(key, context.encode() + b"\x00" + value.encode(), hashlib.sha256).hexdigest()[
            :32
        ]
        for value in values
    ]
    assert crypto.hash_many(key, values, context=context) == expected


def test_blind_index_refuses_short_key():
    short_key = base64.b64encode(b"k" * 16).decode()
    with (
        override_settings(BLIND_INDEX_KEY=short_key),
        pytest.raises(ImproperlyConfigured, match="ten minste 32"),
    ):
        crypto.blind_index("x", context="c")


def test_system_check_reports_malformed_keys():
    from vroegsignaal.privacy.checks import check_encryption_keys

    assert check_encryption_keys(None) == []
    with override_settings(ENCRYPTION_KEYS="k1:" + base64.b64encode(b"x" * 16).decode()):
        assert [e.id for e in check_encryption_keys(None)] == ["privacy.E001"]

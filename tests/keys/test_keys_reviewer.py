"""Reviewer keypairs: construction, equality, and repr that never leaks a secret."""

from __future__ import annotations

import base64

import nacl.public
import pytest

import keys.reviewer as reviewer_module
from keys import PublicKey, SecretKey


def test_generate_and_from_bytes_round_trip():
    secret = SecretKey.generate("Ana")
    again = SecretKey.from_bytes(secret.raw, "Ana")
    assert len(secret.raw) == SecretKey.SIZE == 32
    assert again.public_key == secret.public_key
    assert secret.public_key.name == "Ana"
    assert isinstance(secret.nacl, nacl.public.PrivateKey)
    assert isinstance(secret.public_key.nacl, nacl.public.PublicKey)
    assert bytes(secret.public_key.nacl) == secret.public_key.raw


@pytest.mark.parametrize("cls", [PublicKey, SecretKey])
@pytest.mark.parametrize("raw", [b"", bytes(31), bytes(33), bytearray(32)])
def test_from_bytes_refuses_wrong_sizes(cls, raw):
    with pytest.raises(ValueError):
        cls.from_bytes(raw)


def test_public_key_equality_ignores_the_name():
    raw = SecretKey.generate().public_key.raw
    a, b = PublicKey.from_bytes(raw, "a"), PublicKey.from_bytes(raw, "b")
    assert a == b and hash(a) == hash(b)
    assert a != SecretKey.generate().public_key
    assert a.__eq__(raw) is NotImplemented


def test_public_key_equality_is_constant_time(monkeypatch):
    calls = []
    monkeypatch.setattr(reviewer_module.hmac, "compare_digest", lambda x, y: calls.append(1) or x == y)
    raw = SecretKey.generate().public_key.raw
    assert PublicKey.from_bytes(raw) == PublicKey.from_bytes(raw)
    assert calls == [1]


def test_repr_shows_the_fingerprint_never_the_secret():
    secret = SecretKey.generate("Ana")
    text = repr(secret)
    assert text == f"SecretKey({secret.fingerprint.display()!r}, name='Ana')"
    for leak in (secret.raw.hex(), base64.b64encode(secret.raw).decode(), repr(secret.raw)):
        assert leak not in text
    assert repr(secret.public_key) == f"PublicKey({secret.fingerprint.display()!r}, name='Ana')"

"""Reviewer keypairs: construction, equality, and repr that never leaks a secret."""

from __future__ import annotations

import base64

import nacl.public
import pytest

import keys
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


# The low-order X25519 points libsodium blocklists (crypto_scalarmult/curve25519/
# ref10/x25519_ref10.c, from Bernstein's "Curve25519" paper and the list in
# https://cr.yp.to/ecdh.html#validate): 0 and 1, the two points of order 8,
# p-1 (order 2), and p and p+1 (non-canonical spellings of 0 and 1).
LOW_ORDER_POINTS = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
]


def _with_top_bit(hex_point: str) -> bytes:
    """The same point with bit 255 set (X25519 ignores it, RFC 7748 section 5)."""
    raw = bytearray.fromhex(hex_point)
    raw[31] |= 0x80
    return bytes(raw)


@pytest.mark.parametrize("raw", [bytes.fromhex(p) for p in LOW_ORDER_POINTS] + [_with_top_bit(p) for p in LOW_ORDER_POINTS])
def test_low_order_public_keys_are_refused(raw):
    with pytest.raises(keys.LowOrderKeyError):
        PublicKey.from_bytes(raw)


def test_a_genuine_or_non_canonical_but_full_order_key_is_accepted():
    genuine = SecretKey.generate().public_key.raw
    assert PublicKey.from_bytes(genuine).raw == genuine
    two = bytes([2]) + bytes(31)  # u = 2: on the twist, not of small order
    assert PublicKey.from_bytes(two).raw == two

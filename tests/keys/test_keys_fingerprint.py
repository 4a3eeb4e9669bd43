"""Fingerprints: derivation, display form, parsing and constant-time equality."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

import keys.fingerprint as fingerprint_module
from keys import Fingerprint, PublicKey, SecretKey

PUBLIC = bytes(range(32))


def test_derivation_is_labelled_blake2b_256():
    expected = hashlib.blake2b(b"resguardo/v1/fingerprint\x00" + PUBLIC, digest_size=32).digest()
    assert Fingerprint.of(PUBLIC).raw == expected


def test_display_is_ten_groups_of_four_upper_hex():
    fp = Fingerprint.of(PUBLIC)
    text = fp.display()
    assert re.fullmatch(r"[0-9A-F]{4}( [0-9A-F]{4}){9}", text)
    assert text.replace(" ", "").lower() == fp.raw[:20].hex()
    assert str(fp) == text
    assert repr(fp) == f"Fingerprint({text!r})"


def test_hex_and_from_hex_round_trip():
    fp = Fingerprint.of(PUBLIC)
    assert fp.hex == fp.raw.hex()
    assert len(fp.hex) == 64
    assert Fingerprint.from_hex(fp.hex.upper()) == fp
    spaced = " ".join(fp.hex[i : i + 4] for i in range(0, 64, 4))
    assert Fingerprint.from_hex(spaced) == fp
    assert Fingerprint.from_bytes(fp.raw) == fp


@pytest.mark.parametrize("text", ["", "00" * 31, "00" * 33, "zz" * 32])
def test_from_hex_refuses_malformed(text):
    with pytest.raises(ValueError):
        Fingerprint.from_hex(text)


@pytest.mark.parametrize("raw", [b"", bytes(31), bytes(33), bytearray(32), "a" * 32])
def test_refuses_wrong_sizes_and_types(raw):
    with pytest.raises(ValueError):
        Fingerprint(raw)


@pytest.mark.parametrize("public", [bytes(31), bytes(33), bytearray(32)])
def test_of_refuses_wrong_key(public):
    with pytest.raises(ValueError):
        Fingerprint.of(public)


def test_matches_display_ignores_spaces_and_case_only():
    fp = Fingerprint.of(PUBLIC)
    shown = fp.display()
    assert fp.matches_display(shown)
    assert fp.matches_display(shown.lower().replace(" ", ""))
    assert fp.matches_display("  " + shown.replace(" ", "  ") + " ")
    assert not fp.matches_display(shown[:-1])
    assert not fp.matches_display(shown[:-1] + ("0" if shown[-1] != "0" else "1"))
    assert not fp.matches_display(fp.hex)  # the full 64 digits are not the display form
    assert not fp.matches_display("é" * 40)


def test_equality_and_hashing():
    a, b = Fingerprint.of(PUBLIC), Fingerprint.of(PUBLIC)
    other = Fingerprint.of(bytes(32))
    assert a == b and hash(a) == hash(b)
    assert a != other
    assert {a, b, other} == {a, other}
    assert (a == a.raw) is False
    assert a.__eq__("not a fingerprint") is NotImplemented


def test_equality_is_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(x, y):
        calls.append((x, y))
        return real(x, y)

    monkeypatch.setattr(fingerprint_module.hmac, "compare_digest", spy)
    a, b = Fingerprint.of(PUBLIC), Fingerprint.of(bytes(32))
    assert a != b
    assert calls == [(a.raw, b.raw)]
    calls.clear()
    assert a.matches_display(a.display())
    assert len(calls) == 1


def test_reviewer_keys_carry_their_fingerprint():
    secret = SecretKey.generate()
    assert secret.fingerprint == secret.public_key.fingerprint == Fingerprint.of(secret.public_key.raw)
    assert PublicKey.from_bytes(secret.public_key.raw).fingerprint == secret.fingerprint

"""X-Wing (keys/xwing.py): the draft's own test vectors, key nouns, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import nacl.bindings as sodium
import pytest

import keys
from keys import xwing

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "vectors" / "xwing_draft.json").read_text())


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v["seed"][:8])
def test_draft_vectors(vector):
    """draft-connolly-cfrg-xwing-kem spec/test-vectors.json: keygen and decapsulation.

    (Encapsulation is randomised in ``cryptography``; the vendored libsodium.js
    checks the deterministic one, tests/js/xwing.test.js.)
    """
    seed = bytes.fromhex(vector["seed"])
    assert vector["sk"] == vector["seed"]
    assert xwing.public_key_from_seed(seed).hex() == vector["pk"]
    assert xwing.decapsulate(seed, bytes.fromhex(vector["ct"])).hex() == vector["ss"]
    secret = keys.XWingSecretKey.from_bytes(seed)
    assert secret.decapsulate(bytes.fromhex(vector["ct"])).hex() == vector["ss"]


def test_encapsulate_round_trip():
    secret = keys.XWingSecretKey.generate("Ana")
    shared, ciphertext = xwing.encapsulate(secret.public_key.raw)
    assert len(ciphertext) == 1120 and len(shared) == 32
    assert secret.decapsulate(ciphertext) == shared
    other, _ = xwing.encapsulate(secret.public_key.raw)
    assert other != shared


def test_label_is_the_drafts():
    assert xwing.LABEL.hex() == "5c2e2f2f5e5c"


def test_damaged_ciphertext_gives_another_secret():
    secret = keys.XWingSecretKey.generate()
    shared, ciphertext = xwing.encapsulate(secret.public_key.raw)
    damaged = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
    assert secret.decapsulate(damaged) != shared


@pytest.mark.parametrize("ciphertext", [b"", bytes(1119), bytes(1121), "x" * 1120])
def test_decapsulate_refuses_wrong_lengths(ciphertext):
    with pytest.raises(xwing.XWingError):
        xwing.decapsulate(bytes(32), ciphertext)


def test_decapsulate_refuses_a_low_order_point():
    with pytest.raises(xwing.XWingError):
        xwing.decapsulate(bytes(32), bytes(1120))  # X25519 part: the zero point


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33), "a" * 32])
def test_seed_must_be_32_bytes(seed):
    with pytest.raises(ValueError):
        xwing.public_key_from_seed(seed)
    with pytest.raises(ValueError):
        keys.XWingSecretKey.from_bytes(seed)


def test_public_key_checks():
    good = keys.XWingSecretKey.generate().public_key.raw
    with pytest.raises(xwing.XWingError):
        xwing.check_public_key(good[:-1])
    with pytest.raises(keys.LowOrderKeyError):
        xwing.check_public_key(good[:1184] + bytes(32))  # low-order X25519 part
    with pytest.raises(xwing.XWingError):
        xwing.check_public_key(b"\xff" * 1184 + good[1184:])  # coefficients >= q
    with pytest.raises(keys.LowOrderKeyError):
        keys.XWingPublicKey.from_bytes(good[:1184] + bytes(32))
    with pytest.raises(keys.LowOrderKeyError):
        xwing.encapsulate(good[:1184] + bytes(32))


def test_key_nouns():
    secret = keys.XWingSecretKey.generate("Ana")
    public = secret.public_key
    assert public.kind == secret.kind == "xwing" and public.post_quantum
    assert keys.PublicKey.kind == "x25519" and not keys.PublicKey.post_quantum
    assert public.name == "Ana" and len(public.raw) == 1216 and len(secret.raw) == 32
    assert public.fingerprint == secret.fingerprint == keys.Fingerprint.of_xwing(public.raw)
    again = keys.XWingPublicKey.from_bytes(public.raw, "other label")
    assert again == public and hash(again) == hash(public)
    assert public != keys.XWingSecretKey.generate().public_key
    assert public.__eq__(object()) is NotImplemented
    assert secret.raw.hex() not in repr(secret) and public.fingerprint.display() in repr(secret)
    assert public.fingerprint.display() in repr(public)


def test_fingerprint_covers_the_whole_key_with_its_own_label():
    public = keys.XWingSecretKey.generate().public_key.raw
    changed = public[:-33] + bytes([public[-33] ^ 1]) + public[-32:]  # last ML-KEM byte
    assert keys.Fingerprint.of_xwing(public) != keys.Fingerprint.of_xwing(changed)
    x25519 = public[1184:]
    assert keys.Fingerprint.of(x25519) != keys.Fingerprint.of_xwing(public)
    with pytest.raises(ValueError):
        keys.Fingerprint.of_xwing(public[:32])


def test_x25519_matches_libsodium_base():
    secret = keys.XWingSecretKey.generate()
    import hashlib

    expanded = hashlib.shake_256(secret.raw).digest(96)
    assert secret.public_key.raw[1184:] == sodium.crypto_scalarmult_base(expanded[64:])


def test_key_files_round_trip(tmp_path):
    secret = keys.XWingSecretKey.generate("Ana Quispe")
    text = keys.format_public_key(secret.public_key)
    assert text.splitlines()[1] == "type: xwing"
    assert keys.parse_public_key(text) == secret.public_key
    secret_text = keys.format_secret_key(secret, "correct horse")
    assert "type: xwing" in secret_text.splitlines()
    again = keys.parse_secret_key(secret_text, "correct horse")
    assert isinstance(again, keys.XWingSecretKey) and again.raw == secret.raw
    path = tmp_path / "ana.public-key"
    keys.write_public_key_file(path, secret.public_key)
    assert keys.read_public_key_file(path).fingerprint == secret.fingerprint


def test_key_file_refusals():
    secret = keys.XWingSecretKey.generate("Ana")
    text = keys.format_public_key(secret.public_key)
    with pytest.raises(keys.KeyFileError):
        keys.parse_public_key(text.replace("type: xwing", "type: kyber"))
    with pytest.raises(keys.KeyFileError):  # an X-Wing key where an X25519 one is expected
        keys.parse_public_key(text.replace("type: xwing\n", ""))
    import base64

    def with_key(raw):
        encoded = base64.b64encode(raw).decode()
        return "\n".join(line if not line.startswith("public-key:") else f"public-key: {encoded}"
                         for line in text.splitlines() if not line.startswith("fingerprint:"))

    with pytest.raises(keys.LowOrderKeyError):  # as for a low-order X25519 key file
        keys.parse_public_key(with_key(secret.public_key.raw[:1184] + bytes(32)))
    with pytest.raises(keys.KeyFileError):  # ML-KEM coefficients >= q
        keys.parse_public_key(with_key(b"\xff" * 1184 + secret.public_key.raw[1184:]))


def test_public_key_from_bytes():
    xw = keys.XWingSecretKey.generate().public_key
    x25519 = keys.SecretKey.generate().public_key
    assert keys.public_key_from_bytes("xwing", xw.raw) == xw
    assert keys.public_key_from_bytes("x25519", x25519.raw) == x25519
    with pytest.raises(ValueError):
        keys.public_key_from_bytes("rsa", x25519.raw)

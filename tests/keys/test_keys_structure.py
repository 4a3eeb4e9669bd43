"""keys.check_structure / keys.payload_chunks: what a server can check without a secret key."""

from __future__ import annotations

import io

import pytest

import keys
from keys.stream import SEALED_CHUNK_SIZE


def _check(envelope: bytes, recipients=None) -> keys.Header:
    return keys.check_structure(io.BytesIO(envelope), len(envelope), recipients)


def test_a_sealed_envelope_passes_and_its_header_is_returned(alice, bob):
    envelope = keys.seal(b"x" * 70_000, [alice.public_key, bob.public_key])
    header = _check(envelope, [alice.fingerprint, bob.fingerprint])
    assert header.recipients == (alice.fingerprint, bob.fingerprint)
    assert len(envelope) == 260 + 2 * SEALED_CHUNK_SIZE


def test_without_expected_recipients_only_the_header_and_length_are_checked(alice):
    envelope = keys.seal(b"", [alice.public_key])
    assert _check(envelope).recipients == (alice.fingerprint,)


@pytest.mark.parametrize("recipients", ["other", "reordered", "subset", "superset"])
def test_recipients_must_be_exactly_the_expected_ones(alice, bob, recipients):
    envelope = keys.seal(b"data", [alice.public_key, bob.public_key])
    other = keys.SecretKey.generate().fingerprint
    expected = {
        "other": [alice.fingerprint, other],
        "reordered": [bob.fingerprint, alice.fingerprint],
        "subset": [alice.fingerprint],
        "superset": [alice.fingerprint, bob.fingerprint, other],
    }[recipients]
    with pytest.raises(keys.RecipientMismatchError):
        _check(envelope, expected)


@pytest.mark.parametrize("delta", [-1, 1, -SEALED_CHUNK_SIZE, SEALED_CHUNK_SIZE])
def test_a_length_off_by_anything_is_a_size_error(alice, delta):
    envelope = keys.seal(b"a" * (8 * 65532 + 1), [alice.public_key])  # 10 chunks: 9 and 11 are not Padmé
    with pytest.raises(keys.SizeError):
        keys.check_structure(io.BytesIO(envelope), len(envelope) + delta)


def test_payload_chunks_accepts_only_padme_counts():
    header = keys.header_size(1)
    assert keys.payload_chunks(header + 1 * SEALED_CHUNK_SIZE, 1) == 1
    assert keys.payload_chunks(header + 10 * SEALED_CHUNK_SIZE, 1) == 10
    assert keys.payload_chunks(header + 1024 * SEALED_CHUNK_SIZE, 1) == 1024
    for chunks in (0, 9, 11, 1000):
        with pytest.raises(keys.SizeError):
            keys.payload_chunks(header + chunks * SEALED_CHUNK_SIZE, 1)
    with pytest.raises(keys.SizeError):
        keys.payload_chunks(header - 1, 1)
    with pytest.raises(ValueError):
        keys.payload_chunks(header + SEALED_CHUNK_SIZE, 0)
    with pytest.raises(ValueError):
        keys.payload_chunks(header + SEALED_CHUNK_SIZE, 65)


def test_size_and_recipient_errors_are_header_errors():
    assert issubclass(keys.SizeError, keys.HeaderError)
    assert issubclass(keys.RecipientMismatchError, keys.HeaderError)


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (lambda e: b"RESGUARF" + e[8:], keys.HeaderError),
        (lambda e: e[:8] + b"\x03" + e[9:], keys.UnsupportedVersionError),
        (lambda e: e[:9] + b"\x0f" + e[10:], keys.HeaderError),
        (lambda e: e[:10] + b"\x00\x00" + e[12:], keys.HeaderError),
    ],
)
def test_header_rules_apply(alice, edit, error):
    envelope = edit(keys.seal(b"data", [alice.public_key]))
    with pytest.raises(error):
        _check(envelope)

"""Envelope v1: round trips, sizes, recipients, header parsing, writer misuse."""

from __future__ import annotations

import hashlib
import io
import struct

import nacl.bindings as sodium
import pytest

import keys
from keys import envelope as env
from keys.stream import DATA_PER_CHUNK, SEALED_CHUNK_SIZE, chunk_count

SIZES = [0, 1, 2, DATA_PER_CHUNK - 1, DATA_PER_CHUNK, DATA_PER_CHUNK + 1,
         2 * DATA_PER_CHUNK, 3 * DATA_PER_CHUNK + 7]


def content(size: int) -> bytes:
    return hashlib.shake_256(b"envelope tests").digest(size)


class Dribble(io.RawIOBase):
    """A source that returns at most ``step`` bytes per read (a slow socket)."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data, self._pos, self._step = data, 0, step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self._step if size < 0 else min(size, self._step)
        piece = self._data[self._pos : self._pos + size]
        self._pos += len(piece)
        return piece


def test_constants_match_the_spec():
    assert env.MAGIC == b"RESGUARD"
    assert env.STANZA_SIZE == 112
    assert env.SEALED_KEY_SIZE == 80
    assert SEALED_CHUNK_SIZE == 65553
    assert DATA_PER_CHUNK == 65532
    assert env.MAX_RECIPIENTS == 64
    assert [keys.header_size(n) for n in (1, 2, 64)] == [148, 260, 7204]


@pytest.mark.parametrize("size", SIZES)
def test_round_trip_and_exact_size(alice, size):
    data = content(size)
    sealed = keys.seal(data, [alice.public_key])
    assert len(sealed) == keys.envelope_size(size, 1) == 148 + chunk_count(size) * 65553
    assert keys.open_envelope(sealed, [alice]) == data


@pytest.mark.parametrize(
    ("size", "chunks"),
    [(0, 1), (1, 1), (65532, 1), (65533, 2), (8 * 65532, 8), (8 * 65532 + 1, 10),
     (10 * 65532, 10), (10 * 65532 + 1, 12)],
)
def test_chunk_counts_are_padme_of_needed(size, chunks):
    assert chunk_count(size) == chunks
    assert keys.envelope_size(size, 3) == 12 + 3 * 112 + 24 + chunks * 65553


def test_padded_envelope_round_trips(alice):
    data = content(8 * DATA_PER_CHUNK + 1)
    sealed = keys.seal(data, [alice.public_key])
    assert len(sealed) == 148 + 10 * SEALED_CHUNK_SIZE
    assert keys.open_envelope(sealed, [alice]) == data


def test_envelope_size_refuses_negative():
    with pytest.raises(ValueError):
        keys.envelope_size(-1, 1)


def test_two_recipients_each_open_and_a_third_cannot(alice, bob, carol):
    data = content(5000)
    sealed = keys.seal(data, [alice.public_key, bob.public_key])
    assert keys.open_envelope(sealed, [alice]) == data
    assert keys.open_envelope(sealed, [bob]) == data
    assert keys.open_envelope(sealed, [carol, bob]) == data
    with pytest.raises(keys.KeysError) as caught:
        keys.open_envelope(sealed, [carol])
    assert type(caught.value) is keys.NoMatchingKeyError
    with pytest.raises(keys.KeysError) as caught:
        keys.open_envelope(sealed, [])
    assert type(caught.value) is keys.NoMatchingKeyError


def test_header_lists_recipients_in_order_without_duplicates(alice, bob):
    sealed = keys.seal(b"x", [bob.public_key, alice.public_key, bob.public_key])
    header = keys.read_header(io.BytesIO(sealed))
    assert header.version == 1
    assert header.recipients == (bob.fingerprint, alice.fingerprint)
    assert len(header.raw) == keys.header_size(2) == 260
    assert header.raw == sealed[:260]
    assert header.stream_header == sealed[236:260]
    assert header.ad == hashlib.blake2b(b"resguardo/v1/header\x00" + header.raw, digest_size=32).digest()
    assert all(len(stanza.sealed_key) == 80 for stanza in header.stanzas)


def test_header_layout_is_exact(alice):
    sealed = keys.seal(b"", [alice.public_key])
    magic, version, chunk_log2, count = struct.unpack(">8sBBH", sealed[:12])
    assert (magic, version, chunk_log2, count) == (b"RESGUARD", 1, 16, 1)
    assert sealed[12:44] == alice.fingerprint.raw
    content_key = sodium.crypto_box_seal_open(sealed[44:124], alice.public_key.raw, alice.raw)
    assert len(content_key) == 32
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, sealed[124:148], content_key)
    ad = hashlib.blake2b(b"resguardo/v1/header\x00" + sealed[:148], digest_size=32).digest()
    framed, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(state, sealed[148:], ad)
    assert tag == sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
    assert framed == bytes(65536)


def test_many_small_writes_equal_one_write(alice):
    data = content(3 * DATA_PER_CHUNK + 100)
    sink = io.BytesIO()
    with keys.EnvelopeWriter([alice.public_key], sink) as writer:
        for start in range(0, len(data), 4093):
            assert writer.write(memoryview(data)[start : start + 4093]) == len(data[start : start + 4093])
        assert writer.content_size == len(data)
    streamed = sink.getvalue()
    whole = keys.seal(data, [alice.public_key])
    assert len(streamed) == len(whole)
    assert keys.open_envelope(streamed, [alice]) == keys.open_envelope(whole, [alice]) == data


def test_close_returns_the_size_and_refuses_misuse(alice):
    sink = io.BytesIO()
    writer = keys.EnvelopeWriter([alice.public_key], sink)
    writer.write(content(DATA_PER_CHUNK + 1))
    assert writer.close() == keys.envelope_size(DATA_PER_CHUNK + 1, 1) == len(sink.getvalue())
    with pytest.raises(ValueError):
        writer.write(b"late")
    with pytest.raises(ValueError):
        writer.close()


def test_context_manager_does_not_finish_on_error(alice):
    sink = io.BytesIO()
    with pytest.raises(RuntimeError):
        with keys.EnvelopeWriter([alice.public_key], sink) as writer:
            writer.write(b"partial")
            raise RuntimeError("the upload broke")
    assert len(sink.getvalue()) == keys.header_size(1)  # no FINAL chunk: readers reject it
    with pytest.raises(keys.KeysError) as caught:
        keys.open_envelope(sink.getvalue(), [alice])
    assert type(caught.value) is keys.TruncatedError


def test_context_manager_after_explicit_close(alice):
    sink = io.BytesIO()
    with keys.EnvelopeWriter([alice.public_key], sink) as writer:
        writer.close()
    assert len(sink.getvalue()) == keys.envelope_size(0, 1)


def test_writer_refuses_bad_recipient_sets(alice):
    with pytest.raises(ValueError):
        keys.seal(b"", [])
    with pytest.raises(TypeError):
        keys.seal(b"", [alice.public_key.raw])
    with pytest.raises(TypeError):
        keys.seal(b"", [alice])
    many = [keys.SecretKey.generate().public_key for _ in range(65)]
    with pytest.raises(ValueError):
        keys.seal(b"", many)
    sealed = keys.seal(b"ok", many[:64])
    assert len(sealed) == keys.envelope_size(2, 64)
    assert len(keys.read_header(io.BytesIO(sealed)).stanzas) == 64


def test_reader_streams_pieces_from_a_dribbling_source(alice):
    data = content(2 * DATA_PER_CHUNK + 3)
    sealed = keys.seal(data, [alice.public_key])
    reader = keys.EnvelopeReader(Dribble(sealed, 1000), [alice])
    assert reader.header.recipients == (alice.fingerprint,)
    pieces = list(reader)
    assert [len(p) for p in pieces] == [DATA_PER_CHUNK, DATA_PER_CHUNK, 3]
    assert b"".join(pieces) == data
    sink = io.BytesIO()
    assert keys.EnvelopeReader(io.BytesIO(sealed), [alice]).read_into(sink) == len(data)
    assert sink.getvalue() == data


def test_first_matching_identity_wins_and_a_corrupt_stanza_is_a_header_error(alice, bob):
    sealed = bytearray(keys.seal(b"x", [alice.public_key, bob.public_key]))
    sealed[12 + 32 + 10] ^= 0x80  # inside alice's sealed key
    with pytest.raises(keys.KeysError) as caught:
        keys.open_envelope(bytes(sealed), [alice, bob])
    assert type(caught.value) is keys.HeaderError
    # bob's stanza is intact, but the header hash changed: the payload fails
    with pytest.raises(keys.KeysError) as caught:
        keys.open_envelope(bytes(sealed), [bob])
    assert type(caught.value) is keys.PayloadError


def _fixed(magic=b"RESGUARD", version=1, chunk_log2=16, count=1) -> bytes:
    return struct.pack(">8sBBH", magic, version, chunk_log2, count)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"", keys.HeaderError),
        (_fixed()[:11], keys.HeaderError),
        (_fixed(magic=b"resguard") + bytes(136), keys.HeaderError),
        (_fixed(version=3) + bytes(136), keys.UnsupportedVersionError),
        (_fixed(version=255), keys.UnsupportedVersionError),
        (_fixed(chunk_log2=17) + bytes(136), keys.HeaderError),
        (_fixed(count=0) + bytes(24), keys.HeaderError),
        (_fixed(count=65) + bytes(112 * 65 + 24), keys.HeaderError),
        (_fixed() + bytes(135), keys.HeaderError),
        (_fixed(count=2) + bytes(2 * 112 + 24), keys.HeaderError),  # same fingerprint twice
    ],
)
def test_read_header_rejections(raw, error):
    with pytest.raises(keys.KeysError) as caught:
        keys.read_header(io.BytesIO(raw))
    assert type(caught.value) is error


def test_read_header_leaves_the_source_at_the_payload(alice):
    sealed = keys.seal(b"abc", [alice.public_key])
    source = io.BytesIO(sealed)
    keys.read_header(source)
    assert source.tell() == 148


def test_unwrap_refuses_a_stanza_that_opens_to_the_wrong_length(alice):
    """Unreachable with 80-byte stanzas; guards the invariant if the layout changes."""
    short_key = sodium.crypto_box_seal(bytes(31), alice.public_key.raw)
    header = env.Header(1, (env.Stanza(alice.fingerprint, short_key),), bytes(24), b"")
    with pytest.raises(keys.KeysError) as caught:
        env.unwrap_v1(header, [alice])
    assert type(caught.value) is keys.HeaderError


def test_error_hierarchy():
    for error in (keys.HeaderError, keys.NoMatchingKeyError, keys.PayloadError,
                  keys.KeyFileError, keys.WrongPassphraseError):
        assert issubclass(error, keys.KeysError)
    assert issubclass(keys.UnsupportedVersionError, keys.HeaderError)
    assert issubclass(keys.TruncatedError, keys.PayloadError)
    assert issubclass(keys.TrailingDataError, keys.PayloadError)
    assert issubclass(keys.WeakParametersError, keys.KeyFileError)

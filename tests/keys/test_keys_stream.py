"""The chunked secretstream payload, exercised below the envelope."""

from __future__ import annotations

import io
import struct

import nacl.bindings as sodium
import pytest

import keys
from keys.stream import (
    DATA_PER_CHUNK,
    SEALED_CHUNK_SIZE,
    TAG_FINAL,
    TAG_MESSAGE,
    StreamOpener,
    StreamSealer,
    chunk_count,
)

KEY = bytes(range(32))
AD = b"A" * 32


def frame(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data + bytes(DATA_PER_CHUNK - len(data))


def raw_stream(chunks: list[tuple[bytes, int]]) -> tuple[bytes, bytes]:
    """(stream header, sealed chunks) pushed with libsodium directly."""
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, KEY)
    body = b"".join(
        sodium.crypto_secretstream_xchacha20poly1305_push(state, framed, AD, tag)
        for framed, tag in chunks
    )
    return header, body


def open_all(header: bytes, body: bytes) -> bytes:
    return b"".join(StreamOpener(KEY, AD, header, io.BytesIO(body)))


def test_sealer_and_opener_round_trip():
    sealer = StreamSealer(KEY)
    sink = io.BytesIO()
    sealer.start(AD, sink)
    sealer.write(b"hello")
    assert sealer.content_size == 5
    assert sealer.finish() == 1
    assert len(sink.getvalue()) == SEALED_CHUNK_SIZE
    assert open_all(sealer.stream_header, sink.getvalue()) == b"hello"


def test_sealer_refuses_misuse():
    with pytest.raises(ValueError):
        StreamSealer(bytes(31))
    sealer = StreamSealer(KEY)
    with pytest.raises(ValueError):
        sealer.write(b"x" * (DATA_PER_CHUNK + 1))  # a full chunk is pushed, but no sink yet
    sealer = StreamSealer(KEY)
    sealer.start(AD, io.BytesIO())
    with pytest.raises(ValueError):
        sealer.start(AD, io.BytesIO())
    sealer.finish()
    with pytest.raises(ValueError):
        sealer.write(b"x")
    with pytest.raises(ValueError):
        sealer.finish()


def test_opener_refuses_a_malformed_stream_header():
    with pytest.raises(keys.KeysError) as caught:
        StreamOpener(KEY, AD, bytes(23), io.BytesIO())
    assert type(caught.value) is keys.PayloadError


def test_too_few_chunks_for_padme_is_a_payload_error():
    """9 full chunks need Padmé(9) = 10; ending with FINAL at 9 breaks the count rule."""
    chunks = [(frame(bytes(DATA_PER_CHUNK)), TAG_MESSAGE) for _ in range(8)]
    chunks.append((frame(bytes(DATA_PER_CHUNK)), TAG_FINAL))
    header, body = raw_stream(chunks)
    with pytest.raises(keys.KeysError) as caught:
        open_all(header, body)
    assert type(caught.value) is keys.PayloadError


def test_padding_chunk_after_full_chunks_is_accepted():
    """9 * 65532 bytes: 9 full chunks then one empty FINAL padding chunk."""
    chunks = [(frame(b"\x07" * DATA_PER_CHUNK), TAG_MESSAGE) for _ in range(9)]
    chunks.append((frame(b""), TAG_FINAL))
    header, body = raw_stream(chunks)
    assert open_all(header, body) == b"\x07" * (9 * DATA_PER_CHUNK)
    assert chunk_count(9 * DATA_PER_CHUNK) == 10


def test_empty_message_chunk_between_data_is_refused():
    chunks = [(frame(b""), TAG_MESSAGE), (frame(b"late"), TAG_FINAL)]
    header, body = raw_stream(chunks)
    with pytest.raises(keys.KeysError) as caught:
        open_all(header, body)
    assert type(caught.value) is keys.PayloadError


def test_chunk_count_refuses_negative():
    with pytest.raises(ValueError):
        chunk_count(-1)


def test_small_chunk_rules_of_the_sealer():
    """v2 small envelopes (docs/FORMAT.md "V2 padding"): one 16 KiB chunk, at most 16380 bytes."""
    from keys.stream import SMALL_DATA, StreamSealer, chunk_count, sealed_chunk_size, v2_chunk_log2

    assert (sealed_chunk_size(14), sealed_chunk_size(16), SMALL_DATA) == (16401, 65553, 16380)
    assert (v2_chunk_log2(16380), v2_chunk_log2(16381)) == (14, 16)
    assert chunk_count(0, 14) == chunk_count(16380, 14) == 1
    with pytest.raises(ValueError):
        sealed_chunk_size(15)
    with pytest.raises(ValueError):
        chunk_count(16381, 14)
    sealer = StreamSealer(bytes(32))
    with pytest.raises(ValueError):
        sealer.finish()  # before start
    with pytest.raises(ValueError):
        sealer.write(bytes(16381))  # more than a small envelope before the chunk size is known
    sealer.write(bytes(100))
    sink = io.BytesIO()
    sealer.start(bytes(32), sink, 14)
    with pytest.raises(ValueError):
        sealer.write(bytes(16281))  # 16381 in all
    sealer.write(bytes(16280))
    assert sealer.finish() == 1 and len(sink.getvalue()) == 16401

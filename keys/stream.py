"""The chunked payload: libsodium secretstream with fixed-size, padded chunks.

Payload scheme (docs/FORMAT.md, "Payload"): the plaintext is cut into chunks
that each carry exactly :data:`CHUNK_SIZE` bytes of chunk plaintext::

    chunk plaintext = used (u32, big-endian) || data[used] || zero[CHUNK_SIZE - 4 - used]

and each chunk is one ``crypto_secretstream_xchacha20poly1305_push`` message
(libsodium docs, "Encrypted streams and file encryption") with the header
hash as associated data. Every chunk but the last is tagged ``TAG_MESSAGE``;
the last is tagged ``TAG_FINAL``. The number of chunks is Padmé-padded
(:func:`keys.padding.padme`), so an envelope's length reveals only a rounded
number of 64 KiB chunks. Memory use is one chunk whatever the size.

Envelope v2 also has **small** envelopes: content of at most
:data:`SMALL_DATA` (16 380) bytes goes in exactly one chunk of 2^14 = 16 384
framed bytes (``chunk_log2 = 14`` in the header) instead of one of 64 KiB
(docs/FORMAT.md, "V2 padding"). Every function here takes the chunk size as
``chunk_log2`` (16 unless given).
"""

from __future__ import annotations

import struct
from typing import BinaryIO, Iterator

import nacl.bindings as sodium
import nacl.exceptions

from .errors import PayloadError, TrailingDataError, TruncatedError
from .padding import padme

CHUNK_SIZE = 65536
"""Bytes of plaintext framing per chunk (before encryption)."""
USED_SIZE = 4
"""Bytes of the ``used`` length field at the start of each chunk plaintext."""
DATA_PER_CHUNK = CHUNK_SIZE - USED_SIZE
"""Content bytes one chunk can carry: 65532."""
ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
"""Bytes secretstream adds to each chunk (17)."""
SEALED_CHUNK_SIZE = CHUNK_SIZE + ABYTES
"""Bytes of one chunk on the wire: 65553."""
KEY_SIZE = sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES
STREAM_HEADER_SIZE = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES
TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL

CHUNK_LOG2 = 16
"""``chunk_log2`` of the 64 KiB chunks (v1, and v2 content over :data:`SMALL_DATA`)."""
SMALL_CHUNK_LOG2 = 14
"""``chunk_log2`` of a small v2 envelope's only chunk (16 384 framed bytes)."""
SMALL_DATA = (1 << SMALL_CHUNK_LOG2) - USED_SIZE
"""Most content a small v2 envelope holds: 16 380 bytes."""
CHUNK_LOG2S = (SMALL_CHUNK_LOG2, CHUNK_LOG2)

_ZEROS = bytes(CHUNK_SIZE)


def sealed_chunk_size(chunk_log2: int = CHUNK_LOG2) -> int:
    """Bytes of one sealed chunk on the wire: 65553 (``chunk_log2`` 16) or 16401 (14).

    :raises ValueError: for a ``chunk_log2`` other than 14 or 16.
    """
    if chunk_log2 not in CHUNK_LOG2S:
        raise ValueError("chunk_log2 is 14 or 16")
    return (1 << chunk_log2) + ABYTES


def chunk_count(content_size: int, chunk_log2: int = CHUNK_LOG2) -> int:
    """Number of chunks an envelope of ``content_size`` plaintext bytes has.

    ``padme(max(1, ceil(content_size / 65532)))`` for 64 KiB chunks (e.g. 0
    bytes -> 1 chunk); always 1 for a small envelope (``chunk_log2`` 14).

    :raises ValueError: if ``content_size`` is negative, or over
        :data:`SMALL_DATA` for ``chunk_log2`` 14.
    """
    if content_size < 0:
        raise ValueError("content_size must be >= 0")
    if chunk_log2 == SMALL_CHUNK_LOG2:
        if content_size > SMALL_DATA:
            raise ValueError("a small envelope holds at most 16380 bytes")
        return 1
    sealed_chunk_size(chunk_log2)
    needed = max(1, -(-content_size // DATA_PER_CHUNK))
    return padme(needed)


def v2_chunk_log2(content_size: int) -> int:
    """The ``chunk_log2`` a v2 writer uses for ``content_size`` bytes: 14 up to 16380, else 16."""
    return SMALL_CHUNK_LOG2 if content_size <= SMALL_DATA else CHUNK_LOG2


def _frame(data: bytes, data_per_chunk: int = DATA_PER_CHUNK) -> bytes:
    return struct.pack(">I", len(data)) + data + _ZEROS[: data_per_chunk - len(data)]


class StreamSealer:
    """Encrypts content into padded secretstream chunks.

    ``key`` is the 32-byte content key. Read :attr:`stream_header`, call
    :meth:`start` with the associated data (the header hash), the sink and
    the chunk size, then :meth:`write` any number of times and :meth:`finish`
    once. Up to :data:`SMALL_DATA` bytes may be written before :meth:`start`
    (they wait in memory), so a writer can pick the chunk size by the size.

    :raises ValueError: if ``key`` is not 32 bytes.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise ValueError("the content key is exactly 32 bytes")
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        self.stream_header = sodium.crypto_secretstream_xchacha20poly1305_init_push(
            self._state, key
        )
        """The 24-byte secretstream header, to be written before any chunk."""
        self._ad = b""
        self._sink: BinaryIO | None = None
        self._chunk_log2 = CHUNK_LOG2
        self._data_per_chunk = DATA_PER_CHUNK
        self._pending = bytearray()
        self._chunks_written = 0
        self._content_size = 0
        self._finished = False

    def start(self, ad: bytes, sink: BinaryIO, chunk_log2: int = CHUNK_LOG2) -> None:
        """Set the associated data bound to every chunk, where chunks go and their size.

        Must be called once, before :meth:`finish` and before more than
        :data:`SMALL_DATA` bytes are written. The AD is fixed only now
        because it hashes a header that contains :attr:`stream_header`.

        :raises ValueError: if called twice, or for a ``chunk_log2`` other than 14 or 16.
        """
        if self._sink is not None:
            raise ValueError("start called twice")
        sealed_chunk_size(chunk_log2)  # (at most SMALL_DATA bytes can have been written yet)
        self._ad = ad
        self._sink = sink
        self._chunk_log2 = chunk_log2
        self._data_per_chunk = (1 << chunk_log2) - USED_SIZE

    @property
    def content_size(self) -> int:
        """Plaintext bytes accepted so far."""
        return self._content_size

    def _push(self, framed: bytes, tag: int) -> None:
        # write() and finish() only get here after start() (they check).
        sealed = sodium.crypto_secretstream_xchacha20poly1305_push(
            self._state, framed, self._ad, tag
        )
        self._sink.write(sealed)
        self._chunks_written += 1

    def write(self, data: bytes) -> None:
        """Add ``data`` (any length) to the content; full chunks are sealed at once.

        A chunk is held back until the next byte arrives, because only then
        is it known not to be the last one.
        """
        if self._finished:
            raise ValueError("write after finish")
        if self._sink is None and self._content_size + len(data) > SMALL_DATA:
            raise ValueError("start must be called before writing more than 16380 bytes")
        if self._chunk_log2 == SMALL_CHUNK_LOG2 and self._content_size + len(data) > SMALL_DATA:
            raise ValueError("a small envelope holds at most 16380 bytes")
        self._pending += data
        self._content_size += len(data)
        per_chunk = self._data_per_chunk
        while len(self._pending) > per_chunk:
            piece = bytes(self._pending[:per_chunk])
            del self._pending[:per_chunk]
            self._push(_frame(piece, per_chunk), TAG_MESSAGE)

    def finish(self) -> int:
        """Seal the last data chunk and the padding chunks; return the chunk count."""
        if self._finished:
            raise ValueError("finish called twice")
        if self._sink is None:
            raise ValueError("start must be called before finish")
        self._finished = True
        total = chunk_count(self._content_size, self._chunk_log2)
        last_data = _frame(bytes(self._pending), self._data_per_chunk)
        self._pending = bytearray()
        padding = total - self._chunks_written - 1
        self._push(last_data, TAG_FINAL if padding == 0 else TAG_MESSAGE)
        empty = _frame(b"", self._data_per_chunk)
        for index in range(padding):
            self._push(empty, TAG_FINAL if index == padding - 1 else TAG_MESSAGE)
        return total


class StreamOpener:
    """Decrypts and checks the chunks :class:`StreamSealer` wrote.

    Yields content piece by piece; a caller that writes pieces out MUST
    discard them if iteration later raises (the end is only verified at the
    end). Raises :class:`~keys.errors.PayloadError` for a chunk that fails
    authentication or breaks the framing rules,
    :class:`~keys.errors.TruncatedError` if the data ends before a FINAL
    chunk, :class:`~keys.errors.TrailingDataError` if bytes follow it.

    ``trailer_size`` bytes after the FINAL chunk (a v2 signature) are read
    into :attr:`trailer` (fewer: ``TruncatedError``) before the trailing-data
    check; ``chunk_digest`` (a :mod:`hashlib` object) is fed every sealed chunk.
    ``chunk_log2`` is the header's (14: a small v2 envelope, whose only chunk
    must be FINAL, else ``PayloadError``).
    """

    def __init__(
        self,
        key: bytes,
        ad: bytes,
        stream_header: bytes,
        source: BinaryIO,
        *,
        trailer_size: int = 0,
        chunk_digest=None,
        chunk_log2: int = CHUNK_LOG2,
    ) -> None:
        self._sealed_size = sealed_chunk_size(chunk_log2)
        self._chunk_log2 = chunk_log2
        self._trailer_size = trailer_size
        self._digest = chunk_digest
        self.trailer = b""
        """The ``trailer_size`` bytes read after the FINAL chunk (v2: the signature)."""
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        try:
            sodium.crypto_secretstream_xchacha20poly1305_init_pull(
                self._state, stream_header, key
            )
        except (nacl.exceptions.CryptoError, nacl.exceptions.ValueError) as exc:
            raise PayloadError("the stream header is invalid") from exc
        self._ad = ad
        self._source = source

    def __iter__(self) -> Iterator[bytes]:
        chunks = 0
        content_size = 0
        data_ended = False
        per_chunk = self._sealed_size - ABYTES - USED_SIZE
        zeros = _ZEROS[:per_chunk]
        while True:
            sealed = _read_exactly(self._source, self._sealed_size)
            if len(sealed) < self._sealed_size:
                raise TruncatedError("the envelope ends before its final chunk")
            if self._digest is not None:
                self._digest.update(sealed)
            try:
                framed, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(
                    self._state, sealed, self._ad
                )
            except nacl.exceptions.RuntimeError as exc:
                raise PayloadError(f"chunk {chunks} failed authentication") from exc
            chunks += 1
            if tag not in (TAG_MESSAGE, TAG_FINAL):
                raise PayloadError(f"chunk {chunks - 1} carries an unexpected tag")
            if self._chunk_log2 == SMALL_CHUNK_LOG2 and tag != TAG_FINAL:
                raise PayloadError("a small envelope has exactly one chunk")
            (used,) = struct.unpack(">I", framed[:USED_SIZE])
            if used > per_chunk:
                raise PayloadError("a chunk claims more data than it can hold")
            if data_ended and used:
                raise PayloadError("data after a short chunk")
            if framed[USED_SIZE + used :] != zeros[: per_chunk - used]:
                raise PayloadError("non-zero padding in a chunk")
            if used < per_chunk:
                data_ended = True
            content_size += used
            if used:
                yield framed[USED_SIZE : USED_SIZE + used]
            if tag == TAG_FINAL:
                break
        self.trailer = _read_exactly(self._source, self._trailer_size)
        if len(self.trailer) < self._trailer_size:
            raise TruncatedError("the envelope ends inside its signature")
        if self._source.read(1):
            raise TrailingDataError("bytes follow the final chunk")
        if chunks != chunk_count(content_size, self._chunk_log2):
            raise PayloadError("the chunk count does not match the content size")


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    """Read ``size`` bytes, fewer only at end of data (handles short reads)."""
    parts = []
    remaining = size
    while remaining:
        piece = source.read(remaining)
        if not piece:
            break
        parts.append(piece)
        remaining -= len(piece)
    return b"".join(parts)

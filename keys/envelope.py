"""Envelope v1: one item (a report or a file) sealed to every reviewer.

Scheme (docs/FORMAT.md is normative; this is a summary)::

    header  = "RESGUARD" || version=0x01 || chunk_log2=16 || count (u16 BE)
              || count * ( fingerprint[32] || crypto_box_seal(content_key)[80] )
              || secretstream_header[24]
    ad      = BLAKE2b-256("resguardo/v1/header\\0" || header)
    payload = padded secretstream chunks, each with ``ad`` (keys.stream)

A random 32-byte content key per envelope (libsodium
``crypto_secretstream_xchacha20poly1305_keygen``) is sealed with
``crypto_box_seal`` (libsodium "Sealed boxes") to each recipient, who is
named by key fingerprint. Hashing the whole header into every chunk's
associated data binds stanzas to this payload: a stanza moved from another
envelope, or an edited header, fails authentication. Envelopes are
sender-anonymous: nothing in them says who wrote them.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import BinaryIO, Iterable, Sequence

import nacl.bindings as sodium
import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.public

from .errors import (
    HeaderError,
    NoMatchingKeyError,
    SizeError,
    UnsupportedVersionError,
)
from .fingerprint import Fingerprint
from .padding import padme
from .reviewer import PublicKey, SecretKey
from .stream import (
    KEY_SIZE,
    SMALL_CHUNK_LOG2,
    SEALED_CHUNK_SIZE,
    STREAM_HEADER_SIZE,
    StreamSealer,
    _read_exactly,
    chunk_count,
)

MAGIC = b"RESGUARD"
VERSION = 1
CHUNK_LOG2 = 16
MAX_RECIPIENTS = 64
SUPPORTED_VERSIONS = (1, 2)
"""Versions whose headers :func:`read_fixed` lets through (v2: keys.envelope2)."""
HEADER_LABEL = b"resguardo/v1/header\x00"
SEALED_KEY_SIZE = KEY_SIZE + sodium.crypto_box_SEALBYTES  # 80
STANZA_SIZE = Fingerprint.SIZE + SEALED_KEY_SIZE  # 112
_FIXED = struct.Struct(">8sBBH")  # magic, version, chunk_log2, stanza count


@dataclass(frozen=True)
class Stanza:
    """One recipient stanza: who it is for, and the content key sealed to them."""

    fingerprint: Fingerprint
    sealed_key: bytes


@dataclass(frozen=True)
class Header:
    """A parsed envelope header.

    ``raw`` is the exact header bytes (what ``ad`` is computed over),
    ``stream_header`` the 24-byte secretstream header.
    """

    version: int
    stanzas: tuple[Stanza, ...]
    stream_header: bytes
    raw: bytes

    @property
    def recipients(self) -> tuple[Fingerprint, ...]:
        """The fingerprints the envelope is sealed to, in stanza order."""
        return tuple(stanza.fingerprint for stanza in self.stanzas)

    @property
    def ad(self) -> bytes:
        """The 32-byte associated data bound to every payload chunk."""
        return header_hash(self.raw)


def header_hash(raw_header: bytes) -> bytes:
    """``BLAKE2b-256(HEADER_LABEL || raw_header)``: 32 bytes."""
    return nacl.hash.blake2b(
        HEADER_LABEL + raw_header, digest_size=32, encoder=nacl.encoding.RawEncoder
    )


def header_size(recipient_count: int) -> int:
    """Bytes of a header with ``recipient_count`` stanzas: ``12 + 112 n + 24``."""
    return _FIXED.size + STANZA_SIZE * recipient_count + STREAM_HEADER_SIZE


def envelope_size(content_size: int, recipient_count: int) -> int:
    """Exact bytes of the envelope for ``content_size`` plaintext bytes."""
    return header_size(recipient_count) + chunk_count(content_size) * SEALED_CHUNK_SIZE


def check_recipients(recipients: Sequence, kinds: tuple[type, ...] = (PublicKey,)) -> list:
    """Recipients without repeats (first kept, order kept), 1 to 64 of them.

    :param kinds: the public key classes an envelope of this version seals to
        (v1: :class:`keys.PublicKey`; v2 adds :class:`keys.XWingPublicKey`).
    :raises TypeError: if one is not an instance of ``kinds``.
    :raises ValueError: with none or more than 64.
    """
    unique: list = []
    for key in recipients:
        if not isinstance(key, kinds):
            names = " or ".join(f"keys.{kind.__name__}" for kind in kinds)
            raise TypeError(f"recipients must be {names} objects")
        if key not in unique:
            unique.append(key)
    if not unique:
        raise ValueError("an envelope needs at least one recipient")
    if len(unique) > MAX_RECIPIENTS:
        raise ValueError(f"at most {MAX_RECIPIENTS} recipients")
    return unique


class EnvelopeWriter:
    """Streams one envelope to ``sink`` (any object with ``write(bytes)``).

    The header is written on construction; then :meth:`write` content of any
    size in pieces, and :meth:`close` once. Memory use is one 64 KiB chunk.
    Duplicate recipients are sealed to once.

    :raises ValueError: with no recipients or more than 64.
    :raises TypeError: if a recipient is not a :class:`~keys.reviewer.PublicKey`.
    """

    def __init__(self, recipients: Sequence[PublicKey], sink: BinaryIO) -> None:
        keys = check_recipients(recipients)
        content_key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
        sealer = StreamSealer(content_key)
        fixed = _FIXED.pack(MAGIC, VERSION, CHUNK_LOG2, len(keys))
        stanzas = b"".join(
            key.fingerprint.raw + nacl.public.SealedBox(key.nacl).encrypt(content_key)
            for key in keys
        )
        raw = fixed + stanzas + sealer.stream_header
        sealer.start(header_hash(raw), sink)
        sink.write(raw)
        self._sealer = sealer
        self._header_size = len(raw)
        self._recipient_count = len(keys)
        self._closed = False

    def write(self, data: bytes) -> int:
        """Add ``data`` to the content; return ``len(data)``."""
        if self._closed:
            raise ValueError("write to a closed envelope")
        self._sealer.write(bytes(data))
        return len(data)

    @property
    def content_size(self) -> int:
        """Plaintext bytes written so far."""
        return self._sealer.content_size

    def close(self) -> int:
        """Write the last chunks; return the envelope's total size in bytes."""
        if self._closed:
            raise ValueError("envelope already closed")
        self._closed = True
        chunks = self._sealer.finish()
        return self._header_size + chunks * SEALED_CHUNK_SIZE

    def __enter__(self) -> "EnvelopeWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None and not self._closed:
            self.close()


def read_fixed(source: BinaryIO) -> tuple[bytes, int, int]:
    """Read and check the 12 bytes every envelope version starts with.

    :returns: ``(fixed bytes, version, stanza count)``; the version is not
        checked here (each version's reader does that).
    :raises HeaderError: on a short read, wrong magic, a chunk size other
        than 64 KiB (v2 also allows 16 KiB, ``chunk_log2`` 14: a small
        envelope), or zero or more than 64 stanzas.
    """
    fixed = _read_exactly(source, _FIXED.size)
    if len(fixed) < _FIXED.size:
        raise HeaderError("too short to be an envelope")
    magic, version, chunk_log2, count = _FIXED.unpack(fixed)
    if magic != MAGIC:
        raise HeaderError("not a Resguardo envelope (wrong magic)")
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedVersionError(f"envelope version {version} is not supported")
    if chunk_log2 != CHUNK_LOG2 and not (version == 2 and chunk_log2 == SMALL_CHUNK_LOG2):
        raise HeaderError("unsupported chunk size")
    if not 1 <= count <= MAX_RECIPIENTS:
        raise HeaderError("the recipient count is out of range")
    return fixed, version, count


def read_body_v1(fixed: bytes, count: int, source: BinaryIO) -> Header:
    """Read the rest of a v1 header after :func:`read_fixed`.

    :raises HeaderError: if it is cut short or a fingerprint repeats.
    """
    body = _read_exactly(source, STANZA_SIZE * count + STREAM_HEADER_SIZE)
    if len(body) < STANZA_SIZE * count + STREAM_HEADER_SIZE:
        raise HeaderError("the header is cut short")
    stanzas = []
    for index in range(count):
        raw = body[index * STANZA_SIZE : (index + 1) * STANZA_SIZE]
        stanzas.append(Stanza(Fingerprint(raw[: Fingerprint.SIZE]), raw[Fingerprint.SIZE :]))
    if len({stanza.fingerprint for stanza in stanzas}) != count:
        raise HeaderError("a recipient appears twice")
    return Header(
        version=VERSION,
        stanzas=tuple(stanzas),
        stream_header=body[STANZA_SIZE * count :],
        raw=fixed + body,
    )


def payload_chunks(size: int, recipient_count: int) -> int:
    """Number of sealed chunks ``N`` of an envelope of ``size`` bytes with that many stanzas.

    A valid envelope is exactly ``header_size(n) + N * 65553`` bytes with
    ``N >= 1`` and ``padme(N) == N`` (docs/FORMAT.md, "Sizes"); this is the
    length rule a reader without a secret key can check.

    :raises SizeError: if ``size`` is not such a length.
    :raises ValueError: if ``recipient_count`` is not 1..64.
    """
    if not 1 <= recipient_count <= MAX_RECIPIENTS:
        raise ValueError(f"recipient_count must be 1..{MAX_RECIPIENTS}")
    payload = size - header_size(recipient_count)
    if payload < SEALED_CHUNK_SIZE or payload % SEALED_CHUNK_SIZE:
        raise SizeError("the envelope is not a header followed by whole chunks")
    chunks = payload // SEALED_CHUNK_SIZE
    if padme(chunks) != chunks:
        raise SizeError("the envelope's chunk count is not padded")
    return chunks


def unwrap_v1(header: Header, identities: Iterable) -> bytes:
    """The content key of a v1 ``header`` for the first identity that is a recipient.

    X-Wing identities are skipped: v1 has no X-Wing stanzas.

    :raises NoMatchingKeyError: if no identity is a recipient.
    :raises HeaderError: if the identity's stanza does not open.
    """
    by_fingerprint = {stanza.fingerprint: stanza for stanza in header.stanzas}
    for identity in identities:
        stanza = by_fingerprint.get(identity.fingerprint)
        if stanza is None or identity.kind != "x25519":
            continue
        try:
            key = nacl.public.SealedBox(identity.nacl).decrypt(stanza.sealed_key)
        except nacl.exceptions.CryptoError as exc:
            raise HeaderError("the stanza addressed to this key is corrupt") from exc
        if len(key) != KEY_SIZE:
            raise HeaderError("the stanza addressed to this key is malformed")
        return key
    raise NoMatchingKeyError("none of these keys is a recipient of this envelope")


def seal(content: bytes, recipients: Sequence[PublicKey]) -> bytes:
    """Seal ``content`` in memory; return the whole envelope (see :class:`EnvelopeWriter`)."""
    sink = io.BytesIO()
    with EnvelopeWriter(recipients, sink) as writer:
        writer.write(content)
    return sink.getvalue()

"""Envelope v2: X-Wing (post-quantum hybrid) and X25519 stanzas, a key-committing
header and a signed payload.

Scheme (docs/FORMAT.md, "Envelope v2", is normative; this is a summary)::

    header  = "RESGUARD" || 0x02 || chunk_log2 (14 or 16) || count (u16 BE)
              || count * ( type[1] || body_len (u16 BE) || fingerprint[32] || body[body_len] )
              || commitment[32] || verify_key[32] || secretstream_header[24]
    type 1 (X25519): body = crypto_box_seal(file_key)                       (80 bytes)
    type 2 (X-Wing): body = ct[1120] || XChaCha20-Poly1305(file_key)         (1168 bytes)
              with ss = X-Wing.Encaps(pk), wrap_key = BLAKE2b-256(key=ss, WRAP_LABEL || fingerprint),
              nonce 0 (the wrap key is used once)
    commitment  = BLAKE2b-256(key=file_key, COMMIT_LABEL)
    payload_key = BLAKE2b-256(key=file_key, PAYLOAD_LABEL)
    ad          = BLAKE2b-256(HEADER_LABEL_V2 || header)
    payload     = padded secretstream chunks under payload_key, each with ad (keys.stream):
                  content of at most 16380 bytes in ONE chunk of 16 KiB (chunk_log2 14),
                  larger content in Padmé-padded 64 KiB chunks (chunk_log2 16)
    signature   = Ed25519(sign_key, SIGN_LABEL || ad || BLAKE2b-256(all sealed chunks))   (64 bytes)

The file key is random per envelope; ``verify_key`` is the public half of an
Ed25519 key made for this one envelope and thrown away once it is signed.
Every reader checks the commitment before decrypting, so all recipients open
the same content (a BLAKE2b collision would be needed otherwise), and checks
the signature at the end, so a recipient who learnt the file key cannot put
another payload under the same header. Envelopes stay sender-anonymous.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import struct
from dataclasses import dataclass
from typing import BinaryIO, Iterable, Sequence

import nacl.bindings as sodium
import nacl.exceptions
import nacl.public
import nacl.signing
import nacl.utils

from . import xwing
from .envelope import _FIXED, MAGIC, MAX_RECIPIENTS, check_recipients
from .errors import (
    CommitmentError,
    HeaderError,
    NoMatchingKeyError,
    SignatureError,
    SizeError,
    StanzaLengthError,
    UnknownStanzaError,
)
from .fingerprint import Fingerprint
from .padding import padme
from .reviewer import PublicKey
from .stream import (
    CHUNK_LOG2 as BIG_CHUNK_LOG2,
    KEY_SIZE,
    SEALED_CHUNK_SIZE,
    SMALL_CHUNK_LOG2,
    STREAM_HEADER_SIZE,
    StreamSealer,
    _read_exactly,
    chunk_count,
    SMALL_DATA,
    sealed_chunk_size,
    v2_chunk_log2,
)
from .xwing import XWingPublicKey

VERSION = 2
HEADER_LABEL = b"resguardo/v2/header\x00"
COMMIT_LABEL = b"resguardo/v2/commitment\x00"
PAYLOAD_LABEL = b"resguardo/v2/payload-key\x00"
WRAP_LABEL = b"resguardo/v2/xwing-wrap\x00"
SIGN_LABEL = b"resguardo/v2/signature\x00"

STANZA_X25519 = 0x01
STANZA_XWING = 0x02
KINDS = {STANZA_X25519: "x25519", STANZA_XWING: "xwing"}
TYPES = {kind: code for code, kind in KINDS.items()}
WRAPPED_KEY_SIZE = KEY_SIZE + 16  # XChaCha20-Poly1305: key + tag
BODY_SIZE = {
    "x25519": KEY_SIZE + sodium.crypto_box_SEALBYTES,  # 80
    "xwing": xwing.CIPHERTEXT_SIZE + WRAPPED_KEY_SIZE,  # 1168
}
_STANZA_HEAD = struct.Struct(">BH")  # type, body length
COMMITMENT_SIZE = 32
VERIFY_KEY_SIZE = 32
TAIL_SIZE = COMMITMENT_SIZE + VERIFY_KEY_SIZE + STREAM_HEADER_SIZE  # 88
SIGNATURE_SIZE = 64
_ZERO_NONCE = bytes(24)


def kdf(key: bytes, message: bytes) -> bytes:
    """``BLAKE2b-256(key=key, message)``: libsodium ``crypto_generichash(32, message, key)``."""
    return hashlib.blake2b(message, digest_size=32, key=key).digest()


def header_hash(raw_header: bytes) -> bytes:
    """``ad = BLAKE2b-256(HEADER_LABEL || raw_header)``, unkeyed: 32 bytes."""
    return hashlib.blake2b(HEADER_LABEL + raw_header, digest_size=32).digest()


def stanza_size(kind: str) -> int:
    """Bytes of one stanza of key type ``kind`` (``"x25519"``: 115, ``"xwing"``: 1203).

    :raises ValueError: for an unknown kind.
    """
    if kind not in BODY_SIZE:
        raise ValueError(f"unknown key kind {kind!r}")
    return _STANZA_HEAD.size + Fingerprint.SIZE + BODY_SIZE[kind]


def header_size(kinds: Sequence[str]) -> int:
    """Bytes of a v2 header with one stanza per entry of ``kinds``: ``12 + sum(stanza) + 88``."""
    return _FIXED.size + sum(stanza_size(kind) for kind in kinds) + TAIL_SIZE


def envelope_size(content_size: int, kinds: Sequence[str]) -> int:
    """Exact bytes of a v2 envelope as :class:`EnvelopeWriterV2` writes it: header,
    chunks (one 16 KiB chunk for at most 16380 content bytes, else Padmé-padded
    64 KiB chunks; docs/FORMAT.md "V2 padding"), 64-byte signature.

    E.g. one X-Wing recipient: 0..16380 bytes -> 17768; 16381..65532 -> 66920.
    """
    chunk_log2 = v2_chunk_log2(content_size)
    return header_size(kinds) + chunk_count(content_size, chunk_log2) * sealed_chunk_size(chunk_log2) + SIGNATURE_SIZE


def payload_layout(size: int, kinds: Sequence[str]) -> tuple[int, int]:
    """``(chunk_log2, N)`` of a v2 envelope of ``size`` bytes with these stanza kinds.

    :raises SizeError: unless ``size = header_size(kinds) + 16401 + 64`` (a
        small envelope: ``(14, 1)``) or ``header_size(kinds) + N * 65553 + 64``
        with ``N >= 1`` and ``padme(N) == N`` (``(16, N)``).
    :raises ValueError: if ``kinds`` has no or more than 64 entries, or an unknown kind.
    """
    if not 1 <= len(kinds) <= MAX_RECIPIENTS:
        raise ValueError(f"a v2 envelope has 1..{MAX_RECIPIENTS} stanzas")
    payload = size - header_size(kinds) - SIGNATURE_SIZE
    if payload == sealed_chunk_size(SMALL_CHUNK_LOG2):
        return SMALL_CHUNK_LOG2, 1
    if payload < SEALED_CHUNK_SIZE or payload % SEALED_CHUNK_SIZE:
        raise SizeError("the envelope is not a header, whole chunks and a signature")
    chunks = payload // SEALED_CHUNK_SIZE
    if padme(chunks) != chunks:
        raise SizeError("the envelope's chunk count is not padded")
    return BIG_CHUNK_LOG2, chunks


def payload_chunks(size: int, kinds: Sequence[str]) -> int:
    """Number of sealed chunks ``N`` of a v2 envelope of ``size`` bytes (see :func:`payload_layout`).

    :raises SizeError: if ``size`` is no v2 envelope length for these kinds.
    :raises ValueError: if ``kinds`` has no or more than 64 entries, or an unknown kind.
    """
    return payload_layout(size, kinds)[1]


@dataclass(frozen=True)
class StanzaV2:
    """One v2 recipient stanza: key type, recipient fingerprint, wrapped file key."""

    kind: str
    fingerprint: Fingerprint
    body: bytes


@dataclass(frozen=True)
class HeaderV2:
    """A parsed v2 header; ``raw`` is the exact bytes ``ad`` is computed over."""

    version: int
    stanzas: tuple[StanzaV2, ...]
    commitment: bytes
    verify_key: bytes
    stream_header: bytes
    raw: bytes

    @property
    def chunk_log2(self) -> int:
        """16 (64 KiB chunks) or 14 (a small envelope: one 16 KiB chunk)."""
        return self.raw[9]

    @property
    def recipients(self) -> tuple[Fingerprint, ...]:
        """The fingerprints the envelope is sealed to, in stanza order."""
        return tuple(stanza.fingerprint for stanza in self.stanzas)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The stanzas' key kinds (``"x25519"`` or ``"xwing"``), in order."""
        return tuple(stanza.kind for stanza in self.stanzas)

    @property
    def post_quantum(self) -> bool:
        """True if every stanza is X-Wing (no recipient is X25519 only)."""
        return all(kind == "xwing" for kind in self.kinds)

    @property
    def ad(self) -> bytes:
        """The 32-byte associated data bound to every payload chunk."""
        return header_hash(self.raw)


def read_body(fixed: bytes, count: int, source: BinaryIO) -> HeaderV2:
    """Read the rest of a v2 header after :func:`keys.envelope.read_fixed`.

    :raises UnknownStanzaError: for a stanza type other than 1 or 2.
    :raises StanzaLengthError: for a body length other than its type's.
    :raises HeaderError: if the header is cut short or a fingerprint repeats.
    """
    parts = [fixed]
    stanzas = []
    for _ in range(count):
        head = _read_exactly(source, _STANZA_HEAD.size)
        if len(head) < _STANZA_HEAD.size:
            raise HeaderError("the header is cut short")
        code, length = _STANZA_HEAD.unpack(head)
        if code not in KINDS:
            raise UnknownStanzaError(f"stanza type {code} is not known")
        kind = KINDS[code]
        if length != BODY_SIZE[kind]:
            raise StanzaLengthError(f"a {kind} stanza is {BODY_SIZE[kind]} bytes, not {length}")
        rest = _read_exactly(source, Fingerprint.SIZE + length)
        if len(rest) < Fingerprint.SIZE + length:
            raise HeaderError("the header is cut short")
        parts += [head, rest]
        stanzas.append(StanzaV2(kind, Fingerprint(rest[: Fingerprint.SIZE]), rest[Fingerprint.SIZE :]))
    tail = _read_exactly(source, TAIL_SIZE)
    if len(tail) < TAIL_SIZE:
        raise HeaderError("the header is cut short")
    if len({stanza.fingerprint for stanza in stanzas}) != count:
        raise HeaderError("a recipient appears twice")
    return HeaderV2(
        version=VERSION,
        stanzas=tuple(stanzas),
        commitment=tail[:COMMITMENT_SIZE],
        verify_key=tail[COMMITMENT_SIZE : COMMITMENT_SIZE + VERIFY_KEY_SIZE],
        stream_header=tail[COMMITMENT_SIZE + VERIFY_KEY_SIZE :],
        raw=b"".join(parts) + tail,
    )


def _wrap(key, file_key: bytes) -> bytes:
    fingerprint = key.fingerprint.raw
    if key.kind == "x25519":
        body = nacl.public.SealedBox(key.nacl).encrypt(file_key)
    else:
        shared, ciphertext = xwing.encapsulate(key.raw)
        wrap_key = kdf(shared, WRAP_LABEL + fingerprint)
        body = ciphertext + sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
            file_key, None, _ZERO_NONCE, wrap_key
        )
    return _STANZA_HEAD.pack(TYPES[key.kind], len(body)) + fingerprint + body


def _unwrap_stanza(stanza: StanzaV2, identity) -> bytes:
    if stanza.kind != identity.kind:
        raise HeaderError("the stanza addressed to this key has the wrong type")
    try:
        if stanza.kind == "x25519":
            return nacl.public.SealedBox(identity.nacl).decrypt(stanza.body)
        shared = identity.decapsulate(stanza.body[: xwing.CIPHERTEXT_SIZE])
        wrap_key = kdf(shared, WRAP_LABEL + stanza.fingerprint.raw)
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            stanza.body[xwing.CIPHERTEXT_SIZE :], None, _ZERO_NONCE, wrap_key
        )
    except (nacl.exceptions.CryptoError, xwing.XWingError) as exc:
        raise HeaderError("the stanza addressed to this key is corrupt") from exc


def unwrap(header: HeaderV2, identities: Iterable) -> bytes:
    """The file key of ``header`` for the first identity that is a recipient,
    checked against the header's commitment.

    ``identities`` are :class:`keys.SecretKey` or :class:`keys.XWingSecretKey`.

    :raises NoMatchingKeyError: if no identity is a recipient.
    :raises HeaderError: if the stanza for the identity does not open (no
        other identity is then tried).
    :raises CommitmentError: if the file key does not match the commitment.
    """
    by_fingerprint = {stanza.fingerprint: stanza for stanza in header.stanzas}
    for identity in identities:
        stanza = by_fingerprint.get(identity.fingerprint)
        if stanza is None:
            continue
        file_key = _unwrap_stanza(stanza, identity)
        if not hmac.compare_digest(kdf(file_key, COMMIT_LABEL), header.commitment):
            raise CommitmentError("the content key does not match the header's commitment")
        return file_key
    raise NoMatchingKeyError("none of these keys is a recipient of this envelope")


def signed_message(ad: bytes, chunks_hash: bytes) -> bytes:
    """What the writer signs: ``SIGN_LABEL || ad || BLAKE2b-256(sealed chunks)``."""
    return SIGN_LABEL + ad + chunks_hash


def verify_signature(header: HeaderV2, chunks_hash: bytes, signature: bytes) -> None:
    """Check the envelope's trailing signature.

    :raises SignatureError: if it is not the header's writer's signature over
        these chunks (libsodium ``crypto_sign_verify_detached``).
    """
    try:
        nacl.signing.VerifyKey(header.verify_key).verify(signed_message(header.ad, chunks_hash), signature)
    except nacl.exceptions.CryptoError as exc:
        raise SignatureError("the payload is not the one this envelope's writer signed") from exc


class _HashingSink:
    def __init__(self, sink: BinaryIO, digest) -> None:
        self._sink = sink
        self._digest = digest

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        return self._sink.write(data)


class EnvelopeWriterV2:
    """Streams one v2 envelope to ``sink`` (any object with ``write(bytes)``).

    :meth:`write` content in pieces, then :meth:`close` once (which writes
    the last chunks and the signature). The header names the chunk size, so
    it is written once that is known: when the content passes 16380 bytes
    (64 KiB chunks) or at :meth:`close` (one 16 KiB chunk); until then the
    content waits in memory. Memory use is one 64 KiB chunk. Recipients may mix X25519
    (:class:`keys.PublicKey`) and X-Wing (:class:`keys.XWingPublicKey`) keys;
    duplicates are sealed to once.

    :raises ValueError: with no recipients or more than 64, or an X-Wing key
        that does not encapsulate.
    :raises LowOrderKeyError: for an X-Wing key whose X25519 part is low-order.
    :raises TypeError: if a recipient is not a key object.
    """

    def __init__(self, recipients: Sequence, sink: BinaryIO) -> None:
        keys = check_recipients(recipients, (PublicKey, XWingPublicKey))
        file_key = nacl.utils.random(KEY_SIZE)
        self._signer = nacl.signing.SigningKey.generate()
        sealer = StreamSealer(kdf(file_key, PAYLOAD_LABEL))
        self._count = len(keys)
        self._body = b"".join(
            [_wrap(key, file_key) for key in keys]
            + [kdf(file_key, COMMIT_LABEL), bytes(self._signer.verify_key), sealer.stream_header]
        )
        self._ad = b""
        self._chunks = hashlib.blake2b(digest_size=32)
        self._sink = sink
        self._sealer = sealer
        self._started = False
        self._header_size = _FIXED.size + len(self._body)
        self.kinds = tuple(key.kind for key in keys)
        """The stanzas' key kinds, in order."""
        self._closed = False

    def _start(self, chunk_log2: int) -> None:
        raw = _FIXED.pack(MAGIC, VERSION, chunk_log2, self._count) + self._body
        self._ad = header_hash(raw)
        self._sink.write(raw)
        self._sealer.start(self._ad, _HashingSink(self._sink, self._chunks), chunk_log2)
        self._started = True

    @property
    def header_size(self) -> int:
        """Bytes of the header written."""
        return self._header_size

    @property
    def post_quantum(self) -> bool:
        """True if every recipient is an X-Wing key."""
        return all(kind == "xwing" for kind in self.kinds)

    @property
    def content_size(self) -> int:
        """Plaintext bytes written so far."""
        return self._sealer.content_size

    def write(self, data: bytes) -> int:
        """Add ``data`` to the content; return ``len(data)``."""
        if self._closed:
            raise ValueError("write to a closed envelope")
        if not self._started and self._sealer.content_size + len(data) > SMALL_DATA:
            self._start(BIG_CHUNK_LOG2)
        self._sealer.write(bytes(data))
        return len(data)

    def close(self) -> int:
        """Write the last chunks and the signature; return the envelope's size in bytes."""
        if self._closed:
            raise ValueError("envelope already closed")
        self._closed = True
        if not self._started:
            self._start(SMALL_CHUNK_LOG2)
        chunks = self._sealer.finish()
        message = signed_message(self._ad, self._chunks.digest())
        self._sink.write(self._signer.sign(message).signature)
        self._signer = None
        return envelope_size(self._sealer.content_size, self.kinds)

    def __enter__(self) -> "EnvelopeWriterV2":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None and not self._closed:
            self.close()


def seal_v2(content: bytes, recipients: Sequence) -> bytes:
    """Seal ``content`` in memory as a v2 envelope (see :class:`EnvelopeWriterV2`)."""
    sink = io.BytesIO()
    with EnvelopeWriterV2(recipients, sink) as writer:
        writer.write(content)
    return sink.getvalue()

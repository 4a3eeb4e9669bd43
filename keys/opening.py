"""Reading envelopes of every supported version (v1 and v2).

The version byte picks the header parser (:mod:`keys.envelope` for v1,
:mod:`keys.envelope2` for v2); the payload is the same padded secretstream
(:mod:`keys.stream`) in both, plus a trailing signature in v2. Unknown
versions fail with :class:`~keys.errors.UnsupportedVersionError`.
"""

from __future__ import annotations

import hashlib
import io
from typing import BinaryIO, Iterator, Sequence, Union

from . import envelope, envelope2
from .envelope import Header
from .envelope2 import HeaderV2
from .errors import RecipientMismatchError, SizeError
from .fingerprint import Fingerprint
from .stream import StreamOpener, _read_exactly, sealed_chunk_size

AnyHeader = Union[Header, HeaderV2]


def read_header(source: BinaryIO) -> AnyHeader:
    """Read and check an envelope header of any supported version from ``source``,
    leaving it at the payload.

    :returns: a :class:`keys.envelope.Header` (v1) or :class:`keys.envelope2.HeaderV2`.
    :raises UnsupportedVersionError: for a version other than 1 or 2.
    :raises UnknownStanzaError, StanzaLengthError: for a malformed v2 stanza.
    :raises HeaderError: for any other malformed header (docs/FORMAT.md, readers).
    """
    fixed, version, count = envelope.read_fixed(source)
    if version == envelope.VERSION:
        return envelope.read_body_v1(fixed, count, source)
    return envelope2.read_body(fixed, count, source)


def header_kinds(header: AnyHeader) -> tuple[str, ...]:
    """The key kind of each stanza (v1 stanzas are all ``"x25519"``)."""
    if isinstance(header, HeaderV2):
        return header.kinds
    return ("x25519",) * len(header.stanzas)


def check_structure(
    source: BinaryIO, size: int, recipients: Sequence[Fingerprint] | None = None
) -> AnyHeader:
    """Check what can be checked of an envelope without a secret key.

    Reads the header from ``source`` (positioned at the envelope's start) and
    checks it as :func:`read_header` does, then the length rule for the total
    ``size`` in bytes (v1: :func:`keys.envelope.payload_chunks`, v2:
    :func:`keys.envelope2.payload_chunks`), then, if ``recipients`` is given,
    that the stanzas name exactly those fingerprints in that order. For v2 it
    then reads the whole payload and checks the writer's signature over it
    (no secret key is needed for that). The payload is not decrypted: a
    structurally valid envelope may still fail to open.

    :returns: the parsed header.
    :raises UnsupportedVersionError, HeaderError: for a bad header.
    :raises SizeError: if ``size`` breaks the length rule.
    :raises RecipientMismatchError: if the recipients differ from ``recipients``.
    :raises SignatureError: (v2) if the signature does not verify.
    """
    header = read_header(source)
    if isinstance(header, HeaderV2):
        chunk_log2, chunks = envelope2.payload_layout(size, header.kinds)
        if chunk_log2 != header.chunk_log2:
            raise SizeError("the envelope's length does not fit the chunk size its header names")
    else:
        envelope.payload_chunks(size, len(header.stanzas))
    if recipients is not None and header.recipients != tuple(recipients):
        raise RecipientMismatchError("the envelope is not sealed to the expected keys")
    if isinstance(header, HeaderV2):
        digest = hashlib.blake2b(digest_size=32)
        for _ in range(chunks):
            digest.update(_read_exactly(source, sealed_chunk_size(chunk_log2)))
        envelope2.verify_signature(header, digest.digest(), _read_exactly(source, envelope2.SIGNATURE_SIZE))
    return header


class EnvelopeReader:
    """Opens one envelope (v1 or v2) from ``source`` with the first matching identity.

    ``identities`` may mix :class:`keys.SecretKey` (X25519) and
    :class:`keys.XWingSecretKey`. Construction reads the header and unwraps
    the content key (v2: and checks the key commitment); iterate to get
    content pieces (bytes), verified chunk by chunk. The end (and, in v2, the
    signature) is verified only when iteration finishes: a consumer that
    writes pieces out MUST discard them if iteration raises.

    :raises HeaderError, UnsupportedVersionError: for a bad header.
    :raises UnknownStanzaError, StanzaLengthError: for a malformed v2 stanza.
    :raises CommitmentError: (v2) if the stanza's key does not match the commitment.
    :raises NoMatchingKeyError: if no identity is a recipient.
    Iteration raises :class:`~keys.errors.PayloadError` (tampered),
    :class:`~keys.errors.TruncatedError`, :class:`~keys.errors.TrailingDataError`
    or (v2) :class:`~keys.errors.SignatureError`.
    """

    def __init__(self, source: BinaryIO, identities: Sequence) -> None:
        self.header = read_header(source)
        self._digest = None
        if isinstance(self.header, HeaderV2):
            file_key = envelope2.unwrap(self.header, identities)
            self._digest = hashlib.blake2b(digest_size=32)
            self._opener = StreamOpener(
                envelope2.kdf(file_key, envelope2.PAYLOAD_LABEL),
                self.header.ad,
                self.header.stream_header,
                source,
                trailer_size=envelope2.SIGNATURE_SIZE,
                chunk_digest=self._digest,
                chunk_log2=self.header.chunk_log2,
            )
        else:
            content_key = envelope.unwrap_v1(self.header, identities)
            self._opener = StreamOpener(content_key, self.header.ad, self.header.stream_header, source)

    def __iter__(self) -> Iterator[bytes]:
        yield from self._opener
        if self._digest is not None:
            envelope2.verify_signature(self.header, self._digest.digest(), self._opener.trailer)

    def read_into(self, sink: BinaryIO) -> int:
        """Write all content to ``sink``; return the number of content bytes."""
        total = 0
        for piece in self:
            sink.write(piece)
            total += len(piece)
        return total


def open_envelope(envelope_bytes: bytes, identities: Sequence) -> bytes:
    """Open an in-memory envelope (v1 or v2); return its content (see :class:`EnvelopeReader`)."""
    sink = io.BytesIO()
    EnvelopeReader(io.BytesIO(envelope_bytes), identities).read_into(sink)
    return sink.getvalue()

"""What the server checks of a browser-sealed envelope (it cannot open one).

Browser uploads must be envelopes **v2** (docs/FORMAT.md); v1 is refused.
Per piece, before anything is written (:func:`check_piece`):

- the piece starts where the upload ended and ends on a chunk boundary
  (``header_size(kinds) + k * 65553``, or ``+ 16401`` for a small envelope's
  one 16 KiB chunk) or at the declared end (which adds the 64-byte
  signature), within the declared size;
- the piece at offset 0 holds the whole header, which must parse
  (:func:`keys.read_header`: unknown stanza types and stanzas of the wrong
  length are refused), be version 2, name the chunk size the declared size
  implies, and name exactly the current reviewer keys, in order, with their kinds;
- every sealed chunk must look like ciphertext (:func:`looks_plain`): it must
  not compress (zlib level 1 saving more than 1 %), must not start with a
  known file signature, and neither the chunk nor any 4 KiB window of it may
  hold a share of zero bytes, printable ASCII, ASCII letters or bytes >= 0x80
  more than 12 standard deviations from what random bytes give. This refuses plaintext disguised behind a valid header, including
  compressed formats at a chunk start and readable text diluted in random
  bytes. It cannot prove ciphertext: a modified browser can still upload
  data it encrypted under a key it keeps (docs/THREAT-MODEL.md).

When the upload is complete (:func:`check_complete`): the received length is
the declared one, and :func:`keys.check_structure` passes on the stored bytes
(header, length rule, recipients, and the writer's signature over the chunks).
"""

from __future__ import annotations

import io
import zlib
from typing import Sequence

import keys
from keys.envelope2 import SIGNATURE_SIZE
from keys.padding import padme
from keys.stream import DATA_PER_CHUNK, SEALED_CHUNK_SIZE, sealed_chunk_size

MAX_PIECE_CHUNKS = 64
#: Largest accepted piece: 64 sealed chunks, the largest v2 header and the signature (about 4.3 MB).
MAX_PIECE_BYTES = MAX_PIECE_CHUNKS * SEALED_CHUNK_SIZE + keys.header_size_v2(["xwing"] * 64) + SIGNATURE_SIZE
#: A chunk is refused if zlib level 1 makes it smaller than this fraction of its size.
COMPRESSIBLE_RATIO = 0.99
WINDOW = 4096
#: How far from random a byte-class count may be, in standard deviations. Random
#: bytes go past 12 with probability below 10^-19 per test (normal and Poisson
#: tails), so a real sealed chunk is never refused by it.
SIGMAS = 12
#: File signatures refused at a chunk start: (offset, bytes) parts that must all
#: match. Each entry fixes at least 5 bytes (random bytes match it with
#: probability at most 2^-40); all of them together match a ciphertext chunk with
#: probability below 2^-37 (tests/intake/test_intake_upload.py checks the sum).
SIGNATURES = (
    ((0, b"\x89PNG\r\n\x1a\n"),),
    ((0, b"%PDF-"),),
    ((0, b"\xff\xd8\xff\xe0"), (6, b"JFIF\x00")),
    ((0, b"\xff\xd8\xff\xe1"), (6, b"Exif\x00\x00")),
    ((0, b"PK\x03\x04\x14\x00"),),
    ((0, b"PK\x03\x04\x0a\x00"),),
    ((0, b"PK\x03\x04\x2d\x00"),),
    ((0, b"\x1f\x8b\x08\x00"), (9, b"\x03")),
    ((4, b"ftyp"), (8, b"isom")),
    ((4, b"ftyp"), (8, b"mp42")),
    ((4, b"ftyp"), (8, b"heic")),
    ((4, b"ftyp"), (8, b"qt  ")),
    ((0, b"OggS\x00\x02"),),
    ((0, b"RIFF"), (8, b"WAVE")),
    ((0, b"RIFF"), (8, b"WEBP")),
    ((0, b"RIFF"), (8, b"AVI ")),
    ((0, b"7z\xbc\xaf\x27\x1c"),),
    ((0, b"Rar!\x1a\x07"),),
    ((0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),),
    ((0, b"SQLite format 3\x00"),),
    ((0, b"ID3\x03\x00"),),
    ((0, b"ID3\x04\x00"),),
)


class Refused(Exception):
    """An upload or piece is refused; ``code`` names why (see views.MESSAGES)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def content_floor(size: int, kinds: Sequence[str]) -> int:
    """The fewest plaintext bytes an envelope of ``size`` bytes can hold.

    A v2 envelope (stanzas of these ``kinds``) of ``N`` sealed chunks holds
    between this and ``N * 65532`` bytes (Padmé padding, docs/FORMAT.md "V2 sizes"), so this is what the server
    can know of a browser-sealed file's size: a limit on plaintext bytes is
    checked against it, and a file within the limit is never refused.

    :raises keys.SizeError: if ``size`` is no valid v2 envelope length.
    """
    chunks = keys.payload_chunks_v2(size, kinds)
    low, high = 1, chunks  # smallest k with padme(k) == chunks: the fewest chunks' worth of data
    while low < high:
        middle = (low + high) // 2
        if padme(middle) >= chunks:
            high = middle
        else:
            low = middle + 1
    return 0 if low == 1 else (low - 1) * DATA_PER_CHUNK + 1


def declared_size_ok(size: object, kinds: Sequence[str], limit: int) -> int:
    """Check a declared v2 envelope size for stanzas of these ``kinds``; return it.

    ``limit`` is in plaintext bytes: an envelope is too large if even the
    smallest plaintext it can hold (:func:`content_floor`) is over it.

    :raises Refused: ``"too_large"`` over ``limit``, ``"structure"`` if it is
        not an integer or not a valid v2 envelope length for those stanzas.
    """
    if type(size) is not int or size < 0:
        raise Refused("structure")
    try:
        floor = content_floor(size, kinds)
    except keys.SizeError:
        raise Refused("structure") from None
    if floor > limit:
        raise Refused("too_large")
    return size


def total_content_floor(sizes, kinds: Sequence[str]) -> int:
    """Sum of :func:`content_floor` over valid v2 envelope ``sizes`` (bytes)."""
    return sum(content_floor(size, kinds) for size in sizes)


def compresses(chunk: bytes) -> bool:
    """True if zlib level 1 saves more than 1 % of ``chunk`` (then it is not ciphertext)."""
    return len(zlib.compress(chunk, 1)) < COMPRESSIBLE_RATIO * len(chunk)


def has_signature(chunk: bytes) -> bool:
    """True if ``chunk`` starts like a known file format (:data:`SIGNATURES`)."""
    return any(
        all(chunk[at : at + len(magic)] == magic for at, magic in parts) for parts in SIGNATURES
    )


def _class_table(members) -> bytes:
    return bytes(1 if value in members else 0 for value in range(256))


#: Byte classes whose share in random bytes is known: (translate table, probability).
BYTE_CLASSES = tuple(
    (_class_table(members), len(members) / 256)
    for members in (
        {0},  # zero bytes (padding, binary structures)
        set(range(0x20, 0x7F)),  # printable ASCII (text, markup)
        set(range(0x41, 0x5B)) | set(range(0x61, 0x7B)),  # ASCII letters
        set(range(0x80, 0x100)),  # high bytes (UTF-8 continuation, binary)
    )
)


def skewed_window(chunk: bytes) -> bool:
    """True if, in the whole chunk or in any 4096-byte window of it, the count of
    one byte class (:data:`BYTE_CLASSES`) is more than :data:`SIGMAS` standard
    deviations from what random bytes give (binomial mean ``n p``, variance
    ``n p (1 - p)``)."""
    data = bytes(chunk)
    spans = [(0, len(data))] + [(at, at + WINDOW) for at in range(0, len(data) - WINDOW + 1, WINDOW)]
    for table, share in BYTE_CLASSES:
        marked = data.translate(table)
        for start, end in spans:
            size = end - start
            mean = size * share
            if abs(marked.count(1, start, end) - mean) > SIGMAS * (mean * (1 - share)) ** 0.5:
                return True
    return False


def looks_plain(chunk: bytes) -> bool:
    """True if a sealed chunk is certainly not ciphertext (see the module docstring)."""
    return has_signature(chunk) or compresses(chunk) or skewed_window(chunk)


def check_piece(offset: int, data: bytes, declared: int, recipients: Sequence) -> None:
    """Check one piece ``data`` to be appended at ``offset`` (bytes) of an upload.

    ``declared`` is the upload's declared envelope size, ``recipients`` the
    current reviewer keys (:class:`keys.PublicKey` / :class:`keys.XWingPublicKey`) in order.

    :raises Refused: ``"structure"`` (misaligned, past the declared size, bad
        or v1 header), ``"recipients"`` (sealed to other keys),
        ``"not_encrypted"`` (a chunk is certainly not ciphertext).
    """
    kinds = [key.kind for key in recipients]
    header = keys.header_size_v2(kinds)
    try:
        chunk_log2, _ = keys.payload_layout_v2(declared, kinds)
    except keys.SizeError:
        raise Refused("structure") from None
    chunk_size = sealed_chunk_size(chunk_log2)
    chunks_end = declared - SIGNATURE_SIZE
    end = offset + len(data)
    aligned = end >= header and (end - header) % chunk_size == 0 and end <= chunks_end
    if not data or end > declared or not (aligned or end == declared):
        raise Refused("structure")
    if offset == 0:
        try:
            parsed = keys.read_header(io.BytesIO(data[:header]))
        except keys.HeaderError:
            raise Refused("structure") from None
        if parsed.version != 2 or parsed.chunk_log2 != chunk_log2:
            raise Refused("structure")
        if parsed.recipients != tuple(key.fingerprint for key in recipients) or parsed.kinds != tuple(kinds):
            raise Refused("recipients")
        start = header
    elif offset < header or (offset - header) % chunk_size:
        raise Refused("structure")
    else:
        start = 0
    view = memoryview(data)[: len(data) - max(0, end - chunks_end)]
    for at in range(start, len(view), chunk_size):
        if looks_plain(view[at : at + chunk_size]):
            raise Refused("not_encrypted")


def check_complete(source, received: int, declared: int, recipients: Sequence) -> None:
    """Check a finished upload read from ``source`` (at its start), ``received`` bytes long.

    ``recipients`` are the current reviewer keys, in order.

    :raises Refused: ``"incomplete"`` if fewer or more bytes than declared
        arrived; ``"recipients"`` or ``"structure"`` (also for a v1 envelope
        or a bad signature) from :func:`keys.check_structure`.
    """
    if received != declared:
        raise Refused("incomplete")
    try:
        header = keys.check_structure(source, received, [key.fingerprint for key in recipients])
    except keys.RecipientMismatchError:
        raise Refused("recipients") from None
    except (keys.HeaderError, keys.SignatureError):
        raise Refused("structure") from None
    if header.version != 2:
        raise Refused("structure")

"""What the server checks of a browser-sealed envelope (it cannot open one).

Per piece, before anything is written (:func:`check_piece`):

- the piece starts where the upload ended and ends on a chunk boundary
  (``header_size(n) + k * 65553`` for the current reviewer count ``n``),
  within the declared size;
- the piece at offset 0 holds the whole header, which must parse
  (:func:`keys.read_header`) and name exactly the current reviewer keys;
- no sealed chunk compresses: zlib at level 1 must not save more than 1 % of
  a 65 553-byte chunk. Real ciphertext is indistinguishable from random bytes
  and never compresses; plaintext (text, PDF, most images' metadata) does.
  This refuses a plaintext body disguised behind a valid header: the server
  never trusts an "already encrypted" claim.

When the upload is complete (:func:`check_complete`): the received length is
the declared one, and :func:`keys.check_structure` passes on the stored bytes
(header, length rule ``header_size(n) + N * 65553`` with ``padme(N) == N``,
recipients exactly the current reviewer keys, in order).
"""

from __future__ import annotations

import io
import zlib
from typing import Sequence

import keys
from keys.padding import padme
from keys.stream import DATA_PER_CHUNK, SEALED_CHUNK_SIZE

MAX_PIECE_CHUNKS = 64
#: Largest accepted piece: 64 sealed chunks plus the largest header (bytes, about 4.2 MB).
MAX_PIECE_BYTES = MAX_PIECE_CHUNKS * SEALED_CHUNK_SIZE + keys.header_size(64)
#: A chunk is refused if zlib level 1 makes it smaller than this fraction of its size.
COMPRESSIBLE_RATIO = 0.99


class Refused(Exception):
    """An upload or piece is refused; ``code`` names why (see views.MESSAGES)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def content_floor(size: int, recipient_count: int) -> int:
    """The fewest plaintext bytes an envelope of ``size`` bytes can hold.

    An envelope of ``N`` sealed chunks holds between this and ``N * 65532``
    bytes (Padmé padding, docs/FORMAT.md "Sizes"), so this is what the server
    can know of a browser-sealed file's size: a limit on plaintext bytes is
    checked against it, and a file within the limit is never refused.

    :raises keys.SizeError: if ``size`` is no valid envelope length.
    """
    chunks = keys.payload_chunks(size, recipient_count)
    low, high = 1, chunks  # smallest k with padme(k) == chunks: the fewest chunks' worth of data
    while low < high:
        middle = (low + high) // 2
        if padme(middle) >= chunks:
            high = middle
        else:
            low = middle + 1
    return 0 if low == 1 else (low - 1) * DATA_PER_CHUNK + 1


def declared_size_ok(size: object, recipient_count: int, limit: int) -> int:
    """Check a declared envelope size; return it.

    ``limit`` is in plaintext bytes: an envelope is too large if even the
    smallest plaintext it can hold (:func:`content_floor`) is over it.

    :raises Refused: ``"too_large"`` over ``limit``, ``"structure"`` if it is
        not an integer or not a valid envelope length for ``recipient_count``
        stanzas.
    """
    if type(size) is not int or size < 0:
        raise Refused("structure")
    try:
        floor = content_floor(size, recipient_count)
    except keys.SizeError:
        raise Refused("structure") from None
    if floor > limit:
        raise Refused("too_large")
    return size


def total_content_floor(sizes, recipient_count: int) -> int:
    """Sum of :func:`content_floor` over valid envelope ``sizes`` (bytes)."""
    return sum(content_floor(size, recipient_count) for size in sizes)


def compresses(chunk: bytes) -> bool:
    """True if zlib level 1 saves more than 1 % of ``chunk`` (then it is not ciphertext)."""
    return len(zlib.compress(chunk, 1)) < COMPRESSIBLE_RATIO * len(chunk)


def check_piece(
    offset: int, data: bytes, declared: int, recipients: Sequence[keys.Fingerprint]
) -> None:
    """Check one piece ``data`` to be appended at ``offset`` (bytes) of an upload.

    ``declared`` is the upload's declared envelope size, ``recipients`` the
    current reviewer fingerprints in order.

    :raises Refused: ``"structure"`` (misaligned, past the declared size, bad
        header), ``"recipients"`` (sealed to other keys), ``"not_encrypted"``
        (a chunk compresses).
    """
    header = keys.header_size(len(recipients))
    end = offset + len(data)
    if not data or end > declared or end < header or (end - header) % SEALED_CHUNK_SIZE:
        raise Refused("structure")
    if offset == 0:
        try:
            parsed = keys.read_header(io.BytesIO(data[:header]))
        except keys.HeaderError:
            raise Refused("structure") from None
        if parsed.recipients != tuple(recipients):
            raise Refused("recipients")
        start = header
    elif offset < header or (offset - header) % SEALED_CHUNK_SIZE:
        raise Refused("structure")
    else:
        start = 0
    view = memoryview(data)
    for at in range(start, len(data), SEALED_CHUNK_SIZE):
        if compresses(view[at : at + SEALED_CHUNK_SIZE]):
            raise Refused("not_encrypted")


def check_complete(source, received: int, declared: int, recipients: Sequence[keys.Fingerprint]) -> None:
    """Check a finished upload read from ``source`` (at its start), ``received`` bytes long.

    :raises Refused: ``"incomplete"`` if fewer or more bytes than declared
        arrived, ``"recipients"`` or ``"structure"`` from
        :func:`keys.check_structure`.
    """
    if received != declared:
        raise Refused("incomplete")
    try:
        keys.check_structure(source, received, recipients)
    except keys.RecipientMismatchError:
        raise Refused("recipients") from None
    except keys.HeaderError:
        raise Refused("structure") from None

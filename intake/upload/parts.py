"""Partial envelopes uploaded piece by piece, kept as pending blobs in the database.

An upload is a pending :class:`~intake.models.Blob` row whose id is the item
id it will be stored under (:func:`item_id_for`), owned by one browser
upload session (:mod:`intake.upload.sessions`) and carrying the size the
browser declared. Its chunk rows are appended at exactly its current end
(:func:`intake.storage.append_chunks`: a conditional UPDATE of the row's
size decides which of two racing requests for one offset wins), each piece
in one transaction that has committed before the new size is answered, so an
acknowledged byte survives a crash of the app (a power cut may lose the last
pieces: the browser asks ``GET /upload/<id>`` and resumes from what is there;
the submit's own commit is fully durable and flushes every piece before it). Only ciphertext is written here;
:mod:`intake.upload.checks` refuses anything that looks like plaintext
before it is appended.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select

from ..models import Blob
from ..storage import BlobStore, OffsetMismatch, append_chunks, is_id

__all__ = ["ITEM_LABEL", "OffsetMismatch", "Part", "ReceivedBlob", "item_id_for"]

ITEM_LABEL = b"resguardo/v1/upload-item\x00"
HASH_BLOCK = 1024 * 1024


def item_id_for(upload_id: str, secret: str | bytes) -> str:
    """The item id an upload is stored under (32 hex), also its pending blob's id.

    A keyed hash of the upload id under the app secret, so the database never
    holds the upload id (the bearer capability the browser sends), and the
    stored item's name does not reveal it.
    """
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, ITEM_LABEL + upload_id.encode("ascii"), hashlib.sha256).hexdigest()[:32]


class Part:
    """One partial envelope: the pending blob ``item_id`` owned by upload session ``owner``.

    :raises ValueError: if ``item_id`` is not a 32-hex id.
    """

    def __init__(self, store: BlobStore, item_id: str, owner: str) -> None:
        if not is_id(item_id):
            raise ValueError("not an item id")
        self.store = store
        self.id = item_id
        self.owner = owner

    def declared(self) -> int | None:
        """The declared size (bytes) if this session's pending upload exists, else None."""
        with self.store.engine.connect() as connection:
            return connection.execute(
                select(Blob.declared).where(
                    Blob.id == self.id, Blob.owner == self.owner, Blob.complete.is_(False)
                )
            ).scalar()

    def received(self) -> int:
        """Bytes received so far. :raises FileNotFoundError: if the part is gone."""
        return self.store.size(self.id)

    def append(self, offset: int, data: bytes) -> int:
        """Append ``data`` if ``offset`` equals the bytes received; return the new size.

        :raises OffsetMismatch: if ``offset`` is not the current end (nothing written).
        :raises FileNotFoundError: if the part is gone (expired or submitted).
        """
        with self.store.writer.begin() as connection:
            return append_chunks(connection, self.id, offset, data)

    def open(self):
        """Open the part for reading (binary stream)."""
        return self.store.open(self.id)

    def sha256(self) -> str:
        """SHA-256 (64 hex) of the bytes received so far, read once in blocks.
        :raises FileNotFoundError: if the part is gone."""
        digest = hashlib.sha256()
        with self.open() as handle:
            while block := handle.read(HASH_BLOCK):
                digest.update(block)
        return digest.hexdigest()

    def holds(self, data: bytes) -> bool:
        """True if the part is declared and received at exactly ``len(data)`` bytes
        and those bytes are ``data`` (SHA-256 compared in constant time); False
        if it differs or is gone."""
        try:
            if self.declared() != len(data) or self.received() != len(data):
                return False
            stored = self.sha256()
        except FileNotFoundError:
            return False
        return hmac.compare_digest(stored, hashlib.sha256(data).hexdigest())

    def discard(self) -> None:
        """Delete the part if it is still pending."""
        self.store.delete(self.id, pending_only=True)


class ReceivedBlob:
    """A complete uploaded envelope, about to be stored as item ``part.id``.

    Satisfies :class:`intake.submission.DurableBlob`: ``size`` and ``sha256``
    are of the envelope bytes, computed by reading the part once; its bytes
    are durable already, so :meth:`commit` has nothing left to write.
    """

    def __init__(self, part: Part) -> None:
        self.part = part
        self.id = part.id
        self.size = part.received()
        self._sha256 = part.sha256()
        self.committed = False

    @property
    def sha256(self) -> str:
        return self._sha256

    def commit(self) -> None:
        """Nothing to write: every piece committed when it was appended."""
        self.committed = True

    def discard(self) -> None:
        """Delete the envelope unless its submission completed it."""
        self.part.discard()
        self.committed = False

"""Partial envelopes uploaded piece by piece, kept in ``blobs/incoming/``.

A part is ``incoming/<upload id>.part`` (mode 0600), created empty when the
browser declares an upload and appended to at exactly its current end. The
file's length *is* the number of bytes received: nothing about the upload is
stored anywhere else on the server (the declared size lives in the reporter's
signed session cookie). Appends take an exclusive ``flock`` so two requests
for one upload (a retry racing the original) cannot interleave, and are
``fsync``-ed before the new size is answered, so an acknowledged byte is on
disk. Only ciphertext is written here; :mod:`intake.upload.checks` refuses
anything that looks like plaintext before it is appended.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
from pathlib import Path

from ..storage import BlobStore, _fsync_dir, is_id

ITEM_LABEL = b"resguardo/v1/upload-item\x00"
HASH_BLOCK = 1024 * 1024


class OffsetMismatch(Exception):
    """An append did not start at the part's current end; ``received`` is that end."""

    def __init__(self, received: int) -> None:
        super().__init__(f"received {received}")
        self.received = received


def item_id_for(upload_id: str, secret: str | bytes) -> str:
    """The item id an upload is stored under once submitted (32 hex).

    A keyed hash of the upload id under the app secret, so the session needs
    to carry only the upload id, and the stored item's name does not reveal
    the upload id that the reporter's cookie held.
    """
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, ITEM_LABEL + upload_id.encode("ascii"), hashlib.sha256).hexdigest()[:32]


class Part:
    """One partial envelope: ``incoming/<upload_id>.part``.

    :raises ValueError: if ``upload_id`` is not a 32-hex id.
    """

    def __init__(self, store: BlobStore, upload_id: str) -> None:
        if not is_id(upload_id):
            raise ValueError("not an upload id")
        self.store = store
        self.upload_id = upload_id
        self.path = store.incoming / f"{upload_id}.part"

    def create(self) -> None:
        """Create the empty part (exclusively). :raises FileExistsError: if it exists."""
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        os.close(fd)

    def exists(self) -> bool:
        return self.path.is_file()

    def received(self) -> int:
        """Bytes received so far. :raises FileNotFoundError: if the part is gone."""
        return self.path.stat().st_size

    def append(self, offset: int, data: bytes) -> int:
        """Append ``data`` if ``offset`` equals the bytes received; return the new size.

        :raises OffsetMismatch: if ``offset`` is not the current end (nothing written).
        :raises FileNotFoundError: if the part is gone (cleaned up or submitted).
        """
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            end = os.fstat(fd).st_size
            if end != offset:
                raise OffsetMismatch(end)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
            return end + len(data)
        finally:
            os.close(fd)

    def open(self):
        """Open the part for reading (binary)."""
        return open(self.path, "rb")

    def discard(self) -> None:
        """Delete the part if present."""
        self.path.unlink(missing_ok=True)


class ReceivedBlob:
    """A complete uploaded envelope, committed into the blob store as ``item_id``.

    Satisfies :class:`intake.submission.DurableBlob`: ``size`` and ``sha256``
    are of the envelope bytes, computed by reading the part once.
    """

    def __init__(self, part: Part, item_id: str) -> None:
        self.part = part
        self.id = item_id
        self.size = part.received()
        digest = hashlib.sha256()
        with part.open() as handle:
            while block := handle.read(HASH_BLOCK):
                digest.update(block)
        self._sha256 = digest.hexdigest()
        self.committed = False

    @property
    def sha256(self) -> str:
        return self._sha256

    def commit(self) -> None:
        """fsync the part, rename it to ``<item_id>``, fsync the directory. Idempotent."""
        if self.committed:
            return
        fd = os.open(self.part.path, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        target: Path = self.part.store.path(self.id)
        if target.exists():
            raise FileExistsError(f"item {self.id} already stored")
        os.rename(self.part.path, target)
        _fsync_dir(self.part.store.root)
        self.committed = True

    def discard(self) -> None:
        """Delete the envelope, committed or not."""
        if self.committed:
            self.part.store.path(self.id).unlink(missing_ok=True)
            self.committed = False
        self.part.discard()

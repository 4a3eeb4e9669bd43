"""The blob store: ciphertext envelopes in files with random names.

Layout under ``BLOB_DIR``: ``<item id>`` for stored envelopes (32 hex
digits, 128 random bits from ``secrets``) and ``incoming/<item id>.part``
while one is being written. A blob becomes visible only by an atomic
``rename`` after ``fsync`` of the file, followed by ``fsync`` of the
directory; the database row that names it commits after that. Only
ciphertext is ever written here.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from pathlib import Path
from typing import BinaryIO, Iterator

ID_BYTES = 16


def new_id() -> str:
    """A random identifier: 32 lower-case hex digits (128 bits, OS CSPRNG)."""
    return secrets.token_hex(ID_BYTES)


def is_id(text: str) -> bool:
    """True if ``text`` has the shape of an id from :func:`new_id`."""
    return len(text) == 2 * ID_BYTES and all(ch in "0123456789abcdef" for ch in text)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class PendingBlob:
    """A blob being written to ``incoming/``; :meth:`commit` or :meth:`discard` it.

    Tracks the size and SHA-256 of what is written (ciphertext).
    """

    def __init__(self, store: "BlobStore") -> None:
        self.id = new_id()
        self._store = store
        self.temp_path = store.incoming / f"{self.id}.part"
        fd = os.open(self.temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file: BinaryIO | None = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.size = 0
        self.committed = False

    def write(self, data: bytes) -> int:
        """Append ``data`` (ciphertext bytes); return its length."""
        if self._file is None:
            raise ValueError("blob already closed")
        self._file.write(data)
        self._hash.update(data)
        self.size += len(data)
        return len(data)

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes written so far."""
        return self._hash.hexdigest()

    def commit(self) -> None:
        """fsync, close and rename into place; fsync the directory. Idempotent."""
        if self.committed:
            return
        if self._file is None:
            raise ValueError("blob was discarded")
        self._file.flush()
        # Fresh mtime: `resguardo cleanup` judges a blob no row names by its
        # age, and a part that finished early in a long upload is old by now.
        os.utime(self._file.fileno())
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        os.rename(self.temp_path, self._store.path(self.id))
        _fsync_dir(self._store.root)
        self.committed = True

    def discard(self) -> None:
        """Close and delete the temporary file (or the committed blob). Never raises
        for a file that is already gone."""
        if self._file is not None:
            self._file.close()
            self._file = None
        target = self._store.path(self.id) if self.committed else self.temp_path
        target.unlink(missing_ok=True)
        self.committed = False


class BlobStore:
    """Ciphertext blobs under ``root`` (created with mode 0700 if missing)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.incoming = self.root / "incoming"
        self.incoming.mkdir(mode=0o700, parents=True, exist_ok=True)

    def path(self, blob_id: str) -> Path:
        """Where blob ``blob_id`` lives. :raises ValueError: if it is not an id."""
        if not is_id(blob_id):
            raise ValueError("not a blob id")
        return self.root / blob_id

    def new(self) -> PendingBlob:
        """Start writing a new blob."""
        return PendingBlob(self)

    def open(self, blob_id: str) -> BinaryIO:
        """Open a stored blob for reading. :raises FileNotFoundError: if absent."""
        return open(self.path(blob_id), "rb")

    def delete(self, blob_id: str) -> None:
        """Delete a stored blob if present."""
        self.path(blob_id).unlink(missing_ok=True)

    def stored_ids(self) -> Iterator[str]:
        """Ids of every committed blob."""
        for entry in self.root.iterdir():
            if entry.is_file() and is_id(entry.name):
                yield entry.name

    def stale_incoming(self, older_than_seconds: float) -> Iterator[Path]:
        """Temporary ``.part`` files not modified for ``older_than_seconds``."""
        limit = time.time() - older_than_seconds
        for entry in self.incoming.iterdir():
            if entry.suffix == ".part" and entry.stat().st_mtime < limit:
                yield entry

"""The blob store: ciphertext envelopes in the database, as chunk rows.

A blob is a ``blobs`` row (random 32-hex id) and its bytes in ``blob_chunks``
rows of at most :data:`CHUNK_BYTES` each, numbered ``seq`` = 0, 1, 2, ...
(models :class:`~intake.models.Blob`, :class:`~intake.models.BlobChunk`).
The same code serves SQLite (the embedded default) and PostgreSQL, so an app
server keeps nothing on its own disk and several can share one database.

Writing (:class:`PendingBlob`) streams: bytes are buffered up to
:data:`BATCH_BYTES` and written as one small transaction on a connection of
the blob store's own (never the request's session), so memory stays constant
whatever the size and an interrupted upload leaves only a *pending* row
(``complete`` false) that :mod:`intake.cleanup` expires. A blob becomes
``complete`` only in the transaction that commits the submission naming it
(:func:`intake.submission.store`); export and reads for reviewers only ever
see complete blobs. Only ciphertext is ever written here.

Nothing in these rows tells the time of day or the order of arrival: ids come
from the OS CSPRNG, the tables have no SQLite rowid, and the only time kept
is the hour "tick" (:func:`current_tick`, ``unix time // 3600``) of a pending
blob's last write, cleared when it completes.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import time
from typing import Iterable, Iterator

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from .models import Blob, BlobChunk

ID_BYTES = 16
#: Bytes per ``blob_chunks`` row.
CHUNK_BYTES = 64 * 1024
#: Bytes buffered before a pending blob writes a batch of chunk rows (one transaction).
BATCH_BYTES = 16 * CHUNK_BYTES
#: Seconds per tick: pending rows record ``unix time // TICK_SECONDS``.
TICK_SECONDS = 3600
READ_BATCH = 16  # chunk rows fetched per query when reading


def new_id() -> str:
    """A random identifier: 32 lower-case hex digits (128 bits, OS CSPRNG)."""
    return secrets.token_hex(ID_BYTES)


def is_id(text: str) -> bool:
    """True if ``text`` has the shape of an id from :func:`new_id`."""
    return len(text) == 2 * ID_BYTES and all(ch in "0123456789abcdef" for ch in text)


def current_tick(now: float | None = None) -> int:
    """The hour number ``unix time // 3600`` (UTC hours since 1970): the only
    clock a pending row keeps."""
    return int((time.time() if now is None else now) // TICK_SECONDS)


def _split(data: bytes | memoryview) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(view), CHUNK_BYTES):
        yield bytes(view[start : start + CHUNK_BYTES])


class OffsetMismatch(Exception):
    """An append did not start at the blob's current end; ``received`` is that end."""

    def __init__(self, received: int) -> None:
        super().__init__(f"received {received}")
        self.received = received


def append_chunks(connection: Connection, blob_id: str, offset: int, data: bytes | memoryview) -> int:
    """Append ``data`` at byte ``offset`` of pending blob ``blob_id`` in ``connection``'s transaction.

    The row's ``size`` is moved from ``offset`` to ``offset + len(data)`` by a
    conditional UPDATE first, so of two racing appends at one offset exactly
    one wins (it holds the row's write lock until its transaction ends).

    :returns: the new size in bytes.
    :raises OffsetMismatch: if ``offset`` is not the current size (nothing written).
    :raises FileNotFoundError: if no pending blob ``blob_id`` exists.
    """
    pieces = list(_split(data)) if len(data) else []
    moved = connection.execute(
        update(Blob)
        .where(Blob.id == blob_id, Blob.size == offset, Blob.complete.is_(False))
        .values(size=Blob.size + len(data), chunks=Blob.chunks + len(pieces), tick=current_tick())
    )
    if moved.rowcount != 1:
        row = connection.execute(
            select(Blob.size).where(Blob.id == blob_id, Blob.complete.is_(False))
        ).first()
        if row is None:
            raise FileNotFoundError(blob_id)
        raise OffsetMismatch(row.size)
    if pieces:
        first = connection.execute(select(Blob.chunks).where(Blob.id == blob_id)).scalar_one() - len(pieces)
        connection.execute(
            insert(BlobChunk),
            [{"blob_id": blob_id, "seq": first + index, "data": piece} for index, piece in enumerate(pieces)],
        )
    return offset + len(data)


class PendingBlob:
    """A blob being written; the submission that names it completes it.

    Tracks the size and SHA-256 of what is written (ciphertext). Satisfies
    :class:`intake.submission.DurableBlob`: :meth:`commit` writes what is
    still buffered, after which the blob is durable but still pending until
    :func:`intake.submission.store` marks it complete with its row.
    """

    def __init__(self, store: "BlobStore", blob_id: str | None = None) -> None:
        self.id = blob_id or new_id()
        self._store = store
        self._buffer = bytearray()
        self._hash = hashlib.sha256()
        self.size = 0
        self.flushed = 0
        self.committed = False
        self.closed = False
        with store.writer.begin() as connection:
            connection.execute(insert(Blob).values(id=self.id, complete=False, size=0, chunks=0, tick=current_tick()))

    def write(self, data: bytes) -> int:
        """Append ``data`` (ciphertext bytes); return its length.

        :raises ValueError: after :meth:`commit` or :meth:`discard`.
        """
        if self.closed:
            raise ValueError("blob already closed")
        self._buffer += data
        self._hash.update(data)
        self.size += len(data)
        if len(self._buffer) >= BATCH_BYTES:
            self._flush(len(self._buffer) - len(self._buffer) % CHUNK_BYTES)
        return len(data)

    def _flush(self, length: int) -> None:
        if not length:
            return
        with self._store.writer.begin() as connection:
            append_chunks(connection, self.id, self.flushed, memoryview(self._buffer)[:length])
        del self._buffer[:length]
        self.flushed += length

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes written so far."""
        return self._hash.hexdigest()

    def commit(self) -> None:
        """Write what is buffered (durably: the transaction commits). Idempotent.

        :raises ValueError: if the blob was discarded.
        """
        if self.committed:
            return
        if self.closed:
            raise ValueError("blob was discarded")
        self._flush(len(self._buffer))
        self.closed = self.committed = True

    def discard(self) -> None:
        """Delete the blob unless its submission completed it. Never raises for one
        that is already gone."""
        self.closed = True
        self._buffer.clear()
        self._store.delete(self.id, pending_only=True)
        self.committed = False


class BlobReader(io.RawIOBase):
    """A readable binary stream over one blob's chunk rows, fetched :data:`READ_BATCH` at a time."""

    def __init__(self, engine: Engine, blob_id: str) -> None:
        super().__init__()
        self._engine = engine
        self._id = blob_id
        self._next = 0
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def _fetch(self) -> None:
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(BlobChunk.seq, BlobChunk.data)
                .where(BlobChunk.blob_id == self._id, BlobChunk.seq >= self._next)
                .order_by(BlobChunk.seq)
                .limit(READ_BATCH)
            ).all()
        if not rows:
            self._done = True
            return
        self._pending = b"".join(bytes(row.data) for row in rows)
        self._next = rows[-1].seq + 1

    def readinto(self, buffer) -> int:
        if not self._pending and not self._done:
            self._fetch()
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


class BlobStore:
    """Ciphertext blobs in the database reached through ``engine``; chunk rows of
    pending blobs are written through ``writer`` (default ``engine``; the app
    passes its bulk engine, see :func:`intake.db.make_engine`)."""

    def __init__(self, engine: Engine, writer: Engine | None = None) -> None:
        self.engine = engine
        self.writer = writer or engine

    def new(self, blob_id: str | None = None) -> PendingBlob:
        """Start writing a new (pending) blob, named ``blob_id`` or a fresh random id."""
        return PendingBlob(self, blob_id)

    def exists(self, blob_id: str, *, complete: bool | None = None) -> bool:
        """True if blob ``blob_id`` exists (and, if given, its ``complete`` flag is that)."""
        query = select(Blob.id).where(Blob.id == blob_id)
        if complete is not None:
            query = query.where(Blob.complete.is_(complete))
        with self.engine.connect() as connection:
            return connection.execute(query).first() is not None

    def size(self, blob_id: str) -> int:
        """Bytes stored in blob ``blob_id``. :raises FileNotFoundError: if absent."""
        with self.engine.connect() as connection:
            size = connection.execute(select(Blob.size).where(Blob.id == blob_id)).scalar()
        if size is None:
            raise FileNotFoundError(blob_id)
        return size

    def open(self, blob_id: str) -> io.BufferedReader:
        """A readable binary stream of blob ``blob_id`` (constant memory).

        :raises FileNotFoundError: if absent.
        """
        if not is_id(blob_id) or not self.exists(blob_id):
            raise FileNotFoundError(blob_id)
        return io.BufferedReader(BlobReader(self.engine, blob_id), buffer_size=CHUNK_BYTES)

    def delete(self, blob_id: str, *, pending_only: bool = False) -> None:
        """Delete blob ``blob_id`` and its chunks if present (only a pending one
        with ``pending_only``)."""
        with self.engine.begin() as connection:
            self.delete_many(connection, [blob_id], pending_only=pending_only)

    @staticmethod
    def delete_many(connection: Connection, blob_ids: Iterable[str], *, pending_only: bool = False) -> int:
        """Delete these blobs and their chunks in ``connection``'s transaction; return how many blobs went."""
        ids = list(blob_ids)
        if not ids:
            return 0
        condition = Blob.id.in_(bindparam("ids", expanding=True))
        if pending_only:
            condition = condition & Blob.complete.is_(False)
        chosen = select(Blob.id).where(condition)
        connection.execute(delete(BlobChunk).where(BlobChunk.blob_id.in_(chosen)), {"ids": ids})
        return connection.execute(delete(Blob).where(condition), {"ids": ids}).rowcount

    def stored_ids(self) -> Iterator[str]:
        """Ids of every complete blob, in id order."""
        with self.engine.connect() as connection:
            ids = connection.execute(select(Blob.id).where(Blob.complete.is_(True)).order_by(Blob.id)).scalars().all()
        yield from ids

    def pending_totals(self) -> tuple[int, int]:
        """``(bytes, blobs)`` of pending blobs: each counts its declared size if it
        has one (a browser upload may still grow to it), else its size so far."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(
                    func.coalesce(func.sum(func.coalesce(Blob.declared, Blob.size)), 0),
                    func.count(),
                ).where(Blob.complete.is_(False))
            ).one()
        return int(row[0]), int(row[1])

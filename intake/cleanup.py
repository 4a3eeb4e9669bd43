"""Expiring unfinished uploads (pending blobs and browser upload sessions).

A request deletes its own pending blobs in ``teardown_request``
(:mod:`intake.sealing`), and a submission deletes its browser upload session
with the uploads it did not use. What is left comes from reporters who went
away, from workers that died mid-upload (``kill -9``, the OOM killer, a
power cut) and from floods: pending rows, ciphertext only, never exported or
shown (export reads complete blobs named by committed submissions). They
only take space, so :func:`expire_pending` deletes them in bulk, as many as
there are, in one transaction: a flood is gone at the next tick, not over
days.

Expiry counts whole hour ticks (:func:`intake.storage.current_tick`): a
pending blob or upload session whose last activity was in tick ``t`` goes
once the current tick is greater than ``t + hours``, i.e. between ``hours``
and ``hours + 1`` hours after its last byte (plus the tick timer's delay).
A no-JavaScript upload refreshes its tick with every batch it writes, so a
slow but living upload is never expired.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from .models import Blob, BlobChunk, UploadSession
from .storage import current_tick


@dataclass
class ExpiryResult:
    """What :func:`expire_pending` deleted: pending ``blobs``, their ``chunk_rows``,
    and browser upload ``sessions``."""

    blobs: int = 0
    chunk_rows: int = 0
    sessions: int = 0

    @property
    def removed(self) -> int:
        """Pending uploads and sessions deleted in all."""
        return self.blobs + self.sessions


def expire_pending(connection: Connection, hours: int, *, now_tick: int | None = None) -> ExpiryResult:
    """Delete pending blobs and upload sessions idle more than ``hours`` ticks, in ``connection``'s transaction.

    A session's uploads expire with the session (its tick is refreshed by
    every request of that browser); a pending blob of no session (the
    no-JavaScript path, or a worker that died) by its own tick.

    :param hours: whole hours of idleness allowed (at least 0).
    :returns: an :class:`ExpiryResult`.
    :raises ValueError: if ``hours`` < 0.
    """
    if hours < 0:
        raise ValueError("hours must not be negative")
    limit = (current_tick() if now_tick is None else now_tick) - hours
    old_sessions = select(UploadSession.key).where(UploadSession.tick < limit)
    doomed = select(Blob.id).where(
        Blob.complete.is_(False),
        ((Blob.owner.is_(None)) & (Blob.tick < limit)) | Blob.owner.in_(old_sessions),
    )
    result = ExpiryResult()
    result.chunk_rows = connection.execute(delete(BlobChunk).where(BlobChunk.blob_id.in_(doomed))).rowcount
    result.blobs = connection.execute(delete(Blob).where(Blob.id.in_(doomed))).rowcount
    result.sessions = connection.execute(delete(UploadSession).where(UploadSession.tick < limit)).rowcount
    return result

"""Deleting what interrupted uploads leave behind (ciphertext only).

A request normally deletes its own unfinished blobs in ``teardown_request``
(:mod:`intake.sealing`). A worker that dies in the middle (``kill -9``, the
OOM killer, a power cut) cannot, and may leave two kinds of file:

* ``incoming/<id>.part``: an envelope that was still being written;
* ``<id>``: a blob already renamed into place whose submission row never
  committed (the worker died between the two steps).

Both hold only ciphertext, and neither is ever exported or shown (export
reads rows, and a row commits only after all its blobs). They only take
disk space. :func:`remove_leftovers` deletes them; ``resguardo cleanup``
runs it, e.g. from a systemd timer (docs/OPERATIONS.md).

The job is bounded: it deletes at most ``limit`` files per run, and only
files untouched for ``older_than`` seconds. That age must exceed the
longest upload the site accepts, because a file part that finished early
in a long request is not written again until the request ends (a committed
blob gets a fresh mtime when it is renamed into place, so only that
moment's few milliseconds before its row commits are at stake for blobs).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Item
from .storage import BlobStore

QUERY_BATCH = 500  # item ids per "which of these exist?" query
SUSPICIOUS_MINIMUM = 20  # unreferenced blobs always tolerated when rows exist


class SuspiciousCleanupError(Exception):
    """The blobs to delete look like real submissions whose rows are missing
    (a deleted, replaced or half-restored database), not crash leftovers.
    Nothing was deleted; restore the database first."""


@dataclass
class CleanupResult:
    """What :func:`remove_leftovers` deleted: ``temporary`` ``.part`` files,
    ``unreferenced`` blobs that no item row names; ``more`` is True when the
    limit stopped it before everything eligible was deleted."""

    temporary: int = 0
    unreferenced: int = 0
    more: bool = False

    @property
    def removed(self) -> int:
        """Files deleted in all."""
        return self.temporary + self.unreferenced


def _old_blobs(store: BlobStore, cutoff: float) -> Iterable[str]:
    for blob_id in store.stored_ids():
        try:
            if store.path(blob_id).stat().st_mtime < cutoff:
                yield blob_id
        except FileNotFoundError:
            continue


def _referenced(session: Session, candidates: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(candidates), QUERY_BATCH):
        batch = candidates[start : start + QUERY_BATCH]
        known.update(session.scalars(select(Item.id).where(Item.id.in_(batch))).all())
    return known


def remove_leftovers(
    store: BlobStore, session: Session, *, older_than: float, limit: int, force: bool = False
) -> CleanupResult:
    """Delete ``.part`` files and unreferenced blobs untouched for ``older_than`` seconds.

    Blobs are listed first and the database is asked about them afterwards,
    so a row that commits while the job runs is seen and its blob kept.

    :param older_than: minimum age in seconds (by mtime) of a file to delete.
    :param limit: most files to delete in this run (at least 1).
    :param force: delete even when it looks like the database lost its rows.
    :returns: a :class:`CleanupResult`.
    :raises ValueError: if ``limit`` < 1 or ``older_than`` < 0.
    :raises SuspiciousCleanupError: without ``force``, when the database has
        no items but blobs exist, or more blobs would go than
        ``max(20, items in the database)``: crash leftovers are few, so that
        many means the rows are missing, and deleting would destroy reports.
    :raises sqlalchemy.exc.SQLAlchemyError: if the database cannot be read
        (then no blob has been deleted; ``.part`` files may have been).
    """
    if limit < 1 or older_than < 0:
        raise ValueError("limit must be at least 1 and older_than not negative")
    cutoff = time.time() - older_than
    result = CleanupResult()
    for path in store.stale_incoming(older_than):
        if result.removed >= limit:
            result.more = True
            return result
        path.unlink(missing_ok=True)
        result.temporary += 1

    candidates = list(_old_blobs(store, cutoff))
    known = _referenced(session, candidates)
    unreferenced = [blob_id for blob_id in candidates if blob_id not in known]
    if unreferenced and not force:
        items = session.scalar(select(func.count()).select_from(Item)) or 0
        if items == 0 or len(unreferenced) > max(SUSPICIOUS_MINIMUM, items):
            raise SuspiciousCleanupError(
                f"{len(unreferenced)} stored blobs have no row, with {items} rows in the database"
            )
    for blob_id in unreferenced:
        if result.removed >= limit:
            result.more = True
            break
        store.delete(blob_id)
        result.unreferenced += 1
    return result

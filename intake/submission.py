"""Binding sealed items into one submission: the step both intake paths share.

The no-JavaScript form (:mod:`intake.report.views`) and the browser-sealed
upload (:mod:`intake.upload.views`) end the same way: every item's blob has
its last chunk rows written (each batch its own committed transaction, see
:mod:`intake.storage`), then ONE transaction flips the blobs to ``complete``
(clearing their pending-accounting columns) and inserts the submission and
item rows, and only after it commits is the reporter told "received". There
is no state in between: either the submission and its complete blobs exist,
or only pending blobs do, which the request's teardown
(:func:`intake.sealing.mark_stored` not called) or the periodic tick deletes.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Protocol, Sequence

from sqlalchemy import update
from sqlalchemy.orm import Session

from . import db
from .models import Blob, Item, Submission
from .sealing import mark_stored
from .storage import new_id

REPORT_FORMAT = "resguardo-report"
REPORT_VERSION = 1
REPORT = "report"
ATTACHMENT = "attachment"


class DurableBlob(Protocol):
    """A ciphertext blob that becomes visible only when committed.

    ``id`` is the item id (32 hex) and its pending blob's id, ``size`` the
    envelope's bytes, ``sha256`` the hex SHA-256 of the envelope;
    ``commit()`` makes every byte durable in the blob store (idempotent).
    """

    id: str
    size: int
    committed: bool

    @property
    def sha256(self) -> str: ...

    def commit(self) -> None: ...


def new_submission_id() -> str:
    """A fresh submission id (32 hex, 128 random bits)."""
    return new_id()


class BlobsGone(Exception):
    """A blob to be stored is no longer pending (already stored by a concurrent
    request, or expired); nothing was committed."""


def store(
    submission_id: str,
    report: DurableBlob,
    attachments: Sequence[DurableBlob],
    *,
    also: Callable[[Session], None] | None = None,
) -> Submission:
    """Write the blobs' last bytes, then in one transaction complete them and
    insert the rows; mark the request's blobs as stored.

    ``report`` becomes item position 0 (kind ``report``), the attachments
    follow in order (kind ``attachment``). The day of arrival is the UTC
    date; no time of day is recorded. ``also(session)`` runs inside that
    transaction, after the blobs are completed (e.g. to delete the upload
    session that held them).

    :returns: the committed :class:`Submission`.
    :raises BlobsGone: if a blob is not pending any more (nothing committed).
    :raises sqlalchemy.exc.SQLAlchemyError: if the rows cannot be committed.
    """
    items = [(REPORT, report)] + [(ATTACHMENT, blob) for blob in attachments]
    for _kind, blob in items:
        blob.commit()
    session = db.session()
    ids = [blob.id for _kind, blob in items]
    completed = session.execute(
        update(Blob)
        .where(Blob.id.in_(ids), Blob.complete.is_(False))
        .values(complete=True, tick=None, owner=None, declared=None),
        execution_options={"synchronize_session": False},
    )
    if completed.rowcount != len(ids):
        session.rollback()
        raise BlobsGone(submission_id)
    if also is not None:
        also(session)
    submission = Submission(id=submission_id, received_on=dt.datetime.now(dt.timezone.utc).date())
    for position, (kind, blob) in enumerate(items):
        submission.items.append(
            Item(id=blob.id, kind=kind, position=position, size=blob.size, sha256=blob.sha256)
        )
    session.add(submission)
    session.commit()
    mark_stored()
    return submission

"""Binding sealed items into one submission: the step both intake paths share.

The no-JavaScript form (:mod:`intake.report.views`) and the browser-sealed
upload (:mod:`intake.upload.views`) end the same way: every item's blob is
made durable (``fsync``, atomic ``rename``, ``fsync`` of the directory), then
the submission row naming them commits, and only then is the reporter told
"received". A failure before the commit leaves no row, and the request's
teardown (:func:`intake.sealing.mark_stored` not called) deletes the blobs.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, Sequence

from . import db
from .models import Item, Submission
from .sealing import mark_stored
from .storage import new_id

REPORT_FORMAT = "resguardo-report"
REPORT_VERSION = 1
REPORT = "report"
ATTACHMENT = "attachment"


class DurableBlob(Protocol):
    """A ciphertext blob that becomes visible only when committed.

    ``id`` is the item id (32 hex), ``size`` the envelope's bytes,
    ``sha256`` the hex SHA-256 of the envelope; ``commit()`` fsyncs and
    renames it into the blob store (idempotent).
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


def store(submission_id: str, report: DurableBlob, attachments: Sequence[DurableBlob]) -> Submission:
    """Commit the blobs, then the row; mark the request's blobs as stored.

    ``report`` becomes item position 0 (kind ``report``), the attachments
    follow in order (kind ``attachment``). The day of arrival is the UTC
    date; no time of day is recorded.

    :returns: the committed :class:`Submission`.
    :raises OSError: if a blob cannot be made durable (nothing is committed).
    :raises sqlalchemy.exc.SQLAlchemyError: if the row cannot be committed.
    """
    items = [(REPORT, report)] + [(ATTACHMENT, blob) for blob in attachments]
    for _kind, blob in items:
        blob.commit()
    session = db.session()
    submission = Submission(id=submission_id, received_on=dt.datetime.now(dt.timezone.utc).date())
    for position, (kind, blob) in enumerate(items):
        submission.items.append(
            Item(id=blob.id, kind=kind, position=position, size=blob.size, sha256=blob.sha256)
        )
    session.add(submission)
    session.commit()
    mark_stored()
    return submission

"""Applying a checked return bundle: replies to their cases, acknowledged ciphertext deleted.

All in ONE database transaction (FORMAT.md "Reader" steps 7 and 8): the
replay check, every reply stored under the case of its ``submission_id``,
every acknowledged submission's item rows, blobs and chunk rows deleted
(its :class:`~intake.models.CaseSubmission` row keeps the day), and the
``return_id`` recorded with the day. Any error rolls everything back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from .. import db
from ..checkback.cases import today
from ..models import Case, CaseSubmission, Item, Reply, ReturnImport, Submission
from ..storage import BlobStore
from .reader import Replayed, ReturnBundle


@dataclass
class ApplyResult:
    """Counts of what :func:`apply_bundle` did (replies stored or skipped, submissions purged)."""

    replies_stored: int = 0
    replies_skipped: int = 0
    acknowledged: int = 0
    acknowledged_skipped: int = 0
    items_deleted: int = 0


def apply_bundle(bundle: ReturnBundle) -> ApplyResult:
    """Apply ``bundle`` in one transaction.

    :raises Replayed: if its ``return_id`` was imported before (nothing changed).
    :raises sqlalchemy.exc.SQLAlchemyError: if the transaction fails (nothing changed).
    """
    session = db.session()
    result = ApplyResult()
    day = today()
    try:
        if session.get(ReturnImport, bundle.return_id) is not None:
            raise Replayed(f"return bundle {bundle.return_id} was imported already")
        session.add(ReturnImport(return_id=bundle.return_id, imported_on=day))
        for reply in bundle.replies:
            owner = session.get(CaseSubmission, reply.submission_id)
            if owner is None or session.get(Reply, reply.id) is not None:
                result.replies_skipped += 1
                continue
            session.add(
                Reply(id=reply.id, lookup=owner.lookup, submission_id=reply.submission_id,
                      envelope=reply.envelope, stored_on=day)
            )
            result.replies_stored += 1
        session.flush()
        for submission_id in bundle.acknowledged:
            owner = session.get(CaseSubmission, submission_id)
            submission = session.get(Submission, submission_id)
            if owner is None and submission is None:
                result.acknowledged_skipped += 1
                continue
            if owner is not None:
                owner.acknowledged_on = day
                if submission is not None and owner.exported_on is None:
                    owner.exported_on = submission.exported_on
                case = session.get(Case, owner.lookup)
                case.acknowledged_on = day
                if case.exported_on is None and owner.exported_on is not None:
                    case.exported_on = owner.exported_on
            if submission is not None:
                result.items_deleted += purge_submission(session, submission_id)
            result.acknowledged += 1
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def purge_submission(session, submission_id: str) -> int:
    """Delete a submission's item rows, blobs and chunk rows, and the row itself
    (in ``session``'s transaction); return how many items went."""
    item_ids = list(session.scalars(select(Item.id).where(Item.submission_id == submission_id)))
    session.flush()
    connection = session.connection()
    BlobStore.delete_many(connection, item_ids)
    connection.execute(delete(Item).where(Item.submission_id == submission_id))
    connection.execute(delete(Submission).where(Submission.id == submission_id))
    session.expire_all()
    return len(item_ids)

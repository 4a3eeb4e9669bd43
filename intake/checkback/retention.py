"""Retention of the return path, applied by ``resguardo tick``.

- Exported ciphertext that reviewers never acknowledged is deleted
  ``RETENTION_UNACKNOWLEDGED_DAYS`` days after its export day (rows, blobs
  and chunk rows); its case keeps the export day so the status page still
  says "delivered".
- A case nobody checked on for ``RETENTION_IDLE_DAYS`` days is deleted with
  its replies and submission records, unless one of its submissions is
  still waiting for export (then it waits too).
- One-time form ids older than :data:`intake.checkback.forms.FORM_ID_HOURS`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import Case, CaseSubmission, Reply, Submission
from ..storage import current_tick
from . import forms


@dataclass
class RetentionResult:
    """Counts of what :func:`apply` deleted."""

    purged_submissions: int = 0
    purged_items: int = 0
    expired_cases: int = 0
    expired_replies: int = 0
    expired_form_ids: int = 0


def apply(session: Session, today: dt.date, unacknowledged_days: int, idle_days: int) -> RetentionResult:
    """Apply every retention rule in ``session`` and commit once.

    :raises sqlalchemy.exc.SQLAlchemyError: if the transaction fails (nothing changed).
    """
    from ..returns.apply import purge_submission

    result = RetentionResult()
    limit = today - dt.timedelta(days=unacknowledged_days)
    stale = session.execute(
        select(Submission.id, Submission.exported_on).where(
            Submission.exported_on.is_not(None), Submission.exported_on <= limit
        )
    ).all()
    for submission_id, exported_on in stale:
        member = session.get(CaseSubmission, submission_id)
        if member is not None:
            member.exported_on = member.exported_on or exported_on
            member.purged_on = today
            case = session.get(Case, member.lookup)
            if case.exported_on is None or case.exported_on < exported_on:
                case.exported_on = exported_on
        result.purged_items += purge_submission(session, submission_id)
        result.purged_submissions += 1
    idle_limit = today - dt.timedelta(days=idle_days)
    waiting = select(CaseSubmission.lookup).join(Submission, Submission.id == CaseSubmission.submission_id).where(
        Submission.exported_on.is_(None)
    )
    idle = list(session.scalars(select(Case.lookup).where(Case.last_visit_on <= idle_limit, Case.lookup.not_in(waiting))))
    if idle:
        result.expired_replies = session.execute(delete(Reply).where(Reply.lookup.in_(idle))).rowcount or 0
        session.execute(delete(CaseSubmission).where(CaseSubmission.lookup.in_(idle)))
        result.expired_cases = session.execute(delete(Case).where(Case.lookup.in_(idle))).rowcount or 0
    result.expired_form_ids = forms.expire(session, current_tick())
    session.commit()
    return result

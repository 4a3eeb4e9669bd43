"""Cases: the keyed hash of a receipt's lookup key, and a case's status.

``lookup = HMAC-SHA256(subkey, lookup_key)`` (hex) where ``subkey =
HMAC-SHA256(SECRET_KEY, LOOKUP_LABEL)``: the app secret is never used
directly, and a copy of the database alone cannot test receipt guesses.
Finding a case is one primary-key read of that hash; the row's key is then
compared with :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import db
from ..models import Case, CaseSubmission, Reply, Submission

LOOKUP_LABEL = b"resguardo/v1/receipt-lookup\x00"
FORM_LABEL = b"resguardo/v1/form-id\x00"
#: What a malformed receipt is looked up as (never a real hash: not hex).
DUMMY_LOOKUP_KEY = bytes(32)


def today() -> dt.date:
    """The UTC day (no time of day is ever stored)."""
    return dt.datetime.now(dt.timezone.utc).date()


def subkey(label: bytes, secret: str | bytes | None = None) -> bytes:
    """HMAC-SHA256 of ``label`` under the app's SECRET_KEY (32 bytes)."""
    if secret is None:
        secret = current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    return hmac.new(secret, label, hashlib.sha256).digest()


def lookup_hash(lookup_key: bytes, secret: str | bytes | None = None) -> str:
    """The stored name (64 hex) of the case whose receipt derives ``lookup_key`` (32 bytes)."""
    return hmac.new(subkey(LOOKUP_LABEL, secret), lookup_key, hashlib.sha256).hexdigest()


def case_lookup(lookup_key_hex: object) -> str | None:
    """The stored lookup for a browser-sent ``lookup_key`` (64 lower-case hex), else None."""
    if not isinstance(lookup_key_hex, str) or len(lookup_key_hex) != 64:
        return None
    try:
        raw = bytes.fromhex(lookup_key_hex)
    except ValueError:
        return None
    if raw.hex() != lookup_key_hex:
        return None
    return lookup_hash(raw)


def open_case(session: Session, lookup: str, submission_id: str, follow_up_to: str | None = None) -> None:
    """Add ``submission_id`` to case ``lookup`` (created if new), in ``session``'s transaction.

    A first report makes the case; a follow-up adds a submission to it.
    """
    day = today()
    case = session.get(Case, lookup)
    if case is None:
        session.add(Case(lookup=lookup, received_on=day, last_visit_on=day))
    else:
        case.last_visit_on = day
    session.add(CaseSubmission(submission_id=submission_id, lookup=lookup, received_on=day, follow_up_to=follow_up_to))


def original_submission(lookup: str) -> str | None:
    """The id of the case's first report (what a follow-up's ``follow_up_to`` names)."""
    return db.session().scalar(
        select(CaseSubmission.submission_id).where(
            CaseSubmission.lookup == lookup, CaseSubmission.follow_up_to.is_(None)
        )
    )


def find_case(lookup_key: bytes) -> Case | None:
    """The case named by ``lookup_key`` (32 bytes), or None: one primary-key read.

    The key read from the row is compared again in constant time, so the
    answer never depends on how much of a guess matched.
    """
    wanted = lookup_hash(lookup_key)
    case = db.session().get(Case, wanted)
    if case is None or not hmac.compare_digest(case.lookup, wanted):
        return None
    return case


@dataclass
class Status:
    """What the check-back page shows: days of each step, sealed replies, submission ids."""

    received_on: dt.date
    exported_on: dt.date | None
    acknowledged_on: dt.date | None
    submissions: list[str] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)

    @property
    def state(self) -> str:
        """``received``, ``delivered``, ``read`` or ``replied`` (the furthest step)."""
        if self.replies:
            return "replied"
        if self.acknowledged_on:
            return "read"
        if self.exported_on:
            return "delivered"
        return "received"


def case_status(case: Case, *, visit: bool = True) -> Status:
    """The status of ``case``; records today as its last visit (committed) when ``visit``."""
    session = db.session()
    rows = session.execute(
        select(CaseSubmission, Submission.exported_on)
        .outerjoin(Submission, Submission.id == CaseSubmission.submission_id)
        .where(CaseSubmission.lookup == case.lookup)
    ).all()
    exported = [row[0].exported_on or row[1] for row in rows]
    exported = [day for day in exported if day] + ([case.exported_on] if case.exported_on else [])
    replies = list(
        session.scalars(select(Reply).where(Reply.lookup == case.lookup).order_by(Reply.stored_on, Reply.id))
    )
    status = Status(
        received_on=case.received_on,
        exported_on=max(exported) if exported else None,
        acknowledged_on=case.acknowledged_on,
        submissions=sorted(row[0].submission_id for row in rows),
        replies=replies,
    )
    if visit and case.last_visit_on != today():
        case.last_visit_on = today()
        session.commit()
    return status

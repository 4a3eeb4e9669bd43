"""One-time form ids: a refreshed no-JavaScript POST stores nothing twice.

The form carries a random ``form_id`` (32 hex). When its report is stored,
the keyed hash ``HMAC-SHA256(subkey(FORM_LABEL), form_id)`` is stored with
the hour number, in the same transaction; a second POST of the same form
finds it and is told "already received". ``resguardo tick`` deletes the
hashes after :data:`FORM_ID_HOURS` hours.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from sqlalchemy import delete
from sqlalchemy.orm import Session

from .. import db
from ..models import FormUse
from ..storage import current_tick, new_id
from .cases import FORM_LABEL, subkey

FORM_ID_HOURS = 24
_FORM_ID = re.compile(r"\A[0-9a-f]{32}\Z")


def new_form_id() -> str:
    """A fresh one-time form id (32 hex, 128 bits from the OS CSPRNG)."""
    return new_id()


def form_key(form_id: object) -> str | None:
    """The stored keyed hash (64 hex) of a well-formed ``form_id``, else None."""
    if not isinstance(form_id, str) or not _FORM_ID.match(form_id):
        return None
    return hmac.new(subkey(FORM_LABEL), form_id.encode("ascii"), hashlib.sha256).hexdigest()


def already_used(key: str | None) -> bool:
    """True if a report with this form key was stored already."""
    return key is not None and db.session().get(FormUse, key) is not None


def record(session: Session, key: str | None) -> None:
    """Remember ``key`` (in ``session``'s transaction) so a repeat stores nothing."""
    if key is not None:
        session.add(FormUse(key=key, tick=current_tick()))


def expire(session: Session, now_tick: int) -> int:
    """Delete form keys older than :data:`FORM_ID_HOURS`; return how many."""
    result = session.execute(delete(FormUse).where(FormUse.tick < now_tick - FORM_ID_HOURS))
    return result.rowcount or 0

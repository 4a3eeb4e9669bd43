"""Follow-ups sealed in the browser: the lookup-key check that lets ``/upload/submit`` join a case.

With JavaScript on, the check-back page seals a follow-up like a report
(the report document and its files, envelope v2, through the ordinary
browser upload, :mod:`intake.upload`) and ends with ``POST /upload/submit``
carrying ``"follow_up": true`` and the receipt's **lookup key** (never the
receipt). :func:`authorise` runs first in that request, after the CSRF
header (:mod:`intake.limits`): it takes a token from the check-back bucket
and reads the case exactly as ``/checkback/lookup`` does
(:func:`.views.browser_case`: one derivation, one primary-key read, a
constant-time comparison). A wrong, malformed or unknown key gets the
answer of a check-back that matched nothing, ``200 {"found": false}``, and
the browser session's unfinished uploads are deleted: nothing is stored. A
good key yields a :class:`Target`; the upload view then stores the
submission and adds it to the case (``follow_up_to`` = the case's first
report) in the one transaction that stores it (:func:`join`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response
from sqlalchemy.orm import Session

from .cases import open_case, original_submission
from .views import _bucket, _busy, browser_case, not_found_json

FLAG = "follow_up"


@dataclass(frozen=True)
class Target:
    """The case a browser-sealed follow-up joins: its stored ``lookup`` (64 hex)
    and its first report's submission id (32 hex, or None for a case without one)."""

    lookup: str
    original: str | None


def requested(body: object) -> bool:
    """True if a ``/upload/submit`` body asks to add a follow-up (``"follow_up": true``)."""
    return isinstance(body, dict) and body.get(FLAG) is True


def authorise(body: dict, drop_uploads) -> Target | Response:
    """The case named by ``body["lookup_key"]``, or the answer to send instead.

    ``drop_uploads()`` deletes this browser session's unfinished uploads; it is
    called when the key matches no case. Answers: 503 ``{"code": "busy"}``
    when the bucket is empty (nothing deleted: the reporter tries again),
    200 ``{"found": false}`` for any wrong key (as ``/checkback/lookup``).
    """
    if not _bucket().take():
        return _busy(as_json=True)
    case = browser_case(body.get("lookup_key"))
    if case is None:
        drop_uploads()
        return not_found_json()
    return Target(lookup=case.lookup, original=original_submission(case.lookup))


def join(session: Session, target: Target, submission_id: str) -> None:
    """Add ``submission_id`` to ``target``'s case, in ``session``'s (the storing) transaction."""
    open_case(session, target.lookup, submission_id, follow_up_to=target.original)

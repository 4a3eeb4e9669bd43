"""Browser upload sessions kept on the server, under an opaque random key.

The reporter's (signed, readable) cookie holds only ``session["upload"]``, a
random token (256 bits, OS CSPRNG). The server keeps an
:class:`~intake.models.UploadSession` row under a keyed hash of it
(:func:`session_key`, HMAC-SHA-256 with the app secret), holding the
submission id the browser seals into its report; each declared upload is a
pending blob owned by that row. Nothing in the cookie identifies a report or
an upload, and a copy of the database cannot be replayed as a cookie.

A session begins either with ``POST /upload/begin`` (:func:`begin`: a new
random token) or with a **ticket** (:func:`adopt`): a random token the report
form page carried (:func:`new_ticket`, nothing stored when the page is made),
whose session is opened by the first request that names it, usually the
one-request submit itself. A ticket's submission id is derived from its row
key (:func:`ticket_submission_id`), so the page could carry it; a begun
session's is random.

Declaring an upload (:func:`declare`) is one atomic INSERT ... SELECT that
also checks the caps (the per-session and global numbers of pending bytes
and uploads, :mod:`intake.config`), so concurrent requests can never push
the totals past them (on PostgreSQL the statement first takes a
transaction-scoped advisory lock, since READ COMMITTED would let two
inserts each see the other's total as not yet there).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import current_app, session
from sqlalchemy import and_, delete, func, insert, literal, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..models import Blob, BlobChunk, CaseSubmission, Submission, UploadSession
from ..storage import current_tick, is_id, new_id

COOKIE_KEY = "upload"
KEY_LABEL = b"resguardo/v1/upload-session\x00"
TICKET_SUBMISSION_LABEL = b"resguardo/v1/ticket-submission\x00"
TOKEN_BYTES = 32
#: A token as ``secrets.token_urlsafe(TOKEN_BYTES)`` writes it (43 characters).
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
#: A form page's ticket: a token, ".", and the hour it was made (:func:`intake.storage.current_tick`).
TICKET_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}\.([0-9]{1,12})")
#: Whole hours after the hour of its page that a ticket still opens a session.
#: Short, so that a ticket cannot outlive its stored submission: once a
#: submission is purged (acknowledged, or past retention) nothing remembers
#: that its ticket was used. A reporter writing longer is not refused: the form
#: begins a plain session instead (form.js, on 404 "unknown").
TICKET_HOURS = 2
ADVISORY_LOCK = 0x7265_7367  # "resg": serialises cap checks on PostgreSQL


class Full(Exception):
    """A cap is reached; ``scope`` is ``"global"`` (the site: try again later),
    ``"bytes"`` or ``"files"`` (this session's own limits)."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


class Used(Exception):
    """The ticket cannot open a session: its submission is stored already or
    named by a case (a ticket opens one submission only), or it is too old."""


def session_key(token: str, secret: str | bytes) -> str:
    """The row key for cookie token ``token``: hex HMAC-SHA-256 under the app secret (64 hex)."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, KEY_LABEL + token.encode("ascii", "replace"), hashlib.sha256).hexdigest()


def _engine():
    return current_app.extensions["resguardo.engine"]


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})


def _open_session(connection: Connection, key: str, submission_id: str) -> None:
    """Insert session row ``key`` for ``submission_id`` in ``connection``'s transaction,
    unless ``PENDING_SESSIONS`` sessions are open: one INSERT ... SELECT that counts
    them (the caller holds :func:`_lock`, which PostgreSQL needs for the count).

    :raises Full: ``"global"`` if that many are open (nothing inserted).
    :raises sqlalchemy.exc.IntegrityError: if row ``key`` exists already.
    """
    open_sessions = select(func.count()).select_from(UploadSession).scalar_subquery()
    added = connection.execute(
        insert(UploadSession).from_select(
            ["key", "submission_id", "tick"],
            select(literal(key), literal(submission_id), literal(current_tick())).where(
                open_sessions < current_app.config["PENDING_SESSIONS"]
            ),
        ).returning(UploadSession.key)
    ).first()
    if added is None:
        raise Full("global")


def cookie_key() -> str | None:
    """The row key of this browser's upload session (from its cookie token), or None."""
    token = session.get(COOKIE_KEY)
    if not isinstance(token, str) or not token:
        return None
    return session_key(token, current_app.config["SECRET_KEY"])


def begin() -> str:
    """Start a new upload session for this browser; return its submission id.

    Deletes the browser's previous session and its unfinished uploads first.

    :raises Full: ``"global"`` if ``PENDING_SESSIONS`` sessions are open.
    """
    old = cookie_key()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    key = session_key(token, current_app.config["SECRET_KEY"])
    submission_id = new_id()
    with _engine().begin() as connection:
        if old is not None:
            forget(connection, old)
        _lock(connection)
        _open_session(connection, key, submission_id)
    session[COOKIE_KEY] = token
    return submission_id


def new_ticket(now: float | None = None) -> str:
    """A fresh ticket for a form page: a random token (256 bits, OS CSPRNG), ".", and
    the current hour tick (unix seconds ``now`` // 3600; the hour, not the time, and
    only in the page and the browser's cookie); nothing is stored. The whole string
    is the session's token, so its ids change if the hour is altered."""
    return f"{secrets.token_urlsafe(TOKEN_BYTES)}.{current_tick(now)}"


def ticket_submission_id(key: str, secret: str | bytes) -> str:
    """The submission id of the ticket whose row key is ``key``: the first 32 hex
    digits of ``HMAC-SHA-256(app secret, TICKET_SUBMISSION_LABEL || key)``."""
    secret = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(secret, TICKET_SUBMISSION_LABEL + key.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def adopt(ticket: object) -> None:
    """Make the session of form-page ticket ``ticket`` this browser's, opening it if need be.

    Opens it (a row with :func:`ticket_submission_id`) unless it is open
    already (a repeat of a request that opened it); forgets the browser's
    other session, as :func:`begin` does, and puts the ticket in the cookie.

    :raises ValueError: if ``ticket`` is not a ticket's shape (:data:`TICKET_PATTERN`).
    :raises Used: if the ticket's submission is stored already, or a reporter's
        case names it (a purged submission's case keeps its id), or the ticket
        is older than :data:`TICKET_HOURS` whole hours (or from a later hour).
    :raises Full: ``"global"`` if ``PENDING_SESSIONS`` sessions are open.
    """
    match = TICKET_PATTERN.fullmatch(ticket) if isinstance(ticket, str) else None
    if match is None:
        raise ValueError("not a ticket")
    now = current_tick()
    if not now - TICKET_HOURS <= int(match.group(1)) <= now + 1:  # + 1: app servers' clocks differ a little
        raise Used()
    secret = current_app.config["SECRET_KEY"]
    key = session_key(ticket, secret)
    submission_id = ticket_submission_id(key, secret)
    old = cookie_key()
    try:
        with _engine().begin() as connection:
            if old is not None and old != key:
                forget(connection, old)
            _lock(connection)
            if connection.execute(select(UploadSession.key).where(UploadSession.key == key)).first() is None:
                if (
                    connection.execute(select(Submission.id).where(Submission.id == submission_id)).first() is not None
                    or connection.execute(
                        select(CaseSubmission.submission_id).where(CaseSubmission.submission_id == submission_id)
                    ).first() is not None
                ):
                    raise Used()
                _open_session(connection, key, submission_id)
    except IntegrityError:
        # A concurrent request with the same ticket (a retry racing the
        # original) opened it between our look and our insert: it is open.
        with _engine().connect() as connection:
            if connection.execute(select(UploadSession.key).where(UploadSession.key == key)).first() is None:
                raise
    session[COOKIE_KEY] = ticket


def current():
    """This browser's open upload session (its tick refreshed), or None: a row
    with ``key``, ``submission_id`` and ``tick``."""
    key = cookie_key()
    if key is None:
        return None
    tick = current_tick()
    with _engine().begin() as connection:
        row = connection.execute(
            select(UploadSession.key, UploadSession.submission_id, UploadSession.tick).where(UploadSession.key == key)
        ).first()
        if row is None:
            return None
        if row.tick != tick:
            connection.execute(update(UploadSession).where(UploadSession.key == key).values(tick=tick))
        return row


def forget(connection: Connection, key: str) -> None:
    """Delete session ``key`` and its pending uploads (with their chunks) in ``connection``."""
    owned = select(Blob.id).where(Blob.owner == key, Blob.complete.is_(False))
    connection.execute(delete(BlobChunk).where(BlobChunk.blob_id.in_(owned)))
    connection.execute(delete(Blob).where(Blob.owner == key, Blob.complete.is_(False)))
    connection.execute(delete(UploadSession).where(UploadSession.key == key))


def end() -> None:
    """Drop the cookie's token (after its submission was stored)."""
    session.pop(COOKIE_KEY, None)


def uploads(key: str) -> dict[str, int]:
    """``{item id: declared bytes}`` of session ``key``'s pending uploads."""
    with _engine().connect() as connection:
        rows = connection.execute(
            select(Blob.id, Blob.declared).where(Blob.owner == key, Blob.complete.is_(False))
        ).all()
    return {row.id: row.declared for row in rows}


def declare(key: str, item_id: str, size: int) -> None:
    """Create the empty pending upload ``item_id`` of ``size`` declared bytes for session ``key``.

    :raises Full: ``"files"`` or ``"bytes"`` past this session's caps
        (``SESSION_PENDING_FILES``, ``SESSION_PENDING_BYTES``), ``"global"``
        past the site's (``PENDING_FILES``, ``PENDING_BYTES``); nothing is
        created then.
    :raises ValueError: if ``item_id`` is not an id.
    """
    if not is_id(item_id):
        raise ValueError("not an item id")
    config = current_app.config
    pending = Blob.complete.is_(False)

    def totals(*conditions):
        """(files, bytes) of pending blobs matching ``conditions``, as scalar subqueries."""
        where = (pending, *conditions)
        return (
            select(func.count()).select_from(Blob).where(*where).scalar_subquery(),
            select(func.coalesce(func.sum(func.coalesce(Blob.declared, Blob.size)), 0)).where(*where).scalar_subquery(),
        )

    own_files, own_bytes = totals(Blob.owner == key)
    all_files, all_bytes = totals()
    with _engine().begin() as connection:
        _lock(connection)
        mine = connection.execute(select(own_files, own_bytes)).one()
        if int(mine[0]) + 1 > config["SESSION_PENDING_FILES"]:
            raise Full("files")
        if int(mine[1]) + size > config["SESSION_PENDING_BYTES"]:
            raise Full("bytes")
        # The same conditions again inside the INSERT: on SQLite the statement
        # holds the write lock, so nothing can slip in between.
        allowed = and_(
            own_files + 1 <= config["SESSION_PENDING_FILES"],
            own_bytes + size <= config["SESSION_PENDING_BYTES"],
            all_files + 1 <= config["PENDING_FILES"],
            all_bytes + size <= config["PENDING_BYTES"],
        )
        added = connection.execute(
            insert(Blob).from_select(
                ["id", "complete", "size", "chunks", "tick", "owner", "declared"],
                select(
                    literal(item_id), literal(False), literal(0), literal(0),
                    literal(current_tick()), literal(key), literal(size),
                ).where(allowed),
            ).returning(Blob.id)
        ).first()
        if added is None:
            raise Full("global")

"""JSON endpoints for browser-sealed uploads (``/upload/...``), CSRF on.

Every call carries the form's CSRF token in the ``X-CSRFToken`` header
(flask-wtf checks it; the session cookie is SameSite=Strict). The state of a
reporter's uploads lives on the server (:mod:`intake.upload.sessions`): the
cookie holds only an opaque random token, the server a keyed hash of it with
the submission id; each upload is a pending blob in the database
(:mod:`intake.upload.parts`) whose stored length is what was received. The
upload id the browser names is a bearer capability known only to it; the
database holds only its keyed hash (the item id).

=======  ===========================  ===============================================
method   path                         answer (JSON)
=======  ===========================  ===============================================
POST     /upload/begin                200 ``{"submission_id", "slots": [{"upload_id",
                                      "item_id"}, ...]}`` (``MAX_ATTACHMENTS`` + 1 slots for
                                      inline envelopes, :mod:`intake.upload.inline`);
                                      forgets (deletes) this session's earlier unfinished uploads.
                                      Body ``{"ticket": <the form page's>}``: the
                                      ticket's session and ids instead of new ones
POST     /upload/                     201 ``{"upload_id", "item_id", "received": 0}`` for
                                      body ``{"size": <envelope bytes>}``
GET      /upload/<id>                 200 ``{"received", "size"}`` (to resume)
PUT      /upload/<id>?offset=N        200 ``{"received"}``: raw ciphertext appended at N;
                                      409 ``{"received", ...}`` if N is not the end
POST     /upload/<id>/finish          200 ``{"received", "complete": true}`` after the
                                      structure check (:mod:`intake.upload.checks`)
POST     /upload/submit               201 ``{"location"}`` for body ``{"report": <id>,
                                      "attachments": [<id>, ...], "lookup_key": <64 hex,
                                      optional: the receipt's, opens the case>}``: stored;
                                      idempotent (a repeat after a lost answer gets
                                      the same 201 and stores nothing). With
                                      ``"follow_up": true`` the submission joins the case
                                      of ``lookup_key`` instead; a wrong key gets 200
                                      ``{"found": false}`` and stores nothing
                                      (:mod:`intake.checkback.browser_followup`). Or an
                                      ``application/octet-stream`` body: that JSON
                                      object as a manifest, followed by the
                                      envelopes it lists as ``"inline"`` (the
                                      report and small files in one request:
                                      :mod:`intake.upload.inline`), and
                                      ``"ticket"``: the form page's, whose
                                      session it opens (no begin before it)
=======  ===========================  ===============================================

Errors are ``{"error": <localized message>, "title": <localized title>,
"code": <short name>}`` with 400 (malformed, CSRF), 404 (no such upload in
this session), 409 (offset), 413 (too large), 422 (refused envelope), 503
(``"full"``: the site holds as many unfinished uploads as it may, or its disk
is nearly full; try again later; ``"concurrent"``: another request of the
same session, a retry racing the original, is storing the same uploads; the
browser retries at once).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

import keys

from .. import capacity, db, errors
from .. import submission as shared
from ..models import Item, UploadSession
from ..sealing import blob_store, request_recipients, track
from ..storage import is_id, new_id
from ..checkback import browser_followup
from ..checkback.cases import case_lookup, open_case
from . import inline, sessions
from .checks import MAX_PIECE_BYTES, Refused, check_complete, check_piece, declared_size_ok, total_content_floor
from .parts import OffsetMismatch, Part, ReceivedBlob, item_id_for

bp = Blueprint("upload", __name__, url_prefix="/upload")

#: Largest report plaintext a reader accepts (review/report.py MAX_REPORT_BYTES; docs/FORMAT.md "Report").
MAX_REPORT_BYTES = 64 * 1024 * 1024

REFUSED_TITLE = _l("The encrypted upload was refused")
MESSAGES = {
    "structure": (422, _l("What your browser sent is not an envelope for this site's reviewers. Nothing was stored.")),
    "recipients": (422, _l("The reviewer keys of this site changed while you were writing. Nothing was stored. Please copy your text, reload the page and send it again.")),
    "not_encrypted": (422, _l("Part of what your browser sent was not encrypted, so it was refused. Nothing was stored.")),
    "incomplete": (422, _l("A file did not arrive completely. Nothing was stored. Please try again.")),
    "unknown": (404, _l("This upload is not part of your browser session. Nothing was stored. Please reload the page and try again.")),
    "too_many": (413, _l("Please send at most %(count)d files at once.")),
    "offset": (409, _l("Part of a file was sent twice; your browser continues where it stopped.")),
    "concurrent": (503, _l("Your browser sent this report twice at the same moment. It tries again by itself; nothing was lost.")),
}


def _error(code: str, status: int, title, message, **extra):
    body = {"error": str(message), "title": str(title), "code": code, **extra}
    return jsonify(body), status


def _refused(code: str, **extra):
    status, message = MESSAGES[code]
    if code == "too_many":
        message = message % {"count": current_app.config["MAX_ATTACHMENTS"]}
    return _error(code, status, REFUSED_TITLE, message, **extra)


def _full():
    title, message = capacity.FULL_MESSAGE
    return _error("full", 503, title, message)


def _recipients():
    return request_recipients()


def _part(upload_id: object) -> tuple[Part, int]:
    """The part named ``upload_id`` and its declared size (bytes).

    :raises Refused: ``unknown`` unless this session owns an upload by that
        id that still exists (answered by :func:`_refusal`).
    """
    if not isinstance(upload_id, str) or not is_id(upload_id):
        raise Refused("unknown")
    state = sessions.current()
    if state is None:
        raise Refused("unknown")
    part = Part(blob_store(), item_id_for(upload_id, current_app.config["SECRET_KEY"]), state.key)
    declared = part.declared()
    if declared is None:
        raise Refused("unknown")
    return part, declared


@bp.post("/begin")
def begin():
    """Start a browser-sealed submission; its id goes into the report the browser seals.

    With body ``{"ticket": <the form page's ticket>}`` the session is that
    ticket's (:func:`intake.upload.sessions.adopt`: the ids the page carried),
    for a report that must upload a large file before its submit.
    """
    body = request.get_json(silent=True)
    if isinstance(body, dict) and "ticket" in body:
        refused = _adopt(body["ticket"])
        if refused is not None:
            return refused
        submission_id = sessions.current().submission_id
    else:
        try:
            submission_id = sessions.begin()
        except sessions.Full:
            return _full()
    return jsonify({"submission_id": submission_id, "slots": inline.slots(sessions.cookie_key())})


def _adopt(ticket: object):
    """Open the session of form-page ticket ``ticket`` (:func:`intake.upload.sessions.adopt`).

    :returns: None, or the refusal to answer: 400 for a malformed ticket,
        404 ``"unknown"`` if its submission is stored already, 503 ``"full"``.
    """
    try:
        sessions.adopt(ticket)
    except ValueError:
        return errors_400()
    except sessions.Used:
        return _refused("unknown")
    except sessions.Full:
        return _full()
    return None


@bp.post("/")
def create():
    """Declare one envelope upload of ``size`` bytes (body ``{"size": int}``)."""
    state = sessions.current()
    if state is None:
        return _refused("unknown")
    body = request.get_json(silent=True)
    size = body.get("size") if isinstance(body, dict) else None
    # Plaintext bytes: the files' limit plus the report's text (intake/limits.py),
    # counted as the least content each declared envelope can hold.
    limit = current_app.config["MAX_CONTENT_LENGTH"] + current_app.config["MAX_FORM_MEMORY_SIZE"]
    try:
        declared_size_ok(size, [key.kind for key in _recipients()], limit)
        declared = [value for value in sessions.uploads(state.key).values() if value is not None]
        if total_content_floor([*declared, size], [key.kind for key in _recipients()]) > limit:
            raise Refused("too_large")
    except Refused as refusal:
        if refusal.code == "too_large":
            return errors_413()
        return _refused(refusal.code)
    upload_id = new_id()
    item_id = item_id_for(upload_id, current_app.config["SECRET_KEY"])
    try:
        sessions.declare(state.key, item_id, size)
    except sessions.Full as full:
        if full.scope == "files":
            return _refused("too_many")
        if full.scope == "bytes":
            return errors_413()
        return _full()
    return jsonify({"upload_id": upload_id, "item_id": item_id, "received": 0}), 201


@bp.get("/<upload_id>")
def status(upload_id: str):
    """How many bytes of this upload the server holds (to resume after a drop)."""
    part, declared = _part(upload_id)
    return jsonify({"received": part.received(), "size": declared})


@bp.put("/<upload_id>")
def append(upload_id: str):
    """Append the raw request body (ciphertext) at ``?offset=``; answer the new size."""
    part, declared = _part(upload_id)
    offset = request.args.get("offset", "")
    length = request.content_length
    if not offset.isdigit() or length is None or length > MAX_PIECE_BYTES:
        return errors_400()
    offset = int(offset)
    received = part.received()
    if offset != received:
        return _refused("offset", received=received)
    data = request.get_data(cache=False)
    if len(data) != length:
        return errors_400()
    try:
        check_piece(offset, data, declared, _recipients())
        received = part.append(offset, data)
    except Refused as refusal:
        return _refused(refusal.code)
    except OffsetMismatch as mismatch:
        return _refused("offset", received=mismatch.received)
    return jsonify({"received": received})


@bp.post("/<upload_id>/finish")
def finish(upload_id: str):
    """Check a complete upload's structure; a refused one is deleted."""
    part, declared = _part(upload_id)
    received = part.received()
    try:
        with part.open() as source:
            check_complete(source, received, declared, _recipients())
    except Refused as refusal:
        if refusal.code != "incomplete":
            part.discard()
        return _refused(refusal.code)
    return jsonify({"received": received, "complete": True})


@bp.post("/submit")
def submit():
    """Bind the report envelope and the attachment envelopes into one submission.

    Body ``{"report": <upload id>, "attachments": [<upload id>, ...]}``. Every
    upload must belong to this session, be complete and pass the structure
    check; then blobs are committed, the row commits, and the answer is the
    "received" page's location. Any failure stores nothing.

    Idempotent: if the answer was lost (connection cut after the commit) the
    browser sends the same body again; when that report is already stored
    (:func:`_already_stored`) the answer is the same 201 and nothing else
    happens, so a retry never makes a duplicate.

    A follow-up (``"follow_up": true``) is first let in by its lookup key
    (:func:`intake.checkback.browser_followup.authorise`, before anything
    else), then stored the same way and added to its case in the same
    transaction.
    """
    carried: list = []
    if request.mimetype == "application/octet-stream":
        try:
            body, carried = inline.parse(request.get_data(cache=False))
        except inline.Malformed:
            return errors_400()
    else:
        body = request.get_json(silent=True)
    follow_up = None
    if browser_followup.requested(body):
        follow_up = browser_followup.authorise(body, _drop_uploads)
        if not isinstance(follow_up, browser_followup.Target):
            return follow_up
    if isinstance(body, dict) and _already_stored(body.get("report"), body.get("attachments", [])):
        sessions.end()
        return jsonify({"location": url_for("report.received")}), 201
    if carried and isinstance(body, dict) and "ticket" in body:
        # A small report from the form page: the submit opens the ticket's session itself.
        refused = _adopt(body["ticket"])
        if refused is not None:
            return refused
    state = sessions.current()
    if not state or not isinstance(body, dict):
        return errors_400() if state else _refused("unknown")
    report_id, attachment_ids = body.get("report"), body.get("attachments", [])
    if not isinstance(report_id, str) or not isinstance(attachment_ids, list):
        return errors_400()
    names = [report_id, *attachment_ids]
    if len(set(map(str, names))) != len(names):
        return errors_400()
    if len(attachment_ids) > current_app.config["MAX_ATTACHMENTS"]:
        return _refused("too_many")
    if any(upload_id not in names for upload_id, _ in carried):
        return errors_400()
    received: list = []
    if carried:
        try:
            received = inline.receive(state, carried)
        except Refused as refusal:
            return errors_413() if refusal.code == "too_large" else _refused(refusal.code)
        except sessions.Full as full:
            return _refused("too_many") if full.scope == "files" else errors_413() if full.scope == "bytes" else _full()
        except IntegrityError:
            # Another request of this session (a retry racing the original)
            # declared the same slot first: let the browser try again (5xx),
            # when it is answered as the repeat it is or goes on alone.
            return _refused("concurrent")
    parts = []
    for index, upload_id in enumerate(names):
        part, declared = _part(upload_id)
        if index == 0 and declared > keys.envelope_size_v2(MAX_REPORT_BYTES, [key.kind for key in _recipients()]):
            return errors_413()  # a report the review tool would refuse to read (docs/FORMAT.md "Report")
        try:
            with part.open() as source:
                check_complete(source, part.received(), declared, _recipients())
        except Refused as refusal:
            for sent in received:
                sent.discard()  # refused with the request that carried it
            return _refused(refusal.code)
        parts.append(part)
    blobs = [track(ReceivedBlob(part)) for part in parts]

    lookup = case_lookup(body.get("lookup_key"))

    def close_session(db_session) -> None:
        # Its other unfinished uploads go with it (ON DELETE CASCADE).
        db_session.execute(delete(UploadSession).where(UploadSession.key == state.key))
        if follow_up is not None:
            browser_followup.join(db_session, follow_up, state.submission_id)
        elif lookup is not None:
            open_case(db_session, lookup, state.submission_id)

    try:
        shared.store(state.submission_id, blobs[0], blobs[1:], also=close_session)
    except shared.BlobsGone:
        # A concurrent submit of the same uploads (a retry racing the
        # original) completed them first: answer as the repeat it is.
        if _already_stored(report_id, attachment_ids):
            sessions.end()
            return jsonify({"location": url_for("report.received")}), 201
        return _refused("unknown")
    sessions.end()
    return jsonify({"location": url_for("report.received")}), 201


def _drop_uploads() -> None:
    """Delete this browser's upload session and its unfinished uploads (nothing of it is kept)."""
    state = sessions.current()
    if state is not None:
        with current_app.extensions["resguardo.engine"].begin() as connection:
            sessions.forget(connection, state.key)
    sessions.end()


def _already_stored(report_id: object, attachment_ids: object) -> bool:
    """True if this exact submission was stored already (a repeat after a lost answer).

    The upload ids are 128-bit random values that only the reporter's browser
    learnt, so naming them is proof enough: the report's item id (the keyed
    hash :func:`~intake.upload.parts.item_id_for` of its upload id) must be a
    stored report item, and the attachments' item ids must be that
    submission's attachments, in order. Nothing new is stored or recorded.
    """
    if not isinstance(report_id, str) or not is_id(report_id) or not isinstance(attachment_ids, list):
        return False
    if not all(isinstance(upload_id, str) and is_id(upload_id) for upload_id in attachment_ids):
        return False
    secret = current_app.config["SECRET_KEY"]
    report = db.session().get(Item, item_id_for(report_id, secret))
    if report is None or report.kind != shared.REPORT or report.position != 0:
        return False
    stored = [item.id for item in report.submission.items if item.kind == shared.ATTACHMENT]
    return stored == [item_id_for(upload_id, secret) for upload_id in attachment_ids]


def errors_400():
    title, message = errors.MESSAGES[400]
    return _error("bad_request", 400, title, message)


def errors_413():
    title, message = errors.MESSAGES[413]
    limit = errors._human_size(current_app.config["MAX_CONTENT_LENGTH"])
    return _error("too_large", 413, title, message % {"limit": limit})


@bp.errorhandler(Refused)
def _refusal(refusal: Refused):
    return _refused(refusal.code)


@bp.errorhandler(CSRFError)
def _csrf(_exc: CSRFError):
    title, message = errors.CSRF_MESSAGE
    return _error("csrf", 400, title, message)


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    if exc.code == 413:
        return errors_413()
    title, message = errors.message_for(exc) if exc.code in errors.MESSAGES or hasattr(exc, "message") else errors.MESSAGES[400]
    return _error("http", exc.code or 500, title, message)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http(exc)
    errors.log_exception_safely(exc)
    title, message = errors.MESSAGES[500]
    return _error("server", 500, title, message)

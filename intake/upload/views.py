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
                                      idempotent (a repeat after a lost answer, with
                                      the same envelope bytes, gets the same 201 and
                                      stores nothing). With
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
same session is storing its uploads (a retry racing the original, or another
report under the same form page's ticket, from another tab); the browser
retries, and is then answered as the repeat it is, or 404 ``"unknown"`` once
the other report has used the ticket).
"""

from __future__ import annotations

import hashlib
import hmac

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


def largest_report_envelope(kinds) -> int:
    """The largest browser-sealed report envelope (bytes) for stanza ``kinds``
    whose content cannot exceed :data:`MAX_REPORT_BYTES`.

    An envelope's size gives only its chunk count ``N``, and ``N`` chunks hold
    up to ``N * 65532`` bytes (Padmé: ``envelope_size_v2(64 MiB)`` has 1088
    chunks, room for 71 298 816 bytes, more than a reader takes). So this is the
    size of the largest padded count ``N`` with ``N * 65532 <= MAX_REPORT_BYTES``
    (1024 chunks for 64 MiB), or of a small envelope (16 380 bytes) when no
    64 KiB chunk fits. docs/FORMAT.md "Report".
    """
    chunks = MAX_REPORT_BYTES // keys.stream.DATA_PER_CHUNK
    while chunks and keys.padding.padme(chunks) != chunks:
        chunks -= 1
    return keys.envelope_size_v2(chunks * keys.stream.DATA_PER_CHUNK, kinds)

REFUSED_TITLE = _l("The encrypted upload was refused")
MESSAGES = {
    "structure": (422, _l("What your browser sent is not an envelope for this site's reviewers. Nothing was stored.")),
    "recipients": (422, _l("The reviewer keys of this site changed while you were writing. Nothing was stored. Please copy your text, reload the page and send it again.")),
    "not_encrypted": (422, _l("Part of what your browser sent was not encrypted, so it was refused. Nothing was stored.")),
    "incomplete": (422, _l("A file did not arrive completely. Nothing was stored. Please try again.")),
    "unknown": (404, _l("This upload is not part of your browser session. Nothing was stored. Please reload the page and try again.")),
    "too_many": (413, _l("Please send at most %(count)d files at once.")),
    "offset": (409, _l("Part of a file was sent twice; your browser continues where it stopped.")),
    "concurrent": (503, _l("Another report from this page was being stored at the same moment, so nothing of this one was stored yet. Your browser tries again by itself.")),
}
#: A ticket that opens no session (:class:`intake.upload.sessions.Used`); the code stays
#: ``"unknown"``, on which the browser begins a session of its own and sends the report again.
USED_MESSAGE = _l("This form page has sent a report already (perhaps from another tab), or it is some hours old, so it cannot send this one. Nothing of this report was stored. Please reload the page and send it again.")


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
        404 ``"unknown"`` if its submission is stored already (:data:`USED_MESSAGE`),
        503 ``"full"``.
    """
    try:
        sessions.adopt(ticket)
    except ValueError:
        return errors_400()
    except sessions.Used:
        return _error("unknown", 404, REFUSED_TITLE, USED_MESSAGE)
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
    happens, so a retry never makes a duplicate. Another report under the
    same session's ids (another tab of the form page, with its ticket) is
    no repeat: while one is being stored the other is answered 503
    ``"concurrent"`` (:func:`intake.upload.inline.receive` never replaces a
    slot's upload), and once one is stored the other's ticket is used (404).

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
    carried_sha256 = {upload_id: hashlib.sha256(data).hexdigest() for upload_id, data in carried}
    if isinstance(body, dict) and _already_stored(body.get("report"), body.get("attachments", []), carried_sha256):
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
    stored = False
    try:
        answer = _store(state, follow_up, body, names, carried_sha256)
        stored = answer[1] == 201
        return answer
    finally:
        if not stored:
            for part in received:
                part.discard()  # made by this request, which stored nothing


def _store(state, follow_up, body: dict, names: list[str], carried_sha256: dict[str, str]):
    """Check the uploads ``names`` (the report first) of session ``state`` and store them as one submission.

    ``carried_sha256`` maps the upload ids whose envelopes this request
    carried to the SHA-256 of those bytes: each such upload must still hold
    them (another request of the session cannot have put other bytes in
    its place). :returns: the answer (a Flask response and status).
    """
    parts = []
    for index, upload_id in enumerate(names):
        try:
            part, declared = _part(upload_id)
        except Refused:
            if upload_id in carried_sha256:
                return _refused("concurrent")  # taken away by another request of this session
            raise
        if index == 0 and declared > largest_report_envelope([key.kind for key in _recipients()]):
            return errors_413()  # a report the review tool would refuse to read (docs/FORMAT.md "Report")
        try:
            with part.open() as source:
                check_complete(source, part.received(), declared, _recipients())
        except Refused as refusal:
            return _refused(refusal.code)
        parts.append(part)
    blobs = [ReceivedBlob(part) for part in parts]
    if not all(hmac.compare_digest(blob.sha256, carried_sha256.get(upload_id, blob.sha256))
               for upload_id, blob in zip(names, blobs)):
        return _refused("concurrent")  # another request's bytes: not this request's to store or delete
    for blob in blobs:
        track(blob)  # deleted at the end of the request unless stored

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
    except (shared.BlobsGone, IntegrityError):
        # A concurrent submit completed these uploads, or stored a submission
        # under this session's id, first: the same report (a retry racing the
        # original) is answered as the repeat it is; another report under the
        # same session is not, and learns on its retry that the session is gone.
        db.session().rollback()
        if _already_stored(names[0], names[1:], carried_sha256):
            sessions.end()
            return jsonify({"location": url_for("report.received")}), 201
        return _refused("concurrent")
    sessions.end()
    return jsonify({"location": url_for("report.received")}), 201


def _drop_uploads() -> None:
    """Delete this browser's upload session and its unfinished uploads (nothing of it is kept)."""
    state = sessions.current()
    if state is not None:
        with current_app.extensions["resguardo.engine"].begin() as connection:
            sessions.forget(connection, state.key)
    sessions.end()


def _already_stored(report_id: object, attachment_ids: object, carried_sha256: dict[str, str]) -> bool:
    """True if this exact submission was stored already (a repeat after a lost answer).

    The report's item id (the keyed hash
    :func:`~intake.upload.parts.item_id_for` of its upload id) must be a
    stored report item, and the attachments' item ids must be that
    submission's attachments, in order. An upload id of a resumable upload is
    a 128-bit random value only the reporter's browser learnt, so naming it
    is proof enough; an inline slot's is the same for every report under
    one session (every tab of a form page has the page's ticket), so for an
    envelope the request carries (``carried_sha256``: upload id -> SHA-256 of
    its bytes) the stored item's SHA-256 must be that too. Nothing new is
    stored or recorded.
    """
    if not isinstance(report_id, str) or not is_id(report_id) or not isinstance(attachment_ids, list):
        return False
    if not all(isinstance(upload_id, str) and is_id(upload_id) for upload_id in attachment_ids):
        return False
    secret = current_app.config["SECRET_KEY"]
    report = db.session().get(Item, item_id_for(report_id, secret))
    if report is None or report.kind != shared.REPORT or report.position != 0:
        return False
    items = report.submission.items
    if [item.id for item in items if item.kind == shared.ATTACHMENT] != [item_id_for(upload_id, secret) for upload_id in attachment_ids]:
        return False
    stored_sha256 = {item.id: item.sha256 for item in items}
    return all(
        hmac.compare_digest(stored_sha256.get(item_id_for(upload_id, secret), ""), digest)
        for upload_id, digest in carried_sha256.items()
    )


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

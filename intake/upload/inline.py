"""Small envelopes carried inside the submit request: a small report in one round trip.

Over Tor every request costs a round trip of a second or more, so the
browser sends the report envelope and the envelopes of small files *in* the
final ``POST /upload/submit`` instead of declaring, appending and finishing
each one first (large files still use the resumable calls). The body is then
``application/octet-stream``::

    body     = u32be(len(manifest)) || manifest || envelope_1 || ... || envelope_k
    manifest = UTF-8 JSON: the submit's JSON object ({"report", "attachments", ...})
               plus "inline": [[<upload id>, <envelope bytes>], ...], in body order

Each inline upload id must be one of the **slots** of this session: those
``POST /upload/begin`` handed out, or those the form page carried with its
ticket (:func:`page_ticket`; the manifest then names the ``"ticket"``, and
the submit opens that session itself, :func:`intake.upload.sessions.adopt`,
so a small report is one request with no begin before it) (:func:`slot_upload_ids`: derived from the session's
key under the app secret, so the server need not store them and no other
session can name them). Each inline envelope then goes through exactly what
a resumable upload goes through (:func:`receive`): the declared-size rules
and caps of ``POST /upload/`` (:func:`intake.upload.checks.declared_size_ok`,
:func:`intake.upload.sessions.declare`), the piece check of ``PUT``
(:func:`intake.upload.checks.check_piece`, header, recipients and
"not obviously plaintext"), and later the finish check of the submit itself.
The CSRF token travels in ``X-CSRFToken`` and is checked before the body is
read; the body's size cap is :data:`BODY_CAP` (intake/limits.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import struct

from flask import current_app

from ..sealing import blob_store, request_recipients
from . import sessions
from .checks import MAX_PIECE_BYTES, Refused, check_piece, declared_size_ok, total_content_floor
from .parts import Part, item_id_for

SLOT_LABEL = b"resguardo/v1/upload-slot\x00"
_HEAD = struct.Struct(">I")
#: Most bytes of the manifest (JSON): the submit's ids, sizes and optional keys.
MANIFEST_CAP = 8 * 1024
#: Most envelope bytes one submit may carry inline (as one PUT piece: about 4.3 MB).
INLINE_CAP = MAX_PIECE_BYTES
#: Most bytes of an ``application/octet-stream`` submit body.
BODY_CAP = _HEAD.size + MANIFEST_CAP + INLINE_CAP


class Malformed(ValueError):
    """The body is not a manifest followed by exactly the envelopes it lists (a 400)."""


def slot_upload_ids(session_key: str, count: int, secret: str | bytes) -> list[str]:
    """The ``count`` upload ids session ``session_key`` may send inline (32 hex each).

    Slot ``k`` is the first 32 hex digits of ``HMAC-SHA-256(app secret,
    SLOT_LABEL || session key || u16be(k))``: unguessable without the app
    secret, and different for every session.
    """
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return [
        hmac.new(key, SLOT_LABEL + session_key.encode("ascii") + struct.pack(">H", index), hashlib.sha256).hexdigest()[:32]
        for index in range(count)
    ]


def slots(session_key: str) -> list[dict[str, str]]:
    """``[{"upload_id", "item_id"}]`` of the session's slots: one per file the
    submission may have (``MAX_ATTACHMENTS``) plus one for the report."""
    secret = current_app.config["SECRET_KEY"]
    return [
        {"upload_id": upload_id, "item_id": item_id_for(upload_id, secret)}
        for upload_id in slot_upload_ids(session_key, current_app.config["MAX_ATTACHMENTS"] + 1, secret)
    ]


def page_ticket() -> dict:
    """What the report form page carries so a small report needs no ``POST /upload/begin``:
    ``{"ticket", "submission_id", "slots"}`` of a new ticket
    (:func:`intake.upload.sessions.adopt`), the slots as :func:`slots` gives them.
    Nothing is stored."""
    ticket = sessions.new_ticket()
    key = sessions.session_key(ticket, current_app.config["SECRET_KEY"])
    return {
        "ticket": ticket,
        "submission_id": sessions.ticket_submission_id(key, current_app.config["SECRET_KEY"]),
        "slots": slots(key),
    }


def parse(body: bytes) -> tuple[dict, list[tuple[str, bytes]]]:
    """Split a submit body into its manifest and ``[(upload id, envelope bytes)]``.

    :raises Malformed: for a short body, a manifest over :data:`MANIFEST_CAP`
        or not a JSON object, an ``inline`` list that is not ``[[str, int >= 0],
        ...]`` with distinct ids, or envelope lengths that do not add up to
        the rest of the body exactly.
    """
    if len(body) < _HEAD.size:
        raise Malformed("no manifest")
    (length,) = _HEAD.unpack_from(body)
    if length > MANIFEST_CAP or _HEAD.size + length > len(body):
        raise Malformed("bad manifest length")
    try:
        manifest = json.loads(body[_HEAD.size : _HEAD.size + length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Malformed("the manifest is not JSON") from None
    entries = manifest.get("inline") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        raise Malformed("no inline list")
    items = []
    at = _HEAD.size + length
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
                and type(entry[1]) is int and entry[1] >= 0):
            raise Malformed("bad inline entry")
        upload_id, size = entry
        items.append((upload_id, body[at : at + size]))
        at += size
    if at != len(body) or len({upload_id for upload_id, _ in items}) != len(items):
        raise Malformed("the envelopes do not match the manifest")
    return manifest, items


def receive(state, items: list[tuple[str, bytes]]) -> list[Part]:
    """Store each inline envelope of session ``state`` as a complete-length pending upload.

    Runs the checks of ``POST /upload/`` and ``PUT /upload/<id>`` on each
    (see the module docstring). A slot that holds an upload already is never
    replaced: if it holds exactly these bytes (this very submit, sent again
    by the browser after an attempt that broke off, or racing it) it is used
    as it is; if it holds other bytes, another report under this session
    (another tab of the same form page, with the same ticket) is being sent
    at this moment, and this one is refused as ``"concurrent"``, so that
    exactly one report is stored under the session's ids and nobody is told
    their report was received when another was stored in its place (the
    browser retries; once the other is stored, its ticket is used and the
    browser begins a session of its own). On any failure, every part made
    here is deleted.

    :returns: the parts made here, in ``items`` order (not those used as
        they were: they are an earlier attempt's, and that attempt deletes them).
    :raises Refused: ``"unknown"`` (not this session's slot), ``"structure"``,
        ``"recipients"``, ``"not_encrypted"``, ``"too_large"`` (plaintext
        limit), ``"concurrent"`` (the slot holds other bytes).
    :raises sessions.Full: past a pending-upload cap.
    :raises sqlalchemy.exc.IntegrityError: a concurrent request declared the
        same slot first.
    """
    config = current_app.config
    secret = config["SECRET_KEY"]
    allowed = set(slot_upload_ids(state.key, config["MAX_ATTACHMENTS"] + 1, secret))
    recipients = request_recipients()
    kinds = [key.kind for key in recipients]
    limit = config["MAX_CONTENT_LENGTH"] + config["MAX_FORM_MEMORY_SIZE"]
    made: list[Part] = []
    try:
        for upload_id, data in items:
            if upload_id not in allowed:
                raise Refused("unknown")
            part = Part(blob_store(), item_id_for(upload_id, secret), state.key)
            if part.declared() is not None:
                if part.holds(data):
                    continue
                raise Refused("concurrent")
            declared_size_ok(len(data), kinds, limit)
            pending = [size for size in sessions.uploads(state.key).values() if size is not None]
            if total_content_floor([*pending, len(data)], kinds) > limit:
                raise Refused("too_large")
            sessions.declare(state.key, part.id, len(data))
            made.append(part)
            check_piece(0, data, len(data), recipients)
            part.append(0, data)
    except BaseException:
        for part in made:
            part.discard()
        raise
    return made

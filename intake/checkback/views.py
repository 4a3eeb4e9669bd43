"""Routes of check-back: ``/checkback`` (JavaScript off) and ``/checkback/lookup`` (JSON).

=======  ====================  ==================================================
method   path                  answer
=======  ====================  ==================================================
GET      /checkback            the form: type your receipt
POST     /checkback            the case's status and decrypted replies, or the
                               one "no report matches" page (form field ``receipt``)
POST     /checkback/lookup     JSON for the browser: body ``{"lookup_key": <64 hex>}``
                               -> ``{"found": true, "status", "days", "submissions",
                               "follow_up_to", "replies": [{"id", "envelope":
                               <base64>}]}`` or ``{"found": false}``
=======  ====================  ==================================================

A follow-up sealed in the browser is stored by ``POST /upload/submit`` with
``"follow_up": true`` and the lookup key; it is let in by the same check as
``/checkback/lookup`` (:func:`browser_case`, see :mod:`.browser_followup`).

Every wrong receipt (malformed, one word off, unknown) gets the same page,
byte for byte but for the CSRF token, after the same work: a malformed
receipt is replaced by a fixed dummy receipt that is derived like any other
and looked up like any other (one primary-key read). Each attempt first
takes a token from the per-worker bucket (:mod:`.limiter`); an empty bucket
answers a localized 503. The receipt and the keys derived from it live only
in this request's memory; nothing about the attempt is stored or logged
except, for a found case, the day of the visit.
"""

from __future__ import annotations

import base64
import json
import re

from flask import Blueprint, current_app, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l

import keys

from .. import errors
from ..models import Case
from ..sealing import request_recipients
from .cases import Status, case_status, find_case, original_submission
from .limiter import TokenBucket
from .receipts import reporter_key

bp = Blueprint("checkback", __name__, url_prefix="/checkback")

#: Derived in place of a malformed receipt, so every attempt costs the same.
DUMMY_RECEIPT = "abaco abaco abaco abaco abaco abaco abaco abaco"
MAX_RECEIPT_CHARS = 1024
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
BUSY_TITLE = _l("Please try again in a minute")
BUSY_MESSAGE = _l("Many people are checking on reports right now. Nothing was wrong with what you typed. Please wait a minute and try again.")
REPLY_FORMAT = "resguardo-reply"


def worker_url() -> str:
    """URL of checkback-worker.js with the versions of the scripts it imports (as the seal worker's)."""
    from flask import url_for

    from ..security import static_version

    return url_for(
        "static", filename="js/checkback-worker.js", v=static_version("js/checkback-worker.js"),
        s=static_version("vendor/sodium.js"), e=static_version("js/envelope.js"),
        h=static_version("js/envelope2-header.js"), x=static_version("js/envelope2.js"), o=static_version("js/envelope-reader.js"),
        w=static_version("js/receipt-words.js"), r=static_version("js/receipt.js"),
    )


def _bucket() -> TokenBucket:
    return current_app.extensions["resguardo.checkback_bucket"]


def _busy(as_json: bool = False):
    if as_json or request.is_json or request.path.endswith("/lookup"):
        return jsonify({"error": str(BUSY_MESSAGE), "title": str(BUSY_TITLE), "code": "busy"}), 503
    return errors.render_error(503, BUSY_TITLE, BUSY_MESSAGE)


def _page(template: str, code: int = 200, **context):
    response = make_response(render_template(template, **context), code)
    response.headers["Cache-Control"] = "no-store"
    return response


def form_page(**context):
    """The check-back form (``not_found=True``: with the "no report matches" notice).

    It carries what the browser needs to seal a follow-up itself: the seal
    worker (``worker_url()`` in the template) and the reviewers' public keys
    with their fingerprints (``follow_up_keys``).
    """
    keys_shown = [
        {"fingerprint": key.fingerprint.display(), "public_key": base64.b64encode(key.raw).decode("ascii")}
        for key in request_recipients()
    ]
    return _page("checkback/form.html", worker=worker_url(), follow_up_keys=keys_shown, **context)


def browser_case(raw: object) -> Case | None:
    """The case of a browser-sent lookup key (64 lower-case hex), or None; constant work.

    The caller has taken a token from the bucket. A malformed key is replaced
    by the dummy receipt's lookup key, derived and read like any other, so a
    malformed, near-miss or unknown key all cost one derivation and one
    primary-key read and all get None.
    """
    if isinstance(raw, str) and _HEX64.match(raw):
        lookup_key = bytes.fromhex(raw)
    else:
        lookup_key = keys.Receipt.parse(DUMMY_RECEIPT).lookup_key()
        raw = None
    case = find_case(lookup_key)
    return None if raw is None else case


def not_found_json():
    """The one JSON answer of every wrong lookup key: 200 ``{"found": false}``."""
    return jsonify({"found": False})


def _derive(text: str) -> tuple[keys.Receipt | None, bytes]:
    """The parsed receipt (None if malformed) and the lookup key to read.

    A malformed receipt costs the same as a good one: the dummy receipt is
    derived instead, and its lookup key (never a real case) is read.
    """
    try:
        if len(text) > MAX_RECEIPT_CHARS:
            raise keys.ReceiptError("too long")
        receipt = keys.Receipt.parse(text)
    except keys.ReceiptError:
        dummy = keys.Receipt.parse(DUMMY_RECEIPT)
        return None, dummy.lookup_key()
    return receipt, receipt.lookup_key()


def open_replies(status: Status, secret: keys.XWingSecretKey) -> list[dict]:
    """The reply documents of ``status`` that open with ``secret`` and pass every check.

    Checks (docs/FORMAT.md "Reply key and reply envelope"): the envelope
    opens, its content is a JSON object with ``format`` ``resguardo-reply``,
    ``version`` 1, a ``submission_id`` of this case, ``language`` es/en, and
    a non-empty ``text``. A reply failing any check is not shown at all.
    """
    shown = []
    for reply in status.replies:
        try:
            document = json.loads(keys.open_envelope(reply.envelope, [secret]).decode("utf-8"))
        except (keys.KeysError, ValueError):
            continue
        if (
            not isinstance(document, dict)
            or document.get("format") != REPLY_FORMAT
            or document.get("version") != 1
            or document.get("submission_id") not in status.submissions
            or document.get("language") not in ("es", "en")
            or not isinstance(document.get("text"), str)
            or not document["text"]
        ):
            continue
        shown.append(document)
    return shown


@bp.get("")
def form():
    """The check-back form (works without JavaScript)."""
    return form_page()


@bp.post("")
def check():
    """Show a case's status and replies for the typed receipt; forget the receipt."""
    if not _bucket().take():
        return _busy()
    receipt, lookup_key = _derive(request.form.get("receipt", ""))
    case = find_case(lookup_key)
    if case is None or receipt is None:
        return form_page(not_found=True)
    status = case_status(case)
    replies = open_replies(status, reporter_key(receipt))
    return _page("checkback/status.html", status=status, replies=replies, receipt=str(receipt))


@bp.post("/lookup")
def lookup():
    """JSON check-back for the browser: it sends only the lookup key and opens replies itself."""
    if not _bucket().take():
        return _busy()
    body = request.get_json(silent=True)
    case = browser_case(body.get("lookup_key") if isinstance(body, dict) else None)
    if case is None:
        return not_found_json()
    status = case_status(case)
    days = {
        "received": status.received_on.isoformat(),
        "delivered": status.exported_on.isoformat() if status.exported_on else None,
        "read": status.acknowledged_on.isoformat() if status.acknowledged_on else None,
    }
    replies = [
        {"id": reply.id, "envelope": base64.b64encode(reply.envelope).decode("ascii")}
        for reply in status.replies
    ]
    return jsonify({"found": True, "status": status.state, "days": days, "submissions": status.submissions,
                    "follow_up_to": original_submission(case.lookup), "replies": replies})


def init_app(app) -> None:
    """Register the blueprint (with :mod:`.followup`'s route) and the per-worker token bucket."""
    from . import followup  # noqa: F401  (adds POST /checkback/follow-up to bp)

    rate = app.config["CHECKBACK_RATE"]
    app.extensions["resguardo.checkback_bucket"] = TokenBucket(rate, 4 * rate)
    app.register_blueprint(bp)

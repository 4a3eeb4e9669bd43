"""Follow-ups without JavaScript: ``POST /checkback/follow-up`` (message + files).

Sealed exactly like a no-JavaScript report: file parts are sealed to the
reviewers while they stream in (:mod:`intake.sealing`), the message becomes a
report document (docs/FORMAT.md "Report") with ``"follow_up_to"`` (the case's
first report) and the case's ``"reply_to"``, sealed in memory, and the
submission is stored and added to the case in one transaction. The receipt
comes with the form (the reporter typed it on the check-back page) and is
checked like any check-back attempt: token bucket first, then one derivation
and one primary-key read; a wrong one gets the same "no report matches" page.
"""

from __future__ import annotations

import json

from flask import current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

import keys

from .. import errors
from .. import submission as shared
from ..sealing import SealedUpload, blob_store, request_recipients, track
from .cases import find_case, open_case, original_submission
from .receipts import reply_to, reporter_key
from .views import _busy, _bucket, _derive, _page, bp, form_page

MESSAGE_MAX = 100_000
EMPTY_TITLE = _l("Nothing to add")
EMPTY_MESSAGE = _l("Please write a message or choose a file. Nothing was saved.")
TOO_MANY_TITLE = _l("Too many files")


def _clean(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8").replace("\r\n", "\n")


@bp.post("/follow-up")
def follow_up():
    """Store a follow-up (message and files) in the case of the receipt sent with it."""
    if not _bucket().take():
        return _busy()
    receipt, lookup_key = _derive(request.form.get("receipt", ""))
    case = find_case(lookup_key)
    if case is None or receipt is None:
        return form_page(not_found=True)
    message = _clean(request.form.get("message", ""))[:MESSAGE_MAX]
    uploads = [
        storage.stream for storage in request.files.getlist("attachments")
        if isinstance(storage.stream, SealedUpload) and not storage.stream.is_empty_input
    ]
    if len(uploads) > current_app.config["MAX_ATTACHMENTS"]:
        return errors.render_error(400, TOO_MANY_TITLE, _l("Please send at most %(count)d files at once.",
                                                            count=current_app.config["MAX_ATTACHMENTS"]))
    if not message.strip() and not uploads:
        return errors.render_error(400, EMPTY_TITLE, EMPTY_MESSAGE)
    original = original_submission(case.lookup)
    submission_id = shared.new_submission_id()
    blobs, meta = [], []
    for upload in uploads:
        blob = upload.finish()
        meta.append({"item_id": blob.id, "filename": _clean(upload.filename), "content_type": _clean(upload.content_type),
                     "size": upload.size, "sha256": upload.sha256})
        blobs.append(blob)
    document = {
        "format": shared.REPORT_FORMAT,
        "version": shared.REPORT_VERSION,
        "submission_id": submission_id,
        "sealed_by": "server",
        "language": str(get_locale() or ""),
        "fields": {"description": message},
        "attachments": meta,
        "reply_to": reply_to(reporter_key(receipt).public_key.raw),
    }
    if original is not None:
        document["follow_up_to"] = original
    report_blob = track(blob_store().new())
    with keys.EnvelopeWriterV2(request_recipients(), report_blob) as writer:
        writer.write(json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"))
    lookup = case.lookup
    shared.store(submission_id, report_blob, blobs,
                 also=lambda session: open_case(session, lookup, submission_id, follow_up_to=original))
    return _page("checkback/followed.html")

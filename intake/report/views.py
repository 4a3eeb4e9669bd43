"""Routes of the submission site: the form, the POST, the confirmation."""

from __future__ import annotations

import base64
import json

from flask import Blueprint, current_app, make_response, render_template, request
from flask_babel import get_locale

import keys

from .. import submission as shared
from ..reviewers import has_demo_key, post_quantum
from ..sealing import SealedUpload, blob_store, request_recipients, track
from ..checkback import forms as once
from ..checkback.cases import open_case
from ..checkback.receipts import issue
from ..upload import inline
from .forms import answers, report_form

bp = Blueprint("report", __name__)


def _page(form, status: int = 200):
    recipients = request_recipients()
    return (
        render_template(
            "report/form.html",
            form=form,
            questionnaire=current_app.config["QUESTIONNAIRE"],
            language=str(get_locale() or ""),
            reviewer_keys=[
                {"fingerprint": key.fingerprint.display(), "public_key": base64.b64encode(key.raw).decode("ascii")}
                for key in recipients
            ],
            demo=has_demo_key(),
            post_quantum=post_quantum(recipients),
            form_id=once.new_form_id(),
            upload_ticket=inline.page_ticket(),
        ),
        status,
    )


@bp.get("/")
def form():
    """The report form; works fully without JavaScript."""
    return _page(report_form())


def _attachments(form) -> list[SealedUpload]:
    uploads = []
    field = getattr(form, "attachments", None)  # a questionnaire may ask for no files
    for storage in (field.data if field is not None else None) or []:
        stream = getattr(storage, "stream", None)
        if isinstance(stream, SealedUpload) and not stream.is_empty_input:
            uploads.append(stream)
    return uploads


def _clean(text: str) -> str:
    """Make ``text`` encodable as UTF-8 (lone surrogates become U+FFFD)."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _report_document(form, submission_id: str, attachments: list[dict], reply_to: dict | None = None) -> bytes:
    # Browsers send form text with CRLF line breaks; the browser-sealed path
    # (JavaScript) sends LF. Reviewers get LF either way (forms.answers).
    questionnaire = current_app.config["QUESTIONNAIRE"]
    document = {
        "format": shared.REPORT_FORMAT,
        "version": shared.REPORT_VERSION,
        "submission_id": submission_id,
        "sealed_by": "server",
        "language": str(get_locale() or ""),
        "questionnaire": questionnaire.ref(),
        "fields": answers(form, questionnaire),
        "attachments": attachments,
    }
    if reply_to is not None:
        document["reply_to"] = reply_to
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


@bp.post("/submit")
def submit():
    """Store one report: seal it, write blobs durably, then commit the row.

    The file parts were already sealed while the body streamed in
    (:mod:`intake.sealing`). Only after every blob is renamed into place and
    the row has committed is the reporter sent to the confirmation page.
    """
    form = report_form()
    form_key = once.form_key(request.form.get("form_id"))
    if once.already_used(form_key):
        return _no_store(render_template("report/received.html", repeat=True))
    if not form.validate():
        return _page(form, 400)
    receipt = issue()

    submission_id = shared.new_submission_id()
    attachments = []
    attachment_meta = []
    for upload in _attachments(form):
        blob = upload.finish()
        attachment_meta.append(
            {
                "item_id": blob.id,
                "filename": _clean(upload.filename),
                "content_type": _clean(upload.content_type),
                "size": upload.size,
                "sha256": upload.sha256,
            }
        )
        attachments.append(blob)

    report_blob = track(blob_store().new())
    with keys.EnvelopeWriterV2(request_recipients(), report_blob) as writer:
        writer.write(_report_document(form, submission_id, attachment_meta, receipt.reply_to))

    def remember(session) -> None:
        open_case(session, receipt.lookup, submission_id)
        once.record(session, form_key)

    shared.store(submission_id, report_blob, attachments, also=remember)
    # The receipt is in this answer only: never in a URL, cookie or log.
    return _no_store(render_template("report/received.html", receipt=receipt.text))


def _no_store(body: str):
    response = make_response(body, 200)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/received")
def received():
    """Confirmation, shown only after the report is durably stored."""
    return render_template("report/received.html")

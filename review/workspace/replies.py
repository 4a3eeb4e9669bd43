"""The workspace's reply and acknowledge actions, and what the case page shows of them.

Plain HTML forms (no JavaScript), each with the CSRF token; the work is done
by :mod:`review.replies` exactly as ``review reply`` and ``review ack`` do it
(sealed to the reporter key read from the decrypted report, queued in
``CASES/_outbox``). Follow-ups filed in the case (:mod:`review.followups`)
are listed with their text. Reporter and reviewer text is only ever escaped.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from ..attachments import describe_case_attachments
from ..casefolder import read_case_report
from ..errors import ReplyError
from ..followups import followup_dirs
from ..replies import outbox
from ..replies.commands import case_submission_ids
from ..replies.document import LANGUAGES, reply_document, reply_key, seal_reply
from . import triage
from .views import _case_dir

bp = Blueprint("replies", __name__)


def reply_context(case_dir: Path, report: dict) -> dict:
    """What case.html shows about replies: the replies sent (each with
    ``sent`` True once a return bundle carried it), whether the case can be
    answered, whether it is acknowledged, and its follow-ups (each with its
    ``number``, ``text`` and ``attachments`` as
    :func:`review.attachments.describe_case_attachments` describes them)."""
    root = current_app.config["CASES_ROOT"]
    try:
        reply_key(report)
        can_reply = True
    except ReplyError:
        can_reply = False
    sent = outbox.sent_reply_ids(root)
    replies = [{**document, "sent": document.get("id") in sent} for document in outbox.case_replies(case_dir)]
    followups = []
    for folder in followup_dirs(case_dir):
        followup = read_case_report(folder)
        if followup is not None:
            fields = followup.get("fields") if isinstance(followup.get("fields"), dict) else {}
            followups.append({"number": folder.name, "text": str(fields.get("description", "")),
                              "attachments": describe_case_attachments(folder, followup)})
    ids = case_submission_ids(case_dir, report)
    acknowledged = set(outbox.acknowledged_ids(case_dir))
    return {"replies": replies, "can_reply": can_reply, "followups": followups,
            "acknowledged": all(sid in acknowledged for sid in ids),
            "reply_language": report.get("language") if report.get("language") in LANGUAGES else g.lang}


def _case(folder: str) -> tuple[Path, dict]:
    case_dir = _case_dir(folder)
    report = read_case_report(case_dir)
    if report is None or not isinstance(report.get("submission_id"), str):
        abort(404)
    return case_dir, report


def _refused(message: str):
    return render_template("error.html", title=g._("Reply not sent"), message=message), 400


@bp.post("/case/<folder>/reply")
def reply(folder: str):
    case_dir, report = _case(folder)
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        return _refused(g._("Choose the language of the reply."))
    try:
        key = reply_key(report)
        document = reply_document(report["submission_id"], language, request.form.get("text", ""))
    except ReplyError as exc:
        messages = {
            "NoReplyKeyError": g._("This report carries no key to reply to: it was sent without a receipt."),
            "EmptyReplyError": g._("The reply is empty. Go back and write it."),
            "ReplyTooLongError": g._("The reply is longer than 20000 characters. Go back and shorten it."),
        }
        return _refused(messages.get(type(exc).__name__, g._("The reply could not be written.")))
    root = current_app.config["CASES_ROOT"]
    outbox.queue_reply(root, case_dir, document, seal_reply(document, key))
    try:  # new -> in progress: someone is on it
        moved = triage.mark_replied(root, report["submission_id"])
    except (OSError, sqlite3.Error) as exc:  # the reply is queued all the same: no 500 that invites a resend
        current_app.logger.error("workspace: triage not updated after a reply: %s", type(exc).__name__)
        moved = False
    return redirect(url_for("workspace.case", folder=folder, replied="2" if moved else "1") + "#replies", 303)


@bp.post("/case/<folder>/ack")
def acknowledge(folder: str):
    case_dir, report = _case(folder)
    outbox.queue_acknowledgement(current_app.config["CASES_ROOT"], case_dir, case_submission_ids(case_dir, report))
    return redirect(url_for("workspace.case", folder=folder, acked="1") + "#replies", 303)

"""The workspace's pages: the case list, one case, triage, previews and cleaned copies
(of the case's attachments and of its follow-ups' attachments).

Reporter text is only ever put into templates with autoescaping on, never
marked safe. Originals of attachments are never served: only safe
derivatives (re-encoded images, rasterised PDF pages) made by
:mod:`review.attachments`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, url_for

from ..casefolder import read_case_report
from ..followups import followup_dirs
from ..labels import choices, coded_answer
from ..questionnaire import Registry, labelled_rows
from ..render import LANGUAGES, readable
from . import query, triage
from .app import LANG_COOKIE
from .index import CASE_FOLDER

bp = Blueprint("workspace", __name__)

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_FOLLOWUP = re.compile(r"[0-9]{2,9}\Z")
_HEX32 = re.compile(r"[0-9a-f]{32}\Z")


def _root() -> Path:
    return current_app.config["CASES_ROOT"]


def _case_dir(folder: str) -> Path:
    if not CASE_FOLDER.match(folder):
        abort(404)
    path = _root() / folder
    if path.is_symlink() or not path.is_dir():
        abort(404)
    return path


def _filters() -> query.Filters:
    args = request.args
    day = lambda name: args.get(name, "") if _DAY.match(args.get(name, "")) else ""  # noqa: E731
    status = args.get("status", "")
    sort = args.get("sort", "urgency")
    return query.Filters(
        status=status if status in triage.STATUSES else "",
        incident_type=args.get("type", "")[:64],
        region=args.get("region", "")[:64],
        affected=args.get("affected", "")[:200],
        received_from=day("from"),
        received_to=day("to"),
        tag=args.get("tag", "")[:triage.MAX_TAG_CHARS],
        text=args.get("q", "")[:500],
        urgent=args.get("urgent") == "1",
        sort=sort if sort in query.SORTS else "urgency",
    )


def _choices(field: str) -> list[tuple[str, str]]:
    return choices(field, g.lang)


def _used(known: list[tuple[str, str]], used: set[str], chosen: str) -> list[tuple[str, str]]:
    """The filter's options: the known codes some case answered, and the one
    chosen now (so a filter in the address stays visible), in ``known``'s order."""
    return [(code, name) for code, name in known if code in used or code == chosen]


@bp.get("/")
def case_list():
    filters = _filters()
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    listing = query.list_cases(_root(), filters, limit=query.PAGE_SIZE, offset=(page - 1) * query.PAGE_SIZE)
    with triage.open_triage(_root()) as connection:
        tags = triage.all_tags(connection)
    pages = max(1, math.ceil(listing.total / query.PAGE_SIZE))
    base_args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "list.html", listing=listing, filters=filters, page=page, pages=pages, base_args=base_args,
        conversation={row.folder: _conversation(row) for row in listing.rows},
        incident_types=_used(_choices("incident_types"), listing.used_types, filters.incident_type),
        regions=_used(_choices("region"), listing.used_regions, filters.region), tags=tags,
        statuses=triage.STATUSES, sorts=query.SORTS, words=_words,
    )


def _conversation(row: query.CaseRow) -> dict:
    """What the list shows of a case's exchange with its reporter: replies
    written (``CASE/replies``) and whether every submission of the case (the
    report and each follow-up filed so far) is marked as read."""
    from ..replies import outbox
    from ..replies.commands import case_submission_ids

    case_dir = _root() / row.folder
    acknowledged = set(outbox.acknowledged_ids(case_dir))
    if not acknowledged:
        read = False
    elif row.followups:
        report = read_case_report(case_dir)
        read = report is not None and set(case_submission_ids(case_dir, report)) <= acknowledged
    else:
        read = row.submission_id in acknowledged
    return {"replies": len(outbox.case_replies(case_dir)), "read": read}


def _words(field: str, value: object) -> str:
    """A coded answer in words, in the visitor's language (escaped by the template)."""
    return ", ".join(readable(v) for v in coded_answer(field, value, g.lang))


def _attachments(case_dir: Path, report: dict) -> list[dict]:
    from ..attachments import describe_case_attachments

    return describe_case_attachments(case_dir, report)


@bp.get("/case/<folder>")
def case(folder: str):
    case_dir = _case_dir(folder)
    report = read_case_report(case_dir)
    if report is None:
        abort(404)
    fields = report.get("fields") if isinstance(report.get("fields"), dict) else {}
    registry = Registry()
    registry.add_folder(_root())
    rows = labelled_rows(registry.for_report(report), fields, g.lang)
    answers = [(readable(row.label), ", ".join(readable(v) for v in row.values)) for row in rows if row.section]
    others = [(readable(row.label), ", ".join(readable(v) for v in row.values)) for row in rows if not row.section]
    submission_id = str(report.get("submission_id", ""))
    with triage.open_triage(_root()) as connection:
        record = triage.get(connection, submission_id)
    from .replies import reply_context

    return render_template(
        "case.html", folder=folder, report=report, answers=answers, others=others, record=record,
        attachments=_attachments(case_dir, report), statuses=triage.STATUSES,
        received_on=folder[:10], submission_id=submission_id, saved=request.args.get("saved") == "1",
        **_clean_outcome(case_dir),
        replied=request.args.get("replied") if request.args.get("replied") in ("1", "2") else "", acked=request.args.get("acked") == "1",
        **reply_context(case_dir, report),
    )


@bp.post("/case/<folder>/triage")
def save_triage(folder: str):
    case_dir = _case_dir(folder)
    report = read_case_report(case_dir)
    if report is None:
        abort(404)
    form = request.form
    submission_id = str(report.get("submission_id", ""))
    status = form.get("status", "new")
    if status == form.get("status_was") and status in triage.STATUSES:
        # The reviewer left the status as the page showed it: keep whatever it is now.
        # A reply queued, or a follow-up filed, since the page was loaded may have moved it.
        with triage.open_triage(_root()) as connection:
            status = triage.get(connection, submission_id).status
    try:
        record = triage.Triage(
            status=status,
            urgent=form.get("urgent") == "1",
            tags=triage.parse_tags(form.get("tags", "")),
            assignee=form.get("assignee", ""),
            notes=form.get("notes", ""),
        )
        with triage.open_triage(_root()) as connection:
            triage.save(connection, submission_id, record)
    except triage.TriageError:
        return render_template("error.html", title=g._("Not saved"),
                               message=g._("A value was too long or not allowed. Go back and check the form.")), 400
    return redirect(url_for("workspace.case", folder=folder, saved="1") + "#triage", 303)


CLEAN_ERRORS = ("missing", "unsupported", "failed", "residue")
"""The codes of :class:`review.attachments.CleanError` the case page words."""


def _clean_outcome(case_dir: Path) -> dict[str, str]:
    """What the case page says after a clean: ``cleaned`` (a file name),
    ``cleaned_in`` (a follow-up number) and ``error`` (a code of
    :data:`CLEAN_ERRORS`), each from the address only if it names a cleaned copy
    that exists or a known code, so a crafted link cannot put its own words on
    the page; empty strings otherwise."""
    args = request.args
    error = args.get("error", "") if args.get("error", "") in CLEAN_ERRORS else ""
    cleaned, cleaned_in = args.get("cleaned", ""), args.get("cleaned_in", "")
    folder = case_dir
    if cleaned_in:
        folder = case_dir / "followups" / cleaned_in
        if not _FOLLOWUP.match(cleaned_in) or folder not in followup_dirs(case_dir):
            cleaned, cleaned_in = "", ""
    copy = folder / "cleaned" / cleaned
    if not cleaned or "/" in cleaned or cleaned.startswith(".") or copy.is_symlink() or not copy.is_file():
        cleaned, cleaned_in = "", ""
    return {"cleaned": cleaned, "cleaned_in": cleaned_in, "error": error}


def _png(path: Path) -> Response:
    return Response(path.read_bytes(), mimetype="image/png",
                    headers={"Content-Disposition": "inline; filename=preview.png"})


def _followup_dir(case_dir: Path, followup: str) -> Path:
    """``CASE/followups/NN`` if it is one of the case's follow-up folders, else 404."""
    for path in followup_dirs(case_dir):
        if path.name == followup:
            return path
    abort(404)


@bp.get("/case/<folder>/preview/<int:number>.png")
def preview(folder: str, number: int):
    from ..attachments import PreviewError, preview_path

    case_dir = _case_dir(folder)
    try:
        return _png(preview_path(_root(), case_dir, number))
    except PreviewError:
        abort(404)


@bp.get("/case/<folder>/followup/<followup>/preview/<int:number>.png")
def followup_preview(folder: str, followup: str, number: int):
    """The safe preview of attachment ``number`` of follow-up ``followup`` (``01`` …)."""
    from ..attachments import PreviewError, preview_path

    case_dir = _case_dir(folder)
    followup_dir = _followup_dir(case_dir, followup)
    # Cached under the follow-up's submission id too: a folder number is reused
    # (remove followups/01 and the next follow-up is 01 again), an id is not.
    report = read_case_report(followup_dir)
    submission_id = report.get("submission_id") if report is not None else None
    if not isinstance(submission_id, str) or not _HEX32.match(submission_id):
        abort(404)
    try:
        return _png(preview_path(_root(), followup_dir, number,
                                 cache_name=f"{folder}.followup-{followup}.{submission_id}"))
    except PreviewError:
        abort(404)


@bp.post("/case/<folder>/clean/<int:number>")
def clean(folder: str, number: int):
    from ..attachments import CleanError, clean_attachment

    case_dir = _case_dir(folder)
    try:
        made = clean_attachment(case_dir, number)
    except CleanError as exc:
        return redirect(url_for("workspace.case", folder=folder, error=exc.code) + "#attachments", 303)
    return redirect(url_for("workspace.case", folder=folder, cleaned=made.name) + "#attachments", 303)


@bp.post("/case/<folder>/followup/<followup>/clean/<int:number>")
def followup_clean(folder: str, followup: str, number: int):
    """Make the cleaned copy of a follow-up's attachment in ``CASE/followups/NN/cleaned/``."""
    from ..attachments import CleanError, clean_attachment

    followup_dir = _followup_dir(_case_dir(folder), followup)
    anchor = f"#fu-{followup}"
    try:
        made = clean_attachment(followup_dir, number)
    except CleanError as exc:
        return redirect(url_for("workspace.case", folder=folder, error=exc.code) + anchor, 303)
    return redirect(url_for("workspace.case", folder=folder, cleaned=made.name, cleaned_in=followup) + anchor, 303)


@bp.get("/language/<code>")
def language(code: str):
    if code not in LANGUAGES:
        abort(404)
    target = request.args.get("next", "/")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    response = redirect(target, 303)
    response.set_cookie(LANG_COOKIE, code, httponly=True, samesite="Strict", path="/")
    return response

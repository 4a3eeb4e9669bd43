"""The ``review reply``, ``review ack``, ``review return-bundle`` and
``review keygen --signing`` commands: argument parsing and terminal output.

Wording and exit codes follow :mod:`review.output`; the work is done by
:mod:`.document`, :mod:`.outbox`, :mod:`.editor` and :mod:`.bundle`.
"""

from __future__ import annotations

import argparse
import errno
from pathlib import Path

import keys

from .. import output
from ..casefolder import read_case_report
from ..errors import UsageError
from ..followups import followup_dirs
from ..i18n import N_, _, current_language
from ..names import safe_name
from ..output import Output, displayable
from ..passphrase import check_new_passphrase, get_passphrase
from .bundle import write_return_bundle
from .document import LANGUAGES, reply_document, reply_key, seal_reply
from .editor import edit_reply, read_reply_file
from .outbox import queue_acknowledgement, queue_reply


def add_parsers(commands) -> None:
    """Add ``reply``, ``ack`` and ``return-bundle`` to the ``review`` sub-command parsers."""
    reply = commands.add_parser("reply", help=_("write a reply to the reporter of a case (sealed to their key)"))
    reply.add_argument("case", type=Path, metavar="CASE_FOLDER", help=_("one case folder (OUTDIR/<day>_<id>)"))
    reply.add_argument("--file", type=Path, metavar="PATH",
                       help=_("take the reply from this UTF-8 text file instead of opening your editor"))
    reply.add_argument("--reply-language", choices=LANGUAGES,
                       help=_("the language you write the reply in (default: the report's)"))
    reply.add_argument("--lang", choices=LANGUAGES, help=_("language of messages (default: from LANG, else es)"))

    ack = commands.add_parser("ack", help=_("mark a case as read, so the server deletes its encrypted copy"))
    ack.add_argument("case", type=Path, metavar="CASE_FOLDER", help=_("one case folder (OUTDIR/<day>_<id>)"))
    ack.add_argument("--lang", choices=LANGUAGES, help=_("language of messages (default: from LANG, else es)"))

    ret = commands.add_parser("return-bundle",
                              help=_("write the queued replies and acknowledgements as one signed file for the server"))
    ret.add_argument("outdir", type=Path, metavar="OUTDIR", help=_("the folder that holds the case folders"))
    ret.add_argument("--key", required=True, type=Path, metavar="SIGNING_SECRET_KEY",
                     help=_("the organisation's .signing-secret-key file"))
    ret.add_argument("--out", required=True, type=Path, metavar="DIR",
                     help=_("folder to write the return bundle in (e.g. the USB stick)"))
    ret.add_argument("--passphrase-file", type=Path, metavar="PATH", help=_("read the passphrase from a file (scripts)"))
    ret.add_argument("--lang", choices=LANGUAGES, help=_("language of messages (default: from LANG, else es)"))


def _case(path: Path) -> tuple[Path, dict]:
    report = read_case_report(path)
    if report is None or not isinstance(report.get("submission_id"), str):
        raise FileNotFoundError(errno.ENOENT, "not a case folder (no readable report.json)", str(path))
    return path.resolve(), report


LANGUAGE_NAMES = {"es": N_("in Spanish"), "en": N_("in English")}
"""How ``review reply`` names the reply's language (it printed the bare code: "en es")."""


def cmd_reply(args: argparse.Namespace, out: Output) -> int:
    """Seal a reply to the case's reporter key and queue it in the outbox."""
    case, report = _case(args.case)
    key = reply_key(report)  # before the editor opens: no reply key, no typing for nothing
    language = args.reply_language or (report.get("language") if report.get("language") in LANGUAGES
                                       else current_language())
    if args.file is not None:
        text = read_reply_file(args.file)
    else:
        out.info(_("write the reply in the editor, save and close it; an empty file sends nothing"))
        text = edit_reply(case.parent)
    document = reply_document(report["submission_id"], language, text)
    envelope = seal_reply(document, key)
    reply_id = queue_reply(case.parent, case, document, envelope)
    print(_("reply %(id)s queued for case %(case)s (%(count)s characters, %(language)s)",
            id=reply_id[:8], case=displayable(case.name), count=len(document["text"]),
            language=_(LANGUAGE_NAMES[language])),
          flush=True)
    import sqlite3

    from ..workspace import triage  # the workspace's triage store, beside the cases

    try:  # the reply is queued: a triage store that cannot be written must not undo saying so
        moved = triage.mark_replied(case.parent, report["submission_id"])
    except (OSError, sqlite3.Error):
        moved = False
        out.warning(_("case %(case)s keeps its triage status: the triage store in %(path)s could not be written",
                      case=displayable(case.name), path=displayable(case.parent / "_workspace")))
    if moved:
        out.info(_("case %(case)s is now in progress", case=displayable(case.name)))
    out.hint(_("a copy of the text is in %(path)s; send it with: review return-bundle %(outdir)s "
               "--key ORG.signing-secret-key --out USB_FOLDER",
               path=displayable(Path(case.name) / "replies"), outdir=displayable(case.parent)))
    return output.EXIT_OK


def case_submission_ids(case: Path, report: dict) -> list[str]:
    """The submission ids of a case: the report's, then each follow-up's, in order."""
    ids = [report["submission_id"]]
    for folder in followup_dirs(case):
        followup = read_case_report(folder)
        if followup is not None and isinstance(followup.get("submission_id"), str):
            ids.append(followup["submission_id"])
    return ids


def cmd_ack(args: argparse.Namespace, out: Output) -> int:
    """Queue the case's submissions (report and follow-ups) as read."""
    case, report = _case(args.case)
    new = queue_acknowledgement(case.parent, case, case_submission_ids(case, report))
    if new:
        print(_("case %(case)s marked as read: %(count)s submission(s) queued", case=displayable(case.name),
                count=len(new)), flush=True)
        out.hint(_("the server deletes their encrypted copies once it imports the next return bundle"))
    else:
        out.info(_("case %(case)s was already marked as read; nothing new to queue", case=displayable(case.name)))
    return output.EXIT_OK


def cmd_return_bundle(args: argparse.Namespace, out: Output) -> int:
    """Write one signed return bundle of everything queued, then mark it sent."""
    if not args.outdir.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(args.outdir))
    if not args.out.is_dir():
        # An unmounted USB stick must not become a folder on the laptop's disk.
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(args.out))
    if not args.key.is_file():
        raise FileNotFoundError(errno.ENOENT, "no such file", str(args.key))
    if not keys.is_private_mode(args.key):
        out.warning(_("%(name)s can be read by other users of this laptop; make it private with: chmod 600 %(path)s",
                      name=displayable(args.key.name), path=displayable(args.key)))
    passphrase = get_passphrase(args.passphrase_file, _("passphrase for the signing key: "))
    if not passphrase:
        raise keys.WrongPassphraseError("empty passphrase")
    try:
        signing_key = keys.read_signing_secret_key_file(args.key, passphrase)
    except keys.UnsupportedVersionError as exc:
        raise keys.KeyFileError(str(exc)) from exc
    written = write_return_bundle(args.outdir, signing_key, args.out)
    if written is None:
        out.info(_("nothing to send: no reply or acknowledgement is queued"))
        return output.EXIT_OK
    print(_("return bundle: %(path)s", path=displayable(written.path)), flush=True)
    print(_("replies: %(count)s", count=written.replies), flush=True)
    print(_("cases marked as read: %(count)s submission(s)", count=written.acknowledged), flush=True)
    out.hint(_("give this file to the operator, who runs: resguardo import-return %(name)s",
               name=displayable(written.path.name)))
    if written.left:
        out.warning(_("%(count)s more replies or acknowledgements are still queued (one bundle holds at most "
                      "1000 replies); run the same command again for the next bundle", count=written.left))
    return output.EXIT_OK


def cmd_signing_keygen(args: argparse.Namespace, out: Output) -> int:
    """Make the reply-signing key: ``DIR/<name>.signing-secret-key`` (0600) and ``.signing-public-key``."""
    label = args.name.strip()
    if not label or any(ch in label for ch in "\x00\n\r") or len(label) > 100:
        raise UsageError("bad name")
    base = safe_name(label, fallback="reply-signing")
    secret_path = args.out / f"{base}.signing-secret-key"
    public_path = args.out / f"{base}.signing-public-key"
    for path in (secret_path, public_path):
        if path.exists() or path.is_symlink():
            raise FileExistsError(errno.EEXIST, "exists", str(path))
    passphrase = check_new_passphrase(
        get_passphrase(args.passphrase_file, _("new passphrase for the signing key: "), confirm=True))
    args.out.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = keys.SigningSecretKey.generate(label)
    out.info(_("protecting the signing key with your passphrase (a few seconds)"))
    try:
        keys.write_signing_secret_key_file(secret_path, key, passphrase)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    keys.write_signing_public_key_file(public_path, key.public_key)
    print(_("signing secret key: %(path)s", path=displayable(secret_path)), flush=True)
    print(_("signing public key: %(path)s", path=displayable(public_path)), flush=True)
    print(_("fingerprint: %(fingerprint)s", fingerprint=key.fingerprint.display()), flush=True)
    out.hint(_("give ONLY %(public)s to the operator (the server checks return bundles with it); "
               "%(secret)s never leaves this laptop",
               public=displayable(public_path.name), secret=displayable(secret_path.name)))
    return output.EXIT_OK

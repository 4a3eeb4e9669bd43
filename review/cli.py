"""The ``review`` command: argument parsing and the three sub-commands.

All wording and exit codes come from :mod:`review.output`; this module only
wires the library (:mod:`review.bundle`, :mod:`review.cases`,
:mod:`review.listing`) to the terminal.
"""

from __future__ import annotations

import argparse
import errno
import shlex
import sys
from pathlib import Path
from typing import Sequence

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

import keys

from . import argwords, output
from .bundle import Bundle
from .cases import import_bundle, work_bytes
from .outcomes import IMPORTED, NO_KEY, SKIPPED, ImportSummary, SubmissionResult
from .data import commands as data_commands
from .errors import UsageError
from .names import safe_name
from .labels import coded_answer
from .i18n import N_, _, set_language
from .output import Output, displayable
from .replies import commands as replies
from .passphrase import check_new_passphrase, get_passphrase
from .render import LANGUAGES, choose_language
from .workspace.query import SORTS, Filters, list_cases as query_cases
from .workspace.triage import STATUSES

MAX_LISTED = 10
"""Submissions named one by one in the "needs key" summary; the rest are counted."""

DESCRIPTION = N_("Resguardo offline review tool: keep your key, import bundles, read cases.")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="review",
        description=_(DESCRIPTION),
        epilog=output.exit_code_epilog()
        + "\n\n" + _("see docs/REVIEWING.md for the step-by-step workflow."),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    keygen = commands.add_parser("keygen", help=_("make your reviewer keypair (on the air-gapped laptop)"))
    keygen.add_argument("--out", required=True, type=Path, metavar="DIR", help=_("folder for the two key files"))
    keygen.add_argument("--name", default="reviewer", help=_("your name or role, used as the file name (default: reviewer)"))
    keygen.add_argument("--passphrase-file", type=Path, metavar="PATH", help=_("read the passphrase from a file (scripts)"))
    keygen.add_argument("--x25519", action="store_true",
                        help=_("make an older X25519-only key instead of the default X-Wing "
                               "(post-quantum hybrid) key; only for a site that cannot take X-Wing keys yet"))
    keygen.add_argument("--signing", action="store_true",
                        help=_("make the organisation's reply-signing key instead (signs return bundles)"))
    keygen.add_argument("--lang", choices=LANGUAGES, help=_("language of messages (default: from LANG, else es)"))

    imp = commands.add_parser("import", help=_("verify and decrypt a bundle into case folders"))
    imp.add_argument("bundle", type=Path, metavar="BUNDLE", help=_("the resguardo-bundle-….tar file"))
    imp.add_argument("--key", required=True, type=Path, action="append", metavar="SECRET_KEY_FILE",
                     help=_("a .secret-key file; give --key several times to open items sealed to any of them"))
    imp.add_argument("--out", required=True, type=Path, metavar="OUTDIR", help=_("the folder that holds the case folders"))
    imp.add_argument("--lang", choices=LANGUAGES, help=_("language of report.txt and messages (default: from LANG, else es)"))
    imp.add_argument("--passphrase-file", type=Path, metavar="PATH", help=_("read the passphrase from a file (scripts)"))

    lst = commands.add_parser("list", help=_("show the cases in an output folder"))
    lst.add_argument("outdir", type=Path, metavar="OUTDIR", help=_("the folder that holds the case folders"))
    lst.add_argument("--lang", choices=LANGUAGES, help=_("language of coded answers and messages (default: from LANG, else es)"))
    lst.add_argument("--status", choices=STATUSES, help=_("only cases with this triage status"))
    lst.add_argument("--type", dest="incident_type", metavar="CODE", default="", help=_("only this incident type (code)"))
    lst.add_argument("--region", metavar="CODE", default="", help=_("only this region (code)"))
    lst.add_argument("--tag", default="", help=_("only cases with this tag"))
    lst.add_argument("--search", default="", metavar="WORDS", help=_("only cases whose text has all these words"))
    lst.add_argument("--urgent", action="store_true", help=_("only cases flagged urgent"))
    lst.add_argument("--sort", choices=SORTS, default="urgency", help=_("order (default: urgency)"))
    work = commands.add_parser("workspace", help=_("open the case workspace in this laptop's browser (offline)"))
    work.add_argument("outdir", type=Path, metavar="OUTDIR", help=_("the folder that holds the case folders"))
    work.add_argument("--lang", choices=LANGUAGES, help=_("language of the pages and messages (default: from LANG, else es)"))
    work.add_argument("--no-browser", action="store_true", help=_("only print the address, do not open a browser"))
    work.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)

    clean = commands.add_parser("clean", help=_("make cleaned copies of a case's attachments for sharing"))
    clean.add_argument("case", type=Path, metavar="CASE_FOLDER", help=_("one case folder (OUTDIR/<day>_<id>)"))
    clean.add_argument("--attachment", type=int, metavar="N", help=_("only the N-th attachment (1 = first)"))
    clean.add_argument("--lang", choices=LANGUAGES, help=_("language of messages (default: from LANG, else es)"))
    data_commands.add_parsers(commands)
    replies.add_parsers(commands)
    return parser


def _stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def cmd_keygen(args: argparse.Namespace, out: Output) -> int:
    """Make a keypair: ``DIR/<name>.secret-key`` (0600) and ``DIR/<name>.public-key``
    (with ``--signing``: the reply-signing key, :func:`review.replies.commands.cmd_signing_keygen`)."""
    if args.signing:
        return replies.cmd_signing_keygen(args, out)
    label = args.name.strip()
    if not label or any(ch in label for ch in "\x00\n\r") or len(label) > 100:
        raise UsageError("bad name")
    base = safe_name(label, fallback="reviewer")
    secret_path = args.out / f"{base}.secret-key"
    public_path = args.out / f"{base}.public-key"
    for path in (secret_path, public_path):
        if path.exists() or path.is_symlink():
            raise FileExistsError(errno.EEXIST, "exists", str(path))
    passphrase = check_new_passphrase(
        get_passphrase(args.passphrase_file, _("new passphrase for your secret key: "), confirm=True, warn=out.warning),
        user_inputs=[label, *label.split()],
    )
    args.out.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        key = (keys.SecretKey if args.x25519 else keys.XWingSecretKey).generate(label)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    out.info(_("protecting the secret key with your passphrase (a few seconds)"))
    try:
        keys.write_secret_key_file(secret_path, key, passphrase)
    except ValueError as exc:  # a name keys/ refuses (control characters)
        raise UsageError(str(exc)) from exc
    keys.write_public_key_file(public_path, key.public_key)
    console = _stdout()
    console.print(_("secret key:  %(path)s", path=displayable(secret_path)), markup=False)
    console.print(_("public key:  %(path)s", path=displayable(public_path)), markup=False)
    console.print(_("fingerprint: %(fingerprint)s", fingerprint=key.fingerprint.display()), markup=False)
    console.print(_("key type:    %(kind)s", kind=_("X-Wing (post-quantum hybrid)") if key.kind == "xwing" else "X25519"),
                  markup=False)
    out.hint(_("give ONLY %(public)s to the operator; %(secret)s never leaves this laptop",
               public=displayable(public_path.name), secret=displayable(secret_path.name)))
    out.hint(_("read the fingerprint aloud with the operator (in person or by phone) "
               "and check that it matches what the server shows for your key"))
    out.hint(_("remember the passphrase: without it the key, and every report sealed to it, is lost"))
    return output.EXIT_OK


def _load_key(path: Path, passphrase_file: Path | None, out: Output, prompt: str) -> keys.SecretKey:
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "no such file", str(path))
    if not keys.is_private_mode(path):
        out.warning(_("%(name)s can be read by other users of this laptop; make it private with: chmod 600 %(path)s",
                      name=displayable(path.name), path=_shell_word(str(path))))
    passphrase = get_passphrase(passphrase_file, prompt, warn=out.warning)
    if not passphrase:
        raise keys.WrongPassphraseError("empty passphrase")
    try:
        return keys.read_secret_key_file(path, passphrase)
    except keys.UnsupportedVersionError as exc:  # a key file, not an envelope
        raise keys.KeyFileError(str(exc)) from exc


def load_keys(paths: Sequence[Path], passphrase_file: Path | None, out: Output) -> list[keys.SecretKey]:
    """Unlock every secret-key file of ``paths`` once (Argon2id once per key,
    not per item), dropping a key given twice. With ``passphrase_file``
    every key is tried with that passphrase; otherwise each is asked for."""
    loaded: list[keys.SecretKey] = []
    for path in paths:
        prompt = (_("passphrase for your secret key: ") if len(paths) == 1
                  else _("passphrase for %(name)s: ", name=displayable(path.name)))
        key = _load_key(path, passphrase_file, out, prompt)
        if all(key.fingerprint != other.fingerprint for other in loaded):
            loaded.append(key)
    return loaded


def _shell_word(text: object) -> str:
    return shlex.quote(displayable(text))


def _fingerprint(hex_digits: str) -> str:
    try:
        return keys.Fingerprint.from_hex(hex_digits).display()
    except ValueError:
        return displayable(hex_digits)


def report_missing_keys(summary: ImportSummary, bundle_path: Path, outdir: Path,
                        loaded: Sequence[keys.SecretKey], out: Output) -> None:
    """Say once which submissions no loaded key opens, grouped by the key
    fingerprints they need, and give one command to retry with that key."""
    groups = summary.missing_keys
    if not groups:
        return
    count = sum(len(results) for results in groups.values())
    if summary.wrong_key:
        mine = ", ".join(key.fingerprint.display() for key in loaded)
        out.warning(_("this bundle is not for the key you loaded (%(mine)s): none of its %(count)s "
                      "submission(s) is sealed to it; nothing was decrypted or copied", mine=mine, count=count))
    else:
        out.warning(_("%(count)s submission(s) are sealed to a key you did not load", count=count))
    for needs, results in groups.items():
        who = _(" or ").join(_fingerprint(fp) for fp in needs) or _("an unreadable envelope header")
        shown = [f"{r.received_on}_{r.submission_id[:8]}" for r in results[:MAX_LISTED]]
        more = _(" and %(count)s more", count=len(results) - MAX_LISTED) if len(results) > MAX_LISTED else ""
        out.warning(_("needs key %(who)s: %(count)s submission(s): %(list)s", who=who, count=len(results),
                      list=", ".join(shown)) + more)
    out.hint(_("whoever holds that key imports them with: %(command)s (cases already imported are skipped; "
               "--key may be given several times)",
               command=f"review import {_shell_word(bundle_path)} --key {_('THEIR.secret-key')} "
                       f"--out {_shell_word(outdir)}"))


def cmd_import(args: argparse.Namespace, out: Output) -> int:
    """Verify a bundle, unlock the keys, import every submission; exit 0 or 1."""
    language = choose_language(args.lang)
    if not args.out.parent.is_dir():
        # An unmounted encrypted disk must not turn into a folder of plaintext
        # on the laptop's system disk.
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(args.out.parent))
    with Bundle(args.bundle) as bundle:
        if bundle.cut_short:
            out.warning(_("this bundle file is cut short (an interrupted copy?); "
                          "the complete submissions will still be imported"))
        if bundle.unlisted:
            for item_id in bundle.unlisted:
                out.warning(_("items/%(item)s is in the bundle but not in its manifest; it was not imported",
                              item=item_id))
        loaded = load_keys(args.key, args.passphrase_file, out)

        def on_result(result: SubmissionResult) -> None:
            if result.failed and result.error is not None and result.status != NO_KEY:
                label = f"{result.received_on}_{result.submission_id[:8]}: {result.status}"
                out.report(result.error, label)

        with Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=out.console, transient=True, disable=not out.console.is_terminal,
        ) as progress:
            task = progress.add_task(_("importing"), total=work_bytes(bundle) or 1)
            summary = import_bundle(
                bundle, loaded, args.out, language=language,
                progress=lambda n: progress.advance(task, n), on_result=on_result,
            )
    if not summary.addressed_to_key and not summary.wrong_key:
        out.warning(_("this bundle's list of recipients does not name the key(s) you loaded"))
    report_missing_keys(summary, args.bundle, args.out, loaded, out)
    console = _stdout()
    console.print(_("imported: %(count)s", count=summary.count(IMPORTED)), markup=False)
    console.print(_("already imported: %(count)s", count=summary.count(SKIPPED)), markup=False)
    console.print(_("failed: %(count)s", count=len(summary.failed)), markup=False)
    filed = sum(result.followup and result.status == IMPORTED for result in summary.results)
    if filed:
        console.print(_("follow-ups filed into their cases: %(count)s", count=filed), markup=False)
    console.print(_("cases in: %(path)s", path=displayable(args.out)), markup=False)
    if any(result.status != NO_KEY for result in summary.failed) or (
            summary.failed and not summary.wrong_key):
        out.hint(_("failed submissions are kept encrypted in _failed/<submission id>/bundle.tar; "
                   "see status.json there"))
    return output.EXIT_ITEMS_FAILED if summary.failed or summary.unlisted else output.EXIT_OK


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_list(args: argparse.Namespace, out: Output) -> int:
    """Print the cases under OUTDIR, one line each, most urgent first (by default)."""
    language = choose_language(args.lang)
    if not args.outdir.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(args.outdir))
    filters = Filters(status=args.status or "", incident_type=args.incident_type, region=args.region,
                      tag=args.tag, text=args.search, urgent=args.urgent, sort=args.sort)
    listing = query_cases(args.outdir, filters, limit=None)
    lines = []
    regions = [displayable(", ".join(coded_answer("region", row.region, language))) for row in listing.rows]
    region_width = min(24, max([len(_("region")), *map(len, regions)]))
    keys_of = {code: f"status:{code}" for code in STATUSES}  # msgids status:new … (catalog EN/ES)
    statuses = {code: _(key) for code, key in keys_of.items()}
    status_width = max(len(_("status")), *map(len, statuses.values()))
    files_width = max(5, len(_("files")))
    header = (f"{_('date'):<10}  {'id':<8}  {_('status'):<{status_width}}  {'!':<1}  {_('files'):>{files_width}}  "
              f"{_('region'):<{region_width}}  {_('incident types')}")
    lines.append(header)
    for row, region in zip(listing.rows, regions):
        types = displayable(", ".join(coded_answer("incident_types", row.incident_types, language)))
        tags = f"  [{displayable(', '.join(row.tags))}]" if row.tags else ""
        lines.append(
            f"{row.received_on:<10}  {displayable(row.submission_id[:8]):<8}  "
            f"{statuses.get(row.status, row.status):<{status_width}}  "
            f"{'!' if row.urgent or row.danger else ' '}  {row.attachments:>{files_width}}  "
            f"{_fit(region, region_width):<{region_width}}  {types}{tags}")
    if listing.rows:  # no header over nothing: "no case matches" alone says it
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    for name in listing.broken:
        out.warning(_("%(name)s has no readable report.json", name=displayable(name)))
    if listing.failed:
        out.hint(_("%(count)s submission(s) could not be imported; see the _failed folder", count=listing.failed))
    if not listing.rows:
        out.info(_("no cases yet") if filters == Filters(sort=args.sort) else _("no case matches"))
    return output.EXIT_OK


def cmd_workspace(args: argparse.Namespace, out: Output) -> int:
    """Serve the workspace on 127.0.0.1 until Ctrl-C; print its address."""
    from .workspace.server import serve

    language = choose_language(args.lang)
    if not args.outdir.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(args.outdir))

    def announce(url: str) -> None:
        print(f"workspace: {url}", flush=True)
        out.hint(_("keep this terminal open while you work; press Ctrl-C to close the workspace"))

    try:
        serve(args.outdir, language, open_browser=not args.no_browser, port=args.port, announce=announce)
    except KeyboardInterrupt:  # Ctrl-C is how the workspace is closed
        out.info(_("workspace closed"))
    return output.EXIT_OK


def cmd_clean(args: argparse.Namespace, out: Output) -> int:
    """Make cleaned copies (no GPS, device, author) of a case's images and PDFs in CASE/cleaned/."""
    from .attachments import CleanError, clean_attachment
    from .attachments.case import saved_names
    from .attachments.metadata import MetadataError, revealing
    from .casefolder import read_case_report

    report = read_case_report(args.case)
    if report is None:
        raise FileNotFoundError(errno.ENOENT, "not a case folder (no readable report.json)", str(args.case))
    names = saved_names(args.case, report)
    numbers = [args.attachment] if args.attachment else list(range(1, len(names) + 1))
    if not names:
        out.info(_("this case has no attachments"))
    failed = 0
    for number in numbers:
        if not 1 <= number <= len(names):
            raise UsageError(_("the case has %(count)s attachment(s)", count=len(names)))
        original = args.case / "attachments" / names[number - 1]
        try:
            made = clean_attachment(args.case, number)
        except CleanError as exc:
            failed += 1
            why = {"unsupported": _("only images and PDFs can be cleaned; share this file only after checking it by hand"),
                   "residue": _("metadata survived cleaning, so the copy was deleted"),
                   "failed": _("the file could not be read (damaged, or not what it claims)"),
                   "missing": _("the attachment is missing")}[exc.code]
            out.warning(_("%(name)s: not cleaned: %(why)s", name=displayable(names[number - 1]), why=why))
            continue
        try:
            removed = len(revealing(original))
        except MetadataError:
            removed = 0
        print(f"{displayable(original)} -> {displayable(made)} "
              + _("(%(count)s revealing field(s) in the original, 0 in the copy)", count=removed))
    if failed == 0 and names:
        out.hint(_("the originals are unchanged and stay as evidence; share only the cleaned copies"))
    return output.EXIT_ITEMS_FAILED if failed else output.EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``review``; return the exit code (see :data:`review.output.EXIT_CODES`)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    chosen = next((arguments[i + 1] for i, a in enumerate(arguments[:-1]) if a == "--lang"), None)
    set_language(chosen if chosen in LANGUAGES else choose_language())
    out = Output()
    try:
        with argwords.translated():
            args = _parser().parse_args(arguments)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    handler = {"keygen": cmd_keygen, "import": cmd_import, "list": cmd_list,
               "workspace": cmd_workspace, "clean": cmd_clean,
               "dataset": data_commands.cmd_dataset, "stats": data_commands.cmd_stats,
               "reply": replies.cmd_reply, "ack": replies.cmd_ack,
               "return-bundle": replies.cmd_return_bundle}[args.command]
    try:
        return handler(args, out)
    except BaseException as exc:  # never a traceback: every error has words and a code
        if isinstance(exc, SystemExit):
            raise
        return out.report(exc)


if __name__ == "__main__":
    sys.exit(main())

"""The ``review`` command: argument parsing and the three sub-commands.

All wording and exit codes come from :mod:`review.output`; this module only
wires the library (:mod:`review.bundle`, :mod:`review.cases`,
:mod:`review.listing`) to the terminal.
"""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path
from typing import Sequence

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

import keys

from . import output
from .bundle import Bundle
from .cases import IMPORTED, SKIPPED, SubmissionResult, import_bundle, work_bytes
from .errors import UsageError
from .listing import list_cases
from .names import safe_name
from .labels import coded_answer
from .output import Output, displayable, literal
from .passphrase import ENV_VAR, check_new_passphrase, get_passphrase
from .render import LANGUAGES, choose_language

DESCRIPTION = "Resguardo offline review tool: keep your key, import bundles, read cases."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="review",
        description=DESCRIPTION,
        epilog=output.exit_code_epilog()
        + f"\n\n{ENV_VAR} (for automated tests only) supplies the passphrase without a prompt."
        "\nsee docs/REVIEWING.md for the step-by-step workflow.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    keygen = commands.add_parser("keygen", help="make your reviewer keypair (on the air-gapped laptop)")
    keygen.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the two key files")
    keygen.add_argument("--name", default="reviewer", help="your name or role, used as the file name (default: reviewer)")
    keygen.add_argument("--passphrase-file", type=Path, metavar="PATH", help="read the passphrase from a file (scripts)")

    imp = commands.add_parser("import", help="verify and decrypt a bundle into case folders")
    imp.add_argument("bundle", type=Path, metavar="BUNDLE", help="the resguardo-bundle-….tar file")
    imp.add_argument("--key", required=True, type=Path, metavar="SECRET_KEY_FILE", help="your .secret-key file")
    imp.add_argument("--out", required=True, type=Path, metavar="OUTDIR", help="folder that holds the case folders")
    imp.add_argument("--lang", choices=LANGUAGES, help="language of report.txt (default: from LANG, else es)")
    imp.add_argument("--passphrase-file", type=Path, metavar="PATH", help="read the passphrase from a file (scripts)")

    lst = commands.add_parser("list", help="show the cases in an output folder")
    lst.add_argument("outdir", type=Path, metavar="OUTDIR")
    lst.add_argument("--lang", choices=LANGUAGES, help="language of coded answers (default: from LANG, else es)")
    return parser


def _stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def cmd_keygen(args: argparse.Namespace, out: Output) -> int:
    """Make a keypair: ``DIR/<name>.secret-key`` (0600) and ``DIR/<name>.public-key``."""
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
        get_passphrase(args.passphrase_file, "new passphrase for your secret key: ", confirm=True)
    )
    args.out.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        key = keys.SecretKey.generate(label)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    out.info("protecting the secret key with your passphrase (a few seconds)")
    try:
        keys.write_secret_key_file(secret_path, key, passphrase)
    except ValueError as exc:  # a name keys/ refuses (control characters)
        raise UsageError(str(exc)) from exc
    keys.write_public_key_file(public_path, key.public_key)
    console = _stdout()
    console.print(f"secret key:  {displayable(secret_path)}", markup=False)
    console.print(f"public key:  {displayable(public_path)}", markup=False)
    console.print(f"fingerprint: {key.fingerprint.display()}", markup=False)
    out.hint(f"give ONLY {displayable(public_path.name)} to the operator; "
             f"{displayable(secret_path.name)} never leaves this laptop")
    out.hint("read the fingerprint aloud with the operator (in person or by phone) "
             "and check that it matches what the server shows for your key")
    out.hint("remember the passphrase: without it the key, and every report sealed to it, is lost")
    return output.EXIT_OK


def _load_key(path: Path, passphrase_file: Path | None, out: Output) -> keys.SecretKey:
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "no such file", str(path))
    if not keys.is_private_mode(path):
        out.warning(f"{displayable(path.name)} can be read by other users of this laptop; "
                    f"make it private with: chmod 600 {displayable(str(path))}")
    passphrase = get_passphrase(passphrase_file, "passphrase for your secret key: ")
    if not passphrase:
        raise keys.WrongPassphraseError("empty passphrase")
    try:
        return keys.read_secret_key_file(path, passphrase)
    except keys.UnsupportedVersionError as exc:  # a key file, not an envelope
        raise keys.KeyFileError(str(exc)) from exc


def cmd_import(args: argparse.Namespace, out: Output) -> int:
    """Verify a bundle, unlock the key, import every submission; exit 0 or 1."""
    language = choose_language(args.lang)
    if not args.out.parent.is_dir():
        # An unmounted encrypted disk must not turn into a folder of plaintext
        # on the laptop's system disk.
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(args.out.parent))
    with Bundle(args.bundle) as bundle:
        if bundle.cut_short:
            out.warning("this bundle file is cut short (an interrupted copy?); "
                        "the complete submissions will still be imported")
        if bundle.unlisted:
            for item_id in bundle.unlisted:
                out.warning(f"items/{item_id} is in the bundle but not in its manifest; it was not imported")
        key = _load_key(args.key, args.passphrase_file, out)
        if key.fingerprint.hex not in bundle.manifest.recipients:
            out.warning(f"this bundle does not list your key ({key.fingerprint.display()}) "
                        "among its recipients")

        def on_result(result: SubmissionResult) -> None:
            if result.failed and result.error is not None:
                label = f"{result.received_on}_{result.submission_id[:8]}: {result.status}"
                out.report(result.error, label)

        with Progress(
            TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=out.console, transient=True, disable=not out.console.is_terminal,
        ) as progress:
            task = progress.add_task("importing", total=work_bytes(bundle) or 1)
            summary = import_bundle(
                bundle, [key], args.out, language=language,
                progress=lambda n: progress.advance(task, n), on_result=on_result,
            )
    console = _stdout()
    console.print(f"imported: {summary.count(IMPORTED)}", markup=False)
    console.print(f"already imported: {summary.count(SKIPPED)}", markup=False)
    console.print(f"failed: {len(summary.failed)}", markup=False)
    console.print(f"cases in: {displayable(args.out)}", markup=False)
    if summary.failed:
        out.hint("failed submissions are kept encrypted in _failed/<submission id>/bundle.tar; "
                 "see status.json there")
    return output.EXIT_ITEMS_FAILED if summary.failed or summary.unlisted else output.EXIT_OK


def cmd_list(args: argparse.Namespace, out: Output) -> int:
    """Print a table of the cases under OUTDIR."""
    language = choose_language(args.lang)
    cases, broken, failed = list_cases(args.outdir)
    table = Table(title=None)
    for column in ("date", "id", "incident types", "region", "attachments"):
        table.add_column(column, justify="right" if column == "attachments" else "left", overflow="fold")
    for case in cases:
        table.add_row(
            case.date, literal(case.submission_id[:8]),
            literal(", ".join(coded_answer("incident_types", list(case.incident_types), language))),
            literal(", ".join(coded_answer("region", case.region, language))),
            str(case.attachments),
        )
    _stdout().print(table)
    for name in broken:
        out.warning(f"{displayable(name)} has no readable report.json")
    if failed:
        out.hint(f"{failed} submission(s) could not be imported; see the _failed folder")
    if not cases:
        out.info("no cases yet")
    return output.EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``review``; return the exit code (see :data:`review.output.EXIT_CODES`)."""
    out = Output()
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    handler = {"keygen": cmd_keygen, "import": cmd_import, "list": cmd_list}[args.command]
    try:
        return handler(args, out)
    except BaseException as exc:  # never a traceback: every error has words and a code
        if isinstance(exc, SystemExit):
            raise
        return out.report(exc)


if __name__ == "__main__":
    sys.exit(main())

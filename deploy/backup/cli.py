"""The ``resguardo-backup`` command: ``keygen``, ``create``, ``restore``.

Every failure is one line on stderr (``resguardo-backup: error: …``) and an
exit code from :mod:`.errors`, never a traceback. Passphrases come from the
terminal, or from ``--passphrase-file`` for scripts; never from the
environment. Messages are in Spanish or English, chosen as ``review``
chooses (:func:`review.render.choose_language`: ``--lang``, else
``LC_ALL``, ``LC_MESSAGES`` or ``LANG``, else Spanish), from the review
tool's catalogs (:mod:`review.i18n`); a new passphrase is judged, and
zxcvbn's advice translated, by :mod:`review.passphrase`.
"""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import sys
import unicodedata
from pathlib import Path
from typing import Sequence

import keys
from review.errors import WeakPassphraseError
from review.i18n import _, set_language
from review.passphrase import check_new_passphrase, feedback_text
from review.render import LANGUAGES, choose_language

from . import install
from .errors import (EXIT_CODES, EXIT_FILES, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, BackupError, BackupKeyError,
                     PassphraseError)

PROG = "resguardo-backup"
DEFAULT_PUBLIC_KEY = Path("/etc/resguardo/backup.public-key")


def say(level: str, message: str) -> None:
    """``resguardo-backup: LEVEL: message`` on stderr (the level word translated, as ``review`` does)."""
    print(f"{PROG}: {_(level)}: {message}", file=sys.stderr)


def _warn(message: str) -> None:
    say("warning", message)


def _passphrase(passphrase_file: Path | None, prompt: str, *, confirm: bool = False) -> str:
    if passphrase_file is not None:
        with open(passphrase_file, "rb") as handle:
            text = handle.read(4096).decode("utf-8", errors="strict")
        return text.splitlines()[0] if text else ""
    first = getpass.getpass(prompt)
    if confirm and unicodedata.normalize("NFC", first) != unicodedata.normalize("NFC", getpass.getpass(
            _("type the same passphrase again: "))):
        raise PassphraseError(_("the two passphrases differ; nothing was written"))
    return first


def cmd_keygen(args: argparse.Namespace) -> int:
    """Make the operator's backup keypair: NAME.secret-key (0600) and NAME.public-key."""
    secret_path = args.out / f"{args.name}.secret-key"
    public_path = args.out / f"{args.name}.public-key"
    for path in (secret_path, public_path):
        if path.exists() or path.is_symlink():
            raise FileExistsError(errno.EEXIST, _("already exists, not overwritten"), str(path))
    passphrase = _passphrase(args.passphrase_file, _("new passphrase for the backup key: "), confirm=True)
    try:
        check_new_passphrase(passphrase, [args.name, "resguardo", "backup"])
    except WeakPassphraseError as exc:
        why = feedback_text(exc.advice) if exc.advice else _("it is too short or too common")
        raise PassphraseError(_("this passphrase is too easy to guess (%(why)s); "
                                "use six or more random words chosen with dice",
                                why=why.rstrip(".").lower())) from exc
    args.out.mkdir(mode=0o700, parents=True, exist_ok=True)
    # X-Wing (ML-KEM-768 + X25519): a backup copied today must stay closed
    # against a future quantum computer ("harvest now, decrypt later").
    key = keys.XWingSecretKey.generate(f"resguardo backup key {args.name}")
    keys.write_secret_key_file(secret_path, key, passphrase)
    keys.write_public_key_file(public_path, key.public_key)
    print(_("secret key:  %(path)s", path=secret_path))
    print(_("public key:  %(path)s", path=public_path))
    print(_("fingerprint: %(fingerprint)s", fingerprint=key.fingerprint.display()))
    say("hint", _("copy ONLY %(public)s to the server (%(place)s); keep %(secret)s and its passphrase "
                  "off the server, in two separate safe places",
                  public=public_path.name, place=DEFAULT_PUBLIC_KEY, secret=secret_path.name))
    return EXIT_OK


def _read_public(path: Path):
    """The backup public key at ``path`` (X-Wing, or an older X25519 key)."""
    try:
        return keys.read_public_key_file(path)
    except keys.LowOrderKeyError as exc:
        raise BackupKeyError(_("%(path)s holds an unusable public key (a low-order X25519 key)", path=path)) from exc
    except keys.KeysError as exc:
        raise BackupKeyError(_("%(path)s is not a usable %(kind)s file: %(reason)s",
                               path=path, kind=".public-key", reason=exc)) from exc
    except FileNotFoundError as exc:
        raise BackupKeyError(_("no backup public key at %(path)s: make one with `%(command)s` on your own computer "
                               "and copy the .public-key file there (docs/OPERATIONS.md)",
                               path=path, command=f"{PROG} keygen")) from exc


def cmd_create(args: argparse.Namespace) -> int:
    """Back up the data directory, database and onion key, sealed to the backup key(s)."""
    recipients = [_read_public(path) for path in (args.to or [DEFAULT_PUBLIC_KEY])]
    inst = install.Installation.from_env(data_dir=args.data_dir, onion_state=args.onion_state)
    mode = "pg_dump" if args.pg_dump else "skip" if args.no_database else "refuse"
    previous = os.umask(0o077)
    try:
        path = install.create(inst, recipients, args.out, postgresql=mode, warn=_warn)
    finally:
        os.umask(previous)
    print(path)
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Decrypt a backup with the backup secret key and put everything back."""
    if not args.backup.is_file():
        raise FileNotFoundError(errno.ENOENT, _("no such backup file"), str(args.backup))
    passphrase = _passphrase(args.passphrase_file, _("passphrase of the backup key: "))
    if not passphrase:
        raise PassphraseError(_("no passphrase was given"))
    try:
        key = keys.read_secret_key_file(args.key, passphrase)
    except keys.WrongPassphraseError as exc:
        raise PassphraseError(_("the passphrase does not unlock this backup key")) from exc
    except keys.KeysError as exc:
        raise BackupKeyError(_("%(path)s is not a usable %(kind)s file: %(reason)s",
                               path=args.key, kind=".secret-key", reason=exc)) from exc
    inst = install.Installation.from_env(data_dir=args.data_dir, onion_state=args.onion_state)
    previous = os.umask(0o077)
    try:
        manifest = install.restore(inst, args.backup, [key], force=args.force, warn=_warn)
    finally:
        os.umask(previous)
    print(_("restored the backup of %(day)s into %(data_dir)s and %(onion_state)s",
            day=manifest.day.isoformat(), data_dir=inst.data_dir, onion_state=inst.onion_state))
    hostname = inst.onion_state / "public" / "hostname"
    if hostname.is_file():
        print(_("onion address: %(address)s", address=hostname.read_text(encoding="ascii").strip()))
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description=_("Encrypted backups of a Resguardo installation (docs/OPERATIONS.md, 'Back up')."),
        epilog=_("exit codes:") + " " + ", ".join(f"{code} {_(meaning)}" for code, meaning in EXIT_CODES))
    commands = parser.add_subparsers(dest="command", required=True, metavar=_("COMMAND"))

    keygen = commands.add_parser("keygen", help=_("make the backup keypair (on your own computer, not the server)"))
    keygen.add_argument("--out", required=True, type=Path, metavar="DIR", help=_("folder for the two key files"))
    keygen.add_argument("--name", default="backup", help=_("file name of the two key files (default: backup)"))
    keygen.add_argument("--passphrase-file", type=Path, metavar="PATH", help=_("read the passphrase from a file"))

    create = commands.add_parser("create", help=_("write a new encrypted backup"))
    create.add_argument("--out", required=True, type=Path, metavar="DIR", help=_("existing folder for the backup file"))
    create.add_argument("--to", action="append", type=Path, metavar="PUBLIC_KEY_FILE",
                        help=_("backup public key to encrypt to (repeatable; default %(path)s)", path=DEFAULT_PUBLIC_KEY))
    database = create.add_mutually_exclusive_group()
    database.add_argument("--pg-dump", action="store_true", help=_("PostgreSQL: include a pg_dump (fallback)"))
    database.add_argument("--no-database", action="store_true",
                          help=_("PostgreSQL: leave the database out (backed up physically by its own tools)"))

    restore = commands.add_parser("restore", help=_("decrypt a backup and put everything back"))
    restore.add_argument("backup", type=Path, metavar="BACKUP", help=_("the resguardo-backup-….backup file"))
    restore.add_argument("--key", required=True, type=Path, metavar="SECRET_KEY_FILE",
                         help=_("the backup .secret-key file"))
    restore.add_argument("--passphrase-file", type=Path, metavar="PATH", help=_("read the passphrase from a file"))
    restore.add_argument("--force", action="store_true",
                         help=_("replace non-empty directories (the old ones are kept beside)"))

    for sub in (create, restore):
        sub.add_argument("--data-dir", type=Path, metavar="DIR",
                         help=_("default $RESGUARDO_DATA_DIR or /var/lib/resguardo"))
        sub.add_argument("--onion-state", type=Path, metavar="DIR",
                         help=_("default $RESGUARDO_ONION_STATE or /var/lib/resguardo-onion"))
    for sub in (keygen, create, restore):
        sub.add_argument("--lang", choices=LANGUAGES, help=_("language of messages (default: from LANG, else es)"))
    return parser


COMMANDS = {"keygen": cmd_keygen, "create": cmd_create, "restore": cmd_restore}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``resguardo-backup``; returns the exit code (:data:`.errors.EXIT_CODES`)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    chosen = next((arguments[i + 1] for i, a in enumerate(arguments[:-1]) if a == "--lang"), None)
    set_language(chosen if chosen in LANGUAGES else choose_language())
    args = _parser().parse_args(arguments)
    try:
        return COMMANDS[args.command](args)
    except BackupError as exc:
        say("error", str(exc))
        return exc.exit_code
    except (OSError, UnicodeDecodeError) as exc:
        if isinstance(exc, UnicodeDecodeError):
            say("error", _("the passphrase file is not UTF-8 text"))
            return EXIT_FILES
        where = f"{exc.filename}: " if exc.filename else ""
        say("error", f"{where}{exc.strerror or exc}")
        return EXIT_FILES
    except (KeyboardInterrupt, EOFError):
        say("error", _("stopped; nothing half-done was kept"))
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback
        say("error", _("an unexpected internal error happened (%(kind)s)", kind=type(exc).__name__))
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())

"""The ``resguardo-backup`` command: ``keygen``, ``create``, ``restore``.

Every failure is one line on stderr (``resguardo-backup: error: …``) and an
exit code from :mod:`.errors`, never a traceback. Passphrases come from the
terminal, or from ``--passphrase-file`` for scripts; never from the
environment.
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

import zxcvbn

import keys

from . import install
from .errors import EXIT_INTERNAL, EXIT_OK, BackupError, BackupKeyError, PassphraseError

PROG = "resguardo-backup"
DEFAULT_PUBLIC_KEY = Path("/etc/resguardo/backup.public-key")
MIN_SCORE = 4
"""zxcvbn's top score, as for reviewer keys (docs/REVIEWING.md says why)."""


def say(level: str, message: str) -> None:
    """``resguardo-backup: LEVEL: message`` on stderr."""
    print(f"{PROG}: {level}: {message}", file=sys.stderr)


def _warn(message: str) -> None:
    say("warning", message)


def _passphrase(passphrase_file: Path | None, prompt: str, *, confirm: bool = False) -> str:
    if passphrase_file is not None:
        with open(passphrase_file, "rb") as handle:
            text = handle.read(4096).decode("utf-8", errors="strict")
        return text.splitlines()[0] if text else ""
    first = getpass.getpass(prompt)
    if confirm and unicodedata.normalize("NFC", first) != unicodedata.normalize("NFC", getpass.getpass(
            "type the same passphrase again: ")):
        raise PassphraseError("the two passphrases differ; nothing was written")
    return first


def cmd_keygen(args: argparse.Namespace) -> int:
    """Make the operator's backup keypair: NAME.secret-key (0600) and NAME.public-key."""
    secret_path = args.out / f"{args.name}.secret-key"
    public_path = args.out / f"{args.name}.public-key"
    for path in (secret_path, public_path):
        if path.exists() or path.is_symlink():
            raise FileExistsError(errno.EEXIST, "already exists, not overwritten", str(path))
    passphrase = _passphrase(args.passphrase_file, "new passphrase for the backup key: ", confirm=True)
    text = unicodedata.normalize("NFC", passphrase).strip()
    judged = zxcvbn.zxcvbn(text[:72], user_inputs=[args.name, "resguardo", "backup"]) if text else None
    if judged is None or judged["score"] < MIN_SCORE:
        why = (judged or {}).get("feedback", {}).get("warning") or "it is too short or too common"
        raise PassphraseError(f"this passphrase is too easy to guess ({why.rstrip('.').lower()}); "
                              "use six or more random words chosen with dice")
    args.out.mkdir(mode=0o700, parents=True, exist_ok=True)
    # X-Wing (ML-KEM-768 + X25519): a backup copied today must stay closed
    # against a future quantum computer ("harvest now, decrypt later").
    key = keys.XWingSecretKey.generate(f"resguardo backup key {args.name}")
    keys.write_secret_key_file(secret_path, key, passphrase)
    keys.write_public_key_file(public_path, key.public_key)
    print(f"secret key:  {secret_path}")
    print(f"public key:  {public_path}")
    print(f"fingerprint: {key.fingerprint.display()}")
    say("hint", f"copy ONLY {public_path.name} to the server ({DEFAULT_PUBLIC_KEY}); keep "
        f"{secret_path.name} and its passphrase off the server, in two separate safe places")
    return EXIT_OK


def _read_public(path: Path):
    """The backup public key at ``path`` (X-Wing, or an older X25519 key)."""
    try:
        return keys.read_public_key_file(path)
    except keys.LowOrderKeyError as exc:
        raise BackupKeyError(f"{path} holds an unusable public key (a low-order X25519 key)") from exc
    except keys.KeysError as exc:
        raise BackupKeyError(f"{path} is not a usable .public-key file: {exc}") from exc
    except FileNotFoundError as exc:
        raise BackupKeyError(f"no backup public key at {path}: make one with `{PROG} keygen` on your "
                             f"own computer and copy the .public-key file there (docs/OPERATIONS.md)") from exc


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
        raise FileNotFoundError(errno.ENOENT, "no such backup file", str(args.backup))
    passphrase = _passphrase(args.passphrase_file, "passphrase of the backup key: ")
    if not passphrase:
        raise PassphraseError("no passphrase was given")
    try:
        key = keys.read_secret_key_file(args.key, passphrase)
    except keys.WrongPassphraseError as exc:
        raise PassphraseError("the passphrase does not unlock this backup key") from exc
    except keys.KeysError as exc:
        raise BackupKeyError(f"{args.key} is not a usable .secret-key file: {exc}") from exc
    inst = install.Installation.from_env(data_dir=args.data_dir, onion_state=args.onion_state)
    previous = os.umask(0o077)
    try:
        manifest = install.restore(inst, args.backup, [key], force=args.force, warn=_warn)
    finally:
        os.umask(previous)
    print(f"restored the backup of {manifest.day.isoformat()} into {inst.data_dir} and {inst.onion_state}")
    hostname = inst.onion_state / "public" / "hostname"
    if hostname.is_file():
        print(f"onion address: {hostname.read_text(encoding='ascii').strip()}")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Encrypted backups of a Resguardo installation (docs/OPERATIONS.md, 'Back up').",
        epilog="exit codes: 0 done, 1 internal error, 2 setup or usage problem, 3 key file problem, "
               "4 passphrase refused or wrong, 5 backup damaged, cut short or not for this key "
               "(nothing restored), 6 database tool failed, 7 a file could not be read or written")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    keygen = commands.add_parser("keygen", help="make the backup keypair (on your own computer, not the server)")
    keygen.add_argument("--out", required=True, type=Path, metavar="DIR", help="folder for the two key files")
    keygen.add_argument("--name", default="backup", help="file name of the two key files (default: backup)")
    keygen.add_argument("--passphrase-file", type=Path, metavar="PATH", help="read the passphrase from a file")

    create = commands.add_parser("create", help="write a new encrypted backup")
    create.add_argument("--out", required=True, type=Path, metavar="DIR", help="existing folder for the backup file")
    create.add_argument("--to", action="append", type=Path, metavar="PUBLIC_KEY_FILE",
                        help=f"backup public key to encrypt to (repeatable; default {DEFAULT_PUBLIC_KEY})")
    database = create.add_mutually_exclusive_group()
    database.add_argument("--pg-dump", action="store_true", help="PostgreSQL: include a pg_dump (fallback)")
    database.add_argument("--no-database", action="store_true",
                          help="PostgreSQL: leave the database out (backed up physically by its own tools)")

    restore = commands.add_parser("restore", help="decrypt a backup and put everything back")
    restore.add_argument("backup", type=Path, metavar="BACKUP", help="the resguardo-backup-….backup file")
    restore.add_argument("--key", required=True, type=Path, metavar="SECRET_KEY_FILE", help="the backup .secret-key file")
    restore.add_argument("--passphrase-file", type=Path, metavar="PATH", help="read the passphrase from a file")
    restore.add_argument("--force", action="store_true", help="replace non-empty directories (the old ones are kept beside)")

    for sub in (create, restore):
        sub.add_argument("--data-dir", type=Path, metavar="DIR", help="default $RESGUARDO_DATA_DIR or /var/lib/resguardo")
        sub.add_argument("--onion-state", type=Path, metavar="DIR",
                         help="default $RESGUARDO_ONION_STATE or /var/lib/resguardo-onion")
    return parser


EXIT_FILES = 7
COMMANDS = {"keygen": cmd_keygen, "create": cmd_create, "restore": cmd_restore}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``resguardo-backup``; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except BackupError as exc:
        say("error", str(exc))
        return exc.exit_code
    except (OSError, UnicodeDecodeError) as exc:
        if isinstance(exc, UnicodeDecodeError):
            say("error", "the passphrase file is not UTF-8 text")
            return EXIT_FILES
        where = f"{exc.filename}: " if exc.filename else ""
        say("error", f"{where}{exc.strerror or exc}")
        return EXIT_FILES
    except (KeyboardInterrupt, EOFError):
        say("error", "stopped; nothing half-done was kept")
        return 130
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback
        say("error", f"an unexpected internal error happened ({type(exc).__name__})")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())

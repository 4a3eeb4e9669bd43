"""Typed errors of ``resguardo-backup``, each with its own exit code.

The command prints ``resguardo-backup: error: <message>`` on one line and exits
with the error's ``exit_code``; tests match on the class or the code.
:data:`EXIT_CODES` lists every code with its meaning (``--help`` and
docs/OPERATIONS.md show it).
"""

from __future__ import annotations

from review.i18n import N_

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2  # argparse's own code for a bad command line
EXIT_KEY_FILE = 3
EXIT_PASSPHRASE = 4
EXIT_DAMAGED = 5
EXIT_DATABASE_TOOL = 6
EXIT_FILES = 7
EXIT_SETUP = 8
EXIT_INTERRUPTED = 130

EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, N_("done")),
    (EXIT_INTERNAL, N_("internal error")),
    (EXIT_USAGE, N_("the command was typed wrongly")),
    (EXIT_KEY_FILE, N_("key file problem")),
    (EXIT_PASSPHRASE, N_("passphrase refused or wrong")),
    (EXIT_DAMAGED, N_("backup damaged, cut short or not for this key (nothing restored)")),
    (EXIT_DATABASE_TOOL, N_("database tool failed")),
    (EXIT_FILES, N_("a file could not be read or written")),
    (EXIT_SETUP, N_("something to fix first (a missing folder, a non-empty target, a PostgreSQL database)")),
    (EXIT_INTERRUPTED, N_("stopped with Ctrl-C")),
)
"""Every exit code with its meaning (English msgids, shown translated)."""


class BackupError(Exception):
    """Root of every error ``resguardo-backup`` reports."""

    exit_code = EXIT_INTERNAL


class SetupError(BackupError):
    """Something to fix before the command can run: a missing directory, a
    target that is not empty, a database this tool cannot copy. Its own code,
    not argparse's 2, so a script can tell "fix the machine" from "fix the
    command line"."""

    exit_code = EXIT_SETUP


class BackupKeyError(BackupError):
    """A backup key file cannot be read, is not a key file, or holds an unusable key."""

    exit_code = EXIT_KEY_FILE


class PassphraseError(BackupError):
    """The passphrase does not unlock the secret key, or a new one is too easy to guess."""

    exit_code = EXIT_PASSPHRASE


class DamagedBackupError(BackupError):
    """The backup is altered, cut short, not sealed to this key, or not a backup.

    Raised before anything is put in place: a restore that fails this way
    changes nothing.
    """

    exit_code = EXIT_DAMAGED


class DatabaseToolError(BackupError):
    """The SQLite copy, ``pg_dump`` or ``pg_restore`` failed."""

    exit_code = EXIT_DATABASE_TOOL

"""Typed errors of ``resguardo-backup``, each with its own exit code.

The command prints ``resguardo-backup: error: <message>`` on one line and exits
with the error's ``exit_code``; tests match on the class or the code.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2  # argparse's own code for a bad command line


class BackupError(Exception):
    """Root of every error ``resguardo-backup`` reports."""

    exit_code = EXIT_INTERNAL


class SetupError(BackupError):
    """Something to fix before the command can run: a missing directory, a
    target that is not empty, a database this tool cannot copy."""

    exit_code = 2


class BackupKeyError(BackupError):
    """A backup key file cannot be read, is not a key file, or holds an unusable key."""

    exit_code = 3


class PassphraseError(BackupError):
    """The passphrase does not unlock the secret key, or a new one is too easy to guess."""

    exit_code = 4


class DamagedBackupError(BackupError):
    """The backup is altered, cut short, not sealed to this key, or not a backup.

    Raised before anything is put in place: a restore that fails this way
    changes nothing.
    """

    exit_code = 5


class DatabaseToolError(BackupError):
    """The SQLite copy, ``pg_dump`` or ``pg_restore`` failed."""

    exit_code = 6

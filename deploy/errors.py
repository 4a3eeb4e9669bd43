"""Typed errors of the onion launcher, each with its own process exit code.

An operator (or systemd, or a monitoring script) must be able to tell these
failures apart without reading prose, so each class carries a distinct
``exit_code``. :func:`deploy.onion.main` prints ``str(error)`` on one line and
exits with that code; it never shows a traceback. Tests match on the class or
the exit code, never on the message.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2  # argparse's own code for a bad command line


class LauncherError(Exception):
    """Root of every error the launcher reports to the operator."""

    exit_code = EXIT_INTERNAL


class TorMissingError(LauncherError):
    """The ``tor`` program is not installed (not on PATH) and no control port answers."""

    exit_code = 3


class ControlRefusedError(LauncherError):
    """tor's control port or control socket refused the connection or is not tor."""

    exit_code = 4


class AuthenticationError(LauncherError):
    """tor rejected our cookie, or the cookie file cannot be read."""

    exit_code = 5


class KeyPermissionError(LauncherError):
    """The onion key file or its directory is readable by others, or not ours."""

    exit_code = 6


class AddressCollisionError(LauncherError):
    """tor already serves this onion address in a way the launcher cannot take over."""

    exit_code = 7


class NotPublishedError(LauncherError):
    """The health check found the onion service absent from tor (or without descriptor)."""

    exit_code = 8


class TorRejectedError(LauncherError):
    """tor answered a control command with an error the launcher did not expect."""

    exit_code = 9


class KeyFileError(LauncherError):
    """The onion key file is malformed, or missing where one must already exist."""

    exit_code = 10


class ConfigError(LauncherError):
    """A launcher option is invalid: bad target, bad control address, bad client name."""

    exit_code = 11


ALL_ERRORS = (
    TorMissingError,
    ControlRefusedError,
    AuthenticationError,
    KeyPermissionError,
    AddressCollisionError,
    NotPublishedError,
    TorRejectedError,
    KeyFileError,
    ConfigError,
)

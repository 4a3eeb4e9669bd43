"""Getting a passphrase: from a prompt, or for scripts and tests from a file or
the ``RESGUARDO_PASSPHRASE`` environment variable.

The environment variable exists for automated tests; on a reviewer's laptop
type the passphrase at the prompt (an environment variable can end up in
shell history or be seen by other programs of the same user).
"""

from __future__ import annotations

import errno
import getpass
import os
import unicodedata
from pathlib import Path

from .errors import PassphraseMismatchError, WeakPassphraseError

ENV_VAR = "RESGUARDO_PASSPHRASE"
MIN_CHARS = 16
"""Shortest new passphrase accepted (a six-word diceware phrase is ~35 characters)."""
MAX_FILE_BYTES = 4096


def read_passphrase_file(path: str | Path) -> str:
    """The first line of ``path`` (without its line ending), as text.

    :raises OSError: if it cannot be read, or is not UTF-8 text (``EILSEQ``).
    """
    with open(path, "rb") as handle:
        data = handle.read(MAX_FILE_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OSError(errno.EILSEQ, "not UTF-8 text", str(path)) from exc
    return text.splitlines()[0] if text else ""


def get_passphrase(passphrase_file: str | Path | None, prompt: str, *, confirm: bool = False) -> str:
    """A passphrase from ``passphrase_file``, else ``$RESGUARDO_PASSPHRASE``,
    else the terminal (typed twice when ``confirm``).

    :raises PassphraseMismatchError: if the two typed passphrases differ.
    :raises OSError: if the passphrase file cannot be read.
    """
    if passphrase_file is not None:
        return read_passphrase_file(passphrase_file)
    if ENV_VAR in os.environ:
        return os.environ[ENV_VAR]
    first = getpass.getpass(prompt)
    if confirm:
        second = getpass.getpass("type the same passphrase again: ")
        if unicodedata.normalize("NFC", first) != unicodedata.normalize("NFC", second):
            raise PassphraseMismatchError()
    return first


def check_new_passphrase(passphrase: str) -> str:
    """Return ``passphrase`` if it is fit to protect a new secret key.

    :raises WeakPassphraseError: if it has fewer than :data:`MIN_CHARS`
        characters (after NFC normalisation, ignoring outer spaces).
    """
    if len(unicodedata.normalize("NFC", passphrase).strip()) < MIN_CHARS:
        raise WeakPassphraseError()
    return passphrase

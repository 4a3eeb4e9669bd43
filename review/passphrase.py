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
MIN_DISTINCT = 8
"""Fewest different characters in a new passphrase."""
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
        characters (after NFC normalisation, ignoring outer spaces), fewer
        than :data:`MIN_DISTINCT` different characters, or no letters at all
        (``aaaaaaaaaaaaaaaa``, ``1234567890123456``), or is one short piece
        repeated (``passwordpassword``).
    """
    text = unicodedata.normalize("NFC", passphrase).strip()
    if len(text) < MIN_CHARS or len(set(text.lower())) < MIN_DISTINCT:
        raise WeakPassphraseError()
    if not any(ch.isalpha() for ch in text) or _is_repetition(text.lower()):
        raise WeakPassphraseError()
    return passphrase


def _is_repetition(text: str) -> bool:
    """True if ``text`` is a piece of at most half its length, repeated."""
    return any(
        len(text) % size == 0 and text == text[:size] * (len(text) // size)
        for size in range(1, len(text) // 2 + 1)
    )

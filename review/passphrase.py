"""Getting a passphrase (a prompt, or a file for scripts) and judging a new one.

A new passphrase is judged by zxcvbn (Dropbox's estimator, PyPI ``zxcvbn``:
Wheeler, "zxcvbn: Low-Budget Password Strength Estimation", USENIX Security
2016), not by rules made up here. docs/REVIEWING.md says which score is
required and why.

``RESGUARDO_PASSPHRASE`` supplies the passphrase without a prompt **only**
when the test-only switch ``RESGUARDO_TEST_ONLY_PASSPHRASE_FROM_ENV=1`` is
also set (the test suite drives the real commands that way). Without the
switch the variable is ignored, with a warning, and the command prompts as
usual: a variable can end up in shell history or be seen by other programs
of the same user, so no production command takes a secret from one.
"""

from __future__ import annotations

import errno
import getpass
import os
import unicodedata
from pathlib import Path
from typing import Callable, Iterable

from .errors import PassphraseMismatchError, WeakPassphraseError
from .i18n import N_, _

ENV_VAR = "RESGUARDO_PASSPHRASE"
TEST_SWITCH = "RESGUARDO_TEST_ONLY_PASSPHRASE_FROM_ENV"
"""Set to ``1`` (by tests only) to let :data:`ENV_VAR` replace the prompt."""
MIN_SCORE = 4
"""zxcvbn's highest score: about 10^10 guesses or more (see docs/REVIEWING.md)."""
MAX_JUDGED_CHARS = 72
"""zxcvbn judges at most this many characters (its own limit); a longer
passphrase is judged by its first 72, which can only under-rate it."""
MAX_FILE_BYTES = 4096


ZXCVBN_FEEDBACK = (
    # warnings
    N_("Straight rows of keys are easy to guess."),
    N_("Short keyboard patterns are easy to guess."),
    N_('Repeats like "aaa" are easy to guess.'),
    N_('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    N_('Sequences like "abc" or "6543" are easy to guess.'),
    N_("Recent years are easy to guess."),
    N_("Dates are often easy to guess."),
    N_("This is a top-10 common password."),
    N_("This is a top-100 common password."),
    N_("This is a very common password."),
    N_("This is similar to a commonly used password."),
    N_("A word by itself is easy to guess."),
    N_("Names and surnames by themselves are easy to guess."),
    N_("Common names and surnames are easy to guess."),
    # suggestions
    N_("Use a few words, avoid common phrases."),
    N_("No need for symbols, digits, or uppercase letters."),
    N_("Add another word or two. Uncommon words are better."),
    N_("Use a longer keyboard pattern with more turns."),
    N_("Avoid repeated words and characters."),
    N_("Avoid sequences."),
    N_("Avoid recent years."),
    N_("Avoid years that are associated with you."),
    N_("Avoid dates and years that are associated with you."),
    N_("Capitalization doesn't help very much."),
    N_("All-uppercase is almost as easy to guess as all-lowercase."),
    N_("Reversed words aren't much harder to guess."),
    N_("Predictable substitutions like '@' instead of 'a' don't help very much."),
)
"""Every warning and suggestion zxcvbn 4.5 gives (zxcvbn/feedback.py), in its
English words: the msgids of their translations (:func:`feedback_text`)."""


def feedback_text(message: str) -> str:
    """zxcvbn's English ``message`` (a warning or suggestion) in the current language.

    A sentence of :data:`ZXCVBN_FEEDBACK` comes from the catalog; any other (a
    newer zxcvbn's) stays in English, as zxcvbn wrote it.
    """
    return _(message) if message in ZXCVBN_FEEDBACK else message


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


def env_passphrase(warn: Callable[[str], None] | None = None) -> str | None:
    """:data:`ENV_VAR`'s value if the test-only switch allows it, else None.

    When the variable is set without the switch, ``warn`` (if given) is told
    that it was ignored.
    """
    if ENV_VAR not in os.environ:
        return None
    if os.environ.get(TEST_SWITCH) == "1":
        return os.environ[ENV_VAR]
    if warn is not None:
        warn(_("%(var)s is set but ignored (it is only for automated tests); type the passphrase instead",
               var=ENV_VAR))
    return None


def get_passphrase(
    passphrase_file: str | Path | None,
    prompt: str,
    *,
    confirm: bool = False,
    warn: Callable[[str], None] | None = None,
) -> str:
    """A passphrase from ``passphrase_file``, else (tests only, see the module
    docstring) ``$RESGUARDO_PASSPHRASE``, else the terminal (typed twice when
    ``confirm``).

    :raises PassphraseMismatchError: if the two typed passphrases differ.
    :raises OSError: if the passphrase file cannot be read.
    :raises EOFError: if the input ends at the prompt.
    """
    if passphrase_file is not None:
        return read_passphrase_file(passphrase_file)
    from_env = env_passphrase(warn)
    if from_env is not None:
        return from_env
    first = getpass.getpass(prompt)
    if confirm:
        second = getpass.getpass("type the same passphrase again: ")
        if unicodedata.normalize("NFC", first) != unicodedata.normalize("NFC", second):
            raise PassphraseMismatchError()
    return first


def check_new_passphrase(passphrase: str, user_inputs: Iterable[str] = ()) -> str:
    """Return ``passphrase`` if zxcvbn scores it at least :data:`MIN_SCORE`.

    ``user_inputs`` (the key's name, say) count as known words to an attacker.
    The text is NFC-normalised and stripped of outer spaces before it is judged.

    :raises WeakPassphraseError: if the score is lower; its ``advice`` holds
        zxcvbn's warning in plain words, in English (may be empty; shown
        translated by :func:`feedback_text`).
    """
    text = unicodedata.normalize("NFC", passphrase).strip()
    if not text:
        raise WeakPassphraseError()
    import zxcvbn  # only keygen judges a new passphrase; review list and import need not load it

    result = zxcvbn.zxcvbn(text[:MAX_JUDGED_CHARS], user_inputs=[str(word) for word in user_inputs])
    if result["score"] < MIN_SCORE:
        raise WeakPassphraseError(advice=result["feedback"]["warning"])
    return passphrase

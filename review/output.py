"""The review tool's output rules, and the one map from errors to words and exit codes.

Rules (after age's CLI):

- the command's result (a table, a fingerprint, a summary) goes to stdout;
  everything else — progress bars, errors, warnings, hints — to stderr;
- every stderr message starts ``review: `` and, for a level, ``error: ``,
  ``warning: `` or ``hint: ``; messages are lower-case and end without a period;
- text that came from a bundle or report is passed through
  :func:`displayable` first, so no escape sequence reaches the terminal and
  every control or bidi character is shown as an escape, and it is printed
  with markup off (or as :func:`literal` text in tables): rich markup in a
  report (``[link=…]``, ``[blink]``, an unbalanced ``[/bold]``) is shown as
  written, never interpreted;
- errors are explained by :func:`explain` in words for a reviewer who is
  not an engineer (what happened, what to do); a traceback is never shown.
"""

from __future__ import annotations

import errno
import unicodedata
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass

from rich.console import Console
from rich.text import Text

import keys

from . import errors
from .i18n import _
from .passphrase import feedback_text

PREFIX = "review:"

EXIT_OK = 0
EXIT_ITEMS_FAILED = 1
EXIT_USAGE = 2
EXIT_WRONG_PASSPHRASE = 3
EXIT_KEY_FILE = 4
EXIT_BUNDLE = 5
EXIT_BUNDLE_VERSION = 6
EXIT_FILES = 7
EXIT_PASSPHRASE_REJECTED = 8
EXIT_REPLY = 9
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "everything was done (new cases imported, or already there)"),
    (EXIT_ITEMS_FAILED, "some submissions could not be imported; the others were"),
    (EXIT_USAGE, "the command was typed wrongly"),
    (EXIT_WRONG_PASSPHRASE, "the passphrase does not unlock the secret key"),
    (EXIT_KEY_FILE, "the secret key file is damaged, altered or not a key file"),
    (EXIT_BUNDLE, "the bundle is damaged or unsafe; nothing was decrypted"),
    (EXIT_BUNDLE_VERSION, "the bundle was made by a newer version of Resguardo"),
    (EXIT_FILES, "a file or folder could not be read or written"),
    (EXIT_PASSPHRASE_REJECTED, "keygen: the new passphrase was refused"),
    (EXIT_REPLY, "reply: the reply was not written (no reply key, empty, too long, no editor)"),
    (EXIT_INTERNAL, "an unexpected internal error (a bug)"),
    (EXIT_INTERRUPTED, "stopped with Ctrl-C, or a helper process of the import stopped"),
)
"""Every exit code with its meaning, for ``review --help`` and docs/REVIEWING.md."""


@dataclass(frozen=True)
class Explanation:
    """What an error means to a reviewer.

    ``status`` a short code (per-item statuses such as ``"tampered"``),
    ``exit_code`` the process exit code, ``message`` what happened,
    ``hint`` what to do (may be empty).
    """

    status: str
    exit_code: int
    message: str
    hint: str = ""


_RETRY = "its encrypted copy was kept in the _failed folder"
_FRESH = "ask the operator for a fresh export of this submission"

# Most specific classes first: explain() takes the first isinstance match.
_TABLE: tuple[tuple[type[BaseException], Explanation], ...] = (
    (keys.WrongPassphraseError, Explanation(
        "wrong passphrase", EXIT_WRONG_PASSPHRASE,
        "the passphrase does not unlock this secret key",
        "type it again slowly, check caps lock and the keyboard layout; "
        "it is the passphrase chosen at review keygen")),
    (keys.WeakParametersError, Explanation(
        "key file altered", EXIT_KEY_FILE,
        "this secret key file asks for protection settings no genuine key file uses, "
        "so it was not used",
        "use the secret key file that review keygen made; this copy may have been altered")),
    (keys.KeyFileError, Explanation(
        "bad key file", EXIT_KEY_FILE,
        "the secret key file is damaged, from a newer version, or not a resguardo secret key",
        "check that you chose the .secret-key file (not the .public-key file) "
        "and that it was copied whole")),
    (keys.NoMatchingKeyError, Explanation(
        "no matching key", EXIT_ITEMS_FAILED,
        "this submission was not encrypted to your key",
        f"another reviewer's key may open it; {_RETRY}, retry with that key")),
    (keys.TruncatedError, Explanation(
        "truncated", EXIT_ITEMS_FAILED,
        "part of this submission is cut short (the encrypted file is incomplete)",
        f"{_FRESH}; {_RETRY}")),
    (keys.TrailingDataError, Explanation(
        "trailing data", EXIT_ITEMS_FAILED,
        "extra data was added after the end of an encrypted file in this submission",
        f"{_FRESH}; {_RETRY}")),
    (keys.SignatureError, Explanation(
        "not as written", EXIT_ITEMS_FAILED,
        "the encrypted contents of part of this submission are not the ones its sender wrote "
        "(someone re-encrypted or replaced them); nothing of it was kept",
        f"tell the other reviewers and the operator; {_FRESH}; {_RETRY}")),
    (keys.PayloadError, Explanation(
        "tampered", EXIT_ITEMS_FAILED,
        "part of this submission failed its integrity check: it was damaged or altered",
        f"{_FRESH}; {_RETRY}")),
    (keys.UnsupportedVersionError, Explanation(
        "unsupported version", EXIT_ITEMS_FAILED,
        "part of this submission was made by a newer version of resguardo",
        f"update the review tool and import again; {_RETRY}")),
    (keys.CommitmentError, Explanation(
        "forged for some readers", EXIT_ITEMS_FAILED,
        "part of this submission was made so that different reviewers would read different "
        "contents; it was not opened",
        f"tell the other reviewers and the operator; {_FRESH}; {_RETRY}")),
    (keys.UnknownStanzaError, Explanation(
        "unknown key type", EXIT_ITEMS_FAILED,
        "part of this submission is encrypted to a kind of key this version does not know",
        f"update the review tool and import again; {_RETRY}")),
    (keys.HeaderError, Explanation(
        "bad header", EXIT_ITEMS_FAILED,
        "part of this submission does not start like a resguardo encrypted file",
        f"{_FRESH}; {_RETRY}")),
    (errors.ReportVersionError, Explanation(
        "unsupported version", EXIT_ITEMS_FAILED,
        "this report was written by a newer version of resguardo",
        f"update the review tool and import again; {_RETRY}")),
    (errors.ManifestMismatchError, Explanation(
        "manifest mismatch", EXIT_ITEMS_FAILED,
        "this submission does not match the bundle's list of contents (size or checksum)",
        f"the bundle was damaged on the way or altered; {_FRESH}")),
    (errors.MissingItemError, Explanation(
        "missing item", EXIT_ITEMS_FAILED,
        "part of this submission is missing from the bundle",
        _FRESH)),
    (errors.AttachmentMismatchError, Explanation(
        "attachment hash mismatch", EXIT_ITEMS_FAILED,
        "an attached file does not match what the report says about it",
        f"do not rely on this submission; tell the operator; {_RETRY}")),
    (errors.InvalidReportError, Explanation(
        "invalid report", EXIT_ITEMS_FAILED,
        "this report opened but its contents are not in the expected form",
        f"update the review tool, or tell the operator; {_RETRY}")),
    (errors.ItemError, Explanation(
        "failed", EXIT_ITEMS_FAILED, "this submission could not be imported", _RETRY)),
    (errors.BundleVersionError, Explanation(
        "unsupported bundle version", EXIT_BUNDLE_VERSION,
        "this bundle was made by a newer version of resguardo",
        "update the review tool on this laptop, then import again")),
    (errors.ReturnBundleGivenError, Explanation(
        "return bundle", EXIT_BUNDLE,
        "this is a return bundle (review return-bundle writes it for the intake's "
        "'resguardo import-return'), not an export of reports; nothing was decrypted",
        "import the resguardo-bundle-….tar file the operator exported; this one goes to the operator")),
    (errors.BundleError, Explanation(
        "bad bundle", EXIT_BUNDLE,
        "this file is not a usable resguardo bundle, or contains something unsafe; "
        "nothing was decrypted",
        "check that you chose the .tar bundle file; otherwise ask the operator for a "
        "fresh export and do not open this file with other tools")),
    (errors.PassphraseMismatchError, Explanation(
        "passphrase mismatch", EXIT_PASSPHRASE_REJECTED,
        "the two passphrases you typed are different",
        "run the command again and type the same passphrase twice")),
    (errors.WeakPassphraseError, Explanation(
        "weak passphrase", EXIT_PASSPHRASE_REJECTED,
        "this passphrase is too easy to guess to protect a secret key",
        "use a diceware passphrase: six or more random words from a word list, "
        "chosen with dice, e.g. 'ladder quiet mango ferry olive sprint'")),
    (errors.NoReplyKeyError, Explanation(
        "no reply key", EXIT_REPLY,
        "this report carries no key to reply to (it was sent without a receipt, or the key is damaged); "
        "nothing was written",
        "the reporter can only be answered through the contact details in the report, if any")),
    (errors.EmptyReplyError, Explanation(
        "empty reply", EXIT_REPLY, "the reply is empty; nothing was written or queued",
        "write the reply and save the file before closing the editor, or give --file")),
    (errors.ReplyTooLongError, Explanation(
        "reply too long", EXIT_REPLY, "the reply is longer than 20000 characters; nothing was queued",
        "shorten it, or send it as two replies")),
    (errors.NoEditorError, Explanation(
        "no editor", EXIT_REPLY, "no text editor could be opened for the reply; nothing was queued",
        "write the reply in a text file and give it with --file, or set EDITOR (for example EDITOR=nano)")),
    (errors.UsageError, Explanation(
        "usage", EXIT_USAGE, "this command cannot be used as typed", "see review --help")),
    (KeyboardInterrupt, Explanation(
        "interrupted", EXIT_INTERRUPTED, "stopped",
        "nothing half-done was kept; run the same command again to continue")),
    (BrokenExecutor, Explanation(
        "interrupted", EXIT_INTERRUPTED,
        "a helper process of the import stopped (the laptop may be short of memory)",
        "nothing half-done was kept; close other programs, then run the same command again to continue")),
    (EOFError, Explanation(
        "interrupted", EXIT_INTERRUPTED, "no passphrase was typed (the input ended)",
        "run the same command again and type the passphrase at the prompt")),
)

_OS_MESSAGES: dict[int, tuple[str, str]] = {
    errno.ENOENT: ("there is no such file or folder", "check the name and the path"),
    errno.EACCES: ("you do not have permission to use this file or folder",
                   "check that you are the laptop's usual user"),
    errno.EPERM: ("you do not have permission to use this file or folder",
                  "check that you are the laptop's usual user"),
    errno.EEXIST: ("a file with this name already exists and was not overwritten",
                   "choose another name or folder"),
    errno.ENOSPC: ("the disk is full", "free some space, then run the same command again"),
    errno.EROFS: ("the disk is read-only", "choose a folder on a writable disk"),
    errno.ENOTDIR: ("this is not a folder (or is a link to one)", "choose a real folder"),
    errno.EISDIR: ("this is a folder, not a file", "choose the file itself"),
}


def _visible(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def displayable(text: object) -> str:
    """``text`` as one literal terminal line, every character visible.

    C0 and C1 controls (ESC of ANSI/OSC sequences, NUL, newlines, DEL),
    format characters (bidi overrides and isolates, zero-width joiners),
    line and paragraph separators, surrogates and unassigned code points
    become Python-style escapes: ``"\\x1b[31m"``, ``"\\u202e"``. Rich
    markup is not touched here: print the result with ``markup=False`` or
    as a :class:`rich.text.Text` (see :func:`literal`).
    E.g. ``displayable("a\\x1b]8;;x\\x07") == "a\\\\x1b]8;;x\\\\x07"``.
    """
    text = str(text)
    if text.isprintable():  # no "Other" (C*) nor separator but ASCII space: nothing to escape
        return text
    return "".join(
        _visible(ch) if unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp")
        else ch
        for ch in text
    )


def literal(text: object) -> Text:
    """``text`` as a rich :class:`~rich.text.Text` shown exactly as written:
    :func:`displayable`, and never parsed as markup (for table cells)."""
    return Text(displayable(text), no_wrap=False)


def explain(error: BaseException) -> Explanation:
    """Map any error to an :class:`Explanation`: status, exit code, message, hint.

    Covers every :mod:`keys` error, every :mod:`review.errors` error,
    ``OSError`` (by errno, naming the file) and ``KeyboardInterrupt``;
    anything else is an internal error (exit 70).
    """
    for kind, explanation in _TABLE:
        if isinstance(error, kind):
            return Explanation(explanation.status, explanation.exit_code, _(explanation.message),
                               _(explanation.hint) if explanation.hint else "")
    if isinstance(error, OSError):
        message, hint = _OS_MESSAGES.get(
            error.errno or 0, ("a file could not be read or written", "check the disk and the path")
        )
        message, hint = _(message), _(hint)
        name = error.filename if error.filename not in (None, "") else None
        if name is not None:
            message = f"{message}: {displayable(name)}"
        return Explanation("file error", EXIT_FILES, message, hint)
    return Explanation(
        "internal error", EXIT_INTERNAL,
        _("an unexpected internal error happened (%(kind)s)", kind=displayable(type(error).__name__)),
        _("please tell the person who maintains this laptop; your files were not changed "
          "beyond what was reported"))


class Output:
    """Writes messages to stderr following the rules above."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, highlight=False, soft_wrap=True)

    def _emit(self, level: str, message: str) -> None:
        prefix = f"{PREFIX} {_(level)}: " if level else f"{PREFIX} "
        self.console.print(prefix + message, markup=False, highlight=False, emoji=False)

    def info(self, message: str) -> None:
        """A plain progress or result note: ``review: message``."""
        self._emit("", message)

    def error(self, message: str) -> None:
        """``review: error: message``."""
        self._emit("error", message)

    def warning(self, message: str) -> None:
        """``review: warning: message``."""
        self._emit("warning", message)

    def hint(self, message: str) -> None:
        """``review: hint: message``."""
        self._emit("hint", message)

    def report(self, error: BaseException, context: str = "") -> int:
        """Print the error and hint for ``error`` (prefixed by ``context``); return its exit code."""
        explanation = explain(error)
        detail = getattr(error, "reason", "")
        message = explanation.message
        if isinstance(error, errors.BundleError) and not isinstance(error, errors.ReturnBundleGivenError):
            member = f" ({displayable(error.member)})" if error.member else ""
            message = f"{message} [{detail}{member}]"
        if isinstance(error, errors.WeakPassphraseError) and error.advice:
            advice = feedback_text(error.advice).rstrip(". ")
            message = f"{message} ({displayable(advice[:1].lower() + advice[1:])})"
        self.error(f"{context}: {message}" if context else message)
        if explanation.hint:
            self.hint(explanation.hint)
        return explanation.exit_code


def catalog_messages() -> list[str]:
    """Every English text of this module that is shown translated (for the
    catalogs: tools/update_review_translations.py)."""
    texts = [meaning for _code, meaning in EXIT_CODES] + ["exit codes:", "error", "warning", "hint"]
    for _kind, explanation in _TABLE:
        texts += [explanation.message] + ([explanation.hint] if explanation.hint else [])
    for message, hint in [*_OS_MESSAGES.values(), ("a file could not be read or written", "check the disk and the path")]:
        texts += [message, hint]
    return texts


def exit_code_epilog() -> str:
    """The exit-code table as plain text, for ``review --help``."""
    lines = [_("exit codes:")]
    lines += [f"  {code:>3}  {_(meaning)}" for code, meaning in EXIT_CODES]
    return "\n".join(lines)

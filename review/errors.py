"""Typed errors of the review tool.

One root, :class:`ReviewError`. :class:`BundleError` means the bundle as a
whole cannot be trusted and nothing is decrypted; an :class:`ItemError`
concerns one submission, which is set aside while the rest import.
Each :class:`ItemError` subclass carries a short ``status`` code; the errors
of :mod:`keys` get theirs in :func:`review.output.explain`, the one place
that turns any error into words and an exit code. Callers and tests match on
types and status codes, never on message text.
"""


class ReviewError(Exception):
    """Root of every error raised by :mod:`review`."""


class UsageError(ReviewError):
    """A command-line value is unusable (e.g. a key name with control characters)."""


class PassphraseRejectedError(ReviewError):
    """``review keygen`` refused a new passphrase (see the subclasses)."""


class PassphraseMismatchError(PassphraseRejectedError):
    """The two passphrases typed at ``review keygen`` differ."""


class WeakPassphraseError(PassphraseRejectedError):
    """The new passphrase is too easy to guess to protect a secret key.

    ``advice`` is the estimator's one-sentence reason, in plain words (may be empty).
    """

    def __init__(self, advice: str = "") -> None:
        super().__init__(advice or "weak passphrase")
        self.advice = advice


class ReplyError(ReviewError):
    """A reply cannot be written (see the subclasses); nothing was queued."""


class NoReplyKeyError(ReplyError):
    """The case's report carries no usable reply key (``reply_to``): it was sent
    without a receipt, or the key is malformed."""


class EmptyReplyError(ReplyError):
    """The reply text is empty (e.g. the editor was closed without writing)."""


class ReplyTooLongError(ReplyError):
    """The reply text is longer than a reply may be (20 000 characters)."""


class NoEditorError(ReplyError):
    """No editor is set ($VISUAL, $EDITOR), it could not be started, or it failed."""


class BundleError(ReviewError):
    """The bundle is unusable or hostile; nothing in it is decrypted.

    ``reason`` is a short code (e.g. ``"link member"``, ``"absolute name"``,
    ``"duplicate member"``, ``"unknown member"``, ``"not a tar"``,
    ``"no manifest"``, ``"invalid manifest"``); ``member`` the offending
    archive name, if any.
    """

    def __init__(self, reason: str, detail: str = "", member: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.member = member


class BundleVersionError(BundleError):
    """The manifest declares a bundle format or version this tool does not read."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("unsupported bundle version", detail)


class ReturnBundleGivenError(BundleError):
    """The file is a return bundle (``review return-bundle`` writes it for the
    intake's ``resguardo import-return``), not an export to import: it has a
    ``manifest.sig`` member, which no export bundle has (docs/FORMAT.md)."""

    def __init__(self, member: str | None = None) -> None:
        super().__init__("return bundle", member=member)


class ItemError(ReviewError):
    """One submission cannot be imported; the rest of the bundle still can.

    ``status`` is the per-item status code shown to the reviewer and written
    to ``_failed/<submission id>/status.json``; ``item_id`` the item at fault.
    """

    status = "failed"

    def __init__(self, detail: str = "", item_id: str | None = None) -> None:
        super().__init__(detail or self.status)
        self.detail = detail
        self.item_id = item_id


class ManifestMismatchError(ItemError):
    """An item's size or SHA-256 differs from the manifest, or the manifest and
    the decrypted report disagree about what belongs to the submission."""

    status = "manifest mismatch"


class MissingItemError(ItemError):
    """An item named by the manifest (or by the report) is not in the bundle."""

    status = "missing item"


class AttachmentMismatchError(ItemError):
    """A decrypted attachment's size or SHA-256 differs from the report's."""

    status = "attachment hash mismatch"


class InvalidReportError(ItemError):
    """The decrypted report is not a valid report JSON (docs/FORMAT.md, "Report")."""

    status = "invalid report"


class ReportVersionError(ItemError):
    """The decrypted report declares a report version this tool does not read."""

    status = "unsupported version"

"""What ``review import`` reports: each submission's status and the summary of a run.

:func:`review.cases.import_bundle` returns an :class:`ImportSummary` holding
one :class:`SubmissionResult` per submission, in manifest order; the command
(:mod:`review.cli`) prints them and :mod:`review.failed` keeps a failure's
ciphertext with its status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

IMPORTED = "imported"
SKIPPED = "already imported"
NO_KEY = "no matching key"


@dataclass
class SubmissionResult:
    """What happened to one submission.

    ``status`` is ``"imported"``, ``"already imported"`` or a failure status
    code (see :func:`review.output.explain`); ``case_dir`` the case folder
    (imported or skipped), ``error`` the exception of a failure, ``item_id``
    the item at fault if known.
    """

    submission_id: str
    received_on: str
    status: str
    case_dir: Path | None = None
    error: BaseException | None = None
    item_id: str | None = None
    needs: tuple[str, ...] = ()
    """For ``no matching key``: the fingerprints (64 hex) its envelope names."""
    followup: bool = False
    """True if it was filed as a follow-up inside its original case's folder."""

    @property
    def failed(self) -> bool:
        """True unless imported now or earlier."""
        return self.status not in (IMPORTED, SKIPPED)


@dataclass
class ImportSummary:
    """All results of one import, in manifest order, plus bundle-level facts."""

    bundle_id: str
    addressed_to_key: bool
    unlisted: tuple[str, ...] = ()
    results: list[SubmissionResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        """Number of submissions with exactly this status."""
        return sum(result.status == status for result in self.results)

    @property
    def failed(self) -> list[SubmissionResult]:
        """The submissions that could not be imported."""
        return [result for result in self.results if result.failed]

    @property
    def missing_keys(self) -> dict[tuple[str, ...], list[SubmissionResult]]:
        """``no matching key`` results grouped by the fingerprints they need."""
        groups: dict[tuple[str, ...], list[SubmissionResult]] = {}
        for result in self.results:
            if result.status == NO_KEY:
                groups.setdefault(result.needs, []).append(result)
        return groups

    wrong_key: bool = False
    """True if no submission of the bundle names a loaded key (nothing was
    decrypted or copied: the bundle is for someone else)."""

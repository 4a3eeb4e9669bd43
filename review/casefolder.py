"""Case folders: their names and the one reader of a case's ``report.json``.

``review import`` files each submission in ``OUTDIR/<received_on>_<first 8
hex of the id>/`` (the full 32 hex if that name is taken); every other part
of the tool (listing, workspace, data, attachments, replies) reads a case
through :func:`read_case_report`, which never follows a link.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from .report import MAX_REPORT_BYTES

if TYPE_CHECKING:
    from .bundle import ManifestSubmission


def case_names(submission: "ManifestSubmission") -> tuple[str, str]:
    """Folder names for a case: ``<day>_<8 hex>``, and ``<day>_<32 hex>`` if that is taken."""
    return (
        f"{submission.received_on}_{submission.id[:8]}",
        f"{submission.received_on}_{submission.id}",
    )


def read_case_report(case_dir: Path, limit: int = MAX_REPORT_BYTES) -> dict | None:
    """The ``report.json`` of a case folder, or None if absent, a link, or unreadable."""
    try:
        if not stat.S_ISDIR(os.lstat(case_dir).st_mode):
            return None
        fd = os.open(case_dir / "report.json", os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)
        report = json.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    return report if isinstance(report, dict) and len(data) <= limit else None

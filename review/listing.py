"""``review list``: the cases under an output folder, read from the case index.

The index (:mod:`review.workspace.index`) is brought up to date with the
case folders first, so the listing is always complete; only new folders'
``report.json`` files are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .workspace.query import Filters, list_cases as query_cases


@dataclass(frozen=True)
class Case:
    """One case folder: ``date`` (received on), ``submission_id`` (32 hex),
    ``incident_types`` and ``region`` as the report gives them (codes),
    ``attachments`` the number of attachments the report lists."""

    folder: str
    date: str
    submission_id: str
    incident_types: tuple[str, ...]
    region: str
    attachments: int


def list_cases(outdir: str | Path) -> tuple[list[Case], list[str], int]:
    """The cases under ``outdir``, sorted by date then folder.

    Returns (cases, names of case-like folders whose report.json is
    unreadable, number of submissions kept in ``_failed``). Links are
    never followed.

    :raises OSError: if ``outdir`` cannot be read.
    """
    listing = query_cases(Path(outdir), Filters(sort="oldest"), limit=None)
    cases = [
        Case(row.folder, row.received_on, row.submission_id, tuple(row.incident_types), row.region,
             row.attachments)
        for row in listing.rows
    ]
    return cases, sorted(listing.broken), listing.failed

"""``review list``: the case folders under an output folder."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .cases import FAILED_DIR, read_case_report

CASE_FOLDER = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})_([0-9a-f]{8}|[0-9a-f]{32})\Z")


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


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return (str(value),) if value not in (None, "") else ()


def list_cases(outdir: str | Path) -> tuple[list[Case], list[str], int]:
    """The cases under ``outdir``, sorted by date then id.

    Returns (cases, names of case-like folders whose report.json is
    unreadable, number of submissions kept in ``_failed``). Links are
    never followed.

    :raises OSError: if ``outdir`` cannot be read.
    """
    root = Path(outdir)
    cases: list[Case] = []
    broken: list[str] = []
    failed = 0
    with os.scandir(root) as entries:
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False):
                continue
            if entry.name == FAILED_DIR:
                with os.scandir(entry.path) as kept:
                    failed = sum(
                        1 for k in kept
                        if k.is_dir(follow_symlinks=False) and not k.name.startswith(".")
                    )
                continue
            match = CASE_FOLDER.match(entry.name)
            if not match:
                continue
            report = read_case_report(root / entry.name)
            if report is None:
                broken.append(entry.name)
                continue
            fields = report.get("fields") if isinstance(report.get("fields"), dict) else {}
            attachments = report.get("attachments")
            cases.append(Case(
                folder=entry.name,
                date=match.group(1),
                submission_id=str(report.get("submission_id", "")),
                incident_types=_strings(fields.get("incident_types")),
                region=" ".join(_strings(fields.get("region"))),
                attachments=len(attachments) if isinstance(attachments, list) else 0,
            ))
    cases.sort(key=lambda case: (case.date, case.submission_id))
    return cases, sorted(broken), failed


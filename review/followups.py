"""Follow-ups: later submissions of a case, filed inside the original case's folder.

A report whose document has ``follow_up_to`` (docs/FORMAT.md, "Reply key and
reply envelope") is filed by ``review import`` as
``CASE/followups/NN/`` (``01``, ``02`` … in the order they are imported; the
server keeps no order finer than the day, so follow-ups of one day keep the
bundle's order) with the same files as a case (``report.json``,
``report.txt``, ``attachments/``). ``CASES/_followups/<submission id>`` (a
one-line file naming ``<case>/followups/NN``) lets a second import skip it
before decrypting. A follow-up whose original case is not in the folder
becomes a case of its own.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from . import fsutil

FOLLOWUPS_DIR = "followups"
MARKERS_DIR = "_followups"
_NUMBER = re.compile(r"[0-9]{2,}\Z")
_HEX32 = re.compile(r"[0-9a-f]{32}\Z")


def original_id(report: dict) -> str | None:
    """The ``follow_up_to`` of a report if it is 32 lower-case hex, else None."""
    value = report.get("follow_up_to")
    return value if isinstance(value, str) and _HEX32.match(value) else None


def followup_dirs(case_dir: Path) -> list[Path]:
    """The follow-up folders of a case, in order (``followups/01``, ``02`` …); links skipped."""
    folder = Path(case_dir) / FOLLOWUPS_DIR
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return []
        names = [name for name in os.listdir(folder) if _NUMBER.match(name)]
    except OSError:
        return []
    return [folder / name for name in sorted(names, key=int)
            if stat.S_ISDIR(os.lstat(folder / name).st_mode)]


def next_number(case_dir: Path) -> str:
    """The next free follow-up folder name of a case: ``01``, ``02`` …"""
    return f"{max((int(path.name) for path in followup_dirs(case_dir)), default=0) + 1:02d}"


def marker(root: Path, submission_id: str) -> Path | None:
    """The folder a follow-up was filed into, from its marker, if it still holds it."""
    try:
        text = (Path(root) / MARKERS_DIR / submission_id).read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    parts = text.split("/")
    if len(parts) != 3 or parts[1] != FOLLOWUPS_DIR or not _NUMBER.match(parts[2]):
        return None
    return Path(root).joinpath(*parts)


def write_marker(root: Path, root_fd: int, submission_id: str, relative: str) -> None:
    """Record that follow-up ``submission_id`` is in ``relative`` (``<case>/followups/NN``)."""
    fsutil.ensure_dir(Path(root) / MARKERS_DIR)
    folder_fd = fsutil.open_dir(MARKERS_DIR, root_fd)
    try:
        temp = f".{submission_id}.tmp"
        try:
            os.unlink(temp, dir_fd=folder_fd)
        except FileNotFoundError:
            pass
        fsutil.write_at(folder_fd, temp, (relative + "\n").encode("ascii"))
        os.replace(temp, submission_id, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
        os.fsync(folder_fd)
    finally:
        os.close(folder_fd)

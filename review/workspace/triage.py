"""Triage records: a case's status, urgency flag, tags, assignee and private notes.

Kept in ``CASES/_workspace/triage.sqlite3`` beside the cases, keyed by the
submission id (so renaming or re-importing a case folder keeps its triage).
This is the reviewers' own work: unlike the index it cannot be rebuilt, so it
is written with a full ``fsync`` per change (SQLite WAL, ``synchronous =
FULL``). It is never exported: nothing in Resguardo reads it to build a
bundle, and docs/REVIEWING.md says to keep it on the laptop.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .index import connect, workspace_dir

TRIAGE_FILE = "triage.sqlite3"
STATUSES = ("new", "in_progress", "closed")
MAX_TAGS = 20
MAX_TAG_CHARS = 40
MAX_ASSIGNEE_CHARS = 100
MAX_NOTES_CHARS = 20_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS triage (
    submission_id TEXT PRIMARY KEY CHECK (length(submission_id) = 32),
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'closed')),
    urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
    assignee TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS tags (
    submission_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (submission_id, tag)
);
CREATE INDEX IF NOT EXISTS tags_by_tag ON tags (tag);
"""

_HEX32 = re.compile(r"[0-9a-f]{32}\Z")


class TriageError(ValueError):
    """A triage value is not acceptable (unknown status, too long, bad submission id)."""


@dataclass
class Triage:
    """One case's triage: ``status`` one of :data:`STATUSES`, ``urgent``,
    ``tags`` (sorted, lower-case), ``assignee`` and ``notes`` (free text)."""

    status: str = "new"
    urgent: bool = False
    tags: list[str] = field(default_factory=list)
    assignee: str = ""
    notes: str = ""


def triage_path(root: Path) -> Path:
    """``root/_workspace/triage.sqlite3`` (the folder is created if missing)."""
    return workspace_dir(root) / TRIAGE_FILE


def open_triage(root: Path) -> sqlite3.Connection:
    """A connection to the triage database of ``root`` (created with its schema)."""
    connection = connect(triage_path(root))
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.executescript(SCHEMA)
    return connection


def _clean_text(text: str, limit: int, what: str, *, lines: bool = False) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    allowed = "\n\t" if lines else ""
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        raise TriageError(f"{what} has control characters")
    if len(text) > limit:
        raise TriageError(f"{what} is longer than {limit} characters")
    return text if lines else text.strip()


def parse_tags(text: str) -> list[str]:
    """Tags from comma-separated text: trimmed, lower-cased, distinct, sorted.

    :raises TriageError: for more than :data:`MAX_TAGS` tags or a tag longer
        than :data:`MAX_TAG_CHARS` characters or with control characters.
    """
    tags = sorted({_clean_text(part, MAX_TAG_CHARS, "a tag").lower() for part in text.split(",")} - {""})
    if len(tags) > MAX_TAGS:
        raise TriageError(f"at most {MAX_TAGS} tags")
    return tags


def get(connection: sqlite3.Connection, submission_id: str) -> Triage:
    """The triage of ``submission_id`` (defaults if none was saved)."""
    row = connection.execute(
        "SELECT status, urgent, assignee, notes FROM triage WHERE submission_id = ?", (submission_id,)
    ).fetchone()
    tags = [r[0] for r in connection.execute(
        "SELECT tag FROM tags WHERE submission_id = ? ORDER BY tag", (submission_id,))]
    if row is None:
        return Triage(tags=tags)
    return Triage(row[0], bool(row[1]), tags, row[2], row[3])


def save(connection: sqlite3.Connection, submission_id: str, triage: Triage) -> None:
    """Store ``triage`` for ``submission_id`` (one transaction, durable on return).

    :raises TriageError: for a bad id, an unknown status or text over its limit.
    """
    if not _HEX32.match(submission_id):
        raise TriageError("not a submission id")
    if triage.status not in STATUSES:
        raise TriageError("unknown status")
    assignee = _clean_text(triage.assignee, MAX_ASSIGNEE_CHARS, "the assignee")
    notes = _clean_text(triage.notes, MAX_NOTES_CHARS, "the notes", lines=True)
    tags = sorted(set(triage.tags))
    if len(tags) > MAX_TAGS:
        raise TriageError(f"at most {MAX_TAGS} tags")
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute(
            "INSERT INTO triage (submission_id, status, urgent, assignee, notes) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (submission_id) DO UPDATE SET status = excluded.status,"
            " urgent = excluded.urgent, assignee = excluded.assignee, notes = excluded.notes",
            (submission_id, triage.status, int(triage.urgent), assignee, notes))
        connection.execute("DELETE FROM tags WHERE submission_id = ?", (submission_id,))
        connection.executemany("INSERT INTO tags VALUES (?, ?)", [(submission_id, tag) for tag in tags])
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


@contextlib.contextmanager
def _written(root: Path) -> Iterator[sqlite3.Connection]:
    """The triage database of ``root`` in one write transaction (BEGIN IMMEDIATE,
    committed on leaving, rolled back on an exception), closed afterwards."""
    connection = open_triage(root)
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    finally:
        connection.close()


def mark_replied(root: Path, submission_id: str) -> bool:
    """Move a *new* case to "in_progress" when a reviewer queues a reply to it
    (someone is working on it); returns True if its status changed. A case
    already in progress or closed keeps its status; urgency, tags, assignee
    and notes are untouched. One transaction.

    :raises TriageError: if ``submission_id`` is not 32 hex digits.
    """
    if not _HEX32.match(submission_id):
        raise TriageError("not a submission id")
    with _written(root) as connection:
        connection.execute("INSERT INTO triage (submission_id) VALUES (?) ON CONFLICT DO NOTHING", (submission_id,))
        changed = connection.execute(
            "UPDATE triage SET status = 'in_progress' WHERE submission_id = ? AND status = 'new'",
            (submission_id,)).rowcount
    return bool(changed)


def reopen(root: Path, submission_ids: list[str]) -> int:
    """Set every *closed* case among ``submission_ids`` back to "new" (one
    transaction); returns how many were reopened. Called when a follow-up is
    filed in a case: the reporter wrote again, so someone must read it.
    Cases "in progress" or "new" keep their status; urgency, tags, assignee
    and notes are untouched.
    """
    ids = [sid for sid in submission_ids if _HEX32.match(sid)]
    if not ids:
        return 0
    with _written(root) as connection:
        changed = sum(connection.execute(
            "UPDATE triage SET status = 'new' WHERE submission_id = ? AND status = 'closed'", (sid,)).rowcount
            for sid in ids)
    return changed


def all_tags(connection: sqlite3.Connection) -> list[str]:
    """Every tag in use, sorted."""
    return [row[0] for row in connection.execute("SELECT DISTINCT tag FROM tags ORDER BY tag")]

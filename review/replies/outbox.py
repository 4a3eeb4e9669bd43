"""The outbox: replies and acknowledgements waiting for the next return bundle.

Everything lives in ``CASES/_outbox/`` (mode 0700, on the same encrypted disk
as the cases)::

    queue.json          {"format": "resguardo-outbox", "version": 1,
                         "replies": [{"id", "submission_id", "case", "written_on"}],
                         "acknowledged": [{"submission_id", "case"}]}
    replies/<id>        each queued reply envelope (ciphertext for the reporter)
    sent/<return_id>.json   what each written return bundle carried

A case folder keeps its own record: ``CASE/replies/NN.json`` (the reply
document as sealed, with its ``id``: "replies sent") and
``CASE/acknowledged.json`` (the submission ids queued as read). Every change
is made under an exclusive lock (``_outbox/.lock``), written to a temporary
file, ``fsync``-ed and renamed, so the command line and the workspace can
both queue and a crash never leaves half a queue.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .. import fsutil

OUTBOX_DIR = "_outbox"
QUEUE_FILE = "queue.json"
REPLIES_DIR = "replies"
SENT_DIR = "sent"
CASE_REPLIES_DIR = "replies"
CASE_ACK_FILE = "acknowledged.json"
QUEUE_FORMAT = "resguardo-outbox"
_HEX32 = re.compile(r"[0-9a-f]{32}\Z")
_REPLY_FILE = re.compile(r"([0-9]{2,})\.json\Z")


@dataclass
class Queue:
    """What waits for the next return bundle, in the order it was queued.

    ``replies``: dicts ``{"id", "submission_id", "case", "written_on"}``;
    ``acknowledged``: dicts ``{"submission_id", "case"}``.
    """

    replies: list[dict] = field(default_factory=list)
    acknowledged: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True if nothing is queued."""
        return not self.replies and not self.acknowledged


def outbox_dir(root: Path) -> Path:
    """``root/_outbox`` (created 0700 with its ``replies`` and ``sent`` folders).

    :raises NotADirectoryError: if one of them is a link or a file.
    """
    box = fsutil.ensure_dir(Path(root).resolve() / OUTBOX_DIR)
    fsutil.ensure_dir(box / REPLIES_DIR)
    fsutil.ensure_dir(box / SENT_DIR)
    return box


@contextlib.contextmanager
def locked(root: Path) -> Iterator[Path]:
    """Hold the outbox's exclusive lock; yields the outbox folder."""
    box = outbox_dir(root)
    fd = os.open(box / ".lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield box
    finally:
        os.close(fd)


def _write_json(directory: Path, name: str, value: object) -> None:
    """Replace ``directory/name`` with ``value`` as JSON: temp file, fsync, rename, fsync folder."""
    temp = f".{name}.{secrets.token_hex(8)}.tmp"
    data = json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    fd = os.open(directory / temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                 fsutil.FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(directory / temp, directory / name)
    fsutil.fsync_dir(directory)


def _read_json(path: Path, default: object) -> object:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return default
    with os.fdopen(fd, "rb") as handle:
        return json.loads(handle.read().decode("utf-8"))


def load_queue(root: Path) -> Queue:
    """The current queue (empty if nothing was ever queued).

    :raises ValueError: if ``queue.json`` is damaged (not this format).
    """
    data = _read_json(Path(root) / OUTBOX_DIR / QUEUE_FILE, None)
    if data is None:
        return Queue()
    if not isinstance(data, dict) or data.get("format") != QUEUE_FORMAT or data.get("version") != 1:
        raise ValueError("the outbox queue is damaged")
    return Queue(list(data.get("replies", [])), list(data.get("acknowledged", [])))


def _save_queue(box: Path, queue: Queue) -> None:
    _write_json(box, QUEUE_FILE, {"format": QUEUE_FORMAT, "version": 1, "replies": queue.replies,
                                  "acknowledged": queue.acknowledged})


def envelope_path(root: Path, reply_id: str) -> Path:
    """Where the queued envelope of ``reply_id`` is kept."""
    return Path(root) / OUTBOX_DIR / REPLIES_DIR / reply_id


def case_replies(case_dir: Path) -> list[dict]:
    """The replies sent from a case, oldest first: the documents of
    ``CASE/replies/NN.json`` (each with its ``id``); unreadable files are skipped."""
    folder = Path(case_dir) / CASE_REPLIES_DIR
    if not folder.is_dir() or folder.is_symlink():
        return []
    found = []
    for name in os.listdir(folder):
        match = _REPLY_FILE.match(name)
        if match:
            try:
                document = _read_json(folder / name, None)
            except (OSError, ValueError, UnicodeDecodeError):
                continue
            if isinstance(document, dict):
                found.append((int(match.group(1)), document))
    return [document for _number, document in sorted(found, key=lambda pair: pair[0])]


def queue_reply(root: Path, case_dir: Path, document: dict, envelope: bytes) -> str:
    """Queue a sealed reply: its envelope in the outbox, its document in
    ``CASE/replies/NN.json`` (NN = 01, 02 …); returns the new reply id (32 hex).
    """
    root, case_dir = Path(root), Path(case_dir)
    reply_id = secrets.token_hex(16)
    with locked(root) as box:
        fsutil.write_file(box / REPLIES_DIR, reply_id, box, envelope)
        fsutil.fsync_dir(box / REPLIES_DIR)
        folder = fsutil.ensure_dir(case_dir / CASE_REPLIES_DIR)
        numbers = [int(m.group(1)) for m in map(_REPLY_FILE.match, os.listdir(folder)) if m]
        _write_json(folder, f"{max(numbers, default=0) + 1:02d}.json", {"id": reply_id, **document})
        queue = load_queue(root)
        queue.replies.append({"id": reply_id, "submission_id": document["submission_id"],
                              "case": case_dir.name, "written_on": document["written_on"]})
        _save_queue(box, queue)
    return reply_id


def acknowledged_ids(case_dir: Path) -> list[str]:
    """The submission ids of a case already queued (or sent) as read."""
    data = _read_json(Path(case_dir) / CASE_ACK_FILE, {})
    ids = data.get("acknowledged", []) if isinstance(data, dict) else []
    return [value for value in ids if isinstance(value, str) and _HEX32.match(value)]


def queue_acknowledgement(root: Path, case_dir: Path, submission_ids: list[str]) -> list[str]:
    """Queue ``submission_ids`` of a case as read; returns those newly queued
    (ids already queued or sent before are skipped), in the given order."""
    root, case_dir = Path(root), Path(case_dir)
    with locked(root) as box:
        done = acknowledged_ids(case_dir)
        new = [sid for i, sid in enumerate(submission_ids) if sid not in done and sid not in submission_ids[:i]]
        if new:
            _write_json(case_dir, CASE_ACK_FILE, {"acknowledged": done + new})
            queue = load_queue(root)
            queue.acknowledged += [{"submission_id": sid, "case": case_dir.name} for sid in new]
            _save_queue(box, queue)
    return new


def mark_sent(root: Path, return_id: str, bundle_name: str, queue: Queue) -> None:
    """Record that ``queue`` left in bundle ``bundle_name``: ``sent/<return_id>.json``,
    the sent envelopes deleted, and the queue emptied of what was sent (anything
    queued meanwhile stays)."""
    with locked(Path(root)) as box:
        _write_json(box / SENT_DIR, f"{return_id}.json",
                    {"return_id": return_id, "bundle": bundle_name, "replies": queue.replies,
                     "acknowledged": queue.acknowledged})
        for reply in queue.replies:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(box / REPLIES_DIR / reply["id"])
        fsutil.fsync_dir(box / REPLIES_DIR)
        current = load_queue(root)
        sent_replies = {reply["id"] for reply in queue.replies}
        sent_acks = {ack["submission_id"] for ack in queue.acknowledged}
        current.replies = [r for r in current.replies if r["id"] not in sent_replies]
        current.acknowledged = [a for a in current.acknowledged if a["submission_id"] not in sent_acks]
        _save_queue(box, current)


def sent_reply_ids(root: Path) -> set[str]:
    """Ids of every reply already carried by a return bundle."""
    folder = Path(root) / OUTBOX_DIR / SENT_DIR
    ids: set[str] = set()
    if folder.is_dir():
        for name in os.listdir(folder):
            if name.endswith(".json") and not name.startswith("."):
                with contextlib.suppress(OSError, ValueError, UnicodeDecodeError):
                    record = _read_json(folder / name, {})
                    ids |= {r.get("id") for r in record.get("replies", []) if isinstance(r, dict)}
    return ids

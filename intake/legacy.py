"""Upgrading an older installation: its blob FILES move into chunk rows.

Before migration 0003 each envelope was a file ``BLOB_DIR/<item id>`` (and an
unfinished one ``BLOB_DIR/incoming/<id>.part``), whose file-system times
recorded its arrival. :func:`import_blob_files` (run by ``resguardo init``
after the schema upgrade) copies every file an item row names into a complete
blob (:mod:`intake.storage`), checks its size and SHA-256 against the row,
and only then deletes the file; files no row names (crash leftovers,
ciphertext) and ``.part`` files are deleted. It can be interrupted and run
again: a blob already complete is not copied twice, a half-copied one is
started over. A file whose bytes do not match its row is left in place and
reported, never imported or deleted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from .models import Blob, Item
from .storage import CHUNK_BYTES, BlobStore, is_id

READ_SIZE = 16 * CHUNK_BYTES


@dataclass
class ImportResult:
    """What :func:`import_blob_files` did: ``imported`` blobs, ``removed``
    leftover files, and ``mismatched`` item ids whose file did not match its row."""

    imported: int = 0
    removed: int = 0
    mismatched: list[str] = field(default_factory=list)


def legacy_files(blob_dir: Path) -> list[Path]:
    """Blob files of an older layout under ``blob_dir`` (none if it does not exist)."""
    root = Path(blob_dir)
    if not root.is_dir():
        return []
    found = [entry for entry in root.iterdir() if entry.is_file() and is_id(entry.name)]
    incoming = root / "incoming"
    if incoming.is_dir():
        found += [entry for entry in incoming.iterdir() if entry.is_file()]
    return sorted(found)


def _copy(store: BlobStore, path: Path, item_id: str) -> tuple[int, str]:
    store.delete(item_id, pending_only=True)  # a half-copied blob from an interrupted run
    blob = store.new(item_id)
    with open(path, "rb") as handle:
        while block := handle.read(READ_SIZE):
            blob.write(block)
    blob.commit()
    return blob.size, blob.sha256


def import_blob_files(engine: Engine, blob_dir: Path) -> ImportResult:
    """Move the envelopes of an older installation's ``blob_dir`` into the database.

    :returns: an :class:`ImportResult`.
    :raises OSError: if a file cannot be read or deleted (what was done stays done).
    """
    store = BlobStore(engine)
    result = ImportResult()
    root = Path(blob_dir)
    for path in legacy_files(root):
        if path.parent != root:  # incoming/*.part: an upload that never finished
            path.unlink()
            result.removed += 1
            continue
        with engine.connect() as connection:
            row = connection.execute(select(Item.size, Item.sha256).where(Item.id == path.name)).first()
        if row is None:
            path.unlink()
            result.removed += 1
            continue
        if not store.exists(path.name, complete=True):
            size, sha256 = _copy(store, path, path.name)
            if (size, sha256) != (row.size, row.sha256):
                store.delete(path.name, pending_only=True)
                result.mismatched.append(path.name)
                continue
            with engine.begin() as connection:
                connection.execute(update(Blob).where(Blob.id == path.name).values(complete=True, tick=None))
            result.imported += 1
        path.unlink()
    for directory in (root / "incoming", root):
        try:
            directory.rmdir()
        except OSError:
            pass
    return result

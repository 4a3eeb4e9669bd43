"""Export: every not-yet-exported submission into ONE bundle file.

The bundle (docs/FORMAT.md, "Bundle") is an uncompressed POSIX tar:
``manifest.json`` first, then ``questionnaires/<sha256>.json`` (every
questionnaire this installation has asked), then ``items/<item id>`` with
the envelope bytes.
Tar headers carry no times, owners or modes of the server (mtime 0, uid and
gid 0, mode 0600). Blobs are streamed from their chunk rows in the database
(:mod:`intake.storage`), a batch of rows at a time. Each blob is hashed
before it is written, so a blob that is missing or no longer matches its row
is reported instead of exported. The bundle is
written under a temporary name, fsynced and renamed; only then are the
submissions marked exported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from . import db
from .models import Submission
from .exclusive import exclusive
from .questionnaire.store import remembered
from .reviewers import list_reviewers
from .storage import BlobStore, new_id

BUNDLE_FORMAT = "resguardo-bundle"
BUNDLE_VERSION = 1
READ_SIZE = 1024 * 1024


@dataclass
class ExportResult:
    """What :func:`export_bundle` did: the bundle path (None if nothing to
    export), how many submissions and items went in, and the ids of
    submissions held back because a blob was missing or altered."""

    path: Path | None
    submissions: int = 0
    items: int = 0
    bytes: int = 0
    damaged: list[str] = field(default_factory=list)


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _blob_ok(store: BlobStore, item) -> bool:
    digest = hashlib.sha256()
    size = 0
    try:
        with store.open(item.id) as handle:
            while chunk := handle.read(READ_SIZE):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        return False
    return size == item.size and digest.hexdigest() == item.sha256


def store_data_dir() -> Path:
    """The data directory of the current app (where its questionnaires are filed)."""
    return Path(current_app.config["DATA_DIR"])


def _tarinfo(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = 0
    info.mode = 0o600
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def export_bundle(out_dir: Path, store: BlobStore, *, include_exported: bool = False) -> ExportResult:
    """Write one bundle of pending submissions into ``out_dir``.

    Holds the deployment-wide maintenance lock (:func:`intake.exclusive.exclusive`)
    from choosing the submissions until they are marked exported, so two
    exports, from one app server or from two, never put a report in two bundles.

    :param include_exported: also include submissions exported before.
    :returns: an :class:`ExportResult`; ``path`` is None when there was nothing to export.
    :raises OSError: if the bundle cannot be written, or ``out_dir``'s parent
        does not exist (an unmounted USB stick must not turn into a folder on
        the server's disk); nothing is marked exported then.
    """
    with exclusive(store.engine):
        return _export_locked(Path(out_dir), store, include_exported)


def _export_locked(out_dir: Path, store: BlobStore, include_exported: bool) -> ExportResult:
    session = db.session()
    session.rollback()  # choose from what is committed now, not from an older snapshot
    query = select(Submission).order_by(Submission.received_on, Submission.id)
    if not include_exported:
        query = query.where(Submission.exported_on.is_(None))
    candidates = list(session.scalars(query).all())

    result = ExportResult(path=None)
    chosen = []
    for submission in candidates:
        if all(_blob_ok(store, item) for item in submission.items):
            chosen.append(submission)
        else:
            result.damaged.append(submission.id)
    if not chosen:
        return result

    today = _today()
    questionnaires = remembered(store_data_dir())
    manifest = {
        "format": BUNDLE_FORMAT,
        "version": BUNDLE_VERSION,
        "bundle_id": new_id(),
        "created_on": today.isoformat(),
        "recipients": [row.fingerprint for row in list_reviewers()],
        "questionnaires": [{"sha256": sha256, "size": len(data)} for sha256, data in questionnaires],
        "submissions": [
            {
                "id": submission.id,
                "received_on": submission.received_on.isoformat(),
                "items": [
                    {"id": item.id, "kind": item.kind, "size": item.size, "sha256": item.sha256}
                    for item in submission.items
                ],
            }
            for submission in chosen
        ],
    }
    manifest_bytes = json.dumps(manifest, indent=1).encode("utf-8")

    out_dir.mkdir(mode=0o700, exist_ok=True)  # never its parents: a missing mount point must fail
    final = out_dir / f"resguardo-bundle-{today.isoformat()}-{manifest['bundle_id'][:8]}.tar"
    temp = final.with_name(final.name + ".part")
    try:
        with open(temp, "xb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                tar.addfile(_tarinfo("manifest.json", len(manifest_bytes)), io.BytesIO(manifest_bytes))
                for sha256, data in questionnaires:
                    tar.addfile(_tarinfo(f"questionnaires/{sha256}.json", len(data)), io.BytesIO(data))
                for submission in chosen:
                    for item in submission.items:
                        with store.open(item.id) as handle:
                            tar.addfile(_tarinfo(f"items/{item.id}", item.size), handle)
                        result.items += 1
            raw.flush()
            os.fsync(raw.fileno())
        os.rename(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise

    for submission in chosen:
        submission.exported_on = today
    session.commit()
    result.path = final
    result.submissions = len(chosen)
    result.bytes = final.stat().st_size
    return result

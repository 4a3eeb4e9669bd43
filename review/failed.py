"""Keeping a failed submission's ciphertext: ``OUTDIR/_failed/<submission id>/``.

``bundle.tar`` is a bundle of that one submission (every item the archive
holds whole, and a manifest rebuilt from the checked fields only, so a kept
copy is bounded by the submission's own size) and ``status.json`` says what
went wrong. A later import of the submission (e.g. with the right key)
removes the folder.
"""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from . import fsutil
from .bundle import BUNDLE_FORMAT, BUNDLE_VERSION, Bundle, Manifest, ManifestSubmission

if TYPE_CHECKING:
    from .outcomes import SubmissionResult

FAILED_DIR = "_failed"
INCOMING = ".incoming-"
RETRY_BUNDLE = "bundle.tar"
STATUS_FILE = "status.json"
MAX_RETRY_RECIPIENTS = 64
"""Recipients copied into a kept bundle (an envelope names at most 64)."""


def _status_document(bundle: Bundle, submission: ManifestSubmission, result: "SubmissionResult") -> bytes:
    doc = {
        "submission_id": submission.id,
        "received_on": submission.received_on,
        "bundle_id": bundle.manifest.bundle_id,
        "status": result.status,
        "item_id": result.item_id,
        "detail": str(result.error)[:1000] if result.error else "",
        "items_kept": [item.id for item in submission.items if bundle.item_complete(item.id)],
    }
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def retry_manifest(manifest: Manifest, submissions: Sequence[ManifestSubmission]) -> bytes:
    """``manifest.json`` bytes of a bundle holding only ``submissions``.

    Rebuilt from the parsed, checked fields only (format, version, bundle
    id, day, at most :data:`MAX_RETRY_RECIPIENTS` recipients, and per
    submission its id, day and items): whatever else the original manifest
    carried is dropped, so a kept copy costs about 200 bytes per item,
    however large the manifest it came in (issue 8: a padded manifest once
    made each failed item write a copy of it).
    """
    doc = {
        "format": BUNDLE_FORMAT, "version": BUNDLE_VERSION,
        "bundle_id": manifest.bundle_id, "created_on": manifest.created_on,
        "recipients": list(manifest.recipients[:MAX_RETRY_RECIPIENTS]),
        "submissions": [
            {"id": sub.id, "received_on": sub.received_on, "items": [
                {"id": item.id, "kind": item.kind, "size": item.size, "sha256": item.sha256}
                for item in sub.items
            ]}
            for sub in submissions
        ],
    }
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def _write_retry_bundle(bundle: Bundle, submission: ManifestSubmission, folder: Path, root: Path) -> None:
    data = retry_manifest(bundle.manifest, [submission])
    handle = fsutil.create_file(folder, RETRY_BUNDLE, root)
    try:
        with tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as tar:
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mode = len(data), 0o600
            tar.addfile(info, io.BytesIO(data))
            for item in submission.items:
                if not bundle.item_complete(item.id):
                    continue
                info = tarfile.TarInfo(item.member_name)
                info.size, info.mode = bundle.member_size(item.id), 0o600
                tar.addfile(info, bundle.open_item(item))
    finally:
        fsutil.finish_file(handle)


def keep_failed(bundle: Bundle, submission: ManifestSubmission, root: Path, result: "SubmissionResult") -> Path:
    """Keep a failed submission's ciphertext in ``root/_failed/<submission id>/``.

    Writes ``bundle.tar`` (a bundle holding only this submission: every
    item the archive holds whole, and its manifest entry) and
    ``status.json`` (status, item at fault, technical detail). If the
    folder exists from an earlier run, only ``status.json`` is replaced.
    Returns the folder.

    :raises OSError: if writing fails.
    """
    failed_root = fsutil.ensure_dir(root / FAILED_DIR)
    dest = failed_root / submission.id
    status_doc = _status_document(bundle, submission, result)
    if os.path.lexists(dest):
        if not stat.S_ISDIR(os.lstat(dest).st_mode):
            raise NotADirectoryError(errno.ENOTDIR, "not a folder (or a link to one)", str(dest))
        fsutil.remove_tree(dest / f"{STATUS_FILE}.new")
        fsutil.write_file(dest, f"{STATUS_FILE}.new", root, status_doc)
        os.replace(dest / f"{STATUS_FILE}.new", dest / STATUS_FILE)
        fsutil.fsync_dir(dest)
        return dest
    temp = failed_root / f"{INCOMING}{submission.id}"
    fsutil.remove_tree(temp)
    try:
        fsutil.make_dir(failed_root, temp.name, root)
        _write_retry_bundle(bundle, submission, temp, root)
        fsutil.write_file(temp, STATUS_FILE, root, status_doc)
        fsutil.fsync_dir(temp)
        os.rename(temp, dest)
        fsutil.fsync_dir(failed_root)
    except BaseException:
        fsutil.remove_tree(temp)
        raise
    return dest

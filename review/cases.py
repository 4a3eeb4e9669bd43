"""``review import``: from a verified bundle to one case folder per submission.

For each submission of the manifest, in order:

1. skip it if its case folder already exists (so a second run adds nothing);
2. check every item's size and SHA-256 against the manifest, streaming;
3. decrypt into ``OUTDIR/.incoming-<submission id>/`` (``report.json``,
   ``report.txt``, ``attachments/<safe name>``), checking each attachment's
   size and SHA-256 against the report, ``fsync`` everything;
4. rename the folder to ``OUTDIR/<received_on>_<first 8 hex of the id>/``.

Any failure of one submission deletes its temporary folder (no partial
plaintext remains) and keeps its ciphertext in
``OUTDIR/_failed/<submission id>/bundle.tar`` (a bundle of that one
submission, to retry with another key) with a ``status.json``; the other
submissions still import. File-system errors (a full disk) stop the run.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import io
import json
import os
import stat
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from keys import EnvelopeReader, KeysError, SecretKey

from . import fsutil
from .bundle import BUNDLE_FORMAT, BUNDLE_VERSION, Bundle, Manifest, ManifestItem, ManifestSubmission, Progress
from .errors import AttachmentMismatchError, InvalidReportError, ItemError, ManifestMismatchError
from .names import assign_names
from .output import explain
from .render import render_report
from .report import HASHES, MAX_REPORT_BYTES, match_attachments, parse_report

IMPORTED = "imported"
SKIPPED = "already imported"
FAILED_DIR = "_failed"
INCOMING = ".incoming-"
RETRY_BUNDLE = "bundle.tar"
STATUS_FILE = "status.json"
MAX_RETRY_RECIPIENTS = 64
"""Recipients copied into a kept bundle (an envelope names at most 64)."""


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


def case_names(submission: ManifestSubmission) -> tuple[str, str]:
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


def find_case(root: Path, submission: ManifestSubmission) -> Path | None:
    """The existing case folder of ``submission`` under ``root``, if any."""
    for name in case_names(submission):
        report = read_case_report(root / name)
        if report is not None and report.get("submission_id") == submission.id:
            return root / name
    return None


class _Importer:
    def __init__(self, bundle: Bundle, identities: Sequence[SecretKey], root: Path,
                 language: str, progress: Progress | None) -> None:
        self.bundle = bundle
        self.identities = list(identities)
        self.root = root
        self.language = language
        self._progress = progress
        self._counted = 0

    def _advance(self, nbytes: int) -> None:
        self._counted += nbytes
        if self._progress:
            self._progress(nbytes)

    def _present_size(self, submission: ManifestSubmission) -> int:
        return sum(item.size for item in submission.items if self.bundle.has_item(item.id))

    def run_one(self, submission: ManifestSubmission) -> SubmissionResult:
        budget = 2 * self._present_size(submission)
        start = self._counted
        try:
            return self._import(submission)
        finally:
            remaining = budget - (self._counted - start)
            if remaining > 0 and self._progress:
                self._progress(remaining)

    def _import(self, submission: ManifestSubmission) -> SubmissionResult:
        existing = find_case(self.root, submission)
        if existing is not None:
            self._forget_failure(submission)
            return SubmissionResult(submission.id, submission.received_on, SKIPPED, existing)
        temp = self.root / f"{INCOMING}{submission.id}"
        fsutil.remove_tree(temp)
        current: list[str | None] = [None]
        try:
            for item in submission.items:
                current[0] = item.id
                self.bundle.verify_item(item, self._advance)
            fsutil.make_dir(self.root, temp.name, self.root)
            self._decrypt(submission, temp, current)
            target = self._target(submission)
            os.rename(temp, target)
            fsutil.fsync_dir(self.root)
            self._forget_failure(submission)
        except (ItemError, KeysError) as exc:
            fsutil.remove_tree(temp)
            item_id = getattr(exc, "item_id", None) or current[0]
            result = SubmissionResult(
                submission.id, submission.received_on, explain(exc).status, None, exc, item_id
            )
            keep_failed(self.bundle, submission, self.root, result)
            return result
        except BaseException:
            fsutil.remove_tree(temp)
            raise
        return SubmissionResult(submission.id, submission.received_on, IMPORTED, target)

    def _forget_failure(self, submission: ManifestSubmission) -> None:
        """Drop ``_failed/<id>`` once the submission is imported (e.g. by a retry with
        another key), so a case never looks both failed and imported."""
        failed = self.root / FAILED_DIR
        if failed.is_dir() and not failed.is_symlink():
            fsutil.remove_tree(failed / submission.id)

    def _target(self, submission: ManifestSubmission) -> Path:
        for name in case_names(submission):
            if not os.path.lexists(self.root / name):
                return self.root / name
        raise FileExistsError(errno.EEXIST, "a case folder with this name already exists", str(self.root / name))

    def _open(self, item: ManifestItem) -> EnvelopeReader:
        return EnvelopeReader(self.bundle.open_item(item, self._advance), self.identities)

    def _decrypt(self, submission: ManifestSubmission, temp: Path, current: list) -> None:
        current[0] = submission.report.id
        data = bytearray()
        try:
            for piece in self._open(submission.report):
                data += piece
                if len(data) > MAX_REPORT_BYTES:
                    raise InvalidReportError("the report is too large", submission.report.id)
        except tarfile.TarError as exc:
            raise ManifestMismatchError("the archive ends inside this item", current[0]) from exc
        report = parse_report(bytes(data), submission)
        pairs = match_attachments(report, submission)
        pretty = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
        fsutil.write_file(temp, "report.json", self.root, pretty.encode("utf-8"))
        attachments = fsutil.make_dir(temp, "attachments", self.root)
        names = assign_names([entry.get("filename") for entry, _ in pairs])
        for (entry, item), name in zip(pairs, names):
            current[0] = item.id
            self._decrypt_attachment(entry, item, attachments, name)
        fsutil.fsync_dir(attachments)
        text = render_report(report, submission.received_on,
                             [(entry, name) for (entry, _), name in zip(pairs, names)],
                             self.language)
        fsutil.write_file(temp, "report.txt", self.root, text.encode("utf-8"))
        fsutil.fsync_dir(temp)

    def _decrypt_attachment(self, entry: dict, item: ManifestItem, directory: Path, name: str) -> None:
        # Every hash the report gives is checked (parse_report made sure there is one).
        digests = {key: make() for key, make in HASHES.items() if key in entry}
        size = 0
        handle = fsutil.create_file(directory, name, self.root)
        try:
            for piece in self._open(item):
                handle.write(piece)
                for digest in digests.values():
                    digest.update(piece)
                size += len(piece)
        except tarfile.TarError as exc:
            raise ManifestMismatchError("the archive ends inside this item", item.id) from exc
        finally:
            fsutil.finish_file(handle)
        if size != entry["size"]:
            raise AttachmentMismatchError(f"size is {size}, the report says {entry['size']}", item.id)
        for key, digest in digests.items():
            if not hmac.compare_digest(digest.hexdigest(), entry[key]):
                raise AttachmentMismatchError(f"{key} differs from the report", item.id)


def _status_document(bundle: Bundle, submission: ManifestSubmission, result: SubmissionResult) -> bytes:
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


def keep_failed(bundle: Bundle, submission: ManifestSubmission, root: Path, result: SubmissionResult) -> Path:
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


def import_bundle(
    bundle: Bundle,
    identities: Sequence[SecretKey],
    outdir: str | Path,
    *,
    language: str = "es",
    progress: Progress | None = None,
    on_result: Callable[[SubmissionResult], None] | None = None,
) -> ImportSummary:
    """Import every submission of an open ``bundle`` into case folders under ``outdir``.

    ``identities`` are the reviewer's unlocked secret keys; ``language`` is
    ``"es"`` or ``"en"`` for ``report.txt``; ``progress`` is called with
    byte counts (the total is :func:`work_bytes`); ``on_result`` with each
    :class:`SubmissionResult` as soon as it is known. Creates ``outdir``
    (mode 0700) if needed. Per-submission failures are results, not
    exceptions.

    :raises OSError: for file-system failures (the run stops; the
        submission in progress leaves no plaintext behind).
    """
    root = Path(outdir)
    root.mkdir(mode=fsutil.DIR_MODE, parents=True, exist_ok=True)
    root = root.resolve(strict=True)
    ours = {key.fingerprint.hex for key in identities}
    summary = ImportSummary(
        bundle.manifest.bundle_id,
        bool(ours & set(bundle.manifest.recipients)),
        bundle.unlisted,
    )
    importer = _Importer(bundle, identities, root, language, progress)
    for submission in bundle.manifest.submissions:
        result = importer.run_one(submission)
        summary.results.append(result)
        if on_result:
            on_result(result)
    return summary


def work_bytes(bundle: Bundle) -> int:
    """Bytes an import reads (each present item twice: check, then decrypt)."""
    return sum(
        2 * item.size
        for submission in bundle.manifest.submissions
        for item in submission.items
        if bundle.has_item(item.id)
    )

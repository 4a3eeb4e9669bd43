"""Opening one submission into a fresh temporary folder: check, decrypt, write.

Used by :mod:`review.cases`, which chooses the folder, makes batches durable
and renames them into place. Every item is checked against the manifest
(size, SHA-256) before any of it is decrypted; every attachment against the
report (size and every plaintext hash it gives). Small items are read once
into memory for both steps; large ones are streamed twice (constant memory).
Files are created relative to an open folder descriptor (``O_EXCL``,
``O_NOFOLLOW``), never through a path that a link could redirect.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import tarfile
from typing import BinaryIO, Sequence

import keys
from keys import EnvelopeReader, SecretKey

from . import fsutil
from .bundle import Bundle, ManifestItem, ManifestSubmission, Progress
from .errors import AttachmentMismatchError, InvalidReportError, ManifestMismatchError, MissingItemError
from .names import assign_names
from .questionnaire import Registry
from .render import render_report
from .report import HASHES, MAX_REPORT_BYTES, match_attachments, parse_report

SMALL_ITEM = 1 << 20
"""Items up to this many bytes are read into memory once (check, then open)."""
ATTACHMENTS = "attachments"
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""What ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` uses, made once, not per report."""


class Opener:
    """Checks and decrypts the items of one bundle with the reviewer's keys.

    ``identities`` are unlocked :class:`keys.SecretKey` objects (any key type
    :mod:`keys` offers): each item is opened with whichever one its envelope
    names. ``progress`` is told the ciphertext bytes read.
    """

    def __init__(self, bundle: Bundle, identities: Sequence[SecretKey], progress: Progress | None) -> None:
        self.bundle = bundle
        self.identities = list(identities)
        self._progress = progress
        self.current: str | None = None
        """The item being worked on (for a failure's ``item_id``)."""

    def _advance(self, nbytes: int) -> None:
        if self._progress and nbytes:
            self._progress(nbytes)

    def _source(self, item: ManifestItem) -> BinaryIO:
        """The item's ciphertext, checked against the manifest, ready to open."""
        self.current = item.id
        if not self.bundle.has_item(item.id):
            raise MissingItemError("the item is not in the bundle", item.id)
        if item.size > SMALL_ITEM:
            self.bundle.verify_item(item, self._advance)
            return self.bundle.open_item(item, self._advance)
        if self.bundle.member_size(item.id) != item.size:
            raise ManifestMismatchError(
                f"size is {self.bundle.member_size(item.id)}, the manifest says {item.size}", item.id)
        try:
            data = self.bundle.open_item(item).read(item.size + 1)
        except tarfile.TarError as exc:
            raise ManifestMismatchError("the archive ends inside this item", item.id) from exc
        if len(data) != item.size:
            raise ManifestMismatchError("the archive ends inside this item", item.id)
        if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), item.sha256):
            raise ManifestMismatchError("sha256 differs from the manifest", item.id)
        self._advance(2 * len(data))
        return io.BytesIO(data)

    def needed_keys(self, submission: ManifestSubmission) -> tuple[str, ...]:
        """Fingerprints (64 hex) the report envelope of ``submission`` is sealed to,
        read from its header without any key; ``()`` if unreadable."""
        try:
            source = self.bundle.open_item(submission.report)
            return tuple(fp.hex for fp in keys.read_header(source).recipients)
        except (keys.KeysError, MissingItemError, tarfile.TarError, OSError, ValueError):
            return ()

    def decrypt_into(self, submission: ManifestSubmission, dir_fd: int, language: str,
                     registry: Registry | None = None) -> dict:
        """Write ``report.json``, ``report.txt`` and ``attachments/`` for
        ``submission`` into the empty folder ``dir_fd``; return the report.
        ``registry`` holds the questionnaires ``report.txt`` may name (the
        bundle's and the shipped ones; the shipped ones if None).

        Nothing is ``fsync``-ed here. On any error the caller removes the folder.

        :raises ItemError: (a subclass) for a check that fails.
        :raises KeysError: (a subclass) for an envelope that does not open.
        :raises OSError: for file-system failures.
        """
        report_item = submission.report
        data = bytearray()
        try:
            for piece in EnvelopeReader(self._source(report_item), self.identities):
                data += piece
                if len(data) > MAX_REPORT_BYTES:
                    raise InvalidReportError("the report is too large", report_item.id)
        except tarfile.TarError as exc:
            raise ManifestMismatchError("the archive ends inside this item", report_item.id) from exc
        report = parse_report(bytes(data), submission)
        pairs = match_attachments(report, submission)
        pretty = _COMPACT_JSON.encode(report) + "\n"
        fsutil.write_at(dir_fd, "report.json", pretty.encode("utf-8"))
        names = assign_names([entry.get("filename") for entry, _ in pairs])
        if pairs:
            attachments_fd = fsutil.make_dir_at(dir_fd, ATTACHMENTS)
            try:
                for (entry, item), name in zip(pairs, names):
                    self._attachment(entry, item, attachments_fd, name)
            finally:
                os.close(attachments_fd)
        text = render_report(report, submission.received_on,
                             [(entry, name) for (entry, _), name in zip(pairs, names)], language, registry)
        fsutil.write_at(dir_fd, "report.txt", text.encode("utf-8"))
        return report

    def _attachment(self, entry: dict, item: ManifestItem, dir_fd: int, name: str) -> None:
        # Every hash the report gives is checked (parse_report made sure there is one).
        digests = {key: make() for key, make in HASHES.items() if key in entry}
        size = 0
        with fsutil.create_at(dir_fd, name) as handle:
            try:
                for piece in EnvelopeReader(self._source(item), self.identities):
                    handle.write(piece)
                    for digest in digests.values():
                        digest.update(piece)
                    size += len(piece)
            except tarfile.TarError as exc:
                raise ManifestMismatchError("the archive ends inside this item", item.id) from exc
        if size != entry["size"]:
            raise AttachmentMismatchError(f"size is {size}, the report says {entry['size']}", item.id)
        for key, digest in digests.items():
            if not hmac.compare_digest(digest.hexdigest(), entry[key]):
                raise AttachmentMismatchError(f"{key} differs from the report", item.id)

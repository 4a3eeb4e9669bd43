"""Sealing the no-JavaScript upload while it streams in.

Werkzeug normally spools file parts over 500 KB to temporary files. Here the
request class replaces that stream factory: each file part is handed to a
:class:`SealedUpload`, which feeds the bytes straight into a
:class:`keys.EnvelopeWriterV2` (envelope v2) whose output is a pending blob in the database
(:mod:`intake.storage`). No plaintext byte reaches the filesystem; memory
holds at most one 64 KiB plaintext chunk and one batch of ciphertext
(:data:`intake.storage.BATCH_BYTES`) per part. Text fields stay in memory (bounded by
``MAX_FORM_MEMORY_SIZE``) until the report envelope is sealed in the view.

Anything not committed by the end of the request (a CSRF failure, an
over-size body, a dropped connection, a validation error) is deleted in
``teardown_request``.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Sequence

from flask import Flask, Request, current_app, g

import keys

from .reviewers import active_recipients
from .storage import BlobStore, PendingBlob
from .tokenfirst import TokenFirstFormDataParser


class SealedUpload:
    """The writable "file" Werkzeug streams one multipart file part into.

    ``filename`` and ``content_type`` are what the browser sent; they are
    kept in memory only and end up inside the report envelope. The
    plaintext's size (bytes) and SHA-256 are counted on the way through.
    """

    def __init__(
        self,
        store: BlobStore,
        recipients: Sequence,
        filename: str,
        content_type: str,
    ) -> None:
        self.filename = unicodedata.normalize("NFC", filename)
        self.content_type = content_type or "application/octet-stream"
        self._store = store
        self._recipients = recipients
        self._blob: PendingBlob | None = None
        self._writer: keys.EnvelopeWriterV2 | None = None
        self._plain_hash = hashlib.sha256()
        self.size = 0
        self.closed = False

    def _start(self) -> None:
        self._blob = self._store.new()
        self._writer = keys.EnvelopeWriterV2(self._recipients, self._blob)

    def write(self, data: bytes) -> int:
        """Seal ``data`` (plaintext bytes from the request body)."""
        if self.closed:
            raise ValueError("upload already closed")
        if self._writer is None:
            self._start()
        self._plain_hash.update(data)
        self.size += len(data)
        return self._writer.write(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        """Werkzeug rewinds a part when it ends; there is nothing to rewind."""
        return 0

    def tell(self) -> int:
        return self.size

    def read(self, size: int = -1) -> bytes:
        """Plaintext is never readable back: it is already sealed."""
        return b""

    @property
    def is_empty_input(self) -> bool:
        """True for a file input the reporter left empty (no name, no bytes)."""
        return self.filename == "" and self.size == 0

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the plaintext."""
        return self._plain_hash.hexdigest()

    def finish(self) -> PendingBlob:
        """Close the envelope and return its (uncommitted) blob."""
        if self._writer is None:
            self._start()
        self._writer.close()
        self.closed = True
        return self._blob

    @property
    def committed(self) -> bool:
        """True once the blob holding this upload has been committed."""
        return self._blob is not None and self._blob.committed

    def discard(self) -> None:
        """Drop whatever was written; the pending blob is deleted."""
        self.closed = True
        if self._blob is not None:
            self._blob.discard()


class SealingRequest(Request):
    """A Flask request whose multipart file parts are sealed as they arrive."""

    form_data_parser_class = TokenFirstFormDataParser  # no file part before a valid CSRF token

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> SealedUpload:
        upload = SealedUpload(
            blob_store(), request_recipients(), filename or "", content_type or ""
        )
        g.setdefault("sealed_uploads", []).append(upload)
        return upload


def blob_store() -> BlobStore:
    """The app's :class:`BlobStore`."""
    return current_app.extensions["resguardo.blobs"]


def request_recipients() -> list:
    """The reviewer keys to seal this request to (read once per request)."""
    if "recipients" not in g:
        g.recipients = active_recipients()
    return g.recipients


def track(blob: PendingBlob) -> PendingBlob:
    """Register a blob made in the view so teardown deletes it unless committed."""
    g.setdefault("pending_blobs", []).append(blob)
    return blob


def _cleanup(_exc: BaseException | None) -> None:
    stored = g.pop("stored", False)
    blobs = [upload for upload in g.pop("sealed_uploads", [])]
    blobs += g.pop("pending_blobs", [])
    for blob in blobs:
        if not stored or not blob.committed:
            blob.discard()


def mark_stored() -> None:
    """Call once the database row naming this request's blobs has committed."""
    g.stored = True


def init_app(app: Flask) -> None:
    """Use :class:`SealingRequest`, create the blob store (after :func:`intake.db.init_app`),
    clean up after requests."""
    app.request_class = SealingRequest
    app.extensions["resguardo.blobs"] = BlobStore(app.extensions["resguardo.engine"], app.extensions["resguardo.bulk_engine"])
    app.teardown_request(_cleanup)

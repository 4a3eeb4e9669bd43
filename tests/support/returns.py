"""Return bundles built from docs/FORMAT.md "Return bundle" alone (the writer side, for intake tests).

``build(path, signing_key, replies=[(submission_id, reply_key, text)], acknowledged=[...])``
writes a bundle exactly as the FORMAT.md writer does; ``tamper`` hooks let a
test change bytes after signing.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import tarfile
from pathlib import Path

import keys


def reply_document(submission_id: str, text: str, language: str = "es", written_on: str = "2026-12-01") -> bytes:
    return json.dumps(
        {"format": "resguardo-reply", "version": 1, "submission_id": submission_id,
         "language": language, "written_on": written_on, "text": text},
        ensure_ascii=False,
    ).encode("utf-8")


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def build(
    path: Path,
    signing_key: keys.SigningSecretKey,
    replies=(),
    acknowledged=(),
    *,
    return_id: str | None = None,
    signer: str | None = None,
    sign_with: keys.SigningSecretKey | None = None,
    after_sign=None,
) -> Path:
    """Write a return bundle at ``path``; ``replies`` is ``[(submission_id, XWingPublicKey, text)]``.

    ``signer`` overrides the manifest's signer; ``sign_with`` signs with another key;
    ``after_sign(envelopes)`` may change the envelope bytes after the manifest is signed.
    """
    envelopes = []
    entries = []
    for submission_id, reply_key, text in replies:
        envelope = keys.seal_v2(reply_document(submission_id, text), [reply_key])
        reply_id = secrets.token_hex(16)
        envelopes.append((reply_id, envelope))
        entries.append({"id": reply_id, "submission_id": submission_id, "size": len(envelope),
                        "sha256": hashlib.sha256(envelope).hexdigest()})
    manifest = {
        "format": "resguardo-return", "version": 1,
        "return_id": return_id or secrets.token_hex(16),
        "created_on": "2026-12-01",
        "signer": signer or signing_key.fingerprint.hex,
        "replies": entries,
        "acknowledged": list(acknowledged),
    }
    data = json.dumps(manifest).encode("utf-8")
    signature = (sign_with or signing_key).sign_manifest(data)
    if after_sign is not None:
        envelopes = after_sign(envelopes)
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        _add(archive, "manifest.json", data)
        _add(archive, "manifest.sig", signature)
        for reply_id, envelope in envelopes:
            _add(archive, f"replies/{reply_id}", envelope)
    return path

"""Test helper: build bundles exactly as docs/FORMAT.md ("Report", "Bundle") says.

Independent of the intake's exporter (written separately; an end-to-end test
joins the two). Submissions are sealed with keys.EnvelopeWriterV2 when a
recipient has an X-Wing key (what the intake writes since envelope v2), and
with the v1 keys.EnvelopeWriter when all are X25519 (bundles made before the
upgrade, which must still import); tests may
alter envelopes or the manifest before :func:`write_bundle` to make
corrupt or hostile bundles.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from keys import EnvelopeWriter, EnvelopeWriterV2, PublicKey


def new_id() -> str:
    """32 lower-case hex digits (128 random bits)."""
    return secrets.token_hex(16)


def seal(data: bytes, recipients: Sequence[PublicKey]) -> bytes:
    """An envelope of ``data`` (v2 if any recipient is X-Wing, else v1), streamed in 1 MiB pieces."""
    sink = io.BytesIO()
    v2 = any(key.kind == "xwing" for key in recipients)
    writer = (EnvelopeWriterV2 if v2 else EnvelopeWriter)(list(recipients), sink)
    for start in range(0, len(data), 1 << 20):
        writer.write(data[start : start + (1 << 20)])
    writer.close()
    return sink.getvalue()


@dataclass
class Submission:
    """One submission: its report object, plaintext attachments and envelopes by item id."""

    id: str
    received_on: str
    report_item: str
    report: dict
    attachments: dict[str, bytes] = field(default_factory=dict)
    envelopes: dict[str, bytes] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def seal_all(self, recipients: Sequence[PublicKey]) -> "Submission":
        """(Re)seal the report and attachments as they are now."""
        report_bytes = json.dumps(self.report, ensure_ascii=False).encode("utf-8")
        self.envelopes = {self.report_item: seal(report_bytes, recipients)}
        self.kinds = {self.report_item: "report"}
        for item_id, data in self.attachments.items():
            self.envelopes[item_id] = seal(data, recipients)
            self.kinds[item_id] = "attachment"
        return self


def make_submission(
    recipients: Sequence[PublicKey],
    *,
    attachments: Sequence[tuple[str, bytes]] = (),
    received_on: str = "2026-11-29",
    fields: dict | None = None,
) -> Submission:
    """A sealed submission with a report per docs/FORMAT.md and the given
    (filename, bytes) attachments."""
    sub_id, report_item = new_id(), new_id()
    entries, datas = [], {}
    for filename, data in attachments:
        item_id = new_id()
        datas[item_id] = data
        entries.append({
            "item_id": item_id, "filename": filename, "content_type": "application/octet-stream",
            "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
        })
    report = {
        "format": "resguardo-report", "version": 1, "submission_id": sub_id,
        "sealed_by": "server", "language": "es",
        "fields": fields if fields is not None else {
            "description": "Amenazas en la comunidad.\nSegunda línea.",
            "incident_types": ["physical_attack", "online_harassment"],
            "date": "2023-05-18 (aproximada)", "region": "lima_metropolitana",
            "affected": "…", "perpetrators": "…", "online_platforms": "",
            "consent_aggregate_statistics": "yes", "contact": "",
        },
        "attachments": entries,
    }
    return Submission(sub_id, received_on, report_item, report, datas).seal_all(recipients)


def make_manifest(submissions: Sequence[Submission], recipients: Sequence[PublicKey]) -> dict:
    """An honest manifest for the submissions' current envelopes."""
    return {
        "format": "resguardo-bundle", "version": 1, "bundle_id": new_id(),
        "created_on": "2026-11-30",
        "recipients": [key.fingerprint.hex for key in recipients],
        "submissions": [
            {"id": sub.id, "received_on": sub.received_on, "items": [
                {"id": item_id, "kind": sub.kinds[item_id], "size": len(env),
                 "sha256": hashlib.sha256(env).hexdigest()}
                for item_id, env in sub.envelopes.items()
            ]}
            for sub in submissions
        ],
    }


def regular(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    """A regular-file member."""
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, 0
    return info, data


def write_bundle(
    path: Path,
    manifest: dict,
    submissions: Sequence[Submission],
    *,
    skip: Sequence[str] = (),
    extra: Sequence[tuple[tarfile.TarInfo, bytes]] = (),
) -> Path:
    """Write a bundle tar: manifest.json, then items/<id> for every envelope
    (except item ids in ``skip``), then the ``extra`` members."""
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        members = [regular("manifest.json", json.dumps(manifest).encode("utf-8"))]
        for sub in submissions:
            members += [regular(f"items/{i}", env) for i, env in sub.envelopes.items() if i not in skip]
        for info, data in [*members, *extra]:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path

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
import os
import secrets
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from keys import EnvelopeWriter, EnvelopeWriterV2, PublicKey, SecretKey
from keys.stream import SEALED_CHUNK_SIZE


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


def honest_bundle(path: Path, submissions: Sequence[Submission], recipients: Sequence[PublicKey]) -> Path:
    """Write a bundle of ``submissions`` with their honest manifest (:func:`make_manifest`) at ``path``."""
    return write_bundle(path, make_manifest(submissions, recipients), submissions)


def canary(index: int) -> str:
    """The description of the ``index``-th submission of :func:`canary_bundle`."""
    return f"CANARY-{index:02d}-END"


def canary_bundle(tmp_path: Path, key, count: int) -> tuple[Path, list[Submission]]:
    """``tmp_path/b.tar``: ``count`` submissions to ``key`` whose descriptions are
    :func:`canary` of their index, and the submissions."""
    subs = [make_submission([key.public_key], fields={"description": canary(i)}) for i in range(count)]
    return honest_bundle(tmp_path / "b.tar", subs, [key.public_key]), subs


def corrupt_bundle(tmp_path: Path, key: SecretKey, other: SecretKey) -> tuple[Path, dict[str, Submission]]:
    """``tmp_path/b.tar``: two good submissions and one of each corruption kind, and
    the submissions by the status an import gives them."""
    pub = [key.public_key]
    big = os.urandom(3 * 65532 + 10)
    subs: dict[str, Submission] = {}
    subs["good1"] = make_submission(pub, attachments=[("uno.bin", b"1" * 1000)])

    lie = make_submission(pub)
    subs["manifest mismatch"] = lie

    subs["no matching key"] = make_submission([other.public_key])

    tampered = make_submission(pub, attachments=[("t.bin", big)])
    att = next(iter(tampered.attachments))
    env = bytearray(tampered.envelopes[att])
    env[-SEALED_CHUNK_SIZE // 2] ^= 0x01  # inside the last chunk: earlier chunks decrypt first
    tampered.envelopes[att] = bytes(env)
    subs["tampered"] = tampered

    truncated = make_submission(pub, attachments=[("c.bin", big)])
    att = next(iter(truncated.attachments))
    truncated.envelopes[att] = truncated.envelopes[att][:-SEALED_CHUNK_SIZE]
    subs["truncated"] = truncated

    trailing = make_submission(pub)
    trailing.envelopes[trailing.report_item] += b"\x00"
    subs["trailing data"] = trailing

    bad_header = make_submission(pub)
    env = bytearray(bad_header.envelopes[bad_header.report_item])
    env[0:8] = b"NOTMAGIC"
    bad_header.envelopes[bad_header.report_item] = bytes(env)
    subs["bad header"] = bad_header

    version = make_submission(pub)
    env = bytearray(version.envelopes[version.report_item])
    env[8] = 3
    version.envelopes[version.report_item] = bytes(env)
    subs["unsupported version"] = version

    wrong_hash = make_submission(pub, attachments=[("h.bin", b"real bytes")])
    wrong_hash.report["attachments"][0]["sha256"] = hashlib.sha256(b"other").hexdigest()
    wrong_hash.seal_all(pub)
    subs["attachment hash mismatch"] = wrong_hash

    missing = make_submission(pub, attachments=[("m.bin", b"gone")])
    subs["missing item"] = missing

    subs["good2"] = make_submission(pub, attachments=[("dos.bin", b"2" * 2000)])

    ordered = list(subs.values())
    manifest = make_manifest(ordered, pub)
    for entry in manifest["submissions"]:
        if entry["id"] == lie.id:
            entry["items"][0]["sha256"] = "0" * 64  # the manifest lies about the hash
    missing_item = next(iter(missing.attachments))
    path = write_bundle(tmp_path / "b.tar", manifest, ordered, skip=[missing_item])
    return path, subs

"""Writing a return bundle: the queued replies and acknowledgements, signed, as one tar.

docs/FORMAT.md ("Return bundle") is normative: members ``manifest.json``,
``manifest.sig`` (Ed25519 over ``"resguardo/v1/return-bundle\\0" ||
SHA-256(manifest)``, :mod:`keys.signing`), then ``replies/<id>`` in the
manifest's order; tar headers carry no time, owner or mode of this laptop.
The file is written under a temporary name, ``fsync``-ed and renamed into
place, and only then is the queue marked as sent.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import tarfile
from dataclasses import dataclass
from pathlib import Path

from .. import fsutil
from .document import today
from .outbox import Queue, envelope_path, load_queue, mark_sent

RETURN_FORMAT = "resguardo-return"
RETURN_VERSION = 1
REPLIES_PER_BUNDLE = 1_000
ACKS_PER_BUNDLE = 10_000
"""At most this many replies and acknowledged ids go in one bundle, so that
``manifest.json`` stays well under the readers' 1 MiB; the rest wait for the next."""


@dataclass(frozen=True)
class WrittenBundle:
    """A return bundle just written: its ``path``, ``return_id`` and counts."""

    path: Path
    return_id: str
    replies: int
    acknowledged: int
    left: int = 0
    """Replies and acknowledgements still queued (over the per-bundle limits)."""


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = 0
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.type = tarfile.REGTYPE
    return info


def build_manifest(queue: Queue, envelopes: list[bytes], return_id: str, signer_hex: str,
                   created_on: str) -> bytes:
    """The ``manifest.json`` bytes for ``queue`` (``envelopes`` in the order of
    ``queue.replies``): compact UTF-8 JSON, fields in the order of docs/FORMAT.md;
    acknowledged ids keep their first occurrence."""
    acknowledged: list[str] = []
    for ack in queue.acknowledged:
        if ack["submission_id"] not in acknowledged:
            acknowledged.append(ack["submission_id"])
    manifest = {
        "format": RETURN_FORMAT, "version": RETURN_VERSION, "return_id": return_id,
        "created_on": created_on, "signer": signer_hex,
        "replies": [{"id": reply["id"], "submission_id": reply["submission_id"], "size": len(envelope),
                     "sha256": hashlib.sha256(envelope).hexdigest()}
                    for reply, envelope in zip(queue.replies, envelopes)],
        "acknowledged": acknowledged,
    }
    return json.dumps(manifest, separators=(",", ":")).encode("utf-8")


def write_return_bundle(root: Path, signing_key, out_dir: Path) -> WrittenBundle | None:
    """Write what is queued under ``root/_outbox`` as one return bundle in
    ``out_dir``, signed with ``signing_key`` (a ``keys.SigningSecretKey``), then
    mark it sent: everything, up to :data:`REPLIES_PER_BUNDLE` replies and
    :data:`ACKS_PER_BUNDLE` acknowledged ids (the rest stays queued, counted
    in ``left``). Returns None (and writes nothing) if nothing is queued.

    :raises FileNotFoundError: if a queued envelope is missing.
    :raises OSError: for file-system failures (nothing is marked sent).
    """
    root, out_dir = Path(root), Path(out_dir)
    everything = load_queue(root)
    if everything.empty:
        return None
    acks: list[dict] = []
    ids: set[str] = set()
    for ack in everything.acknowledged:
        if ack["submission_id"] not in ids and len(ids) == ACKS_PER_BUNDLE:
            break
        ids.add(ack["submission_id"])
        acks.append(ack)
    queue = Queue(everything.replies[:REPLIES_PER_BUNDLE], acks)
    left = len(everything.replies) - len(queue.replies) + len(everything.acknowledged) - len(acks)
    envelopes = [envelope_path(root, reply["id"]).read_bytes() for reply in queue.replies]
    return_id = secrets.token_hex(16)
    created_on = today()
    manifest = build_manifest(queue, envelopes, return_id, signing_key.fingerprint.hex, created_on)
    signature = signing_key.sign_manifest(manifest)
    name = f"resguardo-return-{created_on}-{return_id[:8]}.tar"
    temp = out_dir / f".{name}.part"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), fsutil.FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
                tar.addfile(_member("manifest.json", len(manifest)), io.BytesIO(manifest))
                tar.addfile(_member("manifest.sig", len(signature)), io.BytesIO(signature))
                for reply, envelope in zip(queue.replies, envelopes):
                    tar.addfile(_member(f"replies/{reply['id']}", len(envelope)), io.BytesIO(envelope))
            raw.flush()
            os.fsync(raw.fileno())
        if os.path.lexists(out_dir / name):
            raise FileExistsError(17, "exists", str(out_dir / name))
        os.rename(temp, out_dir / name)
    except BaseException:
        fsutil.remove_tree(temp)
        raise
    fsutil.fsync_dir(out_dir)
    mark_sent(root, return_id, name, queue)
    return WrittenBundle(out_dir / name, return_id, len(queue.replies),
                         len(json.loads(manifest)["acknowledged"]), left)

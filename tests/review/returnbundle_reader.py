"""Test helper: a return-bundle reader written from docs/FORMAT.md ("Return bundle") alone.

Independent of review/replies/ (which writes bundles) and of keys.signing:
the signature is checked with PyNaCl's ``nacl.signing.VerifyKey`` directly,
the signer fingerprint with :mod:`hashlib`. Each refusal raises
:class:`Refused` with the outcome name the document gives (``malformed``,
``unsupported version``, ``foreign signer``, ``bad signature``, ``reply
mismatch``, ``bad reply envelope``, ``replayed``), in the document's order.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import tarfile
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

import keys

HEX32 = re.compile(r"[0-9a-f]{32}\Z")
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
MAX_MANIFEST = 1_048_576
MAX_REPLY = 262_144
TOP = {"format", "version", "return_id", "created_on", "signer", "replies", "acknowledged"}
REPLY_FIELDS = {"id", "submission_id", "size", "sha256"}


class Refused(Exception):
    """The bundle is refused; ``outcome`` names why."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


@dataclass
class ReturnBundle:
    """What a bundle that passed every check holds."""

    manifest: dict
    replies: dict[str, bytes]


def read_return_bundle(data: bytes, public_key: bytes, seen: set[str] = frozenset()) -> ReturnBundle:
    """Check a return bundle (``data``) against the 32-byte Ed25519 ``public_key``.

    ``seen`` holds the return ids already imported (replay).
    """
    # 1. structure, from the tar headers only
    try:
        tar = tarfile.open(fileobj=io.BytesIO(data), mode="r:")
        members = tar.getmembers()
    except tarfile.TarError as exc:
        raise Refused("malformed") from exc
    names = [member.name for member in members]
    if len(members) < 2 or len(members) > 10_002 or names[:2] != ["manifest.json", "manifest.sig"]:
        raise Refused("malformed")
    if len(set(names)) != len(names) or not all(member.isreg() for member in members):
        raise Refused("malformed")
    for member in members[2:]:
        if not member.name.startswith("replies/") or not HEX32.match(member.name[8:]) or member.size > MAX_REPLY:
            raise Refused("malformed")
    if members[0].size > MAX_MANIFEST or members[1].size != 64:
        raise Refused("malformed")
    manifest_bytes = tar.extractfile(members[0]).read()
    signature = tar.extractfile(members[1]).read()
    # 2. version
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused("malformed") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != "resguardo-return":
        raise Refused("malformed")
    if manifest.get("version") != 1 or type(manifest.get("version")) is not int:
        raise Refused("unsupported version")
    # 3. signer
    fingerprint = hashlib.blake2b(b"resguardo/v1/signing-fingerprint\x00" + public_key, digest_size=32).hexdigest()
    signer = manifest.get("signer")
    if not isinstance(signer, str) or not hmac.compare_digest(signer.encode(), fingerprint.encode()):
        raise Refused("foreign signer")
    # 4. signature
    message = b"resguardo/v1/return-bundle\x00" + hashlib.sha256(manifest_bytes).digest()
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except nacl.exceptions.BadSignatureError as exc:
        raise Refused("bad signature") from exc
    # 5. manifest
    if set(manifest) != TOP or not isinstance(manifest["return_id"], str) or not HEX32.match(manifest["return_id"]):
        raise Refused("malformed")
    if not isinstance(manifest["created_on"], str) or not DAY.match(manifest["created_on"]):
        raise Refused("malformed")
    replies, acknowledged = manifest["replies"], manifest["acknowledged"]
    if not isinstance(replies, list) or not isinstance(acknowledged, list) or len(replies) > 10_000:
        raise Refused("malformed")
    for entry in replies:
        if (not isinstance(entry, dict) or set(entry) != REPLY_FIELDS or not HEX32.match(str(entry["id"]))
                or not HEX32.match(str(entry["submission_id"])) or type(entry["size"]) is not int
                or not 1 <= entry["size"] <= MAX_REPLY or not HEX64.match(str(entry["sha256"]))):
            raise Refused("malformed")
    if len({entry["id"] for entry in replies}) != len(replies):
        raise Refused("malformed")
    if len(set(acknowledged)) != len(acknowledged) or not all(
            isinstance(sid, str) and HEX32.match(sid) for sid in acknowledged):
        raise Refused("malformed")
    if names[2:] != [f"replies/{entry['id']}" for entry in replies]:
        raise Refused("malformed")
    # 6. replies
    found = {}
    for entry, member in zip(replies, members[2:]):
        envelope = tar.extractfile(member).read()
        if len(envelope) != entry["size"] or hashlib.sha256(envelope).hexdigest() != entry["sha256"]:
            raise Refused("reply mismatch")
        try:
            header = keys.check_structure(io.BytesIO(envelope), len(envelope))
        except keys.KeysError as exc:
            raise Refused("bad reply envelope") from exc
        if keys.header_kinds(header) != ("xwing",):
            raise Refused("bad reply envelope")
        found[entry["id"]] = envelope
    # 7. replay
    if manifest["return_id"] in seen:
        raise Refused("replayed")
    return ReturnBundle(manifest, found)

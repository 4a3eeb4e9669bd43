"""Reading a return bundle: structure, signer, signature, manifest, replies (docs/FORMAT.md).

The steps run in FORMAT.md's order and each failure raises a subclass of
:class:`ReturnRefused` naming the outcome; nothing is written anywhere while
reading. Members are read by name from the tar headers, never extracted.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

import keys

RETURN_FORMAT = "resguardo-return"
MAX_MANIFEST = 1_048_576
SIGNATURE_BYTES = 64
MAX_REPLY = 262_144
MAX_REPLIES = 10_000
MAX_ACKS = 100_000
MAX_MEMBERS = MAX_REPLIES + 2
_HEX32 = re.compile(r"\A[0-9a-f]{32}\Z")
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")
_DAY = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_TOP = {"format", "version", "return_id", "created_on", "signer", "replies", "acknowledged"}
_REPLY_FIELDS = {"id", "submission_id", "size", "sha256"}


class ReturnRefused(Exception):
    """A return bundle was refused; ``outcome`` names why (FORMAT.md), ``exit_code`` for the CLI."""

    outcome = "refused"
    exit_code = 10


class Malformed(ReturnRefused):
    """Structure or manifest rules broken."""

    outcome, exit_code = "malformed", 10


class UnsupportedVersion(ReturnRefused):
    """A manifest version this reader does not know."""

    outcome, exit_code = "unsupported version", 11


class ForeignSigner(ReturnRefused):
    """Signed by another key than the configured reply-signing key."""

    outcome, exit_code = "foreign signer", 12


class BadSignature(ReturnRefused):
    """The manifest signature does not verify (forged, or the manifest was changed)."""

    outcome, exit_code = "bad signature", 13


class ReplyMismatch(ReturnRefused):
    """A reply's size or SHA-256 differs from the manifest (tampered)."""

    outcome, exit_code = "reply mismatch", 14


class BadReplyEnvelope(ReturnRefused):
    """A reply is not a v2 envelope with exactly one X-Wing stanza."""

    outcome, exit_code = "bad reply envelope", 15


class Replayed(ReturnRefused):
    """This ``return_id`` was imported already."""

    outcome, exit_code = "replayed", 16


@dataclass
class ReplyItem:
    """One reply of a bundle: random id, the submission it answers, the envelope bytes."""

    id: str
    submission_id: str
    envelope: bytes


@dataclass
class ReturnBundle:
    """A bundle that passed every check but the replay check (:mod:`.apply` does that)."""

    return_id: str
    created_on: str
    replies: list[ReplyItem] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)


def _members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    seen = set()
    for info in archive:
        members.append(info)
        if len(members) > MAX_MEMBERS:
            raise Malformed("too many members")
        if not info.isreg():
            raise Malformed("a member is not a regular file")
        if info.name in seen:
            raise Malformed("a member name repeats")
        seen.add(info.name)
        index = len(members) - 1
        if index == 0:
            ok = info.name == "manifest.json" and info.size <= MAX_MANIFEST
        elif index == 1:
            ok = info.name == "manifest.sig" and info.size == SIGNATURE_BYTES
        else:
            ok = (
                info.name.startswith("replies/")
                and bool(_HEX32.match(info.name[len("replies/"):]))
                and info.size <= MAX_REPLY
            )
        if not ok and index == 1 and info.name != "manifest.sig":
            raise Malformed("no manifest.sig after manifest.json: this is not a return bundle (an export, "
                            "resguardo-bundle-….tar, goes to the reviewers for review import)")
        if not ok:
            raise Malformed(f"unexpected member {index + 1}")
    if len(members) < 2:
        raise Malformed("manifest.json and manifest.sig are missing")
    return members


def _read(archive: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    handle = archive.extractfile(info)
    if handle is None:
        raise Malformed("a member cannot be read")
    data = handle.read()
    if len(data) != info.size:
        raise Malformed("a member is truncated")
    return data


def _check_manifest(manifest: dict, names: list[str]) -> None:
    if set(manifest) != _TOP:
        raise Malformed("the manifest's fields are not exactly the version-1 fields")
    if not isinstance(manifest["return_id"], str) or not _HEX32.match(manifest["return_id"]):
        raise Malformed("bad return_id")
    if not isinstance(manifest["created_on"], str) or not _DAY.match(manifest["created_on"]):
        raise Malformed("bad created_on")
    replies, acks = manifest["replies"], manifest["acknowledged"]
    if not isinstance(replies, list) or not isinstance(acks, list):
        raise Malformed("replies and acknowledged must be lists")
    if len(replies) > MAX_REPLIES or len(acks) > MAX_ACKS:
        raise Malformed("too many entries")
    ids = set()
    for entry in replies:
        if not isinstance(entry, dict) or set(entry) != _REPLY_FIELDS:
            raise Malformed("a reply entry's fields are wrong")
        size = entry["size"]
        if (
            not isinstance(entry["id"], str) or not _HEX32.match(entry["id"])
            or not isinstance(entry["submission_id"], str) or not _HEX32.match(entry["submission_id"])
            or type(size) is not int or not 1 <= size <= MAX_REPLY
            or not isinstance(entry["sha256"], str) or not _HEX64.match(entry["sha256"])
        ):
            raise Malformed("a reply entry is malformed")
        if entry["id"] in ids:
            raise Malformed("a reply id repeats")
        ids.add(entry["id"])
    if any(not isinstance(ack, str) or not _HEX32.match(ack) for ack in acks) or len(set(acks)) != len(acks):
        raise Malformed("acknowledged is malformed")
    if names != ["replies/" + entry["id"] for entry in replies]:
        raise Malformed("the replies in the archive are not the manifest's, in its order")


def read_bundle(path: str | Path, signing_key: keys.SigningPublicKey) -> ReturnBundle:
    """Check the return bundle at ``path`` against ``signing_key``; return its contents.

    :raises Malformed, UnsupportedVersion, ForeignSigner, BadSignature,
        ReplyMismatch, BadReplyEnvelope: as docs/FORMAT.md "Reader" steps 1-6.
    :raises OSError: if the file cannot be read.
    """
    try:
        archive = tarfile.open(path, mode="r:")
    except tarfile.TarError as exc:
        raise Malformed("not a tar archive") from exc
    with archive:
        try:
            members = _members(archive)
            manifest_bytes = _read(archive, members[0])
            signature = _read(archive, members[1])
        except tarfile.TarError as exc:
            raise Malformed("the archive is damaged") from exc
        try:
            manifest = json.loads(manifest_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise Malformed("manifest.json is not JSON") from exc
        if manifest_bytes.startswith(b"\xef\xbb\xbf") or not isinstance(manifest, dict):
            raise Malformed("manifest.json is not a JSON object")
        if manifest.get("format") != RETURN_FORMAT:
            raise Malformed("not a return bundle")
        if manifest.get("version") != 1 or type(manifest.get("version")) is not int:
            raise UnsupportedVersion(str(manifest.get("version")))
        signer = manifest.get("signer")
        expected = signing_key.fingerprint.hex
        if not isinstance(signer, str) or not hmac.compare_digest(signer.encode("ascii", "replace"), expected.encode("ascii")):
            raise ForeignSigner("the bundle is not signed by this site's reply-signing key")
        try:
            signing_key.verify_manifest(manifest_bytes, signature)
        except keys.ReturnSignatureError as exc:
            raise BadSignature("the manifest signature does not verify") from exc
        _check_manifest(manifest, [info.name for info in members[2:]])
        replies = []
        for entry, info in zip(manifest["replies"], members[2:]):
            try:
                data = _read(archive, info)
            except tarfile.TarError as exc:
                raise Malformed("the archive is damaged") from exc
            if len(data) != entry["size"] or not hmac.compare_digest(
                hashlib.sha256(data).hexdigest(), entry["sha256"]
            ):
                raise ReplyMismatch(f"reply {entry['id']} differs from the manifest")
            try:
                header = keys.check_structure(io.BytesIO(data), len(data))
                kinds = keys.header_kinds(header)
            except keys.KeysError as exc:
                raise BadReplyEnvelope(f"reply {entry['id']} is not a valid envelope") from exc
            if not isinstance(header, keys.HeaderV2) or tuple(kinds) != ("xwing",):
                raise BadReplyEnvelope(f"reply {entry['id']} is not sealed to one reporter key")
            replies.append(ReplyItem(entry["id"], entry["submission_id"], data))
    return ReturnBundle(
        return_id=manifest["return_id"],
        created_on=manifest["created_on"],
        replies=replies,
        acknowledged=list(manifest["acknowledged"]),
    )

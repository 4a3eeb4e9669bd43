"""Reading a bundle: a tar of ``manifest.json``, ``questionnaires/<sha256>.json`` and ``items/<item_id>``.

docs/FORMAT.md ("Bundle") is normative. The archive is read with
:mod:`tarfile` but nothing is ever extracted with the archive's own paths:
every member header is checked first (regular files with exactly the
expected names, no links, devices, folders, absolute or ``..`` names, no
duplicates, nothing unknown), then members are opened by name and streamed.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from .errors import BundleError, BundleVersionError, ManifestMismatchError, MissingItemError, ReturnBundleGivenError

MANIFEST_NAME = "manifest.json"
RETURN_SIGNATURE_NAME = "manifest.sig"  # only a return bundle has it (review/replies/bundle.py)
ITEM_PREFIX = "items/"
QUESTIONNAIRE_PREFIX = "questionnaires/"
MAX_QUESTIONNAIRE_BYTES = 1024 * 1024
BUNDLE_FORMAT = "resguardo-bundle"
BUNDLE_VERSION = 1
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
READ_SIZE = 256 * 1024
KINDS = ("report", "attachment")

HEX32 = re.compile(r"[0-9a-f]{32}\Z")
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")

Progress = Callable[[int], None]
"""Called with a number of ciphertext bytes just read."""


def is_day(value: object) -> bool:
    """True for a valid ``YYYY-MM-DD`` calendar date string."""
    if not isinstance(value, str) or not _DAY.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class ManifestItem:
    """One envelope in the bundle: ``size`` bytes with ``sha256`` (hex) of the ciphertext."""

    id: str
    kind: str
    size: int
    sha256: str

    @property
    def member_name(self) -> str:
        """The archive member that holds this item: ``items/<id>``."""
        return ITEM_PREFIX + self.id


@dataclass(frozen=True)
class ManifestSubmission:
    """One submission: its report item and attachment items. ``raw`` is the manifest entry."""

    id: str
    received_on: str
    items: tuple[ManifestItem, ...]
    raw: dict

    @property
    def report(self) -> ManifestItem:
        """The one item of kind ``report``."""
        return next(item for item in self.items if item.kind == "report")

    @property
    def attachments(self) -> tuple[ManifestItem, ...]:
        """The items of kind ``attachment``, in manifest order."""
        return tuple(item for item in self.items if item.kind == "attachment")

    @property
    def size(self) -> int:
        """Total ciphertext bytes the manifest claims for this submission."""
        return sum(item.size for item in self.items)


@dataclass(frozen=True)
class Manifest:
    """A parsed, checked ``manifest.json``; ``recipients`` are 64-hex fingerprints."""

    bundle_id: str
    created_on: str
    recipients: tuple[str, ...]
    submissions: tuple[ManifestSubmission, ...]
    raw: dict


def _bad(detail: str) -> BundleError:
    return BundleError("invalid manifest", detail)


def _item(raw: object) -> ManifestItem:
    if not isinstance(raw, dict):
        raise _bad("an item is not an object")
    item_id, kind, size, digest = (raw.get(k) for k in ("id", "kind", "size", "sha256"))
    if not isinstance(item_id, str) or not HEX32.match(item_id):
        raise _bad("an item id is not 32 lower-case hex digits")
    if kind not in KINDS:
        raise _bad(f"item {item_id} has an unknown kind")
    if type(size) is not int or size < 0:
        raise _bad(f"item {item_id} has no valid size")
    if not isinstance(digest, str) or not HEX64.match(digest):
        raise _bad(f"item {item_id} has no valid sha256")
    return ManifestItem(item_id, kind, size, digest)


def _submission(raw: object) -> ManifestSubmission:
    if not isinstance(raw, dict):
        raise _bad("a submission is not an object")
    sub_id, day, items = raw.get("id"), raw.get("received_on"), raw.get("items")
    if not isinstance(sub_id, str) or not HEX32.match(sub_id):
        raise _bad("a submission id is not 32 lower-case hex digits")
    if not is_day(day):
        raise _bad(f"submission {sub_id} has no valid received_on date")
    if not isinstance(items, list):
        raise _bad(f"submission {sub_id} has no item list")
    parsed = tuple(_item(item) for item in items)
    if sum(item.kind == "report" for item in parsed) != 1:
        raise _bad(f"submission {sub_id} does not have exactly one report")
    return ManifestSubmission(sub_id, day, parsed, raw)


def parse_manifest(data: bytes) -> Manifest:
    """Parse and check ``manifest.json`` bytes.

    :raises BundleVersionError: if ``format`` or ``version`` is not
        ``resguardo-bundle`` / 1.
    :raises BundleError: (reason ``"invalid manifest"``) for anything else
        malformed, including repeated submission or item ids.
    """
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _bad("not UTF-8 JSON") from exc
    if not isinstance(raw, dict):
        raise _bad("not a JSON object")
    if raw.get("format") != BUNDLE_FORMAT or raw.get("version") != BUNDLE_VERSION:
        if raw.get("format") == BUNDLE_FORMAT:
            raise BundleVersionError(f"format {raw.get('format')!r} version {raw.get('version')!r}")
        raise _bad("not a Resguardo bundle manifest")
    bundle_id, created_on = raw.get("bundle_id"), raw.get("created_on")
    recipients, submissions = raw.get("recipients"), raw.get("submissions")
    if not isinstance(bundle_id, str) or not HEX32.match(bundle_id):
        raise _bad("bundle_id is not 32 lower-case hex digits")
    if not is_day(created_on):
        raise _bad("created_on is not a date")
    if not isinstance(recipients, list) or not all(
        isinstance(r, str) and HEX64.match(r) for r in recipients
    ):
        raise _bad("recipients is not a list of 64-hex fingerprints")
    if not isinstance(submissions, list):
        raise _bad("submissions is not a list")
    parsed = tuple(_submission(sub) for sub in submissions)
    sub_ids = [sub.id for sub in parsed]
    item_ids = [item.id for sub in parsed for item in sub.items]
    if len(set(sub_ids)) != len(sub_ids) or len(set(item_ids)) != len(item_ids):
        raise _bad("a submission or item id appears twice")
    return Manifest(bundle_id, created_on, tuple(recipients), parsed, raw)


def check_member(info: tarfile.TarInfo) -> None:
    """Refuse a member that has no place in a bundle.

    :raises BundleError: reason ``"absolute name"``, ``"parent path"``,
        ``"link member"``, ``"device member"``, ``"directory member"``,
        ``"not a regular file"`` or ``"unknown member"``;
        :class:`~review.errors.ReturnBundleGivenError` for a return bundle's
        ``manifest.sig`` (the reviewer chose the wrong file).
    """
    name = info.name
    if name.startswith("/") or name.startswith("\\") or re.match(r"[A-Za-z]:", name):
        raise BundleError("absolute name", member=name)
    if ".." in re.split(r"[/\\]", name):
        raise BundleError("parent path", member=name)
    if info.issym() or info.islnk():
        raise BundleError("link member", member=name)
    if info.ischr() or info.isblk() or info.isfifo():
        raise BundleError("device member", member=name)
    if info.isdir():
        raise BundleError("directory member", member=name)
    if not info.isreg() or info.issparse():
        raise BundleError("not a regular file", member=name)
    if name == RETURN_SIGNATURE_NAME:
        raise ReturnBundleGivenError(member=name)
    if name != MANIFEST_NAME and not (
        name.startswith(ITEM_PREFIX) and HEX32.match(name[len(ITEM_PREFIX) :])
    ) and not _questionnaire_sha(name):
        raise BundleError("unknown member", member=name)


def _questionnaire_sha(name: str) -> str | None:
    """The SHA-256 in a ``questionnaires/<64 hex>.json`` member name, else None."""
    if name.startswith(QUESTIONNAIRE_PREFIX) and name.endswith(".json"):
        sha = name[len(QUESTIONNAIRE_PREFIX) : -len(".json")]
        return sha if HEX64.match(sha) else None
    return None


class Bundle:
    """An open bundle: members checked and ``manifest.json`` parsed.

    Use as a context manager. ``manifest`` is the :class:`Manifest`;
    ``unlisted`` the item ids present in the archive but absent from the
    manifest (they are reported, never imported); ``cut_short`` is True if
    the archive ends early (the complete items can still be imported).

    :raises BundleError: if the file is not an uncompressed tar, a member is
        not allowed (see :func:`check_member`) or appears twice, or the
        manifest is missing, too large or malformed.
    :raises BundleVersionError: for an unknown bundle format version.
    :raises OSError: if the file cannot be read.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.cut_short = False
        try:
            self._tar = tarfile.open(self.path, mode="r:")
        except tarfile.TarError as exc:
            raise BundleError("not a tar", "the file is not an uncompressed tar archive") from exc
        try:
            self._file_size = os.fstat(self._tar.fileobj.fileno()).st_size
            self._members = self._check_members()
            self.manifest = self._read_manifest()
        except BaseException:
            self._tar.close()
            raise
        listed = {item.id for sub in self.manifest.submissions for item in sub.items}
        self.unlisted = tuple(
            name[len(ITEM_PREFIX) :]
            for name in self._members
            if name.startswith(ITEM_PREFIX) and name[len(ITEM_PREFIX) :] not in listed
        )

    def _check_members(self) -> dict[str, tarfile.TarInfo]:
        members: dict[str, tarfile.TarInfo] = {}
        try:
            infos = self._tar.getmembers()
        except (tarfile.TarError, EOFError):
            # Cut short (an interrupted copy): keep the members read so far;
            # items whose data is incomplete then fail one by one.
            infos = list(self._tar.members)
            self.cut_short = True
        for info in infos:
            check_member(info)
            if info.name in members:
                raise BundleError("duplicate member", member=info.name)
            members[info.name] = info
        return members

    def _read_manifest(self) -> Manifest:
        info = self._members.get(MANIFEST_NAME)
        if info is None:
            raise BundleError("no manifest", "the archive has no manifest.json")
        if info.size > MAX_MANIFEST_BYTES:
            raise _bad("manifest.json is too large")
        source = self._tar.extractfile(info)
        try:
            data = source.read(info.size)
        except tarfile.TarError as exc:
            raise BundleError("not a tar", "the archive is cut short") from exc
        if len(data) != info.size:
            raise BundleError("not a tar", "the archive is cut short")
        return parse_manifest(data)

    def questionnaires(self) -> dict[str, bytes]:
        """The questionnaire documents the bundle carries: SHA-256 -> canonical bytes.

        Older bundles carry none (an empty dict).

        :raises BundleError: (reason ``"invalid questionnaire"``) if one is
            larger than 1 MiB, cut short, or its bytes do not hash to its name.
        """
        found: dict[str, bytes] = {}
        for name, info in self._members.items():
            sha = _questionnaire_sha(name)
            if sha is None:
                continue
            if info.size > MAX_QUESTIONNAIRE_BYTES:
                raise BundleError("invalid questionnaire", "a questionnaire is larger than 1 MiB", member=name)
            try:
                data = self._tar.extractfile(info).read(info.size)
            except tarfile.TarError as exc:
                raise BundleError("invalid questionnaire", "the archive is cut short", member=name) from exc
            if len(data) != info.size or not hmac.compare_digest(hashlib.sha256(data).hexdigest(), sha):
                raise BundleError("invalid questionnaire", "a questionnaire does not match its SHA-256", member=name)
            found[sha] = data
        return found

    def item_complete(self, item_id: str) -> bool:
        """True if ``items/<item_id>`` is in the archive and its data is not cut off."""
        info = self._members.get(ITEM_PREFIX + item_id)
        return info is not None and info.offset_data + info.size <= self._file_size

    def member_size(self, item_id: str) -> int:
        """Size in bytes of ``items/<item_id>`` as the archive states it.

        :raises KeyError: if absent.
        """
        return self._members[ITEM_PREFIX + item_id].size

    def has_item(self, item_id: str) -> bool:
        """True if ``items/<item_id>`` is in the archive."""
        return ITEM_PREFIX + item_id in self._members

    def open_item(self, item: ManifestItem, progress: Progress | None = None) -> BinaryIO:
        """A binary reader over the item's ciphertext (streamed from the tar).

        Reads with ``pread`` at the member's offset, so readers of different
        items may be used from several threads at once. ``progress`` is told
        how many bytes each read returned. A read past a cut-short archive
        raises ``tarfile.ReadError``.

        :raises MissingItemError: if the member is absent.
        """
        info = self._members.get(item.member_name)
        if info is None:
            raise MissingItemError("the item is not in the bundle", item.id)
        return _MemberReader(self._tar.fileobj.fileno(), info.offset_data, info.size, progress)

    def verify_item(self, item: ManifestItem, progress: Progress | None = None) -> None:
        """Check the member's size and SHA-256 against the manifest, streaming.

        :raises MissingItemError: if the member is absent.
        :raises ManifestMismatchError: if the size or the hash differs, or
            the archive ends inside the member.
        """
        info = self._members.get(item.member_name)
        if info is None:
            raise MissingItemError("the item is not in the bundle", item.id)
        if info.size != item.size:
            raise ManifestMismatchError(
                f"size is {info.size}, the manifest says {item.size}", item.id
            )
        digest = hashlib.sha256()
        source = self.open_item(item, progress)
        try:
            while piece := source.read(READ_SIZE):
                digest.update(piece)
        except tarfile.TarError as exc:
            raise ManifestMismatchError("the archive ends inside this item", item.id) from exc
        if not hmac.compare_digest(digest.hexdigest(), item.sha256):
            raise ManifestMismatchError("sha256 differs from the manifest", item.id)

    def close(self) -> None:
        """Close the archive."""
        self._tar.close()

    def __enter__(self) -> "Bundle":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _MemberReader:
    """Reads ``size`` bytes at ``offset`` of the descriptor ``fd`` with ``os.pread``
    (no shared file position), reporting each read to ``progress``."""

    def __init__(self, fd: int, offset: int, size: int, progress: Progress | None) -> None:
        self._fd = fd
        self._position = offset
        self._remaining = size
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        wanted = self._remaining if size is None or size < 0 else min(size, self._remaining)
        if wanted <= 0:
            return b""
        data = os.pread(self._fd, wanted, self._position)
        if len(data) < wanted:
            raise tarfile.ReadError("unexpected end of data")
        self._position += len(data)
        self._remaining -= len(data)
        if self._progress:
            self._progress(len(data))
        return data

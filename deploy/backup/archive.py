"""The backup file: a tar stream sealed in one Resguardo envelope, written and read as a stream.

Layout of the sealed content (a POSIX tar stream, ``tarfile`` "w|")::

    resguardo-backup.json   {"format": "resguardo-backup", "version": 1,
                             "day": "YYYY-MM-DD", "database": "sqlite" | "pg_dump" | "none"}
    data/…                  the data directory (its SQLite database as a consistent copy)
    onion/…                 the onion service key directory
    database/database.pgdump   (only "pg_dump") a PostgreSQL custom-format dump

Every member is a regular file or a directory with mode 0600 / 0700, owner 0,
no owner names, and the start of the backup's day (UTC) as its time: the
backup records no time of day. The envelope (docs/FORMAT.md) authenticates
every byte; the reader verifies the whole stream, end included, before the
caller puts anything in place.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterator, Sequence

import keys
from review.i18n import N_, _

from .errors import DamagedBackupError

FORMAT = "resguardo-backup"
VERSION = 1
MANIFEST = "resguardo-backup.json"
ROOTS = ("data", "onion", "database")
"""Top-level folders a backup may hold; anything else makes it damaged."""
NOT_A_BACKUP = N_("this file is not a Resguardo backup")
UNEXPECTED_PATH = N_("the backup holds an unexpected path: %(path)s")
COPY_BUFFER = 64 * 1024


def day_start(day: dt.date) -> int:
    """Seconds since the epoch of 00:00 UTC on ``day``."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


@dataclass(frozen=True)
class Manifest:
    """What a backup says about itself (its first member)."""

    day: dt.date
    database: str

    def to_bytes(self) -> bytes:
        """The JSON member, UTF-8."""
        return json.dumps({"format": FORMAT, "version": VERSION, "day": self.day.isoformat(),
                           "database": self.database}, sort_keys=True).encode("utf-8") + b"\n"

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Manifest":
        """Parse the JSON member.

        :raises DamagedBackupError: if it is not a version-1 Resguardo backup manifest.
        """
        try:
            data = json.loads(raw.decode("utf-8"))
            if data["format"] != FORMAT:
                raise ValueError("format")
            if data["version"] != VERSION:
                raise DamagedBackupError(_("this backup is format version %(version)s; this resguardo-backup "
                                           "reads version 1 only (update it)", version=repr(data["version"])))
            if data["database"] not in ("sqlite", "pg_dump", "none"):
                raise ValueError("database")
            return cls(dt.date.fromisoformat(data["day"]), data["database"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise DamagedBackupError(_(NOT_A_BACKUP)) from exc


class _Members:
    """Adds members to a stream-mode tar with the day's time and fixed owners/modes."""

    def __init__(self, tar: tarfile.TarFile, mtime: int) -> None:
        self.tar = tar
        self.mtime = mtime

    def _info(self, name: str, kind: bytes, size: int = 0) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.size = size
        info.mode = 0o700 if kind == tarfile.DIRTYPE else 0o600
        info.mtime = self.mtime
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    def directory(self, name: str) -> None:
        """A directory entry."""
        self.tar.addfile(self._info(name, tarfile.DIRTYPE))

    def data(self, name: str, content: bytes) -> None:
        """A small in-memory file."""
        self.tar.addfile(self._info(name, tarfile.REGTYPE, len(content)), io.BytesIO(content))

    def file(self, name: str, path: Path) -> bool:
        """Copy the regular file at ``path`` (never following a link); False if it vanished."""
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            return False
        with os.fdopen(fd, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            self.tar.addfile(self._info(name, tarfile.REGTYPE, size), handle)
        return True


def add_tree(
    members: _Members,
    root: Path,
    prefix: str,
    *,
    skip: Callable[[PurePosixPath], bool] = lambda _: False,
    warn: Callable[[str], None] = lambda _: None,
) -> None:
    """Add the directory ``root`` and everything under it as ``prefix/…``.

    Symbolic links and special files are left out with a warning; paths for
    which ``skip(relative path)`` is true are left out silently.
    """
    members.directory(prefix)
    for current, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        here = PurePosixPath(Path(current).relative_to(root).as_posix())
        for name in list(dirs):
            relative = here / name
            if skip(relative) or os.path.islink(os.path.join(current, name)):
                if not skip(relative):
                    warn(_("%(path)s is a link; not backed up", path=os.path.join(current, name)))
                dirs.remove(name)
                continue
            members.directory(f"{prefix}/{relative}")
        for name in sorted(files):
            relative = here / name
            if skip(relative):
                continue
            path = Path(current) / name
            mode = os.lstat(path).st_mode
            if not stat.S_ISREG(mode):
                warn(_("%(path)s is not a regular file; not backed up", path=path))
                continue
            members.file(f"{prefix}/{relative}", path)


class SealedTarWriter:
    """A stream-mode tar whose bytes go straight into an envelope to ``recipients``.

    Use as a context manager; :attr:`members` adds entries. On a clean exit the
    tar end and the envelope's FINAL chunk are written; on an exception neither
    is (the partial output then fails to open: callers delete it).
    """

    def __init__(self, recipients: Sequence, sink: BinaryIO, manifest: Manifest) -> None:
        # Envelope v2 (docs/FORMAT.md): X-Wing recipients are post-quantum
        # protected, the header is key-committing and the content signed; an
        # older X25519 backup key still works (a v2 X25519 stanza).
        self._envelope = keys.EnvelopeWriterV2(recipients, sink)
        self._tar = tarfile.open(fileobj=self._envelope, mode="w|", format=tarfile.PAX_FORMAT,
                                 bufsize=COPY_BUFFER)
        self.members = _Members(self._tar, day_start(manifest.day))
        self.members.data(MANIFEST, manifest.to_bytes())

    def __enter__(self) -> "SealedTarWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self._tar.close()
            self._envelope.close()


class _Plaintext(io.RawIOBase):
    """A readable stream over the verified pieces of an :class:`keys.EnvelopeReader`."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._pieces)
            except StopIteration:
                return 0
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (path.is_absolute() or not path.parts or path.parts[0] not in ROOTS
            or any(part in ("", ".", "..") for part in path.parts) or "\x00" in name):
        raise DamagedBackupError(_(UNEXPECTED_PATH, path=repr(name)))
    return path


def extract(source: BinaryIO, identities: Sequence[keys.SecretKey], staging: dict[str, Path]) -> Manifest:
    """Open the backup in ``source`` and write its members under ``staging``.

    ``staging`` maps a top-level folder (``"data"``, ``"onion"``,
    ``"database"``) to an existing empty directory; files are created 0600,
    directories 0700, times set to the backup's day. The whole stream is
    verified, end included, before this returns: if it raises, the caller
    MUST discard everything under ``staging``.

    :raises DamagedBackupError: if the file is altered, cut short, not sealed
        to any of ``identities``, or not a Resguardo backup.
    """
    try:
        reader = keys.EnvelopeReader(source, identities)
        plain = io.BufferedReader(_Plaintext(iter(reader)), COPY_BUFFER)
        manifest = _extract_tar(plain, staging)
        while plain.read(COPY_BUFFER):  # verify the envelope to its FINAL chunk
            pass
    except keys.NoMatchingKeyError as exc:
        raise DamagedBackupError(_("this backup was not made for this key "
                                   "(check you chose the backup key's .secret-key file)")) from exc
    except keys.TruncatedError as exc:
        raise DamagedBackupError(_("this backup file is cut short (an interrupted copy?); nothing was restored")) from exc
    except keys.KeysError as exc:
        raise DamagedBackupError(_("this backup file is damaged or was altered; nothing was restored")) from exc
    except tarfile.TarError as exc:
        raise DamagedBackupError(_(NOT_A_BACKUP)) from exc
    return manifest


def _extract_tar(plain: BinaryIO, staging: dict[str, Path]) -> Manifest:
    manifest: Manifest | None = None
    directories: list[Path] = []
    with tarfile.open(fileobj=plain, mode="r|", bufsize=COPY_BUFFER) as tar:
        for member in tar:
            if manifest is None:
                if member.name != MANIFEST or not member.isfile() or member.size > 4096:
                    raise DamagedBackupError(_(NOT_A_BACKUP))
                manifest = Manifest.from_bytes(tar.extractfile(member).read())
                continue
            path = _safe_name(member.name)
            if path.parts[0] not in staging:
                raise DamagedBackupError(_(UNEXPECTED_PATH, path=repr(member.name)))
            target = staging[path.parts[0]].joinpath(*path.parts[1:])
            if member.isdir():
                target.mkdir(mode=0o700, exist_ok=True)
                directories.append(target)
            elif member.isfile():
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
                with os.fdopen(fd, "wb") as out, tar.extractfile(member) as data:
                    while piece := data.read(COPY_BUFFER):
                        out.write(piece)
                    out.flush()
                    os.fsync(out.fileno())
                os.utime(target, (member.mtime, member.mtime))
            else:
                raise DamagedBackupError(_("the backup holds a link or special file: %(path)s", path=repr(member.name)))
    if manifest is None:
        raise DamagedBackupError(_(NOT_A_BACKUP))
    for directory in reversed(directories):
        os.utime(directory, (day_start(manifest.day), day_start(manifest.day)))
    return manifest

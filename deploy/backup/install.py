"""Where an installation's pieces live, and making or putting back a backup of them.

Locations come from the environment (defaults: the Debian layout of
docs/OPERATIONS.md): ``RESGUARDO_DATA_DIR`` (/var/lib/resguardo),
``RESGUARDO_ONION_STATE`` (/var/lib/resguardo-onion), ``RESGUARDO_DATABASE_URL``
(SQLite in the data directory), ``RESGUARDO_USER`` / ``RESGUARDO_ONION_USER``
(resguardo / resguardo-onion: the owners given back on restore, when run as root).
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Mapping, Sequence

import keys
from review.i18n import _

from . import archive, database
from .errors import SetupError

SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class Installation:
    """The paths and database of one installation."""

    data_dir: Path
    onion_state: Path
    database_url: str
    app_user: str = "resguardo"
    onion_user: str = "resguardo-onion"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, data_dir: Path | None = None,
                 onion_state: Path | None = None) -> "Installation":
        """Read the locations from ``env`` (default ``os.environ``); arguments win."""
        env = os.environ if env is None else env
        data = Path(data_dir or env.get("RESGUARDO_DATA_DIR") or "/var/lib/resguardo").absolute()
        onion = Path(onion_state or env.get("RESGUARDO_ONION_STATE") or "/var/lib/resguardo-onion").absolute()
        url = env.get("RESGUARDO_DATABASE_URL") or f"sqlite:///{data / 'resguardo.db'}"
        return cls(data, onion, url, env.get("RESGUARDO_USER") or "resguardo",
                   env.get("RESGUARDO_ONION_USER") or "resguardo-onion")


def _sqlite_in_data(inst: Installation) -> PurePosixPath | None:
    path = database.sqlite_path(inst.database_url)
    if path is None:
        return None
    try:
        return PurePosixPath(path.absolute().relative_to(inst.data_dir).as_posix())
    except ValueError:
        raise SetupError(_("the SQLite database %(path)s is outside the data directory %(data_dir)s; this tool "
                           "backs up a database kept in the data directory (the default)",
                           path=path, data_dir=inst.data_dir)) from None


def create(
    inst: Installation,
    recipients: Sequence,  # keys.XWingPublicKey or keys.PublicKey
    out_dir: Path,
    *,
    postgresql: str = "refuse",
    warn: Callable[[str], None] = lambda _: None,
    today: dt.date | None = None,
) -> Path:
    """Write a new backup of ``inst`` into ``out_dir``; return its path.

    The file is ``resguardo-backup-YYYY-MM-DD-XXXXXXXX.backup`` (mode 0600,
    its time set to the day's start), written under a temporary name and
    renamed when complete. ``postgresql`` says what to do with a PostgreSQL
    database: ``"refuse"``, ``"pg_dump"`` or ``"skip"``.

    :raises SetupError: if a directory is missing, or the database cannot be
        backed up this way.
    :raises DatabaseToolError: if the database copy fails.
    """
    if not inst.data_dir.is_dir():
        raise SetupError(_("no data directory at %(path)s (set RESGUARDO_DATA_DIR)", path=inst.data_dir))
    if not out_dir.is_dir():
        raise SetupError(_("the output folder %(path)s does not exist (is the disk mounted?)", path=out_dir))
    relative_db = _sqlite_in_data(inst)
    if relative_db is not None:
        kind = "sqlite"
        if not (inst.data_dir / relative_db).is_file():
            raise SetupError(_("no database at %(path)s", path=inst.data_dir / relative_db))
    elif database.is_postgresql(inst.database_url):
        if postgresql == "refuse":
            raise SetupError(_("the database is PostgreSQL: back it up with its own tools and pass --no-database, "
                               "or pass --pg-dump to include a pg_dump (docs/OPERATIONS.md, 'Back up')"))
        kind = "pg_dump" if postgresql == "pg_dump" else "none"
    else:
        raise SetupError(_("unsupported RESGUARDO_DATABASE_URL %(scheme)s:…", scheme=inst.database_url.split(":", 1)[0]))
    if not inst.onion_state.is_dir():
        warn(_("no onion key directory at %(path)s; the onion address is NOT backed up", path=inst.onion_state))

    day = today or dt.datetime.now(dt.timezone.utc).date()
    name = f"resguardo-backup-{day.isoformat()}-{secrets.token_hex(4)}.backup"
    final = out_dir / name
    partial = out_dir / f".{name}.part"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".resguardo-backup-") as work, \
                os.fdopen(fd, "wb") as sink:
            fd = -1
            snapshot = Path(work) / "database"
            if kind == "sqlite":
                database.snapshot_sqlite(inst.data_dir / relative_db, snapshot)
            elif kind == "pg_dump":
                database.dump_postgresql(inst.database_url, snapshot)

            def skip(path: PurePosixPath) -> bool:
                return relative_db is not None and str(path) in [str(relative_db) + s for s in ("", *SQLITE_SIDE_FILES)]

            with archive.SealedTarWriter(recipients, sink, archive.Manifest(day, kind)) as tar:
                archive.add_tree(tar.members, inst.data_dir, "data", skip=skip, warn=warn)
                if kind == "sqlite":
                    tar.members.file(f"data/{relative_db}", snapshot)
                elif kind == "pg_dump":
                    tar.members.directory("database")
                    tar.members.file("database/database.pgdump", snapshot)
                if inst.onion_state.is_dir():
                    archive.add_tree(tar.members, inst.onion_state, "onion", warn=warn)
            sink.flush()
            os.fsync(sink.fileno())
        os.utime(partial, (archive.day_start(day), archive.day_start(day)))
        os.rename(partial, final)
    except BaseException:
        if fd != -1:
            os.close(fd)
        partial.unlink(missing_ok=True)
        raise
    return final


def _is_empty(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def _chown_tree(root: Path, user: str) -> None:
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return
    for current, dirs, files in os.walk(root):
        os.chown(current, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.chown(os.path.join(current, name), entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def restore(
    inst: Installation,
    backup: Path,
    identities: Sequence[keys.SecretKey],
    *,
    force: bool = False,
    warn: Callable[[str], None] = lambda _: None,
) -> archive.Manifest:
    """Put the backup in ``backup`` back into ``inst``'s directories (and PostgreSQL).

    Everything is unpacked and verified beside the targets first; only a
    complete, authentic backup is put in place (a rename). A non-empty target
    is refused unless ``force``; then it is kept beside, renamed
    ``NAME.replaced-XXXXXXXX``. Run as root, the directories are given to
    ``inst.app_user`` / ``inst.onion_user`` if those users exist.

    :raises SetupError: if a target is not empty (without ``force``), or a
        PostgreSQL dump meets a non-PostgreSQL URL.
    :raises DamagedBackupError: if the backup is altered, cut short, not for
        these keys, or not a backup (nothing is changed).
    :raises DatabaseToolError: if pg_restore fails (no file is put in place).
    """
    targets = {"data": inst.data_dir, "onion": inst.onion_state}
    if not force:
        for target in targets.values():
            if not _is_empty(target):
                raise SetupError(_("%(path)s is not empty; stop the services and pass --force to replace it "
                                   "(the old one is kept beside it)", path=target))
    tag = secrets.token_hex(4)
    staging: dict[str, Path] = {}
    try:
        for root, target in [*targets.items(), ("database", inst.data_dir.parent / f".{inst.data_dir.name}.db-{tag}")]:
            path = target if root == "database" else target.parent / f".{target.name}.restoring-{tag}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.mkdir(mode=0o700)
            staging[root] = path
        with open(backup, "rb") as source:
            manifest = archive.extract(source, identities, staging)
        if manifest.database == "pg_dump":
            if not database.is_postgresql(inst.database_url):
                raise SetupError(_("this backup holds a PostgreSQL dump: set RESGUARDO_DATABASE_URL to the "
                                   "(empty) PostgreSQL database to restore it into"))
            database.restore_postgresql(inst.database_url, staging["database"] / "database.pgdump")
        elif manifest.database == "none":
            warn(_("this backup holds no database (PostgreSQL backed up by its own tools): restore it from there"))
        for root, target in targets.items():
            if root == "onion" and not any(staging[root].iterdir()):
                continue  # the backup had no onion directory
            if target.exists():
                if _is_empty(target):
                    target.rmdir()
                else:
                    kept = target.parent / f"{target.name}.replaced-{tag}"
                    os.rename(target, kept)
                    warn(_("the previous %(path)s was kept as %(kept)s; delete it when the restore is checked",
                           path=target, kept=kept))
            os.rename(staging.pop(root), target)
            os.chmod(target, 0o700)
    finally:
        for path in staging.values():
            shutil.rmtree(path, ignore_errors=True)
    if os.geteuid() == 0:
        _chown_tree(inst.data_dir, inst.app_user)
        if inst.onion_state.is_dir():
            _chown_tree(inst.onion_state, inst.onion_user)
    return manifest

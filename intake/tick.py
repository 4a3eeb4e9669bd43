"""The periodic tick: expire unfinished uploads and wipe the order and times of writes.

``resguardo tick`` runs it, hourly, from a systemd timer (deploy/systemd/).
Between two ticks the server writes rows in arrival order; the tick removes
what that order left behind, so a seized server shows at most "something
was written since the last tick" (docs/THREAT-MODEL.md):

1. :func:`intake.cleanup.expire_pending` deletes every expired pending
   upload in one transaction (no cap: it keeps up with a flood).
2. SQLite: ``PRAGMA wal_checkpoint(TRUNCATE)``, then, if anything was written
   since the last tick (the database file or its write-ahead log no longer
   has the midnight mtime the last tick gave it, the log is not empty, or
   step 1 deleted something), ``VACUUM``, which rebuilds the file with every table's pages
   in key order (random ids), not arrival order, and leaves no free page
   holding old data; then the WAL is truncated again.
   PostgreSQL: every row of a submission's tables written since the last
   tick (``xmin`` younger than the transaction id the last tick recorded in
   ``tick_state``) is rewritten in one transaction in primary-key order, so
   all carry that one transaction's ``xmin`` and new tuple versions are laid
   down in key order; chunk data is rewritten as a new value, so its TOAST
   rows get fresh ids in key order too. Residual: the old row versions stay
   on disk until autovacuum reuses their space, and WAL segments until
   PostgreSQL recycles them.
3. atime and mtime of every file and directory under the data directory
   (and of the SQLite database and its ``-wal``/``-shm`` files wherever they
   are) are set to today's 00:00 UTC. Their ctime (and birth time) cannot be
   set: it stays the instant of this tick, or of the last write after it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Engine, make_url

from .cleanup import ExpiryResult, expire_pending
from .models import TickState
from .storage import current_tick

#: Tables whose rows belong to submissions or uploads, with their primary keys, parents first.
REWRITTEN = (
    ("submissions", ("id",)),
    ("upload_sessions", ("key",)),
    ("blobs", ("id",)),
    ("items", ("id",)),
    ("blob_chunks", ("blob_id", "seq")),
)


@dataclass
class TickResult:
    """What :func:`run` did: the expiry, whether the database was compacted
    (SQLite ``VACUUM``) or rows rewritten (PostgreSQL, ``rewritten`` rows),
    and how many paths got their times reset."""

    expired: ExpiryResult
    compacted: bool = False
    rewritten: int = 0
    reset_paths: int = 0


def midnight_utc(now: float | None = None) -> int:
    """Today's 00:00 UTC as a Unix time (seconds)."""
    day = dt.datetime.fromtimestamp(time.time() if now is None else now, dt.timezone.utc).date()
    return calendar.timegm(day.timetuple())


def sqlite_files(url: str) -> list[Path]:
    """The SQLite database file of ``url`` and its ``-wal``/``-shm`` files (those that exist)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return []
    base = Path(parsed.database).resolve()
    return [path for path in (base, Path(f"{base}-wal"), Path(f"{base}-shm"), Path(f"{base}-journal")) if path.exists()]


def reset_times(roots: list[Path], stamp: int) -> int:
    """Set atime and mtime of every path under ``roots`` (and the roots) to ``stamp``.

    Symlinks are not followed. :returns: how many paths were set.
    """
    count = 0
    seen: set[Path] = set()
    for root in roots:
        root = Path(root)
        if not root.exists() and not root.is_symlink():
            continue
        paths = [root]
        if root.is_dir() and not root.is_symlink():
            for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
                paths += [Path(dirpath) / name for name in dirnames + filenames]
        for path in paths:
            if path in seen:
                continue
            seen.add(path)
            try:
                os.utime(path, (stamp, stamp), follow_symlinks=False)
                count += 1
            except FileNotFoundError:
                continue
    return count


DAY_NS = 86_400 * 10**9


def _written_since_last_tick(files: list[Path]) -> bool:
    """True unless the database file still has a tick's midnight mtime and the WAL is empty.

    A tick leaves the database file with an mtime of exactly 00:00:00 UTC;
    a checkpoint of anything written since moves it (a write landing on that
    nanosecond is not a concern), and until then the write sits in the WAL.
    (The WAL's own mtime is not a sign: opening a connection creates it.)
    """
    for path in files:
        info = path.stat()
        if path.name.endswith("-wal"):
            if info.st_size > 0:
                return True
        elif info.st_mtime_ns % DAY_NS:
            return True
    return False


def _sqlite_compact(engine: Engine, wrote: bool) -> bool:
    files = [path for path in sqlite_files(str(engine.url)) if not path.name.endswith("-shm")]
    wrote = wrote or _written_since_last_tick(files)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        if wrote:
            connection.exec_driver_sql("VACUUM")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return wrote


def _postgres_rewrite(engine: Engine) -> int:
    """Rewrite rows written since the last tick, in key order, in one transaction; return how many."""
    rewritten = 0
    with engine.begin() as connection:
        connection.execute(text("LOCK TABLE tick_state IN EXCLUSIVE MODE"))
        last = connection.execute(select(TickState.last_xid).where(TickState.id == 1)).scalar()
        # age(xmin) counts transactions since the row was written; a row is
        # newer than the last tick when it is younger than that tick's xid.
        newer = "true" if last is None else f"age(xmin) < age('{int(last)}'::xid)"
        for table, key in REWRITTEN:
            order = ", ".join(key)
            rows = connection.execute(text(f"SELECT {order} FROM {table} WHERE {newer} ORDER BY {order}")).all()
            match = " AND ".join(f"{column} = :{column}" for column in key)
            touch = "data = data || ''::bytea" if table == "blob_chunks" else f"{key[0]} = {key[0]}"
            for row in rows:
                connection.execute(text(f"UPDATE {table} SET {touch} WHERE {match}"), dict(zip(key, row)))
            rewritten += len(rows)
        xid = connection.execute(text("SELECT txid_current() % 4294967296")).scalar()
        if last is None:
            connection.execute(insert(TickState).values(id=1, last_xid=str(xid)))
        else:
            connection.execute(update(TickState).where(TickState.id == 1).values(last_xid=str(xid)))
    return rewritten


def run(engine: Engine, data_dir: Path, expiry_hours: int, *, now: float | None = None) -> TickResult:
    """One tick (see the module docstring) on the database of ``engine`` and ``data_dir``.

    :param expiry_hours: whole hours an unfinished upload may stay idle.
    :param now: the Unix time to act as (tests); default the clock.
    :returns: a :class:`TickResult`.
    :raises sqlalchemy.exc.SQLAlchemyError: if the database cannot be written.
    :raises OSError: if a file's times cannot be set.
    """
    with engine.begin() as connection:
        expired = expire_pending(connection, expiry_hours, now_tick=current_tick(now))
    result = TickResult(expired)
    if engine.dialect.name == "sqlite":
        result.compacted = _sqlite_compact(engine, expired.removed > 0)
    elif engine.dialect.name == "postgresql":
        result.rewritten = _postgres_rewrite(engine)
    engine.dispose()  # closing the last connection lets SQLite remove its -wal/-shm
    result.reset_paths = reset_times([Path(data_dir), *sqlite_files(str(engine.url))], midnight_utc(now))
    return result

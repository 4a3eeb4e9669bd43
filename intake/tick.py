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
   ``tick_state``) is deleted and inserted again in one transaction, in
   primary-key order (:func:`_postgres_rewrite`), so all carry that one
   transaction's ``xmin``, the new tuples are laid down in key order, and
   chunk data gets fresh TOAST value ids in key order too. Residual: the
   dead row versions stay on disk until (auto)vacuum reuses their space,
   WAL segments until PostgreSQL recycles them, and the server's own files
   keep its write times.
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
from .exclusive import exclusive
from .models import TickState
from .storage import current_tick



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


# Every table the PostgreSQL rewrite takes, parents before children:
# (table, its primary key, which of its rows to take). ``{newer}`` stands for
# "written since the last tick"; a child takes every row of a parent taken
# (the copy ``tick_<table>``), so an ON DELETE CASCADE never removes a row
# that is not put back.
_REWRITTEN = (
    # a submission with anything new is taken whole (its items cascade)
    ("submissions", "id", "{newer} OR id IN (SELECT submission_id FROM items WHERE {newer})"),
    ("items", "id", "submission_id IN (SELECT id FROM tick_submissions)"),
    # a blob with anything new, or of a session taken, is taken whole (its chunks cascade)
    ("upload_sessions", "key", "{newer}"),
    ("blobs", "id", "{newer} OR owner IN (SELECT key FROM tick_upload_sessions)"
                    " OR id IN (SELECT blob_id FROM blob_chunks WHERE {newer})"),
    ("blob_chunks", "blob_id, seq", "blob_id IN (SELECT id FROM tick_blobs)"),
    # the return path (intake.checkback): a case with anything new is taken
    # whole (its submission records and replies cascade from it), the others alone
    ("cases", "lookup", "{newer} OR lookup IN (SELECT lookup FROM case_submissions WHERE {newer})"
                        " OR lookup IN (SELECT lookup FROM replies WHERE {newer})"),
    ("case_submissions", "submission_id", "lookup IN (SELECT lookup FROM tick_cases)"),
    ("replies", "id", "lookup IN (SELECT lookup FROM tick_cases)"),
    ("return_imports", "return_id", "{newer}"),
    ("form_uses", "key", "{newer}"),
)


def _postgres_rewrite(engine: Engine) -> int:
    """Re-insert, in key order and one transaction, the rows written since the last tick; return how many.

    Rows of every table in :data:`_REWRITTEN` are copied to temporary tables,
    deleted (children first) and inserted again (parents first), each table
    ``ORDER BY`` its key: the new tuples get this transaction's ``xmin`` and
    are laid down in key order (an in-place UPDATE would keep each on its old
    page, in arrival order). The copy takes the whole cascade closure (every
    item of a submission, every chunk of a blob, every blob of an upload
    session, every record and reply of a case) so an ON DELETE CASCADE can
    never remove a row that is not put back. The tables are locked for the
    transaction, so a request writing meanwhile waits and then sees the
    re-inserted rows.
    """
    tables = [table for table, _key, _take in _REWRITTEN]
    with engine.begin() as connection:
        run_sql = lambda sql: connection.execute(text(sql))  # noqa: E731
        run_sql(f"LOCK TABLE tick_state, {', '.join(tables)} IN EXCLUSIVE MODE")
        last = connection.execute(select(TickState.last_xid).where(TickState.id == 1)).scalar()
        # age(xmin) counts transactions since a row was written; it is newer
        # than the last tick when it is younger than that tick's xid.
        newer = "true" if last is None else f"age(xmin) < age('{int(last)}'::xid)"
        for table, _key, take in _REWRITTEN:  # every copy before any delete
            run_sql(f"CREATE TEMP TABLE tick_{table} ON COMMIT DROP AS "
                    f"SELECT * FROM {table} WHERE {take.format(newer=newer)}")
        for table, key, _take in reversed(_REWRITTEN):
            run_sql(f"DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM tick_{table})")
        rewritten = sum(
            run_sql(f"INSERT INTO {table} SELECT * FROM tick_{table} ORDER BY {key}").rowcount
            for table, key, _take in _REWRITTEN
        )
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

    Holds the maintenance lock (:func:`intake.exclusive.exclusive`) while it
    writes, so it never rewrites rows an export on another app server is marking.
    """
    with exclusive(engine):
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

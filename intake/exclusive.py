"""One export or tick at a time, across every app server sharing the database.

Several app servers (docs/SCALING.md) may each run ``resguardo export`` and the
hourly ``resguardo tick`` against one database. Two exports running at once
would both pick the same not-yet-exported submissions and put each report in
two bundles; a tick rewriting rows (PostgreSQL, :mod:`intake.tick`) while an
export marks them would leave them unmarked. :func:`exclusive` serialises
them:

- PostgreSQL: a session-level advisory lock (``pg_advisory_lock``, see the
  PostgreSQL manual, "Advisory Locks") on a connection of its own, held for
  the whole export or tick and released explicitly, or by the server when
  that connection dies (a killed export never leaves it held). Every app
  server reaches the same lock because it lives in the database server.
- SQLite: an exclusive ``flock(2)`` on the directory that holds the
  database file. SQLite is one machine by nature, so every process that can
  open the file can take this lock; it is released when the process dies,
  creates no file and changes no file time. (SQLite's own write lock would
  also exclude, but holding it for a long export would make every
  submission meanwhile wait past the busy timeout.)

A second caller waits until the first is done; an export that waited then
finds only what the first left (usually nothing new).
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import text
from sqlalchemy.engine import Engine

#: The advisory lock key (a signed 64-bit integer): ASCII "rsgExprt".
ADVISORY_KEY = int.from_bytes(b"rsgExprt", "big", signed=True)


@contextmanager
def exclusive(engine: Engine) -> Iterator[None]:
    """Hold the deployment-wide maintenance lock of ``engine``'s database for the ``with`` body.

    Blocks until the lock is free. Other database dialects than SQLite and
    PostgreSQL are refused.

    :raises ValueError: for an unsupported dialect or an in-memory SQLite database.
    :raises sqlalchemy.exc.SQLAlchemyError: if the PostgreSQL server cannot be reached.
    :raises OSError: if the SQLite database's directory cannot be opened.
    """
    dialect = engine.dialect.name
    if dialect == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
    elif dialect == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            raise ValueError("an in-memory SQLite database has no lock to share")
        descriptor = os.open(Path(database).resolve().parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # releases the flock
    else:
        raise ValueError(f"no maintenance lock for the {dialect} dialect")

"""Database engine and per-request sessions.

SQLite (the embedded default) runs in WAL mode with a busy timeout and
``synchronous=FULL``, so a commit that returned is on disk. PostgreSQL is
used by giving a ``postgresql+psycopg://`` URL. The schema is managed by
Alembic (:func:`upgrade`).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 15000
WAL_SIZE_LIMIT = 64 * 1024 * 1024  # bytes


def _sqlite_pragmas(dbapi_connection, _record, synchronous: str = "FULL") -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # After a checkpoint the WAL is cut back to this size, so a burst of
    # uploads does not leave a WAL as large as the burst on disk.
    cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    if synchronous != "FULL":  # bulk chunk writes: fewer, larger checkpoints
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_SIZE_LIMIT // 4096}")
    cursor.close()


def make_engine(url: str, *, bulk: bool = False) -> Engine:
    """An engine for ``url``; SQLite connections get the pragmas above.

    ``bulk``: for writing the chunk rows of a pending blob, whose commits need
    not reach the disk one by one (SQLite ``synchronous=NORMAL``, PostgreSQL
    ``synchronous_commit=off``): they survive a crash of the app, and the
    transaction that completes the blobs with their submission commits with
    full durability, which flushes the log up to it, earlier chunks included.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        mode = "NORMAL" if bulk else "FULL"
        event.listen(engine, "connect", lambda connection, record: _sqlite_pragmas(connection, record, mode))
    else:
        engine = create_engine(url, pool_pre_ping=True)
        if bulk:
            event.listen(engine, "connect", _postgres_async_commit)
    return engine


def _postgres_async_commit(dbapi_connection, _record) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    dbapi_connection.commit()


def dispose(app: Flask) -> None:
    """Close every database connection ``app`` holds."""
    for name in ("resguardo.engine", "resguardo.bulk_engine"):
        engine = app.extensions.get(name)
        if engine is not None:
            engine.dispose()


def init_app(app: Flask) -> None:
    """Attach engines and a session factory to ``app``; close sessions after each request."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["resguardo.engine"] = engine
    app.extensions["resguardo.bulk_engine"] = make_engine(app.config["DATABASE_URL"], bulk=True)
    app.extensions["resguardo.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def session() -> Session:
    """The current app context's session (created on first use)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["resguardo.sessionmaker"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at intake/migrations and ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` with Alembic migrations."""
    command.upgrade(alembic_config(url), revision)


def is_migrated(engine: Engine) -> bool:
    """True if the schema tables exist (``resguardo init`` has run)."""
    return inspect(engine).has_table("submissions")


def is_current(engine: Engine) -> bool:
    """True if the schema has the blob tables of migration 0003 (ciphertext in the
    database); an older one needs ``resguardo init`` to upgrade it and move its
    blob files in."""
    return inspect(engine).has_table("blobs")

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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite connections get the pragmas above."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def init_app(app: Flask) -> None:
    """Attach an engine and session factory to ``app``; close sessions after each request."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["resguardo.engine"] = engine
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

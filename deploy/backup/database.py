"""The database in a backup: a consistent SQLite copy, or a PostgreSQL dump (fallback).

SQLite (the default) is copied with ``VACUUM INTO``: a consistent snapshot
even while the app writes in WAL mode, unlike a copy of the live files, and
rebuilt with its pages in key order (random ids), so the copy does not keep
the arrival order of rows written since the last ``resguardo tick``
(docs/THREAT-MODEL.md). It is taken before the
data directory is read, so anything a row of the snapshot names (written
before the row commits) is in the backup too.

PostgreSQL is backed up physically by its own tools (docs/OPERATIONS.md,
"Back up"); ``pg_dump --format=custom`` is offered only as a documented
fallback (``resguardo-backup create --pg-dump``) and restored with
``pg_restore``.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from review.i18n import _

from .errors import DatabaseToolError, SetupError


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///PATH`` URL, or None for any other database."""
    if not url.startswith("sqlite:///"):
        return None
    return Path(url[len("sqlite:///"):].split("?", 1)[0])


def is_postgresql(url: str) -> bool:
    """True for a ``postgresql…://`` URL."""
    return url.split(":", 1)[0].split("+", 1)[0] in ("postgresql", "postgres")


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq's tools read it (no ``+driver``)."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


def snapshot_sqlite(source: Path, target: Path) -> None:
    """Write a consistent copy of the SQLite database ``source`` to the new file ``target``.

    :raises DatabaseToolError: if SQLite cannot read ``source``.
    """
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            src.execute("VACUUM INTO ?", (str(target),))
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise DatabaseToolError(_("cannot copy the SQLite database %(path)s: %(reason)s", path=source, reason=exc)) from exc


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SetupError(_("%(program)s is not installed (apt install postgresql-client)", program=name))
    return found


def dump_postgresql(url: str, target: Path) -> None:
    """``pg_dump --format=custom`` of ``url`` into ``target``.

    :raises DatabaseToolError: if pg_dump fails (its last message is quoted).
    """
    result = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}",
                             f"--dbname={libpq_url(url)}"], capture_output=True, text=True)
    if result.returncode != 0:
        raise DatabaseToolError(_("%(program)s failed: %(reason)s", program="pg_dump", reason=result.stderr.strip().splitlines()[-1:]))


def restore_postgresql(url: str, dump: Path) -> None:
    """``pg_restore --clean --if-exists --no-owner`` of ``dump`` into ``url``.

    :raises DatabaseToolError: if pg_restore fails.
    """
    result = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
                             f"--dbname={libpq_url(url)}", str(dump)], capture_output=True, text=True)
    if result.returncode != 0:
        raise DatabaseToolError(_("%(program)s failed: %(reason)s", program="pg_restore", reason=result.stderr.strip().splitlines()[-1:]))

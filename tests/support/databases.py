"""The two storage backends the suite runs against: SQLite and a real PostgreSQL.

SQLite needs nothing: each test gets ``resguardo.db`` in its data directory.

PostgreSQL is a throwaway cluster that the test session starts itself with
Debian's ``initdb`` and ``pg_ctl`` (``/usr/lib/postgresql/<version>/bin``):
data directory in a fresh temp dir, listening on a unix socket in that dir
only (no TCP port), trust authentication, durability off (``fsync=off``:
the cluster dies with the session anyway). As root the server runs as the
unprivileged ``postgres`` user, which PostgreSQL insists on. Each test gets
its own database (``CREATE DATABASE``), dropped afterwards.

``RESGUARDO_TEST_DATABASE_URL`` (``postgresql+psycopg://...``, naming a
database the user may ``CREATE DATABASE`` from) makes the suite use an
existing server instead of starting one.

When ``initdb`` is absent the PostgreSQL tests are skipped, except under CI
(``CI`` set to anything but ``""``/``0``/``false``), where they fail: CI
must never turn green without having run them.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

BACKENDS = ("sqlite", "postgresql")
START_TIMEOUT = 60  # seconds pg_ctl waits for the server to accept connections


class PostgresUnavailable(Exception):
    """No PostgreSQL server could be started; the message says why."""


def in_ci() -> bool:
    """True when the environment says this is a CI run (``CI=true`` and the like)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def postgres_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding ``initdb``, or None."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        return None
    return Path(max(found, key=lambda path: int(Path(path).parts[-3]))).parent


class PostgresServer:
    """A PostgreSQL server that hands out one fresh database per test.

    ``admin_url`` is a SQLAlchemy URL (``postgresql+psycopg://``) of a
    database on the server where ``CREATE DATABASE`` may be run.
    """

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)

    def _admin(self, statement: str) -> None:
        import psycopg

        url = self.admin_url
        params = dict(url.query)
        with psycopg.connect(
            dbname=url.database, user=url.username, password=url.password,
            host=params.get("host", url.host), port=url.port, autocommit=True,
        ) as connection:
            connection.execute(statement)

    def create_database(self) -> str:
        """Create an empty database; return its SQLAlchemy URL."""
        name = f"resguardo_test_{secrets.token_hex(6)}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        """Drop the database ``url`` names, closing whatever still uses it."""
        name = make_url(url).database
        if not name.startswith("resguardo_test_"):
            raise ValueError(f"refusing to drop {name!r}: not a test database")
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Nothing to stop for a server the suite did not start."""

    def files(self) -> list[Path]:
        """Directories holding the server's data files, written out (for canary
        scans); empty for a server elsewhere."""
        return []


class PostgresCluster(PostgresServer):
    """A cluster of our own in a temp dir: :meth:`start` it, :meth:`stop` it.

    :raises PostgresUnavailable: from :meth:`start` if ``initdb`` or
        ``pg_ctl`` fails, or if running as root without a ``postgres`` user.
    """

    SUPERUSER = "resguardo"

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        # As root the server runs as ``postgres``, which must reach the
        # directory: /tmp is traversable by everyone, a root $TMPDIR may not be.
        self.root = Path(tempfile.mkdtemp(prefix="resguardo-pg-", dir="/tmp" if os.geteuid() == 0 else None))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._user: str | None = None
        super().__init__(f"postgresql+psycopg://{self.SUPERUSER}@/postgres?host={self.root}")

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            cwd=self.root, user=self._user, group=self._user,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
            capture_output=True, text=True, timeout=START_TIMEOUT + 30,
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise PostgresUnavailable(
                f"{args[0]} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}\n{log}"
            )

    def start(self) -> "PostgresCluster":
        """initdb and start the server on a unix socket in :attr:`root`."""
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(
                    "running as root but there is no 'postgres' user to run the server as "
                    "(apt-get install postgresql creates it)"
                ) from None
            self._user = account.pw_name
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self.root.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-U", self.SUPERUSER, "--auth=trust",
                  "--encoding=UTF8", "--no-locale", "--no-sync")
        options = " ".join([
            f"-k {self.root}", "-c listen_addresses=''", "-c fsync=off",
            "-c synchronous_commit=off", "-c full_page_writes=off",
            "-c max_connections=300", "-c shared_buffers=32MB",
            # A small WAL keeps the data directory small for canary scans.
            "-c max_wal_size=64MB", "-c min_wal_size=32MB",
        ])
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", str(START_TIMEOUT), "start")
        return self

    def files(self) -> list[Path]:
        """The cluster's data directory, after a CHECKPOINT has written every page."""
        self._admin("CHECKPOINT")
        return [self.data]

    def stop(self) -> None:
        """Stop the server at once and delete its files."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_server() -> PostgresServer:
    """The server for this session: ``RESGUARDO_TEST_DATABASE_URL``, or a new cluster.

    :raises PostgresUnavailable: if a cluster was needed and could not start.
    :raises FileNotFoundError: if no ``initdb`` is installed.
    """
    external = os.environ.get("RESGUARDO_TEST_DATABASE_URL")
    if external:
        return PostgresServer(external)
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)")
    cluster = PostgresCluster(bin_dir)
    try:
        return cluster.start()
    except BaseException:
        cluster.stop()
        raise


def session_server():
    """Body of the session-scoped ``postgres`` fixture: yield a server, stop it after.

    Skips when PostgreSQL is not installed, unless under CI, where that
    fails; a server that is installed but will not start always fails.
    """
    try:
        server = start_server()
    except FileNotFoundError as exc:
        if in_ci():
            pytest.fail(f"{exc}; CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(str(exc))
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL could not be started: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def fresh_database_url(request, backend: str, directory: Path) -> str:
    """An empty database for ``backend`` (one of :data:`BACKENDS`), dropped at teardown.

    SQLite: a file ``resguardo.db`` in ``directory`` (the data directory,
    which is where the app puts it by default). PostgreSQL: a new database on
    the session's server (the ``postgres`` fixture).
    """
    if backend == "sqlite":
        return f"sqlite:///{Path(directory) / 'resguardo.db'}"
    if backend != "postgresql":
        raise ValueError(f"unknown backend {backend!r}")
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.create_database()
    request.addfinalizer(lambda: server.drop_database(url))
    return url


def database_files(request, backend: str) -> list[Path]:
    """Where ``backend`` keeps its data, written out now (for canary scans).

    SQLite: nothing extra (its file is in the data directory). PostgreSQL:
    the session cluster's data directory after a CHECKPOINT.
    """
    if backend == "sqlite":
        return []
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.files()

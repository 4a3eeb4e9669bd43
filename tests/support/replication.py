"""PostgreSQL primaries, streaming standbys and base backups on loopback, for the scale-out tests.

Each :class:`PgNode` is a cluster of its own (Debian's ``initdb``/``pg_ctl``)
listening on a free TCP port of 127.0.0.1 only, trust authentication from
loopback (replication included), run as the unprivileged ``postgres`` user
when the tests run as root. A standby is made exactly as docs/SCALING.md
tells an operator: ``pg_basebackup -R -X stream`` from the primary. The
primary names every standby synchronous (``synchronous_standby_names =
'*'``, ``synchronous_commit = on``): a commit returns only once a standby has
its WAL, which is what lets a report answered "received" survive the
primary's death.

``fsync`` is off: the tests kill processes, not the machine, and a killed
process's writes are in the kernel's page cache already.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.databases import postgres_bin
from tests.support.live import free_port

SUPERUSER = "resguardo"
DATABASE = "resguardo"
TIMEOUT = 60  # seconds to start, promote or stop


def _account() -> pwd.struct_passwd | None:
    """The ``postgres`` account to run servers as when we are root, else None."""
    if os.geteuid() != 0:
        return None
    return pwd.getpwnam("postgres")


def scratch(prefix: str) -> Path:
    """A new directory the server's user may use (under /tmp when root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp" if os.geteuid() == 0 else None))
    account = _account()
    if account:
        os.chown(path, account.pw_uid, account.pw_gid)
    path.chmod(0o700)
    return path


def run_as_server_user(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run ``args`` (check=True, output captured) as the server's user."""
    account = _account()
    user = account.pw_name if account else None
    return subprocess.run(args, user=user, group=user, check=True, capture_output=True, text=True,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
                               "HOME": account.pw_dir if account else os.environ.get("HOME", "/tmp")},
                          timeout=kwargs.pop("timeout", TIMEOUT + 30), **kwargs)


def base_settings(port: int) -> list[str]:
    """``postgresql.conf`` lines every node of these tests gets."""
    return [
        "listen_addresses = '127.0.0.1'", f"port = {port}", "unix_socket_directories = ''",
        "fsync = off", "full_page_writes = on", "wal_level = replica", "max_wal_senders = 8",
        "max_replication_slots = 8", "hot_standby = on", "max_connections = 120",
        "shared_buffers = 32MB", "max_wal_size = 256MB", "wal_keep_size = 256MB",
        "synchronous_commit = on", "logging_collector = off",
    ]


@dataclass
class PgNode:
    """One PostgreSQL server on ``127.0.0.1:port`` with its data in ``root/data``."""

    root: Path
    port: int
    children: list["PgNode"] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, database: str = DATABASE) -> str:
        """A SQLAlchemy URL of ``database`` on this node alone."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def pg(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        """Run one of PostgreSQL's programs (``initdb``, ``pg_ctl``, ...) as the server's user."""
        return run_as_server_user([str(postgres_bin() / args[0]), *args[1:]], **kwargs)

    @classmethod
    def primary(cls, synchronous: bool = True) -> "PgNode":
        """initdb and start a new primary, with the database ``resguardo`` created."""
        node = cls(scratch("resguardo-pgha-"), free_port())
        try:
            node._initialise(synchronous)
        except BaseException:
            node.stop()
            raise
        return node

    def _initialise(self, synchronous: bool) -> None:
        node = self
        node.pg("initdb", "-D", str(node.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                "--no-locale", "--no-sync")
        with open(node.data / "postgresql.conf", "a") as conf:
            conf.write("\n".join(base_settings(node.port)) + "\n")
        with open(node.data / "pg_hba.conf", "a") as hba:
            hba.write("host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n")
        node.start()
        node.psql("postgres", f"CREATE DATABASE {DATABASE}")
        if synchronous:  # from now on every commit waits for a standby
            node.psql("postgres", "ALTER SYSTEM SET synchronous_standby_names = '*'")
            node.psql("postgres", "SELECT pg_reload_conf()")

    def standby(self) -> "PgNode":
        """A new streaming standby of this node: ``pg_basebackup -R -X stream``, then started."""
        node = self.base_backup(standby=True)
        self.children.append(node)
        node.start()
        return node

    def base_backup(self, *, standby: bool = False) -> "PgNode":
        """A physical copy of this node's cluster made with ``pg_basebackup`` (not started).

        With ``standby`` it is configured to follow this node (``-R``);
        otherwise it will start as a cluster of its own (a restore).
        """
        node = PgNode(scratch("resguardo-pgha-"), free_port())
        args = ["pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER,
                "-D", str(node.data), "-X", "stream", "--checkpoint=fast", "--no-sync"]
        if standby:
            args.append("-R")
        self.pg(*args)
        with open(node.data / "postgresql.conf", "a") as conf:
            conf.write(f"port = {node.port}\n")
        return node

    def start(self) -> None:
        """pg_ctl start; waits until it accepts connections."""
        self.pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(TIMEOUT), "start")

    def promote(self) -> None:
        """The runbook's promotion: ``pg_ctl promote`` (waits until the standby
        accepts writes), then synchronous replication off until a new standby
        follows it (else every commit would wait for a standby that is not there)."""
        self.pg("pg_ctl", "-D", str(self.data), "-w", "-t", str(TIMEOUT), "promote")
        self.psql("postgres", "ALTER SYSTEM SET synchronous_standby_names = ''")
        self.psql("postgres", "SELECT pg_reload_conf()")

    def pids(self) -> list[int]:
        """The postmaster's pid and its children's (from /proc); empty when it is not running."""
        pid_file = self.data / "postmaster.pid"
        try:
            postmaster = int(pid_file.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return []
        found = [postmaster] if Path(f"/proc/{postmaster}").exists() else []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rpartition(")")[2].split()[1]) == postmaster:
                    found.append(int(entry.name))
        return found

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend at once (a crash, no shutdown)."""
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + TIMEOUT
        while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in self.pids()):
            if time.monotonic() > deadline:
                raise TimeoutError("postgres did not die")
            time.sleep(0.05)

    def psql(self, database: str, sql: str) -> str:
        """Run ``sql`` with psql on this node; its unaligned, tuples-only output."""
        return self.pg("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, "-d", database,
                       "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql).stdout.strip()

    def stop(self) -> None:
        """Stop at once (if running) and delete the files, of this node and its standbys."""
        for child in self.children:
            child.stop()
        try:
            if self.pids():
                self.pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            self.kill()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return "Z"


def multi_host_url(nodes: list[PgNode], database: str = DATABASE) -> str:
    """The app's ``RESGUARDO_DATABASE_URL`` naming every node: libpq tries them in
    turn and keeps the one that accepts writes (``target_session_attrs=read-write``)."""
    hosts = "&".join(f"host={node.host}" for node in nodes)
    return f"postgresql+psycopg://{SUPERUSER}@/{database}?{hosts}&target_session_attrs=read-write"

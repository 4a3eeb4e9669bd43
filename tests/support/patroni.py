"""A Patroni cluster on loopback: two PostgreSQL nodes and a third Raft vote.

Patroni is Debian's ``patroni`` package (3.0.x), run as the unprivileged
``postgres`` user, with its built-in Raft (``python3-pysyncobj``) as the
consensus store, so no etcd is needed: the two database nodes and
``patroni_raft_controller`` (the witness, no database) are the three voters.
``synchronous_mode`` is on: the leader commits only once the synchronous
standby has the WAL, so a failover never loses an acknowledged write.
The same settings, with real addresses, are deploy/patroni.yml.example.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.support.databases import postgres_bin
from tests.support.live import free_port
from tests.support.replication import SUPERUSER, _account, scratch

TTL = 10  # seconds the leader key lives without renewal (Patroni's minimum)
LOOP_WAIT = 2  # seconds between Patroni's checks


@dataclass
class PatroniNode:
    """One Patroni member: its REST port, PostgreSQL port and process."""

    name: str
    rest_port: int
    pg_port: int
    raft_port: int
    config: Path
    data: Path
    process: subprocess.Popen | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.pg_port}"

    def role(self) -> str:
        """``primary``, ``replica`` or ``down`` according to its REST API (GET /patroni)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.rest_port}/patroni", timeout=2) as answer:
                role = json.load(answer).get("role", "down")
        except (OSError, ValueError):
            return "down"
        return "primary" if role == "master" else role  # Patroni 3.0 still says "master"

    def crash(self) -> None:
        """SIGKILL Patroni and every PostgreSQL process of this node (the machine is gone)."""
        pid_file = self.data / "postmaster.pid"
        victims = [self.process.pid] if self.process and self.process.poll() is None else []
        try:
            postmaster = int(pid_file.read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            postmaster = None
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and postmaster is not None:
                try:
                    ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
                except OSError:
                    continue
                if ppid == postmaster:
                    victims.append(int(entry.name))
        if postmaster is not None:
            victims.append(postmaster)
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process:
            self.process.wait(10)


class PatroniCluster:
    """Two Patroni nodes plus ``patroni_raft_controller``, all on 127.0.0.1."""

    def __init__(self) -> None:
        self.root = scratch("resguardo-patroni-")
        self.raft_ports = [free_port() for _ in range(3)]
        self.nodes = [self._node(index) for index in range(2)]
        self.witness_config = self.root / "witness.yml"
        self.witness_config.write_text(self._raft_yaml(2, "witness"))
        self.witness: subprocess.Popen | None = None

    def _raft_yaml(self, index: int, name: str) -> str:
        partners = ", ".join(f"127.0.0.1:{port}" for i, port in enumerate(self.raft_ports) if i != index)
        return (f"raft:\n  data_dir: {self.root / ('raft-' + name)}\n"
                f"  self_addr: 127.0.0.1:{self.raft_ports[index]}\n  partner_addrs: [{partners}]\n")

    def _node(self, index: int) -> PatroniNode:
        name = f"pg{index}"
        node = PatroniNode(name, free_port(), free_port(), self.raft_ports[index],
                           self.root / f"{name}.yml", self.root / name / "data")
        (self.root / name).mkdir()
        config = f"""scope: resguardo
name: {name}
restapi:
  listen: 127.0.0.1:{node.rest_port}
  connect_address: 127.0.0.1:{node.rest_port}
{self._raft_yaml(index, name)}bootstrap:
  dcs:
    ttl: {TTL}
    loop_wait: {LOOP_WAIT}
    retry_timeout: {TTL // 2}
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        max_wal_senders: 8
        max_replication_slots: 8
        wal_log_hints: "on"
        fsync: "off"
        max_connections: 100
        shared_buffers: 32MB
  initdb:
    - encoding: UTF8
    - no-locale
  pg_hba:
    - host replication replicator 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:{node.pg_port}
  connect_address: 127.0.0.1:{node.pg_port}
  data_dir: {node.data}
  bin_dir: {postgres_bin()}
  pgpass: {self.root / name / 'pgpass'}
  authentication:
    superuser:
      username: {SUPERUSER}
      password: unused-with-trust
    replication:
      username: replicator
      password: unused-with-trust
  parameters:
    unix_socket_directories: "{self.root / name}"
"""
        node.config.write_text(config)
        return node

    def _spawn(self, args: list[str], log: Path) -> subprocess.Popen:
        account = _account()
        user = account.pw_name if account else None
        with open(log, "ab") as out:
            return subprocess.Popen(args, user=user, group=user, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=self.root,
                                    env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
                                         "HOME": str(self.root)})

    def start(self, timeout: float = 120) -> None:
        """Start the witness and both nodes; wait for a primary and a streaming replica.

        :raises TimeoutError: if the cluster is not up within ``timeout`` s.
        """
        account = _account()
        if account:
            for path in [self.root, *self.root.rglob("*")]:
                os.chown(path, account.pw_uid, account.pw_gid)
        self.witness = self._spawn(["patroni_raft_controller", str(self.witness_config)], self.root / "witness.log")
        for node in self.nodes:
            node.process = self._spawn(["patroni", str(node.config)], self.root / f"{node.name}.log")
            time.sleep(3)  # the first node bootstraps; the second then clones it
        deadline = time.monotonic() + timeout
        while sorted(node.role() for node in self.nodes) != ["primary", "replica"] or not self.sync_standby():
            if time.monotonic() > deadline:
                raise TimeoutError(f"patroni cluster not up: {[node.role() for node in self.nodes]}")
            time.sleep(0.5)

    def leader(self) -> PatroniNode:
        """The node whose REST API says ``primary``. :raises LookupError: if none."""
        for node in self.nodes:
            if node.role() == "primary":
                return node
        raise LookupError("no primary")

    def sync_standby(self) -> str | None:
        """The synchronous standby's name per GET /cluster, or None."""
        for node in self.nodes:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{node.rest_port}/cluster", timeout=2) as answer:
                    members = json.load(answer)["members"]
            except (OSError, ValueError, KeyError):
                continue
            for member in members:
                if member.get("role") == "sync_standby" and member.get("state") in ("running", "streaming"):
                    return member["name"]
        return None

    def psql(self, node: PatroniNode, sql: str) -> str:
        """Run ``sql`` on ``node``'s ``postgres`` database."""
        account = _account()
        user = account.pw_name if account else None
        return subprocess.run([str(postgres_bin() / "psql"), "-h", "127.0.0.1", "-p", str(node.pg_port),
                               "-U", SUPERUSER, "-d", "postgres", "-X", "-A", "-t", "-c", sql],
                              user=user, group=user, check=True, capture_output=True, text=True,
                              timeout=30).stdout.strip()

    def logs(self) -> str:
        """The tail of every process's log (for failure messages)."""
        return "\n".join(f"== {path.name}\n{path.read_text(errors='replace')[-1500:]}"
                         for path in sorted(self.root.glob("*.log")))

    def stop(self) -> None:
        """SIGKILL everything of the cluster and delete its files."""
        import shutil

        for node in self.nodes:
            node.crash()
        if self.witness and self.witness.poll() is None:
            self.witness.kill()
            self.witness.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)

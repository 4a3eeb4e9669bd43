"""A private Tor network on loopback: 3 directory authorities, 3 relays, an
onion-service tor and a client tor. Nothing leaves 127.0.0.1.

Recipe (measured on Debian's tor 0.4.9): every node runs ``TestingTorNetwork 1``
and lists the three authorities with ``DirAuthority`` lines whose ``v3ident``
comes from the tor-gencert certificate and whose relay fingerprint comes from
``tor --list-fingerprint``; authorities vote fast (initial voting interval 5 s,
vote/dist delays 2 s), otherwise the first consensus takes minutes, then every
20 s: Onionbalance's ``--is-testnet`` mode assumes that interval (chutney's) when it
derives the time period and the blinded key, so any other interval puts its
frontend descriptor where no client looks. Relays
need no DirPort. A client's first request reaches the onion service 10-40 s
after start. Used by tests/tor/conftest.py, one network per test session.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.ports import free_port  # noqa: F401  (re-exported for the tor tests)

LOOPBACK = "127.0.0.1"


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` in MiB, from /proc/<pid>/status (0 if gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


@dataclass
class TorNode:
    """One tor process of the network: its name, data directory, ports and torrc lines."""

    name: str
    datadir: Path
    lines: list[str]
    or_port: int | None = None
    dir_port: int | None = None
    control_port: int | None = None
    socks_port: int | None = None
    metrics_port: int | None = None
    fingerprint: str | None = None  # relay identity (authorities and relays)
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def torrc(self) -> Path:
        return self.datadir / "torrc"

    def start(self) -> None:
        """Write the torrc and start tor (stdout to datadir/stdout.log)."""
        self.torrc.write_text("\n".join(self.lines) + "\n")
        with open(self.datadir / "stdout.log", "ab") as out:
            self.proc = subprocess.Popen(
                ["tor", "--defaults-torrc", str(self.datadir.parent / "empty-torrc"),
                 "-f", str(self.torrc)],
                stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` s (a relay sometimes hangs on exit)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def log_tail(self, lines: int = 20) -> str:
        """Last lines of the node's notice log, for failure messages."""
        path = self.datadir / "notice.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _run(cmd: list[str], **kw) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


class TorNetwork:
    """Builds and runs the whole network under ``base`` (a fresh directory).

    Use :meth:`start` then :meth:`stop` (always, in a ``finally`` or fixture
    finaliser). ``service`` and ``client`` are the two TorNode endpoints tests use.
    """

    def __init__(self, base: Path, n_authorities: int = 3, n_relays: int = 3) -> None:
        self.base = base
        self.empty = base / "empty-torrc"  # so /etc/tor/torrc and its defaults never apply
        base.mkdir(parents=True, exist_ok=True)
        self.empty.write_text("")
        self.authorities: list[TorNode] = []
        self.relays: list[TorNode] = []
        self.dir_lines: list[str] = []
        self._build_authorities(n_authorities)
        for i in range(n_relays):
            self.relays.append(self._relay(f"relay{i}"))
        # Every relay an HSDir from the start: Onionbalance 0.2.2 loops forever building
        # its hash ring when no more than 4 HSDirs are listed (hs_v3/hashring.py), and a
        # relay otherwise waits for the Stable flag before it gets HSDir.
        hsdirs = ",".join(node.fingerprint for node in [*self.authorities, *self.relays])
        for node in self.authorities:
            node.lines.append(f"TestingDirAuthVoteHSDir {hsdirs}")
        self.service = self._endpoint("service", socks=False)
        self.client = self._endpoint("client", socks=True)
        self.started_at: float | None = None

    @property
    def nodes(self) -> list[TorNode]:
        return [*self.authorities, *self.relays, self.service, self.client]

    def _common(self, node: TorNode) -> list[str]:
        return [
            "TestingTorNetwork 1",
            f"DataDirectory {node.datadir}",
            f"PidFile {node.datadir}/pid",
            f"Log notice file {node.datadir}/notice.log",
            "SafeLogging 0",
            "ShutdownWaitLength 0",
            "DisableDebuggerAttachment 0",
            "ConnLimit 60",
            *self.dir_lines,
        ]

    def _node(self, name: str) -> TorNode:
        datadir = self.base / name
        datadir.mkdir(mode=0o700, parents=True)
        return TorNode(name, datadir, [])

    def _fingerprint(self, node: TorNode) -> str:
        """Make ``node``'s relay identity key now and return its fingerprint (40 hex)."""
        _run(["tor", "--defaults-torrc", str(self.empty), "-f", str(self.empty),
              "--list-fingerprint",
              "--DataDirectory", str(node.datadir), "--ORPort", f"{LOOPBACK}:{node.or_port}",
              "--Nickname", node.name, "--Log", "err stderr"])
        node.fingerprint = (node.datadir / "fingerprint").read_text().split()[1]
        return node.fingerprint

    def _build_authorities(self, count: int) -> None:
        pending = []
        for i in range(count):
            node = self._node(f"auth{i}")
            node.or_port, node.dir_port = free_port(), free_port()
            keys = node.datadir / "keys"
            keys.mkdir(mode=0o700)
            subprocess.run(
                ["tor-gencert", "--create-identity-key", "-m", "12",
                 "-a", f"{LOOPBACK}:{node.dir_port}",
                 "-i", str(keys / "authority_identity_key"),
                 "-s", str(keys / "authority_signing_key"),
                 "-c", str(keys / "authority_certificate"), "--passphrase-fd", "0"],
                input="\n", text=True, check=True, capture_output=True, cwd=keys,
            )
            cert = (keys / "authority_certificate").read_text()
            v3ident = next(line.split()[1] for line in cert.splitlines()
                           if line.startswith("fingerprint "))
            fpr = self._fingerprint(node)
            self.dir_lines.append(
                f"DirAuthority {node.name} orport={node.or_port} no-v2 v3ident={v3ident} "
                f"{LOOPBACK}:{node.dir_port} {fpr}"
            )
            pending.append(node)
        for node in pending:
            node.lines = [
                *self._common(node),
                f"Nickname {node.name}",
                f"Address {LOOPBACK}",
                f"ORPort {LOOPBACK}:{node.or_port}",
                f"DirPort {LOOPBACK}:{node.dir_port}",
                "SocksPort 0",
                "AuthoritativeDirectory 1",
                "V3AuthoritativeDirectory 1",
                "ContactInfo auth@localhost",
                "ExitPolicy reject *:*",
                "TestingV3AuthInitialVotingInterval 5",
                "V3AuthVotingInterval 20",  # Onionbalance --is-testnet assumes 20 (see above)
                "TestingV3AuthInitialVoteDelay 2",
                "TestingV3AuthInitialDistDelay 2",
                "V3AuthVoteDelay 2",
                "V3AuthDistDelay 2",
            ]
            self.authorities.append(node)

    def _relay(self, name: str) -> TorNode:
        node = self._node(name)
        node.or_port = free_port()
        self._fingerprint(node)
        node.lines = [
            *self._common(node),
            f"Nickname {name}",
            f"Address {LOOPBACK}",
            f"ORPort {LOOPBACK}:{node.or_port}",
            "SocksPort 0",
            "ContactInfo relay@localhost",
            "ExitPolicy reject *:*",
            # publish at once: a relay's own reachability test needs circuits
            # through relays the consensus does not list yet
            "AssumeReachable 1",
        ]
        return node

    def _endpoint(self, name: str, socks: bool) -> TorNode:
        node = self._node(name)
        node.control_port = free_port()
        node.lines = [
            *self._common(node),
            f"ControlPort {LOOPBACK}:{node.control_port}",
            "CookieAuthentication 1",
            f"Log info file {node.datadir}/info.log",  # onion-service events (PoW) are logged at info
        ]
        if socks:
            node.socks_port = free_port()
            node.lines.append(f"SocksPort {LOOPBACK}:{node.socks_port}")
        else:
            node.metrics_port = free_port()
            node.lines += ["SocksPort 0", f"MetricsPort {LOOPBACK}:{node.metrics_port}",
                           f"MetricsPortPolicy accept {LOOPBACK}"]
        return node

    def start(self) -> None:
        """Start every node; returns at once (bootstrap continues in the background)."""
        self.started_at = time.monotonic()
        for node in self.nodes:
            node.start()

    def wait_control(self, node: TorNode, timeout: float = 30.0) -> None:
        """Block until ``node``'s control port accepts TCP connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection((LOOPBACK, node.control_port), 1).close()
                return
            except OSError:
                if node.proc is not None and node.proc.poll() is not None:
                    raise RuntimeError(f"{node.name} exited:\n{node.log_tail()}")
                time.sleep(0.2)
        raise TimeoutError(f"{node.name} control port not up:\n{node.log_tail()}")

    def total_rss_mb(self) -> float:
        """Sum of the resident memory of all running tor processes, MiB."""
        return sum(rss_mb(n.proc.pid) for n in self.nodes if n.proc and n.proc.poll() is None)

    def stop(self) -> None:
        """Stop every node (SIGTERM, SIGKILL after 10 s). Safe to call twice."""
        for node in self.nodes:
            if node.proc is not None and node.proc.poll() is None:
                node.proc.send_signal(signal.SIGTERM)
        for node in self.nodes:
            node.stop()

    def restart(self, node: TorNode) -> None:
        """Stop ``node`` and start it again with the same data directory and ports."""
        node.stop()
        (node.datadir / "pid").unlink(missing_ok=True)
        node.start()


def running_pids(nodes: list[TorNode]) -> list[int]:
    """PIDs of the nodes whose tor is still running (for leak checks)."""
    return [n.proc.pid for n in nodes if n.proc is not None and n.proc.poll() is None]



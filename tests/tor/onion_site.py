"""Helpers for the private-network tests: SOCKS sessions, polling, the OnionSite record.

Kept out of conftest.py so test modules can import them by a unique name.
"""

from __future__ import annotations

import queue
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tornet import LOOPBACK, TorNetwork

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery staple onion"
FIGURES: dict[str, str] = {}


def onion_session(network: TorNetwork) -> requests.Session:
    """A requests session that resolves names through the client tor (socks5h)."""
    session = requests.Session()
    proxy = f"socks5h://{LOOPBACK}:{network.client.socks_port}"
    session.proxies = {"http": proxy, "https": proxy}
    return session


def wait_reachable(session: requests.Session, url: str, timeout: float) -> float:
    """Poll ``url`` until it answers 200; returns the monotonic time it did.

    Early attempts fail (no consensus yet, descriptor not uploaded, 404 from
    the HSDir): that is expected and retried. Each attempt may take up to 60 s
    (a rendezvous on a loaded machine can take longer than 20 s, and giving up
    on it starts the next one from scratch). Raises TimeoutError after ``timeout`` s.
    """
    deadline = time.monotonic() + timeout
    last = "no attempt"
    while time.monotonic() < deadline:
        try:
            response = session.get(url, timeout=max(5.0, min(60.0, deadline - time.monotonic())))
            if response.status_code == 200:
                return time.monotonic()
            last = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            last = type(exc).__name__
        time.sleep(1)
    raise TimeoutError(f"{url} did not answer within {timeout} s (last: {last})")


def console(name: str) -> str:
    """Path of a console script installed next to this Python (else the bare name)."""
    path = Path(sys.executable).with_name(name)
    return str(path) if path.exists() else name


@dataclass
class OnionSite:
    """Resguardo served on the private network: its address and the processes behind it."""

    network: TorNetwork
    address: str
    data_dir: Path
    service_dir: Path
    reviewer_secret: Path
    env: dict[str, str]
    launcher: subprocess.Popen
    launcher_lines: "queue.Queue[str]"
    gunicorn: subprocess.Popen
    web_port: int
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def launcher_cmd(self, *args: str) -> subprocess.CompletedProcess:
        """Run a one-shot ``resguardo-onion`` command against the service tor."""
        return subprocess.run(
            [sys.executable, "-m", "deploy.onion", *args, "--service-dir", str(self.service_dir),
             "--control", f"{LOOPBACK}:{self.network.service.control_port}"],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60,
        )


def stop_process(proc: subprocess.Popen) -> None:
    """SIGTERM our own child, SIGKILL after 15 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

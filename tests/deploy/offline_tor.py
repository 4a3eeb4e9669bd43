"""An offline tor (``DisableNetwork 1``) and the launcher runner, for tests/deploy.

Such a tor opens only its control port and never touches the network, yet
accepts ADD_ONION and lists the service (publication just never completes).
Tests skip only when ``tor`` is not installed; CI installs it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
needs_tor = pytest.mark.skipif(shutil.which("tor") is None, reason="tor is not installed (apt install tor)")


class OfflineTor:
    """One ``tor`` process with DisableNetwork 1, a loopback ControlPort and cookie auth.

    ``control`` is the ``127.0.0.1:PORT`` string the launcher takes. :meth:`restart`
    keeps the data directory and port (a new cookie is written, as on a real restart).
    """

    def __init__(self, datadir: Path) -> None:
        self.datadir = datadir
        self.datadir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.port = free_port()
        self.control = f"127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        (datadir / "torrc").write_text(
            f"DataDirectory {datadir}\nDisableNetwork 1\nSocksPort 0\n"
            f"ControlPort 127.0.0.1:{self.port}\nCookieAuthentication 1\n"
            f"Log notice file {datadir}/notice.log\n"
        )

    @property
    def cookie(self) -> Path:
        return self.datadir / "control_auth_cookie"

    def start(self, timeout: float = 30.0) -> None:
        self.proc = subprocess.Popen(
            ["tor", "--defaults-torrc", str(self.datadir / "torrc"), "-f", str(self.datadir / "torrc")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.datadir / "notice.log").read_text())
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                if self.cookie.exists():
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError("tor control port did not open")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def restart(self) -> None:
        self.stop()
        self.cookie.unlink(missing_ok=True)
        self.start()


def run_launcher(*args: str, env: dict[str, str] | None = None, timeout: float = 60):
    """Run ``python -m deploy.onion ARGS`` like the console script; returns CompletedProcess."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "deploy.onion", *args], cwd=ROOT, env=full_env,
        capture_output=True, text=True, timeout=timeout,
    )

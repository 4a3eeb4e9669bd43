"""Loopback TCP ports for the test suite's servers, never the same one twice.

Binding to port 0 lets the kernel pick, but the kernel may hand the same port
out again as soon as the probing socket closes, and it picks from the
ephemeral range that outgoing connections also draw from. A full CI run once
gave one tor its ControlPort and MetricsPort on the same number; that tor
exited and the test failed. So ports here come from below the ephemeral range
(/proc/sys/net/ipv4/ip_local_port_range), are checked free by a bind, and are
remembered for the life of the process so none is handed out twice.
"""

from __future__ import annotations

import secrets
import socket
import threading
from pathlib import Path

LOOPBACK = "127.0.0.1"
_given: set[int] = set()
_lock = threading.Lock()


def _range() -> tuple[int, int]:
    """The ports to choose from: [low, high), below the kernel's ephemeral range."""
    try:
        first = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        first = 32768
    high = max(first, 12000)
    return max(1024, high - 16000), high


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago and that this process
    has not handed out before.

    Returns an int in [low, high) below the ephemeral range (about 16,000 ports
    to choose from), so an outgoing connection cannot take it between this call
    and the server's bind. Raises RuntimeError if 1,000 random picks all fail.
    """
    low, high = _range()
    with _lock:
        for _ in range(1000):
            port = low + secrets.randbelow(high - low)
            if port not in _given and _free(port):
                _given.add(port)
                return port
    raise RuntimeError("no free loopback port found")

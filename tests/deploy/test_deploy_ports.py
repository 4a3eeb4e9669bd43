"""The suite's port picker: a tor once got the same port for two listeners."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.support import ports


def test_free_port_never_hands_out_the_same_port_twice_and_stays_below_the_ephemeral_range():
    first = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    picked = [ports.free_port() for _ in range(300)]
    assert len(set(picked)) == 300
    assert all(1024 <= p < first for p in picked)


def test_free_port_skips_a_port_already_bound(monkeypatch):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        busy = held.getsockname()[1]
        held.listen()
        draws = iter([0, 7])  # the first draw lands on the busy port
        monkeypatch.setattr(ports, "_range", lambda: (busy, busy + 100))
        monkeypatch.setattr(ports.secrets, "randbelow", lambda n: next(draws))
        assert ports.free_port() == busy + 7

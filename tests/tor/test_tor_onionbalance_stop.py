"""Onionbalance's stop path (balancer.stop): its own SIGTERM handler ends it, even in
the state where 0.2.2's handler deadlocks (see balancer.py for why).

A throwaway tor with ``DisableNetwork 1`` (control port on loopback only, no
connection anywhere) and a child of the system Python that installs Onionbalance
0.2.2's own ``SignalHandler`` over a stem controller whose event listener, like
Onionbalance's ``handle_new_status_event``, works a moment and then talks to tor.
The listener's "moment" ends when the handler starts to close the controller, not
after a fixed sleep: with a one-second sleep, a loaded machine could deliver the
signal after the listener was done, and the busy case then ended by the first
SIGTERM (a full CI run saw exactly that).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

import balancer
from onion_site import stop_process
from tests.support.databases import in_ci
from tornet import LOOPBACK, free_port

pytestmark = [pytest.mark.live]

SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's Onionbalance and stem live there, as /usr/sbin/onionbalance runs them
CHILD = """
import sys, time
from stem.control import Controller, EventType
from onionbalance.common.signalhandler import SignalHandler

controller = Controller.from_port(sys.argv[1], int(sys.argv[2]))
controller.authenticate()

def listener(event):  # as Onionbalance's handle_new_status_event: some work, then a command to tor
    print("busy", flush=True)
    # The work lasts until the SIGTERM handler has begun closing the controller (stem
    # marks the socket dead under its send lock, then joins this thread), so the
    # command comes at that worst moment on every run, however loaded the machine is.
    deadline = time.monotonic() + 60
    while controller.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    controller.get_info("traffic/read")  # never cached by stem: it must take the send lock

controller.add_event_listener(listener, EventType.CONF_CHANGED)
SignalHandler("v3", controller)  # Onionbalance 0.2.2's own SIGTERM handler
print("ready", flush=True)
if sys.argv[3] == "busy":
    controller.set_conf("MaxCircuitDirtiness", "700")  # tor answers with a CONF_CHANGED event
while True:
    time.sleep(1)
"""


def _have_onionbalance() -> bool:
    try:
        subprocess.run([SYSTEM_PYTHON, "-c", "import onionbalance.common.signalhandler, stem"],
                       check=True, capture_output=True, timeout=30)
        return shutil.which("tor") is not None
    except (OSError, subprocess.CalledProcessError):
        return False


@pytest.fixture
def quiet_tor(tmp_path):
    """(address, port) of a tor's control port; the tor makes no network connection."""
    if not _have_onionbalance():
        if in_ci():
            pytest.fail("tor or Debian's onionbalance is missing; CI must run this test", pytrace=False)
        pytest.skip("tor or onionbalance is not installed (scripts/test.sh installs both)")
    data = tmp_path / "tor"
    data.mkdir(mode=0o700)
    port = free_port()
    (tmp_path / "torrc").write_text(f"DataDirectory {data}\nSocksPort 0\nControlPort {LOOPBACK}:{port}\n"
                                    f"DisableNetwork 1\nCookieAuthentication 1\nLog notice file {data / 'log'}\n")
    tor = subprocess.Popen(["tor", "-f", str(tmp_path / "torrc")], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (data / "control_auth_cookie").exists():
            assert tor.poll() is None and time.monotonic() < deadline, "the throwaway tor did not start"
            time.sleep(0.1)
        yield LOOPBACK, port
    finally:
        stop_process(tor)


def _child(address: str, port: int, mode: str) -> subprocess.Popen:
    process = subprocess.Popen([SYSTEM_PYTHON, "-c", CHILD, address, str(port), mode], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                               env={**os.environ, "PYTHONPATH": ""})
    assert process.stdout.readline() == "ready\n"
    if mode == "busy":
        assert process.stdout.readline() == "busy\n"  # the listener is at work when the signal comes
    return process


@pytest.mark.parametrize(("mode", "ended_by"), [("idle", "SIGTERM"), ("busy", "second SIGTERM")])
def test_onionbalance_exits_by_its_own_handler_promptly(quiet_tor, mode, ended_by):
    process = _child(*quiet_tor, mode)
    try:
        started = time.monotonic()
        assert balancer.stop(process) == ended_by
        elapsed = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
        output = process.stdout.read()
        process.stdout.close()
    assert process.returncode == 0, output  # sys.exit(0) in its handler, not SIGKILL
    assert "Signal 15 received, exiting" in output
    assert elapsed < (1 if mode == "idle" else 2) * balancer.GRACE + 0.5

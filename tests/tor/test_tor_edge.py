"""The tier-2 edge over the private Tor network (docs/SCALING.md).

One edge: the onion launcher (PoW on) publishes a new address whose target
is HAProxy (deploy/haproxy.cfg), in front of two app servers sharing one
database and one app secret. One app server dies; the submissions after
it succeed through the other server. (That an upload in flight on the dying server fails
cleanly is shown on loopback, tests/scale/test_scale_edge.py.) Then the edge is gone (its tor stopped)
and a warm-standby edge, a tor of its own with the same key, publishes the
same address: the client fetches the standby's descriptor (its introduction
points, not the first edge's), finds ``pow-params`` in it, and reaches the
address within :data:`STANDBY_BOUND` s. Every wait is on a condition (a line
printed, a descriptor fetched, an answer), never a fixed sleep.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

import descriptors
from onion_site import FIGURES, ROOT, console, onion_session, stop_process, wait_reachable
from tests.support.edge import haproxy
from tests.support.live import serve
from tests.support.submit import submit_report
from tornet import LOOPBACK

pytestmark = [pytest.mark.live, pytest.mark.slow]

STANDBY_BOUND = 180  # seconds from the standby's publish to the first answer (documented in SCALING.md)


def _fields(description: str) -> dict[str, object]:
    return {"description": description, "incident_types": ["threats"], "region": "withheld"}


def _launcher(service_dir, target_port, control_port, env) -> tuple[subprocess.Popen, "queue.Queue[str]"]:
    process = subprocess.Popen(
        [sys.executable, "-m", "deploy.onion", "publish", "--watch", "--interval", "1",
         "--service-dir", str(service_dir), "--target", f"{LOOPBACK}:{target_port}",
         "--control", f"{LOOPBACK}:{control_port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    return process, lines


def _install(base, env) -> None:
    """``resguardo init`` and a fresh reviewer key, as an operator does."""
    import keys

    subprocess.run([console("resguardo"), "init"], env=env, check=True, capture_output=True)
    secret = keys.SecretKey.generate("Edge Test Reviewer")
    keys.write_public_key_file(base / "edge.public-key", secret.public_key)
    subprocess.run([console("resguardo"), "reviewer", "add", str(base / "edge.public-key")], env=env,
                   check=True, capture_output=True)


def _edge_tor(network, name: str):
    """A tor of its own on the private network, as an edge machine has (stopped by the caller)."""
    node = network._endpoint(name, socks=False)
    node.start()
    network.wait_control(node)
    return node


@pytest.fixture(scope="module")
def edge(tor_network, tmp_path_factory):
    """The first edge (its own tor + launcher) -> HAProxy -> two app servers on one database."""
    if shutil.which("haproxy") is None and not os.path.exists("/usr/sbin/haproxy"):
        pytest.skip("haproxy is not installed (scripts/test.sh installs it)")
    base = tmp_path_factory.mktemp("edge")
    data_a, data_b = base / "a" / "data", base / "b" / "data"
    env_a = {**os.environ, "PYTHONPATH": str(ROOT), "RESGUARDO_DATA_DIR": str(data_a), "RESGUARDO_ENV": "production"}
    _install(base, env_a)
    data_b.mkdir(parents=True, mode=0o700)
    shutil.copy2(data_a / "secret_key", data_b / "secret_key")
    # One machine here, so the two app servers share its SQLite file; across machines
    # they share a PostgreSQL URL the same way (tests/scale).
    env_a["RESGUARDO_DATABASE_URL"] = f"sqlite:///{data_a / 'resguardo.db'}"
    env_b = {**env_a, "RESGUARDO_DATA_DIR": str(data_b)}
    first = _edge_tor(tor_network, "edge-first")
    try:
        with serve(env_a, base / "logs-a", workers=1) as a, serve(env_b, base / "logs-b", workers=1) as b, \
                haproxy([a.port, b.port], base) as (_url, edge_port, _process):
            service_dir = base / "onion"
            launcher, lines = _launcher(service_dir, edge_port, first.control_port, env_a)
            try:
                address = lines.get(timeout=60).strip()
                descriptors.fetch(tor_network.client.control_port, address.removesuffix(".onion"), timeout=180)
                wait_reachable(onion_session(tor_network), f"http://{address}/", timeout=240)
                yield {"address": address, "servers": [a, b], "edge_port": edge_port, "service_dir": service_dir,
                       "launcher": launcher, "first": first, "env": env_a, "network": tor_network, "base": base}
            finally:
                stop_process(launcher)
                launcher.stdout.close()
    finally:
        first.stop()


def test_an_app_server_dies_and_new_submissions_still_succeed(edge):
    network, url = edge["network"], f"http://{edge['address']}"
    assert submit_report(onion_session(network), url, _fields("antes"), timeout=60).status_code == 200
    os.killpg(edge["servers"][0].pid, signal.SIGKILL)  # one app server's machine is gone
    time.sleep(1)  # a POST caught in the very instant of the crash gets a 502 (deploy/haproxy.cfg)
    statuses = [submit_report(onion_session(network), url, _fields(f"después {index}"), timeout=60).status_code
                for index in range(3)]
    assert statuses == [200, 200, 200]


def _pow_line(descriptor) -> list[list[str]]:
    """The ``pow-params`` lines' first two fields (``pow-params v1``)."""
    return [line.split()[:2] for line in descriptor.pow_params]


def test_the_warm_standby_edge_takes_the_address_with_pow(edge):
    network, address = edge["network"], edge["address"]
    service_id, client = address.removesuffix(".onion"), network.client.control_port
    first = descriptors.fetch(client, service_id)  # what the HSDirs hand out for the first edge
    stop_process(edge["launcher"])
    edge["first"].stop()  # the first edge is gone: its tor, and with it the service
    standby = _edge_tor(network, "edge-standby")
    try:
        launcher, lines = _launcher(edge["service_dir"], edge["edge_port"], standby.control_port, edge["env"])
        try:
            assert lines.get(timeout=120).strip() == address
            published = time.monotonic()
            # until an HSDir hands out a newer descriptor (the client caches it), then until it answers
            descriptors.fetch(client, service_id, STANDBY_BOUND,
                              accept=lambda descriptor: not descriptor.intro_auth_keys & first.intro_auth_keys)
            left = STANDBY_BOUND - (time.monotonic() - published)
            reached = wait_reachable(onion_session(network), f"http://{address}/", timeout=max(left, 1))
            seconds = reached - published
            FIGURES["standby_edge_reachable_s"] = f"{seconds:.1f}"
            used = descriptors.cached(client, service_id)  # the one whose introduction points answered
        finally:
            stop_process(launcher)
            launcher.stdout.close()
    finally:
        standby.stop()
    assert seconds < STANDBY_BOUND
    assert not used.intro_auth_keys & first.intro_auth_keys  # the standby's, not the first edge's
    assert _pow_line(used) == [["pow-params", "v1"]]  # what a reporter's Tor reads: solve a puzzle here

"""Tier 3, Onionbalance (docs/SCALING.md), in the private Tor network.

The frontend key is the one ``resguardo-onion init`` writes (tor's own
``hs_ed25519_secret_key`` format); Debian's Onionbalance 0.2.2 loads it as is and
publishes, with a tor of its own (control port only), a descriptor listing the
introduction points of two backends. Each backend is a tor with the service in
its torrc (``HiddenServiceOnionbalanceInstance 1``, PoW on) in front of a small
loopback HTTP server that names its backend. A client reaches the frontend
address and is served by a backend; that backend's machine goes away (its tor
stopped) and the following requests are served by the other one.

And the cost an operator accepts, pinned: the backends' descriptors carry
``pow-params``, the frontend's carries none (upstream Onionbalance issue #13).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from stem.descriptor.networkstatus import NetworkStatusDocumentV3

import balancer
import descriptors
from deploy.torctl import connect
from onion_site import FIGURES, ROOT
from tests.support.databases import in_ci
from tornet import LOOPBACK

pytestmark = [pytest.mark.live, pytest.mark.slow]

ONIONBALANCE = "/usr/sbin/onionbalance"  # Debian's package (scripts/test.sh installs it)
FRONTEND_BOUND = 240  # s from Onionbalance's start to a frontend descriptor listing both backends (52-103 s seen)
CIRCUIT_BOUND = 180  # s from a backend's stop until the client's circuit to it closes (0-28 s seen; once over 60)
TAKEOVER_BOUND = 480  # s from a backend's stop to the fourth answer from the other (6-28 s seen; a slow circuit close and one try lost add up to 240 s)


def _backend_http(name: str) -> ThreadingHTTPServer:
    """A loopback HTTP server answering every GET with ``backend <name>`` (a thread of its own)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = f"backend {name}\n".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep test output clean
            pass

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _backend_tor(network, name: str, http_port: int, frontend: str):
    """A backend tor: the service in its torrc, an Onionbalance instance of ``frontend``."""
    node = network._endpoint(f"ob-{name}", socks=False)
    service_dir = node.datadir / "service"
    service_dir.mkdir(mode=0o700)
    (service_dir / "ob_config").write_text(f"MasterOnionAddress {frontend}\n")
    node.lines += [
        f"HiddenServiceDir {service_dir}",
        f"HiddenServicePort 80 {LOOPBACK}:{http_port}",
        "HiddenServicePoWDefensesEnabled 1",
        "HiddenServiceOnionbalanceInstance 1",
    ]
    node.start()
    return node, service_dir


def _wait_file(path: Path, node, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if node.proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{node.name}: no {path.name}\n{node.log_tail()}")
        time.sleep(0.2)
    return path.read_text().strip()


def _wait_hash_ring(node, timeout: float = 90.0) -> None:
    """Until ``node``'s tor lists more HSDirs (with their microdescriptors) than
    Onionbalance 0.2.2 stores one replica on (4): it reads the consensus at start and
    exits (status 1) when there is none yet, and its hash ring loops forever on fewer
    HSDirs (tornet.py votes every relay HSDir)."""
    controller = connect(f"{LOOPBACK}:{node.control_port}")
    try:
        deadline = time.monotonic() + timeout
        while True:
            text = controller.get_info("dir/status-vote/current/consensus-microdesc", None)
            if text:
                digests = {md.digest() for md in controller.get_microdescriptors([])}
                routers = NetworkStatusDocumentV3(text.encode()).routers.values()
                if sum("HSDir" in r.flags and r.microdescriptor_digest in digests for r in routers) > 4:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{node.name} lists too few HSDirs after {timeout} s\n{node.log_tail()}")
            time.sleep(0.5)
    finally:
        controller.close()


def _isolated(network, tag: str) -> requests.Session:
    """A SOCKS session of its own: tor gives each SOCKS username its own circuits
    (IsolateSOCKSAuth), so each tag makes a new introduction and rendezvous."""
    session = requests.Session()
    proxy = f"socks5h://{tag}:x@{LOOPBACK}:{network.client.socks_port}"
    session.proxies = {"http": proxy, "https": proxy}
    return session


@pytest.fixture(scope="module")
def balanced(tor_network, tmp_path_factory):
    """Onionbalance's frontend over two backends, published; every process stopped at the end."""
    if not os.access(ONIONBALANCE, os.X_OK):
        if in_ci():
            pytest.fail("onionbalance is not installed; CI must run the Onionbalance test", pytrace=False)
        pytest.skip("onionbalance is not installed (apt install onionbalance; scripts/test.sh does)")
    base = tmp_path_factory.mktemp("onionbalance")
    key_dir = base / "frontend-key"
    init = subprocess.run([sys.executable, "-m", "deploy.onion", "init", "--service-dir", str(key_dir)],
                          cwd=ROOT, capture_output=True, text=True, timeout=30, check=True)
    frontend = init.stdout.strip()
    servers = {name: _backend_http(name) for name in ("a", "b")}
    nodes, started = {}, []
    try:
        for name, server in servers.items():
            node, service_dir = _backend_tor(tor_network, f"backend-{name}", server.server_address[1], frontend)
            started.append(node)
            nodes[name] = (node, _wait_file(service_dir / "hostname", node))
        front_tor = tor_network._endpoint("ob-frontend", socks=False)
        front_tor.start()
        started.append(front_tor)
        tor_network.wait_control(front_tor)
        _wait_hash_ring(front_tor)
        config = base / "config.yaml"
        config.write_text(f"services:\n- key: {key_dir / 'hs_ed25519_secret_key'}\n  instances:\n"
                          + "".join(f"  - address: {address}\n" for _, address in nodes.values()))
        log = base / "onionbalance.log"
        with open(log, "wb") as out:
            # --is-testnet: 20 s voting (tornet.py); -s '': no Debian control socket, our port only
            process = subprocess.Popen(
                [ONIONBALANCE, "--is-testnet", "-v", "info", "-s", "", "-i", LOOPBACK,
                 "-p", str(front_tor.control_port), "-c", str(config)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        started_at = time.monotonic()
        try:
            client = tor_network.client.control_port
            backends: dict[str, descriptors.Descriptor] = {}

            def lists_both(front) -> bool:
                # the backends' descriptors of this moment: a test network's tor replaces
                # its introduction points within minutes, and each time period has its own
                backends.update({name: descriptors.fetch(client, address[:-6])
                                 for name, (_, address) in nodes.items()})
                return all(front.intro_auth_keys & backend.intro_auth_keys for backend in backends.values())

            try:
                front = descriptors.fetch(client, frontend[:-6], FRONTEND_BOUND, accept=lists_both)
            except TimeoutError as exc:
                raise AssertionError(f"{exc}\nonionbalance log:\n{log.read_text()[-3000:]}") from None
            FIGURES["onionbalance_start_to_frontend_descriptor_s"] = f"{time.monotonic() - started_at:.1f}"
            yield {"network": tor_network, "frontend": frontend, "front": front, "backends": backends,
                   "nodes": nodes, "key": key_dir / "hs_ed25519_secret_key", "log": log, "process": process}
        finally:
            # SIGTERM, and a second one where 0.2.2's handler deadlocks (balancer.py says why)
            FIGURES["onionbalance_stopped_by"] = balancer.stop(process)
    finally:
        for node in started:
            node.stop()
        for server in servers.values():
            server.shutdown()
            server.server_close()


def test_onionbalance_publishes_the_key_resguardo_onion_init_wrote(balanced):
    """Debian's 0.2.2 reads tor's key format (no conversion), and the descriptor it
    publishes decrypts under the address ``resguardo-onion init`` printed."""
    log = balanced["log"].read_text()
    assert "Service private key not in OBv3 format" in log and "Trying tor's format" in log
    assert f"Loaded onion {balanced['frontend']} from {balanced['key']}" in log
    assert balanced["process"].poll() is None
    front, backends = balanced["front"], balanced["backends"]
    assert [bool(front.intro_auth_keys & backends[name].intro_auth_keys) for name in "ab"] == [True, True]


def test_the_frontend_descriptor_has_no_pow_params_upstream_issue_13(balanced):
    """PINNED LIMITATION. The backends run PoW and say so in their descriptors; the
    frontend descriptor Onionbalance builds carries no ``pow-params``, so a reporter's
    Tor never solves a puzzle at the address it uses (Onionbalance issue #13).

    When this fails, Onionbalance copies PoW parameters now: re-check what it
    publishes and update docs/SCALING.md (Tier 3's costs), then flip this test."""
    for name, backend in balanced["backends"].items():
        assert [line.split()[:2] for line in backend.pow_params] == [["pow-params", "v1"]], name
    assert balanced["front"].pow_params == [], (
        "Onionbalance's frontend descriptor now carries pow-params: upstream issue #13 looks fixed; "
        "update docs/SCALING.md (Tier 3 costs) and flip this test")


def _rendezvous_circuits(network, service_id: str) -> int:
    """How many rendezvous circuits the client tor holds for ``service_id``."""
    controller = connect(f"{LOOPBACK}:{network.client.control_port}")
    try:
        return sum(circuit.purpose == "HS_CLIENT_REND" and (circuit.rend_query or "").removesuffix(".onion") == service_id
                   for circuit in controller.get_circuits())
    finally:
        controller.close()


def test_either_backend_serves_and_the_other_takes_over_when_one_stops(balanced):
    network, url = balanced["network"], f"http://{balanced['frontend']}/"
    first = _isolated(network, "before").get(url, timeout=60)
    assert first.status_code == 200
    served = first.text.strip().removeprefix("backend ")
    assert served in ("a", "b")
    other = "b" if served == "a" else "a"
    service_id = balanced["frontend"].removesuffix(".onion")
    assert _rendezvous_circuits(network, service_id) == 1  # the client's circuit to the backend that answered
    balanced["nodes"][served][0].stop()  # that backend is gone, machine and tor
    stopped = time.monotonic()
    # until the network has noticed: the client's circuit to it closes (a request sent on
    # it before then fails, as a connection to a dead server does). Usually within 30 s;
    # in one full run here it was still open after 60 s. Closing it by hand at once does
    # not help: in a run that did, every connection for 3 minutes got no answer.
    while _rendezvous_circuits(network, service_id):
        assert time.monotonic() < stopped + CIRCUIT_BOUND, "the circuit to the stopped backend stayed open"
        time.sleep(0.2)
    FIGURES["onionbalance_backend_stop_to_circuit_closed_s"] = f"{time.monotonic() - stopped:.1f}"
    retries: list[str] = []
    answers = [_answer_after_stop(network, url, tag, retries) for tag in ("before", "after-1", "after-2", "after-3")]
    FIGURES["onionbalance_backend_stop_to_4_answers_s"] = f"{time.monotonic() - stopped:.1f}"
    FIGURES["onionbalance_connections_retried_after_stop"] = str(len(retries))
    assert [(r.status_code, r.text) for r in answers] == [(200, f"backend {other}\n")] * 4
    assert len(retries) <= 2, retries  # a dead introduction point may hold one connection; not every one
    assert time.monotonic() - stopped < TAKEOVER_BOUND


def _answer_after_stop(network, url: str, tag: str, retries: list[str]) -> requests.Response:
    """GET ``url`` as a reporter does after a backend stopped: a connection that an
    introduction point of the dead backend accepted never gets an answer
    (docs/SCALING.md, "A stopped backend stays listed"), so after 60 s the reporter
    tries again on new circuits (Tor Browser's "New Tor circuit for this site"); each
    such retry is appended to ``retries``. Raises the last error after 3 tries."""
    for attempt in range(3):
        try:
            return _isolated(network, f"{tag}-{attempt}" if attempt else tag).get(url, timeout=60)
        except requests.exceptions.ConnectionError as exc:  # ConnectTimeout is one
            retries.append(f"{tag}: {type(exc).__name__}")
            if attempt == 2:
                raise
    raise AssertionError("unreachable")

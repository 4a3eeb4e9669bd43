"""One private Tor network per test session, with Resguardo published on it.

``tor_network`` builds and starts the 8-process network (tornet.py). ``onion_site``
initialises a data directory with a test reviewer, starts gunicorn with
deploy/gunicorn.conf.py, starts ``resguardo-onion publish --watch`` against
the service tor and waits until the address answers through the client's
SOCKS port. Measured figures (bootstrap-to-reachable, tor RSS) are printed in
the terminal summary. Every process started here is stopped by its PID.
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from onion_site import (FIGURES, PASSPHRASE, ROOT, OnionSite, stop_process, console, onion_session,
                        wait_reachable)
from tornet import LOOPBACK, TorNetwork, free_port, running_pids

# stem logs every closed control socket at INFO; keep failure output readable
# (stem sets its logger's level when imported, so import it first)
import stem.util.log  # noqa: E402

logging.getLogger("stem").setLevel(logging.WARNING)


def _skip_without_tor() -> None:
    missing = [tool for tool in ("tor", "tor-gencert") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (apt install tor)")


def pytest_terminal_summary(terminalreporter):
    """Print the measured figures even without ``-s``."""
    if FIGURES:
        terminalreporter.section("private Tor network figures")
        for name, value in FIGURES.items():
            terminalreporter.write_line(f"TORNET {name}={value}")


@pytest.fixture(scope="session")
def tor_network(tmp_path_factory):
    """The started network; stopped (SIGKILL after 10 s if needed) at session end."""
    _skip_without_tor()
    network = TorNetwork(tmp_path_factory.mktemp("tornet"))
    network.start()
    try:
        network.wait_control(network.service)
        network.wait_control(network.client)
        yield network
    finally:
        network.stop()
        assert running_pids(network.nodes) == []


def _setup_data_dir(base: Path, env: dict[str, str]) -> Path:
    """``resguardo init`` plus a test reviewer registered with ``resguardo reviewer add``."""
    import keys

    subprocess.run([console("resguardo"), "init"], env=env, check=True, capture_output=True)
    secret = keys.SecretKey.generate("Tor Test Reviewer")
    secret_file, public_file = base / "tor.secret-key", base / "tor.public-key"
    keys.write_secret_key_file(secret_file, secret, PASSPHRASE)
    keys.write_public_key_file(public_file, secret.public_key)
    subprocess.run([console("resguardo"), "reviewer", "add", str(public_file)], env=env,
                   check=True, capture_output=True)
    return secret_file


@pytest.fixture(scope="session")
def onion_site(tor_network, tmp_path_factory):
    """Gunicorn + launcher on the private network, reachable through the client tor."""
    base = tmp_path_factory.mktemp("site")
    data_dir = base / "data"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RESGUARDO_DATA_DIR": str(data_dir),
           "RESGUARDO_ENV": "production"}
    reviewer_secret = _setup_data_dir(base, env)
    web_port = free_port()
    with open(base / "gunicorn.log", "wb") as log:  # the child keeps its own copy of the fd
        gunicorn = subprocess.Popen(
            [console("gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "-b", f"{LOOPBACK}:{web_port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
        )
    service_dir = base / "onion"
    with open(base / "launcher.log", "wb") as log:
        launcher = subprocess.Popen(
            [sys.executable, "-m", "deploy.onion", "publish", "--watch", "--interval", "1",
             "--service-dir", str(service_dir), "--target", f"{LOOPBACK}:{web_port}",
             "--control", f"{LOOPBACK}:{tor_network.service.control_port}"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True,
        )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in launcher.stdout], daemon=True).start()
    try:
        address = lines.get(timeout=60).strip()
        session = onion_session(tor_network)
        reachable_at = wait_reachable(session, f"http://{address}/", timeout=300)
        site = OnionSite(tor_network, address, data_dir, service_dir, reviewer_secret, env,
                         launcher, lines, gunicorn, web_port)
        site.figures["bootstrap_to_reachable_s"] = reachable_at - tor_network.started_at
        site.figures["tor_rss_mb"] = tor_network.total_rss_mb()
        FIGURES["bootstrap_to_reachable_s"] = f"{site.figures['bootstrap_to_reachable_s']:.1f}"
        FIGURES["tor_processes"] = str(len(running_pids(tor_network.nodes)))
        FIGURES["tor_rss_total_mb"] = f"{site.figures['tor_rss_mb']:.0f}"
        yield site
    finally:
        stop_process(launcher)
        stop_process(gunicorn)
        launcher.stdout.close()

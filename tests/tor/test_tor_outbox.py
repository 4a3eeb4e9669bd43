"""The outbox over a private Tor network: a transfer machine holding the client key
fetches an export bundle byte for byte; without it the address cannot be reached,
and the launcher will not publish the outbox before a client is listed."""

from __future__ import annotations

import base64
import subprocess
import sys
import time

import pytest
import requests

from deploy.torctl import connect

from onion_site import ROOT, console, onion_session, stop_process, wait_reachable
from tests.support.samples import all_reports
from tests.support.submit import submit_report
from tornet import LOOPBACK, free_port

pytestmark = [pytest.mark.live, pytest.mark.slow]


def run_launcher(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deploy.onion", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_a_transfer_machine_with_the_client_key_fetches_a_bundle(onion_site, tmp_path):
    network, env = onion_site.network, onion_site.env
    session = onion_session(network)
    sample = all_reports()[0]
    assert submit_report(session, onion_site.url, sample.fields, timeout=120).status_code == 200
    outbox = tmp_path / "outbox"
    outbox.mkdir(mode=0o700)
    exported = subprocess.run([console("resguardo"), "export", "--include-exported", "--out", str(outbox)],
                              env=env, capture_output=True, text=True, check=True)
    bundle = outbox / next(line.split(": ", 1)[1] for line in exported.stdout.splitlines()
                           if line.startswith("bundle: ")).rsplit("/", 1)[-1]

    port = free_port()
    with open(tmp_path / "outbox.log", "wb") as log:
        server = subprocess.Popen(
            [console("gunicorn"), "-c", "deploy/outbox.conf.py", "--bind", f"{LOOPBACK}:{port}", "deploy.outbox:app"],
            cwd=ROOT, env={**env, "RESGUARDO_OUTBOX_DIR": str(outbox)}, stdout=subprocess.DEVNULL, stderr=log)
    service = tmp_path / "outbox-onion"
    common = ["--service-dir", str(service), "--control", f"{LOOPBACK}:{network.service.control_port}"]
    publish = ["publish", "--require-client-auth", "--target", f"{LOOPBACK}:{port}", *common]
    try:
        refused = run_launcher(*publish, env=env)
        assert refused.returncode == 11, refused.stderr
        added = run_launcher("client-auth", "add", "transfer1", "--service-dir", str(service), env=env)
        service_id, _, key_type, secret_b32 = added.stdout.strip().split(":")
        assert (added.returncode, key_type) == (0, "x25519")
        published = run_launcher(*publish, env=env)
        assert published.stdout == f"{service_id}.onion\n", published.stderr
        deadline = time.monotonic() + 60
        while run_launcher("check", "--require-descriptor", *common, env=env).returncode:
            assert time.monotonic() < deadline, "the outbox got no descriptor in 60 s"
            time.sleep(0.5)
        url = f"http://{service_id}.onion/"
        with pytest.raises(requests.RequestException):
            session.get(url, timeout=30)

        secret_b64 = base64.b64encode(base64.b32decode(secret_b32 + "====")).decode()
        client = connect(f"{LOOPBACK}:{network.client.control_port}")
        try:
            added = client.msg(f"ONION_CLIENT_AUTH_ADD {service_id} x25519:{secret_b64}")
            # control-spec: 250 OK, 251 replaced, 252 registered and decrypted a cached
            # descriptor (the refused fetch above cached it); stem's is_ok() knows 250 only.
            assert added.content()[0][0] in ("250", "251", "252"), str(added)
        finally:
            client.close()
        wait_reachable(session, url, timeout=120)
        assert bundle.name in session.get(url, timeout=60).text
        fetched = session.get(url + bundle.name, timeout=120)
        assert fetched.status_code == 200
        assert fetched.content == bundle.read_bytes()
        assert session.post(url + bundle.name, timeout=60).status_code == 405
        assert bundle.exists()
    finally:
        run_launcher("unpublish", *common, env=env)
        stop_process(server)
        client = connect(f"{LOOPBACK}:{network.client.control_port}")
        try:
            client.msg(f"ONION_CLIENT_AUTH_REMOVE {(service / 'hostname').read_text().split('.')[0]}")
        except Exception:  # noqa: BLE001 - best effort: the network is torn down at session end anyway
            pass
        finally:
            client.close()

"""End to end over a private Tor network: a report submitted to the .onion address
through a Tor client, exported and decrypted; then tor restarts and the same
address answers again. Needs ``tor`` and ``tor-gencert`` (CI installs them)."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import time
import urllib.request

import pytest
import requests

from deploy.torctl import connect

from onion_site import FIGURES, ROOT, PASSPHRASE, console, onion_session, wait_reachable
from tests.support.samples import all_reports
from tests.support.submit import submit_report

AUTH_ADDED = ("250", "251", "252")  # control-spec: ONION_CLIENT_AUTH_ADD success codes

pytestmark = [pytest.mark.live, pytest.mark.slow]


def test_address_printed_is_the_persistent_key_and_answers(onion_site):
    assert onion_site.address == (onion_site.service_dir / "hostname").read_text().strip()
    page = onion_session(onion_site.network).get(onion_site.url + "/", timeout=60)
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.text
    check = onion_site.launcher_cmd("check", "--require-descriptor")
    assert (check.returncode, check.stdout) == (0, f"ok {onion_site.address}\n")


def test_service_tor_runs_pow_defences_for_our_service_only(onion_site, tmp_path):
    """tor logs ``initialize_pow_defenses()`` (info) when it builds the descriptors of a
    service with PoW on. A second service published with ``--no-pow`` must add no such line."""
    plain = tmp_path / "plain"
    common = ["--service-dir", str(plain),
              "--control", f"127.0.0.1:{onion_site.network.service.control_port}"]
    published = run_launcher("publish", "--no-pow", "--target", f"127.0.0.1:{onion_site.web_port}",
                             *common, env=onion_site.env)
    assert published.returncode == 0, published.stderr
    deadline = time.monotonic() + 60
    while run_launcher("check", "--require-descriptor", *common, env=onion_site.env).returncode:
        assert time.monotonic() < deadline, "the --no-pow service got no descriptor in 60 s"
        time.sleep(0.5)
    log = (onion_site.network.service.datadir / "info.log").read_text(errors="replace")
    pow_inits = [line for line in log.splitlines()
                 if "initialize_pow_defenses(): Generating both PoW seeds" in line]
    assert len(pow_inits) == 1
    assert run_launcher("unpublish", *common, env=onion_site.env).returncode == 0


def run_launcher(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deploy.onion", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_report_with_attachment_through_tor_is_exported_and_decrypted(onion_site, tmp_path):
    sample = next(s for s in all_reports() if s.attachments)
    files = [(path.name, path.read_bytes(), "application/octet-stream") for path in sample.attachments]
    response = submit_report(onion_session(onion_site.network), onion_site.url, sample.fields,
                             files, timeout=120)
    assert response.status_code == 200, response.text[:2000]
    assert "receipt-words" in response.text

    exported = subprocess.run([console("resguardo"), "export", "--out", str(tmp_path / "usb")],
                              env=onion_site.env, capture_output=True, text=True, check=True)
    bundle = next(line.split(": ", 1)[1] for line in exported.stdout.splitlines()
                  if line.startswith("bundle: "))
    imported = subprocess.run(
        [console("review"), "import", bundle, "--key", str(onion_site.reviewer_secret),
         "--out", str(tmp_path / "cases")],
        env={**onion_site.env, "RESGUARDO_PASSPHRASE": PASSPHRASE, "RESGUARDO_TEST_ONLY_PASSPHRASE_FROM_ENV": "1"}, capture_output=True, text=True,
    )
    assert imported.returncode == 0, imported.stderr
    [case] = [p for p in (tmp_path / "cases").iterdir() if not p.name.startswith((".", "_"))]
    report = json.loads((case / "report.json").read_text(encoding="utf-8"))
    assert report["fields"]["description"] == sample.fields["description"]
    assert [a["filename"] for a in report["attachments"]] == [name for name, _, _ in files]
    for entry, (_, content, _) in zip(report["attachments"], files):
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
    decrypted = sorted((case / "attachments").iterdir())
    assert sorted(p.read_bytes() for p in decrypted) == sorted(content for _, content, _ in files)


def test_staff_service_needs_the_client_auth_line(onion_site, tmp_path):
    """A second (staff) address with client authorization: unreadable without the
    credential, reachable once the client tor holds the line ``client-auth add`` printed."""
    staff = tmp_path / "staff"
    common = ["--service-dir", str(staff),
              "--control", f"127.0.0.1:{onion_site.network.service.control_port}"]
    assert run_launcher("init", "--service-dir", str(staff), env=onion_site.env).returncode == 0
    added = run_launcher("client-auth", "add", "reviewer1", "--service-dir", str(staff),
                         env=onion_site.env)
    service_id, _, key_type, secret_b32 = added.stdout.strip().split(":")
    assert (added.returncode, key_type) == (0, "x25519")
    published = run_launcher("publish", "--target", f"127.0.0.1:{onion_site.web_port}", *common,
                             env=onion_site.env)
    assert published.stdout == f"{service_id}.onion\n"
    deadline = time.monotonic() + 60
    while run_launcher("check", "--require-descriptor", *common, env=onion_site.env).returncode:
        assert time.monotonic() < deadline, "the staff service got no descriptor in 60 s"
        time.sleep(0.5)
    url = f"http://{service_id}.onion/"
    with pytest.raises(requests.RequestException):
        onion_session(onion_site.network).get(url, timeout=30)

    secret_b64 = base64.b64encode(base64.b32decode(secret_b32 + "====")).decode()
    client = connect(f"127.0.0.1:{onion_site.network.client.control_port}")
    try:
        added_auth = client.msg(f"ONION_CLIENT_AUTH_ADD {service_id} x25519:{secret_b64}")
        # control-spec ONION_CLIENT_AUTH_ADD: 250 OK, 251 replaced, 252 "Registered
        # client and decrypted desc" (the refused fetch above left the descriptor
        # in the client's cache): all three are success; stem's is_ok() knows 250 only.
        assert added_auth.content()[0][0] in AUTH_ADDED, str(added_auth)
    finally:
        client.close()
    wait_reachable(onion_session(onion_site.network), url, timeout=120)
    assert run_launcher("unpublish", *common, env=onion_site.env).returncode == 0


def test_same_address_answers_again_after_tor_restarts(onion_site):
    """The service tor restarts; the watching launcher re-adds the same key within
    60 s and a new visitor (client state purged with NEWNYM, as a fresh Tor Browser
    would be) reaches the same address. A client that cached the old descriptor
    recovers too, but only after tor's own intro-point failure back-off (minutes)."""
    network = onion_site.network
    uploads_before = descriptor_uploads(network)
    network.restart(network.service)
    restarted = time.monotonic()
    network.wait_control(network.service)
    deadline = restarted + 60
    while time.monotonic() < deadline:
        if onion_site.launcher_cmd("check").returncode == 0:
            break
        time.sleep(0.5)
    republished = time.monotonic() - restarted
    check = onion_site.launcher_cmd("check")
    assert (check.returncode, check.stdout) == (0, f"ok {onion_site.address}\n")
    assert republished < 60
    while descriptor_uploads(network) == uploads_before:  # HS_DESC UPLOADED, as tor logs it
        assert time.monotonic() < restarted + 120, "no descriptor upload after the restart"
        time.sleep(0.5)
    client = connect(f"127.0.0.1:{network.client.control_port}")
    try:
        assert client.msg("SIGNAL NEWNYM").is_ok()
    finally:
        client.close()
    answered = wait_reachable(onion_session(network), onion_site.url + "/", timeout=240)
    assert onion_site.launcher.poll() is None  # the watcher rode through the restart
    assert onion_site.address == (onion_site.service_dir / "hostname").read_text().strip()
    FIGURES["tor_restart_to_republished_s"] = f"{republished:.1f}"
    FIGURES["tor_restart_to_reachable_s"] = f"{answered - restarted:.1f}"


def descriptor_uploads(network) -> int:
    """How many descriptor uploads the service tor has logged so far (its info.log)."""
    log = (network.service.datadir / "info.log").read_text(errors="replace")
    return log.count("Uploaded hidden service descriptor (status 200")

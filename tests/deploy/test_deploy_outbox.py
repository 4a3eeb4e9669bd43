"""The outbox: bundles fetched over a client-authorized onion service, read-only, nothing else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from werkzeug.test import Client

from deploy import clientauth, onion, onionkey, torctl
from deploy.errors import ControlRefusedError
from deploy.outbox import make_app

BUNDLE = "resguardo-bundle-2026-12-01-1ed2d464.tar"
BACKUP = "resguardo-backup-2026-12-01-0a1b2c3d.backup"
CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


@pytest.fixture
def outbox(tmp_path):
    directory = tmp_path / "outbox"
    directory.mkdir()
    (directory / BUNDLE).write_bytes(b"RGENV bundle bytes \x00" * 5000)
    (directory / "notes.txt").write_text("not a bundle")
    (directory / BACKUP).write_bytes(b"RESGUARD sealed backup")
    (tmp_path / "secret").write_text("outside the outbox")
    os.symlink(tmp_path / "secret", directory / "resguardo-bundle-2026-12-01-00000000.tar")
    (directory / "resguardo-bundle-2026-12-01-11111111.tar").mkdir()
    return directory


def test_the_listing_names_only_bundle_files(outbox):
    response = Client(make_app(outbox)).get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<a href="/{BUNDLE}" download>{BUNDLE}</a> (100000 bytes)' in page
    assert f'<a href="/{BACKUP}" download>{BACKUP}</a> (22 bytes)' in page
    assert "notes.txt" not in page and "00000000" not in page and "11111111" not in page
    assert "<script" not in page and "style" not in page


def test_a_bundle_downloads_whole_with_strict_headers(outbox):
    response = Client(make_app(outbox)).get(f"/{BUNDLE}")
    assert response.status_code == 200
    assert response.get_data() == (outbox / BUNDLE).read_bytes()
    response.close()
    assert response.headers["Content-Length"] == "100000"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{BUNDLE}"'
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["Cache-Control"] == "no-store"
    assert "Last-Modified" not in response.headers and "ETag" not in response.headers


@pytest.mark.parametrize("path", ["/notes.txt", "/resguardo-bundle-2026-12-01-00000000.tar",
                                  "/resguardo-bundle-2026-12-01-11111111.tar", "/../secret", "/%2e%2e/secret",
                                  f"/{BUNDLE}/", f"/x/{BUNDLE}", "/resguardo-bundle-2026-12-01-22222222.tar"])
def test_anything_else_is_not_found(outbox, path):
    response = Client(make_app(outbox)).get(path)
    assert response.status_code == 404
    assert response.get_data() == b"404\n"
    assert response.headers["Content-Security-Policy"] == CSP


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_it_is_read_only(outbox, method):
    response = Client(make_app(outbox)).open(f"/{BUNDLE}", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert (outbox / BUNDLE).exists()


def test_the_public_site_serves_no_bundle(client):
    assert client.get(f"/{BUNDLE}").status_code == 404
    assert client.get(f"/outbox/{BUNDLE}").status_code == 404


def _publish(service: Path) -> int:
    return onion.main(["publish", "--require-client-auth", "--service-dir", str(service),
                       "--target", "127.0.0.1:8082"])


def test_the_outbox_launcher_will_not_publish_without_an_authorized_client(tmp_path, capsys, monkeypatch):
    def tor_asked(*_args, **_kwargs):
        raise ControlRefusedError("tor was asked")

    monkeypatch.setattr(torctl, "connect", tor_asked)
    service = tmp_path / "outbox-onion"
    onionkey.load_or_create(service)
    assert _publish(service) == 11
    assert "no authorized client" in capsys.readouterr().err
    clientauth.add_client(service, "transfer1")
    assert _publish(service) == ControlRefusedError.exit_code  # past the check: on to tor
    assert "tor was asked" in capsys.readouterr().err


def test_the_outbox_config_sends_no_server_header_and_logs_no_request(tmp_path):
    """gunicorn with deploy/outbox.conf.py (what the systemd unit runs): a listing and a
    bundle answer 200 with no ``Server`` header, and gunicorn logs no request line."""
    import subprocess
    import sys
    import time

    import requests

    from tests.support.live import free_port

    root = Path(__file__).resolve().parents[2]
    outbox = tmp_path / "outbox"
    outbox.mkdir(mode=0o700)
    name = "resguardo-bundle-2026-12-01-0123abcd.tar"
    (outbox / name).write_bytes(b"\x00" * 4096)
    port = free_port()
    log = tmp_path / "outbox.log"
    with open(log, "wb") as sink:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "deploy/outbox.conf.py", "deploy.outbox:app"],
            cwd=root, stdout=subprocess.DEVNULL, stderr=sink,
            env={"PATH": os.environ["PATH"], "RESGUARDO_OUTBOX_DIR": str(outbox),
                 "RESGUARDO_OUTBOX_BIND": f"127.0.0.1:{port}", "LANG": "C.UTF-8"})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                listing = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None, log.read_text()
                time.sleep(0.2)
        bundle = requests.get(f"http://127.0.0.1:{port}/{name}", timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (listing.status_code, bundle.status_code) == (200, 200)
    assert name in listing.text and bundle.content == b"\x00" * 4096
    assert "Server" not in listing.headers and "Server" not in bundle.headers
    assert name not in log.read_text() and "GET /" not in log.read_text()

"""The blob-store contract, on both stores: SQLite chunk rows (one machine) and PostgreSQL chunk rows.

Against a live gunicorn, as a reporter without JavaScript sends it:

- a 64 MiB attachment streams in and is sealed into chunk rows while the
  worker's peak memory grows by far less than the body;
- the export carries it and it decrypts to the same SHA-256;
- a worker killed (SIGKILL) in the middle of another large upload leaves
  only a pending blob: the next export does not carry it, and the tick
  removes it once it has been idle past the expiry;
- the marker that fills both attachments is in no byte of the database's
  files, its write-ahead log (SQLite ``-wal``, PostgreSQL ``pg_wal``)
  included, nor anywhere in the data directory.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import time

import pytest
import requests

from tests.support.canary import scan
from tests.support.edge import vm_hwm_kib
from tests.support.figures import record
from tests.support.live import resguardo, serve
from tests.support.site import read_bundle
from tests.support.slow import SlowUpload, worker_holding
from tests.support.submit import submit_report

pytestmark = [pytest.mark.live, pytest.mark.slow]

LARGE = 64 * 1024 * 1024
GROWTH_LIMIT_KIB = 32 * 1024  # half the body: a worker that held it would exceed this


def _marked(marker: bytes, size: int) -> bytes:
    """``size`` random bytes with ``marker`` written at every MiB."""
    body = bytearray(secrets.token_bytes(size))
    for offset in range(0, size - len(marker), 1 << 20):
        body[offset : offset + len(marker)] = marker
    return bytes(body)


def _fields(description: str) -> dict[str, object]:
    return {"description": description, "incident_types": ["threats"], "region": "withheld"}


def test_the_blob_store_contract(site, reviewer):
    marker = f"CANARY-{secrets.token_hex(4)}-BLOB".encode()
    large = _marked(marker, LARGE)
    with serve(site.env, site.logs, workers=1) as server:
        (worker,) = server.workers()
        before = vm_hwm_kib(worker)
        started = time.monotonic()
        answer = submit_report(requests.Session(), server.url, _fields("sesenta y cuatro"),
                               [("grande.bin", large, "application/octet-stream")])
        seconds = time.monotonic() - started
        growth = vm_hwm_kib(worker) - before
        assert answer.status_code == 200

        victim = SlowUpload(server.url, server.port, _fields("interrumpido"),
                            [("b.bin", _marked(marker, 8 << 20), "application/octet-stream")])
        victim.send_until(victim.file_offset + (6 << 20), pause=0)
        deadline = time.monotonic() + 30
        while not any(not complete for complete in site.blobs().values()):
            assert time.monotonic() < deadline, "no pending blob while the attachment streams"
            time.sleep(0.05)
        os.kill(worker_holding(server.workers(), server.port, victim.client_port), signal.SIGKILL)
        assert victim.read_response() == b""
        victim.close()
    record(f"scale: blob store [{site.backend}]: {LARGE >> 20} MiB no-JS upload in {seconds:.1f} s, "
           f"worker peak memory +{growth / 1024:.1f} MiB")
    assert growth < GROWTH_LIMIT_KIB

    bundle = site.export(site.base / "usb")
    ((_id, report, files),) = read_bundle(bundle, reviewer.secret)
    assert report["fields"]["description"] == "sesenta y cuatro"
    assert [hashlib.sha256(data).hexdigest() for data in files] == [hashlib.sha256(large).hexdigest()]

    leftovers = site.leftovers()
    assert len(leftovers) == 1 and site.blobs()[leftovers[0]] is False
    assert site.export(site.base / "usb") is None  # the interrupted upload is not exportable
    assert scan([site.data_dir, site.server_tmp, *site.database_files()], [marker]) == []
    site.age_pending()
    assert resguardo(["tick"], site.env).stdout.startswith("expired 1 unfinished uploads")
    assert site.leftovers() == []

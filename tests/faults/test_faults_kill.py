"""kill -9 of a gunicorn worker in the middle of a no-JavaScript upload, 20 times.

Each round streams a real form submission (session cookie, CSRF token, a
text canary, a 384 KiB attachment with a binary canary) slowly over a raw
socket, stops at a random byte of the body (in the text fields, or in the
attachment while it is being sealed into a pending blob), finds the
worker holding that connection in /proc and kills it with SIGKILL. The
reporter must get no answer at all; then an ordinary submission must get
its 200 receipt page. Afterwards (tests/support/site.py, ``check_outcome``): the
database, the export and ``review import`` hold exactly the acknowledged
submissions, each decrypts to what was sent, no canary is in any byte the
server wrote, and ``resguardo tick`` removes exactly the leftovers.

The seed is printed; ``RESGUARDO_FAULT_SEED=N`` replays a run.
"""

from __future__ import annotations

import hashlib
import os
import random
import secrets
import signal
import time

import pytest
import requests

from tests.support.figures import record
from tests.support.live import serve
from tests.support.site import check_outcome
from tests.support.slow import SlowUpload, worker_holding
from tests.support.submit import submit_report

pytestmark = [pytest.mark.live, pytest.mark.slow]

KILLS = 20
WORKERS = 2
ATTACHMENT_BYTES = 384 * 1024
SEALING_AFTER = 160 * 1024  # attachment bytes after which its pending blob surely exists


def _attachment(canary: bytes, rng: random.Random) -> bytes:
    body = bytearray(rng.randbytes(ATTACHMENT_BYTES))
    for offset in (0, ATTACHMENT_BYTES // 2, ATTACHMENT_BYTES - len(canary)):
        body[offset : offset + len(canary)] = canary
    return bytes(body)


def _fields(text_canary: str) -> dict[str, object]:
    return {
        "description": f"Nos siguieron hasta la casa. {text_canary} " + "Detalle del hecho. " * 60,
        "incident_types": ["threats", "surveillance"],
        "region": "withheld",
        "consent_aggregate_statistics": "no",
    }


def _parts(site) -> int:
    return sum(1 for complete in site.blobs().values() if not complete)


def _wait_for_part(site, before: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while _parts(site) <= before:
        if time.monotonic() > deadline:
            raise TimeoutError("the attachment is not being sealed into a pending blob")
        time.sleep(0.01)


def _wait_for_workers(server, killed: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = server.workers()
        if len(pids) == WORKERS and killed not in pids:
            return
        time.sleep(0.05)
    raise TimeoutError("gunicorn did not replace the killed worker")


def test_kill_9_mid_upload_loses_and_leaks_nothing(site, reviewer):
    seed = int(os.environ.get("RESGUARDO_FAULT_SEED") or secrets.randbits(32))
    rng = random.Random(seed)
    run = secrets.token_hex(4)
    acknowledged: dict[str, list[str]] = {}
    cuts = {"text": 0, "attachment": 0, "sealing": 0}
    started = time.monotonic()

    with serve(site.env, site.logs, workers=WORKERS) as server:
        for round_ in range(KILLS):
            text = f"CANARY-{run}-TEXT-KILLED-{round_}"
            binary = f"CANARY-{run}-FILE-KILLED-{round_}".encode()
            upload = SlowUpload(server.url, server.port, _fields(text),
                                [(f"audio-{round_}.ogg", _attachment(binary, rng), "audio/ogg")])
            region = "text" if rng.random() < 0.3 else "attachment"
            if region == "text":
                cut = rng.randrange(1, upload.file_offset)
            else:
                cut = rng.randrange(upload.file_offset + 1, len(upload.body) - 200)
            cuts[region] += 1
            parts_before = _parts(site)
            upload.send_until(cut)
            time.sleep(rng.uniform(0.05, 0.3))  # let the worker take in (and seal) what was sent
            if cut - upload.file_offset > SEALING_AFTER:
                _wait_for_part(site, parts_before)  # killed while the envelope is being written
                cuts["sealing"] += 1
            worker = worker_holding(server.workers(), server.port, upload.client_port)
            os.kill(worker, signal.SIGKILL)
            assert upload.read_response() == b""  # no "received", no error page: the connection died
            upload.close()
            _wait_for_workers(server, worker)

            text = f"CANARY-{run}-TEXT-ACK-{round_}"
            binary = f"CANARY-{run}-FILE-ACK-{round_}".encode()
            content = _attachment(binary, rng)[: 20_000 + round_]
            response = submit_report(requests.Session(), server.url, _fields(text),
                                     [(f"foto-{round_}.jpg", content, "image/jpeg")])
            assert response.status_code == 200
            acknowledged[_fields(text)["description"]] = [hashlib.sha256(content).hexdigest()]

    leftovers = check_outcome(site, reviewer, acknowledged, [f"CANARY-{run}-".encode()])
    record(f"kill -9 mid-upload [{site.backend}]: seed {seed}, {KILLS} kills "
          f"({cuts['text']} in text fields, {cuts['attachment']} in the attachment, "
          f"{cuts['sealing']} of them seen mid-sealing into a pending blob), "
          f"{len(acknowledged)} acknowledged and stored, 0 victims stored, "
          f"{leftovers} leftovers removed by the tick, {time.monotonic() - started:.1f} s")

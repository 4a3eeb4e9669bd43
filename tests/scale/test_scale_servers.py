"""Two stateless app servers, one PostgreSQL database.

Each server has its own data directory holding only a copy of the app
secret; both use the same database URL. A form fetched from one is
submitted on the other (no-JavaScript path), and a browser-sealed upload
hops between them request by request (JavaScript path). Then 50 reporters
submit at once across both servers while both servers' operators run
``resguardo export`` at the same moments: no report may be in two bundles,
none may be missing, every one decrypts to what was sent.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest
import requests

import keys
from keys.stream import SEALED_CHUNK_SIZE
from tests.scale.conftest import logs, second_server_env
from tests.support.figures import record
from tests.support.live import BIN, serve
from tests.support.load import bundles_in, canary_of, run_load
from tests.support.site import import_cases, read_bundle
from tests.support.submit import csrf_token, submit_report

pytestmark = [pytest.mark.live, pytest.mark.slow]

REPORTERS = 50


def _fields(description: str) -> dict[str, object]:
    return {"description": description, "incident_types": ["threats"], "region": "withheld"}


def js_upload(session: requests.Session, servers: list[str], token: str, envelope: bytes, hop: int) -> tuple[str, str]:
    """Upload ``envelope`` in pieces, each request to the next server in ``servers`` (from ``hop``).

    :returns: ``(upload id, item id)``.
    """
    headers = {"X-CSRFToken": token}

    def url(step: int) -> str:
        return servers[(hop + step) % len(servers)]

    created = session.post(url(0) + "/upload/", json={"size": len(envelope)}, headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    upload_id, item_id = created.json()["upload_id"], created.json()["item_id"]
    header = len(keys.read_header(io.BytesIO(envelope)).raw)  # v1 or v2: pieces start after it
    ends = sorted({*range(header + SEALED_CHUNK_SIZE, len(envelope), SEALED_CHUNK_SIZE), len(envelope)})
    offset = 0
    for step, end in enumerate(ends, start=1):
        answer = session.put(f"{url(step)}/upload/{upload_id}?offset={offset}", data=envelope[offset:end],
                             headers={**headers, "Content-Type": "application/octet-stream"}, timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"received": end}
        offset = end
    finished = session.post(f"{url(len(ends) + 1)}/upload/{upload_id}/finish", headers=headers, timeout=30)
    assert finished.json() == {"received": len(envelope), "complete": True}
    return upload_id, item_id


def test_a_form_from_one_server_submits_on_the_other_on_both_paths(pg_site, reviewer):
    env_b = second_server_env(pg_site, "b")
    public = reviewer.secret.public_key
    with serve(pg_site.env, logs(pg_site.base, "a"), workers=1) as a, serve(env_b, logs(pg_site.base, "b"), workers=1) as b:
        # No JavaScript: the form (cookie + CSRF token) from A, the POST to B.
        session = requests.Session()
        token = csrf_token(session.get(a.url + "/", timeout=30).text)
        answer = session.post(b.url + "/submit", data=[("csrf_token", token), *[
            (name, value if isinstance(value, str) else value[0]) for name, value in _fields("cruzado sin JS").items()]],
            files=[("attachments", ("nota.txt", b"adjunto sin JS", "text/plain"))], allow_redirects=False, timeout=30)
        assert answer.status_code == 200 and "receipt-words" in answer.text

        # JavaScript: begin on B, each upload request on the next server, submit on A.
        session = requests.Session()
        token = csrf_token(session.get(b.url + "/", timeout=30).text)
        begun = session.post(b.url + "/upload/begin", headers={"X-CSRFToken": token}, timeout=30)
        assert begun.status_code == 200
        submission_id = begun.json()["submission_id"]
        content = b"adjunto con JS " * 20_000  # 300 kB: several pieces, so several hops
        file_upload, file_item = js_upload(session, [a.url, b.url], token, keys.seal_v2(content, [public]), hop=0)
        report = {"format": "resguardo-report", "version": 1, "submission_id": submission_id,
                  "sealed_by": "browser", "language": "es", "fields": {"description": "cruzado con JS"},
                  "attachments": [{"item_id": file_item, "filename": "a.bin", "content_type": "application/octet-stream",
                                   "size": len(content), "blake2b_256": hashlib.blake2b(content, digest_size=32).hexdigest()}]}
        report_upload, _ = js_upload(session, [a.url, b.url], token, keys.seal_v2(json.dumps(report).encode(), [public]), hop=1)
        done = session.post(a.url + "/upload/submit", json={"report": report_upload, "attachments": [file_upload]},
                            headers={"X-CSRFToken": token}, timeout=30)
        assert done.status_code == 201, done.text
        assert done.json() == {"location": "/received"}

    cases = import_cases(pg_site.export(pg_site.base / "usb"), reviewer, pg_site.base / "cases")
    assert sorted(cases) == ["cruzado con JS", "cruzado sin JS"]
    assert cases["cruzado con JS"]["_files"] == [hashlib.sha256(content).hexdigest()]
    assert cases["cruzado sin JS"]["_files"] == [hashlib.sha256(b"adjunto sin JS").hexdigest()]


def _manifest_ids(bundle: Path) -> list[str]:
    with tarfile.open(bundle) as tar:
        return [entry["id"] for entry in json.load(tar.extractfile("manifest.json"))["submissions"]]


def test_50_reporters_across_two_servers_while_both_export(pg_site, reviewer):
    env_b = second_server_env(pg_site, "b")
    usb = pg_site.base / "usb"

    def export_on_both() -> list[subprocess.CompletedProcess]:
        # One export per app server, started at the same moment.
        runs = [subprocess.Popen([str(BIN / "resguardo"), "export", "--out", str(usb)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for env in (pg_site.env, env_b)]
        return [subprocess.CompletedProcess(run.args, run.wait(120), *run.communicate()) for run in runs]

    with serve(pg_site.env, logs(pg_site.base, "a"), workers=2) as a, serve(env_b, logs(pg_site.base, "b"), workers=2) as b:
        figures = run_load([a.url, b.url], REPORTERS, export=export_on_both)
    for _ in range(2):  # exports racing each other with nothing arriving
        figures.exports.append(export_on_both())
    record(figures.summary("scale: 2 app servers, PostgreSQL"))

    runs = [run for pair in figures.exports for run in pair]
    assert [item.error for item in figures.sent if item.error] == []
    assert figures.statuses == {200: REPORTERS}
    assert [(run.returncode, run.stderr) for run in runs] == [(0, "")] * len(runs)
    assert pg_site.export(usb) is None  # the racing exports left nothing behind

    in_bundles = [submission_id for bundle in bundles_in(usb) for submission_id in _manifest_ids(bundle)]
    assert len(in_bundles) == len(set(in_bundles)) == REPORTERS  # each report in exactly one bundle
    assert sorted(in_bundles) == sorted(pg_site.rows())
    expected = {item.canary: item.attachment_sha256 for item in figures.sent}
    opened = {}
    for bundle in bundles_in(usb):
        for submission_id, report, files in read_bundle(bundle, reviewer.secret):
            canary = canary_of(report["fields"]["description"].encode())
            assert [hashlib.sha256(data).hexdigest() for data in files] == [expected[canary]]
            opened[submission_id] = canary
    assert sorted(opened.values()) == sorted(expected)

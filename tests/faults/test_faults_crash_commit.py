"""A worker that dies between writing the blobs and committing the row.

gunicorn serves ``tests.faults.crashing_wsgi:app`` (the real app with a
planted ``os._exit(137)``; see that module). A reporter whose submission
dies there must not be told "received" (no 200 receipt page: the connection drops), the
blobs that were already durable must stay pending and invisible (no row, so
no export), and ``resguardo tick`` must delete them once expired. Submissions before and after,
on the same server, are acknowledged and come back whole.
"""

from __future__ import annotations

import hashlib
import secrets

import pytest
import requests

from tests.faults.markers import BEFORE_ROW, MID_BLOBS
from tests.support.figures import record
from tests.support.live import serve
from tests.support.site import check_outcome
from tests.support.submit import submit_report

pytestmark = pytest.mark.live

CRASHES_PER_POINT = 3


def _submit(url: str, description: str, content: bytes) -> requests.Response:
    fields = {"description": description, "incident_types": ["threats"], "region": "withheld"}
    return submit_report(requests.Session(), url, fields, [("acta.pdf", content, "application/pdf")])


def test_crash_between_blob_write_and_row_commit(site, reviewer):
    run = secrets.token_hex(4)
    acknowledged: dict[str, list[str]] = {}

    def acknowledged_submission(label: str) -> None:
        description = f"Denuncia CANARY-{run}-TEXT-{label}"
        content = f"CANARY-{run}-FILE-{label}".encode() + secrets.token_bytes(90_000)
        response = _submit(server.url, description, content)
        assert response.status_code == 200
        assert "Location" not in response.headers
        acknowledged[description] = [hashlib.sha256(content).hexdigest()]

    with serve(site.env, site.logs, workers=2, app="tests.faults.crashing_wsgi:app") as server:
        acknowledged_submission("BEFORE")
        for marker in (BEFORE_ROW, MID_BLOBS):
            for index in range(CRASHES_PER_POINT):
                label = f"{marker}-{index}"
                content = f"CANARY-{run}-FILE-{label}".encode() + secrets.token_bytes(90_000)
                with pytest.raises(requests.ConnectionError):
                    _submit(server.url, f"{marker} CANARY-{run}-TEXT-{label}", content)
        acknowledged_submission("AFTER")

    blobs = site.blobs()
    rows = site.rows()
    assert len(rows) == 2
    # Died before the row (its transaction, which completes the blobs, rolled
    # back) or mid-blobs: report and attachment both still pending.
    assert sorted(blobs.values()).count(True) == 2 * 2
    assert sorted(blobs.values()).count(False) == CRASHES_PER_POINT * (2 + 2)
    assert len(site.leftovers()) == CRASHES_PER_POINT * (2 + 2)

    leftovers = check_outcome(site, reviewer, acknowledged, [f"CANARY-{run}-".encode()])
    assert leftovers == CRASHES_PER_POINT * (2 + 2)
    log = (site.logs / "gunicorn.stderr").read_text()
    assert log.count("exited with code 137") == 2 * CRASHES_PER_POINT
    record(f"crash between blobs and row commit [{site.backend}]: {2 * CRASHES_PER_POINT} crashes, "
           f"0 stored, 0 told 'received', {len(acknowledged)} acknowledged and stored, "
           f"{leftovers} leftovers removed by the tick")

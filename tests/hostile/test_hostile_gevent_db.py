"""PostgreSQL under the gevent worker: a request waiting on the database does not stop
the others in its worker (psycopg must wait cooperatively, deploy/gunicorn.conf.py)."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
import requests

from tests.support.live import serve
from tests.support.site import install
from tests.support.submit import submit_report

pytestmark = pytest.mark.live


def test_a_request_blocked_in_postgresql_does_not_block_its_worker(request, tmp_path, reviewer):
    site = install(request, tmp_path, "postgresql", reviewer)
    with serve(site.env, site.logs, workers=1) as server:
        url = site.database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url) as locker:
            locker.execute("LOCK TABLE submissions IN ACCESS EXCLUSIVE MODE")
            result = {}

            def send():
                result["reply"] = submit_report(requests.Session(), server.url, {"description": "waits for the lock"}, timeout=60)

            thread = threading.Thread(target=send)
            thread.start()
            time.sleep(2)  # the submission is now waiting for the table lock, inside the only worker
            assert thread.is_alive()
            started = time.monotonic()
            page = requests.get(server.url + "/received", timeout=10)
            assert page.status_code == 200
            assert time.monotonic() - started < 2
            locker.rollback()
        thread.join(30)
    assert result["reply"].status_code == 200

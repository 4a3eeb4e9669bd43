"""A seized server shows no submission's time of day and no order of arrival.

A real installation (``resguardo init``) is served by gunicorn; reports arrive
seconds apart on both paths (the no-JavaScript form, and the JavaScript
upload API fed with envelopes made exactly as the browser makes them). After
``resguardo tick``, as an examiner would:

* every path under the data directory is stat-ed (atime, mtime, ctime, and
  the birth time through ``stat --format=%W``, i.e. statx, where the file
  system keeps one). The tolerance: no timestamp lies within 1 s of any
  submission (the window from just before its first request to just after
  its last answer, widened by 1 s on each side), every mtime is today's
  00:00 UTC, and every ctime lies in the tick (which starts at least 2 s
  after the last submission) or later;
* every column of every table is read: no date-time or time value at all,
  no number that is a Unix time (in s, ms, us or ns) inside a submission's
  window, no text holding a submission's HH:MM:SS, no pending-upload tick
  left; and rows come back (``SELECT`` without ``ORDER BY``) in key order,
  a function of the random ids alone, on SQLite because the tables have no
  rowid and were VACUUMed, on PostgreSQL because the tick re-inserted them
  in key order in one transaction (one ``xmin`` for all).

PostgreSQL's own files are the database server's: their times are a
documented residual (docs/THREAT-MODEL.md), so only the data directory is
stat-ed there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, inspect, text

import keys
from tests.support.live import resguardo, serve
from tests.support.site import install
from tests.support.submit import csrf_token, submit_report

pytestmark = pytest.mark.live

REPORTS = 6
GAP = 1.5  # seconds between submissions
TOLERANCE = 1.0  # seconds either side of a submission's window
AFTER_LAST = 2.0  # the tick starts at least this long after the last answer


def _upload(session: requests.Session, url: str, headers: dict, envelope: bytes) -> tuple[str, str]:
    created = session.post(url + "/upload/", json={"size": len(envelope)}, headers=headers)
    assert created.status_code == 201, created.text
    upload_id, item_id = created.json()["upload_id"], created.json()["item_id"]
    put = session.put(f"{url}/upload/{upload_id}?offset=0", data=envelope,
                      headers={**headers, "Content-Type": "application/octet-stream"})
    assert put.status_code == 200, put.text
    assert session.post(f"{url}/upload/{upload_id}/finish", headers=headers).status_code == 200
    return upload_id, item_id


def _js_submit(url: str, public, label: str) -> None:
    session = requests.Session()
    headers = {"X-CSRFToken": csrf_token(session.get(url + "/").text)}
    begun = session.post(url + "/upload/begin", headers=headers)  # no body: the route takes none
    assert begun.status_code == 200, begun.text
    submission_id = begun.json()["submission_id"]
    content = secrets.token_bytes(120_000)
    file_id, item_id = _upload(session, url, headers, keys.seal_v2(content, [public]))
    report = {"format": "resguardo-report", "version": 1, "submission_id": submission_id,
              "sealed_by": "browser", "language": "es", "fields": {"description": f"forensic {label}"},
              "attachments": [{"item_id": item_id, "filename": "f.bin", "content_type": "application/octet-stream",
                               "size": len(content),
                               "blake2b_256": hashlib.blake2b(content, digest_size=32).hexdigest()}]}
    report_id, _ = _upload(session, url, headers, keys.seal_v2(json.dumps(report).encode(), [public]))
    done = session.post(url + "/upload/submit", json={"report": report_id, "attachments": [file_id]}, headers=headers)
    assert done.status_code == 201, done.text


def _nojs_submit(url: str, label: str) -> None:
    answer = submit_report(requests.Session(), url, {"description": f"forensic {label}", "region": "withheld"},
                           [("acta.pdf", secrets.token_bytes(120_000), "application/pdf")])
    assert answer.status_code == 200


def _birth_times(paths: list[Path]) -> dict[Path, float]:
    """Birth time (s) per path where the file system records one (statx), else nothing."""
    result = subprocess.run(["stat", "--printf", "%W\\n", "--", *map(str, paths)],
                            capture_output=True, text=True, check=True)
    return {path: float(value) for path, value in zip(paths, result.stdout.split()) if value not in ("0", "-")}


def _near(value: float, windows: list[tuple[float, float]]) -> bool:
    return any(start - TOLERANCE <= value <= end + TOLERANCE for start, end in windows)


def _check_files(data_dir: Path, windows, tick_start: float) -> int:
    paths = [data_dir, *sorted(data_dir.rglob("*"))]
    births = _birth_times(paths)
    midnight = dt.datetime.combine(dt.datetime.now(dt.timezone.utc).date(), dt.time(), dt.timezone.utc).timestamp()
    if midnight > tick_start:  # UTC midnight passed after the tick began: it set the day before's
        midnight = os.stat(data_dir).st_mtime if os.stat(data_dir).st_mtime in (midnight - 86400, midnight) else midnight
    for path in paths:
        info = os.stat(path, follow_symlinks=False)
        for name, value in (("atime", info.st_atime), ("mtime", info.st_mtime), ("ctime", info.st_ctime),
                            ("btime", births.get(path, 0.0))):
            assert not _near(value, windows), (path, name, value, windows)
        assert info.st_mtime == midnight, path
        assert info.st_ctime >= tick_start, path
    return len(paths)


def _number_near(value: float, windows) -> bool:
    return any(_near(value / scale, windows) for scale in (1, 1e3, 1e6, 1e9))


def _check_rows(database_url: str, windows, backend: str) -> dict[str, int]:
    clock = {time.strftime("%H:%M:%S", time.gmtime(second)) for start, end in windows
             for second in range(int(start - TOLERANCE), int(end + TOLERANCE) + 1)}
    clock |= {time.strftime("%H:%M:%S", time.localtime(second)) for start, end in windows
              for second in range(int(start - TOLERANCE), int(end + TOLERANCE) + 1)}
    engine = create_engine(database_url)
    counts = {}
    try:
        tables = inspect(engine).get_table_names()
        with engine.connect() as connection:
            for table in tables:
                result = connection.execute(text(f'SELECT * FROM "{table}"'))
                columns, rows = list(result.keys()), result.all()
                counts[table] = len(rows)
                for row in rows:
                    for column, value in zip(columns, row):
                        where = (table, column, value)
                        assert not isinstance(value, (dt.datetime, dt.time)), where
                        if isinstance(value, (int, float)) and not isinstance(value, bool):
                            assert not _number_near(float(value), windows), where
                        if isinstance(value, str):
                            assert not any(stamp in value for stamp in clock), where
            assert connection.execute(text("SELECT COUNT(*) FROM blobs WHERE tick IS NOT NULL OR NOT complete")).scalar() == 0
            assert connection.execute(text("SELECT COUNT(*) FROM upload_sessions")).scalar() == 0
            # A full scan (SELECT *: no covering index) returns the table's own order.
            for table in ("submissions", "items", "blobs"):
                stored = [row.id for row in connection.execute(text(f"SELECT * FROM {table}"))]
                assert stored == sorted(stored), table  # key order, not arrival order
            chunks = [(row.blob_id, row.seq) for row in connection.execute(text("SELECT * FROM blob_chunks"))]
            assert chunks == sorted(chunks)
            if backend == "postgresql":
                for table in ("submissions", "items", "blobs", "blob_chunks"):
                    xmins = {row[0] for row in connection.execute(text(f"SELECT xmin::text FROM {table}"))}
                    assert len(xmins) == 1, (table, xmins)
    finally:
        engine.dispose()
    return counts


def test_no_time_of_day_and_no_arrival_order_survive_the_tick(request, backend, tmp_path, reviewer):
    site = install(request, tmp_path, backend, reviewer)
    public = reviewer.secret.public_key
    time.sleep(AFTER_LAST)  # the installation's own files are not a submission's
    windows = []
    with serve(site.env, site.logs, workers=2) as server:
        time.sleep(AFTER_LAST)
        for index in range(REPORTS):
            start = time.time()
            if index % 2:
                _js_submit(server.url, public, str(index))
            else:
                _nojs_submit(server.url, str(index))
            windows.append((start, time.time()))
            time.sleep(GAP)
        time.sleep(max(0.0, windows[-1][1] + AFTER_LAST - time.time()))
        tick_start = time.time()
        assert tick_start >= windows[-1][1] + AFTER_LAST
        ticked = resguardo(["tick"], site.env)
        assert "file times set to today 00:00 UTC" in ticked.stdout
        checked = _check_files(site.data_dir, windows, int(tick_start))
        counts = _check_rows(site.database_url, windows, backend)
    assert checked >= (4 if backend == "sqlite" else 2)  # the directory, the secret key (, the database and its WAL)
    assert counts["submissions"] == REPORTS
    assert counts["items"] == 2 * REPORTS
    assert counts["blobs"] == 2 * REPORTS

"""200 reporters submit at the same moment to 4 gunicorn workers while the
operator exports, on SQLite and on PostgreSQL.

Every POST must get its 200 receipt page (zero 5xx, zero dropped), the database must hold
exactly 200 submissions, and the bundles written during and after the load
must hold each of them exactly once, each decrypting to its own content
(description and attachment carry the same unique canary, the attachment's
SHA-256 is what was sent). No canary may be in any byte the server wrote.
The figures are printed (run pytest with -s); bench/load.py prints the
same by hand.
"""

from __future__ import annotations

import hashlib
import subprocess

import pytest

from tests.support.canary import scan
from tests.support.figures import record
from tests.support.live import BIN, serve
from tests.support.load import bundles_in, canary_of, run_load
from tests.support.site import read_bundle

pytestmark = [pytest.mark.live, pytest.mark.slow]

REPORTERS = 200
WORKERS = 4


def test_200_concurrent_submissions_while_exporting(site, reviewer):
    usb = site.base / "usb"

    def export() -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "resguardo"), "export", "--out", str(usb)],
                              env=site.env, capture_output=True, text=True, timeout=120)

    with serve(site.env, site.logs, workers=WORKERS) as server:
        figures = run_load(server.url, REPORTERS, export=export)
    record(figures.summary(site.backend))

    assert [item.error for item in figures.sent if item.error] == []
    assert figures.statuses == {200: REPORTERS}
    assert figures.server_errors == 0
    assert figures.exports, "no export ran during the load"
    assert [(run.returncode, run.stderr) for run in figures.exports] == [(0, "")] * len(figures.exports)
    during = len(bundles_in(usb))
    site.export(usb)  # whatever arrived after the last export during the load

    assert len(site.rows()) == REPORTERS
    expected = {item.canary: item.attachment_sha256 for item in figures.sent}
    seen: dict[str, str] = {}
    for bundle in bundles_in(usb):
        for submission_id, report, files in read_bundle(bundle, reviewer.secret):
            canary = canary_of(report["fields"]["description"].encode())
            assert submission_id not in seen
            assert [canary_of(data) for data in files] == [canary]
            assert [hashlib.sha256(data).hexdigest() for data in files] == [expected[canary]]
            seen[submission_id] = canary
    assert sorted(seen.values()) == sorted(expected)
    record(f"load [{site.backend}]: {during} bundles written during the load, "
          f"{len(bundles_in(usb))} in all, {len(seen)} submissions exported once each")

    roots = [site.data_dir, site.server_tmp, site.logs, usb, *site.database_files()]
    assert scan(roots, [figures.prefix.encode()]) == []

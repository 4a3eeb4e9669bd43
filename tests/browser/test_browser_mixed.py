"""A mixed reviewer set (one X-Wing key, one older X25519 key) in real Chromium.

One small report with a file goes through the form in each mode (WebAssembly,
jitless, JavaScript off); the page says the report is not post-quantum
protected; every stored item is one envelope v2 with an X-Wing and an X25519
stanza; the export opens with either reviewer's key, to the same content.
"""

from __future__ import annotations

import io
import secrets
import tarfile

import pytest

import keys
from tests.browser.chromium import MODES, Sent, fill_and_send, installation, launch, new_page, require_chromium
from tests.support.live import gunicorn, resguardo
from tests.support.samples import all_reports
from tests.support.site import read_bundle

pytestmark = pytest.mark.live


def test_mixed_set_every_mode(tmp_path, reviewer, reviewer_x25519):
    sync_api = require_chromium()
    env = installation(tmp_path, reviewer)
    resguardo(["reviewer", "add", str(reviewer_x25519.public_file)], env)
    sample = all_reports()[0]
    attachment = tmp_path / "nota.txt"
    attachment.write_bytes(b"CANARY-MIXED-" + secrets.token_hex(8).encode())
    statuses = {}
    with gunicorn(env, tmp_path / "logs") as url, sync_api.sync_playwright() as playwright:
        for mode in MODES:
            browser = launch(playwright, mode)
            try:
                context, page = new_page(browser, mode, Sent())
                page.goto(url + "/")
                statuses[mode] = page.get_attribute("#pq-status", "data-post-quantum")
                fields = dict(sample.fields)
                fields["description"] = f"mixed set [{mode}]"
                fill_and_send(page, url, fields, [attachment], javascript=mode != "nojs")
                context.close()
            finally:
                browser.close()
    assert statuses == {mode: "no" for mode in MODES}
    exported = resguardo(["export", "--out", str(tmp_path / "usb")], env)
    bundle = exported.stdout.split("bundle: ")[1].split()[0]
    with tarfile.open(bundle) as tar:
        for member in tar.getmembers():
            if member.name.startswith("items/"):
                header = keys.read_header(io.BytesIO(tar.extractfile(member).read()))
                assert header.version == 2 and header.kinds == ("xwing", "x25519")
    by_xwing = read_bundle(bundle, reviewer.secret)
    by_x25519 = read_bundle(bundle, reviewer_x25519.secret)
    assert by_xwing == by_x25519
    assert sorted(report["fields"]["description"] for _, report, _ in by_xwing) == sorted(
        f"mixed set [{mode}]" for mode in MODES)
    assert all(files == [attachment.read_bytes()] for _, _, files in by_xwing)

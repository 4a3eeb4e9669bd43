"""Sealing ahead in real Chromium: the form's seal worker makes the envelope headers while
the reporter writes, and "send" uses every one of them (seal-worker.js 'prepare').

Two reviewer keys (X-Wing and X25519), WebAssembly mode (the pool logic is the same
without it, only slower). The worker's pool is read through Playwright (DevTools
evaluation, which the page's CSP does not govern): one header once the form is ready,
one more per attached file, the surplus wiped when a file is removed, none left and
none wanted after "send"; the export opens with either key, to what was sent.
"""

from __future__ import annotations

import secrets
import time

import pytest

from tests.browser.chromium import Sent, fill_and_send, installation, launch, new_page, require_chromium
from tests.support.live import gunicorn, resguardo
from tests.support.samples import all_reports
from tests.support.site import read_bundle

pytestmark = pytest.mark.live

POOL = "() => ({ready: pool.ready.length, wanted: pool.wanted, making: pool.making !== null})"


def _pool_becomes(page, expected: dict, timeout_s: float = 60) -> None:
    """Wait until the seal worker's pool is ``expected`` ({ready, wanted, making})."""
    worker = page.workers[0]
    deadline = time.monotonic() + timeout_s
    while (seen := worker.evaluate(POOL)) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"the seal worker's pool is {seen}, not {expected}")
        time.sleep(0.05)


def test_headers_are_made_while_writing_and_send_uses_them(tmp_path, reviewer, reviewer_x25519):
    sync_api = require_chromium()
    env = installation(tmp_path, reviewer)
    resguardo(["reviewer", "add", str(reviewer_x25519.public_file)], env)
    files = [tmp_path / "uno.txt", tmp_path / "dos.txt"]
    for path in files:
        path.write_bytes(b"CANARY-AHEAD-" + secrets.token_hex(8).encode())
    fields = dict(all_reports()[0].fields)
    fields["description"] = "sealed ahead " + secrets.token_hex(4)

    def before_send(page):
        _pool_becomes(page, {"ready": 3, "wanted": 3, "making": False})  # the report and two files
        page.set_input_files("#attachments", [str(files[0])])
        _pool_becomes(page, {"ready": 2, "wanted": 2, "making": False})  # the surplus header is wiped
        page.set_input_files("#attachments", [str(path) for path in files])
        _pool_becomes(page, {"ready": 3, "wanted": 3, "making": False})

    with gunicorn(env, tmp_path / "logs") as url, sync_api.sync_playwright() as playwright:
        browser = launch(playwright, "wasm")
        try:
            context, page = new_page(browser, "wasm", Sent())
            page.goto(url + "/")
            page.wait_for_selector("#report-form[data-sealing=browser]", state="attached")
            _pool_becomes(page, {"ready": 1, "wanted": 1, "making": False})  # the report's, before any input
            facts = fill_and_send(page, url, fields, files, javascript=True, before_send=before_send)
            assert facts == ("wasm", "browser")
            _pool_becomes(page, {"ready": 0, "wanted": 0, "making": False})  # all three used by "send"
            context.close()
        finally:
            browser.close()
    exported = resguardo(["export", "--out", str(tmp_path / "usb")], env)
    bundle = exported.stdout.split("bundle: ")[1].split()[0]
    by_xwing = read_bundle(bundle, reviewer.secret)
    assert read_bundle(bundle, reviewer_x25519.secret) == by_xwing
    [(_, report, attached)] = by_xwing
    assert report["fields"]["description"] == fields["description"]
    assert sorted(attached) == sorted(path.read_bytes() for path in files)

"""A small report over a slow link, in real Chromium (JavaScript on, WebAssembly).

- The report and its small files go in ONE request, with nothing before it:
  no ``/upload/begin`` (the page carried the ids: its ticket), no PUT, no
  per-item create/finish (intake/upload/inline.py); every envelope is a small
  one (16 KiB chunk).
- Under Chrome DevTools' network emulation (20 KB/s up), the progress bar
  moves while the request is still going out: progress from the first byte.
- When the link drops (emulated offline), the live region says
  "reconnecting" within seconds; when it comes back, the report arrives once.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.browser.chromium import live_form, reviewed_reports
from tests.support.samples import all_reports

pytestmark = pytest.mark.live

RECONNECTING = "Se perdió la conexión. Reconectando…"


def _open(page, url: str) -> None:
    page.goto(url + "/")
    page.wait_for_selector("#report-form[data-sealing=browser]", state="attached", timeout=60_000)


def test_a_small_report_is_one_request_with_progress_from_the_first_byte(tmp_path, reviewer):
    sample = next(s for s in all_reports() if len(s.attachments) == 2)  # a JPEG of 145 KB and a PNG
    with live_form(tmp_path, reviewer) as live:
        page = live.page
        _open(page, live.url)
        page.fill("#description", "CANARY-TEXT-slow-link")
        page.set_input_files("#attachments", [str(path) for path in sample.attachments])
        cdp = live.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions",
                 {"offline": False, "latency": 100, "uploadThroughput": 20_000, "downloadThroughput": -1})
        page.click("#send-report")
        # About 260 KB at 20 KB/s: some 13 s in flight; the bar moves long before the end.
        page.wait_for_function(
            "() => { const v = document.getElementById('seal-bar').value; return v > 100 && v < 900; }",
            timeout=20_000)
        page.wait_for_selector("#browser-received", state="visible", timeout=60_000)  # the receipt, in the page
    sent, env = live.sent, live.env
    uploads = [(method, address.split("/upload/")[1]) for method, address, _ in sent.bodies if "/upload/" in address]
    assert uploads == [("POST", "submit")]
    (body,) = [data for method, address, data in sent.bodies if address.endswith("/upload/submit")]
    assert b"CANARY" not in body
    inline = json.loads(body[4 : 4 + int.from_bytes(body[:4], "big")])["inline"]
    # the JPEG (144 550 bytes: three 64 KiB chunks), then the PNG and the report, each
    # one 16 KiB chunk (docs/FORMAT.md "V2 padding"), with an X-Wing stanza and the signature
    assert [size for _, size in inline] == [1303 + 3 * 65553 + 64, 17768, 17768]
    (report,) = reviewed_reports(env, tmp_path, reviewer)
    assert report["fields"]["description"] == "CANARY-TEXT-slow-link"
    assert [a["filename"] for a in report["attachments"]] == [path.name for path in sample.attachments]


def test_a_dropped_link_says_reconnecting_within_seconds_and_the_report_arrives_once(tmp_path, reviewer):
    with live_form(tmp_path, reviewer) as live:
        page = live.page
        _open(page, live.url)
        page.fill("#description", "CANARY-TEXT-dropped")
        cdp = live.context.new_cdp_session(page)
        cdp.send("Network.enable")
        page.wait_for_timeout(1500)  # the receipt made ahead (on the first input) is ready
        cdp.send("Network.emulateNetworkConditions",
                 {"offline": True, "latency": 0, "uploadThroughput": -1, "downloadThroughput": -1})
        started = time.monotonic()
        page.click("#send-report")
        page.wait_for_function(
            f"() => document.getElementById('seal-status').textContent === {json.dumps(RECONNECTING)}",
            timeout=5_000)
        assert time.monotonic() - started < 5
        status = page.locator("#seal-status")
        assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
        page.wait_for_timeout(2000)
        assert page.locator("#seal-status").text_content() == RECONNECTING  # still, not "sending"
        cdp.send("Network.emulateNetworkConditions",
                 {"offline": False, "latency": 0, "uploadThroughput": -1, "downloadThroughput": -1})
        page.wait_for_selector("#browser-received", state="visible", timeout=60_000)  # the receipt, in the page
    (report,) = reviewed_reports(live.env, tmp_path, reviewer)
    assert report["fields"]["description"] == "CANARY-TEXT-dropped"

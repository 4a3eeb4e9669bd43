"""Every envelope v2 vector (tests/vectors/envelope2_*) through the check-back reader in real
Chromium: the Python -> Chromium-worker half of issue 9's "interop both ways" on the vectors.

tests/js/vectors2.test.js runs the same files through envelope-reader.js in node; here a
dedicated Web Worker in Debian's headless Chromium (Playwright), served under the production
CSP (script-src 'self' 'wasm-unsafe-eval', worker-src 'self'), importScripts exactly the
scripts checkback-worker.js imports (read from that file) and calls
ResguardoEnvelopeReader.open(envelope, [identity]) as it does. Each vector must give its
exact outcome: the payload's length and SHA-256 for ``expect: success``, else the exact
error class named by tests/support/vectors.py's EXPECT_TYPES (the class keys/ raises; a
subclass does not count). One browser, one page, one worker, all vectors in one evaluate;
WebAssembly on and, as a second run, ``--js-flags=--jitless`` (libsodium's pure-JS build).
Skipped without /usr/bin/chromium or playwright.
"""

from __future__ import annotations

import base64
import http.server
import re
import threading
from pathlib import Path

import pytest

from tests.browser.chromium import ARGS, CHROMIUM, require_chromium
from tests.support.vectors import EXPECT_TYPES, parse_vector

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "intake" / "static"
WORKER = Path(__file__).with_name("browser_vectors_worker.js")
VECTOR_FILES = sorted((ROOT / "tests" / "vectors").glob("envelope2_*"))
FIELDS = {"expect", "identity", "identity-kind", "payload-size", "payload-sha256", "comment"}
CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'"


def checkback_scripts() -> list[str]:
    """The importScripts arguments of checkback-worker.js, without their '+ versionOf(..)' queries,
    relative to /static/js/ (e.g. ['../vendor/sodium.js', 'envelope.js', ...])."""
    source = (STATIC / "js" / "checkback-worker.js").read_text(encoding="utf-8")
    call = re.search(r"importScripts\((.*?)\);", source, re.S)
    assert call is not None
    return re.findall(r"'([^']+\.js)'", call.group(1))


class _Handler(http.server.BaseHTTPRequestHandler):
    """/static/* from intake/static, /static/js/vectors-worker.js (the test worker), /blank.html."""

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def do_GET(self):  # noqa: N802
        path = self.path.split("?")[0]
        body, kind = b"not found", "text/plain"
        status = 404
        if path == "/blank.html":
            status, body, kind = 200, b"<!doctype html><title>vectors</title>", "text/html; charset=utf-8"
        elif path == "/static/js/vectors-worker.js":
            status, body, kind = 200, WORKER.read_bytes(), "text/javascript"
        elif path.startswith("/static/"):
            file = (STATIC / path[len("/static/"):]).resolve()
            if file.is_relative_to(STATIC) and file.is_file() and file.suffix == ".js":
                status, body, kind = 200, file.read_bytes(), "text/javascript"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def _vectors() -> tuple[list[dict], dict[str, dict]]:
    """(what the worker gets, the expected outcome by vector name, in the worker's result shape)."""
    sent, expected = [], {}
    for path in VECTOR_FILES:
        fields, envelope = parse_vector(path.read_bytes(), FIELDS)
        sent.append({"name": path.name, "kind": fields["identity-kind"], "identity": fields["identity"],
                     "envelope": base64.b64encode(envelope).decode()})
        if fields["expect"] == "success":
            expected[path.name] = {"ok": True, "size": int(fields["payload-size"]),
                                   "sha256": fields["payload-sha256"]}
        else:
            expected[path.name] = {"ok": False, "error": EXPECT_TYPES[fields["expect"]].__name__, "exported": True}
    return sent, expected


RUN = """async ({ scripts, vectors }) => {
  const worker = new Worker('/static/js/vectors-worker.js');
  try {
    return await new Promise((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => reject(new Error('worker error: ' + event.message));
      worker.postMessage({ scripts, vectors });
    });
  } finally {
    worker.terminate();
  }
}"""


@pytest.mark.parametrize("mode", ["wasm", "jitless"])
def test_every_v2_vector_in_the_checkback_reader_in_chromium(mode):
    """Each envelope2_* vector: the outcome in Chromium's worker equals its file's ``expect``
    (success: payload length and SHA-256; failure: exact class name, and that class is the one
    envelope.js/envelope2.js export); the scripts are checkback-worker.js's, in its order."""
    playwright_api = require_chromium()
    scripts = checkback_scripts()
    assert scripts == ["../vendor/sodium.js", "envelope.js", "envelope2-header.js", "envelope2.js",
                       "envelope-reader.js", "receipt-words.js", "receipt.js"]
    sent, expected = _vectors()
    assert len(sent) >= 20
    assert sum(outcome["ok"] for outcome in expected.values()) >= 7
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with playwright_api.sync_playwright() as playwright:
            flags = ["--js-flags=--jitless"] if mode == "jitless" else []
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS + flags)
            try:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/blank.html")
                reply = page.evaluate(RUN, {"scripts": scripts, "vectors": sent})
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    assert "failure" not in reply, reply.get("failure")
    assert reply["wasm"] is (mode == "wasm")
    got = {}
    for result in reply["results"]:
        name = result.pop("name")
        result.pop("message", None)
        got[name] = result
    assert got == expected

"""A browser-sealed upload survives two dropped connections and resumes where the server stopped.

Playwright intercepts the page's PUTs of ciphertext pieces. The 3rd PUT is
dropped before it reaches the server (the piece must be sent again); the 6th
reaches the server but its answer is dropped (the browser must learn from
``GET /upload/<id>`` that the server already holds it, and not send it again).
The file then decrypts, after export and review import, to the same SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import secrets

import pytest

from tests.browser.chromium import (
    Sent, export_and_review, fill_and_send, installation, launch, new_page, require_chromium,
)
from tests.support.live import gunicorn

pytestmark = pytest.mark.live

SIZE = 6 * 1024 * 1024  # 97 chunks of content -> Padmé 104 chunks -> 7 PUTs of up to 16 chunks
FILE_PUTS = 7
REPORT_PUTS = 0  # the report's envelope goes inside the final submit (intake/upload/inline.py)


def test_upload_resumes_after_two_dropped_connections(tmp_path, reviewer):
    sync_api = require_chromium()
    env = installation(tmp_path, reviewer)
    content = secrets.token_bytes(SIZE)
    path = tmp_path / "video.bin"
    path.write_bytes(content)
    puts = []  # (offset, length, fate)
    statuses = []

    def on_put(route):
        request = route.request
        offset = int(request.url.split("offset=")[1])
        number = len(puts) + 1
        body = request.post_data_buffer
        if number == 3:
            puts.append((offset, len(body), "dropped before the server"))
            route.abort("connectionreset")
        elif number == 6:
            route.fetch()  # the server appends it ...
            puts.append((offset, len(body), "dropped after the server"))
            route.abort("connectionreset")  # ... but the browser never hears back
        else:
            puts.append((offset, len(body), "sent"))
            route.continue_()

    with gunicorn(env, tmp_path / "logs") as url, sync_api.sync_playwright() as playwright:
        browser = launch(playwright, "wasm")
        try:
            context, page = new_page(browser, "wasm", Sent())
            page.route("**/upload/*?offset=*", on_put)
            page.on("request", lambda r: statuses.append(r.url) if r.method == "GET" and "/upload/" in r.url else None)
            facts = fill_and_send(page, url, {"description": "resume test"}, [path], javascript=True)
            context.close()
        finally:
            browser.close()
    assert facts == ("wasm", "browser")

    fates = [fate for _, _, fate in puts]
    assert len(puts) == FILE_PUTS + REPORT_PUTS + 1
    assert fates.count("dropped before the server") == 1 and fates.count("dropped after the server") == 1
    assert puts[3][:2] == puts[2][:2]  # the dropped piece, sent again from the same offset
    assert puts[6][0] == puts[5][0] + puts[5][1]  # the next piece: nothing sent twice
    assert len(statuses) == 2  # one "how much do you hold?" per drop

    imported, cases = export_and_review(env, tmp_path, reviewer)
    assert imported.returncode == 0, imported.stderr
    (case,) = [c for c in cases.iterdir() if not c.name.startswith(("_", "."))]
    report = json.loads((case / "report.json").read_text("utf-8"))
    assert report["attachments"][0]["size"] == SIZE
    assert report["attachments"][0]["blake2b_256"] == hashlib.blake2b(content, digest_size=32).hexdigest()
    assert hashlib.sha256((case / "attachments" / "video.bin").read_bytes()).hexdigest() == \
        hashlib.sha256(content).hexdigest()

"""After "received", the Back button must not bring the report back (a shared device).

JavaScript off (Tor Browser "Safest"): the form is sent, the POST answers with
the receipt page itself, the reporter presses Back. Chromium restores a form's fields from
session history unless the page forbids it (``autocomplete="off"``) and keeps
whole pages in its back/forward cache unless they are ``no-store``.
"""

from __future__ import annotations

import secrets

import pytest

from tests.browser.chromium import Sent, installation, launch, new_page, require_chromium
from tests.support.live import gunicorn

pytestmark = pytest.mark.live


def test_back_after_received_shows_an_empty_form(tmp_path, reviewer):
    sync_api = require_chromium()
    env = installation(tmp_path, reviewer)
    secret = f"CANARY-BACK-{secrets.token_hex(6)}"
    with gunicorn(env, tmp_path / "logs") as url, sync_api.sync_playwright() as playwright:
        browser = launch(playwright, "nojs")
        try:
            context, page = new_page(browser, "nojs", Sent())
            page.goto(url + "/")
            page.fill("#description", "lo que pasó " + secret)
            page.fill("#contact", "contacto " + secret)
            with page.expect_navigation(url="**/submit"):
                page.click("#send-report")
            assert page.locator("#receipt-words").count() == 1
            answer = page.go_back()
            assert page.url.rstrip("/") == url
            assert answer is None or answer.headers.get("cache-control") == "no-store"
            assert page.input_value("#description") == ""
            assert page.input_value("#contact") == ""
            assert secret not in page.content()
            context.close()
        finally:
            browser.close()

"""axe-core finds no accessibility violation on the receipt and check-back pages (es and en).

Pages: the form (with "what happens next"), the receipt page of the
no-JavaScript path, the receipt shown in place by the browser path, the
check-back in the browser with its follow-up form (sealed in the browser),
its problem notice and its confirmation, the check-back form, its "no report
matches" answer, the status page with a reply and the follow-up form, and the
follow-up confirmation. axe needs
script, so the no-JavaScript pages are reached with the page's own scripts
blocked (the form then posts as it does without JavaScript) in a context
that bypasses the CSP only to inject the vendored axe.min.js.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import tarfile

import pytest

import keys
from tests.browser.chromium import installation, launch, require_chromium
from tests.browser.test_browser_workspace import AXE, AXE_SHA256, _check_axe
from tests.support import returns
from tests.support.live import gunicorn, resguardo

RECEIPT = re.compile(r"^[a-z]+( [a-z]+){7}$")


def _audit(page) -> None:
    page.add_script_tag(path=str(AXE))
    _check_axe(page)


@pytest.mark.parametrize("locale", ["es-PE", "en-GB"])
def test_receipt_and_checkback_pages_are_accessible(tmp_path, reviewer, locale):
    sync_api = require_chromium()
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256
    env = installation(tmp_path, reviewer)
    org = keys.SigningSecretKey.generate("Org")
    keys.write_signing_public_key_file(tmp_path / "data" / "reply-signing.pub", org.public_key)
    env.update({"RESGUARDO_ORG_NAME": "Colectivo Prueba", "RESGUARDO_READ_WITHIN_DAYS": "3",
                "RESGUARDO_EMERGENCY_CONTACT": "+51 1 000 0000"})
    with gunicorn(env, tmp_path / "logs") as url, sync_api.sync_playwright() as playwright:
        browser = launch(playwright, "wasm")
        try:
            # The browser path: the receipt shown in place.
            context = browser.new_context(java_script_enabled=True, bypass_csp=True, locale=locale)
            page = context.new_page()
            page.goto(url + "/")
            page.wait_for_selector("#report-form[data-sealing=browser]", state="attached", timeout=180_000)
            _audit(page)
            page.fill("#description", "axe browser path")
            page.click("#send-report")
            page.wait_for_selector("#browser-received", state="visible", timeout=180_000)
            js_receipt = page.text_content("#browser-receipt-words").strip()
            assert RECEIPT.match(js_receipt)
            _audit(page)

            # Check back and add a follow-up, both in the browser (JavaScript on).
            page.goto(url + "/checkback")
            page.wait_for_selector("#checkback-form[data-sealing=browser]", state="attached", timeout=180_000)
            page.wait_for_selector("#follow-up-form[data-sealing=browser]", state="attached", timeout=180_000)
            page.fill("#receipt", js_receipt)
            page.click("#checkback-form button[type=submit]")
            page.wait_for_selector("#follow-up-browser-path", state="visible", timeout=120_000)
            _audit(page)
            page.click("#follow-up-form button[type=submit]")  # nothing written: the problem is shown
            page.wait_for_selector("#follow-up-error", state="visible")
            _audit(page)
            page.fill("#message", "más información, cifrada en el navegador")
            page.click("#follow-up-form button[type=submit]")
            page.wait_for_selector("#follow-up-done", state="visible", timeout=180_000)
            _audit(page)
            context.close()

            # The no-JavaScript pages (the page's scripts blocked).
            context = browser.new_context(java_script_enabled=True, bypass_csp=True, locale=locale)
            page = context.new_page()
            page.route(re.compile(r".*/static/js/.*"), lambda route: route.abort())
            page.goto(url + "/")
            page.fill("#description", "axe no-JS path")
            with page.expect_navigation():
                page.click("#send-report")
            receipt = page.text_content("#receipt-words").strip()
            assert RECEIPT.match(receipt)
            _audit(page)
            exported = resguardo(["export", "--out", str(tmp_path / "usb")], env)
            assert exported.returncode == 0, exported.stderr
            [bundle] = (tmp_path / "usb").glob("*.tar")
            with tarfile.open(bundle) as archive:
                manifest = json.loads(archive.extractfile("manifest.json").read())
                entries = []
                for submission in manifest["submissions"]:
                    report = next(i for i in submission["items"] if i["kind"] == "report")
                    doc = json.loads(keys.open_envelope(archive.extractfile(f"items/{report['id']}").read(), [reviewer.secret]))
                    key = keys.XWingPublicKey.from_bytes(base64.b64decode(doc["reply_to"]["public_key"]))
                    entries.append((submission["id"], key, "Recibimos su denuncia.\nGracias."))
            back = returns.build(tmp_path / "r.tar", org, entries, [e[0] for e in entries])
            assert resguardo(["import-return", str(back)], env).returncode == 0
            page.goto(url + "/checkback")
            _audit(page)
            page.fill("#receipt", "no es un comprobante")
            with page.expect_navigation():
                page.click("#checkback-form button[type=submit]")
            assert page.locator(".notice.error:visible").count() == 1
            _audit(page)
            page.fill("#receipt", receipt)
            with page.expect_navigation():
                page.click("#checkback-form button[type=submit]")
            page.wait_for_selector(".reply-text")
            _audit(page)
            page.fill("#message", "más información")
            with page.expect_navigation():
                page.click("#follow-up-form button[type=submit]")
            _audit(page)
            context.close()
        finally:
            browser.close()


def test_follow_up_falls_back_to_the_site_when_the_seal_worker_cannot_start(tmp_path, reviewer):
    """No seal worker: the follow-up goes as the plain form, sealed by the site (the receipt travels then)."""
    sync_api = require_chromium()
    env = installation(tmp_path, reviewer)
    with gunicorn(env, tmp_path / "logs") as url, sync_api.sync_playwright() as playwright:
        browser = launch(playwright, "wasm")
        try:
            context = browser.new_context(java_script_enabled=True, locale="en-GB")
            page = context.new_page()
            page.goto(url + "/")
            page.wait_for_selector("#report-form[data-sealing=browser]", state="attached", timeout=180_000)
            page.fill("#description", "fallback follow-up")
            page.click("#send-report")
            page.wait_for_selector("#browser-received", state="visible", timeout=180_000)
            receipt = page.text_content("#browser-receipt-words").strip()
            posted = []
            page.on("request", lambda request: posted.append((request.url, request.post_data_buffer or b"")))
            page.route(re.compile(r".*/static/js/seal-worker\.js.*"), lambda route: route.abort())
            page.goto(url + "/checkback")
            page.wait_for_selector("#follow-up-form[data-sealing=unavailable]", state="attached", timeout=180_000)
            page.wait_for_selector("#checkback-form[data-sealing=browser]", state="attached", timeout=180_000)
            page.fill("#receipt", receipt)
            page.click("#checkback-form button[type=submit]")
            page.wait_for_selector("#follow-up", state="visible", timeout=120_000)
            assert page.is_visible("#follow-up-server-path") and not page.is_visible("#follow-up-browser-path")
            page.fill("#message", "sealed by the site")
            with page.expect_navigation():
                page.click("#follow-up-form button[type=submit]")
            assert page.text_content("h1").strip() == "Your message was received"
            [(where, body)] = [(where, body) for where, body in posted if where.endswith("/checkback/follow-up")]
            assert receipt.encode() in body and b"sealed by the site" in body
            assert not any(where.endswith("/upload/submit") for where, _ in posted)
            context.close()
        finally:
            browser.close()

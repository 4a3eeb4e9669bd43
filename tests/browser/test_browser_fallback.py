"""JavaScript on, browser sealing impossible: never post plaintext silently.

If the crypto cannot load, or the public keys in the page do not match the
fingerprints shown, a calm notice at the top of the form says so and that the
site will encrypt the report when it arrives; the page neither scrolls nor
moves the focus on load. The main button is relabelled "send report, encrypted
by the site": pressing it is the explicit choice that posts the normal form,
and the server seals it as without JS. An empty description is still caught
before anything is posted.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from tests.browser.chromium import RECEIVED_URL, live_form, reviewed_reports

pytestmark = pytest.mark.live


def _break_sodium(route):
    route.abort("failed")


def _swap_keys(route):
    """Serve the form with another 32-byte key in data-public-key (fingerprints unchanged)."""
    response = route.fetch()
    html = response.text()
    start = html.index('data-public-key="') + len('data-public-key="')
    end = html.index('"', start)
    forged = base64.b64encode(bytes(range(32))).decode()
    route.fulfill(response=response, body=html[:start] + forged + html[end:])


@pytest.mark.parametrize(("breakage", "pattern", "handler", "message"), [
    ("crypto", "**/static/vendor/sodium.js*", _break_sodium,
     "El cifrado en su navegador no está disponible en este dispositivo."),
    ("keys", "**/", _swap_keys,
     "Las claves de las personas revisoras de esta página no coinciden con sus códigos de comprobación, "
     "así que su navegador no cifrará para ellas."),
])
def test_failure_is_shown_and_server_sealing_is_an_explicit_choice(tmp_path, reviewer, breakage, pattern, handler, message):
    with live_form(tmp_path, reviewer) as live:
        url, page, sent = live.url, live.page, live.sent
        page.route(pattern, handler)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(url + "/")
        page.wait_for_selector("#report-form[data-sealing=unavailable]", state="attached", timeout=60_000)
        notice = page.locator("#browser-unavailable")
        assert notice.is_visible()
        assert page.locator("#browser-unavailable-text").text_content() == message
        assert "será cifrada por este sitio" in notice.inner_text()
        assert notice.evaluate("n => n.getBoundingClientRect().top") < page.locator("#description").evaluate(
            "n => n.getBoundingClientRect().top")
        assert page.locator("#seal-error").is_hidden()
        assert page.evaluate("window.scrollY") == 0
        assert page.evaluate("document.activeElement === document.body")
        assert page.locator("#browser-path").is_hidden()
        assert page.locator("#sealing-path").is_visible()
        assert page.locator("#send-report").text_content() == "Enviar denuncia para que la cifre el sitio"
        if os.environ.get("RESGUARDO_SCREENSHOTS"):
            page.screenshot(path=str(Path(os.environ["RESGUARDO_SCREENSHOTS"]) / f"unavailable-{breakage}.png"))
        page.click("#send-report")  # no description: caught before anything is posted
        page.locator("#check-form").wait_for(state="visible")
        assert page.url == url + "/"
        assert not [b for m, u, b in sent.bodies if m == "POST"]
        page.fill("#description", f"CANARY-TEXT-fallback-{breakage}")
        with page.expect_navigation(url=RECEIVED_URL, timeout=60_000):
            page.click("#send-report")
    posts = [u for m, u, _ in sent.bodies if m == "POST"]
    assert posts == [url + "/submit"]
    (report,) = reviewed_reports(live.env, tmp_path, reviewer)
    assert report["sealed_by"] == "server"
    assert report["fields"]["description"] == f"CANARY-TEXT-fallback-{breakage}"

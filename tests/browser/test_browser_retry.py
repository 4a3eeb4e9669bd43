"""The browser-sealing path when the network or the reporter's session fails, and when the form has problems.

- The final ``POST /upload/submit`` reaches the server (which stores the report)
  but its answer is lost: the script retries it, the server answers the repeat
  with the same success, and exactly one submission is stored.
- A 502 and a connection reset on the submit are retried too.
- When every answer to the submit is lost, the page says it cannot tell whether
  the report arrived (never "nothing was saved"), offers no server-sealing
  button, and pressing "send" again repeats only the submit: still one report.
- A blank description or too many files: errors next to the fields and a
  linked, focused summary at the top; no server-sealing button.
- An expired session (cookies cleared): a message for this page, no fallback.
- Cancel hides the cancel button; a sent form is cleared.

Playwright intercepts requests (route.fetch() lets one through to the server,
route.abort() then drops its answer). Screenshots (Spanish, 390x844) go to
``$RESGUARDO_SCREENSHOTS`` when set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.chromium import Sent, live_form, reviewed_reports

pytestmark = pytest.mark.live

VIEWPORT = {"width": 390, "height": 844}


def _shot(page, name: str) -> None:
    directory = os.environ.get("RESGUARDO_SCREENSHOTS")
    if directory:
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=False)


def _open(page, url: str) -> None:
    page.set_viewport_size(VIEWPORT)
    page.goto(url + "/")
    page.wait_for_selector("#report-form[data-sealing=browser]", state="attached", timeout=60_000)


def _posts(sent: Sent, path: str) -> int:
    return sum(1 for method, url, _ in sent.bodies if method == "POST" and url.endswith(path))


class Fates:
    """Per-URL scripts: ``fates["/upload/submit"] = ["lost", "502"]`` decides the next requests' fates."""

    def __init__(self, **fates: list[str]) -> None:
        self.fates = {f"/upload/{name}": list(value) for name, value in fates.items()}
        self.seen: list[tuple[str, str]] = []

    def __call__(self, route) -> None:
        path = "/" + route.request.url.split("/", 3)[3]
        script = self.fates.get(path, [])
        fate = script.pop(0) if script else "ok"
        self.seen.append((path, fate))
        if fate == "lost":  # the server gets it and answers; the browser never hears back
            route.fetch()
            route.abort("connectionreset")
        elif fate == "reset":  # dropped before the server
            route.abort("connectionreset")
        elif fate == "502":
            route.fulfill(status=502, body="<html>Bad Gateway</html>", content_type="text/html")
        else:
            route.continue_()


@pytest.mark.parametrize("fates", [
    {"submit": ["lost"]},
    {"submit": ["reset", "502", "lost"]},
], ids=["answer-lost", "reset-502-and-lost"])
def test_a_lost_or_failed_submit_is_retried_and_stored_once(tmp_path, reviewer, fates):
    script = Fates(**fates)
    with live_form(tmp_path, reviewer) as live:
        url, page, sent = live.url, live.page, live.sent
        page.route("**/upload/submit", script)
        _open(page, url)
        page.fill("#description", "CANARY-TEXT-retry")
        page.click("#send-report")
        page.wait_for_selector("#browser-received", state="visible", timeout=60_000)
        assert page.input_value("#description") == ""  # the form is cleared under the receipt
        assert len(page.text_content("#browser-receipt-words").split()) == 8
    assert [fate for path, fate in script.seen if path == "/upload/submit"][-1] == "ok"
    assert _posts(sent, "/upload/submit") == len(fates["submit"]) + 1
    (report,) = reviewed_reports(live.env, tmp_path, reviewer)
    assert report["fields"]["description"] == "CANARY-TEXT-retry"


def test_an_unconfirmed_submit_says_so_and_sending_again_stores_one_report(tmp_path, reviewer):
    script = Fates(submit=["lost"] * 11)  # the first try and all ten retries
    with live_form(tmp_path, reviewer) as live:
        url, page, sent = live.url, live.page, live.sent
        page.clock.install()
        page.route("**/upload/submit", script)
        _open(page, url)
        page.fill("#description", "CANARY-TEXT-unconfirmed")
        page.click("#send-report")
        for _ in range(60):
            if page.locator("#seal-error").is_visible():
                break
            page.clock.fast_forward(31_000)  # through the backoff between retries
            page.wait_for_timeout(200)
        error = page.locator("#seal-error")
        assert error.is_visible()
        assert page.evaluate("document.activeElement.id") == "seal-error"
        assert page.text_content("#seal-error-title") == "No pudimos confirmar que su denuncia llegó"
        text = page.text_content("#seal-error-text")
        assert "no creará un duplicado" in text
        assert "No se guardó nada" not in error.inner_text()
        assert "cifrado en su navegador" not in error.inner_text()
        assert page.locator("#server-fallback").is_hidden()
        _shot(page, "unconfirmed")
        assert _posts(sent, "/upload/submit") == 11
        page.click("#send-report")
        page.wait_for_selector("#browser-received", state="visible", timeout=60_000)
    assert _posts(sent, "/upload/begin") == 0  # the page's ticket: sending again repeated only the submit
    (report,) = reviewed_reports(live.env, tmp_path, reviewer)
    assert report["fields"]["description"] == "CANARY-TEXT-unconfirmed"


def test_form_problems_are_shown_at_their_fields_and_summarised(tmp_path, reviewer):
    files = [tmp_path / "a.txt", tmp_path / "b.txt"]
    for path in files:
        path.write_bytes(b"x")
    with live_form(tmp_path, reviewer, environ={"RESGUARDO_MAX_ATTACHMENTS": "1"}) as live:
        url, page = live.url, live.page
        _open(page, url)
        assert "hasta 1 archivos" in page.text_content("#attachments-limits")
        assert "MiB" in page.text_content("#attachments-limits")
        assert "attachments-limits" in page.get_attribute("#attachments", "aria-describedby")
        page.set_input_files("#attachments", [str(path) for path in files])
        page.click("#send-report")
        summary = page.locator("#check-form")
        summary.wait_for(state="visible")
        assert page.evaluate("document.activeElement.id") == "check-form"
        links = page.locator("#check-form-list a")
        assert [links.nth(i).get_attribute("href") for i in range(links.count())] == ["#description", "#attachments"]
        for name in ("description", "attachments"):
            assert page.get_attribute(f"#{name}", "aria-invalid") == "true"
            assert f"{name}-check" in page.get_attribute(f"#{name}", "aria-describedby").split()
            assert page.locator(f"#{name}-check").is_visible()
        assert page.text_content("#description-check") == "Cuéntenos qué pasó."
        assert page.locator("#seal-error").is_hidden()
        assert page.locator("#server-fallback").is_hidden()
        _shot(page, "problems")
        links.first.click()
        assert page.evaluate("document.activeElement.id") == "description"
        page.fill("#description", "now it is fine")
        page.set_input_files("#attachments", [str(files[0])])
        page.click("#send-report")
        page.wait_for_selector("#browser-received", state="visible", timeout=60_000)
    assert _posts(live.sent, "/upload/begin") == 0  # a small report: the submit alone


def test_an_expired_session_says_what_to_do_and_offers_no_fallback(tmp_path, reviewer):
    with live_form(tmp_path, reviewer) as live:
        url, context, page = live.url, live.context, live.page
        _open(page, url)
        page.fill("#description", "CANARY-TEXT-expired")
        context.clear_cookies()  # the session cookie (and with it the CSRF token's secret) is gone
        page.click("#send-report")
        page.locator("#seal-error").wait_for(state="visible")
        assert page.text_content("#seal-error-title") == "Su sesión expiró"
        text = page.text_content("#seal-error-text")
        assert "vuelva a cargar esta página" in text and "solo en este dispositivo" in text
        assert "botón Atrás" not in text
        assert page.locator("#server-fallback").is_hidden()
        _shot(page, "session")
    assert not [u for m, u, _ in live.sent.bodies if m == "POST" and u.endswith("/submit") and "/upload/" not in u]


def test_cancel_hides_its_button(tmp_path, reviewer):
    large = tmp_path / "large.bin"
    large.write_bytes(os.urandom(1600 * 1024))  # past the inline budget: uploaded resumably, after a begin
    held = []
    with live_form(tmp_path, reviewer) as live:
        url, page = live.url, live.page
        page.route("**/upload/begin", lambda route: held.append(route))  # never answered: the reporter cancels
        _open(page, url)
        page.fill("#description", "to be cancelled")
        page.set_input_files("#attachments", [str(large)])
        page.click("#send-report")
        page.locator("#seal-cancel").wait_for(state="visible")
        page.click("#seal-cancel")
        page.wait_for_function("document.getElementById('seal-status').textContent.startsWith('Cancelado')")
        assert page.locator("#seal-cancel").is_hidden()
        assert page.locator("#seal-error").is_hidden()
        assert not page.locator("#send-report").is_disabled()
        _shot(page, "cancelled")

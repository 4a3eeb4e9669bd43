"""Driving the real report form in Debian's headless Chromium (Playwright, no downloaded browsers).

Modes (what a Tor Browser user may have):

- ``wasm``: JavaScript and WebAssembly ("Standard"): the browser seals.
- ``jitless``: ``--js-flags=--jitless``, no JIT and so no WebAssembly ("Safer"):
  the browser seals with libsodium's pure-JavaScript build (about 1 MB/s).
- ``nojs``: JavaScript off ("Safest"): the form posts and the server seals.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

#: Where a sent report lands: the JavaScript path goes to /received, the
#: no-JavaScript POST answers with the receipt page itself (URL /submit).
RECEIVED_URL = re.compile(r".*/(received|submit)$")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MODES = {"wasm": [], "jitless": ["--js-flags=--jitless"], "nojs": []}


def require_chromium():
    """Skip unless Debian's Chromium and the playwright package are present."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("no /usr/bin/chromium (apt-get install -y chromium)")
    return pytest.importorskip("playwright.sync_api")


@dataclass
class Sent:
    """What one browser sent: request bodies by URL, and the page's sealing facts."""

    bodies: list[tuple[str, str, bytes | None]] = field(default_factory=list)  # (method, url, body)
    build: str | None = None  # form[data-build]: "wasm", "js", or None without JavaScript
    sealing: str | None = None  # form[data-sealing]


def launch(playwright, mode: str):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS + MODES[mode])


def new_page(browser, mode: str, sent: Sent):
    """A fresh context (own cookies) and page that records every request body."""
    context = browser.new_context(java_script_enabled=(mode != "nojs"), locale="es-PE")
    page = context.new_page()

    def record(request):
        body = request.post_data_buffer if request.method in ("POST", "PUT") else None
        sent.bodies.append((request.method, request.url, body))

    page.on("request", record)
    return context, page


@contextmanager
def live_form(tmp_path: Path, reviewer, *, mode: str = "wasm", environ: dict[str, str] | None = None):
    """A live intake and a fresh Chromium page for it, for one test.

    ``installation`` under ``tmp_path`` with ``reviewer``'s key (its
    environment updated with ``environ``), gunicorn on it
    (tests/support/live.py), Chromium in ``mode`` and a new context and page
    that record every request body (``new_page``). Yields a namespace with
    ``url`` (the intake's base URL), ``env``, ``context``, ``page`` and
    ``sent`` (a ``Sent``), still usable after the block; closes the browser and
    stops gunicorn at its end. Skips the test without Chromium or Playwright.
    """
    from tests.support.live import gunicorn

    sync_api = require_chromium()
    env = {**installation(tmp_path, reviewer), **(environ or {})}
    sent = Sent()
    with gunicorn(env, tmp_path / "logs") as url, sync_api.sync_playwright() as playwright:
        browser = launch(playwright, mode)
        try:
            context, page = new_page(browser, mode, sent)
            yield SimpleNamespace(url=url, env=env, context=context, page=page, sent=sent)
            context.close()
        finally:
            browser.close()


#: The form's script has decided how to seal: ``data-sealing`` is set.
DECIDED = "() => { const form = document.getElementById('report-form'); return !!form && form.hasAttribute('data-sealing'); }"
#: The browser path's confirmation: the "received" section the page shows in place of the form.
RECEIVED = ("() => { const section = document.getElementById('browser-received');"
            " return !!section && !section.hidden && section.getClientRects().length > 0; }")


def fill_and_send(
    page, base: str, fields: dict, files: list[Path], *, javascript: bool, timeout_ms: int = 240_000,
    before_send=None, mark=None,
) -> tuple[str | None, str | None]:
    """Open the form, fill it like a person would, attach ``files``, press send, await /received.

    With ``javascript``, waits until the script has decided how to seal.
    ``before_send(page)``, if given, runs once the form is filled, just before "send".
    ``mark(what)``, if given, is called when the form is ready (``"ready"``), just
    before "send" is pressed (``"send"``) and when the confirmation is seen
    (``"confirmed"``: the navigation's ``load`` without JavaScript, the
    received section shown with it).

    The JavaScript path's waits check the page on every animation frame (when a
    person could first see the change), not with ``wait_for_selector``, whose
    checks back off to one every 500 ms after the first ~270 ms (Playwright's
    ``retryWithProgressAndBackoff``): that added up to half a second of the
    harness's own lag to the browser path, whose end is a change in the page,
    and none to the path without JavaScript, whose end is a navigation event.
    :returns: the form's (data-build, data-sealing) just before sending.
    """
    mark = mark or (lambda what: None)
    page.goto(base + "/")
    if javascript:
        page.wait_for_function(DECIDED, polling="raf", timeout=timeout_ms)
    mark("ready")
    facts = sealing_facts(page)
    page.fill("#description", fields["description"])
    for code in fields.get("incident_types", []):
        page.check(f"input[name=incident_types][value={code}]")
    for name in ("online_platforms",):
        if fields.get(name):
            page.fill(f"#{name}", fields[name])
    for name in ("date-year", "date-month", "date-day"):
        if fields.get(name):
            page.select_option(f"#{name}", fields[name])
    for name in ("affected", "perpetrators"):
        if fields.get(name):
            page.fill(f"#{name}", fields[name])
    if fields.get("region"):
        page.select_option("#region", fields["region"])
    if fields.get("consent_aggregate_statistics"):
        page.check(f"input[name=consent_aggregate_statistics][value={fields['consent_aggregate_statistics']}]")
    if files:
        page.set_input_files("#attachments", [str(path) for path in files])
    if before_send is not None:
        before_send(page)
    mark("send")
    if facts[1] == "browser":
        # Sealed in the browser: no navigation, the page shows the receipt itself.
        page.click("#send-report")
        page.wait_for_function(RECEIVED, polling="raf", timeout=timeout_ms)
    else:
        with page.expect_navigation(url=RECEIVED_URL, timeout=timeout_ms):
            page.click("#send-report")
    mark("confirmed")
    return facts


def sealing_facts(page) -> tuple[str | None, str | None]:
    """(data-build, data-sealing) of the form once its script settled (None without JS)."""
    form = page.locator("#report-form")
    return form.get_attribute("data-build"), form.get_attribute("data-sealing")


def installation(base: Path, reviewer) -> dict[str, str]:
    """An initialised data directory under ``base`` with ``reviewer``'s key; its environment."""
    from tests.support.live import resguardo

    env = {
        "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
        "RESGUARDO_DATA_DIR": str(base / "data"), "LANG": "C.UTF-8",
    }
    if os.environ.get("RESGUARDO_TEST_DATABASE_URL"):
        env["RESGUARDO_DATABASE_URL"] = os.environ["RESGUARDO_TEST_DATABASE_URL"]
    resguardo(["init"], env)
    resguardo(["reviewer", "add", str(reviewer.public_file)], env)
    return env


def export_and_review(env: dict[str, str], base: Path, reviewer) -> tuple[subprocess.CompletedProcess, Path]:
    """``resguardo export`` then ``review import`` with the reviewer's key file; (result, cases dir)."""
    from tests.support.live import BIN, resguardo

    exported = resguardo(["export", "--out", str(base / "usb")], env)
    bundle = exported.stdout.split("bundle: ")[1].split()[0]
    cases = base / "cases"
    imported = subprocess.run(
        [str(BIN / "review"), "import", bundle, "--key", str(reviewer.secret_file), "--out", str(cases)],
        env={**env, "RESGUARDO_PASSPHRASE": reviewer.passphrase, "RESGUARDO_TEST_ONLY_PASSPHRASE_FROM_ENV": "1", "TMPDIR": str(base)},
        capture_output=True, text=True,
    )
    return imported, cases


def reviewed_reports(env: dict[str, str], base: Path, reviewer) -> list[dict]:
    """``export_and_review``, which must succeed; the report.json of each case it filed, by case name."""
    imported, cases = export_and_review(env, base, reviewer)
    assert imported.returncode == 0, imported.stderr
    return [json.loads((case / "report.json").read_text("utf-8"))
            for case in sorted(cases.iterdir()) if case.is_dir() and not case.name.startswith(("_", "."))]

"""The reviewer's workspace in real Chromium, with JavaScript off and on.

A bundle made from the shared samples (plus an HTML page and an SVG with a
script, both sent as ``.pdf``) is imported with the real ``review import``;
``review workspace`` runs as its own process (own empty HOME, TMPDIR and
working folder). In the browser: filter by an incident type, find a case by
a word of its text, set status, tag and note, close the workspace, open it
again and see them kept; the sample photo's GPS position is shown and its
cleaned copy has none; the two disguised files are flagged; a follow-up's
photo and disguised file get the same checks and cleaned copy. Every request the
browser makes goes to the workspace itself, and the workspace process writes
nothing outside the cases folder. axe-core finds no accessibility violation
on the list and case pages.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

import keys
from review.replies import outbox
from tests.browser.chromium import ARGS, CHROMIUM, require_chromium
from tests.support.live import BIN

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "review"))
from workspace_cases import PHOTO, REPORTER_SEED, SAMPLES, make_bundle, photo_followup_bundle  # noqa: E402

pytestmark = pytest.mark.live

PASSPHRASE = "ladder quiet mango ferry olive sprint"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"


def _tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A key file, the sample bundle, and the empty folders the workspace runs in."""
    base = tmp_path_factory.mktemp("workspace-browser")
    key = keys.SecretKey.generate("Ana")
    keys.write_secret_key_file(base / "ana.secret-key", key, PASSPHRASE)
    (base / "pass").write_text(PASSPHRASE + "\n")
    bundle, subs = make_bundle(base, key)
    later = photo_followup_bundle(base, key, subs[0].id)  # the reporter wrote again, with two files
    for name in ("home", "tmp", "cwd"):
        (base / name).mkdir()
    return base, (bundle, later), subs


def _import(base: Path, bundle: Path, cases: Path) -> None:
    done = subprocess.run(
        [str(BIN / "review"), "import", str(bundle), "--key", str(base / "ana.secret-key"),
         "--out", str(cases), "--passphrase-file", str(base / "pass"), "--lang", "es"],
        capture_output=True, text=True, env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8"},
    )
    assert done.returncode == 0, done.stderr


@contextmanager
def workspace(base: Path, cases: Path):
    """``review workspace CASES --no-browser`` as a separate process; yields its URL."""
    env = {"PATH": os.environ["PATH"], "HOME": str(base / "home"), "TMPDIR": str(base / "tmp"),
           "LANG": "es_PE.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.Popen(
        [str(BIN / "review"), "workspace", str(cases), "--no-browser"], cwd=base / "cwd", env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("workspace: http://127.0.0.1:"), (line, process.stderr.read())
        yield line.split(" ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stdout.close()
        process.stderr.close()


def _origin(url: str) -> str:
    return url.split("/?")[0] + "/"


def _check_axe(page) -> None:
    results = page.evaluate("async () => { const r = await axe.run(document); return {passes: r.passes.length,"
                            " violations: r.violations.map(v => ({id: v.id, nodes: v.nodes.map("
                            "n => n.target.join(' '))}))}; }")
    assert results["violations"] == [], json.dumps(results["violations"], indent=1)
    assert results["passes"] >= 10  # axe really ran its rules on the page


@pytest.mark.parametrize("javascript", [False, True], ids=["nojs", "js"])
def test_workspace_in_chromium(setup, javascript):
    sync_api = require_chromium()
    base, bundles, subs = setup
    mode = "js" if javascript else "nojs"
    cases = base / f"cases-{mode}"
    for bundle in bundles:  # the samples, then a follow-up to the first
        _import(base, bundle, cases)
    before_outside = {name: _tree(base / name) for name in ("home", "tmp", "cwd")}
    assert before_outside == {"home": [], "tmp": [], "cwd": []}
    requests_seen: list[str] = []
    folder = lambda index: f"{subs[index].received_on}_{subs[index].id[:8]}"  # noqa: E731

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            with workspace(base, cases) as url:
                context = browser.new_context(java_script_enabled=javascript, locale="es-PE")
                page = context.new_page()
                page.on("request", lambda request: requests_seen.append(request.url))
                page.goto(url)
                assert page.url == _origin(url)
                assert page.locator("html").get_attribute("lang") == "es"
                assert page.locator("caption").inner_text().startswith("3 caso(s)")

                page.select_option("#type", "legal_action")  # the sample's criminalización (questionnaire v2)
                page.click("button[type=submit]")
                rows = page.locator("table.cases tbody tr")
                assert rows.count() == 1 and subs[1].id[:8] in rows.inner_text()
                assert "Denuncias o procesos judiciales" in rows.inner_text()

                page.goto(_origin(url))
                page.fill("#q", "conversatorio")
                page.click("button[type=submit]")
                assert rows.count() == 1 and subs[0].id[:8] in rows.inner_text()

                page.click(f"a[href='/case/{folder(0)}']")
                body = page.locator("main").inner_text()
                assert "12 deg 5' 35.16\" S, 77 deg 2' 47.40\" W" in body
                informe = page.locator("#attachments article.attachment", has_text="informe.pdf").inner_text()
                assert "text/html" in informe and "una página HTML" in informe
                acta = page.locator("#attachments article.attachment", has_text="acta.pdf").inner_text()
                assert "image/svg+xml" in acta and "un dibujo (SVG) con un script" in acta
                photo = page.locator("#attachments article.attachment", has_text=PHOTO)
                photo.locator("button", has_text="Hacer una copia limpia").click()
                assert "Se hizo una copia limpia" in page.locator("main").inner_text()
                later = page.locator("article.followup")  # the follow-up's files get the same checks
                assert "12 deg 5' 35.16\" S, 77 deg 2' 47.40\" W" in later.inner_text()
                assert "una página HTML" in later.locator("article.attachment", has_text="acta.pdf").inner_text()
                later.locator("article.attachment", has_text=PHOTO).locator(
                    "button", has_text="Hacer una copia limpia").click()
                assert f"followups/01/cleaned/{PHOTO}" in page.locator("main").inner_text()

                page.goto(_origin(url) + f"case/{folder(2)}")
                page.check("#status-in_progress")
                page.check("#urgent")
                page.fill("#tags", "prensa, seguimiento")
                page.fill("#notes", "Llamar a la periodista el lunes.")
                page.click("#triage button[type=submit]")
                assert "Clasificación guardada." in page.locator("main").inner_text()

                page.goto(_origin(url) + f"case/{folder(1)}")  # sent with a receipt: a reply, then read
                page.fill("#reply-text", "Recibimos su informe. ¿Está en un lugar seguro?")
                with page.expect_navigation():  # the form posts; read the answer, not the old page
                    page.click(".reply-form button[type=submit]")
                main = page.locator("main").inner_text()
                assert "Respuesta sellada y en cola" in main and "¿Está en un lugar seguro?" in main
                with page.expect_navigation():
                    page.click("#replies form:not(.reply-form) button[type=submit]")
                assert "Marcado como leído." in page.locator("main").inner_text()
                context.close()

            with workspace(base, cases) as url:  # closed and opened again: a new launch, a new token
                context = browser.new_context(java_script_enabled=javascript, locale="es-PE")
                page = context.new_page()
                page.on("request", lambda request: requests_seen.append(request.url))
                page.goto(url)
                first = page.locator("table.cases tbody tr").first.inner_text()
                assert subs[2].id[:8] in first and "Urgente" in first and "En curso" in first
                page.goto(_origin(url) + f"case/{folder(2)}")
                assert page.is_checked("#status-in_progress") and page.is_checked("#urgent")
                assert page.input_value("#tags") == "prensa, seguimiento"
                assert page.input_value("#notes") == "Llamar a la periodista el lunes."
                context.close()
                origin = _origin(url)

                if javascript:
                    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256
                    audit = browser.new_context(java_script_enabled=True, bypass_csp=True, locale="es-PE")
                    page = audit.new_page()
                    page.goto(url)
                    for path in ("", f"case/{folder(0)}", f"case/{folder(1)}", f"case/{folder(2)}"):
                        page.goto(origin + path)
                        page.add_script_tag(path=str(AXE))
                        _check_axe(page)
                    audit.close()
        finally:
            browser.close()

    foreign = [seen for seen in requests_seen if not seen.startswith("http://127.0.0.1:")]
    assert foreign == []
    assert {name: _tree(base / name) for name in ("home", "tmp", "cwd")} == before_outside
    copy = cases / folder(0) / "cleaned" / PHOTO
    shown = subprocess.run(["exiftool", "-json", "-G1", "-a", "--", str(copy)], capture_output=True, text=True).stdout
    assert copy.is_file() and "GPS" not in shown and "CANARY-EXIF-ARTIST" not in shown
    later = cases / folder(0) / "followups" / "01" / "cleaned" / PHOTO
    shown = subprocess.run(["exiftool", "-json", "-G1", "-a", "--", str(later)], capture_output=True, text=True).stdout
    assert later.is_file() and "GPS" not in shown and "CANARY-EXIF-ARTIST" not in shown
    (queued,) = outbox.load_queue(cases).replies
    sealed = outbox.envelope_path(cases, queued["id"]).read_bytes()
    assert json.loads(keys.open_envelope(sealed, [keys.XWingSecretKey(REPORTER_SEED)]))["text"] == (
        "Recibimos su informe. ¿Está en un lugar seguro?")
    assert outbox.acknowledged_ids(cases / folder(1)) == [subs[1].id]
    original = cases / folder(0) / "attachments" / PHOTO
    assert original.read_bytes() == (SAMPLES / PHOTO).read_bytes()  # the evidence is untouched

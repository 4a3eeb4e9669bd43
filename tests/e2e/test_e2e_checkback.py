"""The whole return loop on a live gunicorn, JavaScript off (requests) and on (Chromium).

submit -> receipt -> export -> ``review import`` -> ``review reply`` (sealed to
the reply_to key read in each decrypted report) and ``review ack`` ->
``review return-bundle`` (signed with the organisation's reply-signing key made
by ``review keygen --signing``) -> ``resguardo import-return`` ->
check back with the receipt shows the exact reply and "read" (JavaScript
off through the form; in Chromium with JavaScript on) -> follow-up with a
file from the check-back page, sealed in Chromium (no request body holds the
receipt, the follow-up's text or the file's bytes) -> export -> ``review import`` files it in the
original report's case folder (``followups/01``) -> the acknowledged submissions' rows and chunks are gone. Canary scans (report
text, reply text, receipts) of the data directory, the server's temp
directory and its logs find nothing.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import sqlite3
import subprocess
import tarfile
import time
from pathlib import Path

import pytest
import requests

import keys
from tests.support.canary import scan
from tests.support.live import BIN, gunicorn, resguardo
from tests.support.submit import csrf_token

pytestmark = pytest.mark.live

RECEIPT = re.compile(r'<code lang="es">([a-z ]+)</code>')
FORM_ID = re.compile(r'name="form_id" value="([0-9a-f]{32})"')


def _bundle_reports(bundle: Path, reviewer) -> dict[str, dict]:
    """submission id -> decrypted report document, read from an export bundle."""
    reports = {}
    with tarfile.open(bundle) as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
        for submission in manifest["submissions"]:
            for item in submission["items"]:
                if item["kind"] == "report":
                    data = archive.extractfile(f"items/{item['id']}").read()
                    reports[submission["id"]] = json.loads(keys.open_envelope(data, [reviewer.secret]))
    return reports


def _export(env, out: Path) -> Path:
    done = resguardo(["export", "--out", str(out)], env)
    assert done.returncode == 0, done.stderr
    [bundle] = sorted(out.glob("*.tar"), key=lambda p: p.stat().st_mtime)[-1:]
    return bundle


def _review(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run the real ``review`` tool (the air-gapped laptop's side), in English."""
    done = subprocess.run([str(BIN / "review"), *args, "--lang", "en"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def _case_of(cases: Path, description: str) -> Path:
    """The case folder whose decrypted report.json has ``description``."""
    [case] = [path.parent for path in cases.glob("*/report.json")
              if json.loads(path.read_text())["fields"]["description"] == description]
    return case


def _checkback(url: str, receipt: str) -> str:
    session = requests.Session()
    token = csrf_token(session.get(url + "/checkback", timeout=10).text)
    answer = session.post(url + "/checkback", data={"csrf_token": token, "receipt": receipt}, timeout=30,
                          headers={"Accept-Language": "es"})
    assert answer.status_code == 200
    return answer.text


def test_the_whole_loop(tmp_path, reviewer):
    from tests.browser.chromium import Sent, launch, new_page, require_chromium

    sync_api = require_chromium()
    started = time.time() - 1
    run = os.urandom(4).hex()
    data_dir, server_tmp, logs = tmp_path / "data", tmp_path / "server-tmp", tmp_path / "logs"
    server_tmp.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "RESGUARDO_DATA_DIR": str(data_dir),
           "TMPDIR": str(server_tmp), "LANG": "C.UTF-8", "RESGUARDO_ORG_NAME": "Colectivo Prueba"}
    assert resguardo(["init"], env).returncode == 0
    assert resguardo(["reviewer", "add", str(reviewer.public_file)], env).returncode == 0
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    (laptop / "pass").write_text(reviewer.passphrase + "\n")
    review_env = {**env, "TMPDIR": str(laptop), "RESGUARDO_PASSPHRASE": reviewer.passphrase,
                  "RESGUARDO_TEST_ONLY_PASSPHRASE_FROM_ENV": "1"}
    _review(["keygen", "--signing", "--out", str(laptop), "--name", "Org", "--passphrase-file", str(laptop / "pass")],
            review_env)
    (data_dir / "reply-signing.pub").write_bytes((laptop / "Org.signing-public-key").read_bytes())
    cases = laptop / "cases"
    texts = {"nojs": f"CANARY-{run}-REPORT-nojs", "js": f"CANARY-{run}-REPORT-js"}
    replies = {"nojs": f"CANARY-{run}-REPLY-nojs ¿Está a salvo?", "js": f"CANARY-{run}-REPLY-js ¿Está a salvo?"}
    file_canary = f"CANARY-{run}-FOLLOWUP-FILE".encode() * 100

    with gunicorn(env, logs) as url, sync_api.sync_playwright() as playwright:
        # JavaScript off: the POST answers with the receipt page itself.
        session = requests.Session()
        page_html = session.get(url + "/", timeout=10).text
        assert "Colectivo Prueba" in page_html
        answer = session.post(url + "/submit", timeout=30, allow_redirects=False, files=[
            ("csrf_token", (None, csrf_token(page_html))), ("form_id", (None, FORM_ID.search(page_html).group(1))),
            ("description", (None, texts["nojs"])), ("attachments", ("", b"", "application/octet-stream"))])
        assert answer.status_code == 200 and "Location" not in answer.headers
        receipts = {"nojs": RECEIPT.search(answer.text).group(1)}

        # JavaScript on: the browser makes the receipt and shows it in place.
        browser = launch(playwright, "wasm")
        try:
            context, page = new_page(browser, "wasm", Sent())
            page.goto(url + "/")
            page.wait_for_selector("#report-form[data-sealing=browser]", state="attached", timeout=180_000)
            page.fill("#description", texts["js"])
            page.click("#send-report")
            page.wait_for_selector("#browser-received", state="visible", timeout=180_000)
            receipts["js"] = page.text_content("#browser-receipt-words").strip()
            assert page.url == url + "/"
            context.close()

            first = _bundle_reports(_export(env, tmp_path / "usb1"), reviewer)
            by_kind = {kind: next(sid for sid, doc in first.items() if doc["fields"]["description"] == texts[kind])
                       for kind in texts}
            for kind, sid in by_kind.items():
                receipt = keys.Receipt.parse(receipts[kind])
                expected = keys.XWingSecretKey(receipt.reporter_seed()).public_key.raw
                assert first[sid]["reply_to"] == {"kind": "xwing", "public_key": base64.b64encode(expected).decode()}
            _review(["import", str(sorted((tmp_path / "usb1").glob("*.tar"))[-1]), "--key", str(reviewer.secret_file),
                     "--out", str(cases)], review_env)
            for kind in texts:
                case = _case_of(cases, texts[kind])
                (laptop / f"reply-{kind}.txt").write_text(replies[kind] + "\n", encoding="utf-8")
                _review(["reply", str(case), "--file", str(laptop / f"reply-{kind}.txt")], review_env)
                _review(["ack", str(case)], review_env)
            (laptop / "usb-return").mkdir()
            _review(["return-bundle", str(cases), "--key", str(laptop / "Org.signing-secret-key"),
                     "--out", str(laptop / "usb-return"), "--passphrase-file", str(laptop / "pass")], review_env)
            [bundle] = (laptop / "usb-return").iterdir()
            imported = resguardo(["import-return", str(bundle)], env)
            assert imported.returncode == 0, imported.stderr
            assert "2 replies stored" in imported.stdout

            # Check back, JavaScript off: the exact reply and "read".
            html = _checkback(url, receipts["nojs"])
            assert replies["nojs"] in html and "Leída por las personas que revisan el" in html
            assert replies["js"] not in html

            # Check back in Chromium with JavaScript on.
            context, page = new_page(browser, "wasm", Sent())
            bodies = []
            page.on("request", lambda request: bodies.append((request.url, request.post_data_buffer or b"")))
            page.goto(url + "/checkback")
            page.wait_for_selector("#checkback-form[data-sealing=browser]", state="attached", timeout=180_000)
            page.fill("#receipt", receipts["js"])
            page.click("#checkback-form button[type=submit]")
            page.wait_for_selector(".reply-text", timeout=120_000)
            assert page.text_content(".reply-text").strip() == replies["js"]
            assert "Leída por las personas que revisan el" in page.text_content("#checkback-result"), page.text_content("#checkback-result")
            assert page.get_attribute("#checkback-form", "data-checked") == "browser"
            # The browser derived and decrypted: only the lookup key went to the server.
            posted = [(where, body) for where, body in bodies if body]
            assert [where for where, _ in posted] == [url + "/checkback/lookup"]
            assert receipts["js"].encode() not in posted[0][1]
            assert replies["js"].encode() not in b"".join(body for _, body in bodies)

            # Follow-up with a file from the check-back page, sealed in the browser: the
            # server gets envelopes and the lookup key, never the receipt, the text or the file.
            page.wait_for_selector("#follow-up-form[data-sealing=browser]", state="attached", timeout=180_000)
            page.fill("#message", f"CANARY-{run}-FOLLOWUP-text")
            path = tmp_path / "foto.jpg"
            path.write_bytes(file_canary)
            page.set_input_files("#attachments", [str(path)])
            bodies.clear()
            page.click("#follow-up-form button[type=submit]")
            page.wait_for_selector("#follow-up-done >> text=Recibimos su mensaje", timeout=180_000)
            assert page.url == url + "/checkback"
            sent = [(where, body) for where, body in bodies if body]
            assert url + "/checkback/follow-up" not in [where for where, _ in bodies]
            assert [where for where, _ in sent][-1] == url + "/upload/submit"
            submit_body = json.loads(sent[-1][1])
            assert submit_body["follow_up"] is True
            assert submit_body["lookup_key"] == keys.Receipt.parse(receipts["js"]).lookup_key().hex()
            every_body = b"".join(body for _, body in bodies)
            for secret in (receipts["js"].encode(), f"CANARY-{run}-FOLLOWUP-text".encode(), file_canary[:64],
                           f"CANARY-{run}-FOLLOWUP-FILE".encode()):
                assert secret not in every_body
            context.close()
        finally:
            browser.close()

        second = _bundle_reports(_export(env, tmp_path / "usb2"), reviewer)
        [(followup_id, followup)] = second.items()
        assert followup["follow_up_to"] == by_kind["js"]
        assert followup["sealed_by"] == "browser"
        assert followup["reply_to"] == first[by_kind["js"]]["reply_to"]
        assert followup["fields"]["description"] == f"CANARY-{run}-FOLLOWUP-text"
        _review(["import", str(sorted((tmp_path / "usb2").glob("*.tar"))[-1]), "--key", str(reviewer.secret_file),
                 "--out", str(cases)], review_env)
        filed = _case_of(cases, texts["js"]) / "followups" / "01"
        assert json.loads((filed / "report.json").read_text())["submission_id"] == followup_id
        [attachment] = (filed / "attachments").iterdir()
        assert attachment.read_bytes() == file_canary

    database = sqlite3.connect(data_dir / "resguardo.db")
    try:
        stored = {row[0] for row in database.execute("SELECT id FROM submissions")}
        assert stored == {followup_id}
        chunk_blobs = {row[0] for row in database.execute("SELECT DISTINCT blob_id FROM blob_chunks")}
        items = {row[0] for row in database.execute("SELECT id FROM items")}
        assert chunk_blobs == items and len(items) == 2  # the follow-up's report and file only
    finally:
        database.close()
    needles = [text.encode() for text in texts.values()] + [text.encode() for text in replies.values()]
    needles += [receipt.encode() for receipt in receipts.values()] + [file_canary[:64]]
    needles += [keys.Receipt.parse(r).lookup_key().hex().encode() for r in receipts.values()]
    hits = scan([data_dir, server_tmp, logs], needles)
    hits += scan([Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")], needles, skip=[tmp_path], newer_than=started)
    assert hits == []

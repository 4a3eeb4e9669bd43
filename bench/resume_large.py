"""Benchmark: a large browser-sealed file survives two connection drops.

    .venv/bin/python bench/resume_large.py [--mb 300]

Proves the goal "a 300 MB file survives two connection drops" on the
browser-sealing path, end to end, in a throwaway temp directory:

1. ``resguardo init`` plus a fresh test reviewer key (tests/browser/chromium.py
   ``installation``), ``RESGUARDO_MAX_CONTENT_LENGTH`` raised to fit, one
   gunicorn worker with deploy/gunicorn.conf.py (tests/support/live.py ``serve``);
2. a ``--mb`` MiB file (2^20 bytes per MiB) of random bytes with a random
   canary at its start, middle and end, written and hashed in 1 MiB chunks
   (never held in Python memory as a whole);
3. Debian's Chromium (/usr/bin/chromium, headless, WebAssembly on) fills the
   form and attaches the file by path (``set_input_files``); the browser seals
   and uploads it in ~1 MiB PUTs;
4. like tests/browser/test_browser_resume.py, ``page.route`` drops two of the
   file's PUTs with a connection reset: one about a third of the way in
   *before* the server sees it (that piece must be sent again), one about two
   thirds of the way in *after* the server stored it (the browser must learn
   that from ``GET /upload/<id>`` and send nothing twice);
5. waits for the "received" page, then ``resguardo export`` and
   ``review import`` with the reviewer's key; the decrypted file must have the
   original SHA-256, its three canaries, and the canary must be in no PUT body.

Prints file size, seconds from ``POST /upload/begin`` to "received" (sealing
and upload overlap; includes the two retry backoffs of 0.5 s and the
Playwright interception of every PUT), MB/s (10^6 bytes per MB), PUT count,
re-sent bytes, the gunicorn worker's peak RSS (VmHWM) and "OK: sha256
matches". Exit status 0 on success; any failed check raises.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keys  # noqa: E402
from tests.browser.chromium import (  # noqa: E402
    CHROMIUM, export_and_review, installation, launch, sealing_facts,
)
from tests.support.live import serve  # noqa: E402

MIB = 1024 * 1024
PLAIN_CHUNK = 65536  # plaintext bytes per sealed chunk (65553 sealed)
PUT_CHUNKS = 16  # upload.js: sealed chunks per PUT
PASSPHRASE = "correct horse battery staple tinta"
NAME = "large.bin"


def make_file(path: Path, size: int, canary: bytes) -> str:
    """Write ``size`` random bytes with ``canary`` at start, middle and end; return the SHA-256."""
    marks = [0, size // 2, size - len(canary)]
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for start in range(0, size, MIB):
            block = bytearray(os.urandom(min(MIB, size - start)))
            for mark in marks:  # a canary may straddle two blocks
                lo, hi = max(mark, start), min(mark + len(canary), start + len(block))
                if lo < hi:
                    block[lo - start : hi - start] = canary[lo - mark : hi - mark]
            out.write(block)
            digest.update(block)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while block := source.read(MIB):
            digest.update(block)
    return digest.hexdigest()


def canaries_at(path: Path, size: int, canary: bytes) -> bool:
    with open(path, "rb") as source:
        for mark in (0, size // 2, size - len(canary)):
            source.seek(mark)
            if source.read(len(canary)) != canary:
                return False
    return True


def vm_hwm_mib(pid: int) -> float:
    match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024


def make_reviewer(directory: Path) -> SimpleNamespace:
    """What tests/conftest.py's ``reviewer`` fixture gives: key files and passphrase."""
    secret = keys.SecretKey.generate("Bench Reviewer")
    secret_file, public_file = directory / "bench.secret-key", directory / "bench.public-key"
    keys.write_secret_key_file(secret_file, secret, PASSPHRASE)
    keys.write_public_key_file(public_file, secret.public_key)
    return SimpleNamespace(secret_file=secret_file, public_file=public_file, passphrase=PASSPHRASE)


def main(mb: int) -> int:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        sys.exit(f"no {CHROMIUM} (apt-get install -y chromium)")
    size = mb * MIB
    canary = b"RESGUARDO-CANARY-" + secrets.token_hex(16).encode()
    expected_puts = math.ceil(size / (PLAIN_CHUNK * PUT_CHUNKS))  # without padding
    drop_before = max(2, expected_puts // 3)  # file PUT numbers (1-based, retries counted)
    drop_after = max(drop_before + 2, 2 * expected_puts // 3)
    timeout_ms = max(300_000, mb * 4_000)

    with tempfile.TemporaryDirectory(prefix="resguardo-resume-") as tmp:
        base = Path(tmp)
        reviewer = make_reviewer(base)
        env = installation(base, reviewer)
        env["RESGUARDO_MAX_CONTENT_LENGTH"] = str(max(512 * MIB, 2 * size))
        try:  # forget the ~256 MiB peak of Argon2id (the key file) so the figure below is about the upload
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            pass
        path = base / NAME
        started = time.perf_counter()
        original = make_file(path, size, canary)
        print(f"file: {size} bytes ({mb} MiB, {size / 1e6:.1f} MB), written+hashed in "
              f"{time.perf_counter() - started:.1f} s; drops at file PUT #{drop_before} "
              f"(before the server) and #{drop_after} (after the server)", flush=True)

        puts = []  # (upload id, offset, length, fate)
        covered = {}  # upload id -> highest envelope offset any PUT attempt reached
        resent = [0]
        leaked = []  # PUT numbers whose body held the canary
        statuses = []  # GET /upload/<id> (resume questions)
        times = {}

        def on_put(route):
            request = route.request
            upload_id, offset = re.search(r"/upload/([^/?]+)\?offset=(\d+)", request.url).groups()
            offset = int(offset)
            body = request.post_data_buffer or b""
            length = len(body)
            if canary in body:
                leaked.append(len(puts) + 1)
            del body
            end = offset + length
            resent[0] += max(0, min(end, covered.get(upload_id, 0)) - offset)
            covered[upload_id] = max(covered.get(upload_id, 0), end)
            file_upload = puts[0][0] if puts else upload_id
            number = sum(1 for put in puts if put[0] == file_upload) + 1
            if upload_id == file_upload and number == drop_before:
                puts.append((upload_id, offset, length, "dropped before the server"))
                route.abort("connectionreset")
            elif upload_id == file_upload and number == drop_after:
                route.fetch()  # the server stores it ...
                puts.append((upload_id, offset, length, "dropped after the server"))
                route.abort("connectionreset")  # ... but the browser never hears back
            else:
                puts.append((upload_id, offset, length, "sent"))
                route.continue_()
            # Playwright keeps every Request, with its body in base64, until the
            # page navigates away: forget the body once the PUT was handled, or
            # this process would hold ~1.4x the whole upload (private attributes;
            # if they change, only the memory figure below grows).
            impl = getattr(request, "_impl_obj", request)
            getattr(impl, "_initializer", {}).pop("postData", None)

        def on_request(request):
            if request.method == "POST" and request.url.endswith("/upload/begin"):
                times["begin"] = time.perf_counter()
            elif request.method == "GET" and "/upload/" in request.url:
                statuses.append(request.url)

        with serve(env, base / "logs", workers=1) as server, sync_playwright() as playwright:
            (worker,) = server.workers()
            browser = launch(playwright, "wasm")
            try:
                context = browser.new_context(java_script_enabled=True, locale="es-PE")
                page = context.new_page()
                page.route("**/upload/*?offset=*", on_put)
                page.on("request", on_request)
                page.goto(server.url + "/")
                page.wait_for_selector("#report-form[data-sealing]", state="attached", timeout=timeout_ms)
                facts = sealing_facts(page)
                assert facts == ("wasm", "browser"), f"the browser cannot seal with WebAssembly: {facts}"
                page.fill("#description", f"resume benchmark, {mb} MiB, two dropped connections")
                page.set_input_files("#attachments", [str(path)])
                with page.expect_navigation(url="**/received", timeout=timeout_ms):
                    page.click("#send-report")
                elapsed = time.perf_counter() - times["begin"]
                context.close()
            finally:
                browser.close()
            peak_mib = vm_hwm_mib(worker)
            assert server.workers() == [worker], "the gunicorn worker was replaced during the upload"

        file_puts = [put for put in puts if put[0] == puts[0][0]]
        fates = [put[3] for put in file_puts]
        assert fates.count("dropped before the server") == 1, fates
        assert fates.count("dropped after the server") == 1, fates
        before = drop_before - 1
        after = drop_after  # index of the dropped-after PUT once the re-sent one is counted
        assert file_puts[before + 1][1:3] == file_puts[before][1:3], "the dropped piece was not sent again from its offset"
        assert fates[after - 1] == "dropped after the server"
        assert file_puts[after][1] == file_puts[after - 1][1] + file_puts[after - 1][2], \
            "a piece the server already held was sent again"
        assert len(statuses) == 2, f"expected one status GET per drop, saw {len(statuses)}"
        assert not leaked, f"the canary was in the body of PUT(s) {leaked}"

        started = time.perf_counter()
        imported, cases = export_and_review(env, base, reviewer)
        export_import = time.perf_counter() - started
        assert imported.returncode == 0, imported.stderr
        (case,) = [c for c in cases.iterdir() if not c.name.startswith(("_", "."))]
        report = json.loads((case / "report.json").read_text("utf-8"))
        (attachment,) = report["attachments"]
        assert report["sealed_by"] == "browser" and attachment["size"] == size, attachment
        decrypted = case / "attachments" / NAME
        assert decrypted.stat().st_size == size
        assert canaries_at(decrypted, size, canary), "a canary is missing from the decrypted file"
        got = sha256_file(decrypted)
        assert got == original, f"sha256 differs: {got} != {original}"

        envelope = covered[puts[0][0]]
        print(f"file size:            {size} bytes ({size / 1e6:.1f} MB); envelope {envelope} bytes")
        print(f"seal+upload:          {elapsed:.1f} s (POST /upload/begin to 'received')")
        print(f"throughput:           {size / elapsed / 1e6:.1f} MB/s (plaintext)")
        print(f"PUTs:                 {len(puts)} ({len(file_puts)} for the file incl. 2 dropped, "
              f"{len(puts) - len(file_puts)} for the report); status GETs: {len(statuses)}")
        print(f"re-sent bytes:        {resent[0]} (PUT bodies {sum(p[2] for p in puts)} bytes in all)")
        print(f"worker peak RSS:      {peak_mib:.1f} MiB (VmHWM, gunicorn worker pid {worker})")
        print(f"this script's peak RSS: {vm_hwm_mib(os.getpid()):.1f} MiB (VmHWM after the key was made)")
        print(f"export + review import: {export_import:.1f} s")
        print("OK: sha256 matches")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=300, help="file size in MiB (default 300)")
    sys.exit(main(parser.parse_args().mb))

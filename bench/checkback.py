"""Check-back speed: latency with 10,000 stored cases, and receipt derivation in Python, node, jitless Chromium.

    .venv/bin/python bench/checkback.py [--cases 10000] [--requests 500] [--skip-browser]

1. A fresh SQLite installation gets ``--cases`` cases (random lookup keys,
   stored as their keyed hash, one submission record each) and one real case
   with a reply. Then ``--requests`` check-back POSTs each of a wrong receipt
   (unknown), a malformed one and the real one go through the app (Flask
   test client: the app's own time, no network, no Tor), interleaved; p50 and
   p95 in ms for each.
2. Receipt derivation (parse, lookup key, reporter seed, X-Wing key pair):
   Python (``keys.Receipt`` + ``keys.XWingSecretKey``), node (the served
   receipt.js + vendored libsodium, WebAssembly), and headless Chromium with
   ``--js-flags=--jitless`` (no JIT, no WebAssembly: the closest to Tor
   Browser "Safer"), median and p95 in ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keys  # noqa: E402


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] * 1000, ordered[int(len(ordered) * 0.95)] * 1000


def latency(cases: int, requests: int) -> None:
    from sqlalchemy import insert

    from intake import create_app, db, reviewers
    from intake.checkback.cases import lookup_hash
    from intake.models import Case, CaseSubmission, Reply

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        secret = secrets.token_urlsafe(48)
        (data / "secret_key").write_text(secret)
        db.upgrade(f"sqlite:///{data / 'resguardo.db'}")
        os.environ["RESGUARDO_DATA_DIR"] = str(data)
        os.environ["RESGUARDO_CHECKBACK_RATE"] = "1000000"
        setup = create_app(require_reviewers=False)
        with setup.app_context():
            reviewers.add(keys.XWingSecretKey.generate("bench").public_key)
            session = db.session()
            today = dt.date.today()
            rows = [{"lookup": lookup_hash(secrets.token_bytes(32), secret), "received_on": today, "last_visit_on": today}
                    for _ in range(cases)]
            session.execute(insert(Case), rows)
            session.execute(insert(CaseSubmission), [
                {"submission_id": secrets.token_hex(16), "lookup": row["lookup"], "received_on": today} for row in rows])
            real = keys.Receipt.generate()
            lookup = lookup_hash(real.lookup_key(), secret)
            sid = secrets.token_hex(16)
            session.add(Case(lookup=lookup, received_on=today, last_visit_on=today))
            session.add(CaseSubmission(submission_id=sid, lookup=lookup, received_on=today))
            doc = json.dumps({"format": "resguardo-reply", "version": 1, "submission_id": sid, "language": "es",
                              "written_on": today.isoformat(), "text": "Recibimos su denuncia."}).encode()
            envelope = keys.seal_v2(doc, [keys.XWingSecretKey(real.reporter_seed()).public_key])
            session.add(Reply(id=secrets.token_hex(16), lookup=lookup, submission_id=sid, envelope=envelope, stored_on=today))
            session.commit()
        db.dispose(setup)
        app = create_app()
        client = app.test_client()
        page = client.get("/checkback").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        kinds = {"unknown": lambda: str(keys.Receipt.generate()), "malformed": lambda: "hola " * 3, "known": lambda: str(real)}
        times = {kind: [] for kind in kinds}
        for _ in range(20):
            client.post("/checkback", data={"csrf_token": token, "receipt": kinds["unknown"]()})
        for _ in range(requests):
            for kind, make in kinds.items():
                guess = make()
                start = time.perf_counter()
                answer = client.post("/checkback", data={"csrf_token": token, "receipt": guess})
                times[kind].append(time.perf_counter() - start)
                assert answer.status_code == 200
        db.dispose(app)
    print(f"check-back latency, {cases} stored cases, {requests} requests each (Flask test client, SQLite):")
    for kind, values in times.items():
        p50, p95 = _percentiles(values)
        print(f"  {kind:<10} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms")


def derivation_python(n: int = 300) -> None:
    text = str(keys.Receipt.generate())
    times = []
    for _ in range(n):
        start = time.perf_counter()
        receipt = keys.Receipt.parse(text)
        receipt.lookup_key()
        keys.XWingSecretKey(receipt.reporter_seed()).public_key
        times.append(time.perf_counter() - start)
    p50, p95 = _percentiles(times)
    print(f"derivation (parse + keys + X-Wing key pair), Python: median {p50:.2f} ms, p95 {p95:.2f} ms")


def derivation_node() -> None:
    out = subprocess.run(["node", str(ROOT / "bench" / "checkback_node.js"), "300"], capture_output=True, text=True, check=True)
    figures = json.loads(out.stdout)
    print(f"derivation, node (receipt.js + vendored libsodium, WebAssembly): median {figures['median_ms']:.2f} ms, "
          f"p95 {figures['p95_ms']:.2f} ms")


def derivation_chromium_jitless(n: int = 30) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.chromium import ARGS, CHROMIUM

    js = ROOT / "intake" / "static" / "js"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS + ["--js-flags=--jitless"])
        page = browser.new_page()
        page.set_content("<!doctype html><title>bench</title>")
        page.add_script_tag(path=str(ROOT / "intake" / "static" / "vendor" / "sodium.js"))
        page.add_script_tag(path=str(js / "receipt-words.js"))
        page.add_script_tag(path=str(js / "receipt.js"))
        figures = page.evaluate("""async (n) => {
            await sodium.ready;
            const receipts = ResguardoReceipt.create(ResguardoReceiptWords);
            const words = ResguardoReceiptWords;
            const text = Array.from({length: 8}, () => words[sodium.randombytes_uniform(2048)]).join(' ');
            const times = [];
            for (let i = 0; i < n; i += 1) {
              const start = performance.now();
              const d = receipts.derive(text);
              sodium.crypto_kem_xwing_seed_keypair(d.reporterSeed);
              times.push(performance.now() - start);
            }
            times.sort((a, b) => a - b);
            return {median: times[Math.floor(n / 2)], p95: times[Math.floor(n * 0.95)],
                    wasm: typeof WebAssembly === 'object'};
        }""", n)
        browser.close()
    print(f"derivation, Chromium --jitless (pure-JS libsodium; WebAssembly object present: {figures['wasm']}): "
          f"median {figures['median']:.1f} ms, p95 {figures['p95']:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    latency(args.cases, args.requests)
    derivation_python()
    derivation_node()
    if not args.skip_browser:
        derivation_chromium_jitless()


if __name__ == "__main__":
    main()

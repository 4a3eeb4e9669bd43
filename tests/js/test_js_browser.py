"""The seal worker in a real browser (Debian's headless Chromium), under the
production CSP, with and without WebAssembly; the envelopes open in keys/.

Reuses bench/seal_speed.py's static server and page (one copy of that code),
with 1 MiB instead of 32 MiB. Skipped without /usr/bin/chromium or playwright.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

import keys

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    if shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists():
        pytest.skip("no /usr/bin/chromium")
    pytest.importorskip("playwright.sync_api")
    spec = importlib.util.spec_from_file_location("seal_speed", ROOT / "bench" / "seal_speed.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["seal_speed"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["seal_speed"]
    return module


@pytest.mark.parametrize("kind", [keys.XWingSecretKey, keys.SecretKey], ids=["xwing", "x25519"])
@pytest.mark.parametrize(
    ("mode", "build"), [("wasm", "WebAssembly"), ("csp-no-wasm", "pure JS")]
)
def test_worker_seals_in_chromium(bench, mode, build, kind):
    """The worker seals 1 MiB to an X-Wing key and to an X25519 key, with WebAssembly
    and with WebAssembly refused by the CSP (JIT on: jitless is the test below);
    keys/ opens what it uploaded."""
    content = bench.bench_bytes(1024 * 1024 + 17)
    secret = kind.generate()
    report = bench.run_browser(content, secret, mode)  # opens the upload with keys/ or raises
    assert report["build"] == build


@pytest.mark.parametrize(("mode", "wasm"), [("wasm", True), ("jitless", False)])
def test_worker_seals_with_headers_made_ahead_in_chromium(bench, mode, wasm):
    """'prepare' then 'seal' in the real worker (1, 3, 10 X-Wing keys), its X25519 and Ed25519
    Web Crypto's (webcrypto.js), with and without a JIT: every seal after a
    'prepare' used a header made ahead, every one without did not (the page checks start.ahead),
    and both kinds of envelope open with keys/ for the first and the last recipient."""
    report = bench.per_item_worker(1, mode)  # raises unless every envelope opens with keys/
    assert report["wasm"] is wasm
    assert report["webCrypto"] == "native"  # Chromium has Web Crypto X25519 and Ed25519: webcrypto.js is used
    assert sorted((row["version"], row["recipients"]) for row in report["rows"]) == [
        ("v2", 1), ("v2", 3), ("v2", 10), ("v2-ahead", 1), ("v2-ahead", 3), ("v2-ahead", 10)]

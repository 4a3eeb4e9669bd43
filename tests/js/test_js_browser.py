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


@pytest.mark.parametrize(
    ("mode", "build"), [("wasm", "WebAssembly"), ("csp-no-wasm", "pure JS")]
)
def test_worker_seals_in_chromium(bench, mode, build):
    content = bench.bench_bytes(1024 * 1024 + 17)
    secret = keys.SecretKey.generate()
    report = bench.run_browser(content, secret, mode)  # opens the upload with keys/ or exits
    assert report["build"] == build

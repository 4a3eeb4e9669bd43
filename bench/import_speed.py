"""Benchmark: ``review import`` of many small reports against a raw open loop.

For each count N (default 1,000 and 10,000) makes N small sealed reports (as
tests/review/review_bundles.py does), writes one bundle, then prints:

- ``raw``: seconds to open every envelope with :func:`keys.open_envelope`
  (PyNaCl, nothing written), the envelopes already in memory, and (in
  brackets) read from the tar as they are opened;
- ``import``: seconds of :func:`review.cases.import_bundle` into a fresh
  cases folder (checks, decryption, report.json/report.txt, fsync, rename,
  the case index), the key already unlocked (Argon2id is paid once per key
  and is printed apart);
- the ratio import / raw (target <= 2x), against both raw figures;
- for the largest N, the time of ``review list`` (rows to /dev/null) and of
  the workspace's listing, full-text search and filter queries (target < 1 s
  each).

Everything happens in a temporary folder in the current folder, or in
``--dir DIR`` (e.g. ``/dev/shm`` to leave the disk's file-creation and
flush costs out and see the tool's own). Nothing here touches a network.

    .venv/bin/python bench/import_speed.py [--dir DIR] [N ...]   (default: 1000 10000)
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "review"))

import keys  # noqa: E402
from review.bundle import Bundle  # noqa: E402
from review.cases import import_bundle  # noqa: E402

from review_bundles import make_manifest, make_submission, write_bundle  # noqa: E402

TYPES = ["threats", "physical_attack", "online_harassment", "surveillance", "criminalisation"]
REGIONS = ["lima_metropolitana", "cusco", "puno", "loreto", "withheld"]
WORDS = ["amenaza", "comunidad", "dirigente", "minería", "río", "policía", "fiscalía", "defensora"]


def _fields(index: int) -> dict:
    return {
        "description": f"Reporte {index}: {WORDS[index % 8]} {WORDS[(index * 7) % 8]} en la zona; "
                       f"marca{index:06d}.",
        "incident_types": [TYPES[index % 5], TYPES[(index + 2) % 5]],
        "date": "2026-10-01", "region": REGIONS[index % 5],
        "affected": "comunidad", "perpetrators": "desconocidos", "online_platforms": "",
        "consent_aggregate_statistics": "yes", "contact": "",
    }


def make_bundle(directory: Path, count: int, key: keys.SecretKey) -> Path:
    """A bundle of ``count`` small reports sealed to ``key``."""
    subs = [
        make_submission([key.public_key], fields=_fields(i),
                        received_on=f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}")
        for i in range(count)
    ]
    return write_bundle(directory / f"bundle-{count}.tar", make_manifest(subs, [key.public_key]), subs)


def raw_open(bundle: Path, key: keys.SecretKey) -> tuple[float, float]:
    """Seconds to open every envelope of ``bundle`` with PyNaCl (through
    :func:`keys.open_envelope`, nothing written): (envelopes already in
    memory, envelopes read from the tar as they are opened)."""
    with tarfile.open(bundle, "r:") as tar:
        envelopes = [tar.extractfile(info).read() for info in tar.getmembers() if info.name.startswith("items/")]
    start = time.perf_counter()
    for envelope in envelopes:
        keys.open_envelope(envelope, [key])
    in_memory = time.perf_counter() - start
    del envelopes
    start = time.perf_counter()
    with tarfile.open(bundle, "r:") as tar:
        for info in tar.getmembers():
            if info.name.startswith("items/"):
                keys.open_envelope(tar.extractfile(info).read(), [key])
    return in_memory, time.perf_counter() - start


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main(counts: list[int], directory: str = ".") -> int:
    key = keys.SecretKey.generate("bench")
    print(f"temporary folder in: {os.path.abspath(directory)}")
    with tempfile.TemporaryDirectory(dir=directory, prefix=".bench-import-") as temp:
        base = Path(temp)
        keyfile = base / "bench.secret-key"
        argon = timed(lambda: keys.write_secret_key_file(keyfile, key, "bench passphrase ferry olive"))
        unlock = timed(lambda: keys.read_secret_key_file(keyfile, "bench passphrase ferry olive"))
        print(f"argon2id unlock of one key file: {unlock:.2f} s (paid once per key; writing it: {argon:.2f} s)")
        last_cases = None
        for count in counts:
            bundle = make_bundle(base, count, key)
            raw, raw_tar = raw_open(bundle, key)
            cases = base / f"cases-{count}"

            def run() -> None:
                with Bundle(bundle) as opened:
                    summary = import_bundle(opened, [key], cases)
                assert summary.count("imported") == count, summary.count("imported")

            seconds = timed(run)
            print(f"N={count:>6}: raw open {raw:6.2f} s (from the tar: {raw_tar:6.2f} s)   import {seconds:6.2f} s   "
                  f"ratio {seconds / raw:5.2f}x ({seconds / raw_tar:5.2f}x)   ({count / seconds:,.0f} reports/s)")
            last_cases = cases
        if last_cases is not None:
            list_figures(last_cases)
    return 0


def list_figures(cases: Path) -> None:
    """Time ``review list`` and the workspace queries over ``cases``."""
    from review.cli import main as review_main

    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(io.StringIO()):
        seconds = timed(lambda: review_main(["list", str(cases)]))
    print(f"review list ({cases.name}): {seconds:.2f} s")
    try:
        from review.workspace.query import bench_queries
    except ImportError:
        return
    for name, seconds in bench_queries(cases):
        print(f"workspace {name}: {seconds:.3f} s")
    page_figures(cases)


def page_figures(cases: Path) -> None:
    """Time whole workspace pages (Flask test client, no network): the first
    page of the list, a search and a filter, each rendered to HTML."""
    from review.workspace.app import create_app

    token = "bench-token-" + "x" * 32
    client = create_app(cases, token, "es", 1).test_client()
    base = "http://127.0.0.1:1"
    client.get(f"/?token={token}", base_url=base)
    for name, path in (("list page", "/"), ("search page", "/?q=mineria"),
                       ("filter page", "/?type=threats&region=cusco&status=new")):
        start = time.perf_counter()
        response = client.get(path, base_url=base)
        seconds = time.perf_counter() - start
        assert response.status_code == 200, response.status_code
        print(f"workspace {name} (HTML): {seconds:.3f} s")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    where = "."
    if arguments[:1] == ["--dir"]:
        where, arguments = arguments[1], arguments[2:]
    sys.exit(main([int(arg) for arg in arguments] or [1000, 10000], where))

"""Benchmark: no-JavaScript uploads sealed by a live gunicorn while they stream.

Prints, for each size, the seconds and MB/s of the POST (10^6 bytes per MB)
and the peak resident memory (VmHWM, MiB) of the gunicorn worker that
served it. Loopback only; everything is made in a temporary directory.

    .venv/bin/python bench/upload_speed.py [MiB ...]     (default: 8 64 256)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keys  # noqa: E402
from tests.support.live import gunicorn, resguardo  # noqa: E402
from tests.support.submit import submit_report  # noqa: E402


def worker_peak_rss_mib(master_pid_hint: str) -> float:
    """Largest VmHWM among gunicorn processes, in MiB."""
    peak = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"gunicorn" not in cmdline or master_pid_hint.encode() not in cmdline:
                continue
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peak = max(peak, int(match.group(1)))
    return peak / 1024


def main(sizes_mib: list[int]) -> None:
    with tempfile.TemporaryDirectory() as base:
        base = Path(base)
        secret = keys.SecretKey.generate("bench")
        keys.write_public_key_file(base / "bench.public-key", secret.public_key)
        env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
               "RESGUARDO_DATA_DIR": str(base / "data"), "RESGUARDO_MAX_CONTENT_LENGTH": str(2**31)}
        resguardo(["init"], env)
        resguardo(["reviewer", "add", str(base / "bench.public-key")], env)
        with gunicorn(env, base / "logs", workers=1) as url:
            port = url.rsplit(":", 1)[1]
            print(f"{'MiB':>6} {'seconds':>8} {'MB/s':>8} {'worker peak RSS MiB':>20}")
            for size in sizes_mib:
                body = os.urandom(size * 2**20)
                session = requests.Session()
                start = time.perf_counter()
                response = submit_report(session, url, {"description": "bench"}, [("bench.bin", body, "application/octet-stream")], timeout=600)
                elapsed = time.perf_counter() - start
                assert response.status_code == 303, response.status_code
                print(f"{size:>6} {elapsed:>8.2f} {len(body) / elapsed / 1e6:>8.1f} {worker_peak_rss_mib(port):>20.1f}")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [8, 64, 256])

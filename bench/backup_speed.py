"""Benchmark: ``resguardo-backup create`` and ``restore`` on a data directory of N MiB.

Prints, for each size, the seconds and MB/s (10^6 bytes per MB) of each step
and the peak resident memory (ru_maxrss, MiB) of the process that ran it: it
should not grow with the size (both directions stream). Everything is made in
a temporary directory; nothing touches the network.

    .venv/bin/python bench/backup_speed.py [MiB ...]     (default: 16 256)
"""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "ladder quiet mango ferry olive sprint"


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``python -m deploy.backup ARGS`` in a child; (seconds, peak RSS MiB of that child)."""
    code = ("import resource, sys, runpy; sys.argv = ['resguardo-backup', *sys.argv[1:]]\n"
            "from deploy.backup.cli import main\nrc = main()\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)\nsys.exit(rc)")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return seconds, float(done.stderr.strip().splitlines()[-1])


def main(sizes: list[int]) -> None:
    for mib in sizes:
        with tempfile.TemporaryDirectory(prefix="resguardo-bench-backup-") as base:
            base = Path(base)
            data = base / "data"
            (data / "blobs").mkdir(parents=True)
            sqlite3.connect(data / "resguardo.db").close()
            (data / "secret_key").write_text("x" * 64)
            chunk = os.urandom(1024 * 1024)
            for index in range(mib):
                (data / "blobs" / f"{index:06d}").write_bytes(chunk)
            (base / "pass").write_text(PASSPHRASE + "\n")
            env = {**os.environ, "PYTHONPATH": str(ROOT), "RESGUARDO_DATA_DIR": str(data),
                   "RESGUARDO_ONION_STATE": str(base / "onion"), "RESGUARDO_USER": "-", "RESGUARDO_ONION_USER": "-"}
            env.pop("RESGUARDO_DATABASE_URL", None)
            _run(["keygen", "--out", str(base / "key"), "--passphrase-file", str(base / "pass")], env)
            (base / "out").mkdir()
            create_s, create_rss = _run(["create", "--to", str(base / "key" / "backup.public-key"),
                                         "--out", str(base / "out")], env)
            [backup] = list((base / "out").iterdir())
            env["RESGUARDO_DATA_DIR"] = str(base / "restored")
            restore_s, restore_rss = _run(["restore", str(backup), "--key", str(base / "key" / "backup.secret-key"),
                                           "--passphrase-file", str(base / "pass")], env)
            megabytes = mib * 1024 * 1024 / 1e6
            print(f"BACKUP size_mib={mib} create_s={create_s:.2f} create_mb_s={megabytes / create_s:.1f} "
                  f"create_peak_rss_mib={create_rss:.0f} restore_s={restore_s:.2f} "
                  f"restore_mb_s={megabytes / restore_s:.1f} restore_peak_rss_mib={restore_rss:.0f} "
                  f"(restore includes unlocking the key: Argon2id, 256 MiB)")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [16, 256])

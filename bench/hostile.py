"""Benchmark: what a hostile stranger can make the intake hold (loopback only, bounded).

Sections (run all, or name some on the command line):

``pending``  a flood of fresh browser sessions, each declaring and uploading
             as much as it may, against a live gunicorn with a configured
             site-wide cap on unfinished uploads; prints the uploads accepted
             and refused, the peak of pending bytes (declared and actually
             stored) against the cap, and the database's bytes on disk before,
             at the peak and after ``resguardo tick`` expired the flood.

    .venv/bin/python bench/hostile.py [pending] [--sessions N] [--cap-mib M]

Everything is made in a temporary directory and served on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keys  # noqa: E402
from intake.models import Blob, UploadSession  # noqa: E402
from intake.storage import current_tick  # noqa: E402
from intake.upload.checks import MAX_PIECE_CHUNKS  # noqa: E402
from keys.stream import SEALED_CHUNK_SIZE  # noqa: E402
from tests.support.live import resguardo, serve  # noqa: E402
from tests.support.submit import csrf_token  # noqa: E402

MIB = 1024 * 1024


def _database_bytes(data_dir: Path) -> int:
    return sum(path.stat().st_size for path in data_dir.glob("resguardo.db*"))


def _pending(engine) -> tuple[int, int, int]:
    """(declared bytes, stored bytes, uploads) of unfinished uploads."""
    with engine.connect() as connection:
        row = connection.execute(
            select(func.coalesce(func.sum(Blob.declared), 0), func.coalesce(func.sum(Blob.size), 0), func.count())
            .where(Blob.complete.is_(False))
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _flood_session(url: str, envelope: bytes, uploads: int) -> list[int]:
    """One fresh browser: begin, then declare and upload ``uploads`` envelopes; the statuses of the declarations."""
    session = requests.Session()
    headers = {"X-CSRFToken": csrf_token(session.get(url + "/", timeout=30).text)}
    if session.post(url + "/upload/begin", json={}, headers=headers, timeout=30).status_code != 200:
        return [503] * uploads
    header = keys.header_size(1)
    statuses = []
    for _ in range(uploads):
        created = session.post(url + "/upload/", json={"size": len(envelope)}, headers=headers, timeout=30)
        statuses.append(created.status_code)
        if created.status_code != 201:
            continue
        upload_id = created.json()["upload_id"]
        offset = 0
        while offset < len(envelope):
            end = min(len(envelope), (header if offset == 0 else offset) + MAX_PIECE_CHUNKS // 2 * SEALED_CHUNK_SIZE)
            session.put(f"{url}/upload/{upload_id}?offset={offset}", data=envelope[offset:end],
                        headers={**headers, "Content-Type": "application/octet-stream"}, timeout=60)
            offset = end
    return statuses


def pending(sessions: int, cap_mib: int, uploads_per_session: int = 3, file_mib: int = 8) -> None:
    """The ``pending`` section (see the module docstring)."""
    cap = cap_mib * MIB
    with tempfile.TemporaryDirectory(prefix="resguardo-bench-") as tmp:
        base = Path(tmp)
        data_dir = base / "data"
        env = {"PATH": os.environ["PATH"], "HOME": str(base), "LANG": "C.UTF-8",
               "RESGUARDO_DATA_DIR": str(data_dir), "TMPDIR": str(base),
               "RESGUARDO_PENDING_BYTES": str(cap)}
        secret = keys.SecretKey.generate("bench")
        keys.write_public_key_file(base / "bench.public-key", secret.public_key)
        resguardo(["init"], env)
        resguardo(["reviewer", "add", str(base / "bench.public-key")], env)
        envelope = keys.seal(secrets.token_bytes(file_mib * MIB - 4096), [secret.public_key])
        engine = create_engine(f"sqlite:///{data_dir / 'resguardo.db'}")
        peak = {"declared": 0, "stored": 0, "db": 0}
        stop = threading.Event()

        def watch() -> None:
            while not stop.is_set():
                declared, stored, _count = _pending(engine)
                peak["declared"] = max(peak["declared"], declared)
                peak["stored"] = max(peak["stored"], stored)
                peak["db"] = max(peak["db"], _database_bytes(data_dir))
                time.sleep(0.05)

        with serve(env, base / "logs", workers=2) as server:
            before = _database_bytes(data_dir)
            watcher = threading.Thread(target=watch)
            watcher.start()
            started = time.monotonic()
            with ThreadPoolExecutor(8) as pool:
                results = list(pool.map(lambda _i: _flood_session(server.url, envelope, uploads_per_session),
                                        range(sessions)))
            seconds = time.monotonic() - started
            stop.set()
            watcher.join()
            declared, stored, count = _pending(engine)
            with engine.begin() as connection:  # two idle hours later
                connection.execute(update(Blob).where(Blob.complete.is_(False)).values(tick=current_tick() - 2))
                connection.execute(update(UploadSession).values(tick=current_tick() - 2))
            ticked = resguardo(["tick"], env).stdout.splitlines()[0]
            after = _database_bytes(data_dir)
        engine.dispose()
        statuses = [status for result in results for status in result]
        print(f"pending: {sessions} fresh sessions x {uploads_per_session} uploads of {len(envelope) / MIB:.1f} MiB, "
              f"cap RESGUARDO_PENDING_BYTES={cap_mib} MiB, {seconds:.1f} s")
        print(f"  declarations: {statuses.count(201)} accepted, {statuses.count(503)} refused 503 (full), "
              f"{len(statuses) - statuses.count(201) - statuses.count(503)} other")
        print(f"  pending bytes at the end: declared {declared / MIB:.1f} MiB, stored {stored / MIB:.1f} MiB, "
              f"{count} uploads")
        print(f"  peak pending bytes: declared {peak['declared'] / MIB:.1f} MiB, stored {peak['stored'] / MIB:.1f} MiB "
              f"(cap {cap_mib} MiB: {'within' if peak['declared'] <= cap else 'ABOVE'})")
        print(f"  database on disk: {before / MIB:.1f} MiB before, {peak['db'] / MIB:.1f} MiB at the peak, "
              f"{after / MIB:.1f} MiB after the tick ({ticked})")


SECTIONS = {"pending": pending}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=f"any of: {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--cap-mib", type=int, default=128)
    args = parser.parse_args()
    unknown = sorted(set(args.sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    for name in args.sections or SECTIONS:
        if name == "pending":
            pending(args.sessions, args.cap_mib)


if __name__ == "__main__":
    main()

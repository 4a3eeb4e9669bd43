"""Benchmark: what a hostile stranger can make the intake spend and hold (loopback only, bounded).

Sections (run all, or name some on the command line):

``memory``   for each POST/PUT route and each content type it takes (and a few
             it does not), a body at the size limit (or an attacker's 16 MiB where
             the limit is small) is sent to a fresh one-worker gunicorn; prints the
             worker's peak RSS growth (VmHWM after minus before, MiB) and the
             status. Target: <= 64 MiB whatever the body.
``slow``     with ``--slow`` connections open (half trickling a request head, half
             trickling a form body with a valid token), the seconds a normal
             reporter needs to load the form and submit a 1 MB report.
             Target: < 10 s.
``pending``  a flood of fresh browser sessions, each declaring and uploading
             as much as it may, against a live gunicorn with a configured
             site-wide cap on unfinished uploads; prints the uploads accepted
             and refused, the peak of pending bytes (declared and actually
             stored) against the cap, and the database's bytes on disk before,
             at the peak and after ``resguardo tick`` expired the flood.

    .venv/bin/python bench/hostile.py [memory] [slow] [pending] [--limit-mib 64] [--slow 200]
                                      [--sessions N] [--cap-mib M]

Everything is made in a temporary directory and served on 127.0.0.1 with the
production gunicorn settings; every loop is bounded and the script stops by itself.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import socket
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
from intake.limits import JSON_CAP  # noqa: E402
from intake.models import Blob, UploadSession  # noqa: E402
from intake.storage import current_tick  # noqa: E402
from intake.upload.checks import MAX_PIECE_BYTES, MAX_PIECE_CHUNKS  # noqa: E402
from keys.stream import SEALED_CHUNK_SIZE  # noqa: E402
from tests.support.live import resguardo, serve  # noqa: E402
from tests.support.submit import csrf_token, submit_report  # noqa: E402

MIB = 1024 * 1024
FORM_MEMORY = MIB  # RESGUARDO_MAX_FORM_MEMORY default


def vm_hwm(pid: int) -> int:
    """Peak resident set of ``pid`` (bytes)."""
    return int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1)) * 1024


def setup(base: Path, limit: int) -> dict[str, str]:
    secret = keys.SecretKey.generate("bench")
    keys.write_public_key_file(base / "bench.public-key", secret.public_key)
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8",
           "RESGUARDO_DATA_DIR": str(base / "data"), "RESGUARDO_MAX_CONTENT_LENGTH": str(limit)}
    resguardo(["init"], env)
    resguardo(["reviewer", "add", str(base / "bench.public-key")], env)
    return env


def _multipart(token: str, size: int) -> tuple[bytes, str]:
    boundary = "----benchHostile"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n").encode()
    middle = (f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"a.bin\"\r\n"
              "Content-Type: application/octet-stream\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + b"d" * 90_000 + middle + os.urandom(size) + tail, f"multipart/form-data; boundary={boundary}"


def memory_cases(limit: int):
    """(name, method, path, content type, body maker(token) -> bytes)."""
    json_array = lambda cap: b"[" + b"{}," * ((cap - 4) // 3) + b"{}]"  # noqa: E731
    return [
        ("/submit multipart, files at the limit", "POST", "/submit", None, lambda token: _multipart(token, limit)),
        ("/submit urlencoded at its cap", "POST", "/submit", "application/x-www-form-urlencoded",
         lambda token: b"csrf_token=" + token.encode() + b"&description=" + b"a" * (FORM_MEMORY - 64 - len(token))),
        ("/submit JSON 16 MiB (refused type)", "POST", "/submit", "application/json", lambda token: json_array(16 * MIB)),
        ("/upload/ JSON at its cap", "POST", "/upload/", "application/json", lambda token: json_array(JSON_CAP)),
        ("/upload/ JSON 16 MiB (over cap)", "POST", "/upload/", "application/json", lambda token: json_array(16 * MIB)),
        ("/upload/submit JSON at its cap", "POST", "/upload/submit", "application/json", lambda token: json_array(JSON_CAP)),
        ("/upload/submit JSON 16 MiB (over cap)", "POST", "/upload/submit", "application/json", lambda token: json_array(16 * MIB)),
        ("/upload/<id> PUT piece at its cap", "PUT", "/upload/{id}?offset=0", "application/octet-stream",
         lambda token: os.urandom(MAX_PIECE_BYTES)),
        ("/upload/begin with a 16 MiB body", "POST", "/upload/begin", "application/octet-stream", lambda token: b"x" * 16 * MIB),
    ]


def measure_memory(env: dict[str, str], base: Path, limit: int) -> None:
    print(f"memory: worker peak RSS growth per request (files limit {limit // MIB} MiB; target <= 64 MiB)")
    print(f"   {'case':<44} {'body MiB':>9} {'status':>6} {'RSS growth MiB':>15}")
    for index, (name, method, path, content_type, make) in enumerate(memory_cases(limit)):
        with serve(env, base / f"logs-{index}", workers=1) as server:
            [worker] = server.workers()
            session = requests.Session()
            token = csrf_token(session.get(server.url + "/", timeout=30).text)
            headers = {"X-CSRFToken": token}
            session.post(server.url + "/upload/begin", headers=headers, timeout=30)
            created = session.post(server.url + "/upload/", json={"size": keys.envelope_size(MAX_PIECE_BYTES, 1)}, headers=headers, timeout=30)
            upload_id = created.json().get("upload_id", "0" * 32)
            body = make(token)
            if content_type is None:
                body, content_type = body
            before = vm_hwm(worker)
            response = session.request(method, server.url + path.format(id=upload_id), data=body,
                                       headers={**headers, "Content-Type": content_type}, timeout=600, allow_redirects=False)
            growth = (vm_hwm(worker) - before) / MIB
            print(f"   {name:<44} {len(body) / MIB:>9.2f} {response.status_code:>6} {growth:>15.1f}")
            del body


def _trickle_head(addr, stop: threading.Event) -> None:
    try:
        with socket.create_connection(addr, timeout=60) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            while not stop.wait(1.0):
                sock.sendall(b"X")
    except OSError:
        pass


def _trickle_body(addr, cookie: str, token: str, length: int, stop: threading.Event) -> None:
    boundary = "----slow"
    start = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
             f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"f.bin\"\r\n\r\n").encode()
    try:
        with socket.create_connection(addr, timeout=60) as sock:
            sock.sendall((f"POST /submit HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; "
                          f"boundary={boundary}\r\nContent-Length: {length}\r\n\r\n").encode() + start)
            while not stop.wait(1.0):
                sock.sendall(b"x")
    except OSError:
        pass


def measure_slow_clients(env: dict[str, str], base: Path, count: int, limit: int) -> None:
    print(f"slow: a normal reporter while {count} slow connections are open (target < 10 s)")
    with serve(env, base / "logs-slow") as server:
        addr = ("127.0.0.1", server.port)
        session = requests.Session()
        token = csrf_token(session.get(server.url + "/", timeout=30).text)
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        stop = threading.Event()
        threads = [threading.Thread(target=_trickle_head, args=(addr, stop)) for _ in range(count // 2)]
        threads += [threading.Thread(target=_trickle_body, args=(addr, cookie, token, limit, stop)) for _ in range(count - count // 2)]
        try:
            for thread in threads:
                thread.start()
            time.sleep(3)
            open_now = sum(1 for thread in threads if thread.is_alive())
            started = time.monotonic()
            response = submit_report(requests.Session(), server.url, {"description": "a normal reporter"},
                                     [("report.bin", os.urandom(1_000_000), "application/octet-stream")], timeout=60)
            seconds = time.monotonic() - started
            print(f"   slow connections open: {open_now}; form loaded and 1 MB report sent in {seconds:.2f} s "
                  f"(status {response.status_code})")
        finally:
            stop.set()
            for thread in threads:
                thread.join(15)


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


def memory(limit_mib: int) -> None:
    """The ``memory`` section (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="resguardo-bench-") as directory:
        base = Path(directory)
        measure_memory(setup(base, limit_mib * MIB), base, limit_mib * MIB)


def slow(count: int, limit_mib: int) -> None:
    """The ``slow`` section (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="resguardo-bench-") as directory:
        base = Path(directory)
        measure_slow_clients(setup(base, limit_mib * MIB), base, count, limit_mib * MIB)


SECTIONS = ("memory", "slow", "pending")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=f"any of: {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--limit-mib", type=int, default=64, help="RESGUARDO_MAX_CONTENT_LENGTH in MiB (memory, slow)")
    parser.add_argument("--slow", type=int, default=200, help="slow connections to hold open (slow)")
    parser.add_argument("--sessions", type=int, default=40, help="fresh sessions (pending)")
    parser.add_argument("--cap-mib", type=int, default=128, help="RESGUARDO_PENDING_BYTES in MiB (pending)")
    args = parser.parse_args()
    unknown = sorted(set(args.sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    for name in args.sections or SECTIONS:
        if name == "memory":
            memory(args.limit_mib)
        elif name == "slow":
            slow(args.slow, args.limit_mib)
        elif name == "pending":
            pending(args.sessions, args.cap_mib)


if __name__ == "__main__":
    main()

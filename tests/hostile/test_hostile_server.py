"""The serving layer against a hostile stranger, over real sockets to a live gunicorn
running the production worker (deploy/worker.py): slow clients, deadlines, bodies at
the limit, and nothing that names the software or the deploy time."""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import requests

from intake.limits import JSON_CAP
from keys import envelope2
from tests.support.live import gunicorn, resguardo
from tests.support.submit import csrf_token, submit_report

pytestmark = pytest.mark.live
DEADLINE = 3  # seconds: RESGUARDO_HEADER_TIMEOUT and RESGUARDO_BODY_IDLE_TIMEOUT below
STATIC = Path(__file__).resolve().parents[2] / "intake" / "static"


@pytest.fixture(scope="module")
def live(tmp_path_factory, reviewer):
    base = tmp_path_factory.mktemp("hostile-server")
    paths = {name: base / name for name in ("data", "home", "tmp", "logs")}
    for name in ("home", "tmp"):
        paths[name].mkdir()
    env = {
        "PATH": os.environ["PATH"], "HOME": str(paths["home"]), "TMPDIR": str(paths["tmp"]), "LANG": "C.UTF-8",
        "RESGUARDO_DATA_DIR": str(paths["data"]), "RESGUARDO_MAX_CONTENT_LENGTH": str(4 * 2**20),
        "RESGUARDO_HEADER_TIMEOUT": str(DEADLINE), "RESGUARDO_BODY_IDLE_TIMEOUT": str(DEADLINE),
    }
    resguardo(["init"], env)
    resguardo(["reviewer", "add", str(reviewer.public_file)], env)
    with gunicorn(env, paths["logs"]) as url:
        host, port = url.removeprefix("http://").split(":")
        yield {**paths, "url": url, "addr": (host, int(port))}


def exchange(live, data: bytes, timeout: float = 15) -> tuple[bytes, float]:
    """Send ``data``, read until the server closes; (everything read, seconds until closed)."""
    started = time.monotonic()
    with socket.create_connection(live["addr"], timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    return received, time.monotonic() - started


def _stored(live) -> tuple[int, int, int]:
    """(submission rows, blob rows, chunk rows): pending blobs are unfinished uploads."""
    with sqlite3.connect(live["data"] / "resguardo.db") as connection:
        return tuple(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                     for table in ("submissions", "blobs", "blob_chunks"))


@pytest.mark.parametrize("request_bytes, status, title", [
    (b"GARBAGE\r\n\r\n", 400, "No se pudo entender la solicitud"),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "La dirección es demasiado larga"),
    (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % n for n in range(60)) + b"\r\n", 431, "No se pudo entender la solicitud"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400, "No se pudo entender la solicitud"),
])
def test_what_gunicorn_cannot_parse_gets_the_apps_page(live, request_bytes, status, title):
    reply, _ = exchange(live, request_bytes)
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].split()[1] == str(status)
    headers = {line.split(":", 1)[0].lower(): line.split(":", 1)[1].strip() for line in lines[1:]}
    assert f"<h1>{title}</h1>" in body.decode()
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert headers["connection"] == "close" and "server" not in headers
    assert b"gunicorn" not in reply.lower() and b"Invalid" not in reply
    log = (live["logs"] / "gunicorn.stderr").read_text()
    assert "a" * 100 not in log and "Bad Header" not in log and "GARBAGE" not in log


def test_a_body_with_broken_chunks_is_a_400_page(live):
    reply, _ = exchange(live, b"POST /submit HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                              b"Transfer-Encoding: chunked\r\n\r\nZZ\r\n")
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert "<h1>No se pudo entender la solicitud</h1>" in reply.decode()
    assert "unhandled" not in (live["logs"] / "gunicorn.stderr").read_text()


def test_static_files_and_pages_carry_no_deploy_time(live):
    session = requests.Session()
    for path in ("/", "/received", "/static/css/style.css", "/static/js/form.js"):
        response = session.get(live["url"] + path, timeout=10)
        assert response.status_code == 200
        assert "Last-Modified" not in response.headers, path
        etag = response.headers.get("ETag")
        if path.startswith("/static/"):
            digest = hashlib.sha256((STATIC / path.removeprefix("/static/")).read_bytes()).hexdigest()[:16]
            assert etag == f'"{digest}"'
            again = session.get(live["url"] + path, headers={"If-None-Match": etag}, timeout=10)
            assert again.status_code == 304 and "Last-Modified" not in again.headers
        else:
            assert etag is None


def test_a_request_head_that_trickles_is_cut_at_the_deadline(live):
    started = time.monotonic()
    with socket.create_connection(live["addr"], timeout=30) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        closed = False
        for _ in range(40):
            try:
                sock.sendall(b"X")
                time.sleep(0.25)
                sock.setblocking(False)
                try:
                    if sock.recv(1) == b"":
                        closed = True
                        break
                except BlockingIOError:
                    pass
                finally:
                    sock.setblocking(True)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
    assert closed, "the server kept a trickling request head open for 10 s"
    assert time.monotonic() - started < DEADLINE + 2


def test_a_stalled_body_ends_with_408_and_leaves_nothing(live):
    session = requests.Session()
    token = csrf_token(session.get(live["url"] + "/", timeout=10).text)
    before = _stored(live)
    boundary = "----stalled"
    start = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
             f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"f.bin\"\r\n\r\n").encode() + os.urandom(200_000)
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    head = (f"POST /submit HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {len(start) + 500_000}\r\n\r\n").encode()
    reply, seconds = exchange(live, head + start, timeout=DEADLINE + 10)
    assert reply.startswith(b"HTTP/1.1 408 ")
    assert "<h1>La conexión fue demasiado lenta</h1>" in reply.decode("utf-8", "replace")
    assert seconds < DEADLINE + 3
    deadline = time.monotonic() + 5
    while _stored(live) != before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _stored(live) == before


def test_json_exactly_at_the_cap_passes_one_byte_more_is_413(live, reviewer):
    session = requests.Session()
    token = csrf_token(session.get(live["url"] + "/", timeout=10).text)
    headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
    assert session.post(live["url"] + "/upload/begin", headers={"X-CSRFToken": token}, timeout=10).status_code == 200
    # one recipient's smallest envelope of the kind the intake writes (v2 for an X-Wing key)
    size = envelope2.envelope_size(1, [reviewer.secret.public_key.kind])
    body = b'{"size": %d}' % size
    exact = body + b" " * (JSON_CAP - len(body))
    answer = session.post(live["url"] + "/upload/", data=exact, headers=headers, timeout=10)
    assert answer.status_code == 201, answer.text
    over = session.post(live["url"] + "/upload/", data=exact + b" ", headers=headers, timeout=10)
    assert over.status_code == 413 and over.json()["code"] == "too_large"


def _trickle_head(live, stop: threading.Event) -> None:
    try:
        with socket.create_connection(live["addr"], timeout=30) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            while not stop.wait(0.5):
                sock.sendall(b"X")
    except OSError:
        pass


def _trickle_body(live, cookie: str, token: str, stop: threading.Event) -> None:
    boundary = "----slow"
    start = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
             f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"f.bin\"\r\n\r\n").encode()
    try:
        with socket.create_connection(live["addr"], timeout=30) as sock:
            sock.sendall((f"POST /submit HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nContent-Type: multipart/form-data; "
                          f"boundary={boundary}\r\nContent-Length: 3000000\r\n\r\n").encode() + start)
            while not stop.wait(0.5):
                sock.sendall(b"x")
    except OSError:
        pass


def test_a_reporter_is_served_while_many_slow_clients_hold_connections(live):
    """Once 16 trickling connections held every gunicorn thread; now 150 do not stop a reporter."""
    session = requests.Session()
    token = csrf_token(session.get(live["url"] + "/", timeout=10).text)
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    stop = threading.Event()
    threads = [threading.Thread(target=_trickle_head, args=(live, stop)) for _ in range(100)]
    threads += [threading.Thread(target=_trickle_body, args=(live, cookie, token, stop)) for _ in range(50)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        reporter = requests.Session()
        response = submit_report(reporter, live["url"], {"description": "served beside slow clients"},
                                 [("a.bin", os.urandom(1_000_000), "application/octet-stream")], timeout=30)
        assert response.status_code == 200
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)

"""Hostile input against a live gunicorn (deploy/gunicorn.conf.py), over real sockets.

What needs a socket: slow and abandoned bodies, chunked bodies over the
limit, Content-Length values gunicorn itself parses, the Server header,
the control socket, and canary headers that must reach no log or row.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.support.canary import scan
from tests.support.live import gunicorn, resguardo
from tests.support.submit import csrf_token

pytestmark = pytest.mark.live
LIMIT = 4 * 1024 * 1024
BOUNDARY = "----resguardoLive"
TOKEN = secrets.token_hex(5)
CANARIES = {name: f"CANARY-{name.upper()}-{TOKEN}" for name in ("ua", "xff", "referer", "cookie", "lang")}
LEAKY_WORDS = ["Traceback", 'File "', "gunicorn", "Werkzeug", "werkzeug", "Flask", "Python", "27.0.1", "/tmp/", "/work/", "site-packages"]


@pytest.fixture(scope="module")
def live(tmp_path_factory, reviewer):
    """A gunicorn with a 4 MiB limit, its own HOME and TMPDIR; yields a dict of paths and the URL."""
    base = tmp_path_factory.mktemp("hostile-live")
    paths = {name: base / name for name in ("data", "home", "tmp", "logs")}
    for name in ("home", "tmp"):
        paths[name].mkdir()
    env = {
        "PATH": os.environ["PATH"], "HOME": str(paths["home"]), "TMPDIR": str(paths["tmp"]), "LANG": "C.UTF-8",
        "RESGUARDO_DATA_DIR": str(paths["data"]), "RESGUARDO_MAX_CONTENT_LENGTH": str(LIMIT),
    }
    resguardo(["init"], env)
    resguardo(["reviewer", "add", str(reviewer.public_file)], env)
    with gunicorn(env, paths["logs"]) as url:
        host, port = url.removeprefix("http://").split(":")
        yield {**paths, "url": url, "addr": (host, int(port))}


def raw(live, request: bytes, *, body_pieces=(), delay: float = 0.0, timeout: float = 20) -> tuple[int, dict, bytes]:
    """Send ``request`` (then each body piece, ``delay`` s apart) on a new socket; parse the reply."""
    with socket.create_connection(live["addr"], timeout=timeout) as sock:
        sock.sendall(request)
        try:
            for piece in body_pieces:
                time.sleep(delay)
                sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early (e.g. 413) and closed
        data = b""
        while b"\r\n\r\n" not in data or len(data) < _expected_length(data):
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return int(lines[0].split()[1]), headers, body


def _expected_length(data: bytes) -> int:
    head, sep, _ = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return len(head) + len(sep) + int(match.group(1)) if match and sep else 1 << 62


def _session(live) -> tuple[requests.Session, str]:
    session = requests.Session()
    return session, csrf_token(session.get(live["url"] + "/", timeout=10).text)


def _cookie_header(session: requests.Session) -> bytes:
    return ("; ".join(f"{c.name}={c.value}" for c in session.cookies)).encode()


def _form(token: str, description: bytes, file_bytes: bytes = b"") -> bytes:
    def part(headers: str, content: bytes) -> bytes:
        return f"--{BOUNDARY}\r\n{headers}\r\n\r\n".encode() + content + b"\r\n"
    return (part('Content-Disposition: form-data; name="csrf_token"', token.encode())
            + part('Content-Disposition: form-data; name="description"', description)
            + part('Content-Disposition: form-data; name="attachments"; filename="f.bin"', file_bytes)
            + f"--{BOUNDARY}--\r\n".encode())


def _post_head(live, cookie: bytes, extra: bytes) -> bytes:
    return (b"POST /submit HTTP/1.1\r\nHost: x.onion\r\nCookie: " + cookie
            + b"\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY.encode() + b"\r\n" + extra + b"\r\n")


def _stored(live) -> tuple[int, list[tuple[str, int]]]:
    """(submission rows, [(blob id, complete)]): pending blobs are unfinished uploads."""
    with sqlite3.connect(live["data"] / "resguardo.db") as connection:
        rows = connection.execute("SELECT count(*) FROM submissions").fetchone()[0]
        blobs = sorted(connection.execute("SELECT id, complete FROM blobs").fetchall())
    return rows, blobs


def _settled(live, before, seconds: float = 10.0):
    """Wait until what is stored equals ``before`` again (an abandoned upload is cleaned at request end)."""
    deadline = time.monotonic() + seconds
    while _stored(live) != before and time.monotonic() < deadline:
        time.sleep(0.1)
    return _stored(live)


def test_no_response_names_the_server(live):
    session, token = _session(live)
    responses = [session.get(live["url"] + path, timeout=10) for path in ("/", "/received", "/nope", "/submit", "/static/css/style.css")]
    responses.append(session.post(live["url"] + "/submit", data={"description": "x"}, timeout=10))
    for response in responses:
        assert "Server" not in response.headers, response.url
    for request in (b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"):
        status, headers, _ = raw(live, request)
        assert status == 400 and "server" not in headers


def test_no_control_socket_is_opened(live):
    assert not (live["home"] / ".gunicorn").exists()
    assert list(live["home"].iterdir()) == []


@pytest.mark.parametrize("value", [b"-1", b"abc", b"1e3", b"0x10", b"99999999999999999999999999", b"5, 6"])
def test_absurd_content_length_at_the_socket(live, value):
    session, token = _session(live)
    before = _stored(live)
    status, headers, body = raw(live, _post_head(live, _cookie_header(session), b"Content-Length: " + value + b"\r\n"))
    assert status in (400, 413), (value, status)  # what is not HTTP is refused by gunicorn, with the app's page
    assert ("<h1>Demasiados datos</h1>" if status == 413 else "<h1>No se pudo entender la solicitud</h1>") in body.decode()
    assert not any(word.encode() in body for word in LEAKY_WORDS if word != "gunicorn")
    assert _stored(live) == before


def test_chunked_body_over_the_limit_is_413_and_stores_nothing(live):
    session, token = _session(live)
    before = _stored(live)
    form = _form(token, b"chunked", os.urandom(LIMIT + 1024 * 1024))
    pieces = [b"%x\r\n" % len(form[i:i + 65536]) + form[i:i + 65536] + b"\r\n" for i in range(0, len(form), 65536)] + [b"0\r\n\r\n"]
    status, _headers, body = raw(live, _post_head(live, _cookie_header(session), b"Transfer-Encoding: chunked\r\n"), body_pieces=pieces)
    assert status == 413 and "<h1>Demasiados datos</h1>" in body.decode()
    assert _settled(live, before) == before


def test_slow_body_is_stored_and_does_not_block_others(live):
    session, token = _session(live)
    rows, blobs = _stored(live)
    form = _form(token, b"slow but steady", os.urandom(200_000))
    pieces = [form[i:i + 8192] for i in range(0, len(form), 8192)]
    result = {}

    def slow():
        result["reply"] = raw(live, _post_head(live, _cookie_header(session), b"Content-Length: %d\r\n" % len(form)), body_pieces=pieces, delay=0.12)

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    assert requests.get(live["url"] + "/", timeout=10).status_code == 200
    assert time.monotonic() - started < 2.0
    thread.join(60)
    assert result["reply"][0] == 200 and "location" not in result["reply"][1]
    after_rows, after_blobs = _stored(live)
    assert after_rows == rows + 1 and len(after_blobs) == len(blobs) + 2
    assert all(complete for _id, complete in after_blobs)


def test_abandoned_slow_body_leaves_nothing(live):
    session, token = _session(live)
    before = _stored(live)
    form = _form(token, b"abandoned", os.urandom(300_000))
    with socket.create_connection(live["addr"], timeout=10) as sock:
        sock.sendall(_post_head(live, _cookie_header(session), b"Content-Length: %d\r\n" % len(form)))
        for i in range(0, len(form) // 2, 16384):
            sock.sendall(form[i:i + 16384])
            time.sleep(0.02)
    assert _settled(live, before) == before


def test_canary_headers_reach_no_log_no_row_no_file(live):
    started = time.time() - 1
    headers = {
        "User-Agent": CANARIES["ua"], "X-Forwarded-For": "198.51.100.7, " + CANARIES["xff"],
        "Referer": f"http://{CANARIES['referer']}.example/", "Accept-Language": f"es, {CANARIES['lang']};q=0.5",
    }
    session = requests.Session()
    session.headers.update(headers)
    session.cookies.set("tracking", CANARIES["cookie"])
    token = csrf_token(session.get(live["url"] + "/", timeout=10).text)
    url = live["url"]
    replies = [
        session.post(url + "/submit", files={"description": (None, "canary run"), "csrf_token": (None, token),
                                             "attachments": ("a.txt", b"abc")}, allow_redirects=False, timeout=30),
        session.get(url + "/nope", timeout=10),
        session.put(url + "/", timeout=10),
        session.post(url + "/submit", data={"description": "no token"}, timeout=10),
        session.post(url + "/submit", data=b"--x\r\ngarbage", headers={"Content-Type": "multipart/form-data; boundary=x"}, timeout=10),
        session.post(url + "/submit", files={"csrf_token": (None, token), "attachments": ("big", os.urandom(LIMIT + 10))}, timeout=30),
    ]
    assert [reply.status_code for reply in replies] == [200, 404, 405, 400, 400, 413]
    cookie = _cookie_header(session) + b"; tracking=" + CANARIES["cookie"].encode()
    canary_head = "".join(f"{name}: {value}\r\n" for name, value in headers.items()).encode()
    status, _, _ = raw(live, b"POST /submit HTTP/1.1\r\nHost: x\r\nCookie: " + cookie + b"\r\n" + canary_head + b"Content-Length: -5\r\n\r\n")
    assert status == 400
    for reply in replies:
        assert not [word for word in LEAKY_WORDS if word in reply.text], reply.url
    needles = [value.encode() for value in CANARIES.values()] + [b"198.51.100.7"]
    hits = scan([live["data"], live["tmp"], live["logs"], live["home"]], needles)
    hits += scan([Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")], needles, skip=[live["data"].parents[2]], newer_than=started)
    assert hits == []


def test_a_500_shows_a_localized_page_and_logs_no_detail(live):
    """Make the blob store unusable (a trigger refuses new blobs): the next upload fails inside the app."""
    session, token = _session(live)
    before = _stored(live)
    with sqlite3.connect(live["data"] / "resguardo.db") as connection:
        connection.execute("CREATE TRIGGER broken BEFORE INSERT ON blobs BEGIN SELECT RAISE(ABORT, 'broken'); END")
    try:
        reply = session.post(live["url"] + "/submit", files={"csrf_token": (None, token), "description": (None, CANARIES["ua"] + "-500"),
                                                              "attachments": ("x.bin", b"data")}, timeout=30)
    finally:
        with sqlite3.connect(live["data"] / "resguardo.db") as connection:
            connection.execute("DROP TRIGGER broken")
    assert reply.status_code == 500
    assert "<h1>Algo falló de nuestro lado</h1>" in reply.text
    assert not [word for word in LEAKY_WORDS if word in reply.text]
    log = (live["logs"] / "gunicorn.stderr").read_text()
    assert "unhandled IntegrityError at " in log
    assert CANARIES["ua"] not in log and str(live["data"]) not in log
    assert _stored(live) == before

"""What each route lets a request send, decided before its body is read (intake/limits.py,
intake/tokenfirst.py): content types, size caps, the CSRF token first, limits that mean
what the form promises."""

from __future__ import annotations

import io

import pytest

import keys
from intake import create_app, reviewers
from intake.limits import JSON_CAP, RULES, form_body_cap
from intake.upload.checks import MAX_PIECE_BYTES
from tests.support.created import footprint, no_work
from tests.support.stored import stored_submissions
from tests.support.submit import csrf_token

BOUNDARY = b"----resguardoBodies"
CT = "multipart/form-data; boundary=" + BOUNDARY.decode()
UPLOAD_ID = "0" * 32
#: Every POST/PUT route, with a body of the kind it takes.
ROUTES = [
    ("POST", "/submit", "multipart/form-data; boundary=x"),
    ("POST", "/upload/begin", "application/json"),
    ("POST", "/upload/", "application/json"),
    ("PUT", f"/upload/{UPLOAD_ID}?offset=0", "application/octet-stream"),
    ("POST", f"/upload/{UPLOAD_ID}/finish", None),
    ("POST", "/upload/submit", "application/json"),
]


class Untouchable(io.RawIOBase):
    """A request body that fails the test if anyone reads a byte of it."""

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, _offset, _whence=0):
        return 0

    def tell(self):
        return 0

    def readinto(self, _buffer):
        raise AssertionError("the body was read")


def multipart(parts: list[tuple[bytes, bytes]]) -> bytes:
    body = b"".join(b"--" + BOUNDARY + b"\r\n" + headers + b"\r\n\r\n" + content + b"\r\n" for headers, content in parts)
    return body + b"--" + BOUNDARY + b"--\r\n"


def field(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    return b'Content-Disposition: form-data; name="' + name + b'"', value


def file_part(content: bytes, name: bytes = b"f.bin") -> tuple[bytes, bytes]:
    return b'Content-Disposition: form-data; name="attachments"; filename="' + name + b'"', content


def _kind(response) -> str:
    """"json" for the upload API's error shape, "html" for a page."""
    return "json" if response.is_json else "html"


def test_every_post_route_has_a_rule(app):
    """A new POST/PUT route must be given a rule (else it accepts no body at all)."""
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules() for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}}
    assert routes == set(RULES)


@pytest.mark.parametrize("method, path, content_type", ROUTES)
def test_a_body_over_the_cap_is_413_before_a_byte_is_read(app, client, token, method, path, content_type):
    length = (form_body_cap(app.config) if path == "/submit" else {None: 0, "application/json": JSON_CAP}.get(content_type, MAX_PIECE_BYTES)) + 1
    with pytest.MonkeyPatch.context() as patch, no_work(app, patch):
        response = client.open(path, method=method, input_stream=Untouchable(), environ_overrides={"CONTENT_LENGTH": str(length)},
                               content_type=content_type or "application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 413
    assert _kind(response) == ("html" if path == "/submit" else "json")
    if path == "/submit":
        assert "<h1>Demasiados datos</h1>" in response.get_data(as_text=True)
    else:
        assert response.get_json()["code"] == "too_large"


@pytest.mark.parametrize("method, path, content_type", ROUTES)
@pytest.mark.parametrize("sent", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json"])
def test_a_type_the_route_does_not_take_is_415_before_a_byte_is_read(app, client, token, method, path, content_type, sent):
    takes = {"/submit": ("multipart/form-data", "application/x-www-form-urlencoded")}.get(path, (content_type or "-",))
    if sent.split(";")[0] in takes:
        return
    with pytest.MonkeyPatch.context() as patch, no_work(app, patch):
        response = client.open(path, method=method, input_stream=Untouchable(), environ_overrides={"CONTENT_LENGTH": "10"},
                               content_type=sent, headers={"X-CSRFToken": token})
    assert response.status_code == (415 if content_type or path == "/submit" else 413)  # 413: the route takes no body
    assert _kind(response) == ("html" if path == "/submit" else "json")


def test_415_is_localized(app, client):
    client.get("/language/en")
    response = client.post("/submit", data=b"{}", content_type="application/json")
    assert response.status_code == 415
    assert "This page does not take this kind of data." in response.get_data(as_text=True)
    client.get("/language/es")
    response = client.post("/submit", data=b"{}", content_type="application/json")
    assert "Esta página no acepta este tipo de datos." in response.get_data(as_text=True)


def test_a_huge_json_array_is_refused_unread(app, client, token):
    """16 MiB of [{},{},...] on /upload/submit once cost a worker +446 MB."""
    with pytest.MonkeyPatch.context() as patch, no_work(app, patch):
        response = client.post("/upload/submit", input_stream=Untouchable(), environ_overrides={"CONTENT_LENGTH": str(16 * 2**20)},
                               content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 413


def test_a_chunked_body_without_length_is_bounded_too(app, client, token):
    body = b'{"size": ' + b" " * (JSON_CAP + 10) + b"1}"
    environ = {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"}
    client.post("/upload/begin", headers={"X-CSRFToken": token})
    response = client.post("/upload/", input_stream=io.BytesIO(body), content_type="application/json",
                           headers={"X-CSRFToken": token}, environ_overrides=environ)
    assert response.status_code == 413
    assert response.get_json()["code"] == "too_large"


# --- No work before the CSRF token ---------------------------------------------------------

def _post(client, body: bytes):
    return client.post("/submit", data=body, content_type=CT)


@pytest.mark.parametrize("case", ["file first", "no token", "wrong token", "token after the file"])
def test_no_file_is_sealed_before_a_valid_token(app, client, token, case):
    parts = {
        "file first": [file_part(b"x" * 200_000), field(b"csrf_token", token.encode()), field(b"description", b"late")],
        "no token": [field(b"description", b"none"), file_part(b"x" * 200_000)],
        "wrong token": [field(b"csrf_token", b"forged"), file_part(b"x" * 200_000)],
        "token after the file": [field(b"description", b"d"), file_part(b"x" * 10), field(b"csrf_token", token.encode())],
    }[case]
    with pytest.MonkeyPatch.context() as patch, no_work(app, patch):
        response = _post(client, multipart(parts))
    assert response.status_code == 400
    assert "<h1>Su sesión expiró</h1>" in response.get_data(as_text=True)


def test_the_helper_does_see_work_done(app, client, token):
    """The check above can fail: a valid form seals its file, and no_work notices."""
    with pytest.raises(AssertionError), pytest.MonkeyPatch.context() as patch, no_work(app, patch):
        _post(client, multipart([field(b"csrf_token", token.encode()), field(b"description", b"d"), file_part(b"abc")]))


def test_the_token_first_form_is_stored(app, client, token):
    response = _post(client, multipart([field(b"csrf_token", token.encode()), field(b"description", b"ok"), file_part(b"abc")]))
    assert response.status_code == 200
    assert len(stored_submissions(app)) == 1


def test_the_form_sends_its_token_first(client):
    """Browsers send fields in document order: the token must be the form's first control."""
    import re

    html = client.get("/").get_data(as_text=True)
    form = html[html.index('<form method="post"'):]
    first = re.search(r"<(input|textarea|select)\b[^>]*>", form).group(0)
    assert 'name="csrf_token"' in first


@pytest.mark.parametrize("method, path, content_type", ROUTES[1:])
@pytest.mark.parametrize("header", [None, "forged"])
def test_js_routes_check_the_header_before_the_body(app, client, token, method, path, content_type, header):
    headers = {} if header is None else {"X-CSRFToken": header}
    with pytest.MonkeyPatch.context() as patch, no_work(app, patch):
        response = client.open(path, method=method, input_stream=Untouchable() if content_type else None,
                               environ_overrides={"CONTENT_LENGTH": "5" if content_type else "0"}, content_type=content_type, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["code"] == "csrf"


# --- Limits say what they mean -----------------------------------------------------------

@pytest.fixture
def small_app(env, reviewer, monkeypatch):
    monkeypatch.setenv("RESGUARDO_MAX_CONTENT_LENGTH", str(300_000))
    setup = create_app(require_reviewers=False)
    with setup.app_context():
        reviewers.add(reviewer.secret.public_key)
    setup.extensions["resguardo.engine"].dispose()
    application = create_app()
    yield application
    application.extensions["resguardo.engine"].dispose()


@pytest.mark.parametrize("extra, status", [(0, 200), (1, 413)])
def test_files_of_exactly_the_limit_pass_one_byte_more_is_413(small_app, extra, status):
    """The form promises MAX_CONTENT_LENGTH of files: exactly that is stored, one byte more refused."""
    client = small_app.test_client()
    token = csrf_token(client.get("/").get_data(as_text=True))
    half = 150_000
    parts = [field(b"csrf_token", token.encode()), field(b"description", b"x" * 50_000),
             file_part(b"a" * half, b"a.bin"), file_part(b"b" * (half + extra), b"b.bin")]
    response = client.post("/submit", data=multipart(parts), content_type=CT)
    assert response.status_code == status
    assert len(stored_submissions(small_app)) == (1 if status == 200 else 0)


def test_js_a_file_of_exactly_the_limit_is_accepted(small_app):
    """With JavaScript the promise is the same: a file of the limit's size is not refused
    for its envelope's padding (it once was, up to ~6 % below the limit)."""
    client = small_app.test_client()
    token = csrf_token(client.get("/").get_data(as_text=True))
    headers = {"X-CSRFToken": token}
    assert client.post("/upload/begin", headers=headers).status_code == 200
    limit = small_app.config["MAX_CONTENT_LENGTH"]
    report = client.post("/upload/", json={"size": keys.envelope_size_v2(2000, ["xwing"])}, headers=headers)
    assert report.status_code == 201
    assert keys.envelope_size_v2(limit, ["xwing"]) > limit  # padding: the envelope is larger than the promise
    answer = client.post("/upload/", json={"size": keys.envelope_size_v2(limit, ["xwing"])}, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    # A file that cannot fit beside it (even its smallest possible content is over
    # what is left of the files' limit and the report's text allowance) is refused.
    more = client.post("/upload/", json={"size": keys.envelope_size_v2(2 * small_app.config["MAX_FORM_MEMORY_SIZE"], ["xwing"])}, headers=headers)
    assert more.status_code == 413


# --- Slow clients and bounded uploads (the app's half; deploy/worker.py sets the socket timeouts) ---

def test_uploads_beyond_the_bound_get_a_quick_localized_503(app, client, token):
    slots = app.extensions["resguardo.upload_slots"]
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    try:
        assert taken == app.config["MAX_UPLOADS"]
        with pytest.MonkeyPatch.context() as patch, no_work(app, patch):
            page = _post(client, multipart([field(b"csrf_token", token.encode()), file_part(b"abc")]))
            piece = client.put(f"/upload/{UPLOAD_ID}?offset=0", data=b"x" * 100, headers={"X-CSRFToken": token},
                               content_type="application/octet-stream")
        assert page.status_code == 503
        assert "<h1>El sitio está ocupado</h1>" in page.get_data(as_text=True)
        assert piece.status_code == 503
        assert piece.get_json()["title"] == "El sitio está ocupado"
    finally:
        for _ in range(taken):
            slots.release()
    assert _post(client, multipart([field(b"csrf_token", token.encode()), field(b"description", b"d")])).status_code == 200


def test_a_refused_upload_gives_its_slot_back(app, client, token):
    slots = app.extensions["resguardo.upload_slots"]
    for _ in range(app.config["MAX_UPLOADS"] + 2):
        assert _post(client, multipart([file_part(b"abc"), field(b"csrf_token", token.encode())])).status_code == 400
    assert slots.acquire(blocking=False)
    slots.release()


class Trickle(io.RawIOBase):
    """A body that arrives ``rate`` bytes per (fake) second."""

    def __init__(self, body: bytes, clock: list[float], rate: int) -> None:
        self.body, self.clock, self.rate = body, clock, rate

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, _offset, _whence=0):
        return 0

    def tell(self):
        return 0

    def readinto(self, buffer):
        piece = self.body[: min(len(buffer), self.rate)]
        self.body = self.body[len(piece):]
        self.clock[0] += 1.0
        buffer[: len(piece)] = piece
        return len(piece)


def test_a_body_slower_than_the_minimum_rate_is_408(app, client, token, monkeypatch):
    from intake import limits

    clock = [1000.0]
    monkeypatch.setattr(limits.time, "monotonic", lambda: clock[0])
    body = multipart([field(b"csrf_token", token.encode()), field(b"description", b"slow"), file_part(b"z" * 200_000)])
    before = footprint(app)
    response = client.post("/submit", input_stream=Trickle(body, clock, 100), content_type=CT,
                           environ_overrides={"CONTENT_LENGTH": str(len(body))})
    assert response.status_code == 408
    assert "<h1>La conexión fue demasiado lenta</h1>" in response.get_data(as_text=True)
    assert footprint(app) == before  # what the slow request had sealed was deleted

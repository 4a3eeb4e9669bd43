"""CPU time and memory per request stay bounded whatever the body.

Bodies are generated on the fly (tests.support.hostile.GeneratedBody), so
tracemalloc's peak is what the app itself held. Figures are printed at the
end of the run ("hostile input: figures per request").
"""

from __future__ import annotations

import pytest

from intake import db
from intake.limits import form_body_cap

from tests.hostile.conftest import build_app
from tests.support.hostile import GeneratedBody, check_stored, disposition, measured, page_kind, snapshot
from tests.support.stored import open_submission, stored_submissions
from tests.support.submit import csrf_token

BOUNDARY = b"----resguardoResources"
CT = "multipart/form-data; boundary=" + BOUNDARY.decode()
MIB = 1 << 20
LIMIT = 4 * MIB  # RESGUARDO_MAX_CONTENT_LENGTH of the app below
MEMORY_LIMIT = 4 * MIB  # peak Python allocations while one request runs


@pytest.fixture(scope="module")
def small_app(tmp_path_factory, reviewer):
    """An app whose request limit is 4 MiB, so "over the limit" is cheap to send."""
    application = build_app(tmp_path_factory, reviewer, RESGUARDO_MAX_CONTENT_LENGTH=str(LIMIT))
    application.test_client().get("/no-such-page").close()  # Babel loads its locale data once, on first use
    yield application
    db.dispose(application)


@pytest.fixture
def session(small_app):
    client = small_app.test_client()
    return client, csrf_token(client.get("/").get_data(as_text=True))


def _part(headers: bytes) -> bytes:
    return b"--" + BOUNDARY + b"\r\n" + headers + b"\r\n\r\n"


def _send(client, name: str, pieces: list, *, content_length: str | None = None, chunked: bool = False):
    body = GeneratedBody(pieces)
    environ = {"wsgi.input": body, "CONTENT_TYPE": CT}
    if chunked:
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = content_length if content_length is not None else str(body.length)
    return measured(name, lambda: client.post("/submit", environ_overrides=environ), trace_memory=True, memory_limit=MEMORY_LIMIT)


def _head(token: str) -> list[bytes]:
    return [_part(disposition(b"csrf_token")), token.encode() + b"\r\n", _part(disposition(b"description")), b"hola\r\n"]


def test_a_huge_file_part_without_line_breaks_streams_in_constant_memory(small_app, session, reviewer):
    client, token = session
    size = LIMIT - 4096
    before = snapshot(small_app)
    pieces = _head(token) + [_part(disposition(b"attachments", b"one-line.bin")), (b"x", size), b"\r\n--" + BOUNDARY + b"--\r\n"]
    response = _send(client, "huge part, no line breaks (4 MiB)", pieces)
    assert response.status_code == 200
    check_stored(small_app, before, stored=True)
    [new] = [row for row in stored_submissions(small_app) if row.id not in before.submissions]
    report, files = open_submission(small_app, new, reviewer.secret)
    assert report["attachments"][0]["size"] == size and list(files.values()) == [b"x" * size]


def test_over_the_limit_is_413_and_stores_nothing(small_app, session):
    client, token = session
    before = snapshot(small_app)
    pieces = _head(token) + [_part(disposition(b"attachments", b"big.bin")), (b"\x00", LIMIT + MIB), b"\r\n--" + BOUNDARY + b"--\r\n"]
    response = _send(client, "over the limit (declared)", pieces)
    assert response.status_code == 413 and page_kind(response) == "too_much"
    check_stored(small_app, before)


def test_chunked_body_over_the_limit_is_cut_at_the_limit(small_app, session):
    client, token = session
    before = snapshot(small_app)
    pieces = _head(token) + [_part(disposition(b"attachments", b"big.bin")), (b"y", 3 * LIMIT), b"\r\n--" + BOUNDARY + b"--\r\n"]
    response = _send(client, "over the limit (chunked, no length)", pieces, chunked=True)
    assert response.status_code == 413 and page_kind(response) == "too_much"
    check_stored(small_app, before)


def test_a_huge_text_field_without_line_breaks_is_413(small_app, session):
    client, token = session
    before = snapshot(small_app)
    pieces = _head(token)[:2] + [_part(disposition(b"description")), (b"z", LIMIT - 4096), b"\r\n--" + BOUNDARY + b"--\r\n"]
    response = _send(client, "huge text field (over form memory)", pieces)
    assert response.status_code == 413 and page_kind(response) == "too_much"
    check_stored(small_app, before)


def test_an_enormous_number_of_parts_is_413_early(small_app, session):
    client, token = session
    before = snapshot(small_app)
    tiny = _part(disposition(b"incident_types")) + b"threats\r\n"
    pieces = _head(token) + [(tiny, 40_000), b"--" + BOUNDARY + b"--\r\n"]
    assert LIMIT // 2 < GeneratedBody(pieces).length < LIMIT  # under the size limit: the part limit must act
    response = _send(client, "40 000 parts", pieces)
    assert response.status_code == 413 and page_kind(response) == "too_much"
    check_stored(small_app, before)


def test_an_enormous_number_of_file_parts_is_413_and_no_blob_stays(small_app, session):
    client, token = session
    before = snapshot(small_app)
    tiny = _part(disposition(b"attachments", b"f.txt")) + b"a\r\n"
    pieces = _head(token) + [(tiny, 10_000), b"--" + BOUNDARY + b"--\r\n"]
    assert GeneratedBody(pieces).length < LIMIT
    response = _send(client, "10 000 file parts", pieces)
    assert response.status_code == 413 and page_kind(response) == "too_much"
    check_stored(small_app, before)


@pytest.mark.parametrize("value, status, kind", [
    ("-1", 400, "bad_request"),
    ("-99999999999999999999", 400, "bad_request"),
    ("abc", 400, "bad_request"),
    ("1e9", 400, "bad_request"),
    ("0x10", 400, "bad_request"),
    (" 12", 400, "bad_request"),
    ("99999999999999999999999999999", 413, "too_much"),
    ("form cap + 1", 413, "too_much"),
    ("0", 400, "bad_request"),
])
def test_absurd_content_length(small_app, session, value, status, kind):
    client, token = session
    if value == "form cap + 1":
        value = str(form_body_cap(small_app.config) + 1)
    before = snapshot(small_app)
    response = _send(client, "absurd Content-Length", _head(token) + [b"--" + BOUNDARY + b"--\r\n"], content_length=value)
    assert response.status_code == status and page_kind(response) == kind
    check_stored(small_app, before)


def test_a_body_shorter_than_its_content_length_is_400(small_app, session):
    client, token = session
    before = snapshot(small_app)
    pieces = _head(token) + [_part(disposition(b"attachments", b"cut.bin")), (b"q", 200_000)]
    response = _send(client, "body shorter than Content-Length", pieces, content_length=str(LIMIT - 1))
    assert response.status_code == 400 and page_kind(response) == "bad_request"
    check_stored(small_app, before)

"""Malformed, truncated and hostile multipart bodies against POST /submit.

Each example checks the exact outcome where it is known (truncated → 400
"could not be understood"; invalid bytes in a text field → stored, decoded
with U+FFFD) and, always: no 5xx, a localized page, and either nothing
stored at all or exactly one whole submission (tests.support.hostile).
"""

from __future__ import annotations


from hypothesis import HealthCheck, given, settings, strategies as st

from intake.questionnaire import load_default
from tests.support.hostile import check_stored, disposition, measured, multipart, page_kind, snapshot
from tests.support.stored import open_submission, stored_submissions

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
BOUNDARY = b"----resguardoHostile7MA4YWxk"
CT = "multipart/form-data; boundary=" + BOUNDARY.decode()
# The text questions of the shipped questionnaire (description, affected, perpetrators, online_platforms, contact).
TEXT_FIELDS = [q.id.encode() for q in load_default().questions() if q.kind in ("short_text", "long_text")]


def _post(client, body: bytes, name: str, content_type: str = CT):
    return measured(name, lambda: client.post("/submit", data=body, content_type=content_type))


def _valid_parts(token: str, description: bytes = b"Nos amenazaron.") -> list[tuple[bytes, bytes]]:
    return [
        (disposition(b"csrf_token"), token.encode()),
        (disposition(b"description"), description),
        (disposition(b"attachments", b"foto.jpg", b"image/jpeg"), b"\xff\xd8" + b"x" * 300),
    ]


def _new_report(app, before, reviewer) -> tuple[dict, dict]:
    [submission] = [row for row in stored_submissions(app) if row.id not in before.submissions]
    return open_submission(app, submission, reviewer.secret)


@FUZZ
@given(data=st.data())
def test_truncated_bodies_are_400_and_store_nothing(hostile_app, hostile_client, hostile_token, data):
    body = multipart(BOUNDARY, _valid_parts(hostile_token))
    cut = data.draw(st.integers(1, len(body) - 3), label="cut")
    before = snapshot(hostile_app)
    response = _post(hostile_client, body[:cut], "truncated body")
    assert response.status_code == 400
    assert page_kind(response) == "bad_request"
    check_stored(hostile_app, before)


@FUZZ
@given(field=st.sampled_from(TEXT_FIELDS), value=st.binary(max_size=400))
def test_any_bytes_in_a_text_field_are_stored_sealed(hostile_app, hostile_client, hostile_token, reviewer, field, value):
    parts = _valid_parts(hostile_token, description=b"x" + value if field == b"description" else b"hola")
    if field != b"description":
        parts.append((disposition(field), value))
    before = snapshot(hostile_app)
    response = _post(hostile_client, multipart(BOUNDARY, parts), "bytes in text field")
    if BOUNDARY in value:  # the value ended the part early: malformed
        return
    assert response.status_code == 200, page_kind(response)
    check_stored(hostile_app, before, stored=True)
    report, _files = _new_report(hostile_app, before, reviewer)
    expected = (b"x" + value if field == b"description" else value).decode("utf-8", "replace")
    assert report["fields"][field.decode()] == expected


FILENAME = st.text(st.characters(codec="utf-8", exclude_characters='"\\\r\n', exclude_categories=["Cs"]), max_size=80)


@FUZZ
@given(filename=FILENAME, content_type=st.binary(max_size=40).filter(lambda raw: b"\r" not in raw and b"\n" not in raw),
       content=st.binary(max_size=2000))
def test_filenames_and_part_types_of_every_kind(hostile_app, hostile_client, hostile_token, reviewer, filename, content_type, content):
    parts = _valid_parts(hostile_token)[:2]
    parts.append((disposition(b"attachments", filename.encode("utf-8"), content_type), content))
    before = snapshot(hostile_app)
    response = _post(hostile_client, multipart(BOUNDARY, parts), "filename and part type")
    try:
        content_type.decode("utf-8")
    except UnicodeDecodeError:  # a part header that is not UTF-8: malformed
        assert response.status_code == 400 and page_kind(response) == "bad_request"
        check_stored(hostile_app, before)
        return
    if BOUNDARY in content:
        return
    assert response.status_code == 200, page_kind(response)
    check_stored(hostile_app, before, stored=True)
    report, files = _new_report(hostile_app, before, reviewer)
    if filename == "" and content == b"":  # an empty file input
        assert report["attachments"] == [] and files == {}
        return
    [entry] = report["attachments"]
    assert entry["size"] == len(content) and list(files.values()) == [content]


HEADER_LINE = st.binary(max_size=60).filter(lambda raw: b"\r\n" not in raw)


@FUZZ
@given(part_headers=st.lists(HEADER_LINE, max_size=4), content=st.binary(max_size=200),
       position=st.integers(0, 2), duplicate=st.booleans())
def test_garbage_parts_anywhere_never_500(hostile_app, hostile_client, hostile_token, part_headers, content, position, duplicate):
    parts = _valid_parts(hostile_token)
    parts.insert(position, (b"\r\n".join(part_headers), content))
    if duplicate:
        parts.insert(position, parts[position + 1])
    before = snapshot(hostile_app)
    response = _post(hostile_client, multipart(BOUNDARY, parts), "garbage part")
    assert response.status_code in (200, 400, 413)
    kind = page_kind(response) if response.status_code != 200 else "stored"
    assert kind in {200: ("stored",), 400: ("bad_request", "session", "form_errors"), 413: ("too_much",)}[response.status_code]
    check_stored(hostile_app, before, stored=response.status_code == 200)


@FUZZ
@given(body=st.binary(max_size=3000), content_type=st.sampled_from([
    CT, "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
    "multipart/form-data; boundary=" + "b" * 300, "application/x-www-form-urlencoded", "application/json",
    "text/plain", "multipart/mixed; boundary=x", "\x00\xff", "",
]))
def test_random_bodies_and_content_types(hostile_app, hostile_client, body, content_type):
    before = snapshot(hostile_app)
    response = _post(hostile_client, body, "random body", content_type)
    form_type = content_type.split(";")[0] in ("multipart/form-data", "application/x-www-form-urlencoded")
    assert response.status_code == (400 if form_type or not body else 415)  # 415: not a type the form takes
    assert page_kind(response) in ("bad_request", "session")
    check_stored(hostile_app, before)


def test_duplicate_fields_first_one_wins(hostile_app, hostile_client, hostile_token, reviewer):
    parts = _valid_parts(hostile_token, b"primero") + [
        (disposition(b"description"), b"segundo"),
        (disposition(b"region"), b"cusco"),
        (disposition(b"region"), b"puno"),
        (disposition(b"csrf_token"), b"not-the-token"),
    ]
    before = snapshot(hostile_app)
    response = _post(hostile_client, multipart(BOUNDARY, parts), "duplicate fields")
    assert response.status_code == 200
    check_stored(hostile_app, before, stored=True)
    report, _ = _new_report(hostile_app, before, reviewer)
    assert (report["fields"]["description"], report["fields"]["region"]) == ("primero", "cusco")


def test_a_file_where_text_belongs_and_text_where_a_file_belongs(hostile_app, hostile_client, hostile_token, reviewer):
    """Once a 500 (a FileStorage reached the description validator); now the wrong kind is ignored."""
    parts = [
        (disposition(b"csrf_token"), hostile_token.encode()),
        (disposition(b"description", b"d.txt"), b"a file posing as the description"),
        (disposition(b"attachments"), b"text posing as a file"),
    ]
    before = snapshot(hostile_app)
    response = _post(hostile_client, multipart(BOUNDARY, parts), "wrong part kinds")
    assert response.status_code == 400
    assert page_kind(response) == "form_errors"
    check_stored(hostile_app, before)
    parts.insert(1, (disposition(b"description"), b"real text"))
    response = _post(hostile_client, multipart(BOUNDARY, parts), "wrong part kinds")
    assert response.status_code == 200
    check_stored(hostile_app, before, stored=True)
    report, files = _new_report(hostile_app, before, reviewer)
    assert (report["fields"]["description"], report["attachments"], files) == ("real text", [], {})


def test_json_bodies_are_never_a_form(hostile_app, hostile_client, hostile_token):
    """Flask-WTF reads JSON bodies; a number or a list there was a 500. Now JSON never reaches it."""
    before = snapshot(hostile_app)
    for body in (b'{"description": 5}', b"[1, 2]", b'"x"', b'{"description": ["a"]}', b"{bad"):
        response = measured("json body", lambda: hostile_client.post(
            "/submit", data=body, content_type="application/json", headers={"X-CSRFToken": hostile_token}))
        assert response.status_code == 415, body  # the form takes no JSON: refused before reading
        assert page_kind(response) == "bad_request", body
    check_stored(hostile_app, before)

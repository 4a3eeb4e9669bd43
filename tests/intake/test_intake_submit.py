"""The no-JavaScript submission path, through the Flask test client."""

from __future__ import annotations

import hashlib
import io
import json
import os

import pytest

import keys

from tests.support.samples import all_reports
from tests.support.stored import blobs, item_count, open_submission, stored_submissions


def post(client, token, fields=None, files=(), **kwargs):
    data = {"csrf_token": token, "description": "Nos amenazaron en la puerta del local."}
    data.update(fields or {})
    data["attachments"] = [(io.BytesIO(content), name) for name, content in files] or [(io.BytesIO(b""), "")]
    return client.post("/submit", data=data, content_type="multipart/form-data", **kwargs)


def test_form_page_has_every_question(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in ("immediate_danger", "description", "incident_types", "date-year", "date-month", "date-day", "region", "affected_gender", "affected_sector", "perpetrator_types", "affected", "perpetrators",
                 "online_platforms", "consent_aggregate_statistics", "contact", "attachments"):
        assert f'name="{name}"' in html
    assert 'type="file"' in html and "multiple" in html
    assert 'enctype="multipart/form-data"' in html


@pytest.mark.parametrize("sample", all_reports(), ids=lambda sample: sample.name)
def test_sample_report_is_stored_sealed_and_opens(app, client, token, reviewer, sample):
    files = [(path.name, path.read_bytes()) for path in sample.attachments]
    response = post(client, token, sample.fields, files)
    assert response.status_code == 200

    [submission] = stored_submissions(app)
    assert [item.kind for item in submission.items] == ["report"] + ["attachment"] * len(files)
    report, opened = open_submission(app, submission, reviewer.secret)
    assert report["format"] == "resguardo-report"
    assert report["submission_id"] == submission.id
    assert report["sealed_by"] == "server"
    assert report["fields"]["description"] == sample.fields["description"]
    assert report["fields"]["incident_types"] == sample.fields["incident_types"]
    assert [entry["filename"] for entry in report["attachments"]] == [name for name, _ in files]
    for entry, (name, content) in zip(report["attachments"], files):
        assert opened[entry["item_id"]] == content
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
        assert entry["size"] == len(content)
    for path in blobs(app):
        data = path.read_bytes()
        assert sample.canary.encode() not in data
        for _name, content in files:
            assert content[:64] not in data


def test_received_page_confirms(client):
    page = client.get("/received")
    assert page.status_code == 200
    assert "Recibimos su denuncia" in page.get_data(as_text=True)


def test_empty_file_input_creates_no_attachment(app, client, token):
    response = post(client, token)
    assert response.status_code == 200
    [submission] = stored_submissions(app)
    assert [item.kind for item in submission.items] == ["report"]
    assert len(blobs(app)) == 1


def test_several_files_in_one_input(app, client, token, reviewer):
    files = [(f"foto-{index}.jpg", bytes([index]) * (70_000 + index)) for index in range(5)]
    assert post(client, token, files=files).status_code == 200
    [submission] = stored_submissions(app)
    report, opened = open_submission(app, submission, reviewer.secret)
    assert sorted(opened.values()) == sorted(content for _, content in files)
    assert len(report["attachments"]) == 5


@pytest.mark.parametrize("token_value", [None, "", "not-a-token", "IjAwMDAi.AAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA"])
def test_missing_or_wrong_csrf_token_is_400_and_stores_nothing(app, client, token, token_value):
    data = {"description": "CANARY-TEXT-csrf", "attachments": [(io.BytesIO(b"x" * 200_000), "a.bin")]}
    if token_value is not None:
        data["csrf_token"] = token_value
    response = client.post("/submit", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Su sesión expiró" in response.get_data(as_text=True)
    assert stored_submissions(app) == []
    assert blobs(app) == []


def test_csrf_token_from_another_session_is_refused(app, client, token):
    other = app.test_client()
    response = post(other, token)
    assert response.status_code == 400
    assert stored_submissions(app) == []


def test_blank_description_is_400_with_message_and_stores_nothing(app, client, token):
    response = post(client, token, {"description": "   \n "}, [("a.txt", b"abc" * 1000)])
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Cuéntenos qué pasó." in html
    assert "elíjalos de nuevo" in html
    assert stored_submissions(app) == []
    assert blobs(app) == []


def test_unknown_choice_is_400_and_stores_nothing(app, client, token):
    response = post(client, token, {"region": "atlantis", "incident_types": ["threats", "bogus"]})
    assert response.status_code == 400
    assert stored_submissions(app) == []


def test_too_many_attachments_is_400(app, client, token):
    files = [(f"f{index}.txt", b"x") for index in range(21)]
    response = post(client, token, files=files)
    assert response.status_code == 400
    assert "Envíe como máximo 20 archivos a la vez." in response.get_data(as_text=True)
    assert blobs(app) == []


HOSTILE_NAMES = [
    "Фото протеста.jpg",
    "抗议照片.png",
    "صورة الاحتجاج.pdf",
    "cafe\u0301.txt",  # NFD
    "café.txt",  # NFC
    "a" * 400 + ".txt",
    "..",
    "../../etc/passwd",
    "C:\\Windows\\system32\\evil.dll",
    "CON",
    "nul\u202eexe.txt",
]


def test_filenames_of_any_script_survive_inside_ciphertext_only(app, client, token, reviewer):
    files = [(name, f"content {index}".encode()) for index, name in enumerate(HOSTILE_NAMES)]
    assert post(client, token, files=files).status_code == 200
    [submission] = stored_submissions(app)
    report, opened = open_submission(app, submission, reviewer.secret)
    names = [entry["filename"] for entry in report["attachments"]]
    assert len(names) == len(HOSTILE_NAMES)
    assert names[3] == "café.txt" and names[4] == "café.txt"  # normalised to NFC
    assert names[0] == "Фото протеста.jpg" and names[1] == "抗议照片.png" and names[2] == "صورة الاحتجاج.pdf"
    assert names[5] == "a" * 400 + ".txt"
    assert sorted(opened.values()) == sorted(content for _, content in files)
    on_disk = {path.name for path in blobs(app)}
    assert all(len(name) == 32 and set(name) <= set("0123456789abcdef") for name in on_disk)


def raw_multipart(boundary: bytes, parts: list[tuple[bytes, bytes]]) -> bytes:
    body = b""
    for headers, content in parts:
        body += b"--" + boundary + b"\r\n" + headers + b"\r\n\r\n" + content + b"\r\n"
    return body + b"--" + boundary + b"--\r\n"


@pytest.mark.parametrize("text", [b"caf\xe9 \xff\xfe invalid", b"nul\x00byte\x00 CANARY-TEXT-nul", b"\xed\xa0\x80 surrogate"])
def test_invalid_utf8_and_nul_are_stored_sealed_never_500(app, client, token, reviewer, text):
    boundary = b"----resguardoTest"
    body = raw_multipart(boundary, [
        (b'Content-Disposition: form-data; name="csrf_token"', token.encode()),
        (b'Content-Disposition: form-data; name="description"', text),
        (b'Content-Disposition: form-data; name="attachments"; filename="na\x00me\x01.bin"\r\nContent-Type: application/octet-stream', b"\x00\x01data"),
    ])
    response = client.post("/submit", data=body, content_type="multipart/form-data; boundary=" + boundary.decode())
    assert response.status_code == 200
    [submission] = stored_submissions(app)
    report, opened = open_submission(app, submission, reviewer.secret)
    assert report["fields"]["description"] == text.decode("utf-8", "replace")
    assert list(opened.values()) == [b"\x00\x01data"]
    for path in blobs(app):
        assert text not in path.read_bytes()


def test_report_json_has_no_reporter_metadata(app, client, token, reviewer):
    response = post(client, token, headers={"User-Agent": "CANARY-UA-1", "Referer": "http://CANARY-REF/"},
                    environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert response.status_code == 200
    [submission] = stored_submissions(app)
    report, _ = open_submission(app, submission, reviewer.secret)
    blob = json.dumps(report)
    assert "CANARY-UA-1" not in blob and "CANARY-REF" not in blob and "203.0.113.77" not in blob
    database = (app.config["DATA_DIR"] / "resguardo.db").read_bytes() if (app.config["DATA_DIR"] / "resguardo.db").exists() else b""
    assert b"CANARY-UA-1" not in database and b"203.0.113.77" not in database
    assert set(report) == {"format", "version", "submission_id", "sealed_by", "language", "questionnaire", "fields", "attachments", "reply_to"}


def test_row_holds_day_not_time(app, client, token):
    import datetime as dt
    before = dt.datetime.now(dt.timezone.utc).date()
    post(client, token)
    [submission] = stored_submissions(app)
    assert type(submission.received_on) is dt.date
    assert submission.received_on in {before, dt.datetime.now(dt.timezone.utc).date()}  # the day may turn meanwhile
    assert item_count(app) == 1


def test_non_utf8_part_header_is_a_clear_400_and_stores_nothing(app, client, token):
    boundary = b"----resguardoTest"
    body = raw_multipart(boundary, [
        (b'Content-Disposition: form-data; name="csrf_token"', token.encode()),
        (b'Content-Disposition: form-data; name="description"', b"CANARY-TEXT-hdr"),
        (b'Content-Disposition: form-data; name="attachments"; filename="n\xffame.bin"', b"data" * 1000),
    ])
    response = client.post("/submit", data=body, content_type="multipart/form-data; boundary=" + boundary.decode())
    assert response.status_code == 400
    assert "No se pudo entender la solicitud" in response.get_data(as_text=True)
    assert stored_submissions(app) == []
    assert blobs(app) == []


def test_large_upload_never_touches_tempfile(app, client, token, reviewer, monkeypatch):
    """Werkzeug spools parts over 500 KB to (unnamed) temp files by default; ours must not."""
    import tempfile

    def refuse(*_args, **_kwargs):
        raise AssertionError("a temporary file was requested during an upload")

    for name in ("TemporaryFile", "SpooledTemporaryFile", "NamedTemporaryFile", "mkstemp", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, refuse)
    monkeypatch.setattr(os, "O_TMPFILE", 0, raising=False)
    content = os.urandom(3 * 1024 * 1024)
    boundary = b"----resguardoLarge"
    body = raw_multipart(boundary, [
        (b'Content-Disposition: form-data; name="csrf_token"', token.encode()),
        (b'Content-Disposition: form-data; name="description"', b"video attached"),
        (b'Content-Disposition: form-data; name="attachments"; filename="video.mp4"', content),
    ])
    # Raw bytes: the test client would otherwise spool its own copy to a temp file.
    response = client.post("/submit", data=body, content_type="multipart/form-data; boundary=" + boundary.decode())
    assert response.status_code == 200
    [submission] = stored_submissions(app)
    _report, opened = open_submission(app, submission, reviewer.secret)
    assert list(opened.values()) == [content]


def test_memory_stays_bounded_whatever_the_upload_size(app, client, token, reviewer):
    """A 48 MiB upload is sealed with a few MiB of Python memory at most (not 48)."""
    import gc
    import tracemalloc

    content = os.urandom(48 * 1024 * 1024)
    boundary = b"----resguardoMemory"
    body = raw_multipart(boundary, [
        (b'Content-Disposition: form-data; name="csrf_token"', token.encode()),
        (b'Content-Disposition: form-data; name="description"', b"memory"),
        (b'Content-Disposition: form-data; name="attachments"; filename="big.bin"', content),
    ])
    stream = io.BytesIO(body)
    gc.collect()
    tracemalloc.start()
    try:
        response = client.post("/submit", input_stream=stream, content_length=len(body),
                               content_type="multipart/form-data; boundary=" + boundary.decode())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200
    print(f"peak Python memory while sealing a 48 MiB upload: {peak / 2**20:.2f} MiB")
    assert peak < 4 * 1024 * 1024
    [submission] = stored_submissions(app)
    assert submission.items[1].size == keys.envelope_size_v2(len(content), ["xwing"])
    _report, opened = open_submission(app, submission, reviewer.secret)
    assert hashlib.sha256(list(opened.values())[0]).digest() == hashlib.sha256(content).digest()


def test_line_breaks_reach_reviewers_as_lf(app, client, token, reviewer):
    assert post(client, token, {"description": "línea uno\r\nlínea dos\r\n", "contact": "a\r\nb"}).status_code == 200
    [submission] = stored_submissions(app)
    report, _ = open_submission(app, submission, reviewer.secret)
    assert report["fields"]["description"] == "línea uno\nlínea dos\n"
    assert report["fields"]["contact"] == "a\nb"


def test_form_says_whether_reports_are_post_quantum(app, client, reviewer_x25519):
    """X-Wing keys only: protected against a future quantum computer; one older
    X25519 key in the set: the page says so plainly (es and en)."""
    from intake import reviewers

    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-post-quantum="yes"' in page and "future quantum computers" in page
    page = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert 'data-post-quantum="yes"' in page and "futuros ordenadores cuánticos" in page
    with app.app_context():
        reviewers.add(reviewer_x25519.secret.public_key)
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-post-quantum="no"' in page and "older kind" in page
    page = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert 'data-post-quantum="no"' in page and "tipo más antiguo" in page


def test_mixed_reviewer_set_gets_v2_with_both_stanza_kinds(app, client, token, reviewer, reviewer_x25519):
    """A mixed set: one v2 envelope per item, an X-Wing and an X25519 stanza,
    each reviewer opens the same content."""
    from intake import reviewers

    with app.app_context():
        reviewers.add(reviewer_x25519.secret.public_key)
    files = [("a.txt", b"adjunto de prueba")]
    assert post(client, token, {"description": "CANARY mixed set", "consent_aggregate_statistics": "no"}, files).status_code == 200
    [submission] = stored_submissions(app)
    for path in blobs(app):
        header = keys.read_header(io.BytesIO(path.read_bytes()))
        assert header.version == 2 and header.kinds == ("xwing", "x25519")
        assert not header.post_quantum
    report_a, files_a = open_submission(app, submission, reviewer.secret)
    report_b, files_b = open_submission(app, submission, reviewer_x25519.secret)
    assert report_a == report_b and files_a == files_b
    assert list(files_a.values()) == [b"adjunto de prueba"]

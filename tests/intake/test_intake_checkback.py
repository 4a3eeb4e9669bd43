"""Receipts on the no-JavaScript confirmation, cases, check-back (issue 10), through the test client."""

from __future__ import annotations

import base64
import io
import re

import pytest
from sqlalchemy import func, select

import keys
from intake import db
from intake.checkback.cases import lookup_hash
from intake.models import Case, CaseSubmission, FormUse

from tests.support.stored import open_submission, stored_submissions
from tests.support.submit import csrf_token

RECEIPT = re.compile(r'<p class="receipt-words" id="receipt-words"><code lang="es">([a-z ]+)</code></p>')
FORM_ID = re.compile(r'name="form_id" value="([0-9a-f]{32})"')


def send(client, text="Nos amenazaron en la puerta del local.", form_id=None):
    page = client.get("/").get_data(as_text=True)
    data = {"csrf_token": csrf_token(page), "description": text,
            "form_id": form_id or FORM_ID.search(page).group(1),
            "attachments": [(io.BytesIO(b""), "")]}
    return client.post("/submit", data=data, content_type="multipart/form-data"), data["form_id"]


def receipt_of(response) -> str:
    match = RECEIPT.search(response.get_data(as_text=True))
    assert match, "no receipt on the page"
    return match.group(1)


def test_nojs_confirmation_shows_receipt_and_report_carries_reply_key(app, client, reviewer):
    response, _ = send(client)
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    text = receipt_of(response)
    receipt = keys.Receipt.parse(text)
    assert str(receipt) == text and len(text.split()) == 8
    [submission] = stored_submissions(app)
    report, _ = open_submission(app, submission, reviewer.secret)
    expected = keys.XWingSecretKey(receipt.reporter_seed()).public_key.raw
    assert report["reply_to"] == {"kind": "xwing", "public_key": base64.b64encode(expected).decode()}
    assert "follow_up_to" not in report
    with app.app_context():
        [case] = db.session().scalars(select(Case)).all()
        assert case.lookup == lookup_hash(receipt.lookup_key())
        [member] = db.session().scalars(select(CaseSubmission)).all()
        assert member.submission_id == submission.id and member.lookup == case.lookup


def test_receipt_never_reaches_the_database_file(app, client, data_dir):
    response, _ = send(client)
    text = receipt_of(response)
    receipt = keys.Receipt.parse(text)
    for path in data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert text.encode() not in data
            assert receipt.lookup_key() not in data and receipt.lookup_key().hex().encode() not in data
            assert receipt.reporter_seed() not in data


def test_refresh_of_the_same_form_stores_nothing_twice(app, client):
    first, form_id = send(client)
    assert first.status_code == 200
    again, _ = send(client, form_id=form_id)
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert "ya fue recibida" in html
    assert RECEIPT.search(html) is None
    assert len(stored_submissions(app)) == 1
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(FormUse)) == 1
        assert db.session().scalar(select(func.count()).select_from(Case)) == 1
    other, _ = send(client)
    assert other.status_code == 200 and RECEIPT.search(other.get_data(as_text=True))
    assert len(stored_submissions(app)) == 2


def checkback(client, receipt_text: str, **kwargs):
    token = csrf_token(client.get("/checkback").get_data(as_text=True))
    return client.post("/checkback", data={"csrf_token": token, "receipt": receipt_text}, **kwargs)


def test_checkback_with_the_receipt_shows_status_in_words(app, client):
    text = receipt_of(send(client)[0])
    typed = "  " + text.upper().replace(" ", " - ") + "  "
    response = checkback(client, typed, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "Received on " in html and "Not yet delivered to the reviewers." in html
    assert "No answer yet." in html
    # The receipt comes back only in the follow-up form's hidden field (this answer is no-store).
    assert html.count(text) == 1 and f'<input type="hidden" name="receipt" value="{text}">' in html


def test_checkback_in_spanish(app, client):
    text = receipt_of(send(client)[0])
    client.get("/language/es?next=/")
    html = checkback(client, text).get_data(as_text=True)
    assert "Recibida el " in html
    # The browser's follow-up (on the receipt form) offers its fallback for the
    # message (masculine), not in the report form's words ("Enviarla").
    form = client.get("/checkback").get_data(as_text=True)
    assert '<button type="button" class="secondary" id="follow-up-fallback" hidden>' \
        "Enviar el mensaje para que lo cifre el sitio</button>" in form


def strip_token(html: str) -> str:
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)


def test_wrong_receipts_share_one_page(app, client):
    text = receipt_of(send(client)[0])
    words = text.split()
    near = " ".join(words[:-1] + ["abaco" if words[-1] != "abaco" else "abeja"])
    unknown = str(keys.Receipt.generate())
    pages = {strip_token(checkback(client, guess).get_data(as_text=True))
             for guess in (near, unknown, "hola", "", "x" * 5000, "abaco " * 9)}
    assert len(pages) == 1
    [page] = pages
    assert "No report matches these words" in page or "Ninguna denuncia" in page


def test_lookup_json_for_the_browser(app, client):
    text = receipt_of(send(client)[0])
    receipt = keys.Receipt.parse(text)
    token = csrf_token(client.get("/checkback").get_data(as_text=True))
    found = client.post("/checkback/lookup", json={"lookup_key": receipt.lookup_key().hex()}, headers={"X-CSRFToken": token})
    assert found.status_code == 200
    body = found.get_json()
    assert body["found"] is True and body["status"] == "received" and body["replies"] == []
    assert body["days"]["delivered"] is None
    for wrong in ({"lookup_key": "00" * 32}, {"lookup_key": "zz"}, {}, []):
        answer = client.post("/checkback/lookup", json=wrong, headers={"X-CSRFToken": token})
        assert answer.status_code == 200 and answer.get_json() == {"found": False}
    refused = client.post("/checkback/lookup", json={"lookup_key": "00" * 32})
    assert refused.status_code == 400


@pytest.fixture
def slow_app(env, reviewer, monkeypatch):
    monkeypatch.setenv("RESGUARDO_CHECKBACK_RATE", "1")
    from intake import create_app, reviewers

    setup = create_app(require_reviewers=False)
    with setup.app_context():
        reviewers.add(reviewer.secret.public_key)
    db.dispose(setup)
    application = create_app()
    yield application
    db.dispose(application)


def test_a_guessing_flood_gets_a_localized_503(slow_app):
    client = slow_app.test_client()
    statuses = [checkback(client, "hola", headers={"Accept-Language": "en"}).status_code for _ in range(6)]
    assert statuses[:4] == [200] * 4
    assert statuses[-1] == 503
    busy = checkback(client, "hola", headers={"Accept-Language": "en"})
    assert busy.status_code == 503
    assert "Please try again in a minute" in busy.get_data(as_text=True)


def test_upload_submit_with_lookup_key_opens_the_case(app, client):
    # The browser path's server side: tested through intake.checkback.cases.case_lookup.
    from intake.checkback.cases import case_lookup

    receipt = keys.Receipt.generate()
    with app.app_context():
        assert case_lookup(receipt.lookup_key().hex()) == lookup_hash(receipt.lookup_key())
        assert case_lookup(receipt.lookup_key().hex().upper()) is None
        assert case_lookup("ab") is None and case_lookup(None) is None


def follow_up(client, receipt_text: str, message: str, files=()):
    token = csrf_token(client.get("/checkback").get_data(as_text=True))
    data = {"csrf_token": token, "receipt": receipt_text, "message": message,
            "attachments": [(io.BytesIO(content), name) for name, content in files] or [(io.BytesIO(b""), "")]}
    return client.post("/checkback/follow-up", data=data, content_type="multipart/form-data",
                       headers={"Accept-Language": "en"})


def test_follow_up_without_javascript_joins_the_case(app, client, reviewer):
    text = receipt_of(send(client)[0])
    [original] = stored_submissions(app)
    page = checkback(client, text, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'action="/checkback/follow-up"' in page
    answer = follow_up(client, text, "CANARY-followup-text\r\nsegunda línea", [("foto.jpg", b"CANARY-followup-file" * 50)])
    assert answer.status_code == 200
    assert "Your message was received" in answer.get_data(as_text=True)
    stored = {row.id: row for row in stored_submissions(app)}
    assert len(stored) == 2
    [new_id] = [key for key in stored if key != original.id]
    report, opened = open_submission(app, stored[new_id], reviewer.secret)
    first, _ = open_submission(app, stored[original.id], reviewer.secret)
    assert report["follow_up_to"] == original.id
    assert report["reply_to"] == first["reply_to"]
    assert report["fields"] == {"description": "CANARY-followup-text\nsegunda línea"}
    [attachment] = report["attachments"]
    assert opened[attachment["item_id"]] == b"CANARY-followup-file" * 50
    with app.app_context():
        members = db.session().scalars(select(CaseSubmission)).all()
        assert {m.submission_id: m.follow_up_to for m in members} == {original.id: None, new_id: original.id}


def test_follow_up_with_a_wrong_receipt_stores_nothing(app, client):
    send(client)
    answer = follow_up(client, str(keys.Receipt.generate()), "hola", [("a.txt", b"abc")])
    assert answer.status_code == 200 and "No report matches these words" in answer.get_data(as_text=True)
    assert len(stored_submissions(app)) == 1
    from tests.support.stored import blobs
    assert len(blobs(app)) == 1


def test_an_empty_follow_up_is_refused(app, client):
    text = receipt_of(send(client)[0])
    answer = follow_up(client, text, "   ")
    assert answer.status_code == 400 and "Please write a message or choose a file." in answer.get_data(as_text=True)
    # The way back is to the check-back page the reporter came from, not to a new report.
    assert '<p><a href="/checkback">Back to checking on your report</a></p>' in answer.get_data(as_text=True)
    assert "Back to the report form" not in answer.get_data(as_text=True)
    assert len(stored_submissions(app)) == 1

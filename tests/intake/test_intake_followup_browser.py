"""Follow-ups sealed in the browser: ``POST /upload/submit`` with ``"follow_up": true`` and the lookup key.

The envelopes are made by keys/ as the browser's seal worker makes them
(envelope v2). The receipt itself never travels: only its lookup key. CSRF
stays on (X-CSRFToken on every call).
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from sqlalchemy import func, select

import keys
from intake import db
from intake.checkback.cases import lookup_hash
from intake.models import Case, CaseSubmission, UploadSession
from tests.intake.test_intake_checkback import receipt_of, send
from tests.support.stored import blobs, open_submission, stored_submissions
from tests.support.submit import csrf_token


class Browser:
    """The check-back page's side of a browser-sealed follow-up, through the test client."""

    def __init__(self, client, token, reviewer):
        self.client, self.token, self.reviewer = client, token, reviewer

    def post(self, path, body=None, token=None):
        return self.client.post(path, json=body, headers={"X-CSRFToken": token or self.token})

    def upload(self, envelope: bytes, finish: bool = True) -> tuple[str, str]:
        created = self.post("/upload/", {"size": len(envelope)})
        assert created.status_code == 201, created.get_json()
        upload_id = created.get_json()["upload_id"]
        put = self.client.put(f"/upload/{upload_id}?offset=0", data=envelope,
                              headers={"X-CSRFToken": self.token, "Content-Type": "application/octet-stream"})
        assert put.status_code == 200, put.get_json()
        if finish:
            assert self.post(f"/upload/{upload_id}/finish").status_code == 200
        return upload_id, created.get_json()["item_id"]

    def prepare(self, receipt: keys.Receipt, follow_up_to: str | None, message: str, files=(), tamper=False):
        """begin, seal and upload the files and the follow-up's report; the submit body (not sent)."""
        submission_id = self.post("/upload/begin").get_json()["submission_id"]
        recipients = [self.reviewer.secret.public_key]
        attachments, upload_ids = [], []
        for name, content in files:
            upload_id, item_id = self.upload(keys.seal_v2(content, recipients))
            upload_ids.append(upload_id)
            attachments.append({"item_id": item_id, "filename": name, "content_type": "application/octet-stream",
                                "size": len(content), "blake2b_256": hashlib.blake2b(content, digest_size=32).hexdigest()})
        public = keys.XWingSecretKey(receipt.reporter_seed()).public_key.raw
        document = {"format": "resguardo-report", "version": 1, "submission_id": submission_id,
                    "sealed_by": "browser", "language": "es", "fields": {"description": message},
                    "attachments": attachments,
                    "reply_to": {"kind": "xwing", "public_key": base64.b64encode(public).decode()}}
        if follow_up_to:
            document["follow_up_to"] = follow_up_to
        envelope = bytearray(keys.seal_v2(json.dumps(document).encode(), recipients))
        if tamper:
            envelope[-100] ^= 0x01  # inside the last sealed chunk: still looks random, the signature fails
        report_id, _ = self.upload(bytes(envelope), finish=not tamper)
        return {"report": report_id, "attachments": upload_ids,
                "lookup_key": receipt.lookup_key().hex(), "follow_up": True}


@pytest.fixture
def case(app, client):
    """A first report sent without JavaScript: (its receipt, its submission id)."""
    receipt = keys.Receipt.parse(receipt_of(send(client)[0]))
    [original] = stored_submissions(app)
    return receipt, original.id


@pytest.fixture
def browser(client, reviewer):
    return Browser(client, csrf_token(client.get("/checkback").get_data(as_text=True)), reviewer)


def members(app) -> dict[str, str | None]:
    with app.app_context():
        return {m.submission_id: m.follow_up_to for m in db.session().scalars(select(CaseSubmission))}


def sessions_open(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(UploadSession))


def test_lookup_answer_names_the_first_report(app, browser, case):
    receipt, original = case
    answer = browser.post("/checkback/lookup", {"lookup_key": receipt.lookup_key().hex()})
    assert answer.status_code == 200
    assert answer.get_json()["follow_up_to"] == original


def test_a_browser_sealed_follow_up_joins_the_case_by_its_lookup_key(app, browser, case, reviewer):
    receipt, original = case
    content = b"CANARY-js-followup-file" * 40
    body = browser.prepare(receipt, original, "CANARY-js-followup-text", [("foto.jpg", content)])
    assert str(receipt) not in json.dumps(body)
    answer = browser.post("/upload/submit", body)
    assert answer.status_code == 201
    assert answer.get_json() == {"location": "/received"}
    stored = {row.id: row for row in stored_submissions(app)}
    [new_id] = [key for key in stored if key != original]
    report, opened = open_submission(app, stored[new_id], reviewer.secret)
    assert report["follow_up_to"] == original and report["sealed_by"] == "browser"
    assert report["fields"] == {"description": "CANARY-js-followup-text"}
    assert list(opened.values()) == [content]
    assert members(app) == {original: None, new_id: original}
    with app.app_context():
        [row] = db.session().scalars(select(Case)).all()
        assert row.lookup == lookup_hash(receipt.lookup_key())
    # A repeat after a lost answer stores nothing more.
    again = browser.post("/upload/submit", body)
    assert again.status_code == 201 and len(stored_submissions(app)) == 2
    assert members(app) == {original: None, new_id: original}


@pytest.mark.parametrize("lookup_key", ["unknown", "near", "zz", None])
def test_an_unknown_lookup_key_gets_the_no_match_answer_and_stores_nothing(app, browser, case, lookup_key):
    receipt, original = case
    body = browser.prepare(receipt, original, "hola", [("a.bin", b"\x00" * 10)])
    if lookup_key == "unknown":
        body["lookup_key"] = keys.Receipt.generate().lookup_key().hex()
    elif lookup_key == "near":
        words = str(receipt).split()
        near = " ".join(words[:-1] + ["abaco" if words[-1] != "abaco" else "abeja"])
        body["lookup_key"] = keys.Receipt.parse(near).lookup_key().hex()
    elif lookup_key is None:
        del body["lookup_key"]
    else:
        body["lookup_key"] = lookup_key
    before = [blob.name for blob in blobs(app, complete=True)]
    answer = browser.post("/upload/submit", body)
    no_match = browser.post("/checkback/lookup", {"lookup_key": keys.Receipt.generate().lookup_key().hex()})
    assert answer.status_code == no_match.status_code == 200
    assert answer.get_data() == no_match.get_data() == b'{"found":false}\n'
    assert [row.id for row in stored_submissions(app)] == [original]
    assert members(app) == {original: None}
    assert [blob.name for blob in blobs(app)] == before  # the session's uploads are deleted too
    assert sessions_open(app) == 0


def test_a_follow_up_with_a_wrong_csrf_token_is_refused_first(app, browser, case):
    receipt, original = case
    body = browser.prepare(receipt, original, "hola")
    answer = browser.post("/upload/submit", body, token="not-the-token")
    assert answer.status_code == 400
    assert answer.get_json()["code"] == "csrf"
    missing = browser.client.post("/upload/submit", json=body)
    assert missing.status_code == 400 and missing.get_json()["code"] == "csrf"
    assert [row.id for row in stored_submissions(app)] == [original]
    assert members(app) == {original: None}


def test_a_follow_up_with_a_bad_envelope_is_refused_and_stores_nothing(app, browser, case):
    receipt, original = case
    body = browser.prepare(receipt, original, "hola", tamper=True)
    answer = browser.post("/upload/submit", body)
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "structure"
    assert [row.id for row in stored_submissions(app)] == [original]
    assert members(app) == {original: None}
    assert len(blobs(app, complete=True)) == 1  # the original report only


def test_a_follow_up_of_another_content_type_or_size_is_refused(app, browser, case):
    receipt, original = case
    body = browser.prepare(receipt, original, "hola")
    as_form = browser.client.post("/upload/submit", data={"follow_up": "true"}, headers={"X-CSRFToken": browser.token})
    assert as_form.status_code == 415
    padded = dict(body, padding="x" * 9000)
    assert browser.post("/upload/submit", padded).status_code == 413
    assert [row.id for row in stored_submissions(app)] == [original]


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


def test_follow_ups_draw_from_the_check_back_token_bucket(slow_app, reviewer):
    client = slow_app.test_client()
    receipt = keys.Receipt.parse(receipt_of(send(client)[0]))
    [original] = stored_submissions(slow_app)
    browser = Browser(client, csrf_token(client.get("/checkback").get_data(as_text=True)), reviewer)
    body = browser.prepare(receipt, original.id, "hola")
    for _ in range(20):  # empty the bucket (burst 4, 1 a second)
        if browser.post("/checkback/lookup", {"lookup_key": "00" * 32}).status_code == 503:
            break
    busy = browser.post("/upload/submit", body)
    assert busy.status_code == 503 and busy.get_json()["code"] == "busy"
    assert [row.id for row in stored_submissions(slow_app)] == [original.id]

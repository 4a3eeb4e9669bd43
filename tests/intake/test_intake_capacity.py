"""Unfinished uploads cannot fill the disk, and the cookie carries nothing of a report.

Caps (intake/config.py): per browser session and site-wide, in bytes and in
files, on pending uploads; a free-disk floor below which new reports and
uploads get a localized 503 while stored reports stay exportable.
"""

from __future__ import annotations

import base64
import io
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

import keys
from intake import create_app
from intake.models import UploadSession
from tests.support.stored import blobs, stored_submissions
from tests.support.submit import csrf_token

MIB = 1024 * 1024
H = keys.header_size_v2(["xwing"])  # the test reviewer's X-Wing key


def _app(app, monkeypatch, **settings):
    """A second app on the same data (``app`` registered the reviewer) with these settings."""
    for name, value in settings.items():
        monkeypatch.setenv(f"RESGUARDO_{name}", str(value))
    capped = create_app()
    capped.extensions["resguardo.engine"].pool  # noqa: B018 - built; disposed by the fixture's recorder
    return capped


class Browser:
    """One fresh browser session calling the upload API (CSRF on)."""

    def __init__(self, app, lang="es"):
        self.client = app.test_client()
        self.client.set_cookie("lang", lang)
        self.headers = {"X-CSRFToken": csrf_token(self.client.get("/").get_data(as_text=True))}

    def post(self, path, body=None):
        return self.client.post(path, json=body, headers=self.headers)


def _size(app, plaintext_mib: int) -> int:
    return keys.envelope_size_v2(plaintext_mib * MIB - 64 * 1024, ["xwing"])


def test_a_flood_of_fresh_sessions_never_holds_more_than_the_global_cap(app, monkeypatch):
    cap = 1024 * MIB
    capped = _app(app, monkeypatch, PENDING_BYTES=cap)
    store = capped.extensions["resguardo.blobs"]
    size = _size(capped, 100)
    statuses = []

    def one_session(_index):
        browser = Browser(capped)
        assert browser.post("/upload/begin").status_code == 200
        answers = [browser.post("/upload/", {"size": size}) for _ in range(5)]
        return [(answer.status_code, answer.get_json().get("code")) for answer in answers]

    with ThreadPoolExecutor(4) as pool:
        for result in pool.map(one_session, range(12)):
            statuses += result
            assert store.pending_totals()[0] <= cap
    accepted = statuses.count((201, None))
    assert accepted == cap // size  # as many as fit, not one more
    assert statuses.count((503, "full")) == len(statuses) - accepted
    assert store.pending_totals() == (accepted * size, accepted)


def test_the_full_answer_is_localized(app, monkeypatch):
    capped = _app(app, monkeypatch, PENDING_FILES=1)
    first = Browser(capped)
    first.post("/upload/begin")
    assert first.post("/upload/", {"size": keys.envelope_size_v2(10, ["xwing"])}).status_code == 201
    for lang, title in (("es", "Inténtelo de nuevo más tarde"), ("en", "Please try again later")):
        browser = Browser(capped, lang)
        browser.post("/upload/begin")
        answer = browser.post("/upload/", {"size": keys.envelope_size_v2(10, ["xwing"])})
        assert answer.status_code == 503
        assert answer.get_json()["code"] == "full"
        assert answer.get_json()["title"] == title


def test_per_session_caps_on_files_and_bytes(app, monkeypatch):
    capped = _app(app, monkeypatch, SESSION_PENDING_FILES=2, SESSION_PENDING_BYTES=3 * MIB)
    browser = Browser(capped)
    browser.post("/upload/begin")
    one_mib = keys.envelope_size_v2(MIB - 4096, ["xwing"])
    assert browser.post("/upload/", {"size": one_mib}).status_code == 201
    too_big = browser.post("/upload/", {"size": keys.envelope_size_v2(2 * MIB, ["xwing"])})
    assert (too_big.status_code, too_big.get_json()["code"]) == (413, "too_large")
    assert browser.post("/upload/", {"size": one_mib}).status_code == 201
    third = browser.post("/upload/", {"size": keys.envelope_size_v2(10, ["xwing"])})
    assert (third.status_code, third.get_json()["code"]) == (413, "too_many")
    assert len(blobs(capped)) == 2


def test_too_many_open_sessions_are_refused(app, monkeypatch):
    capped = _app(app, monkeypatch, PENDING_SESSIONS=3)
    for _ in range(3):
        assert Browser(capped).post("/upload/begin").status_code == 200
    refused = Browser(capped).post("/upload/begin")
    assert (refused.status_code, refused.get_json()["code"]) == (503, "full")


def _cookie_payload(client, app) -> dict:
    """What anyone holding the cookie can read (it is signed, not encrypted)."""
    value = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    return app.session_interface.get_signing_serializer(app).loads(value)


def test_the_cookie_holds_only_an_opaque_token(app):
    browser = Browser(app)
    submission_id = browser.post("/upload/begin").get_json()["submission_id"]
    created = browser.post("/upload/", {"size": keys.envelope_size_v2(10, ["xwing"])}).get_json()
    payload = _cookie_payload(browser.client, app)
    assert sorted(payload) == ["csrf_token", "upload"]
    text = json.dumps(payload)
    for secret in (submission_id, created["upload_id"], created["item_id"], str(keys.envelope_size_v2(10, ["xwing"]))):
        assert secret not in text
    token = payload["upload"]
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == 32
    with app.extensions["resguardo.engine"].connect() as connection:
        keys_stored = connection.execute(select(UploadSession.key)).scalars().all()
    assert len(keys_stored) == 1 and token not in keys_stored[0]
    # the stored key, put in a cookie, opens nothing
    forged = Browser(app)
    with forged.client.session_transaction() as session:
        session["upload"] = keys_stored[0]
    answer = forged.post("/upload/", {"size": keys.envelope_size_v2(10, ["xwing"])})
    assert (answer.status_code, answer.get_json()["code"]) == (404, "unknown")


@pytest.mark.parametrize("lang, title", [("es", "Inténtelo de nuevo más tarde"), ("en", "Please try again later")])
def test_below_the_disk_floor_new_reports_wait_and_stored_ones_stay(app, monkeypatch, runner, tmp_path, lang, title):
    client = app.test_client()
    token = csrf_token(client.get("/").get_data(as_text=True))
    data = {"csrf_token": token, "description": "CANARY-TEXT-floor", "attachments": [(io.BytesIO(b"x" * 1000), "a.txt")]}
    assert client.post("/submit", data=data, content_type="multipart/form-data").status_code == 200

    full = _app(app, monkeypatch, DISK_FLOOR=10**18)
    client = full.test_client()
    client.set_cookie("lang", lang)
    page = client.get("/")
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    data = {"csrf_token": token, "description": "CANARY-TEXT-floor-2", "attachments": [(io.BytesIO(b"y" * 1000), "b.txt")]}
    refused = client.post("/submit", data=data, content_type="multipart/form-data")
    assert refused.status_code == 503
    assert title in refused.get_data(as_text=True)
    begin = client.post("/upload/begin", headers={"X-CSRFToken": token})
    assert (begin.status_code, begin.get_json()["code"], begin.get_json()["title"]) == (503, "full", title)
    assert len(stored_submissions(full)) == 1
    assert all(blob.complete for blob in blobs(full))
    exported = runner(["export", "--out", str(tmp_path / "usb")])
    assert exported.exit_code == 0 and "1 submission, " in exported.stdout

"""Size and part limits: a friendly 413 and nothing stored."""

from __future__ import annotations

import io

import pytest

from intake import create_app, reviewers
from tests.support.stored import blobs, stored_submissions
from tests.support.submit import csrf_token


@pytest.fixture
def small_app(env, reviewer, monkeypatch):
    monkeypatch.setenv("RESGUARDO_MAX_CONTENT_LENGTH", str(300_000))
    monkeypatch.setenv("RESGUARDO_MAX_FORM_MEMORY", str(131_072))
    monkeypatch.setenv("RESGUARDO_MAX_FORM_PARTS", str(8))
    setup = create_app(require_reviewers=False)
    with setup.app_context():
        reviewers.add(reviewer.secret.public_key)
    return create_app()


def _post(app, **data):
    client = app.test_client()
    token = csrf_token(client.get("/").get_data(as_text=True))
    data.setdefault("description", "hola")
    return client.post("/submit", data={"csrf_token": token, **data}, content_type="multipart/form-data")


def test_over_the_size_limit_is_413_localized_and_stores_nothing(small_app):
    response = _post(small_app, attachments=[(io.BytesIO(b"x" * 400_000), "big.bin")])
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Demasiados datos" in html
    assert "293 KiB" in html
    assert stored_submissions(small_app) == []
    assert blobs(small_app) == []


def test_over_the_size_limit_in_english(small_app):
    client = small_app.test_client()
    client.get("/language/en")
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/submit", data={"csrf_token": token, "description": "x", "attachments": [(io.BytesIO(b"x" * 400_000), "big.bin")]}, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Too much data" in response.get_data(as_text=True)


def test_a_text_field_over_form_memory_is_413(small_app):
    response = _post(small_app, description="x" * 150_000)
    assert response.status_code == 413
    assert stored_submissions(small_app) == []


def test_too_many_parts_is_413_and_stores_nothing(small_app):
    files = [(io.BytesIO(b"abc"), f"{index}.txt") for index in range(10)]
    response = _post(small_app, attachments=files)
    assert response.status_code == 413
    assert stored_submissions(small_app) == []
    assert blobs(small_app) == []


def test_just_under_the_limit_is_accepted(small_app):
    response = _post(small_app, attachments=[(io.BytesIO(b"x" * 200_000), "ok.bin")])
    assert response.status_code == 200
    assert len(stored_submissions(small_app)) == 1

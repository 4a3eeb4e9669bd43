"""``resguardo cleanup``: leftovers of interrupted uploads go, nothing else does."""

from __future__ import annotations

import io
import os
import time

from intake import db
from intake.cleanup import remove_leftovers
from tests.support.stored import stored_submissions
from tests.support.submit import csrf_token

OLD = time.time() - 7200


def _submit(app) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/").get_data(as_text=True))
    data = {"csrf_token": token, "description": "CANARY-TEXT-cleanup",
            "attachments": [(io.BytesIO(b"kept" * 100), "a.txt")]}
    assert client.post("/submit", data=data, content_type="multipart/form-data").status_code == 303


def _leftovers(store, parts: int, orphans: int) -> list:
    paths = [store.incoming / (f"{index:02x}" * 16 + ".part") for index in range(parts)]
    paths += [store.root / (f"{0x80 + index:02x}" * 16) for index in range(orphans)]
    for path in paths:
        path.write_bytes(b"ciphertext")
        os.utime(path, (OLD, OLD))
    return paths


def test_old_blobs_of_stored_submissions_are_kept(app):
    _submit(app)
    store = app.extensions["resguardo.blobs"]
    kept = sorted(store.stored_ids())
    for blob_id in kept:
        os.utime(store.path(blob_id), (OLD, OLD))
    leftovers = _leftovers(store, parts=2, orphans=3)
    with app.app_context():
        result = remove_leftovers(store, db.session(), older_than=3600, limit=100)
    assert (result.temporary, result.unreferenced, result.more) == (2, 3, False)
    assert not any(path.exists() for path in leftovers)
    assert sorted(store.stored_ids()) == kept
    assert len(stored_submissions(app)[0].items) == 2


def test_limit_bounds_one_run_and_the_next_run_finishes(app, runner):
    store = app.extensions["resguardo.blobs"]
    leftovers = _leftovers(store, parts=3, orphans=4)
    first = runner(["cleanup", "--older-than", "3600", "--limit", "5"])
    assert first.exit_code == 0
    assert first.stdout == "removed 5 leftover files\n"
    assert "stopped at --limit 5" in first.stderr
    assert sum(path.exists() for path in leftovers) == 2
    second = runner(["cleanup", "--older-than", "3600", "--limit", "5"])
    assert second.exit_code == 0
    assert second.stdout == "removed 2 leftover files\n"
    assert second.stderr == ""
    assert not any(path.exists() for path in leftovers)


def test_committing_a_blob_gives_it_a_fresh_mtime(app):
    store = app.extensions["resguardo.blobs"]
    blob = store.new()
    blob.write(b"ciphertext")
    os.utime(blob.temp_path, (OLD, OLD))
    blob.commit()
    assert store.path(blob.id).stat().st_mtime > time.time() - 60

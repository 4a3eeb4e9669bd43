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
    _submit(app)
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


def test_refuses_when_the_database_looks_deleted(app, runner):
    """Blobs with no rows at all are real reports whose database is missing, not leftovers."""
    store = app.extensions["resguardo.blobs"]
    leftovers = _leftovers(store, parts=0, orphans=3)
    refused = runner(["cleanup", "--older-than", "3600"])
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert "3 stored blobs have no row, with 0 rows in the database" in refused.stderr
    assert all(path.exists() for path in leftovers)
    forced = runner(["cleanup", "--older-than", "3600", "--force"])
    assert forced.exit_code == 0 and forced.stdout == "removed 3 leftover files\n"


def test_refuses_when_far_more_blobs_than_rows_would_go(app, runner):
    _submit(app)
    store = app.extensions["resguardo.blobs"]
    leftovers = _leftovers(store, parts=0, orphans=21)
    refused = runner(["cleanup", "--older-than", "3600"])
    assert refused.exit_code == 1
    assert "21 stored blobs have no row, with 2 rows in the database" in refused.stderr
    assert all(path.exists() for path in leftovers)


def test_commands_say_restore_when_the_database_is_gone_but_blobs_remain(app, runner, data_dir):
    import pytest

    if not (data_dir / "resguardo.db").exists():
        pytest.skip("the database is a PostgreSQL one here")
    _submit(app)
    app.extensions["resguardo.engine"].dispose()
    for path in data_dir.glob("resguardo.db*"):
        path.unlink()
    listed = runner(["reviewer", "list"])
    assert listed.exit_code == 2
    assert "the blob store holds 2 encrypted items: restore the database from a backup" in listed.stderr
    init = runner(["init"])
    assert init.exit_code == 2
    assert "a new empty one would orphan them" in init.stderr
    assert runner(["init", "--force"]).exit_code == 0

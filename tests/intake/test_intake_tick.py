"""``resguardo tick``: unfinished uploads expire in bulk, stored reports stay, times are wiped."""

from __future__ import annotations

import io
import os
import time

from sqlalchemy import func, select, update

from intake import db, tick
from intake.models import Blob, BlobChunk, UploadSession
from intake.storage import current_tick
from tests.support.stored import blobs, stored_submissions
from tests.support.submit import csrf_token

FLOOD = 12_000  # more than the old cleanup's 10,000 files per run


def _submit(app) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/").get_data(as_text=True))
    data = {"csrf_token": token, "description": "CANARY-TEXT-tick",
            "attachments": [(io.BytesIO(b"kept" * 100), "a.txt")]}
    assert client.post("/submit", data=data, content_type="multipart/form-data").status_code == 200


def _pending(app, count: int, *, age: int, sessions: int = 0) -> None:
    """``count`` pending blobs (with a chunk each) idle ``age`` ticks; ``sessions`` upload sessions too."""
    engine = app.extensions["resguardo.engine"]
    with engine.begin() as connection:
        base = os.urandom(4).hex()
        connection.execute(Blob.__table__.insert(), [
            {"id": f"{base}{index:024x}", "complete": False, "size": 10, "chunks": 1, "tick": current_tick() - age}
            for index in range(count)
        ])
        connection.execute(BlobChunk.__table__.insert(), [
            {"blob_id": f"{base}{index:024x}", "seq": 0, "data": b"ciphertext"} for index in range(count)
        ])
        if sessions:
            connection.execute(UploadSession.__table__.insert(), [
                {"key": f"{base}{index:056x}", "submission_id": "0" * 32, "tick": current_tick() - age}
                for index in range(sessions)
            ])


def _count(app, table) -> int:
    with app.extensions["resguardo.engine"].connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar()


def test_a_flood_of_expired_uploads_goes_in_one_tick_and_reports_stay(app, runner):
    _submit(app)
    kept = [(blob.name, blob.read_bytes()) for blob in blobs(app)]
    kept_chunks = _count(app, BlobChunk)
    _pending(app, FLOOD, age=2, sessions=50)
    _pending(app, 3, age=0)  # still being written: idle less than an hour
    result = runner(["tick"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"expired {FLOOD} unfinished uploads and 50 upload sessions\n")
    assert [(blob.name, blob.read_bytes()) for blob in blobs(app, complete=True)] == kept
    assert len(blobs(app, complete=False)) == 3
    assert _count(app, BlobChunk) == kept_chunks + 3  # one chunk row per small pending blob
    assert _count(app, UploadSession) == 0
    assert len(stored_submissions(app)[0].items) == 2


def test_the_expiry_counts_whole_hours(app, runner, monkeypatch):
    monkeypatch.setenv("RESGUARDO_PENDING_EXPIRY_HOURS", "3")
    _pending(app, 2, age=3)
    _pending(app, 1, age=4)
    assert runner(["tick"]).stdout.startswith("expired 1 unfinished uploads")
    assert len(blobs(app)) == 2


def test_cleanup_is_the_old_name_of_tick(app, runner):
    _pending(app, 2, age=2)
    result = runner(["cleanup", "--older-than", "3600", "--limit", "5"])
    assert result.exit_code == 0
    assert result.stdout.startswith("expired 2 unfinished uploads")
    assert "cleanup is now `resguardo tick`" in result.stderr


def test_the_tick_sets_every_time_under_the_data_dir_to_midnight(app, runner, data_dir):
    _submit(app)
    db.dispose(app)
    started, day_before = time.time(), tick.midnight_utc()
    assert runner(["tick"]).exit_code == 0
    midnight = tick.midnight_utc()
    if midnight != day_before:  # UTC midnight passed during the tick: it set one of the two
        midnight = os.stat(data_dir).st_mtime if os.stat(data_dir).st_mtime in (day_before, midnight) else midnight
    paths = [data_dir, *data_dir.rglob("*")]
    assert len(paths) >= 2
    for path in paths:
        info = os.stat(path, follow_symlinks=False)
        assert info.st_mtime == midnight, path
        # Listing a directory here reads it, which (relatime) may move its
        # atime to now: never to a time before the tick.
        assert info.st_atime == midnight or info.st_atime >= int(started), path


def test_sqlite_is_compacted_only_after_a_write(app, runner, backend):
    if backend != "sqlite":
        first = runner(["tick"]).stdout
        assert "compacted" not in first
        return
    _submit(app)
    db.dispose(app)
    assert "database compacted (VACUUM)" in runner(["tick"]).stdout
    assert "compacted" not in runner(["tick"]).stdout  # nothing written since


def test_postgresql_rows_written_since_the_last_tick_share_one_xmin(app, runner, backend):
    if backend != "postgresql":
        return
    from sqlalchemy import text

    for _ in range(3):
        _submit(app)
    engine = app.extensions["resguardo.engine"]
    with engine.connect() as connection:
        before = {row[0] for row in connection.execute(text("SELECT xmin::text FROM submissions"))}
    assert len(before) == 3  # one transaction per submission: their order shows
    output = runner(["tick"]).stdout
    assert "rewrote" in output
    with engine.connect() as connection:
        for table in ("submissions", "items", "blobs", "blob_chunks"):
            xmins = {row[0] for row in connection.execute(text(f"SELECT xmin::text FROM {table}"))}
            assert len(xmins) == 1, table
        ids = [row[0] for row in connection.execute(text("SELECT id FROM submissions"))]  # physical order
    assert ids == sorted(ids)
    again = runner(["tick"]).stdout
    assert "rewrote" not in again  # nothing new since


def test_postgresql_return_path_rows_are_rewritten_too(app, runner, backend):
    if backend != "postgresql":
        return
    from sqlalchemy import text

    from tests.intake.test_intake_checkback import send

    for _ in range(3):
        assert send(app.test_client())[0].status_code == 200
    tables = ("cases", "case_submissions", "form_uses")
    engine = app.extensions["resguardo.engine"]

    def rows() -> dict:
        with engine.connect() as connection:
            return {table: sorted(tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}")))
                    for table in tables}

    def xmins() -> dict:
        with engine.connect() as connection:
            return {table: {row[0] for row in connection.execute(text(f"SELECT xmin::text FROM {table}"))}
                    for table in tables}

    kept = rows()
    assert all(len(kept[table]) == 3 for table in tables)
    assert all(len(found) == 3 for found in xmins().values())  # one transaction per submission
    assert "rewrote" in runner(["tick"]).stdout
    assert all(len(found) == 1 for found in xmins().values())
    assert rows() == kept


def test_a_pending_upload_that_keeps_writing_is_not_expired(app):
    store = app.extensions["resguardo.blobs"]
    blob = store.new()
    with app.extensions["resguardo.engine"].begin() as connection:
        connection.execute(update(Blob).where(Blob.id == blob.id).values(tick=current_tick() - 5))
    blob.write(os.urandom(2 * 1024 * 1024))  # a batch: the tick is refreshed
    with app.extensions["resguardo.engine"].begin() as connection:
        result = tick.expire_pending(connection, 1)
    assert result.blobs == 0
    blob.discard()
    assert blobs(app) == []


def test_tick_is_quick_enough_to_run_hourly(app, runner):
    started = time.monotonic()
    assert runner(["tick"]).exit_code == 0
    assert time.monotonic() - started < 30

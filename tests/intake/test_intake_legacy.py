"""Upgrading an installation from before migration 0003: blob files move into the database.

The older layout is made exactly as that version wrote it: the schema at
revision 0002, each envelope in ``blobs/<item id>`` (mode 0600), unfinished
ones in ``blobs/incoming/<id>.part``. ``resguardo init`` must migrate, move
every named envelope into chunk rows (checked against its row), delete the
files, and leave every report exportable and decryptable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import secrets
import tarfile

import pytest
from sqlalchemy import create_engine, text

import keys
from intake import db
from tests.support.stored import blobs


@pytest.fixture
def old_env(tmp_path, database_url, backend, monkeypatch):
    """The environment of a data directory whose database is still empty (no migration run)."""
    data_dir = tmp_path / "data"
    (data_dir / "secret_key").write_text(secrets.token_urlsafe(48))
    monkeypatch.setenv("RESGUARDO_DATA_DIR", str(data_dir))
    if backend == "sqlite":
        monkeypatch.delenv("RESGUARDO_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("RESGUARDO_DATABASE_URL", database_url)
    return data_dir


def _old_install(data_dir, database_url, reviewer, reports: int):
    """A 0002-era data directory with ``reports`` submissions (report + one attachment each)."""
    db.upgrade(database_url, "0002")
    blob_dir = data_dir / "blobs"
    (blob_dir / "incoming").mkdir(mode=0o700, parents=True)
    public = reviewer.secret.public_key
    expected = {}
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO reviewers (fingerprint, name, public_key, added_on, demo) VALUES (:f, 'R', :k, :d, false)"),
            {"f": public.fingerprint.hex, "k": public.raw, "d": dt.date(2025, 1, 1)},
        )
        for index in range(reports):
            submission_id = secrets.token_hex(16)
            connection.execute(text("INSERT INTO submissions (id, received_on) VALUES (:id, :day)"),
                               {"id": submission_id, "day": dt.date(2025, 1, 2)})
            plain = [json.dumps({"n": index}).encode(), secrets.token_bytes(200_000 + index)]
            for position, content in enumerate(plain):
                envelope = keys.seal(content, [public])
                item_id = secrets.token_hex(16)
                path = blob_dir / item_id
                path.write_bytes(envelope)
                path.chmod(0o600)
                connection.execute(
                    text("INSERT INTO items (id, submission_id, kind, position, size, sha256) "
                         "VALUES (:id, :s, :kind, :pos, :size, :sha)"),
                    {"id": item_id, "s": submission_id, "kind": "report" if position == 0 else "attachment",
                     "pos": position, "size": len(envelope), "sha": hashlib.sha256(envelope).hexdigest()},
                )
                expected[item_id] = content
    engine.dispose()
    (blob_dir / "incoming" / (secrets.token_hex(16) + ".part")).write_bytes(os.urandom(100))
    (blob_dir / secrets.token_hex(16)).write_bytes(os.urandom(100))  # renamed, row never committed
    return blob_dir, expected


def _runner():
    from click.testing import CliRunner

    from intake.cli import main

    return lambda args: CliRunner().invoke(main, args, catch_exceptions=False)


def test_init_moves_an_older_installations_blob_files_into_the_database(
    old_env, database_url, reviewer_x25519, tmp_path
):
    data_dir = old_env
    runner = _runner()
    reviewer = reviewer_x25519  # an installation from before X-Wing keys: X25519, v1 envelopes
    blob_dir, expected = _old_install(data_dir, database_url, reviewer, reports=3)
    refused = runner(["reviewer", "list"])
    assert refused.exit_code == 2
    assert "from an older version of Resguardo: run `resguardo init`" in refused.stderr

    result = runner(["init"])
    assert result.exit_code == 0, result.output
    assert "moved 6 stored items from" in result.stdout
    assert "deleted 2 leftover files" in result.stdout
    assert not blob_dir.exists()

    exported = runner(["export", "--out", str(tmp_path / "usb")])
    assert exported.exit_code == 0, exported.output
    bundle = exported.stdout.split("bundle: ")[1].split()[0]
    opened = {}
    with tarfile.open(bundle) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        for submission in manifest["submissions"]:
            for item in submission["items"]:
                data = tar.extractfile(f"items/{item['id']}").read()
                opened[item["id"]] = b"".join(keys.EnvelopeReader(io.BytesIO(data), [reviewer.secret]))
    assert opened == expected

    again = runner(["init"])
    assert again.exit_code == 0 and "moved" not in again.stdout


def test_a_file_that_does_not_match_its_row_is_left_and_reported(old_env, database_url, reviewer_x25519):
    reviewer = reviewer_x25519  # an installation from before X-Wing keys
    data_dir = old_env
    runner = _runner()
    blob_dir, expected = _old_install(data_dir, database_url, reviewer, reports=1)
    damaged = sorted(expected)[0]
    data = bytearray((blob_dir / damaged).read_bytes())
    data[-1] ^= 1
    (blob_dir / damaged).write_bytes(bytes(data))
    result = runner(["init"])
    assert result.exit_code == 1
    assert f"{damaged} does not match its row and was left there" in result.stderr
    assert (blob_dir / damaged).read_bytes() == bytes(data)
    from intake import create_app

    app = create_app(require_reviewers=False)
    try:
        assert [blob.name for blob in blobs(app)] == sorted(set(expected) - {damaged})
    finally:
        db.dispose(app)

"""The operator CLI: reviewer keys, export bundles, cleanup."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest

import keys
from intake import create_app
from intake.cli import EXIT_CONFIG, EXIT_KEYFILE, EXIT_REVIEWER
from tests.support.stored import stored_submissions
from tests.support.submit import csrf_token


def test_reviewer_add_list_remove(runner, reviewer, tmp_path):
    added = runner(["reviewer", "add", str(reviewer.public_file)])
    assert added.exit_code == 0
    display = reviewer.secret.fingerprint.display()
    assert f"fingerprint: {display}" in added.output

    listed = runner(["reviewer", "list"])
    assert listed.exit_code == 0
    assert listed.output.startswith(display)
    assert "Test Reviewer" in listed.output

    again = runner(["reviewer", "add", str(reviewer.public_file)])
    assert again.exit_code == EXIT_REVIEWER

    removed = runner(["reviewer", "remove", reviewer.secret.fingerprint.hex[:12], "--yes"])
    assert removed.exit_code == 0
    assert runner(["reviewer", "list"]).output.startswith("no reviewer keys registered")


def test_reviewer_add_takes_both_key_kinds_and_says_which(runner, reviewer, reviewer_x25519):
    """An X-Wing key (what review keygen makes) and an older X25519 key are both
    registered; each answer and the list say the kind (issue 9 item 3)."""
    xwing = runner(["reviewer", "add", str(reviewer.public_file)])
    assert xwing.exit_code == 0
    assert "key type: X-Wing (post-quantum hybrid)" in xwing.output.splitlines()
    old = runner(["reviewer", "add", str(reviewer_x25519.public_file)])
    assert old.exit_code == 0
    assert "key type: X25519 (not post-quantum)" in old.output.splitlines()
    listed = runner(["reviewer", "list"]).output.splitlines()
    assert [line.split("  ")[2].strip() for line in listed] == ["xwing", "x25519"]


def test_reviewer_add_rejects_a_secret_or_broken_key_file(runner, reviewer, tmp_path):
    assert runner(["reviewer", "add", str(reviewer.secret_file)]).exit_code == EXIT_KEYFILE
    lying = tmp_path / "lying.public-key"
    text = reviewer.public_file.read_text().replace("fingerprint: ", "fingerprint: 0000 ")
    lying.write_text(text)
    assert runner(["reviewer", "add", str(lying)]).exit_code == EXIT_KEYFILE
    assert runner(["reviewer", "add", str(tmp_path / "missing")]).exit_code == EXIT_KEYFILE


def test_reviewer_remove_needs_a_clear_fingerprint(runner, reviewer):
    runner(["reviewer", "add", str(reviewer.public_file)])
    assert runner(["reviewer", "remove", "abc", "--yes"]).exit_code == EXIT_REVIEWER
    assert runner(["reviewer", "remove", "00000000", "--yes"]).exit_code == EXIT_REVIEWER


def test_commands_without_data_dir_fail_cleanly(monkeypatch):
    from click.testing import CliRunner
    from intake.cli import main

    monkeypatch.delenv("RESGUARDO_DATA_DIR", raising=False)
    result = CliRunner().invoke(main, ["reviewer", "list"])
    assert result.exit_code == EXIT_CONFIG
    assert "Traceback" not in result.output


def test_init_creates_secret_and_database(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from intake.cli import main

    data = tmp_path / "new"
    monkeypatch.delenv("RESGUARDO_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["init", "--data-dir", str(data)])
    assert result.exit_code == 0
    assert (data / "secret_key").stat().st_mode & 0o777 == 0o600
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "resguardo.db").stat().st_mode & 0o777 == 0o600
    secret = (data / "secret_key").read_bytes()
    assert CliRunner().invoke(main, ["init", "--data-dir", str(data)]).exit_code == 0
    assert (data / "secret_key").read_bytes() == secret


def _submit(app, files):
    client = app.test_client()
    token = csrf_token(client.get("/").get_data(as_text=True))
    data = {"csrf_token": token, "description": "CANARY-TEXT-export",
            "attachments": [(io.BytesIO(content), name) for name, content in files] or [(io.BytesIO(b""), "")]}
    assert client.post("/submit", data=data, content_type="multipart/form-data").status_code == 200


def test_export_writes_one_bundle_and_marks_exported(app, runner, reviewer, tmp_path):
    _submit(app, [("a.jpg", b"A" * 70_000), ("b.pdf", b"B" * 10)])
    _submit(app, [])
    out = tmp_path / "usb"
    result = runner(["export", "--out", str(out)])
    assert result.exit_code == 0
    [bundle] = list(out.iterdir())
    assert bundle.name.startswith("resguardo-bundle-") and bundle.suffix == ".tar"
    assert "2 submissions, 4 items" in result.output

    with tarfile.open(bundle) as tar:
        members = tar.getmembers()
        assert members[0].name == "manifest.json"
        assert all(member.isfile() and member.mtime == 0 and member.uid == 0 for member in members)
        manifest = json.load(tar.extractfile("manifest.json"))
        assert manifest["format"] == "resguardo-bundle" and manifest["version"] == 1
        assert manifest["recipients"] == [reviewer.secret.fingerprint.hex]
        assert len(manifest["submissions"]) == 2
        for submission in manifest["submissions"]:
            assert submission["items"][0]["kind"] == "report"
            for item in submission["items"]:
                data = tar.extractfile(f"items/{item['id']}").read()
                assert len(data) == item["size"]
                assert hashlib.sha256(data).hexdigest() == item["sha256"]
                assert b"CANARY-TEXT-export" not in data
                assert len(b"".join(keys.EnvelopeReader(io.BytesIO(data), [reviewer.secret]))) > 0

    assert all(row.exported_on is not None for row in stored_submissions(app))
    again = runner(["export", "--out", str(out)])
    assert again.exit_code == 0 and "nothing new to export" in again.output
    assert len(list(out.iterdir())) == 1


def test_export_holds_back_a_damaged_blob(app, runner, tmp_path):
    _submit(app, [("a.txt", b"hello")])
    _submit(app, [])
    first = stored_submissions(app)[0]
    from sqlalchemy import func, select, update

    from intake.models import BlobChunk

    damaged = first.items[-1].id
    with app.extensions["resguardo.engine"].begin() as connection:
        last = connection.execute(select(func.max(BlobChunk.seq)).where(BlobChunk.blob_id == damaged)).scalar()
        data = bytearray(connection.execute(
            select(BlobChunk.data).where(BlobChunk.blob_id == damaged, BlobChunk.seq == last)).scalar())
        data[-1] ^= 1
        connection.execute(update(BlobChunk).where(BlobChunk.blob_id == damaged, BlobChunk.seq == last)
                           .values(data=bytes(data)))
    result = runner(["export", "--out", str(tmp_path / "usb")])
    assert result.exit_code == 1
    assert "1 submission, " in result.output
    assert first.id in result.output


def test_demo_key_is_labelled_and_warned_about(env, runner, tmp_path):
    result = runner(["demo-key", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0
    assert (tmp_path / "demo" / "demo.secret-key").stat().st_mode & 0o777 == 0o600
    assert "[DEMO]" in runner(["reviewer", "list"]).output
    page = create_app().test_client().get("/").get_data(as_text=True)
    assert "Instalación de demostración." in page


def test_export_never_creates_a_missing_mount_point(app, runner, tmp_path):
    _submit(app, [])
    target = tmp_path / "media" / "usb-not-mounted" / "bundles"
    result = runner(["export", "--out", str(target)])
    assert result.exit_code == 5
    assert "is the USB stick mounted? Nothing was exported" in result.stderr
    assert not (tmp_path / "media").exists()
    assert all(row.exported_on is None for row in stored_submissions(app))
    created = runner(["export", "--out", str(tmp_path / "bundles")])
    assert created.exit_code == 0 and (tmp_path / "bundles").stat().st_mode & 0o777 == 0o700


def test_a_secret_key_given_as_public_is_refused_with_a_warning(runner, reviewer):
    result = runner(["reviewer", "add", str(reviewer.secret_file)])
    assert result.exit_code == EXIT_KEYFILE
    assert "is a SECRET key file. It must never leave the reviewer's laptop" in result.stderr


def test_export_os_errors_are_one_line(runner, app, monkeypatch):
    from intake import export

    def broken(*_args, **_kwargs):
        raise IsADirectoryError(21, "Is a directory", "/somewhere")

    monkeypatch.setattr(export, "export_bundle", broken)
    outcome = runner(["export", "--out", "/tmp"])
    assert outcome.exit_code == 5
    assert outcome.stderr == "resguardo: error: could not write the bundle to /tmp: Is a directory; nothing was exported\n"


def test_any_command_turns_a_permission_error_into_one_line(runner, app, monkeypatch):
    from intake import tick

    def denied(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied", "/srv/data/resguardo.db")

    monkeypatch.setattr(tick, "run", denied)
    outcome = runner(["tick"])
    assert outcome.exit_code == 5
    assert outcome.stderr == (
        "resguardo: error: permission denied: /srv/data/resguardo.db "
        "(run as the user that owns the data directory)\n"
    )


def _low_order_public_file(path, raw=bytes(32)):
    import base64

    path.write_text(f"resguardo-public-key: 1\nname: zero\npublic-key: {base64.b64encode(raw).decode()}\n")
    return path


def test_reviewer_add_refuses_a_low_order_key(runner, tmp_path):
    result = runner(["reviewer", "add", str(_low_order_public_file(tmp_path / "zero.public-key"))])
    assert result.exit_code == EXIT_KEYFILE
    assert len(result.stderr.splitlines()) == 1
    assert "unusable public key (a low-order X25519 key" in result.stderr
    assert runner(["reviewer", "list"]).output.startswith("no reviewer keys registered")


def _store_low_order_row(reviewer_name="zero"):
    """A row as ``reviewer add`` stored it before it refused low-order keys."""
    import datetime as dt

    from intake import db
    from intake.models import Reviewer

    app = create_app(require_reviewers=False)
    with app.app_context():
        raw = bytes(32)
        db.session().add(Reviewer(fingerprint=keys.Fingerprint.of(raw).hex, name=reviewer_name, public_key=raw,
                                  added_on=dt.date(2026, 1, 1), demo=False))
        db.session().commit()
    app.extensions["resguardo.engine"].dispose()
    return keys.Fingerprint.of(raw).hex


def test_an_existing_low_order_row_stops_the_start_with_the_fix(runner, reviewer):
    from intake import NotReadyError, preflight

    runner(["reviewer", "add", str(reviewer.public_file)])
    fingerprint = _store_low_order_row()
    with pytest.raises(NotReadyError) as refused:
        create_app()
    assert f"resguardo reviewer remove {fingerprint[:16]}" in str(refused.value)
    assert f"resguardo reviewer remove {fingerprint[:16]}" in preflight()
    listed = runner(["reviewer", "list"]).output
    assert "zero [UNUSABLE: low-order key, remove it]" in listed
    assert runner(["reviewer", "remove", fingerprint[:16], "--yes"]).exit_code == 0
    app = create_app()
    app.extensions["resguardo.engine"].dispose()

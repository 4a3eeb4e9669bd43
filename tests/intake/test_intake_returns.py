"""``resguardo import-return``: bundles built from docs/FORMAT.md, refusals, replies shown on check-back."""

from __future__ import annotations

import io
import re
import tarfile

import pytest
from sqlalchemy import func, select

import keys
from intake import db
from intake.models import BlobChunk, Blob, Case, CaseSubmission, Item, Reply, ReturnImport, Submission

from tests.intake.test_intake_checkback import checkback, receipt_of, send
from tests.support import returns
from tests.support.stored import stored_submissions

REPLY_TEXT = "Recibimos su denuncia. ¿Está en un lugar seguro? <b>no markup</b>"


@pytest.fixture(scope="module")
def org_key():
    return keys.SigningSecretKey.generate("Org")


@pytest.fixture
def configured(data_dir, org_key):
    keys.write_signing_public_key_file(data_dir / "reply-signing.pub", org_key.public_key)
    return org_key


def counts(app) -> dict:
    with app.app_context():
        session = db.session()
        result = {model.__name__: session.scalar(select(func.count()).select_from(model))
                  for model in (Submission, Item, Blob, BlobChunk, Case, CaseSubmission, Reply, ReturnImport)}
        db.session().close()
        return result


@pytest.fixture
def case(app, client):
    response, _ = send(client, text="Canary-report-ZX81 nos siguieron")
    text = receipt_of(response)
    receipt = keys.Receipt.parse(text)
    [submission] = stored_submissions(app)
    reply_key = keys.XWingSecretKey(receipt.reporter_seed()).public_key
    return text, submission.id, reply_key


def test_import_stores_replies_purges_acknowledged_and_checkback_shows_them(app, client, runner, configured, case, tmp_path):
    text, submission_id, reply_key = case
    exported = runner(["export", "--out", str(tmp_path / "usb")])
    assert exported.exit_code == 0, exported.output
    before = counts(app)
    assert before["Item"] == 1 and before["BlobChunk"] >= 1
    bundle = returns.build(tmp_path / "r.tar", configured, [(submission_id, reply_key, REPLY_TEXT)], [submission_id])
    result = runner(["import-return", str(bundle)])
    assert result.exit_code == 0, result.output
    assert "1 reply stored, 0 skipped" in result.output
    assert "\n1 submission marked as read and deleted (1 item), 0 no longer here\n" in result.output
    after = counts(app)
    assert after["Submission"] == 0 and after["Item"] == 0 and after["Blob"] == 0 and after["BlobChunk"] == 0
    assert after["Case"] == 1 and after["CaseSubmission"] == 1 and after["Reply"] == 1 and after["ReturnImport"] == 1
    html = checkback(client, text, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Recibimos su denuncia. ¿Está en un lugar seguro? &lt;b&gt;no markup&lt;/b&gt;" in html
    assert "Read by the reviewers on " in html and "Delivered to the reviewers on " in html
    assert "1 answer is available below." in html


def test_a_reply_for_another_key_is_not_shown(app, client, runner, configured, case, tmp_path):
    text, submission_id, _ = case
    stranger = keys.XWingSecretKey.generate().public_key
    bundle = returns.build(tmp_path / "r.tar", configured, [(submission_id, stranger, "not yours")])
    assert runner(["import-return", str(bundle)]).exit_code == 0
    html = checkback(client, text, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "not yours" not in html and "No answer yet." in html


def _foreign(path, org, reply_key, sid):
    other = keys.SigningSecretKey.generate("Other")
    return returns.build(path, other, [(sid, reply_key, REPLY_TEXT)], [sid])


def _forged(path, org, reply_key, sid):
    other = keys.SigningSecretKey.generate("Other")
    return returns.build(path, org, [(sid, reply_key, REPLY_TEXT)], [sid], sign_with=other)


def _tampered(path, org, reply_key, sid):
    def flip(envelopes):
        reply_id, data = envelopes[0]
        return [(reply_id, data[:-1] + bytes([data[-1] ^ 1]))]
    return returns.build(path, org, [(sid, reply_key, REPLY_TEXT)], [sid], after_sign=flip)


def _bad_envelope(path, org, reply_key, sid):
    # Two stanzas: not a reply to one reporter key.
    extra = keys.XWingSecretKey.generate().public_key
    envelope = keys.seal_v2(returns.reply_document(sid, "x"), [reply_key, extra])
    import hashlib, json, secrets  # noqa: E401
    reply_id = secrets.token_hex(16)
    manifest = json.dumps({"format": "resguardo-return", "version": 1, "return_id": secrets.token_hex(16),
                           "created_on": "2026-12-01", "signer": org.fingerprint.hex,
                           "replies": [{"id": reply_id, "submission_id": sid, "size": len(envelope),
                                        "sha256": hashlib.sha256(envelope).hexdigest()}],
                           "acknowledged": [sid]}).encode()
    with tarfile.open(path, "w") as archive:
        for name, data in (("manifest.json", manifest), ("manifest.sig", org.sign_manifest(manifest)),
                           (f"replies/{reply_id}", envelope)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def _malformed(path, org, reply_key, sid):
    with tarfile.open(path, "w") as archive:
        info = tarfile.TarInfo("../etc/passwd")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))
    return path


@pytest.mark.parametrize(
    "make, code, outcome",
    [(_foreign, 12, "foreign signer"), (_forged, 13, "bad signature"), (_tampered, 14, "reply mismatch"),
     (_bad_envelope, 15, "bad reply envelope"), (_malformed, 10, "malformed")],
    ids=["foreign", "forged", "tampered", "bad-envelope", "malformed"],
)
def test_refused_bundles_change_nothing(app, runner, configured, case, tmp_path, make, code, outcome):
    _text, submission_id, reply_key = case
    before = counts(app)
    bundle = make(tmp_path / "r.tar", configured, reply_key, submission_id)
    result = runner(["import-return", str(bundle)])
    assert result.exit_code == code, result.output
    assert f"return bundle refused ({outcome})" in result.output
    assert counts(app) == before


def test_an_export_bundle_given_by_mistake_is_named_as_such(app, runner, configured, case, tmp_path):
    """The operator passes the export bundle instead of the reviewers' return
    bundle: the refusal says so (it said only "unexpected member 2")."""
    exported = runner(["export", "--out", str(tmp_path / "usb")])
    assert exported.exit_code == 0, exported.output
    [bundle] = (tmp_path / "usb").glob("resguardo-bundle-*.tar")
    before = counts(app)
    result = runner(["import-return", str(bundle)])
    assert result.exit_code == 10, result.output
    assert "return bundle refused (malformed): no manifest.sig after manifest.json: this is not a return bundle " \
        "(an export, resguardo-bundle-….tar, goes to the reviewers for review import); nothing was changed" \
        in result.output
    assert counts(app) == before


def test_replayed_bundle_is_refused(app, runner, configured, case, tmp_path):
    _text, submission_id, reply_key = case
    bundle = returns.build(tmp_path / "r.tar", configured, [(submission_id, reply_key, REPLY_TEXT)])
    assert runner(["import-return", str(bundle)]).exit_code == 0
    before = counts(app)
    again = runner(["import-return", str(bundle)])
    assert again.exit_code == 16 and "(replayed)" in again.output
    assert counts(app) == before


def test_missing_signing_key_is_a_configuration_error(app, runner, case, tmp_path):
    result = runner(["import-return", str(tmp_path / "nothing.tar")])
    assert result.exit_code == 2 and "reply-signing public key" in result.output


def test_unknown_submission_is_skipped_and_counted(app, runner, configured, case, tmp_path):
    _text, _sid, reply_key = case
    gone = "ab" * 16
    bundle = returns.build(tmp_path / "r.tar", configured, [(gone, reply_key, "x")], [gone])
    result = runner(["import-return", str(bundle)])
    assert result.exit_code == 0, result.output
    assert "0 replies stored, 1 skipped" in result.output and "1 no longer here" in result.output


def test_status_counts_by_state(app, runner, case):
    result = runner(["status"])
    assert result.exit_code == 0, result.output
    assert "submissions waiting for export: 1" in result.output
    assert "cases a reporter can check on: 1" in result.output
    assert re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}", result.output) is None  # counts only, never a day or time


def test_tick_purges_unacknowledged_exports_and_expires_idle_cases(app, client, runner, case, tmp_path, monkeypatch):
    import datetime as dt

    from sqlalchemy import update

    text, submission_id, _ = case
    assert runner(["export", "--out", str(tmp_path / "usb")]).exit_code == 0
    today = dt.datetime.now(dt.timezone.utc).date()
    # the day the ticks and status see is this one, so a UTC midnight passing
    # during the test cannot turn "29 days: kept" into 30
    monkeypatch.setattr("intake.checkback.cases.today", lambda: today)
    with app.app_context():
        db.session().execute(update(Submission).values(exported_on=today - dt.timedelta(days=29)))
        db.session().commit()
    warned = runner(["status"])
    assert "will be deleted within 7 days" in warned.output
    assert runner(["tick"]).exit_code == 0
    assert counts(app)["Submission"] == 1  # 29 days: kept
    with app.app_context():
        db.session().execute(update(Submission).values(exported_on=today - dt.timedelta(days=30)))
        db.session().commit()
    ticked = runner(["tick"])
    assert ticked.exit_code == 0 and "deleted 1 exported submissions never marked as read" in ticked.output
    after = counts(app)
    assert after["Submission"] == 0 and after["Item"] == 0 and after["BlobChunk"] == 0 and after["Case"] == 1
    html = checkback(client, text, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"Delivered to the reviewers on {(today - dt.timedelta(days=30)).isoformat()}." in html
    with app.app_context():
        db.session().execute(update(Case).values(last_visit_on=today - dt.timedelta(days=89)))
        db.session().commit()
    assert runner(["tick"]).exit_code == 0 and counts(app)["Case"] == 1
    with app.app_context():
        db.session().execute(update(Case).values(last_visit_on=today - dt.timedelta(days=90)))
        db.session().commit()
    ticked = runner(["tick"])
    assert "expired 1 cases idle too long" in ticked.output
    assert counts(app)["Case"] == 0 and counts(app)["CaseSubmission"] == 0

"""Browser-sealed uploads (/upload/...): envelopes in pieces, checked, bound into a submission.

The envelopes here are made by keys/ exactly as the browser's envelope.js
makes them (the JS tests check the two agree byte for byte in structure).
CSRF stays on: every call carries the form's token in X-CSRFToken.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import time

import pytest

import keys
from keys.stream import SEALED_CHUNK_SIZE
from tests.support.stored import blobs, open_submission, stored_submissions

H = keys.header_size_v2(["xwing"])  # the test reviewer's X-Wing key


@pytest.fixture
def api(client, token):
    """Call the upload API with the CSRF header."""

    class Api:
        headers = {"X-CSRFToken": token}

        def post(self, path, body=None):
            return client.post(path, json=body, headers=self.headers)

        def put(self, upload_id, offset, data):
            return client.put(
                f"/upload/{upload_id}?offset={offset}", data=data,
                headers={**self.headers, "Content-Type": "application/octet-stream"},
            )

        def get(self, upload_id):
            return client.get(f"/upload/{upload_id}")

        def upload(self, envelope, piece_chunks=16):
            created = self.post("/upload/", {"size": len(envelope)})
            assert created.status_code == 201, created.get_json()
            upload_id = created.get_json()["upload_id"]
            offset = 0
            ends = [H + k * SEALED_CHUNK_SIZE for k in range(0, (len(envelope) - H) // SEALED_CHUNK_SIZE + 1, piece_chunks)]
            ends = sorted(set(ends[1:] + [len(envelope)]))
            for end in ends:
                answer = self.put(upload_id, offset, envelope[offset:end])
                assert answer.status_code == 200, answer.get_json()
                assert answer.get_json() == {"received": end}
                offset = end
            finished = self.post(f"/upload/{upload_id}/finish")
            assert finished.status_code == 200, finished.get_json()
            assert finished.get_json() == {"received": len(envelope), "complete": True}
            return upload_id, created.get_json()["item_id"]

    return Api()


def _report(submission_id, attachments):
    doc = {"format": "resguardo-report", "version": 1, "submission_id": submission_id,
           "sealed_by": "browser", "language": "es",
           "fields": {"description": "CANARY-TEXT-upload"}, "attachments": attachments}
    return json.dumps(doc).encode()


def test_sealed_report_and_file_are_stored_as_one_submission(app, api, reviewer):
    begin = api.post("/upload/begin")
    assert begin.status_code == 200
    submission_id = begin.get_json()["submission_id"]
    content = secrets.token_bytes(3 * 65532 + 5)
    file_id, item_id = api.upload(keys.seal_v2(content, [reviewer.secret.public_key]))
    meta = [{"item_id": item_id, "filename": "a.bin", "content_type": "application/octet-stream",
             "size": len(content), "blake2b_256": hashlib.blake2b(content, digest_size=32).hexdigest()}]
    report_id, report_item = api.upload(keys.seal_v2(_report(submission_id, meta), [reviewer.secret.public_key]))
    done = api.post("/upload/submit", {"report": report_id, "attachments": [file_id]})
    assert done.status_code == 201
    assert done.get_json() == {"location": "/received"}
    (row,) = stored_submissions(app)
    assert row.id == submission_id
    assert [(item.kind, item.id) for item in row.items] == [("report", report_item), ("attachment", item_id)]
    report, files = open_submission(app, row, reviewer.secret)
    assert report["sealed_by"] == "browser"
    assert files == {item_id: content}
    assert [path.name for path in blobs(app)] == sorted([report_item, item_id])
    assert file_id != item_id


def test_without_the_csrf_header_nothing_is_accepted(client, token):
    answer = client.post("/upload/begin")
    assert answer.status_code == 400
    assert answer.get_json()["code"] == "csrf"


def test_a_resumed_upload_continues_from_the_received_size(api, reviewer):
    api.post("/upload/begin")
    envelope = keys.seal_v2(secrets.token_bytes(5 * 65532), [reviewer.secret.public_key])
    upload_id = api.post("/upload/", {"size": len(envelope)}).get_json()["upload_id"]
    first = H + 2 * SEALED_CHUNK_SIZE
    assert api.put(upload_id, 0, envelope[:first]).get_json() == {"received": first}
    assert api.get(upload_id).get_json() == {"received": first, "size": len(envelope)}
    repeated = api.put(upload_id, 0, envelope[:first])
    assert repeated.status_code == 409
    assert repeated.get_json()["received"] == first
    assert api.put(upload_id, first, envelope[first:]).get_json() == {"received": len(envelope)}
    assert api.post(f"/upload/{upload_id}/finish").status_code == 200


def test_plaintext_behind_a_valid_header_is_refused(api, reviewer):
    api.post("/upload/begin")
    envelope = keys.seal_v2(b"x" * 65532, [reviewer.secret.public_key])
    disguised = envelope[:H] + (b"CANARY plaintext account of what happened. " * 2000)[:SEALED_CHUNK_SIZE] + envelope[-64:]
    upload_id = api.post("/upload/", {"size": len(disguised)}).get_json()["upload_id"]
    answer = api.put(upload_id, 0, disguised)
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "not_encrypted"
    assert api.get(upload_id).get_json() == {"received": 0, "size": len(disguised)}


def test_an_envelope_for_other_keys_is_refused(api):
    api.post("/upload/begin")
    envelope = keys.seal_v2(b"data", [keys.XWingSecretKey.generate().public_key])
    upload_id = api.post("/upload/", {"size": len(envelope)}).get_json()["upload_id"]
    answer = api.put(upload_id, 0, envelope)
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "recipients"


@pytest.mark.parametrize("size", [H + SEALED_CHUNK_SIZE - 1, H + 9 * SEALED_CHUNK_SIZE, 0, "65701", -1])
def test_a_declared_size_that_no_envelope_has_is_refused(api, size):
    api.post("/upload/begin")
    answer = api.post("/upload/", {"size": size})
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "structure"


def test_a_declared_size_over_the_limit_is_413(api, app):
    api.post("/upload/begin")
    chunks = 1024
    answer = api.post("/upload/", {"size": H + chunks * SEALED_CHUNK_SIZE * 16 + 64})  # v2: + the signature
    assert app.config["MAX_CONTENT_LENGTH"] < H + chunks * SEALED_CHUNK_SIZE * 16 + 64
    assert answer.status_code == 413
    assert answer.get_json()["code"] == "too_large"


def test_misaligned_pieces_are_refused(api, reviewer):
    api.post("/upload/begin")
    envelope = keys.seal_v2(secrets.token_bytes(2 * 65532), [reviewer.secret.public_key])
    upload_id = api.post("/upload/", {"size": len(envelope)}).get_json()["upload_id"]
    assert api.put(upload_id, 0, envelope[: H + 1000]).status_code == 422
    assert api.put(upload_id, 0, envelope[: H - 1]).status_code == 422
    assert api.get(upload_id).get_json()["received"] == 0


def test_an_incomplete_upload_cannot_be_finished_or_submitted(api, reviewer):
    api.post("/upload/begin")
    envelope = keys.seal_v2(secrets.token_bytes(3 * 65532), [reviewer.secret.public_key])
    upload_id = api.post("/upload/", {"size": len(envelope)}).get_json()["upload_id"]
    api.put(upload_id, 0, envelope[: H + SEALED_CHUNK_SIZE])
    assert api.post(f"/upload/{upload_id}/finish").get_json()["code"] == "incomplete"
    answer = api.post("/upload/submit", {"report": upload_id, "attachments": []})
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "incomplete"


def test_uploads_are_bound_to_the_session(app, api, reviewer):
    api.post("/upload/begin")
    envelope = keys.seal_v2(b"data", [reviewer.secret.public_key])
    upload_id = api.post("/upload/", {"size": len(envelope)}).get_json()["upload_id"]
    other = app.test_client()
    from tests.support.submit import csrf_token

    other_token = csrf_token(other.get("/").get_data(as_text=True))
    headers = {"X-CSRFToken": other_token, "Content-Type": "application/octet-stream"}
    assert other.get(f"/upload/{upload_id}").status_code == 404
    assert other.put(f"/upload/{upload_id}?offset=0", data=envelope, headers=headers).status_code == 404
    answer = other.post("/upload/submit", json={"report": upload_id}, headers={"X-CSRFToken": other_token})
    assert answer.status_code == 404
    assert answer.get_json()["code"] == "unknown"


def test_a_new_begin_deletes_the_sessions_unfinished_uploads(app, api, reviewer):
    api.post("/upload/begin")
    envelope = keys.seal_v2(b"data", [reviewer.secret.public_key])
    created = api.post("/upload/", {"size": len(envelope)}).get_json()
    upload_id = created["upload_id"]
    api.put(upload_id, 0, envelope[:H])
    assert [(p.name, p.complete, p.size) for p in blobs(app)] == [(created["item_id"], False, H)]
    api.post("/upload/begin")
    assert blobs(app) == []
    assert api.get(upload_id).status_code == 404


def test_too_many_uploads_in_one_submission_are_refused(api, app, reviewer):
    api.post("/upload/begin")
    size = keys.envelope_size_v2(0, ["xwing"])
    for _ in range(app.config["MAX_ATTACHMENTS"] + 1):
        assert api.post("/upload/", {"size": size}).status_code == 201
    answer = api.post("/upload/", {"size": size})
    assert answer.status_code == 413
    assert answer.get_json()["code"] == "too_many"


def test_the_tick_deletes_abandoned_partial_uploads(app, api, reviewer, runner):
    from sqlalchemy import update

    from intake.models import Blob, UploadSession
    from intake.storage import current_tick

    api.post("/upload/begin")
    envelope = keys.seal_v2(b"data", [reviewer.secret.public_key])
    upload_id = api.post("/upload/", {"size": len(envelope)}).get_json()["upload_id"]
    api.put(upload_id, 0, envelope[:H])
    assert len(blobs(app)) == 1
    fresh = runner(["tick"])
    assert fresh.output.startswith("expired 0 unfinished uploads and 0 upload sessions\n")
    assert len(blobs(app)) == 1
    with app.extensions["resguardo.engine"].begin() as connection:  # two hours idle
        connection.execute(update(UploadSession).values(tick=current_tick() - 2))
        connection.execute(update(Blob).values(tick=current_tick() - 2))
    result = runner(["tick"])
    assert result.exit_code == 0
    assert result.output.startswith("expired 1 unfinished uploads and 1 upload sessions\n")
    assert blobs(app) == []
    assert api.get(upload_id).status_code == 404


def test_errors_are_localized_json(api, client):
    client.set_cookie("lang", "es")
    api.post("/upload/begin")
    answer = api.post("/upload/", {"size": 5})
    assert answer.status_code == 422
    assert answer.get_json()["title"] == "Se rechazó el envío cifrado"


def _sealed_submission(api, reviewer):
    """begin + one attachment + the report, uploaded and finished; (report id, [file id])."""
    submission_id = api.post("/upload/begin").get_json()["submission_id"]
    content = secrets.token_bytes(65532 + 9)
    file_id, item_id = api.upload(keys.seal_v2(content, [reviewer.secret.public_key]))
    meta = [{"item_id": item_id, "filename": "a.bin", "content_type": "application/octet-stream",
             "size": len(content), "blake2b_256": hashlib.blake2b(content, digest_size=32).hexdigest()}]
    report_id, _ = api.upload(keys.seal_v2(_report(submission_id, meta), [reviewer.secret.public_key]))
    return report_id, [file_id]


def test_a_repeated_submit_after_a_lost_answer_stores_nothing_more(app, api, client, reviewer):
    """The answer to /upload/submit was lost (so the browser kept its old cookie): the retry gets the same 201."""
    report_id, file_ids = _sealed_submission(api, reviewer)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie_before = client.get_cookie(name).value
    first = api.post("/upload/submit", {"report": report_id, "attachments": file_ids})
    assert first.status_code == 201
    files_after_first = blobs(app)
    client.set_cookie(name, cookie_before)  # the Set-Cookie of the lost answer never arrived
    again = api.post("/upload/submit", {"report": report_id, "attachments": file_ids})
    assert again.status_code == 201
    assert again.get_json() == first.get_json() == {"location": "/received"}
    (row,) = stored_submissions(app)
    assert len(row.items) == 2
    assert blobs(app) == files_after_first
    # with the updated cookie too (state already cleared), and a third time
    assert api.post("/upload/submit", {"report": report_id, "attachments": file_ids}).status_code == 201
    assert len(stored_submissions(app)) == 1


def test_a_repeated_submit_must_name_the_same_attachments(app, api, reviewer):
    report_id, file_ids = _sealed_submission(api, reviewer)
    assert api.post("/upload/submit", {"report": report_id, "attachments": file_ids}).status_code == 201
    for attachments in ([], [file_ids[0], file_ids[0]], ["0" * 32], [5]):
        answer = api.post("/upload/submit", {"report": report_id, "attachments": attachments})
        assert answer.status_code in (400, 404), attachments
    # an attachment's upload id is not a report
    assert api.post("/upload/submit", {"report": file_ids[0], "attachments": []}).status_code in (400, 404)
    assert len(stored_submissions(app)) == 1


def test_the_form_states_the_limits_and_ties_errors_to_fields(client, token, app):
    """Server-rendered (no JavaScript too): limits in the attachments help, errors linked and marked invalid."""
    page = client.get("/").get_data(as_text=True)
    count = app.config["MAX_ATTACHMENTS"]
    assert f'<p class="help" id="attachments-limits">Puede enviar hasta {count} archivos, con un total de 512 MiB.</p>' in page
    assert 'aria-describedby="attachments-help attachments-limits"' in page
    answer = client.post("/submit", data={"csrf_token": token, "description": "  "})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert '<a href="#description">' in page
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="description-help description-error"' in page


def test_a_retry_racing_the_first_submit_gets_the_same_answer(app, api, reviewer, monkeypatch):
    """The first submit commits between the retry's checks and its own commit:
    the retry finds its blobs no longer pending and answers 201, storing nothing."""
    import datetime as dt

    from sqlalchemy import insert, update

    from intake import submission as shared
    from intake.models import Blob, Item, Submission
    from intake.upload import views

    report_id, file_ids = _sealed_submission(api, reviewer)
    real_store = shared.store

    def first_request_wins(submission_id, report, attachments, **kwargs):
        with app.extensions["resguardo.engine"].begin() as connection:
            ids = [report.id] + [blob.id for blob in attachments]
            connection.execute(update(Blob).where(Blob.id.in_(ids)).values(complete=True, owner=None, tick=None))
            connection.execute(insert(Submission).values(id=submission_id, received_on=dt.date.today()))
            connection.execute(insert(Item), [
                {"id": blob.id, "submission_id": submission_id, "kind": "report" if n == 0 else "attachment",
                 "position": n, "size": blob.size, "sha256": blob.sha256}
                for n, blob in enumerate([report, *attachments])
            ])
        return real_store(submission_id, report, attachments, **kwargs)

    monkeypatch.setattr(views.shared, "store", first_request_wins)
    answer = api.post("/upload/submit", {"report": report_id, "attachments": file_ids})
    assert answer.status_code == 201
    assert answer.get_json() == {"location": "/received"}
    (row,) = stored_submissions(app)
    assert len(row.items) == 2


def _declared(api, envelope):
    created = api.post("/upload/", {"size": len(envelope)})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["upload_id"]


@pytest.mark.parametrize("disguise", ["diluted_text", "zip_start"])
def test_plaintext_that_does_not_compress_is_refused(api, reviewer, disguise):
    """Item 8 of the review: text diluted 1 in 16 among random bytes passes a
    zlib check; so does a ZIP file (already compressed). Both are refused now."""
    api.post("/upload/begin")
    envelope = keys.seal_v2(b"x" * 20000, [reviewer.secret.public_key])  # one 64 KiB chunk
    chunk = bytearray(os.urandom(SEALED_CHUNK_SIZE))
    if disguise == "diluted_text":
        text = b"CANARY el mayor Quispe ordeno la detencion. " * 2000
        chunk[::17] = text[: len(chunk[::17])]
    else:
        chunk[:6] = b"PK\x03\x04\x14\x00"
    disguised = envelope[:H] + bytes(chunk) + envelope[-64:]
    upload_id = _declared(api, disguised)
    answer = api.put(upload_id, 0, disguised)
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "not_encrypted"


def test_a_v1_envelope_is_refused(api, reviewer):
    """Browser uploads are v2 only: v1 has no key commitment (a modified page
    must not downgrade). A v1 envelope has another length, so it is refused
    when declared, and its header when sent anyway."""
    api.post("/upload/begin")
    old = keys.seal(b"data", [keys.SecretKey.generate().public_key])
    assert api.post("/upload/", {"size": len(old)}).get_json()["code"] == "structure"
    v2 = keys.seal_v2(b"data", [reviewer.secret.public_key])
    upload_id = _declared(api, v2)
    fake = old[:8] + b"\x01" + v2[9:]
    answer = api.put(upload_id, 0, fake)
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "structure"


@pytest.mark.parametrize("offset, value", [(12, 0x07), (14, 0x8F)])
def test_malformed_stanzas_are_refused(api, reviewer, offset, value):
    """An unknown stanza type, or an X-Wing stanza whose length field is wrong."""
    api.post("/upload/begin")
    envelope = bytearray(keys.seal_v2(b"data", [reviewer.secret.public_key]))
    envelope[offset] = value
    upload_id = _declared(api, envelope)
    answer = api.put(upload_id, 0, bytes(envelope))
    assert answer.status_code == 422
    assert answer.get_json()["code"] == "structure"


def test_a_changed_payload_fails_the_signature_at_finish(api, reviewer):
    """The server checks the writer's signature over the chunks without any key."""
    api.post("/upload/begin")
    one = keys.seal_v2(b"first", [reviewer.secret.public_key])
    two = keys.seal_v2(b"second", [reviewer.secret.public_key])
    spliced = one[:H] + two[H:]  # header of one, chunks and signature of the other
    upload_id = _declared(api, spliced)
    assert api.put(upload_id, 0, spliced).status_code == 200
    finished = api.post(f"/upload/{upload_id}/finish")
    assert finished.status_code == 422
    assert finished.get_json()["code"] == "structure"


def test_a_report_larger_than_readers_accept_is_refused(app, api, reviewer, monkeypatch):
    """FORMAT.md "Report": readers take at most 64 MiB of report; the browser path
    refused nothing larger before (the review tool would then fail on it)."""
    from intake.upload import views

    monkeypatch.setattr(views, "MAX_REPORT_BYTES", 1000)
    api.post("/upload/begin")
    report_id, _ = api.upload(keys.seal_v2(b"r" * 70000, [reviewer.secret.public_key]))
    answer = api.post("/upload/submit", {"report": report_id, "attachments": []})
    assert answer.status_code == 413
    assert stored_submissions(app) == []


def test_a_report_sharing_the_limits_size_class_but_over_it_is_refused(app, api, reviewer, monkeypatch):
    """Padmé puts content of 9 * 65532 + 1 .. 10 * 65532 bytes in the same 10-chunk
    envelope as exactly 9 * 65532: a limit of 9 * 65532 bytes must refuse that
    size class (the review tool would refuse its content) and accept the
    largest one that cannot exceed it, 8 chunks. With the real 64 MiB: 1024
    chunks, not the 1088 of envelope_size_v2(64 MiB), which hold 71 298 816 bytes."""
    from intake.upload import views

    from review.report import MAX_REPORT_BYTES as READERS_LIMIT

    assert views.MAX_REPORT_BYTES == READERS_LIMIT  # two copies: intake/ may not import review/
    kinds = ["xwing"]
    assert views.largest_report_envelope(kinds) == keys.envelope_size_v2(1024 * 65532, kinds) == 67_127_639
    assert keys.envelope_size_v2(views.MAX_REPORT_BYTES, kinds) == keys.envelope_size_v2(1088 * 65532, kinds)
    monkeypatch.setattr(views, "MAX_REPORT_BYTES", 9 * 65532)
    assert views.largest_report_envelope(kinds) == keys.envelope_size_v2(8 * 65532, kinds)
    submission_id = api.post("/upload/begin").get_json()["submission_id"]
    over = _report(submission_id, []) + b" " * (9 * 65532 + 1 - len(_report(submission_id, [])))
    over_id, _ = api.upload(keys.seal_v2(over, [reviewer.secret.public_key]))
    assert api.post("/upload/submit", {"report": over_id, "attachments": []}).status_code == 413
    assert stored_submissions(app) == []
    fits = _report(submission_id, []) + b" " * (8 * 65532 - len(_report(submission_id, [])))
    fits_id, _ = api.upload(keys.seal_v2(fits, [reviewer.secret.public_key]))
    assert api.post("/upload/submit", {"report": fits_id, "attachments": []}).status_code == 201
    assert [row.id for row in stored_submissions(app)] == [submission_id]


def test_file_signatures_match_random_bytes_rarely():
    """Each signature fixes at least 5 bytes; the sum of their chances on random
    bytes stays below 2^-37 per chunk (docs/FORMAT.md "Browser uploads")."""
    from intake.upload.checks import SIGNATURES, has_signature

    fixed = [sum(len(magic) for _, magic in parts) for parts in SIGNATURES]
    assert min(fixed) == 5
    assert sum(2.0 ** (-8 * n) for n in fixed) < 2.0 ** -37
    assert all(has_signature(bytes(b for at, magic in parts for b in magic) + bytes(16))
               for parts in SIGNATURES if all(at == 0 for at, _ in parts) and len(parts) == 1)

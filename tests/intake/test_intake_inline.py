"""A small report in one request: envelopes carried inside POST /upload/submit.

The body is ``u32be(len(manifest)) || manifest JSON || envelopes``
(intake/upload/inline.py). Every check of the resumable path still applies:
CSRF first (header), the route's size cap and content types, the session's
slots, the declared-size rules and caps, the header, recipients and
"not obviously plaintext" piece check, and the finish check (signature).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct

import pytest

import keys
from intake.upload import inline
from tests.intake.test_intake_upload import _report, api  # noqa: F401  (the fixture)
from tests.support.stored import blobs, open_submission, stored_submissions


def body(fields: dict, items: list[tuple[str, bytes]]) -> bytes:
    manifest = json.dumps({**fields, "inline": [[upload_id, len(data)] for upload_id, data in items]}).encode()
    return struct.pack(">I", len(manifest)) + manifest + b"".join(data for _, data in items)


def post(client, token, data: bytes, content_type="application/octet-stream", csrf=True):
    headers = {"Content-Type": content_type}
    if csrf:
        headers["X-CSRFToken"] = token
    return client.post("/upload/submit", data=data, headers=headers)


def small_submission(api, reviewer, files=(b"%PDF-1.4 small file",)):  # noqa: F811
    """begin, then the report and ``files`` sealed into slots: (fields, items, begin answer)."""
    begun = api.post("/upload/begin").get_json()
    slots = begun["slots"]
    items, meta = [], []
    for index, content in enumerate(files, start=1):
        items.append((slots[index]["upload_id"], keys.seal_v2(content, [reviewer.secret.public_key])))
        meta.append({"item_id": slots[index]["item_id"], "filename": f"f{index}.pdf", "content_type": "application/pdf",
                     "size": len(content), "blake2b_256": hashlib.blake2b(content, digest_size=32).hexdigest()})
    report = keys.seal_v2(_report(begun["submission_id"], meta), [reviewer.secret.public_key])
    items.insert(0, (slots[0]["upload_id"], report))
    fields = {"report": slots[0]["upload_id"], "attachments": [upload_id for upload_id, _ in items[1:]]}
    return fields, items, begun


def test_begin_hands_out_one_slot_per_file_and_the_report(app, api):  # noqa: F811
    begun = api.post("/upload/begin").get_json()
    assert len(begun["slots"]) == app.config["MAX_ATTACHMENTS"] + 1
    ids = [slot["upload_id"] for slot in begun["slots"]]
    assert len(set(ids)) == len(ids) and all(len(i) == 32 for i in ids)
    again = api.post("/upload/begin").get_json()  # a new session: new slots
    assert not set(ids) & {slot["upload_id"] for slot in again["slots"]}


def test_a_small_report_with_files_is_stored_in_one_request(app, api, client, token, reviewer):  # noqa: F811
    files = (b"%PDF-1.4 CANARY-PDF", secrets.token_bytes(20000))
    fields, items, begun = small_submission(api, reviewer, files)
    assert [len(data) for _, data in items] == [17768, 17768, 66920]  # small envelopes: one 16 KiB chunk
    answer = post(client, token, body(fields, items))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json() == {"location": "/received"}
    (row,) = stored_submissions(app)
    assert row.id == begun["submission_id"]
    assert [item.id for item in row.items] == [slot["item_id"] for slot in begun["slots"][:3]]
    report, opened = open_submission(app, row, reviewer.secret)
    assert report["fields"]["description"] == "CANARY-TEXT-upload"
    assert sorted(opened.values()) == sorted(files)
    stored = b"".join(path.read_bytes() for path in blobs(app))
    assert b"CANARY" not in stored


def test_a_lost_answer_is_repeated_without_a_duplicate(app, api, client, token, reviewer):  # noqa: F811
    fields, items, _ = small_submission(api, reviewer)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie_before = client.get_cookie(name).value
    assert post(client, token, body(fields, items)).status_code == 201
    client.set_cookie(name, cookie_before)
    again = post(client, token, body(fields, items))
    assert again.status_code == 201 and again.get_json() == {"location": "/received"}
    assert len(stored_submissions(app)) == 1


def test_an_attempt_that_broke_off_is_replaced(app, api, client, token, reviewer):  # noqa: F811
    """The first attempt stored one envelope and then was refused (a bad second one); the retry works."""
    fields, items, _ = small_submission(api, reviewer)
    spoiled = items[1][1][:-1] + bytes([items[1][1][-1] ^ 1])  # the signature no longer verifies
    refused = post(client, token, body(fields, [items[0], (items[1][0], spoiled)]))
    assert refused.status_code == 422 and refused.get_json()["code"] == "structure"
    assert blobs(app) == []  # refused with its request: nothing kept
    assert post(client, token, body(fields, items)).status_code == 201
    assert len(stored_submissions(app)) == 1


def test_the_csrf_header_comes_first(app, api, client, token, reviewer):  # noqa: F811
    fields, items, _ = small_submission(api, reviewer)
    answer = post(client, token, body(fields, items), csrf=False)
    assert answer.status_code == 400 and answer.get_json()["code"] == "csrf"
    assert stored_submissions(app) == [] and blobs(app) == []


def test_the_body_cap_and_content_types_hold(app, api, client, token):  # noqa: F811
    api.post("/upload/begin")
    too_big = post(client, token, b"\x00" * (inline.BODY_CAP + 1))
    assert too_big.status_code == 413 and too_big.get_json()["code"] == "too_large"
    wrong = post(client, token, b"abc", content_type="text/plain")
    assert wrong.status_code == 415
    assert blobs(app) == []


@pytest.mark.parametrize("spoil", [
    lambda raw: raw[:2],  # no manifest length
    lambda raw: struct.pack(">I", 10 ** 6) + raw[4:],  # manifest past the cap
    lambda raw: raw[:4] + b"x" + raw[5:],  # not JSON
    lambda raw: raw + b"\x00",  # bytes the manifest does not list
    lambda raw: raw[:-1],  # fewer bytes than listed
])
def test_a_malformed_body_is_a_400(app, api, client, token, reviewer, spoil):  # noqa: F811
    fields, items, _ = small_submission(api, reviewer)
    answer = post(client, token, spoil(body(fields, items)))
    assert answer.status_code == 400
    assert stored_submissions(app) == [] and blobs(app) == []


def test_only_this_sessions_slots_may_be_carried(app, api, client, token, reviewer):  # noqa: F811
    fields, items, _ = small_submission(api, reviewer)
    stranger = secrets.token_hex(16)
    answer = post(client, token, body({**fields, "report": stranger}, [(stranger, items[0][1]), items[1]]))
    assert answer.status_code == 404 and answer.get_json()["code"] == "unknown"
    # an inline id the submission does not name
    assert post(client, token, body({**fields, "attachments": []}, items)).status_code == 400
    assert stored_submissions(app) == [] and blobs(app) == []


def test_plaintext_and_other_keys_are_refused(app, api, client, token, reviewer):  # noqa: F811
    fields, items, _ = small_submission(api, reviewer)
    report = items[0][1]
    header = keys.header_size_v2(["xwing"])
    disguised = report[:header] + (b"CANARY plaintext account " * 1000)[: len(report) - header - 64] + report[-64:]
    answer = post(client, token, body(fields, [(items[0][0], disguised), items[1]]))
    assert answer.status_code == 422 and answer.get_json()["code"] == "not_encrypted"
    other = keys.seal_v2(b"x", [keys.XWingSecretKey.generate().public_key])
    answer = post(client, token, body(fields, [(items[0][0], other), items[1]]))
    assert answer.status_code == 422 and answer.get_json()["code"] == "recipients"
    assert stored_submissions(app) == [] and blobs(app) == []
    assert b"CANARY" not in b"".join(path.read_bytes() for path in blobs(app))


def test_inline_and_resumable_uploads_mix(app, api, client, token, reviewer):  # noqa: F811
    """A large file goes through the resumable calls; the report and a small file come inline."""
    begun = api.post("/upload/begin").get_json()
    slots = begun["slots"]
    large = secrets.token_bytes(3 * 65532)
    large_id, large_item = api.upload(keys.seal_v2(large, [reviewer.secret.public_key]))
    small = b"small"
    meta = [{"item_id": large_item, "filename": "big", "content_type": "application/octet-stream", "size": len(large),
             "blake2b_256": hashlib.blake2b(large, digest_size=32).hexdigest()},
            {"item_id": slots[2]["item_id"], "filename": "s", "content_type": "text/plain", "size": 5,
             "blake2b_256": hashlib.blake2b(small, digest_size=32).hexdigest()}]
    report = keys.seal_v2(_report(begun["submission_id"], meta), [reviewer.secret.public_key])
    items = [(slots[0]["upload_id"], report), (slots[2]["upload_id"], keys.seal_v2(small, [reviewer.secret.public_key]))]
    answer = post(client, token, body({"report": slots[0]["upload_id"], "attachments": [large_id, slots[2]["upload_id"]]}, items))
    assert answer.status_code == 201, answer.get_json()
    (row,) = stored_submissions(app)
    _, opened = open_submission(app, row, reviewer.secret)
    assert opened == {large_item: large, slots[2]["item_id"]: small}


def test_the_receipts_lookup_key_travels_in_the_manifest(app, api, client, token, reviewer):  # noqa: F811
    """Check-back (issue 10): the one-request submit opens the reporter's case as the JSON one does."""
    from sqlalchemy import select

    from intake import db
    from intake.checkback.cases import lookup_hash
    from intake.models import Case

    receipt = keys.Receipt.generate()
    fields, items, begun = small_submission(api, reviewer)
    answer = post(client, token, body({**fields, "lookup_key": receipt.lookup_key().hex()}, items))
    assert answer.status_code == 201
    with app.app_context():
        (case,) = db.session().scalars(select(Case)).all()
        assert case.lookup == lookup_hash(receipt.lookup_key())

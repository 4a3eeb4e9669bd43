"""The form page's ticket: a small browser-sealed report with no /upload/begin before its submit.

The report form carries a random ticket, the submission id and the inline
slots derived from it (intake/upload/inline.py page_ticket); nothing is
stored when the page is made. The one-request submit names the ticket and
opens its session itself (intake/upload/sessions.py adopt), then every check
of the inline path applies as after a begin. A ticket opens one submission.
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

import keys
from intake import db
from intake.returns.apply import purge_submission
from intake.storage import current_tick
from sqlalchemy.exc import IntegrityError
from intake.models import CaseSubmission, UploadSession
from intake.upload import inline, sessions
from intake.upload import views as upload_views
from tests.intake.test_intake_capacity import Browser, _app
from tests.intake.test_intake_inline import body, post
from tests.intake.test_intake_upload import _report, api  # noqa: F401  (the fixture)
from tests.support.stored import blobs, open_submission, stored_submissions


def page_ticket(client) -> dict:
    """The ticket, submission id and slots of a fresh form page, as its attributes carry them."""
    page = client.get("/").get_data(as_text=True)
    attribute = lambda name: html.unescape(re.search(rf'\bdata-{name}="([^"]*)"', page).group(1))  # noqa: E731
    slots = [dict(zip(("upload_id", "item_id"), pair.split(":"))) for pair in attribute("slots").split(" ")]
    return {"ticket": attribute("ticket"), "submission_id": attribute("submission-id"), "slots": slots}


def sealed(ids: dict, reviewer, files=(b"%PDF-1.4 CANARY-PDF",)) -> tuple[dict, list]:
    """The report and ``files`` sealed into the slots of ``ids``: (manifest fields, inline items)."""
    slots = ids["slots"]
    items, meta = [], []
    for index, content in enumerate(files, start=1):
        items.append((slots[index]["upload_id"], keys.seal_v2(content, [reviewer.secret.public_key])))
        meta.append({"item_id": slots[index]["item_id"], "filename": f"f{index}.pdf", "content_type": "application/pdf",
                     "size": len(content), "blake2b_256": hashlib.blake2b(content, digest_size=32).hexdigest()})
    items.insert(0, (slots[0]["upload_id"], keys.seal_v2(_report(ids["submission_id"], meta), [reviewer.secret.public_key])))
    return {"report": slots[0]["upload_id"], "attachments": [upload_id for upload_id, _ in items[1:]]}, items


def open_sessions(app) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(UploadSession.key)))


def test_the_page_carries_a_ticket_and_stores_nothing(app, client):
    before = current_tick()
    ids = page_ticket(client)
    token_part, hour = ids["ticket"].split(".")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token_part)
    assert int(hour) in {before, current_tick()}  # the hour of the page, nothing finer (the hour may turn meanwhile)
    with app.test_request_context():
        key = sessions.session_key(ids["ticket"], app.config["SECRET_KEY"])
        assert ids["slots"] == inline.slots(key)
        assert ids["submission_id"] == sessions.ticket_submission_id(key, app.config["SECRET_KEY"])
    assert len(ids["slots"]) == app.config["MAX_ATTACHMENTS"] + 1
    assert re.fullmatch(r"[0-9a-f]{32}", ids["submission_id"])
    assert page_ticket(client)["ticket"] != ids["ticket"]  # a new one with every page
    assert open_sessions(app) == []


def test_a_small_report_is_stored_by_its_submit_alone(app, client, token, reviewer):
    ids = page_ticket(client)
    files = (b"%PDF-1.4 CANARY-PDF", secrets.token_bytes(20000))
    fields, items = sealed(ids, reviewer, files)
    answer = post(client, token, body({**fields, "ticket": ids["ticket"]}, items))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json() == {"location": "/received"}
    (row,) = stored_submissions(app)
    assert row.id == ids["submission_id"]
    assert [item.id for item in row.items] == [slot["item_id"] for slot in ids["slots"][:3]]
    report, opened = open_submission(app, row, reviewer.secret)
    assert report["fields"]["description"] == "CANARY-TEXT-upload"
    assert sorted(opened.values()) == sorted(files)
    assert open_sessions(app) == []  # closed with the submission
    assert b"CANARY" not in b"".join(path.read_bytes() for path in blobs(app))


def test_without_the_ticket_the_pages_slots_are_not_this_sessions(app, client, token, reviewer):
    fields, items = sealed(page_ticket(client), reviewer)
    answer = post(client, token, body(fields, items))
    assert answer.status_code == 404 and answer.get_json()["code"] == "unknown"
    assert stored_submissions(app) == [] and blobs(app) == []


def test_the_csrf_header_comes_before_the_ticket(app, client, token, reviewer):
    ids = page_ticket(client)
    fields, items = sealed(ids, reviewer)
    answer = post(client, token, body({**fields, "ticket": ids["ticket"]}, items), csrf=False)
    assert answer.status_code == 400 and answer.get_json()["code"] == "csrf"
    assert open_sessions(app) == [] and stored_submissions(app) == [] and blobs(app) == []


def test_a_malformed_ticket_is_a_400(app, client, token, reviewer):
    ids = page_ticket(client)
    fields, items = sealed(ids, reviewer)
    bare = ids["ticket"].split(".")[0]
    for ticket in ("short", ids["ticket"][:-1] + "=", 12345, None, bare, bare + ".", bare + ".-1", bare + ".1e3",
                   bare + ".\u0661\u0662", ids["ticket"] + "\n", "é" * 43 + ".1"):
        answer = post(client, token, body({**fields, "ticket": ticket}, items))
        assert (answer.status_code, answer.get_json()["code"]) == (400, "bad_request"), ticket
    assert open_sessions(app) == [] and stored_submissions(app) == []


def test_a_ticket_opens_one_submission_and_a_repeat_gets_the_same_answer(app, client, token, reviewer):
    ids = page_ticket(client)
    fields, items = sealed(ids, reviewer)
    sent = body({**fields, "ticket": ids["ticket"]}, items)
    assert post(client, token, sent).status_code == 201
    again = post(client, token, sent)  # the answer was lost: the same body again
    assert again.status_code == 201 and again.get_json() == {"location": "/received"}
    other_fields, other_items = sealed(ids, reviewer, files=())  # another submission under the same ticket
    refused = post(client, token, body({**other_fields, "ticket": ids["ticket"]}, other_items))
    assert refused.status_code == 404 and refused.get_json()["code"] == "unknown"
    assert len(stored_submissions(app)) == 1 and open_sessions(app) == []


def test_a_refused_attempt_can_be_sent_again_under_the_same_ticket(app, client, token, reviewer):
    ids = page_ticket(client)
    fields, items = sealed(ids, reviewer)
    spoiled = items[1][1][:-1] + bytes([items[1][1][-1] ^ 1])  # the signature no longer verifies
    refused = post(client, token, body({**fields, "ticket": ids["ticket"]}, [items[0], (items[1][0], spoiled)]))
    assert refused.status_code == 422 and refused.get_json()["code"] == "structure"
    assert blobs(app) == []
    assert post(client, token, body({**fields, "ticket": ids["ticket"]}, items)).status_code == 201
    (row,) = stored_submissions(app)
    assert row.id == ids["submission_id"]


def test_a_ticket_counts_against_the_open_sessions_cap(app, monkeypatch, reviewer):
    capped = _app(app, monkeypatch, PENDING_SESSIONS=1)
    assert Browser(capped).post("/upload/begin").status_code == 200  # the site's one open session
    reporter = Browser(capped)
    ids = page_ticket(reporter.client)
    fields, items = sealed(ids, reviewer)
    answer = reporter.client.post("/upload/submit", data=body({**fields, "ticket": ids["ticket"]}, items),
                                  headers={**reporter.headers, "Content-Type": "application/octet-stream"})
    assert (answer.status_code, answer.get_json()["code"]) == (503, "full")
    assert stored_submissions(capped) == [] and blobs(capped) == []


def test_begin_with_the_ticket_opens_its_session_for_a_large_file(app, api, client, token, reviewer):  # noqa: F811
    """A large file is uploaded resumably first: begin names the ticket and gets the page's ids."""
    ids = page_ticket(client)
    begun = api.post("/upload/begin", {"ticket": ids["ticket"]})
    assert begun.status_code == 200
    assert begun.get_json() == {"submission_id": ids["submission_id"], "slots": ids["slots"]}
    large = secrets.token_bytes(3 * 65532)
    large_id, large_item = api.upload(keys.seal_v2(large, [reviewer.secret.public_key]))
    meta = [{"item_id": large_item, "filename": "big", "content_type": "application/octet-stream", "size": len(large),
             "blake2b_256": hashlib.blake2b(large, digest_size=32).hexdigest()}]
    report = keys.seal_v2(_report(ids["submission_id"], meta), [reviewer.secret.public_key])
    report_id = ids["slots"][0]["upload_id"]
    manifest = {"report": report_id, "attachments": [large_id], "ticket": ids["ticket"]}
    answer = post(client, token, body(manifest, [(report_id, report)]))
    assert answer.status_code == 201, answer.get_json()
    (row,) = stored_submissions(app)
    assert row.id == ids["submission_id"]
    _, opened = open_submission(app, row, reviewer.secret)
    assert opened == {large_item: large}
    assert api.post("/upload/begin", {"ticket": ids["ticket"]}).get_json()["code"] == "unknown"  # used


def ticket_ids(app, ticket: str) -> dict:
    """The ids a page with ``ticket`` would carry (as :func:`page_ticket` reads them from the page)."""
    with app.test_request_context():
        key = sessions.session_key(ticket, app.config["SECRET_KEY"])
        return {"ticket": ticket, "submission_id": sessions.ticket_submission_id(key, app.config["SECRET_KEY"]),
                "slots": inline.slots(key)}


def test_a_ticket_opens_a_session_only_in_its_hour_and_the_next_two(app, client, token, reviewer):
    hour = 3600
    with app.app_context():
        fresh = [sessions.new_ticket(now=time.time() - hours * hour) for hours in (3, -2, 2)]
    for ticket in fresh[:2]:  # three hours old; two hours ahead (another server's clock is not that far off)
        fields, items = sealed(ticket_ids(app, ticket), reviewer)
        answer = post(client, token, body({**fields, "ticket": ticket}, items))
        assert (answer.status_code, answer.get_json()["code"]) == (404, "unknown"), ticket
    assert stored_submissions(app) == [] and blobs(app) == [] and open_sessions(app) == []
    ids = ticket_ids(app, fresh[2])  # two hours old: still good
    fields, items = sealed(ids, reviewer)
    assert post(client, token, body({**fields, "ticket": ids["ticket"]}, items)).status_code == 201
    assert [row.id for row in stored_submissions(app)] == [ids["submission_id"]]


def test_an_altered_hour_is_another_ticket(app, client, token, reviewer):
    ids = page_ticket(client)
    bare, hour = ids["ticket"].split(".")
    fields, items = sealed(ids, reviewer)  # the page's slots, under the ticket with another hour
    answer = post(client, token, body({**fields, "ticket": f"{bare}.{int(hour) - 1}"}, items))
    assert (answer.status_code, answer.get_json()["code"]) == (404, "unknown")
    assert stored_submissions(app) == [] and blobs(app) == []


def test_a_purged_submissions_ticket_stays_used_while_its_case_names_it(app, client, token, reviewer):
    """Acknowledged (purged) submissions keep their case row; the ticket must not store a second report under that id."""
    ids = page_ticket(client)
    fields, items = sealed(ids, reviewer)
    lookup = secrets.token_hex(32)
    assert post(client, token, body({**fields, "ticket": ids["ticket"], "lookup_key": lookup}, items)).status_code == 201
    with app.app_context():
        db_session = db.session()
        purge_submission(db_session, ids["submission_id"])
        db_session.commit()
        assert db_session.scalar(select(CaseSubmission.submission_id)) == ids["submission_id"]
    assert stored_submissions(app) == []
    fields, items = sealed(ids, reviewer, files=(b"%PDF-1.4 SECOND",))
    for extra in ({"lookup_key": secrets.token_hex(32)}, {}):
        answer = post(client, token, body({**fields, "ticket": ids["ticket"], **extra}, items))
        assert (answer.status_code, answer.get_json()["code"]) == (404, "unknown")
    assert stored_submissions(app) == [] and blobs(app) == [] and open_sessions(app) == []


def test_a_submit_racing_another_of_its_session_is_told_to_retry(app, client, token, reviewer, monkeypatch):
    """The other request declared the same slot first (IntegrityError): 503, nothing stored, and the retry is stored."""
    ids = page_ticket(client)
    fields, items = sealed(ids, reviewer)
    sent = body({**fields, "ticket": ids["ticket"]}, items)
    declare = sessions.declare

    def raced(*args, **kwargs):
        raise IntegrityError("INSERT INTO blobs", {}, Exception("UNIQUE constraint failed: blobs.id"))

    monkeypatch.setattr(sessions, "declare", raced)
    answer = post(client, token, sent)
    assert (answer.status_code, answer.get_json()["code"]) == (503, "concurrent")
    assert stored_submissions(app) == [] and blobs(app) == []
    monkeypatch.setattr(sessions, "declare", declare)
    assert post(client, token, sent).status_code == 201
    assert [row.id for row in stored_submissions(app)] == [ids["submission_id"]]


# ---- two reports under one ticket (two tabs of one page, or a page sent twice) ----


def stored_hashes(app) -> list[list[str]]:
    """The SHA-256 of each stored item, per submission: what was stored, byte for byte."""
    return [[item.sha256 for item in row.items] for row in stored_submissions(app)]


def envelope_hashes(items) -> list[str]:
    """The SHA-256 of each envelope a submit carries, in stored order (the report's first)."""
    report = [data for upload_id, data in items if upload_id == items[0][0]]
    return [hashlib.sha256(data).hexdigest() for data in report + [data for _, data in items[1:]]]


def send(browser, data: bytes):
    return browser.client.post("/upload/submit", data=data,
                               headers={**browser.headers, "Content-Type": "application/octet-stream"})


def two_reports(app, reviewer, same=False):
    """One page's ticket and two bodies sealed under it: different reports (another
    tab of the page), or with ``same`` the very same bytes twice (the browser's retry)."""
    ids = page_ticket(Browser(app).client)
    fields, items = sealed(ids, reviewer, files=(b"%PDF-1.4 FIRST",))
    first = body({**fields, "ticket": ids["ticket"]}, items)
    if same:
        return ids, (first, items), (first, items)
    other_fields, other_items = sealed(ids, reviewer, files=(b"%PDF-1.4 SECOND",))
    return ids, (first, items), (body({**other_fields, "ticket": ids["ticket"]}, other_items), other_items)


USED = {
    "es": "Esta página del formulario ya envió una denuncia (quizá desde otra pestaña), o tiene algunas horas, así que "
          "no puede enviar esta. No se guardó nada de esta denuncia. Vuelva a cargar la página y envíela de nuevo.",
    "en": "This form page has sent a report already (perhaps from another tab), or it is some hours old, so it cannot "
          "send this one. Nothing of this report was stored. Please reload the page and send it again.",
}
CONCURRENT = {
    "es": "Otra denuncia de esta página se estaba guardando en el mismo momento, así que todavía no se guardó nada de "
          "esta. Su navegador lo intenta de nuevo por sí solo.",
    "en": "Another report from this page was being stored at the same moment, so nothing of this one was stored yet. "
          "Your browser tries again by itself.",
}


def test_another_report_under_a_used_ticket_is_not_told_it_was_received(app, client, token, reviewer):
    """The same ids but other bytes: not a repeat of the stored one, so 404 (the browser begins anew)."""
    ids, (first, items), (second, _) = two_reports(app, reviewer)
    assert post(client, token, first).status_code == 201
    for lang in ("es", "en"):
        answer = send(Browser(app, lang), second)
        assert (answer.status_code, answer.get_json()["code"]) == (404, "unknown")
        assert answer.get_json()["error"] == USED[lang]
    assert stored_hashes(app) == [envelope_hashes(items)]
    assert post(client, token, first).status_code == 201  # the first one's own retry still is
    assert stored_hashes(app) == [envelope_hashes(items)] and open_sessions(app) == []


def run_interleaved(app, monkeypatch, first: bytes, second: bytes, lang="es"):
    """Send ``first`` and ``second`` from two browsers (the second's in ``lang``) on
    two threads: the second's whole request runs while the first has checked its
    envelopes and is about to store them. Returns the two answers as (status, code
    or None, message or None)."""
    store = upload_views.shared.store
    waiting, done = threading.Event(), threading.Event()

    def paused(*args, **kwargs):
        if threading.current_thread().name == "first":
            waiting.set()
            assert done.wait(60)
        return store(*args, **kwargs)

    monkeypatch.setattr(upload_views.shared, "store", paused)
    answers = {}

    def run(name, data):
        answer = send(Browser(app, lang), data)
        answers[name] = (answer.status_code, answer.get_json().get("code"), answer.get_json().get("error"))

    thread = threading.Thread(target=run, args=("first", first), name="first")
    thread.start()
    try:
        assert waiting.wait(60)
        run("second", second)
    finally:
        done.set()
        thread.join(60)
    monkeypatch.setattr(upload_views.shared, "store", store)
    return answers["first"], answers["second"]


def test_of_two_reports_racing_under_one_ticket_exactly_one_is_stored(app, reviewer, monkeypatch):
    """The other tab's report does not replace the envelopes of one being stored: it is
    told to retry (503), and its retry learns the ticket is used (404, so the browser
    begins a session of its own); nobody is told 201 for a report that was not stored."""
    ids, (first, items), (second, _) = two_reports(app, reviewer)
    assert run_interleaved(app, monkeypatch, first, second, "en") == ((201, None, None), (503, "concurrent", CONCURRENT["en"]))
    assert stored_hashes(app) == [envelope_hashes(items)]
    assert [row.id for row in stored_submissions(app)] == [ids["submission_id"]]
    retry = send(Browser(app), second)
    assert (retry.status_code, retry.get_json()["code"], retry.get_json()["error"]) == (404, "unknown", USED["es"])
    assert stored_hashes(app) == [envelope_hashes(items)]
    assert [blob.complete for blob in blobs(app)] == [True, True] and open_sessions(app) == []


def test_the_same_report_racing_its_retry_is_stored_once_and_both_hear_201(app, reviewer, monkeypatch):
    ids, (first, items), (second, _) = two_reports(app, reviewer, same=True)
    assert run_interleaved(app, monkeypatch, first, second) == ((201, None, None), (201, None, None))
    assert stored_hashes(app) == [envelope_hashes(items)]
    assert [blob.complete for blob in blobs(app)] == [True, True] and open_sessions(app) == []


def test_two_reports_sent_at_once_under_one_ticket_store_one_and_refuse_the_other(app, reviewer):
    """Free-running: both start together; whoever loses hears 503 or 404, never 201, and
    after its retries (as upload.js makes them on a 5xx) it hears 404."""
    for _round in range(3):
        ids, first, second = two_reports(app, reviewer)
        start = threading.Barrier(2)

        def attempt(sent):
            browser = Browser(app)
            start.wait(30)
            deadline = time.monotonic() + 60  # only catches a hang: a loaded machine may hold the slot long
            while time.monotonic() < deadline:
                answer = send(browser, sent[0])
                if answer.status_code != 503:
                    return answer.status_code, answer.get_json().get("code"), sent[1]
                assert (answer.get_json()["code"], answer.get_json()["error"]) == ("concurrent", CONCURRENT["es"])
                time.sleep(0.05)  # upload.js also waits before retrying a 5xx
            raise AssertionError("still 503 after 60 s of retries")

        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(attempt, (first, second)))
        assert sorted(outcome[:2] for outcome in outcomes) == [(201, None), (404, "unknown")]
        (winner,) = [outcome[2] for outcome in outcomes if outcome[0] == 201]
        (row,) = [row for row in stored_submissions(app) if row.id == ids["submission_id"]]
        assert [item.sha256 for item in row.items] == envelope_hashes(winner)
    assert len(stored_submissions(app)) == 3 and open_sessions(app) == []
    assert all(blob.complete for blob in blobs(app))
